"""Guideline 1.2's references and non-references: near-miss names are not mentions."""

import pytest

from vnstance.features.prepare import prepare
from vnstance.schema import DEFAULT


def found(text):
    p = prepare(text)
    return {t: p.mentions_of(t) for t in DEFAULT.targets}


@pytest.mark.parametrize("text", [
    "Chị Nga bán rau ở chợ Đồng Xuân đã hơn 20 năm",
    "Hôm qua chị Nga và bà Nguyễn Thị Nga cùng đi họp",
    "Đội tuyển Việt Nam thắng Malaysia trên sân Mỹ Đình",
    "Sân vận động Mỹ Đình chật kín khán giả",
    "Bến xe Mỹ Đình đông nghẹt hành khách",
    "Giá mỹ phẩm nhập khẩu tăng mạnh",
    "Mỹ phẩm Hàn Quốc bán chạy",
    "Ca sĩ Mỹ Tâm ra mắt album mới",
    "Mỹ Tâm tung MV mới đón Giáng sinh",
    "Các em nhỏ hóa trang thành chị Hằng Nga đón Trung thu",
    "Tàu thăm dò Hằng Nga 6 của Trung Quốc hạ cánh",
    "Triển lãm mỹ thuật đương đại khai mạc",
    "Một cơ sở thẩm mỹ bị đình chỉ hoạt động",
])
def test_near_misses_are_not_mentions(text):
    assert found(text) == {"russia": [], "us": []}


@pytest.mark.parametrize("text, russia, us", [
    ("Fed tăng lãi suất thêm 0,75 điểm phần trăm", [], ["Fed"]),
    ("Duma Quốc gia Nga thông qua dự luật", ["Duma", "Nga"], []),
    ("Người dân sân Mỹ Đình cổ vũ đội tuyển, còn Mỹ và Nga gửi lời chúc", ["Nga"], ["Mỹ"]),
])
def test_state_bodies_are_mentions_beside_near_misses(text, russia, us):
    assert found(text) == {"russia": russia, "us": us}
