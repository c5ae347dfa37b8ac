"""Word segmentation with underthesea, memoised for repeated sentences."""

from __future__ import annotations

from functools import lru_cache

from underthesea import word_tokenize

CACHE_SIZE = 20_000
# Only sentences up to this length are memoised, so the cache is bounded in bytes too
# (20,000 x 400 characters and their words: about 40 MB at most): the sentences that repeat
# across an archive are headlines and teasers, and a long one would only crowd them out.
CACHED_CHARS = 400


@lru_cache(maxsize=CACHE_SIZE)
def _segment_cached(text: str) -> tuple[str, ...]:
    return tuple(word_tokenize(text))


def segment(text: str) -> tuple[str, ...]:
    """Vietnamese words of a sentence; a multi-syllable word keeps its spaces ("cáo buộc").

    Memoised for sentences of at most CACHED_CHARS characters: headlines and teasers repeat
    across an archive. The cache is bounded, keyed by the exact text, and thread-safe;
    segmentation is a pure function, so the cache never changes a result.
    """
    if len(text) <= CACHED_CHARS:
        return _segment_cached(text)
    return tuple(word_tokenize(text))


segment.cache_clear = _segment_cached.cache_clear  # type: ignore[attr-defined]
segment.cache_info = _segment_cached.cache_info  # type: ignore[attr-defined]
