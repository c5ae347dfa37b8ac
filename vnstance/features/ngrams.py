"""Word n-gram counts over views: the counting half of TF-IDF."""

from __future__ import annotations

from typing import Sequence

import numpy as np
from scipy import sparse
from sklearn.base import BaseEstimator, TransformerMixin

from .views import View


class NgramCounts(TransformerMixin, BaseEstimator):
    """A sparse matrix of word n-gram counts, one row per view.

    This is CountVectorizer's job for tokens that are already split and lower-cased: its
    per-document regular expression and n-gram loop cost more than all the rest of prediction
    after segmentation. Columns follow the sorted vocabulary, as CountVectorizer's do, so
    TfidfTransformer over these counts equals TfidfVectorizer over the joined tokens.
    """

    def __init__(self, ngram_range: tuple[int, int] = (1, 2)) -> None:
        self.ngram_range = ngram_range

    def _grams(self, tokens: list[str]) -> list[str]:
        lo, hi = self.ngram_range
        grams = list(tokens) if lo == 1 else []
        for n in range(max(lo, 2), hi + 1):
            if n == 2:
                grams += [f"{a} {b}" for a, b in zip(tokens, tokens[1:])]
            else:
                grams += [" ".join(tokens[i:i + n]) for i in range(len(tokens) - n + 1)]
        return grams

    def fit(self, X: Sequence[View], y=None) -> "NgramCounts":
        terms = sorted({g for v in X for g in self._grams(v.tokens)})
        if not terms:
            raise ValueError("no words to learn from: every sentence is empty")
        self.vocabulary_ = {g: i for i, g in enumerate(terms)}
        return self

    def transform(self, X: Sequence[View]) -> sparse.csr_matrix:
        get = self.vocabulary_.get
        cols: list[int] = []
        indptr = [0]
        for v in X:
            cols += [j for j in map(get, self._grams(v.tokens)) if j is not None]
            indptr.append(len(cols))
        counts = sparse.csr_matrix((np.ones(len(cols)), cols, indptr), shape=(len(X), len(self.vocabulary_)))
        counts.sum_duplicates()
        return counts
