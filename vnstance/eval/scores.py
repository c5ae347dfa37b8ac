"""Stance scores beyond per-label F1: how often the model sees an attitude that is not there."""

from __future__ import annotations

from typing import Sequence

from ..schema import DEFAULT, Schema

QUIET = ("neutral", "none")  # gold that carries no attitude
POLES = ("favor", "against")


def false_alarms(gold: Sequence[str], pred: Sequence[str]) -> tuple[int, int]:
    """(slots with a quiet gold label predicted favor/against, slots with a quiet gold label)."""
    quiet = [p for g, p in zip(gold, pred) if g in QUIET]
    return sum(1 for p in quiet if p in POLES), len(quiet)


def false_alarm_rate(gold: dict[str, Sequence[str]], pred: dict[str, Sequence[str]],
                     schema: Schema = DEFAULT) -> dict[str, float]:
    """The share of target slots whose gold is ``neutral``/``none`` that get ``favor``/``against``:
    per target of ``schema``, and pooled over all targets' slots (0 where there is no such slot)."""
    out, hits, total = {}, 0, 0
    for t in schema.targets:
        h, n = false_alarms(gold[t], pred[t])
        out[t] = h / n if n else 0.0
        hits, total = hits + h, total + n
    out["pooled"] = hits / total if total else 0.0
    return out
