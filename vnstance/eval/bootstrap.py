"""Bootstrap confidence intervals over sentences: the gold set is small, so show the spread."""

from __future__ import annotations

from typing import Sequence

import numpy as np

from ..schema import DEFAULT, Schema
from .metrics import f_avg, head_metrics

DRAWS = 1000
SEED = 0


def intervals(gold: dict[str, Sequence[str]], pred: dict[str, Sequence[str]], draws: int = DRAWS,
              seed: int = SEED, level: float = 0.95, schema: Schema = DEFAULT) -> dict[str, list[float]]:
    """Percentile intervals for f_avg and each head's macro F1, resampling sentences with replacement."""
    HEADS, LABELS = schema.heads, schema.labels
    n = len(gold[HEADS[0]])
    rng = np.random.default_rng(seed)
    g = {h: np.asarray(gold[h], dtype=object) for h in HEADS}
    p = {h: np.asarray(pred[h], dtype=object) for h in HEADS}
    samples: dict[str, list[float]] = {"f_avg": [], **{h: [] for h in HEADS}}
    for _ in range(draws):
        idx = rng.integers(0, n, n)
        gs = {h: list(g[h][idx]) for h in HEADS}
        ps = {h: list(p[h][idx]) for h in HEADS}
        samples["f_avg"].append(f_avg(gs, ps, schema))
        for h in HEADS:
            samples[h].append(head_metrics(gs[h], ps[h], LABELS[h])["macro_f1"])
    lo, hi = (1 - level) / 2 * 100, (1 + level) / 2 * 100
    return {k: [float(np.percentile(v, lo)), float(np.percentile(v, hi))] for k, v in samples.items()}
