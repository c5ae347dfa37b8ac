"""Cue-word features: which cues a sentence has, and where they stand relative to the target.

The cue lexicon is data (lexicon/cues.tsv). Features are position-aware so that a linear
model can learn direction: a criticism cue right after OTHER and before TARGET ("OTHER cáo
buộc TARGET") points against TARGET; the same cue right after TARGET points against OTHER.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Sequence

import numpy as np
from scipy import sparse
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.feature_extraction import DictVectorizer

from .views import OTHER, TARGET

CLASSES = ("against", "favor", "harm")


@dataclass(frozen=True)
class CueLexicon:
    by_first: dict[str, tuple[tuple[tuple[str, ...], str], ...]]  # first syllable -> (syllables, class), longest first


@lru_cache(maxsize=1)
def default_cues() -> CueLexicon:
    text = resources.files("vnstance.features").joinpath("lexicon/cues.tsv").read_text("utf-8")
    cues = []
    for line in text.splitlines():
        if line.strip() and not line.startswith("#"):
            phrase, cls = line.split("\t")
            cues.append((tuple(phrase.split()), cls.strip()))
    cues.sort(key=lambda c: -len(c[0]))
    by_first: dict[str, list] = {}
    for phrase, cls in cues:
        by_first.setdefault(phrase[0], []).append((phrase, cls))
    return CueLexicon({k: tuple(v) for k, v in by_first.items()})


def find_cues(words: Sequence[str], lexicon: CueLexicon | None = None) -> list[tuple[int, str]]:
    """(word index, class) of each cue; words hold syllables joined by '_'."""
    lex = lexicon or default_cues()
    syl: list[str] = []
    word_of: list[int] = []
    for i, w in enumerate(words):
        for s in w.lower().split("_"):
            syl.append(s)
            word_of.append(i)
    found = []
    s = 0
    while s < len(syl):
        for phrase, cls in lex.by_first.get(syl[s], ()):
            n = len(phrase)
            if tuple(syl[s:s + n]) != phrase:
                continue
            if n == 1 and len(words[word_of[s]].split("_")) > 1:
                continue  # one-syllable cues must be whole words ("tố" is not "yếu tố")
            found.append((word_of[s], cls))
            s += n - 1
            break
        s += 1
    return found


@lru_cache(maxsize=8192)  # repeated views during training's inner CV; bounded for long predict runs
def cue_features(doc: str, window: int = 5) -> dict[str, float]:
    """Binary cue features of one view (a space-separated word string, possibly masked)."""
    words = doc.split()
    cues = find_cues(words)
    feats: dict[str, float] = {}
    targets = [i for i, w in enumerate(words) if w == TARGET]
    others = [i for i, w in enumerate(words) if w == OTHER]
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
        for w in words[max(0, p - 2):p]:
            feats[f"left={w.lower()}"] = 1.0
        for w in words[p + 1:p + 3]:
            feats[f"right={w.lower()}"] = 1.0
        if p > 0 and words[p - 1] in ("bị", "được"):
            feats[f"{words[p - 1]}_before_target"] = 1.0
        if any(w in ("bị", "được") for w in words[p + 1:p + 4]):
            feats["target_passive"] = 1.0
        if p <= 2:
            feats["target_leads"] = 1.0
    return feats


class CueFeatures(TransformerMixin, BaseEstimator):
    """Sparse binary cue features for a list of view strings."""

    def __init__(self, window: int = 5) -> None:
        self.window = window

    def fit(self, X: Sequence[str], y=None) -> "CueFeatures":
        self.vectorizer_ = DictVectorizer().fit([cue_features(d, self.window) for d in X])
        return self

    def transform(self, X: Sequence[str]) -> sparse.csr_matrix:
        return self.vectorizer_.transform([cue_features(d, self.window) for d in X]).astype(np.float64)
