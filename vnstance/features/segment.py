"""Word segmentation with underthesea, memoised for repeated sentences.

``word_tokenize`` does three things to a sentence: it cuts it into tokens with one large
regular expression, normalises each token, and tags the tokens with a CRF (underthesea_core,
in Rust). The CRF is about 70% of its time; most of the rest is Python that ``_tokenize``
below skips without changing a result:

- To find a token's text, ``word_tokenize`` searches the match's fourteen named groups for
  the one that is set. Each named group is a whole top-level alternative of the pattern, so
  exactly one is set and it spans the whole match: ``match.group()`` is the same string.
- It re-normalises every token of up to six characters; tokens repeat, so
  ``_token_normalize`` memoises underthesea's own ``token_normalize``.

Everything else is underthesea's own objects, read at call time: its compiled pattern, its
character normaliser, its CRF featuriser and tagger. ``tests/test_segment.py`` checks
``segment`` against ``word_tokenize`` on every shipped sentence and on edge cases.
"""

from __future__ import annotations

from functools import lru_cache

import underthesea.pipeline.word_tokenize as _wt
import underthesea.pipeline.word_tokenize.regex_tokenize as _rt
from underthesea import word_tokenize

CACHE_SIZE = 20_000
# Only sentences up to this length are memoised, so the cache is bounded in bytes too
# (20,000 x 400 characters and their words: about 40 MB at most): the sentences that repeat
# across an archive are headlines and teasers, and a long one would only crowd them out.
CACHED_CHARS = 400


@lru_cache(maxsize=65_536)  # tokens of up to six characters (longer ones are returned as they are)
def _token_normalize(token: str) -> str:
    return _rt.token_normalize(token)


def _tokenize(text: str) -> list[str]:
    """``word_tokenize(text)``, as a list of words, by the same steps (see the module's doc)."""
    tagger = _wt.word_tokenize_model
    if tagger is None:  # underthesea loads its CRF on its first call
        word_tokenize("")
        tagger = _wt.word_tokenize_model
    text = _rt.normalize_characters_in_text(text)
    tokens = [_token_normalize(m.group()) for m in _rt.patterns.finditer(text)]
    tags = tagger.estimator.tag(tagger.featurizer.process([[[t] for t in tokens]])[0])
    words: list[str] = []
    for tag, token in zip(tags, tokens):
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
