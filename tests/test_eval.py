import json
import sys

import pytest
from sklearn.metrics import confusion_matrix, f1_score, precision_recall_fscore_support

from vnstance.dataset import load_labelled
from vnstance.errors import VnstanceError
from vnstance.eval.cv import cross_validate
from vnstance.schema import DEFAULT

from .conftest import assert_user_error, write_jsonl

FAST = {"tune": False}


@pytest.fixture(scope="session")
def small_gold(tmp_path_factory, gold):
    """Three short seed articles: quick to cross-validate."""
    rows = [{"id": e.id, "doc": e.doc, "text": e.text, "russia": e.russia, "us": e.us, "sentiment": e.sentiment}
            for e in gold.examples if e.doc in ("000", "001", "002")]
    return write_jsonl(tmp_path_factory.mktemp("data") / "small.jsonl", rows)


@pytest.fixture(scope="session")
def cv_report(small_gold, tmp_path_factory):
    from click.testing import CliRunner

    from vnstance.cli import main

    d = tmp_path_factory.mktemp("report")
    r = CliRunner().invoke(main, ["eval", "--cv", "--data", str(small_gold), "--report", str(d / "r.json"),
                                  "--markdown", str(d / "r.md")])
    assert r.exit_code == 0, r.output
    return r, json.loads((d / "r.json").read_text(encoding="utf-8")), (d / "r.md").read_text(encoding="utf-8")


def test_folds_never_score_what_they_trained_on(gold):
    authored = load_labelled([gold.paths[0].replace("gold.jsonl", "authored.jsonl")])
    res = cross_validate(gold.select(i for i, e in enumerate(gold.examples) if e.doc != "003"),
                         authored.select(range(60)), 0, **FAST)
    assert {f.group for f in res.folds} == {"000", "001", "002", "004"}
    for fold in res.folds:
        assert fold.group not in fold.train_groups
        assert not set(fold.scored_ids) & fold.train_ids
        assert {e.id for e in authored.examples[:60]} <= fold.train_ids  # extra data in every fold
    scored = [sid for f in res.folds for sid in f.scored_ids]
    assert len(scored) == len(set(scored)) == 72  # each sentence scored exactly once


def test_training_only_data_must_not_share_groups(gold):
    with pytest.raises(VnstanceError, match="shares doc group"):
        cross_validate(gold.select(range(30)), gold.select(range(20, 40)), 0, **FAST)


def test_cv_summary_and_reports(cv_report):
    result, report, md = cv_report
    out = result.stdout
    assert "cross-validated" in out and "f_avg" in out and "95% CI" in out
    assert report["schema"] == "vnstance-eval/1" and report["mode"] == "cv"
    assert [f["group"] for f in report["options"]["folds"]] == ["000", "001", "002"]
    assert len(report["predictions"]) == 52
    assert md.startswith("# vnstance evaluation") and "## Errors, most confident first" in md
    probs = [e["probability"] for e in report["errors"]]
    assert probs == sorted(probs, reverse=True)
    assert len(report["errors"]) == sum(p["gold"][h] != p["pred"][h] for p in report["predictions"] for h in DEFAULT.heads)


def test_report_figures_match_a_recomputation(cv_report):
    """Recompute the report's figures from its own predictions with scikit-learn."""
    _, report, _ = cv_report
    preds = report["predictions"]
    m = report["metrics"]
    for h in DEFAULT.heads:
        g = [p["gold"][h] for p in preds]
        y = [p["pred"][h] for p in preds]
        labels = list(DEFAULT.labels[h])
        prec, rec, f1, sup = precision_recall_fscore_support(g, y, labels=labels, zero_division=0)
        for i, lab in enumerate(labels):
            got = m[h]["labels"][lab]
            assert (got["precision"], got["recall"], got["f1"], got["support"]) == pytest.approx(
                (prec[i], rec[i], f1[i], sup[i]))
        assert m[h]["macro_f1"] == pytest.approx(f1_score(g, y, labels=labels, average="macro", zero_division=0))
        assert m[h]["confusion"]["matrix"] == confusion_matrix(g, y, labels=labels).tolist()
        lo, hi = m[h]["macro_f1_ci"]
        assert lo <= m[h]["macro_f1"] + 1e-9 <= hi + 2e-9  # the interval holds the estimate
        assert hi - lo > 0.01  # and is not a point: the out-of-fold predictions have errors to resample
    f = [f1_score([p["gold"][t] for p in preds], [p["pred"][t] for p in preds], labels=[pole], average="macro",
                  zero_division=0) for t in DEFAULT.targets for pole in ("favor", "against")]
    assert m["f_avg"] == pytest.approx(sum(f) / 4)
    assert report["margins"]["keyword"]["f_avg"] == pytest.approx(m["f_avg"] - report["baselines"]["keyword"]["f_avg"])


def test_eval_saved_model_and_gate(run, model_path, small_gold, tmp_path):
    ok = run("eval", "--model", str(model_path), "--data", str(small_gold), "--fail-under", "f_avg=0.01",
             "--fail-under", "sentiment.macro_f1=0.01")
    assert ok.exit_code == 0, ok.output
    assert "gate passed: 2 floor(s) met" in ok.stdout
    bad = run("eval", "--model", str(model_path), "--data", str(small_gold), "--fail-under", "f_avg=0.999",
              "--fail-under", "mentions.us.f1=0.5")
    assert bad.exit_code == 1
    warned, *failed = bad.stderr.strip().splitlines()
    assert warned.endswith("scored sentences were in the training data: optimistic; use --cv")  # small_gold was trained on
    assert len(failed) == 1 and failed[0].startswith("vnstance: gate failed: f_avg = ")
    assert failed[0].endswith("is below its floor 0.9990")


def test_eval_bad_options(run, model_path, small_gold, tmp_path):
    assert_user_error(run("eval", "--model", str(model_path), "--data", str(small_gold), "--fail-under", "f_avg"),
                      "expected METRIC=VALUE")
    assert_user_error(run("eval", "--model", str(model_path), "--data", str(small_gold), "--fail-under", "nope=1"),
                      "unknown metric 'nope'")
    assert_user_error(run("eval", "--data", str(tmp_path / "absent.jsonl")), "no such file")


def test_plots_without_matplotlib(run, model_path, small_gold, tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    r = run("eval", "--model", str(model_path), "--data", str(small_gold), "--plots", str(tmp_path / "p"))
    assert_user_error(r, "--plots needs matplotlib", "vnstance[plots]")


def test_plots_are_written(run, model_path, small_gold, tmp_path):
    out = tmp_path / "plots"
    r = run("eval", "--model", str(model_path), "--data", str(small_gold), "--plots", str(out))
    assert r.exit_code == 0, r.output
    names = sorted(p.name for p in out.iterdir())
    assert names == ["confusion-russia.png", "confusion-sentiment.png", "confusion-us.png"]
    assert all((out / n).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" for n in names)


def test_eval_cli_data_errors(run, small_gold, tmp_path):
    (tmp_path / "empty.jsonl").write_text("")
    assert_user_error(run("eval", "--cv", "--data", str(tmp_path / "empty.jsonl")),
                      f"no labelled sentences in {tmp_path / 'empty.jsonl'}")
    # training-only data that shares an article with the scored data would leak into the folds
    assert_user_error(run("eval", "--cv", "--data", str(small_gold), "--train-extra", str(small_gold)),
                      "shares doc group(s) with the scored data")
