"""Target mentions: where a segmented sentence refers to Russia or to the United States.

Aliases are matched on the syllables of underthesea's words, with case: "Mỹ" never matches
"thẩm mỹ" or "mỹ phẩm". underthesea often glues a country to a neighbouring word ("Mỹ nối",
"dầu thô Nga"), so an alias may sit inside a word, except where the segmenter has formed a
different proper name around it: a word whose other syllables are all capitalised ("Mỹ Tâm",
"Mỹ Tho", "Nam Mỹ", "Hằng Nga") is a name, not the country, unless those syllables are
known heads ("Nước Nga", "Người Mỹ"). Person names and distinctive place names ("Kerry",
"Kremlin", "Washington") are exempt from that rule. Context lists catch what segmentation
leaves ambiguous: phrases such as "chị Nga", "châu Mỹ", "Mỹ nhân" or "giải Mỹ mở rộng" (the
US Open) block any alias inside them.
The lexicon is data: lexicon/targets.json, documented in lexicon/README.md.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Sequence

from ..schema import TARGETS

_HYPHEN = re.compile(r"(?<=\w)-(?=\w)")


@dataclass(frozen=True)
class Mention:
    target: str
    start: int  # index of the mention's word
    end: int  # start + 1
    surface: str


@dataclass(frozen=True)
class _Alias:
    target: str
    syllables: tuple[str, ...]
    is_name: bool  # person or distinctive place name: may sit inside any word


@dataclass(frozen=True)
class Lexicon:
    aliases: tuple[_Alias, ...]
    blocking: tuple[tuple[str, ...], ...]  # phrases in which no alias is a mention
    heads: frozenset[str]

    def __post_init__(self) -> None:
        # index by first syllable, as written and in capitals, longest first: one dict lookup
        # per syllable instead of a scan of the whole lexicon
        for name, entries in (("_alias_index", [(a.syllables, a) for a in self.aliases]),
                              ("_block_index", [(b, b) for b in self.blocking])):
            index: dict[str, list] = {}
            for syllables, entry in sorted(entries, key=lambda e: -len(e[0])):
                for key in {syllables[0], syllables[0].upper()}:
                    index.setdefault(key, []).append((syllables, entry))
            object.__setattr__(self, name, index)

    @classmethod
    def from_dict(cls, data: dict) -> "Lexicon":
        aliases = [
            _Alias(target, tuple(_syllables(alias)), kind == "names")
            for target in TARGETS
            for kind in ("words", "names")
            for alias in data[target][kind]
        ]
        aliases.sort(key=lambda a: -len(a.syllables))  # longest first
        blocking = tuple(tuple(_syllables(p)) for p in data["not_mentions"]["phrases"])
        heads = frozenset(s for w in data["heads"]["words"] for s in w.split())
        return cls(tuple(aliases), blocking, heads)


def _syllables(word: str) -> list[str]:
    return _HYPHEN.sub(" - ", word).split()


@lru_cache(maxsize=1)
def default_lexicon() -> Lexicon:
    text = resources.files("vnstance.features").joinpath("lexicon/targets.json").read_text("utf-8")
    return Lexicon.from_dict(json.loads(text))


def _same(syllable: str, alias: str) -> bool:
    return syllable == alias or (syllable.isupper() and len(syllable) > 1 and syllable == alias.upper())


def find_mentions(words: Sequence[str], lexicon: Lexicon | None = None
                  ) -> tuple[tuple[str, ...], tuple[Mention, ...]]:
    """Mentions of either target in a segmented sentence, in order, not overlapping.

    Returns the words re-cut so that each mention is a word of its own, and the mentions,
    whose ``start``/``end`` index those words.
    """
    lex = lexicon or default_lexicon()
    syl: list[str] = []
    word_of: list[int] = []
    for i, w in enumerate(words):
        for p in _syllables(w) if (" " in w or "-" in w) else (w,):  # "Mỹ-Nga": the hyphen is a syllable
            syl.append(p)
            word_of.append(i)
    if not any(p in lex._alias_index for p in syl):  # most sentences of an archive: nothing to find
        return tuple(words), ()
    taken = [False] * len(syl)
    for s, e, _ in _matches(syl, lex._block_index):
        taken[s:e] = [True] * (e - s)
    blocked = list(taken)
    found: list[tuple[int, int, _Alias]] = []
    for s, e, alias in _matches(syl, lex._alias_index):
        if not any(taken[s:e]):
            taken[s:e] = [True] * (e - s)
            found.append((s, e, alias))
    spans = [
        (s, e, alias.target)
        for s, e, alias in sorted(found, key=lambda f: f[0])
        if alias.is_name or not _inside_other_name(s, e, syl, word_of, taken, blocked, lex.heads)
    ]
    return _split_words(words, syl, word_of, spans)


def _split_words(original: Sequence[str], syl: list[str], word_of: list[int], spans: list[tuple[int, int, str]]
                 ) -> tuple[tuple[str, ...], tuple[Mention, ...]]:
    """Re-cut the words so that every mention is a word of its own ("Nga cáo buộc" -> "Nga", "cáo buộc")."""
    starts = {s: (e, t) for s, e, t in spans}
    size: dict[int, int] = {}
    for w in word_of:
        size[w] = size.get(w, 0) + 1
    words: list[str] = []
    mentions: list[Mention] = []
    k = 0
    while k < len(syl):
        if k in starts:
            e, target = starts[k]
            mentions.append(Mention(target, len(words), len(words) + 1, " ".join(syl[k:e])))
            words.append(" ".join(syl[k:e]))
            k = e
            continue
        j = k
        while j < len(syl) and word_of[j] == word_of[k] and j not in starts:
            j += 1
        if j - k == size[word_of[k]]:  # a whole word with no mention in it: keep it as it was
            words.append(original[word_of[k]])
        else:  # a piece cut from a glued word: no dangling hyphen
            word = " ".join(syl[k:j]).replace(" - ", "-").strip(" -")
            if word:
                words.append(word)
        k = j
    return tuple(words), tuple(mentions)


def _matches(syl: list[str], index: dict[str, list]):
    """(start, end, entry) for every indexed phrase matching at a position, left to right,
    longest first at each position; overlaps are for the caller to resolve."""
    for s, first in enumerate(syl):
        for syllables, entry in index.get(first, ()):
            n = len(syllables)
            if s + n <= len(syl) and all(_same(syl[s + k], syllables[k]) for k in range(1, n)):
                yield s, s + n, entry


def _inside_other_name(s: int, e: int, syl: list[str], word_of: list[int], taken: list[bool],
                       blocked: list[bool], heads: frozenset[str]) -> bool:
    """True when the word holding syllables s..e is a different proper name ("Mỹ Tâm").

    A hyphen ends the word here: "Trung-Mỹ" is two countries, not a name.
    """
    lo, hi = s, e
    while lo > 0 and word_of[lo - 1] == word_of[s] and syl[lo - 1] != "-":
        lo -= 1
    while hi < len(syl) and word_of[hi] == word_of[e - 1] and syl[hi] != "-":
        hi += 1
    others = [syl[k] for k in range(lo, hi) if not taken[k] or blocked[k]]
    if not others:
        return False
    if all(o.isupper() for o in others):  # an all-caps headline, not a name
        return False
    return all(o[:1].isupper() and o not in heads for o in others)
