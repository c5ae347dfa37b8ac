"""The cue lexicon (lexicon/cues.tsv) and where its phrases occur in a segmented sentence.

Cues are found once per sentence, when it is prepared; features/cues.py turns their
positions into features for each view.
"""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from itertools import accumulate
from typing import Sequence


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


def find_cues(words: Sequence[str], lexicon: CueLexicon | None = None) -> tuple[tuple[int, str], ...]:
    """(word index, class) of each cue, left to right, longest first.

    ``words`` are lower-case, with a word's syllables joined by '_'.
    """
    lex = lexicon or default_cues()
    syl = "_".join(words).split("_")
    starts = [s for s, x in enumerate(syl) if x in lex.by_first]  # few: most syllables start no cue
    if not starts:
        return ()
    ends = list(accumulate([w.count("_") + 1 for w in words]))  # ends[i]: index after word i's last syllable
    found = []
    free = 0  # first syllable not inside a cue already found
    for s in starts:
        if s < free:
            continue
        for phrase, cls in lex.by_first[syl[s]]:
            n = len(phrase)
            if n == 1 and "_" in words[bisect_right(ends, s)]:
                continue  # one-syllable cues must be whole words ("tố" is not "yếu tố")
            if n > 1 and tuple(syl[s:s + n]) != phrase:
                continue
            found.append((bisect_right(ends, s), cls))
            free = s + n
            break
    return tuple(found)
