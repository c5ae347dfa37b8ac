import pytest

from vnstance.eval.metrics import mention_metrics
from vnstance.features.prepare import prepare
from vnstance.schema import TARGETS


def found(text: str) -> dict[str, list[str]]:
    p = prepare(text)
    return {t: p.mentions_of(t) for t in TARGETS}


@pytest.mark.parametrize("text, russia, us", [
    ("Nga tiếp tục cáo buộc Mỹ hậu thuẫn khủng bố", ["Nga"], ["Mỹ"]),
    ("Lầu Năm Góc và Nhà Trắng im lặng", [], ["Lầu Năm Góc", "Nhà Trắng"]),
    ("Ngoại trưởng Mỹ John Kerry gặp Ngoại trưởng Sergei Lavrov", ["Lavrov"], ["Mỹ", "Kerry"]),
    ("Điện Kremlin cáo buộc Washington", ["Kremlin"], ["Washington"]),
    ("Quan hệ Mỹ-Nga căng thẳng", ["Nga"], ["Mỹ"]),
    ("Liên Xô can thiệp vào Afghanistan", ["Liên Xô"], []),
    ("Hoa Kỳ và Liên bang Nga", ["Liên bang Nga"], ["Hoa Kỳ"]),
    ("NGA CẢNH BÁO MỸ", ["NGA"], ["MỸ"]),
])
def test_targets_found(text, russia, us):
    assert found(text) == {"russia": russia, "us": us}


@pytest.mark.parametrize("text", [
    "Ca sĩ Mỹ Tâm ra mắt album mới",
    "Phương pháp thẩm mỹ làm phẳng nếp nhăn",
    "Mỹ phẩm Hàn Quốc bán chạy",
    "Hôm qua chị Nga đi chợ từ sớm",
    "Thành phố Mỹ Tho đón khách",
    "Du lịch châu Mỹ và Nam Mỹ",
    "Mỹ nhân ngoan xinh yêu nhất Trung Quốc",
    "Tay vợt vô địch giải Mỹ mở rộng",
    "Tờ Washington Post đưa tin",
])
def test_not_the_targets(text):
    assert found(text) == {"russia": [], "us": []}


def test_mention_detection_on_gold(gold):
    """Issue target: mention detection (none vs not none) F1 >= 0.95 per target on the seed gold."""
    for t in TARGETS:
        pred = ["neutral" if prepare(e.text).mentions_of(t) else "none" for e in gold.examples]
        assert mention_metrics(gold.column(t), pred)["f1"] >= 0.95, t
