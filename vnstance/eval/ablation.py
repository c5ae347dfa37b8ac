"""The ablation table: each accuracy lever on and off, cross-validated on the seed gold.

Run: ``python -m vnstance.eval.ablation --markdown docs/ablation.md`` (one grouped CV per row,
about half a minute each). Every row leaves one article out per fold; rows with authored data
add both authored files to every fold's training set and never score them. The rows that
differ in how a sentence is read (word segmentation or syllables) are also timed: each is
trained once on all the shipped data and predicts every shipped sentence with the
segmentation cache emptied, back to back, with underthesea's segmentation alone as the floor.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from typing import Any

from ..dataset import AUTHORED_2_PATH, AUTHORED_PATH, GOLD_PATH, load_labelled
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
TIMED = ("full model (the default)", "full, syllable n-grams (no word segmentation)")


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


def markdown(rows: list[dict[str, Any]]) -> str:
    lines = ["| configuration | f_avg | 95% CI | false alarms | russia macro F1 | us macro F1 | sentiment macro F1 |",
             "|---|---:|---|---:|---:|---:|---:|"]
    for r in rows:
        lines.append(f"| {r['name']} | {r['f_avg']:.3f} | [{r['f_avg_ci'][0]:.3f}, {r['f_avg_ci'][1]:.3f}] | "
                     f"{r['false_alarm']:.3f} | {r['russia_macro_f1']:.3f} | {r['us_macro_f1']:.3f} | "
                     f"{r['sentiment_macro_f1']:.3f} |")
    timed = [r for r in rows if "speed" in r]
    if timed:
        lines += ["", "Speed, in one process on every shipped sentence with the segmentation cache emptied "
                  "(sentences per second; the floor is underthesea's segmentation alone, timed right after):", "",
                  "| configuration | predict, sentences/s | segmentation alone, sentences/s |", "|---|---:|---:|"]
        for r in timed:
            lines.append(f"| {r['name']} | {r['speed']['predict_per_s']:.0f} | "
                         f"{r['speed']['segmentation_per_s']:.0f} |")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--markdown", help="write the table here (default: stdout)")
    parser.add_argument("--rows", help="only the rows whose name contains this text")
    parser.add_argument("--json", help="also write the rows' figures here (JSON)")
    args = parser.parse_args(argv)
    rows = [r for r in ROWS if not args.rows or args.rows in r[0]]
    results = run(rows)
    if args.json:
        with atomic_file(args.json) as f:
            json.dump(results, f, ensure_ascii=False, indent=1)
    table = markdown(results)
    if args.markdown:
        with atomic_file(args.markdown) as f:
            f.write(table)
    else:
        print(table, end="")


if __name__ == "__main__":
    main()
