"""``segment`` skips part of ``word_tokenize``'s Python (see vnstance/features/segment.py):
it must return what ``word_tokenize`` returns, on real text and on the token classes its
regular expression treats specially."""

from __future__ import annotations

import json

import pytest
from underthesea import word_tokenize

from vnstance.features import segment as seg
from vnstance.dataset import SEEDS_DIR
from vnstance.features.articles import article_sentences

# one sentence per class of underthesea's tokenizer: abbreviations, URLs, e-mail, phone
# numbers, dates and times, names with dots, numbers, emoji, punctuation, hyphenated words,
# symbols, non-standard characters that its normaliser maps (old-style tone marks, "òa"),
# tokens of up to six characters that token_normalize maps, and the empty sentence
EDGE_CASES = [
    "",
    " ",
    "TP.HCM và TP. Hồ Chí Minh, Mr. Putin, U.S. và v.v...",
    "Xem https://vnexpress.net/the-gioi/nga-my-1234.html hoặc www.bbc.com/vietnamese nhé",
    "Liên hệ ban.bien.tap@vnexpress.net hoặc 0912 345 678, (+84) 24-3822-1234",
    "Ngày 12/10/2016 lúc 10:30, ngày 2016-10-12 và tháng 10/2016",
    "Giá dầu tăng 3,5% lên 51.2 USD/thùng; 1.000.000 người; -4°C; 2x3=6",
    "Thật tuyệt :) :-( <3 😀🇷🇺🇺🇸 !!! ??? ... –– «trích» “dẫn” 'đơn'",
    "Phi-lip-pin, Xanh-pê-téc-bua, Ô-ba-ma và Pu-tin gặp nhau",
    "Hoà bình, hòa bình, thuỷ, thủy, toà, tòa, khoẻ, khỏe",
    "Tiếng Việt không dấu: Nga va My nhat tri ngung ban o Aleppo",
    "a & b | c ~ d ^ e = f _ g + h * i # j @ k $ 100 € 5 £ 3 ÷ 2 > 1 < 9",
    "NGA VÀ MỸ NHẤT TRÍ NGỪNG BẮN.Sau đó,Ngoại trưởng Lavrov nói:\"Không\".",
    "Tab\tvà   nhiều    khoảng trắng\u00a0không ngắt\u200bzero-width",
]


def _shipped_sentences() -> list[str]:
    texts = []
    for name in ("gold.jsonl", "authored.jsonl", "authored-2.jsonl", "contrast.jsonl"):
        with open(SEEDS_DIR / name, encoding="utf-8") as f:
            rows = [json.loads(line) for line in f if line.strip()]
        texts += [t for r in rows for t in r.get("texts", [r.get("text")]) if t is not None]
    for path in sorted((SEEDS_DIR / "articles").glob("*.txt")):
        texts += article_sentences(path.read_text(encoding="utf-8"))
    return texts


def test_segment_equals_word_tokenize_on_every_shipped_sentence():
    texts = _shipped_sentences()
    assert len(texts) > 2_000
    seg.segment.cache_clear()
    differ = [t for t in texts if list(seg.segment(t)) != word_tokenize(t)]
    assert differ == []


@pytest.mark.parametrize("text", EDGE_CASES)
def test_segment_equals_word_tokenize_on_edge_cases(text):
    seg.segment.cache_clear()
    assert list(seg.segment(text)) == word_tokenize(text)


def test_long_sentences_take_the_same_path():
    text = " ".join(EDGE_CASES[2:]) * 3
    assert len(text) > seg.CACHED_CHARS
    assert list(seg.segment(text)) == word_tokenize(text)
