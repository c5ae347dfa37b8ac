"""Sentence preparation: normalise, segment, find target mentions and cue words."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Sequence

from sklearn.base import BaseEstimator, TransformerMixin

from .cuewords import find_cues
from ..schema import DEFAULT
from .mentions import Lexicon, Mention, find_mentions, load_lexicon
from .normalize import nfc
from .segment import segment


@dataclass(frozen=True)
class Prepared:
    """A sentence as every feature reads it. Everything per sentence is computed here, once,
    rather than once per head that reads it."""

    text: str  # as given
    words: tuple[str, ...]  # segmented, with each mention a word of its own ("cáo buộc")
    mentions: tuple[Mention, ...]
    tokens: tuple[str, ...]  # the words, lower-case, syllables joined by '_' ("cáo_buộc")
    cues: tuple[tuple[int, str], ...]  # (word index, class) of each cue word (features/lexicon/cues.tsv)

    def mentions_of(self, target: str) -> list[str]:
        return [m.surface for m in self.mentions if m.target == target]


def prepare(text: str) -> Prepared:
    return _prepared(text, segment(nfc(text)))


def _prepared(text: str, segmented: tuple[str, ...], lexicon: Lexicon | None = None) -> Prepared:
    words, mentions = find_mentions(segmented, lexicon)
    # one pass over the sentence rather than one per word; no word holds a newline (nfc
    # turned every whitespace into a single space before segmenting)
    tokens = tuple("\n".join(words).lower().replace(" ", "_").split("\n")) if words else ()
    masked = list(tokens)
    for m in mentions:  # a mention is never part of a cue
        masked[m.start] = ""
    return Prepared(text, words, mentions, tokens, find_cues(masked))


_SYLLABLE = re.compile(r"\w+|[^\w\s]")


def syllables(text: str) -> tuple[str, ...]:
    """The sentence cut into syllables and punctuation, with no word segmentation."""
    return tuple(_SYLLABLE.findall(text))


class SentencePreparer(TransformerMixin, BaseEstimator):
    """Raw sentences -> Prepared sentences. Stateless; segmentation is memoised.

    With ``segment=False`` the words are the sentence's syllables (no underthesea): the
    ablation's measure of what word segmentation is worth and what it costs.
    ``targets`` are the targets whose mentions are found; ``lexicon`` is a user's alias
    lexicon merged into the shipped one (``features.mentions.merge_lexicons``), kept in the
    model so that it finds the same mentions wherever it is loaded.
    """

    def __init__(self, segment: bool = True, targets: tuple[str, ...] = DEFAULT.targets,
                 lexicon: dict[str, Any] | None = None) -> None:
        self.segment = segment
        self.targets = targets
        self.lexicon = lexicon

    def mention_lexicon(self) -> Lexicon:
        return load_lexicon(self.targets, self.lexicon)

    def fit(self, X: Sequence[str], y=None) -> "SentencePreparer":
        self.mention_lexicon()  # a target without aliases is an error at training time
        return self

    def transform(self, X: Sequence[str]) -> list[Prepared]:
        # Segment the whole batch first, then find mentions and cues: alternating sentence by
        # sentence with underthesea's tagger evicts each other's data from the CPU caches,
        # measured at ~25 us a sentence.
        cut = segment if self.segment else syllables
        lexicon = self.mention_lexicon()
        segmented = [cut(nfc(x)) for x in X]
        return [_prepared(x, s, lexicon) for x, s in zip(X, segmented)]
