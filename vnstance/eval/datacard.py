"""Counts per label for the data card (seeds/README.md), computed from the files themselves.

Run: ``python -m vnstance.eval.datacard seeds/gold.jsonl seeds/authored.jsonl seeds/authored-2.jsonl``
prints the two Markdown tables the card carries. Every file is validated as it is loaded.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Sequence

from ..dataset import load_labelled
from ..schema import DEFAULT


def tables(paths: Sequence[str | Path]) -> str:
    stance = ["| file | sentences | head | " + " | ".join(DEFAULT.labels["russia"]) + " | favor or against, share of slots |",
              "|---|---:|---|" + "---:|" * (len(DEFAULT.labels["russia"]) + 1)]
    senti = ["| file | groups (`doc`) | " + " | ".join(DEFAULT.labels["sentiment"]) + " |",
             "|---|---:|" + "---:|" * len(DEFAULT.labels["sentiment"])]
    for path in paths:
        d = load_labelled(path)
        c = d.label_counts()
        name = Path(path).name
        attitude = sum(c[t]["favor"] + c[t]["against"] for t in DEFAULT.targets) / (2 * len(d))
        for k, t in enumerate(DEFAULT.targets):
            head = f"| {name} | {len(d)} |" if k == 0 else "| | |"
            share = f" {attitude:.0%} |" if k == 0 else " |"
            stance.append(f"{head} {t} | " + " | ".join(str(c[t][lab]) for lab in DEFAULT.labels[t]) + " |" + share)
        senti.append(f"| {name} | {len(set(d.groups))} | "
                     + " | ".join(str(c["sentiment"][lab]) for lab in DEFAULT.labels["sentiment"]) + " |")
    return "\n".join(stance) + "\n\n" + "\n".join(senti) + "\n"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("paths", nargs="+")
    print(tables(parser.parse_args(argv).paths), end="")


if __name__ == "__main__":
    main()
