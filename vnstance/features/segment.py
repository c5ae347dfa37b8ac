"""Word segmentation with underthesea's own tokenizer and CRF, memoised for repeated sentences.

``word_tokenize`` does four things to a sentence: it cuts it into tokens with one large
regular expression, normalises each short token, computes the CRF's features of each token
(underthesea_core's ``CRFFeaturizer``, in Rust) and tags the tokens with the CRF (Rust too).
``segment`` does the same four things with underthesea's own pattern, normaliser, CRF model,
feature templates and dictionary, and changes no result; it is 1.5-1.7x as fast because:

- **Features.** The featuriser builds 43 strings per token ("T[-1,0].lower=tổng thống") and
  hands them to Python, which hands them back to the tagger. Building the strings is cheap;
  handing them across is not: it takes more time than tagging. ``_Crf.features`` builds the
  same strings in Python from the same templates and dictionary, with each token's own values
  (lower case, digit, title case, in the dictionary) memoised, in about half the time.
  Two cases go to underthesea_core's featuriser instead: templates it does not read, and a
  sentence with a character outside ``_SAFE`` (Latin, Vietnamese, common punctuation). Case
  mappings come from each side's Unicode tables (Rust's are newer than Python 3.10's and
  3.11's, e.g. "ɤ" has an upper case only in Rust's); within ``_SAFE`` they agree.
- **Tokens.** To find a token's text, ``word_tokenize`` searches the match's fourteen named
  groups for the one that is set. Each named group is a whole top-level alternative of the
  pattern, so exactly one is set and it spans the whole match: ``match.group()`` is the same
  string. It also re-normalises every token of up to six characters (the only ones underthesea
  changes); ``_token_normalize`` memoises that.
- **Its own copy of the pattern.** underthesea compiles its pattern into a module global that
  any call with ``fixed_words`` replaces for good; ``_PATTERN`` is compiled once at import
  from underthesea's pattern source, so no other caller's fixed words leak into ours.

``tests/test_segment.py`` checks ``segment`` against ``word_tokenize``, and ``_Crf.features``
against underthesea_core's featuriser, on every shipped sentence and on edge cases.
"""

from __future__ import annotations

import hashlib
import io
import re
import threading
from functools import lru_cache
from pathlib import Path
from typing import Any, Sequence

import joblib
import underthesea.pipeline.word_tokenize as _wt
import underthesea.pipeline.word_tokenize.regex_tokenize as _rt
from underthesea_core import CRFFeaturizer, CRFTagger

from ..errors import VnstanceError

CACHE_SIZE = 20_000
# Only sentences up to this length are memoised, so the cache is bounded in bytes too
# (20,000 x 400 characters and their words: about 40 MB at most): the sentences that repeat
# across an archive are headlines and teasers, and a long one would only crowd them out.
CACHED_CHARS = 400
# The model word_tokenize loads (underthesea/pipeline/word_tokenize/__init__.py), and the
# sha256 of the two pickles read here, as shipped by underthesea 9.5.0: checked before loading
MODEL_DIR = Path(_wt.__file__).parent / "models" / "ws_crf_vlsp2013_20230727"
PICKLES = {"features.bin": "cf93263c7c7973bf50122b0be76a394443ff61be00c1368713dee1b7d5b8a435",
           "dictionary.bin": "ec8c62b3881c6682c18959988e1fe08800cc835777778845bded470ca02745d9"}
# underthesea's token_normalize returns longer tokens as they are
NORMALIZED_CHARS = 6
# tokens whose feature values are memoised, of up to TOKEN_CACHE_CHARS characters each
# (about 40 MB at most): longer ones (URLs, digit runs) rarely repeat
TOKEN_CACHE = 200_000
TOKEN_CACHE_CHARS = 32

_PATTERN = re.compile(_rt.regex_patterns_combine, re.VERBOSE | re.UNICODE)
# A feature template: T[offset] or T[offset1,offset2], then an optional function
_TEMPLATE = re.compile(r"T\[(-?\d+)(?:,(-?\d+))?\](?:\.(lower|isdigit|istitle|is_in_dict))?")
_I32 = re.compile(r"[+-]?[0-9]+")  # what Rust's str::parse::<i32> reads, when in range
# Characters whose case mappings Python and underthesea_core's Rust agree on: ASCII, Latin-1,
# Latin Extended-A, Vietnamese ơ/ư, combining marks, Latin Extended Additional (Vietnamese
# letters with tone marks), general punctuation and currency signs
_SAFE = re.compile(r"[\x00-\u017f\u01a0\u01a1\u01af\u01b0\u0300-\u036f\u1e00-\u1eff\u2000-\u20cf]*")
_TF = ("False", "True")


def _is_i32(token: str) -> bool:
    if not _I32.fullmatch(token):
        return False
    digits = token.lstrip("+-").lstrip("0") or "0"  # int() refuses over 4,300 digits
    return len(digits) <= 10 and -2**31 <= (-1 if token[0] == "-" else 1) * int(digits) < 2**31


def _is_title(text: str) -> bool:
    """underthesea_core's istitle: every space-separated part starts with a letter that upper
    case leaves unchanged (so "6,1", "TP" and "%" are title case)."""
    return all(p[:1] == p[:1].upper() for p in text.split(" "))


class _Crf:
    """underthesea's word-segmentation CRF: its tagger, and its features computed here."""

    def __init__(self, directory: Path = MODEL_DIR, pickles: dict[str, str] = PICKLES) -> None:
        self.tagger = CRFTagger()
        self.tagger.load(str(directory / "models.bin"))
        templates = _load_pickle(directory / "features.bin", pickles)
        self.dictionary = frozenset(_load_pickle(directory / "dictionary.bin", pickles))
        self._tokens: dict[str, tuple[str, str, bool, bool]] = {}
        self._rust: Any = None
        self._template_names = list(templates)
        parsed = [_TEMPLATE.fullmatch(t) for t in templates]
        self.templates = [(t + "=", t + "=BOS", t + "=EOS", int(m[1]), int(m[2] or m[1]) - int(m[1]), m[3])
                          for t, m in zip(templates, parsed)
                          ] if all(m and int(m[2] or m[1]) >= int(m[1]) for m in parsed) else None

    def _reference(self, tokens: Sequence[str]) -> list[list[str]]:
        """underthesea_core's own featuriser, built on first use (it copies the dictionary)."""
        if self._rust is None:
            self._rust = CRFFeaturizer(self._template_names, set(self.dictionary))
        return self._rust.process([[[t] for t in tokens]])[0]

    def _token(self, token: str) -> tuple[str, str, bool, bool]:
        """A token's own values: lower case, isdigit, istitle, in the dictionary."""
        values = self._tokens.get(token)
        if values is None:
            low = token.lower()
            values = (low, _TF[_is_i32(token)], _is_title(token), low in self.dictionary)
            if len(token) <= TOKEN_CACHE_CHARS:
                if len(self._tokens) >= TOKEN_CACHE:
                    self._tokens.clear()
                self._tokens[token] = values
        return values

    def features(self, tokens: Sequence[str]) -> list[tuple[str, ...]]:
        """What ``CRFFeaturizer(templates, dictionary).process([[[t] for t in tokens]])[0]``
        returns (as tuples): for each token, each template's "name=value", where a value
        before the sentence is BOS and one after it EOS."""
        if self.templates is None or not _SAFE.fullmatch("".join(tokens)):
            return [tuple(f) for f in self._reference(tokens)]
        n = len(tokens)
        own = [self._token(t) for t in tokens]
        joined: dict[int, tuple[list[str], list[str]]] = {}
        values: dict[tuple[int, str | None], list[str]] = {}
        columns = []
        for prefix, bos, eos, a, w, fn in self.templates:
            v = values.get((w, fn))
            if v is None:
                if w == 0:
                    k = {None: -1, "lower": 0, "isdigit": 1, "istitle": 2, "is_in_dict": 3}[fn]
                    v = (list(tokens) if k < 0 else [o[k] for o in own] if k < 2 else [_TF[o[k]] for o in own])
                else:
                    if w not in joined:
                        text = [" ".join(tokens[x:x + w + 1]) for x in range(n - w)]
                        joined[w] = (text, [s.lower() for s in text])
                    text, low = joined[w]
                    if fn is None:
                        v = text
                    elif fn == "lower":
                        v = low
                    elif fn == "isdigit":  # a space is never part of a number
                        v = ["False"] * len(text)
                    elif fn == "istitle":
                        v = [_TF[all(o[2] for o in own[x:x + w + 1])] for x in range(n - w)]
                    else:
                        v = [_TF[s in self.dictionary] for s in low]
                values[w, fn] = v
            # the token at offset a from position i is v[a + i], BOS before 0 and EOS from n - w on
            before = min(max(-a, 0), n)
            middle = [prefix + s for s in v[max(a, 0):max(min(a + n, n - w), 0)]]
            columns.append([bos] * before + middle + [eos] * (n - before - len(middle)))
        return list(zip(*columns))

    def tag(self, tokens: Sequence[str]) -> list[str]:
        return self.tagger.tag(self.features(tokens)) if tokens else []


def _load_pickle(path: Path, digests: dict[str, str]) -> Any:
    """Unpickle one of underthesea's model files after checking its sha256 (loading a pickle
    runs code from it)."""
    data = path.read_bytes()
    if hashlib.sha256(data).hexdigest() != digests.get(path.name):
        raise VnstanceError(f"{path}: not the file underthesea 9.5.0 ships (sha256 differs); "
                            f"reinstall with pip install -c constraints.txt")
    return joblib.load(io.BytesIO(data))


_crf: _Crf | None = None
_crf_lock = threading.Lock()


def _model() -> _Crf:
    global _crf
    if _crf is None:
        with _crf_lock:  # threads that segment their first sentence at once load it once
            if _crf is None:
                _crf = _Crf()
    return _crf


@lru_cache(maxsize=65_536)
def _token_normalize(token: str) -> str:
    return _rt.token_normalize(token)


def _tokenize(text: str) -> list[str]:
    """``word_tokenize(text)``, as a list of words, by the same steps (see the module's doc)."""
    text = _rt.normalize_characters_in_text(text)
    tokens = [t if len(t) > NORMALIZED_CHARS else _token_normalize(t)
              for t in (m.group() for m in _PATTERN.finditer(text))]
    words: list[str] = []
    for tag, token in zip(_model().tag(tokens), tokens):
        if tag == "I-W" and words:
            words[-1] = words[-1] + " " + token
        else:
            words.append(token)
    return words


@lru_cache(maxsize=CACHE_SIZE)
def _segment_cached(text: str) -> tuple[str, ...]:
    return tuple(_tokenize(text))


def segment(text: str) -> tuple[str, ...]:
    """Vietnamese words of a sentence; a multi-syllable word keeps its spaces ("cáo buộc").

    Memoised for sentences of at most CACHED_CHARS characters: headlines and teasers repeat
    across an archive. The cache is bounded, keyed by the exact text, and thread-safe;
    segmentation is a pure function, so the cache never changes a result.
    """
    if len(text) <= CACHED_CHARS:
        return _segment_cached(text)
    return tuple(_tokenize(text))


segment.cache_clear = _segment_cached.cache_clear  # type: ignore[attr-defined]
segment.cache_info = _segment_cached.cache_info  # type: ignore[attr-defined]
