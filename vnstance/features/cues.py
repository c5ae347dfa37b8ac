"""Cue-word features: which cues a sentence has, and where they stand relative to the target.

The cue lexicon is data (lexicon/cues.tsv); cues are found once per sentence when it is
prepared (features/cuewords.py). Features are position-aware so that a linear model can
learn direction: a criticism cue right after OTHER and before TARGET ("OTHER cáo buộc
TARGET") points against TARGET; the same cue right after TARGET points against OTHER.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np
from scipy import sparse
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.feature_extraction import DictVectorizer

from .views import View

CLASSES = ("against", "favor", "harm")


def cue_features(view: View, window: int = 5) -> dict[str, float]:
    """Binary cue features of one view."""
    tokens = view.tokens
    cues = view.prepared.cues
    targets, others = view.places()
    feats: dict[str, float] = {}
    negators = {i for i, c in cues if c == "negator"}
    contrast = max((i for i, c in cues if c == "contrast"), default=-1)
    for i, cls in cues:
        if cls in ("negator", "contrast"):
            continue
        if cls == "speech":
            if any(0 < i - p <= 3 for p in targets):
                feats["target_speaks"] = 1.0
            if any(0 < i - p <= 3 for p in others):
                feats["other_speaks"] = 1.0
            continue
        negated = bool(negators & {i - 1, i - 2})
        name = f"{'not_' if negated else ''}{cls}"
        feats[f"cue={name}"] = 1.0
        if contrast >= 0:  # guideline rule 4: after "nhưng" / "tuy nhiên" the later clause carries the point
            feats[f"cue={name}|{'after' if i > contrast else 'before'}_contrast"] = 1.0
        for label, places in (("target", targets), ("other", others)):
            if any(0 < i - p <= window for p in places):
                feats[f"cue={name}|after_{label}"] = 1.0
            if any(0 < p - i <= window for p in places):
                feats[f"cue={name}|before_{label}"] = 1.0
    for p in targets:
        for w in tokens[max(0, p - 2):p]:
            feats[f"left={w}"] = 1.0
        for w in tokens[p + 1:p + 3]:
            feats[f"right={w}"] = 1.0
        if p > 0 and tokens[p - 1] in ("bị", "được"):
            feats[f"{tokens[p - 1]}_before_target"] = 1.0
        if any(w in ("bị", "được") for w in tokens[p + 1:p + 4]):
            feats["target_passive"] = 1.0
        if p <= 2:
            feats["target_leads"] = 1.0
    return feats


class CueFeatures(TransformerMixin, BaseEstimator):
    """Sparse binary cue features for a list of views."""

    def __init__(self, window: int = 5) -> None:
        self.window = window

    def fit(self, X: Sequence[View], y=None) -> "CueFeatures":
        self.vectorizer_ = DictVectorizer().fit([cue_features(v, self.window) for v in X])
        return self

    def transform(self, X: Sequence[View]) -> sparse.csr_matrix:
        return self.vectorizer_.transform([cue_features(v, self.window) for v in X]).astype(np.float64)
