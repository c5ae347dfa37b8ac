"""The segmentation cache is bounded in bytes: only short sentences are kept, and caching
never changes what underthesea returns."""

from __future__ import annotations

from underthesea import word_tokenize

from vnstance.features import segment as seg


def test_short_sentences_are_cached_and_long_ones_are_not():
    seg.segment.cache_clear()
    short = "Nga và Mỹ nhất trí ngừng bắn ở Aleppo"
    long = " ".join([short] * (seg.CACHED_CHARS // len(short) + 1))
    assert len(long) > seg.CACHED_CHARS
    assert seg.segment(short) == tuple(word_tokenize(short))
    assert seg.segment(long) == tuple(word_tokenize(long))
    assert seg.segment.cache_info().currsize == 1  # the short one only
    seg.segment(short)
    assert seg.segment.cache_info().hits == 1
