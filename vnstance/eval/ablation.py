"""The ablation table: each accuracy lever on and off, cross-validated on the seed gold.

Run: ``python -m vnstance.eval.ablation --markdown docs/ablation.md`` (one grouped CV per row,
three to five minutes each on a shared machine). Every row leaves one article out per fold;
rows with authored data add both authored files to every fold's training set and never score
them. The rows that change what prediction costs (syllables instead of words, character n-grams)
are also timed: each is trained once on all the shipped data and predicts every shipped sentence with
the segmentation cache emptied, then underthesea's own ``word_tokenize`` segments the same
sentences as the floor (as in ``vnstance bench``; ``segment.segment`` is faster than it, so it
would not be the floor).

``--markdown PATH`` rewrites only what lies between the lines ``<!-- ablation:begin -->`` and
``<!-- ablation:end -->`` of PATH, atomically; the hand-written text around them is kept. A
file without the markers is a one-line error (checked before any CV runs); a file that does
not exist is created with the table between markers. Without ``--rows`` the table is
regenerated whole. With ``--rows TEXT`` only the rows whose name contains TEXT are measured,
and they are merged: each replaces the line of the same name (in the accuracy table, and in
the speed table if it is timed) or is added in ROWS' order, and every other line is kept as
it was, so a table can be re-measured one row at a time."""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path
from typing import Any

from ..dataset import AUTHORED_2_PATH, AUTHORED_PATH, GOLD_PATH, load_labelled
from ..errors import DataError, VnstanceError
from ..features import segment
from ..features.normalize import nfc
from ..model.train import fit
from ..schema import DEFAULT
from ..textfiles import atomic_file
from .bootstrap import intervals
from .cv import cross_validate
from .metrics import all_metrics

FULL: dict[str, Any] = {"mention_gate": True, "mask_targets": True, "cue_features": True, "cue_split": True,
                        "cue_roles": True, "char_ngrams": False, "tune": True}
PLAIN: dict[str, Any] = {"mention_gate": False, "mask_targets": False, "cue_features": False, "char_ngrams": False,
                         "tune": False}
ROWS: list[tuple[str, bool, dict[str, Any]]] = [
    ("plain TF-IDF + LR, seed gold only", False, PLAIN),
    ("plain TF-IDF + LR, + authored data", True, PLAIN),
    ("full model (the default)", True, FULL),
    ("full − mention gate", True, {**FULL, "mention_gate": False}),
    ("full − target masking (per-target models)", True, {**FULL, "mask_targets": False}),
    ("full − cue features", True, {**FULL, "cue_features": False}),
    ("full − attitude/event split of cue classes (merged as before)", True, {**FULL, "cue_split": False}),
    ("full − cue roles (agent/object, speaker, no-attitude flags)", True, {**FULL, "cue_roles": False}),
    ("full − split − roles (cue features as before, new lexicon)", True,
     {**FULL, "cue_split": False, "cue_roles": False}),
    ("full + character n-grams", True, {**FULL, "char_ngrams": True}),
    ("full − tuning (C=1, balanced, word 1-2-grams)", True, {**FULL, "tune": False}),
    ("full − authored data", False, FULL),
    ("full, syllable n-grams (no word segmentation)", True, {**FULL, "segment": False}),
]
TIMED = ("full model (the default)", "full + character n-grams", "full, syllable n-grams (no word segmentation)")


def _sentences_per_second(texts: list[str], params: dict[str, Any], train) -> dict[str, float]:
    pipe = fit(train, 0, **params)
    pipe.predict_proba(texts[:10])  # load and warm whatever the first call loads
    segment.segment.cache_clear()
    started = time.perf_counter()
    pipe.predict_proba(texts)
    predict_s = time.perf_counter() - started
    segment.segment.cache_clear()
    # The floor is underthesea's own word_tokenize, as in `vnstance bench`: segment.segment
    # computes the same words faster, so timing it would move the floor, not the model.
    from underthesea import word_tokenize

    normalised = [nfc(t) for t in texts]
    word_tokenize(normalised[0])  # load its model outside the timing
    started = time.perf_counter()
    for t in normalised:
        word_tokenize(t)
    floor_s = time.perf_counter() - started
    return {"predict_per_s": len(texts) / predict_s, "segmentation_per_s": len(texts) / floor_s}


def run(rows=ROWS) -> list[dict[str, Any]]:
    gold_data = load_labelled(GOLD_PATH)
    authored = load_labelled([AUTHORED_PATH, AUTHORED_2_PATH])
    gold = {h: gold_data.column(h) for h in DEFAULT.heads}
    out = []
    for name, with_authored, params in rows:
        res = cross_validate(gold_data, authored if with_authored else None, 0, **params)
        m = all_metrics(gold, res.pred)
        ci = intervals(gold, res.pred)
        row = {"name": name, "params": params, "authored": with_authored, "f_avg": m["f_avg"],
               "f_avg_ci": ci["f_avg"], "false_alarm": m["false_alarm"],
               **{f"{h}_macro_f1": m[h]["macro_f1"] for h in DEFAULT.heads}}
        if name in TIMED:
            row["speed"] = _sentences_per_second((gold_data + authored).texts, params, gold_data + authored)
        out.append(row)
        print(f"{name}: f_avg {m['f_avg']:.3f}, false alarms {m['false_alarm']:.3f}", file=sys.stderr)
    return out


ACCURACY_HEADER = ["| configuration | f_avg | 95% CI | false alarms | russia macro F1 | us macro F1 | sentiment macro F1 |",
                   "|---|---:|---|---:|---:|---:|---:|"]
SPEED_HEADER = ["Speed, in one process on every shipped sentence with the segmentation cache emptied "
                "(sentences per second; the floor is underthesea's `word_tokenize` alone, as in `vnstance bench`, "
                "timed right after):", "",
                "| configuration | predict, sentences/s | segmentation alone, sentences/s | predict / floor |",
                "|---|---:|---:|---:|"]
BEGIN = "<!-- ablation:begin -->"
END = "<!-- ablation:end -->"


def _accuracy_line(r: dict[str, Any]) -> str:
    return (f"| {r['name']} | {r['f_avg']:.3f} | [{r['f_avg_ci'][0]:.3f}, {r['f_avg_ci'][1]:.3f}] | "
            f"{r['false_alarm']:.3f} | {r['russia_macro_f1']:.3f} | {r['us_macro_f1']:.3f} | "
            f"{r['sentiment_macro_f1']:.3f} |")


def _speed_line(r: dict[str, Any]) -> str:
    s = r["speed"]
    return (f"| {r['name']} | {s['predict_per_s']:.0f} | {s['segmentation_per_s']:.0f} | "
            f"{s['predict_per_s'] / s['segmentation_per_s']:.2f}x |")


def _table(accuracy: dict[str, str], speed: dict[str, str]) -> str:
    lines = ACCURACY_HEADER + list(accuracy.values())
    if speed:
        lines += [""] + SPEED_HEADER + list(speed.values())
    return "\n".join(lines) + "\n"


def markdown(rows: list[dict[str, Any]]) -> str:
    """The generated tables (accuracy, then speed for the timed rows), in the rows' order."""
    return _table({r["name"]: _accuracy_line(r) for r in rows},
                  {r["name"]: _speed_line(r) for r in rows if "speed" in r})


def _parse(table: str) -> tuple[dict[str, str], dict[str, str]]:
    """The body lines of a generated table, keyed by configuration: (accuracy, speed)."""
    tables: list[dict[str, str]] = [{}, {}]
    which = -1
    lines = table.splitlines()
    for line, after in zip(lines, lines[1:] + [""]):
        if line.startswith("|---"):
            which += 1
        elif line.startswith("| ") and not after.startswith("|---") and which in (0, 1):  # not a header
            tables[which][line.split(" | ", 1)[0][2:]] = line
    return tables[0], tables[1]


def _ordered(lines: dict[str, str]) -> dict[str, str]:
    """ROWS' order; names that are not (or no longer) in ROWS keep their place after them."""
    rank = {name: k for k, (name, _, _) in enumerate(ROWS)}
    return dict(sorted(lines.items(), key=lambda kv: rank.get(kv[0], len(rank))))


def merge(table: str, rows: list[dict[str, Any]]) -> str:
    """``table`` (a generated table) with ``rows`` measured again: their lines replace those of
    the same name, or are added in ROWS' order; every other line is kept as it was."""
    accuracy, speed = _parse(table)
    accuracy.update({r["name"]: _accuracy_line(r) for r in rows})
    speed.update({r["name"]: _speed_line(r) for r in rows if "speed" in r})
    return _table(_ordered(accuracy), _ordered(speed))


def _split(path: str, text: str) -> tuple[str, str, str]:
    """(before, the generated block, after) of a document; a one-line error without markers."""
    head, sep, rest = text.partition(BEGIN + "\n")
    block, sep2, tail = rest.partition(END)
    if not sep or not sep2 or BEGIN in tail or END in head:
        raise DataError(path, None, f"needs one '{BEGIN}' line and one '{END}' after it around the "
                        "generated table (add them, or name a new file)")
    return head + sep, block, sep2 + tail


def _check_markdown(path: str) -> None:
    """Fail before hours of CV, not after: the document must exist with markers, or not at all."""
    if os.path.exists(path):
        _split(path, Path(path).read_text(encoding="utf-8"))


def write_markdown(path: str, rows: list[dict[str, Any]], merge_rows: bool) -> None:
    """Put the generated table between the markers of the document at ``path``, leaving the
    rest of it as it was (written atomically); a new file holds the table between markers.
    ``merge_rows``: keep the lines of rows not measured this time (see the module's doc)."""
    if not os.path.exists(path):
        with atomic_file(path) as f:
            f.write(f"{BEGIN}\n{markdown(rows)}{END}\n")
        return
    head, block, tail = _split(path, Path(path).read_text(encoding="utf-8"))
    table = merge(block, rows) if merge_rows else markdown(rows)
    with atomic_file(path) as f:
        f.write(head + table + tail)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--markdown", help="update the table between the markers of this file (default: stdout)")
    parser.add_argument("--rows", help="only the rows whose name contains this text (merged into --markdown's table)")
    parser.add_argument("--json", help="also write the rows' figures here (JSON)")
    args = parser.parse_args(argv)
    rows = [r for r in ROWS if not args.rows or args.rows in r[0]]
    try:
        if not rows:
            raise VnstanceError(f"no row's name contains {args.rows!r}")
        if args.markdown:
            _check_markdown(args.markdown)
        results = run(rows)
        if args.json:
            with atomic_file(args.json) as f:
                json.dump(results, f, ensure_ascii=False, indent=1)
        if args.markdown:
            write_markdown(args.markdown, results, merge_rows=bool(args.rows))
        else:
            print(markdown(results), end="")
    except VnstanceError as e:
        print(f"error: {e}", file=sys.stderr)
        sys.exit(2)


if __name__ == "__main__":
    main()
