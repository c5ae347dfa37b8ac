"""Views -> sparse term counts: the vectoriser that word n-grams and cue features share."""

from __future__ import annotations

from itertools import repeat
from typing import Sequence

import json

import numpy as np
from scipy import sparse
from sklearn.base import BaseEstimator, TransformerMixin

from .views import View


class TermCounts(TransformerMixin, BaseEstimator):
    """A sparse matrix of how often each term of ``terms(view)`` occurs, one row per view.

    Columns follow the sorted vocabulary seen in ``fit``, as CountVectorizer's and
    DictVectorizer's do; unseen terms are ignored. Subclasses say what a view's terms are.
    This replaces those two vectorisers because their per-document Python (a regular
    expression, an n-gram loop, per-value type checks) cost more than everything else after
    segmentation does.
    """

    def terms(self, view: View) -> list[str]:
        raise NotImplementedError

    def fit(self, X: Sequence[View], y=None) -> "TermCounts":
        vocabulary = sorted({t for v in X for t in self.terms(v)})
        self.vocabulary_ = {t: i for i, t in enumerate(vocabulary)}
        return self

    # The vocabulary is pickled as one JSON list, not as a dict of ~100,000 strings:
    # joblib's unpickler is pure Python, and read term by term it took ~0.15 s of every
    # model load (`vnstance predict`'s start-up); json reads the list in ~0.01 s.
    def __getstate__(self) -> dict:
        state = dict(super().__getstate__())  # object.__getstate__ hands out the live __dict__
        vocabulary = state.pop("vocabulary_", None)
        if vocabulary is not None:
            state["vocabulary_json_"] = json.dumps(sorted(vocabulary, key=vocabulary.__getitem__), ensure_ascii=False)
        return state

    def __setstate__(self, state: dict) -> None:
        state = dict(state)
        terms = state.pop("vocabulary_json_", None)
        if terms is not None:
            state["vocabulary_"] = {t: i for i, t in enumerate(json.loads(terms))}
        super().__setstate__(state)

    def transform(self, X: Sequence[View]) -> sparse.csr_matrix:
        get = self.vocabulary_.get
        cols: list[int] = []
        ends = [0]
        for v in X:
            cols += map(get, self.terms(v), repeat(-1))  # -1: not in the vocabulary
            ends.append(len(cols))
        col = np.array(cols, dtype=np.intp)
        known = col >= 0
        indptr = np.concatenate(([0], np.cumsum(known)))[ends]  # each row's known terms
        counts = sparse.csr_matrix((np.ones(int(indptr[-1])), col[known], indptr),
                                   shape=(len(X), len(self.vocabulary_)))
        counts.sum_duplicates()  # canonical: each row's columns sorted, repeats summed
        return counts


class NgramCounts(TermCounts):
    """Word n-gram counts (the counting half of TF-IDF): TfidfTransformer over these equals
    TfidfVectorizer over the view's tokens joined by spaces."""

    def __init__(self, ngram_range: tuple[int, int] = (1, 2)) -> None:
        self.ngram_range = ngram_range

    def terms(self, view: View) -> list[str]:
        tokens = view.tokens
        lo, hi = self.ngram_range
        grams = list(tokens) if lo == 1 else []
        for n in range(max(lo, 2), hi + 1):
            if n == 2:
                grams += [f"{a} {b}" for a, b in zip(tokens, tokens[1:])]
            else:
                grams += [" ".join(tokens[i:i + n]) for i in range(len(tokens) - n + 1)]
        return grams
