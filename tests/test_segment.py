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
    "Ông nghành nói, nghịêp và Washington",  # six letters: token_normalize maps; seven: it does not
    "ɤ khổ Con cả trợ NGA \u1c8a \U00010d50",  # letters whose case Python and Rust map differently
    "Mã số " + "7" * 5000 + " và " + "0" * 5000 + "1",  # int() refuses over 4,300 digits
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


# tokens for the feature functions: digits as Rust's parse::<i32> reads them (sign, leading
# zeros, the i32 range), title case as underthesea_core reads it (digits, symbols and
# all-caps count, each part of a token with a space), lower case beyond ASCII, and
# dictionary words in any case
EDGE_TOKENS = ["+5", "-7", "007", "2147483647", "2147483648", "-2147483648", "-2147483649", "1,5",
               "٣", "²", "-", "+", "6,1", "%", "TP", "iPhone", "ǅ", "ß", "İstanbul", "ΟΔΟΣ", "Σ",
               "Tổng", "THỐNG", "thống", "Hà", "Nội", "Hà nội", "TP HCM", "x", "9" * 5000,
               "0" * 5000 + "1", "-" + "0" * 20 + "7", "ɤ", "\u1c8a", "\U00010d50"]


@pytest.fixture(scope="module")
def reference():
    """underthesea_core's featuriser, built as underthesea builds it, from the same files."""
    from underthesea_core import CRFFeaturizer

    crf = seg._model()
    rust = CRFFeaturizer([t[0][:-1] for t in crf.templates], set(crf.dictionary))
    return lambda tokens: rust.process([[[t] for t in tokens]])[0]


def test_features_equal_underthesea_cores_on_every_shipped_sentence(reference):
    import underthesea.pipeline.word_tokenize.regex_tokenize as rt

    crf = seg._model()
    sentences = [rt.tokenize(t) for t in _shipped_sentences()]
    differ = [s for s in sentences if [list(r) for r in crf.features(s)] != reference(s)]
    assert differ == []


@pytest.mark.parametrize("n", [0, 1, 2, 3, 7])
def test_features_equal_underthesea_cores_on_edge_tokens(reference, n):
    crf = seg._model()
    for start in range(len(EDGE_TOKENS)):
        tokens = (EDGE_TOKENS * 2)[start:start + n]
        assert [list(r) for r in crf.features(tokens)] == reference(tokens), tokens


def test_safe_characters_map_case_as_underthesea_core_does(reference):
    # the Python path is taken only for tokens of _SAFE characters: each of them, alone and
    # next to a capital and a small letter, gives the featuriser's strings
    crf = seg._model()
    chars = [chr(c) for c in range(0x30000) if seg._SAFE.fullmatch(chr(c)) and not chr(c).isspace()]
    assert len(chars) > 900
    tokens = [t for c in chars for t in (c, "X" + c, c + "x", c + c.upper())]
    for k in range(0, len(tokens), 40):
        chunk = tokens[k:k + 40]
        assert [list(r) for r in crf.features(chunk)] == reference(chunk)


def test_long_tokens_are_not_memoised():
    crf = seg._model()
    crf.features(["Tổng", "a" * (seg.TOKEN_CACHE_CHARS + 1)])
    assert "Tổng" in crf._tokens and "a" * (seg.TOKEN_CACHE_CHARS + 1) not in crf._tokens


def test_underthesea_pickles_are_checked_before_loading(tmp_path):
    from vnstance.errors import VnstanceError

    for name in ("models.bin", "dictionary.bin"):
        (tmp_path / name).symlink_to(seg.MODEL_DIR / name)
    (tmp_path / "features.bin").write_bytes((seg.MODEL_DIR / "features.bin").read_bytes() + b"\n")
    with pytest.raises(VnstanceError, match="features.bin: not the file underthesea 9.5.0 ships"):
        seg._Crf(tmp_path)


def test_a_template_it_does_not_read_falls_back_to_underthesea_core(tmp_path):
    import hashlib

    import joblib

    for name in ("models.bin", "dictionary.bin"):
        (tmp_path / name).symlink_to(seg.MODEL_DIR / name)
    templates = ["T[0]", "T[-1][0].lower", "T[0,1].istitle"]  # a column index: not read here
    joblib.dump(templates, tmp_path / "features.bin")
    digest = hashlib.sha256((tmp_path / "features.bin").read_bytes()).hexdigest()
    crf = seg._Crf(tmp_path, {**seg.PICKLES, "features.bin": digest})
    tokens = ["Tổng", "thống", "Mỹ"]
    from underthesea_core import CRFFeaturizer
    assert crf.templates is None
    assert [list(r) for r in crf.features(tokens)] == CRFFeaturizer(templates, set(crf.dictionary)).process(
        [[[t] for t in tokens]])[0]


def test_another_callers_fixed_words_do_not_change_segment(monkeypatch):
    import underthesea.pipeline.word_tokenize.regex_tokenize as rt

    monkeypatch.setattr(rt, "patterns", rt.patterns)  # underthesea replaces it for good: put it back after
    text = "Ngoại trưởng Mỹ John Kerry gặp Ngoại trưởng Nga Sergei Lavrov"
    seg.segment.cache_clear()
    before = seg.segment(text)
    joined = word_tokenize(text, fixed_words=["Mỹ John", "Nga Sergei"])
    assert "Mỹ John" in joined  # underthesea's global pattern now holds these fixed words
    seg.segment.cache_clear()
    assert seg.segment(text) == before
    assert "Mỹ John" not in before


def test_only_short_tokens_are_memoised():
    seg._token_normalize.cache_clear()
    long_words = [f"Xyzabcdefgh{i}" for i in range(50)]
    seg.segment.cache_clear()
    seg.segment(" ".join(long_words) + " và hoà")
    cached = seg._token_normalize.cache_info().currsize
    assert 0 < cached <= 3
