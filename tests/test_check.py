"""`vnstance check`: the behavioural contrast set, its loader, scorer and command."""

import json

import pytest

from tests.conftest import assert_user_error, write_jsonl
from vnstance.dataset import DEFAULT_TRAIN, load_labelled
from vnstance.errors import DataError
from vnstance.eval.contrast import CASES_PATH, load_cases, run_cases

REQUIRED_TYPES = {"bad_news_not_blame", "blame_of_country", "complaint_is_against", "speaker_criticises_third_party",
                  "sympathy_is_favor", "near_miss_name", "alias_swap_invariance", "negation"}


def test_shipped_contrast_set_is_valid_and_covers_the_guideline_decisions():
    cases = load_cases()
    assert len(cases) >= 60
    assert {c.test_type for c in cases} >= REQUIRED_TYPES
    assert all(len(c.texts) >= 3 for c in cases if c.test_type == "alias_swap_invariance")


def test_contrast_set_is_never_training_data():
    assert CASES_PATH not in DEFAULT_TRAIN and CASES_PATH.name not in {p.name for p in DEFAULT_TRAIN}
    trained = set(load_labelled(DEFAULT_TRAIN).texts)
    assert not trained & {t for c in load_cases() for t in c.texts}


def _fake(labels):
    return lambda texts: [{"russia": labels.get(t, "none"), "us": "none", "sentiment": "neutral"} for t in texts]


def test_run_cases_scores_labels_lists_and_invariance(tmp_path):
    f = write_jsonl(tmp_path / "c.jsonl", [
        {"id": "1", "test_type": "a", "text": "x", "expect": {"russia": "neutral"}},
        {"id": "2", "test_type": "a", "text": "y", "expect": {"russia": ["neutral", "favor"]}},
        {"id": "3", "test_type": "b", "texts": ["x", "y"], "same": ["russia"]},
        {"id": "4", "test_type": "b", "texts": ["x", "z"], "same": ["russia"], "expect": {"russia": "neutral"}},
    ])
    report = run_cases(load_cases(f), _fake({"x": "neutral", "y": "favor", "z": "neutral"}))
    assert [r["passed"] for r in report["results"]] == [True, True, False, True]
    assert report["by_type"]["a"] == {"passed": 2, "cases": 2, "rate": 1.0}
    assert report["by_type"]["b"]["rate"] == 0.5 and report["pass_rate"] == 0.75
    assert "russia changes across texts: neutral, favor" in report["results"][2]["problems"]


@pytest.mark.parametrize("row, message", [
    ({"id": "1", "test_type": "a", "text": "x"}, "'expect' must be"),
    ({"id": "1", "test_type": "a", "text": "x", "expect": {"russia": "against!"}}, "unknown russia label"),
    ({"id": "1", "test_type": "a", "text": "x", "expect": {"rusia": "none"}}, "unknown head 'rusia'"),
    ({"id": "1", "test_type": "a", "texts": ["x"], "same": ["us"]}, "two or more"),
    ({"id": "1", "test_type": "a", "texts": ["x", "y"], "same": ["usa"]}, "'same' must list heads"),
    ({"id": "1", "text": "x", "expect": {"us": "none"}}, "missing or empty field 'test_type'"),
    ({"id": "1", "test_type": "a"}, "needs 'text' and 'expect'"),
])
def test_bad_cases_name_file_and_line(tmp_path, row, message):
    f = write_jsonl(tmp_path / "c.jsonl", [{"id": "0", "test_type": "a", "text": "ok", "expect": {"us": "none"}}, row])
    with pytest.raises(DataError, match=rf"c.jsonl:2: .*{message}"):
        load_cases(f)


def test_check_command_reports_every_type_and_gates(run, model_path, tmp_path):
    out = tmp_path / "check.json"
    result = run("check", "--model", str(model_path), "--report", str(out), "--fail-under", "0")
    assert result.exit_code == 0, result.output
    report = json.loads(out.read_text(encoding="utf-8"))
    assert set(report["by_type"]) >= REQUIRED_TYPES and report["cases"] == len(load_cases())
    for name, t in report["by_type"].items():
        assert name in result.stdout and 0 <= t["rate"] <= 1
    assert "gate passed" in result.stdout


def test_check_gate_fails_below_the_floor(run, model_path, tmp_path):
    cases = write_jsonl(tmp_path / "c.jsonl", [
        {"id": "1", "test_type": "wrong_on_purpose", "text": "Chị Nga đi chợ từ sớm", "expect": {"russia": "against"}}])
    result = run("check", "--model", str(model_path), "--cases", str(cases), "--fail-under", "0.5")
    assert result.exit_code == 1
    assert "pass rate 0.0000 is below its floor 0.5000" in result.stderr


def test_check_bad_input_is_one_line(run, model_path, tmp_path):
    bad = tmp_path / "c.jsonl"
    bad.write_text('{"id": "1", "test_type": "a", "text": "x", "expect": {"us": "none"}}\n{not json\n', encoding="utf-8")
    assert_user_error(run("check", "--model", str(model_path), "--cases", str(bad)), "c.jsonl:2")
    assert_user_error(run("check", "--model", str(model_path), "--cases", str(tmp_path / "missing.jsonl")),
                      "missing.jsonl")
    assert_user_error(run("check", "--model", str(model_path), "--fail-under", "1.5"), "--fail-under")
    assert_user_error(run("check", "--model", str(tmp_path / "nope.joblib")), "nope.joblib")


def test_check_refuses_a_model_that_is_not_the_pinned_one(run, model_path):
    pinned = run("check", "--model", str(model_path), "--model-sha256", "0" * 64)
    assert_user_error(pinned, "does not match the pinned 000000000000")
    actual = (model_path.parent / (model_path.name + ".sha256")).read_text().split()[0]
    assert run("check", "--model", str(model_path), "--model-sha256", actual).exit_code == 0


def test_a_failed_check_gate_exits_1_even_when_the_reader_stops_early(model_path):
    import subprocess
    import sys

    proc = subprocess.Popen([sys.executable, "-m", "vnstance.cli", "check", "--model", str(model_path),
                             "--fail-under", "1.0"], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    proc.stdout.close()
    assert proc.wait(timeout=120) == 1
    assert "gate failed" in proc.stderr.read().decode()
