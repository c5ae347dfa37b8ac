"""Target mentions: where a segmented sentence refers to one of the targets (Russia, the US...).

Aliases are matched on the syllables of underthesea's words, with case: "Mỹ" never matches
"thẩm mỹ" or "mỹ phẩm". underthesea often glues a country to a neighbouring word ("Mỹ nối",
"dầu thô Nga"), so an alias may sit inside a word, except where the segmenter has formed a
different proper name around it: a word whose other syllables are all capitalised ("Mỹ Tâm",
"Mỹ Tho", "Nam Mỹ", "Hằng Nga") is a name, not the country, unless those syllables are
known heads ("Nước Nga", "Người Mỹ"). Person names and distinctive place names ("Kerry",
"Kremlin", "Washington") are exempt from that rule. Context lists catch what segmentation
leaves ambiguous: phrases such as "chị Nga", "châu Mỹ", "Mỹ nhân" or "giải Mỹ mở rộng" (the
US Open) block any alias inside them.
A long name with one typo ("Washignton", "Kremiln", "Matxcova") is still that name: see
``_typo_of``.
The lexicon is data: lexicon/targets.json, documented in lexicon/README.md; a user's own
file (``vnstance train --lexicon``) is merged into it (``merge_lexicons``).
"""

from __future__ import annotations

import json
import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from itertools import accumulate
from typing import Any, Sequence

from ..errors import VnstanceError
from ..schema import DEFAULT

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
        # index by first syllable, then by second (None for a one-syllable phrase), each as
        # written and in capitals, longest first: two dict lookups per syllable instead of a
        # scan of the lexicon
        for name, entries in (("_alias_index", [(a.syllables, a) for a in self.aliases]),
                              ("_block_index", [(b, b) for b in self.blocking])):
            index: dict[str, dict[str | None, list]] = {}
            for syllables, entry in sorted(entries, key=lambda e: -len(e[0])):
                seconds = {syllables[1], syllables[1].upper()} if len(syllables) > 1 else {None}
                for key in {syllables[0], syllables[0].upper()}:
                    for second in seconds:
                        index.setdefault(key, {}).setdefault(second, []).append((list(syllables[1:]), entry))
            object.__setattr__(self, name, index)
        # the long names, as written and in capitals, by themselves and every deletion of one
        # letter ("Washington", "WASHINGTON", "Wahington"...): the typo index
        typos: dict[str, list[str]] = {}
        for a in self.aliases:
            if a.is_name and len(a.syllables) == 1 and len(a.syllables[0]) >= TYPO_MIN_CHARS:
                for key in {k for form in {a.syllables[0], a.syllables[0].upper()} for k in (form, *_deletions(form))}:
                    typos.setdefault(key, []).append(a.syllables[0])
        object.__setattr__(self, "_typo_index", typos)
        # every syllable of an alias or a blocking phrase, as written and in capitals: never a typo
        known = {s for a in self.aliases for s in a.syllables} | {s for b in self.blocking for s in b}
        object.__setattr__(self, "_known", frozenset(known | {s.upper() for s in known}))

    @classmethod
    def from_dict(cls, data: dict, targets: Sequence[str] = DEFAULT.targets) -> "Lexicon":
        """The aliases of ``targets`` (the lexicon's other targets are not looked for).
        Raises VnstanceError when a target has no aliases in ``data``."""
        for target in targets:
            entry = data.get(target)
            if not isinstance(entry, dict) or not (entry.get("words") or entry.get("names")):
                raise VnstanceError(
                    f"the alias lexicon has no aliases for target {target!r}: give --lexicon a JSON file with "
                    f'{{"{target}": {{"words": [...], "names": [...]}}}} (see README, "Adding a target")')
        aliases = [
            _Alias(target, tuple(_syllables(alias)), kind == "names")
            for target in targets
            for kind in ("words", "names")
            for alias in data[target].get(kind, ())
        ]
        aliases.sort(key=lambda a: -len(a.syllables))  # longest first
        blocking = tuple(tuple(_syllables(p)) for p in data["not_mentions"]["phrases"])
        heads = frozenset(s for w in data["heads"]["words"] for s in w.split())
        return cls(tuple(aliases), blocking, heads)


def _syllables(word: str) -> list[str]:
    return _HYPHEN.sub(" - ", word).split()


@lru_cache(maxsize=1)
def shipped_lexicon() -> dict[str, Any]:
    """The package's lexicon/targets.json, as data."""
    text = resources.files("vnstance.features").joinpath("lexicon/targets.json").read_text("utf-8")
    return json.loads(text)


def merge_lexicons(base: dict[str, Any], extra: dict[str, Any] | None) -> dict[str, Any]:
    """``extra`` (a user's lexicon, same format as targets.json) merged into ``base``: a target
    given in ``extra`` replaces ``base``'s entry for it whole; ``not_mentions.phrases`` and
    ``heads.words`` are added to ``base``'s."""
    if not extra:
        return base
    out = {k: v for k, v in base.items()}
    for key, value in extra.items():
        if key in ("not_mentions", "heads"):
            field = "phrases" if key == "not_mentions" else "words"
            out[key] = {**base.get(key, {}), field: [*base.get(key, {}).get(field, []), *value.get(field, [])]}
        elif not key.startswith("_"):
            out[key] = value
    return out


def check_lexicon(data: Any, where: str) -> dict[str, Any]:
    """A user's lexicon file's content, checked for shape; VnstanceError naming ``where``."""
    if not isinstance(data, dict):
        raise VnstanceError(f"{where}: a lexicon is a JSON object keyed by target")
    for key, value in data.items():
        if key.startswith("_"):
            continue
        fields = {"not_mentions": ("phrases",), "heads": ("words",)}.get(key, ("words", "names"))
        if not isinstance(value, dict) or any(k not in fields for k in value if not k.startswith("_")):
            raise VnstanceError(f"{where}: {key!r} must be an object with {' and/or '.join(map(repr, fields))}")
        for k in fields:
            if not isinstance(value.get(k, []), list) or not all(isinstance(a, str) and a.strip()
                                                                  for a in value.get(k, [])):
                raise VnstanceError(f"{where}: {key}.{k} must be a list of non-empty strings")
    return data


@lru_cache(maxsize=8)
def _cached(targets: tuple[str, ...], extra_json: str | None) -> Lexicon:
    extra = json.loads(extra_json) if extra_json else None
    return Lexicon.from_dict(merge_lexicons(shipped_lexicon(), extra), targets)


def load_lexicon(targets: Sequence[str] = DEFAULT.targets, extra: dict[str, Any] | None = None) -> Lexicon:
    """The shipped lexicon, with ``extra`` merged in (``merge_lexicons``), for ``targets``."""
    return _cached(tuple(targets), json.dumps(extra, sort_keys=True, ensure_ascii=False) if extra else None)


def default_lexicon() -> Lexicon:
    return load_lexicon()


# Names at least this long are also found with one typo, keeping the first two letters and the
# last: a letter left out ("Washingon") or added ("Tilllerson"), two neighbouring letters
# swapped ("Washignton", "Kremiln"), or a letter changed into one a typist slips to: the same
# letter with another diacritic or none ("Matxcova" for "Matxcơva": Telex/VNI input left
# undone), or a neighbouring key on a QWERTY keyboard, on which Vietnamese is typed
# ("Washinfton"). Any other change of a letter is more often another name than a typo:
# "Clifton" is not "Clinton", nor "Clanton", "Helseth" or "Wilkoff" a lexicon name (real
# surnames; of the 128,819 census and Faker names probed, the six taken for a name through a
# changed letter were all such far substitutions). The last letter is kept because that is where
# other names differ by one letter: "Medvedeva" (a skater) is not "Medvedev", nor "Zakharov"
# "Zakharova". A syllable of any alias or blocking phrase is never corrected ("Wikoff" in a
# user's "Bob Wikoff" is not "Witkoff"); all-caps headlines are corrected too ("WASHIGNTON").
TYPO_MIN_CHARS = 7

_QWERTY = ("qwertyuiop", "asdfghjkl", "zxcvbnm")
# the keys around each letter key: either side, and the two above and the two below (the rows
# are staggered: "s" touches "w", "e", "z" and "x")
_NEIGHBOURS = {
    key: {_QWERTY[rr][cc] for rr, cc in ((r, c - 1), (r, c + 1), (r - 1, c), (r - 1, c + 1), (r + 1, c - 1), (r + 1, c))
          if 0 <= rr < len(_QWERTY) and 0 <= cc < len(_QWERTY[rr])}
    for r, row in enumerate(_QWERTY) for c, key in enumerate(row)
}


def _base(letter: str) -> str:
    """The letter without its diacritics, lower-case ("ơ", "Ờ" -> "o"; "đ" -> "d")."""
    return unicodedata.normalize("NFD", letter.lower())[0].replace("đ", "d")


def _slip(a: str, b: str) -> bool:
    """For a and b one edit apart (``_one_edit``): False when the edit changes a letter into one
    that is neither the same letter with other diacritics nor a neighbouring key on QWERTY."""
    if len(a) != len(b):
        return True
    diff = [i for i in range(len(a)) if a[i] != b[i]]
    if len(diff) != 1:  # two neighbours swapped
        return True
    x, y = a[diff[0]], b[diff[0]]
    return _base(x) == _base(y) or y.lower() in _NEIGHBOURS.get(x.lower(), ())


def _deletions(word: str) -> set[str]:
    return {word[:i] + word[i + 1:] for i in range(len(word))}


def _one_edit(a: str, b: str) -> bool:
    """True when a and b differ by exactly one insertion, deletion, substitution or swap of
    neighbouring letters (Damerau-Levenshtein distance 1)."""
    if a == b or abs(len(a) - len(b)) > 1:
        return False
    if len(a) != len(b):
        short, long = sorted((a, b), key=len)
        return any(long[:i] + long[i + 1:] == short for i in range(len(long)))
    diff = [i for i in range(len(a)) if a[i] != b[i]]
    return len(diff) == 1 or (len(diff) == 2 and diff[1] == diff[0] + 1
                              and a[diff[0]] == b[diff[1]] and a[diff[1]] == b[diff[0]])


def _typo_of(syllable: str, lex: Lexicon) -> str | None:
    """The long name (``TYPO_MIN_CHARS`` or more) that ``syllable`` is one typo away from, if
    any, in capitals if ``syllable`` is ("WASHIGNTON" -> "WASHINGTON"); see ``TYPO_MIN_CHARS``."""
    if len(syllable) < TYPO_MIN_CHARS - 1 or not syllable[:1].isupper() or syllable in lex._known:
        return None
    caps = syllable.isupper()
    index = lex._typo_index
    for key in (syllable, *_deletions(syllable)):
        for name in index.get(key, ()):
            form = name.upper() if caps else name
            if (syllable[:2] == form[:2] and syllable[-1] == form[-1] and _one_edit(syllable, form)
                    and _slip(syllable, form)):
                return form
    return None


def _same(syllable: str, alias: str) -> bool:
    return syllable == alias or (syllable.isupper() and len(syllable) > 1 and syllable == alias.upper())


def find_mentions(words: Sequence[str], lexicon: Lexicon | None = None
                  ) -> tuple[tuple[str, ...], tuple[Mention, ...]]:
    """Mentions of either target in a segmented sentence, in order, not overlapping.

    Returns the words re-cut so that each mention is a word of its own, and the mentions,
    whose ``start``/``end`` index those words.
    """
    lex = lexicon or default_lexicon()
    # "Mỹ-Nga": the hyphen is a syllable of its own
    parts = [_syllables(w) if "-" in w else w.split() for w in words]
    syl = [p for ps in parts for p in ps]
    match = syl  # what aliases are matched against: syl, with names misspelt once corrected
    for k, x in enumerate(syl):
        if len(x) >= TYPO_MIN_CHARS - 1 and x[0].isupper() and (name := _typo_of(x, lex)):
            match = match if match is not syl else list(syl)
            match[k] = name
    if lex._alias_index.keys().isdisjoint(match):  # most sentences of an archive: nothing to find
        return tuple(words), ()
    word_of = [i for i, ps in enumerate(parts) for _ in ps]
    taken = [False] * len(syl)
    for s, e, _ in _matches(match, lex._block_index):  # corrected too: "Washignton Post" is blocked
        taken[s:e] = [True] * (e - s)
    blocked = list(taken)
    found: list[tuple[int, int, _Alias]] = []
    for s, e, alias in _matches(match, lex._alias_index):
        if not any(taken[s:e]):
            taken[s:e] = [True] * (e - s)
            found.append((s, e, alias))
    spans = [
        (s, e, alias.target)
        for s, e, alias in sorted(found, key=lambda f: f[0])
        if alias.is_name or not _inside_other_name(s, e, syl, word_of, taken, blocked, lex.heads)
    ]
    return _split_words(words, parts, syl, word_of, spans) if spans else (tuple(words), ())


def _split_words(original: Sequence[str], parts: list[list[str]], syl: list[str], word_of: list[int],
                 spans: list[tuple[int, int, str]]) -> tuple[tuple[str, ...], tuple[Mention, ...]]:
    """Re-cut the words so that every mention is a word of its own ("Nga cáo buộc" -> "Nga", "cáo buộc").

    ``parts`` holds each word's syllables, ``syl`` all of them in a row and ``word_of`` the word
    of each; ``spans`` are (start, end, target) over ``syl``, sorted and not overlapping. Words with no
    mention in them are kept as they were; the rest of a word a mention was cut from becomes a
    word of its own, with no dangling hyphen.
    """
    first = [0, *accumulate(map(len, parts))]  # first[w]: index of word w's first syllable
    words: list[str] = []
    mentions: list[Mention] = []

    def piece(a: int, b: int) -> None:
        word = " ".join(syl[a:b]).replace(" - ", "-").strip(" -")
        if word:
            words.append(word)

    def between(a: int, b: int) -> None:  # syllables a..b, none of them in a mention
        if a >= b:
            return
        wa, wb = word_of[a], word_of[b - 1]
        if a > first[wa] or b < first[wa + 1]:  # starts inside a word, or ends inside the first one
            cut = min(b, first[wa + 1])
            piece(a, cut)
            if cut == b:
                return
            a, wa = cut, wa + 1
        if b < first[wb + 1]:  # ends inside word wb
            words.extend(original[wa:wb])
            piece(first[wb], b)
        else:
            words.extend(original[wa:wb + 1])

    k = 0
    for s, e, target in spans:
        between(k, s)
        surface = " ".join(syl[s:e])
        mentions.append(Mention(target, len(words), len(words) + 1, surface))
        words.append(surface)
        k = e
    between(k, len(syl))
    return tuple(words), tuple(mentions)


def _matches(syl: list[str], index: dict[str, list]):
    """(start, end, entry) for every indexed phrase matching at a position, left to right,
    longest first at each position; overlaps are for the caller to resolve."""
    last = len(syl) - 1
    for s in [s for s, first in enumerate(syl) if first in index]:
        by_second = index[syl[s]]
        longer = by_second.get(syl[s + 1], ()) if s < last else ()
        for rest, entry in (*longer, *by_second.get(None, ())):  # rest: the syllables after the first
            window = syl[s + 1:s + 1 + len(rest)]
            if window == rest or (len(window) == len(rest) and all(map(_same, window, rest))):
                yield s, s + 1 + len(rest), entry


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


def read_lexicon(path: str) -> dict[str, Any]:
    """A user's lexicon file (JSON, the format of lexicon/targets.json; README "Adding a
    target"), checked; VnstanceError naming the file (and line, for bad JSON)."""
    try:
        with open(path, encoding="utf-8-sig") as f:
            text = f.read()
    except (OSError, UnicodeDecodeError) as e:
        raise VnstanceError(f"{path}: cannot read the lexicon ({e.__class__.__name__}: {e})") from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as e:
        raise VnstanceError(f"{path}:{e.lineno}: not valid JSON ({e.msg})") from None
    return check_lexicon(data, str(path))
