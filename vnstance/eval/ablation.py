"""The ablation table: each accuracy lever on and off, cross-validated on the seed gold.

Run: ``python -m vnstance.eval.ablation --markdown docs/ablation.md`` (a few minutes: one
grouped CV per row). Every row leaves one article out per fold; rows with authored data add
it to every fold's training set and never score it.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from ..dataset import AUTHORED_PATH, GOLD_PATH, load_labelled
from ..schema import HEADS
from .bootstrap import intervals
from .cv import cross_validate
from .metrics import all_metrics

FULL: dict[str, Any] = {"mention_gate": True, "mask_targets": True, "cue_features": True, "char_ngrams": False,
                        "tune": True}
PLAIN: dict[str, Any] = {"mention_gate": False, "mask_targets": False, "cue_features": False, "char_ngrams": False,
                         "tune": False}
ROWS: list[tuple[str, bool, dict[str, Any]]] = [
    ("plain TF-IDF + LR, seed gold only", False, PLAIN),
    ("plain TF-IDF + LR, + authored data", True, PLAIN),
    ("full model (the default)", True, FULL),
    ("full − mention gate", True, {**FULL, "mention_gate": False}),
    ("full − target masking (per-target models)", True, {**FULL, "mask_targets": False}),
    ("full − cue features", True, {**FULL, "cue_features": False}),
    ("full + character n-grams", True, {**FULL, "char_ngrams": True}),
    ("full − tuning (C=1, balanced, word 1-2-grams)", True, {**FULL, "tune": False}),
    ("full − authored data", False, FULL),
]


def run(rows=ROWS) -> list[dict[str, Any]]:
    gold_data = load_labelled(GOLD_PATH)
    authored = load_labelled(AUTHORED_PATH)
    gold = {h: gold_data.column(h) for h in HEADS}
    out = []
    for name, with_authored, params in rows:
        res = cross_validate(gold_data, authored if with_authored else None, 0, **params)
        m = all_metrics(gold, res.pred)
        ci = intervals(gold, res.pred)
        out.append({"name": name, "params": params, "authored": with_authored, "f_avg": m["f_avg"],
                    "f_avg_ci": ci["f_avg"], **{f"{h}_macro_f1": m[h]["macro_f1"] for h in HEADS}})
        print(f"{name}: f_avg {m['f_avg']:.3f}", file=sys.stderr)
    return out


def markdown(rows: list[dict[str, Any]]) -> str:
    lines = ["| configuration | f_avg | 95% CI | russia macro F1 | us macro F1 | sentiment macro F1 |",
             "|---|---:|---|---:|---:|---:|"]
    for r in rows:
        lines.append(f"| {r['name']} | {r['f_avg']:.3f} | [{r['f_avg_ci'][0]:.3f}, {r['f_avg_ci'][1]:.3f}] | "
                     f"{r['russia_macro_f1']:.3f} | {r['us_macro_f1']:.3f} | {r['sentiment_macro_f1']:.3f} |")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--markdown", help="write the table here (default: stdout)")
    args = parser.parse_args(argv)
    table = markdown(run())
    if args.markdown:
        with open(args.markdown, "w", encoding="utf-8") as f:
            f.write(table)
    else:
        print(table, end="")


if __name__ == "__main__":
    main()
