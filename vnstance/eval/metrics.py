"""Classification metrics, written out so that every figure is easy to check by hand.

Precision, recall and F1 are 0 where undefined (no predictions, or no gold, of a label).
"""

from __future__ import annotations

from typing import Any, Sequence

from ..schema import HEADS, LABELS, TARGETS
from .scores import false_alarm_rate

STANCE_POLES = ("favor", "against")


def prf(gold: Sequence[str], pred: Sequence[str], label: str) -> tuple[float, float, float, int]:
    """Precision, recall, F1 and support (gold count) of one label."""
    tp = sum(1 for g, p in zip(gold, pred) if g == label and p == label)
    n_pred = sum(1 for p in pred if p == label)
    n_gold = sum(1 for g in gold if g == label)
    precision = tp / n_pred if n_pred else 0.0
    recall = tp / n_gold if n_gold else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f1, n_gold


def confusion(gold: Sequence[str], pred: Sequence[str], labels: Sequence[str]) -> list[list[int]]:
    """matrix[i][j]: sentences whose gold is labels[i] and prediction labels[j]."""
    index = {lab: i for i, lab in enumerate(labels)}
    m = [[0] * len(labels) for _ in labels]
    for g, p in zip(gold, pred):
        m[index[g]][index[p]] += 1
    return m


def head_metrics(gold: Sequence[str], pred: Sequence[str], labels: Sequence[str]) -> dict[str, Any]:
    """Per-label P/R/F1/support, macro averages over ``labels``, accuracy, confusion matrix."""
    per = {}
    for lab in labels:
        p, r, f, s = prf(gold, pred, lab)
        per[lab] = {"precision": p, "recall": r, "f1": f, "support": s}
    n = len(labels)
    return {
        "labels": per,
        "macro_precision": sum(v["precision"] for v in per.values()) / n,
        "macro_recall": sum(v["recall"] for v in per.values()) / n,
        "macro_f1": sum(v["f1"] for v in per.values()) / n,
        "accuracy": sum(1 for g, p in zip(gold, pred) if g == p) / len(gold) if gold else 0.0,
        "confusion": {"labels": list(labels), "matrix": confusion(gold, pred, labels)},
    }


def f_avg(gold: dict[str, Sequence[str]], pred: dict[str, Sequence[str]]) -> float:
    """SemEval-2016 Task 6: the mean F1 of favor and against over both targets (four F1 values)."""
    values = [prf(gold[t], pred[t], pole)[2] for t in TARGETS for pole in STANCE_POLES]
    return sum(values) / len(values)


def mention_metrics(gold: Sequence[str], pred: Sequence[str]) -> dict[str, float]:
    """Detection of a target (label not 'none') as a binary task."""
    g = ["yes" if x != "none" else "no" for x in gold]
    p = ["yes" if x != "none" else "no" for x in pred]
    precision, recall, f1, support = prf(g, p, "yes")
    return {"precision": precision, "recall": recall, "f1": f1, "support": support}


def all_metrics(gold: dict[str, Sequence[str]], pred: dict[str, Sequence[str]]) -> dict[str, Any]:
    alarms = false_alarm_rate(gold, pred)
    out: dict[str, Any] = {"f_avg": f_avg(gold, pred), "false_alarm": alarms["pooled"]}
    for h in HEADS:
        out[h] = head_metrics(gold[h], pred[h], LABELS[h])
        if h in alarms:
            out[h]["false_alarm"] = alarms[h]
    out["mentions"] = {t: mention_metrics(gold[t], pred[t]) for t in TARGETS}
    return out
