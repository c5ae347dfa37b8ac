"""The CI gate: floors on report metrics (``--fail-under f_avg=0.45``)."""

from __future__ import annotations

from typing import Any, Sequence

from ..errors import DataError, VnstanceError
from ..textfiles import numbered_lines


def parse_floors(specs: Sequence[str]) -> list[tuple[str, float]]:
    """``METRIC=VALUE`` items; ``@FILE`` reads more of them from a file, one a line ('#' comments)."""
    floors = []
    for spec in specs:
        if spec.startswith("@"):
            path = spec[1:]
            for no, line in numbered_lines(path):
                line = line.split("#", 1)[0].strip()
                if line:
                    try:
                        floors.append(_parse_one(line))
                    except VnstanceError as e:
                        raise DataError(path, no, str(e)) from None
        else:
            floors.append(_parse_one(spec))
    return floors


def _parse_one(spec: str) -> tuple[str, float]:
    name, sep, value = spec.partition("=")
    try:
        if not sep or not name.strip():
            raise ValueError
        return name.strip(), float(value)
    except ValueError:
        raise VnstanceError(f"bad floor {spec!r}: expected METRIC=VALUE, e.g. f_avg=0.45") from None


def lookup(report: dict[str, Any], name: str) -> float:
    """A metric by dotted name: 'f_avg', 'sentiment.macro_f1', 'russia.favor.f1', 'mentions.us.f1',
    'margins.keyword.f_avg'."""
    parts = name.split(".")
    node: Any = report if parts[0] in ("margins", "baselines") else report["metrics"]
    i = 0
    while i < len(parts):
        key = parts[i]
        if isinstance(node, dict) and key in node:
            node = node[key]
        elif isinstance(node, dict) and "labels" in node and key in node["labels"]:
            node = node["labels"][key]
        elif isinstance(node, dict) and ".".join(parts[i:]) in node:  # margins hold 'sentiment.macro_f1'
            node = node[".".join(parts[i:])]
            break
        else:
            raise VnstanceError(f"unknown metric {name!r} (e.g. f_avg, sentiment.macro_f1, russia.favor.f1, "
                                "mentions.us.f1, margins.keyword.f_avg)")
        i += 1
    if not isinstance(node, (int, float)):
        raise VnstanceError(f"metric {name!r} is not a number")
    return float(node)


def check(report: dict[str, Any], floors: Sequence[tuple[str, float]]) -> list[str]:
    """One message per metric below its floor; empty when all pass."""
    failures = []
    for name, floor in floors:
        value = lookup(report, name)
        if value < floor:
            failures.append(f"{name} = {value:.4f} is below its floor {floor:.4f}")
    return failures

