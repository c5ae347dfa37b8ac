import json
import re
import unicodedata

import pytest

from vnstance.features.articles import article_sentences, clean_paragraph, split_sentences, undouble
from vnstance.features.normalize import normalize

from .conftest import ARTICLES, SEEDS


def test_tone_marks_and_nfc():
    assert normalize("Ngọai trưởng") == normalize("Ngoại trưởng") == "Ngoại trưởng"
    assert normalize("hoà bình") == "hòa bình"
    assert normalize("thuỷ thủ") == "thủy thủ"
    decomposed = unicodedata.normalize("NFD", "Nga cáo buộc Mỹ")
    assert normalize(decomposed) == "Nga cáo buộc Mỹ"


def test_normalize_keeps_punctuation_and_spacing():
    assert normalize("Nga nói: “bình thường hóa” (Syria).") == "Nga nói: “bình thường hóa” (Syria)."
    assert normalize("a\u00a0 b\t c") == "a b c"


def test_datelines_and_credits_are_cut():
    assert clean_paragraph("VOV.VN -Hôm qua (30/9), Ngoại trưởng Nga tuyên bố") == "Hôm qua (30/9), Ngoại trưởng Nga tuyên bố"
    assert clean_paragraph("(Baonghean.vn)- Sau cuộc gặp với Đặc phái viên") == "Sau cuộc gặp với Đặc phái viên"
    assert clean_paragraph("Lực lượng đối lập tấn công trụ sở ngày 3/5. Ảnh: Getty") == "Lực lượng đối lập tấn công trụ sở ngày 3/5."
    assert clean_paragraph("Pháp muốn thuyết phục Nga và Mỹ. (Ảnh: AFP)") == "Pháp muốn thuyết phục Nga và Mỹ."


@pytest.mark.parametrize("line", ["Mời quý độc giả theo dõi VOV.VN trên", "Tin liên quan", "TIN LIÊN QUAN",
                                  "16:06:31 05/03/2025", "Lan Hạ", "(Theo Bloomberg)", "Video đang HOT",
                                  "Theo dõi VGT trên", "Có;", "Tiêu điểm", "Có thể bạn quan tâm",
                                  "Điện Kremlin: Mỹ từ chối đàm phán với Nga về chiến sự Syria - Hình 1"])
def test_boilerplate_is_dropped(line):
    assert clean_paragraph(line) == ""


def test_doubled_title():
    t = "Australia: Người hiến huyết tương cứu 2,4 triệu trẻ em qua đời ở tuổi 88"
    assert undouble(t + t) == t
    assert undouble(t) == t


def test_sentence_split_keeps_initials_and_numbers():
    assert split_sentences("Việc chia tài sản khiến S. và N. mâu thuẫn. Đỉnh điểm là vụ án.") == [
        "Việc chia tài sản khiến S. và N. mâu thuẫn.", "Đỉnh điểm là vụ án."]
    assert split_sentences("Từ tháng 3.2011 đến 13.10.2015 có 86 mục tiêu.") == ["Từ tháng 3.2011 đến 13.10.2015 có 86 mục tiêu."]
    assert split_sentences('Ông nói: "Lệnh ngừng bắn đã đạt được. Mục tiêu là kéo dài nó".') == [
        'Ông nói: "Lệnh ngừng bắn đã đạt được.', 'Mục tiêu là kéo dài nó".']


@pytest.mark.parametrize("article", ARTICLES, ids=lambda p: p.name[:3])
def test_seed_articles_give_the_gold_sentences(article):
    """Each raw article yields exactly its gold sentences, in order (the gold texts keep some
    image credits that the splitter drops, so those are removed from the expectation)."""
    doc = article.name[:3]
    credit = re.compile(r"\s*[-–]?\s*\(?Ảnh: [A-Za-z ]+\)?$")
    want = [credit.sub("", normalize(json.loads(line)["text"]))
            for line in (SEEDS / "gold.jsonl").read_text(encoding="utf-8").splitlines()
            if json.loads(line)["doc"] == doc]
    assert article_sentences(article.read_text(encoding="utf-8")) == want
