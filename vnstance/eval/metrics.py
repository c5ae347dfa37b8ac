"""Classification metrics, written out so that every figure is easy to check by hand.

Precision, recall and F1 are 0 where undefined (no predictions, or no gold, of a label).
"""

from __future__ import annotations

from typing import Any, Sequence

from ..schema import DEFAULT, Schema
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


def f_avg(gold: dict[str, Sequence[str]], pred: dict[str, Sequence[str]], schema: Schema = DEFAULT) -> float:
    """SemEval-2016 Task 6: the mean F1 of favor and against over the schema's targets (two
    F1 values a target: four for Russia and the US)."""
    values = [prf(gold[t], pred[t], pole)[2] for t in schema.targets for pole in STANCE_POLES]
    return sum(values) / len(values)


def mention_metrics(gold: Sequence[str], pred: Sequence[str]) -> dict[str, float]:
    """Detection of a target (label not 'none') as a binary task."""
    g = ["yes" if x != "none" else "no" for x in gold]
    p = ["yes" if x != "none" else "no" for x in pred]
    precision, recall, f1, support = prf(g, p, "yes")
    return {"precision": precision, "recall": recall, "f1": f1, "support": support}


def all_metrics(gold: dict[str, Sequence[str]], pred: dict[str, Sequence[str]],
                schema: Schema = DEFAULT) -> dict[str, Any]:
    """Every metric of the report, for each head of ``schema`` (the scored model's)."""
    alarms = false_alarm_rate(gold, pred, schema)
    out: dict[str, Any] = {"f_avg": f_avg(gold, pred, schema), "false_alarm": alarms["pooled"]}
    for h in schema.heads:
        out[h] = head_metrics(gold[h], pred[h], schema.labels[h])
        if h in schema.targets:
            out[h]["false_alarm"] = alarms[h]
    out["mentions"] = {t: mention_metrics(gold[t], pred[t]) for t in schema.targets}
    return out
