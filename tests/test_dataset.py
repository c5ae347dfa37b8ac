import json

import pytest

from vnstance.dataset import AUTHORED_PATH, GOLD_PATH, load_labelled
from vnstance.errors import DataError, VnstanceError

from .conftest import write_jsonl

GOOD = {"id": "x-1", "doc": "x", "text": "Nga và Mỹ đàm phán.", "russia": "favor", "us": "favor",
        "sentiment": "positive"}


def test_shipped_files_load():
    gold = load_labelled(GOLD_PATH)
    authored = load_labelled(AUTHORED_PATH)
    assert len(gold) == 181 and len(authored) == 600
    assert {e.doc for e in gold.examples} == {"000", "001", "002", "003", "004"}
    assert all(e.source == "authored" for e in authored.examples)
    both = load_labelled([GOLD_PATH, AUTHORED_PATH])
    assert len(both) == 781 and both.examples[181].id == authored.examples[0].id


def test_texts_are_normalised(tmp_path):
    d = load_labelled(write_jsonl(tmp_path / "a.jsonl", [{**GOOD, "text": "Ngọai trưởng nói về hoà bình"}]))
    assert d.examples[0].text == "Ngoại trưởng nói về hòa bình"


@pytest.mark.parametrize("change, message", [
    ({"russia": "pro"}, "unknown russia label 'pro'"),
    ({"sentiment": "happy"}, "unknown sentiment label 'happy'"),
    ({"text": "   "}, "blank text"),
    ({"us": None}, "field 'us' must be a string"),
])
def test_bad_line_names_file_and_line(tmp_path, change, message):
    path = write_jsonl(tmp_path / "bad.jsonl", [GOOD, {**GOOD, "id": "x-2", **change}])
    with pytest.raises(DataError) as e:
        load_labelled(path)
    assert str(e.value).startswith(f"{path}:2: ")
    assert message in str(e.value)


def test_missing_field(tmp_path):
    row = {k: v for k, v in GOOD.items() if k != "doc"}
    with pytest.raises(DataError, match=r":1: missing field\(s\): doc"):
        load_labelled(write_jsonl(tmp_path / "a.jsonl", [row]))


def test_duplicate_id_across_files(tmp_path):
    a = write_jsonl(tmp_path / "a.jsonl", [GOOD])
    b = write_jsonl(tmp_path / "b.jsonl", [{**GOOD, "text": "khác"}])
    with pytest.raises(DataError) as e:
        load_labelled([a, b])
    assert str(e.value).startswith(f"{b}:1: duplicate id 'x-1' (first at {a}:1)")


def test_invalid_json_not_object_and_utf8(tmp_path):
    p = tmp_path / "a.jsonl"
    p.write_text('{"id": 1,\n', encoding="utf-8")
    with pytest.raises(DataError, match=r":1: invalid JSON"):
        load_labelled(p)
    p.write_text('["a"]\n', encoding="utf-8")
    with pytest.raises(DataError, match=r":1: expected a JSON object, got list"):
        load_labelled(p)
    p.write_bytes(json.dumps(GOOD).encode() + b"\n" + b'{"text": "\xff\xfe"}\n')
    with pytest.raises(DataError, match=r":2: invalid UTF-8"):
        load_labelled(p)


def test_empty_and_missing_files(tmp_path):
    (tmp_path / "empty.jsonl").write_text("\n\n")
    with pytest.raises(VnstanceError, match="empty data: no labelled sentences in"):
        load_labelled(tmp_path / "empty.jsonl")
    with pytest.raises(DataError, match="no such file"):
        load_labelled(tmp_path / "nope.jsonl")
