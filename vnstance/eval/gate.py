"""The CI gate: floors on report metrics (``--fail-under f_avg=0.45``) and ceilings on the ones
where lower is better (``--fail-under false_alarm<=0.12``)."""

from __future__ import annotations

from typing import Any, NamedTuple, Sequence

from ..errors import DataError, VnstanceError
from ..textfiles import numbered_lines


class Bound(NamedTuple):
    """A floor (``METRIC=VALUE`` or ``METRIC>=VALUE``) or, with ``upper``, a ceiling (``METRIC<=VALUE``)."""

    name: str
    value: float
    upper: bool = False


def parse_floors(specs: Sequence[str]) -> list[Bound]:
    """``METRIC=VALUE`` / ``METRIC>=VALUE`` (floors) and ``METRIC<=VALUE`` (ceilings); ``@FILE`` reads
    more of them from a file, one a line ('#' comments)."""
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


def _parse_one(spec: str) -> Bound:
    name, sep, value = spec.partition("=")
    upper = name.endswith("<")
    name = name[:-1] if name.endswith(("<", ">")) else name
    try:
        if not sep or not name.strip():
            raise ValueError
        return Bound(name.strip(), float(value), upper)
    except ValueError:
        raise VnstanceError(f"bad floor {spec!r}: expected METRIC=VALUE (a floor) or METRIC<=VALUE (a ceiling), "
                            "e.g. f_avg=0.45, false_alarm<=0.12") from None


def lookup(report: dict[str, Any], name: str) -> float:
    """A metric by dotted name: 'f_avg', 'sentiment.macro_f1', 'russia.favor.f1', 'mentions.us.f1',
    'margins.keyword.f_avg', 'false_alarm', 'russia.false_alarm'."""
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


def check(report: dict[str, Any], floors: Sequence[tuple]) -> list[str]:
    """One message per metric below its floor or above its ceiling; empty when all pass."""
    failures = []
    for bound in floors:
        name, limit, upper = Bound(*bound)
        value = lookup(report, name)
        if upper and value > limit:
            failures.append(f"{name} = {value:.4f} is above its ceiling {limit:.4f}")
        elif not upper and value < limit:
            failures.append(f"{name} = {value:.4f} is below its floor {limit:.4f}")
    return failures

