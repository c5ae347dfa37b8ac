"""The false-alarm rate: attitudes seen where the gold has none."""

from vnstance.eval.metrics import all_metrics
from vnstance.eval.scores import false_alarm_rate


def test_false_alarm_rate_by_hand():
    gold = {"russia": ["neutral", "none", "none", "favor", "against"],
            "us": ["none", "none", "neutral", "neutral", "favor"], "sentiment": ["neutral"] * 5}
    pred = {"russia": ["against", "none", "favor", "neutral", "favor"],  # 2 of 3 quiet slots alarmed
            "us": ["none", "neutral", "neutral", "none", "against"],  # 0 of 4 (neutral<->none is no alarm)
            "sentiment": ["neutral"] * 5}
    rates = false_alarm_rate(gold, pred)
    assert rates["russia"] == 2 / 3 and rates["us"] == 0.0 and rates["pooled"] == 2 / 7
    m = all_metrics(gold, pred)
    assert m["false_alarm"] == 2 / 7 and m["russia"]["false_alarm"] == 2 / 3 and "false_alarm" not in m["sentiment"]


def test_no_quiet_slot_is_no_alarm():
    assert false_alarm_rate({"russia": ["favor"], "us": ["against"]}, {"russia": ["against"], "us": ["favor"]}) == \
        {"russia": 0.0, "us": 0.0, "pooled": 0.0}


def test_eval_report_prints_false_alarms(run, model_path, tmp_path):
    import json

    out = tmp_path / "r.json"
    md = tmp_path / "r.md"
    result = run("eval", "--model", str(model_path), "--report", str(out), "--markdown", str(md),
                 "--fail-under", "false_alarm<=1.0")
    assert result.exit_code == 0, result.output
    report = json.loads(out.read_text(encoding="utf-8"))
    fa = report["metrics"]["false_alarm"]
    assert f"{fa:.3f} pooled" in result.stdout and "False alarms" in md.read_text(encoding="utf-8")
    assert report["baselines"]["keyword"]["false_alarm"] >= 0
    assert report["margins"]["keyword"]["false_alarm"] == fa - report["baselines"]["keyword"]["false_alarm"]
    failed = run("eval", "--model", str(model_path), "--fail-under", "false_alarm<=-0.1")
    assert failed.exit_code == 1 and "false_alarm" in failed.stderr and "above its ceiling" in failed.stderr
