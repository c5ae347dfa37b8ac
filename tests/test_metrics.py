"""Metric code against small cases worked out by hand (not recomputed with scikit-learn)."""

import pytest

from vnstance.eval.bootstrap import intervals
from vnstance.eval.gate import check, lookup, parse_floors
from vnstance.eval.metrics import confusion, f_avg, head_metrics, prf
from vnstance.errors import DataError, VnstanceError


def test_prf_by_hand():
    gold = ["favor", "favor", "against", "neutral", "favor"]
    pred = ["favor", "against", "against", "favor", "favor"]
    # favor: tp=2, predicted 3, gold 3 -> P=2/3 R=2/3 F1=2/3
    assert prf(gold, pred, "favor") == pytest.approx((2 / 3, 2 / 3, 2 / 3, 3))
    # against: tp=1, predicted 2, gold 1 -> P=1/2 R=1 F1=2/3
    assert prf(gold, pred, "against") == pytest.approx((0.5, 1.0, 2 / 3, 1))
    # neutral: never predicted -> P=0 (undefined), R=0, F1=0
    assert prf(gold, pred, "neutral") == (0.0, 0.0, 0.0, 1)


def test_labels_absent_from_gold_or_predictions():
    gold = ["none", "none", "neutral"]
    pred = ["none", "favor", "neutral"]
    m = head_metrics(gold, pred, ["favor", "against", "neutral", "none"])
    assert m["labels"]["favor"] == {"precision": 0.0, "recall": 0.0, "f1": 0.0, "support": 0}  # predicted, not in gold
    assert m["labels"]["against"] == {"precision": 0.0, "recall": 0.0, "f1": 0.0, "support": 0}  # in neither
    assert m["labels"]["none"]["precision"] == 1.0 and m["labels"]["none"]["recall"] == 0.5
    assert m["labels"]["none"]["f1"] == pytest.approx(2 / 3)
    # macro over all four labels: (0 + 0 + 1 + 2/3) / 4
    assert m["macro_f1"] == pytest.approx((1 + 2 / 3) / 4)
    assert m["accuracy"] == pytest.approx(2 / 3)
    assert m["confusion"]["matrix"] == [[0, 0, 0, 0], [0, 0, 0, 0], [0, 0, 1, 0], [1, 0, 0, 1]]


def test_confusion_rows_are_gold():
    assert confusion(["a", "a", "b"], ["b", "a", "b"], ["a", "b"]) == [[1, 1], [0, 1]]


def test_f_avg_is_mean_of_four_f1():
    gold = {"russia": ["favor", "against", "none", "neutral"], "us": ["against", "favor", "favor", "none"]}
    pred = {"russia": ["favor", "favor", "none", "neutral"], "us": ["against", "none", "favor", "none"]}
    # russia favor: tp1 p2 g1 -> P .5 R 1 F 2/3; russia against: tp0 -> 0
    # us against: tp1 p1 g1 -> 1; us favor: tp1 p1 g2 -> P 1 R .5 F 2/3
    assert f_avg(gold, pred) == pytest.approx((2 / 3 + 0 + 1 + 2 / 3) / 4)


def test_bootstrap_interval_brackets_and_is_repeatable():
    gold = {"russia": ["favor", "against", "none", "neutral"] * 10, "us": ["none"] * 40,
            "sentiment": ["positive", "negative", "neutral", "negative"] * 10}
    perfect = intervals(gold, gold, draws=50)
    assert perfect["sentiment"] == [1.0, 1.0]
    pred = dict(gold, russia=["favor", "favor", "none", "neutral"] * 10)
    a, b = intervals(gold, pred, draws=200, seed=3), intervals(gold, pred, draws=200, seed=3)
    assert a == b
    assert a["f_avg"][0] < a["f_avg"][1]


REPORT = {"metrics": {"f_avg": 0.5, "sentiment": {"macro_f1": 0.6, "labels": {"neutral": {"f1": 0.3}}},
                      "mentions": {"us": {"f1": 0.97}}},
          "margins": {"keyword": {"f_avg": 0.04, "sentiment.macro_f1": 0.1}}}


def test_gate_lookup_and_check():
    assert lookup(REPORT, "f_avg") == 0.5
    assert lookup(REPORT, "sentiment.neutral.f1") == 0.3
    assert lookup(REPORT, "mentions.us.f1") == 0.97
    assert lookup(REPORT, "margins.keyword.f_avg") == 0.04
    assert lookup(REPORT, "margins.keyword.sentiment.macro_f1") == 0.1
    assert check(REPORT, [("f_avg", 0.45), ("sentiment.macro_f1", 0.6)]) == []
    assert check(REPORT, [("f_avg", 0.55)]) == ["f_avg = 0.5000 is below its floor 0.5500"]
    assert check(REPORT, [("f_avg", 0.55, True)]) == []  # a ceiling: 0.5 is under it
    assert check(REPORT, [("f_avg", 0.45, True)]) == ["f_avg = 0.5000 is above its ceiling 0.4500"]
    with pytest.raises(VnstanceError, match="unknown metric 'recall'"):
        lookup(REPORT, "recall")


def test_floor_parsing(tmp_path):
    f = tmp_path / "floors.txt"
    f.write_text("# floors\nf_avg=0.4  # headline\n\nsentiment.macro_f1 = 0.5\nfalse_alarm<=0.12\n")
    assert parse_floors(["mentions.us.f1=0.9", f"@{f}", "f_avg>=0.3"]) == [
        ("mentions.us.f1", 0.9, False), ("f_avg", 0.4, False), ("sentiment.macro_f1", 0.5, False),
        ("false_alarm", 0.12, True), ("f_avg", 0.3, False)]
    with pytest.raises(VnstanceError, match="expected METRIC=VALUE"):
        parse_floors(["f_avg"])
    f.write_text("f_avg=high\n")
    with pytest.raises(DataError, match=r"floors.txt:1: bad floor"):
        parse_floors([f"@{f}"])
