"""Grouped cross-validation: each fold leaves one group (for the seeds, one article) out.

Each fold trains on the other groups plus every extra training file, and scores only the
left-out group; the pooled out-of-fold predictions are what gets scored. Extra files are
never scored.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from ..dataset import Dataset
from ..errors import VnstanceError
from ..model.tagger import labels_of
from .baselines import majority
from ..model.train import fit


@dataclass(frozen=True)
class Fold:
    group: str
    scored_ids: tuple[str, ...]
    train_ids: frozenset[str]
    train_groups: frozenset[str]
    majority: dict[str, str]  # each head's most frequent label in this fold's training data


@dataclass(frozen=True)
class CVResult:
    pred: dict[str, list[str]]
    proba: dict[str, np.ndarray]  # head -> (n, k), columns in the schema's label order
    folds: tuple[Fold, ...]


def check_disjoint(data: Dataset, extra: Dataset | None) -> None:
    if extra is None:
        return
    shared_docs = sorted(set(data.groups) & set(extra.groups))
    if shared_docs:
        raise VnstanceError(f"training-only data shares doc group(s) with the scored data: {', '.join(shared_docs[:5])}")
    shared_ids = sorted({e.id for e in data.examples} & {e.id for e in extra.examples})
    if shared_ids:
        raise VnstanceError(f"training-only data shares sentence id(s) with the scored data: {', '.join(shared_ids[:5])}")


def cross_validate(data: Dataset, extra: Dataset | None = None, seed: int = 0, **params: Any) -> CVResult:
    check_disjoint(data, extra)
    groups = sorted(set(data.groups))
    if len(groups) < 2:
        raise VnstanceError("cross-validation needs at least two doc groups in the scored data")
    n = len(data)
    schema = data.schema
    heads = schema.heads
    pred = {h: [""] * n for h in heads}
    proba = {h: np.zeros((n, len(schema.labels[h]))) for h in heads}
    folds = []
    for g in groups:
        test = [i for i, e in enumerate(data.examples) if e.doc == g]
        train = data.select(i for i, e in enumerate(data.examples) if e.doc != g)
        if extra is not None:
            train = train + extra
        pipe = fit(train, seed, **params)
        probs = pipe.predict_proba([data.examples[i].text for i in test])
        labels = labels_of(probs, schema)
        for k, h in enumerate(heads):
            proba[h][test] = probs[k]
            for row, i in enumerate(test):
                pred[h][i] = labels[row, k]
        folds.append(Fold(
            group=g, scored_ids=tuple(data.examples[i].id for i in test),
            train_ids=frozenset(e.id for e in train.examples), train_groups=frozenset(train.groups),
            majority=majority(train.label_counts(), schema),
        ))
    return CVResult(pred, proba, tuple(folds))
