"""Sentence preparation: normalise, segment, find target mentions."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

from sklearn.base import BaseEstimator, TransformerMixin

from .mentions import Mention, find_mentions
from .normalize import nfc
from .segment import segment


@dataclass(frozen=True)
class Prepared:
    text: str  # as given
    words: tuple[str, ...]  # segmented, with each mention a word of its own
    mentions: tuple[Mention, ...]

    def mentions_of(self, target: str) -> list[str]:
        return [m.surface for m in self.mentions if m.target == target]

    def mention_tags(self) -> list[str | None]:
        tags: list[str | None] = [None] * len(self.words)
        for m in self.mentions:
            tags[m.start] = m.target
        return tags


def prepare(text: str) -> Prepared:
    words, mentions = find_mentions(segment(nfc(text)))
    return Prepared(text, words, mentions)


class SentencePreparer(TransformerMixin, BaseEstimator):
    """Raw sentences -> Prepared sentences. Stateless; segmentation is memoised."""

    def fit(self, X: Sequence[str], y=None) -> "SentencePreparer":
        return self

    def transform(self, X: Sequence[str]) -> list[Prepared]:
        return [prepare(x) for x in X]
