"""`vnstance eval` never prints a training-set score without saying so."""

from __future__ import annotations

import json

from vnstance.dataset import DEFAULT_TRAIN, load_labelled

from .conftest import assert_user_error, write_jsonl

WARNING = "scored sentences were in the training data: optimistic; use --cv"


def _rows(examples):
    return [{"id": e.id, "doc": e.doc, "text": e.text, "russia": e.russia, "us": e.us, "sentiment": e.sentiment}
            for e in examples]


def test_model_records_its_training_sentences(model):
    data = load_labelled(DEFAULT_TRAIN)
    assert model.meta["data"]["ids"] == data.ids
    assert len(set(model.meta["data"]["text_keys"])) == len(set(data.texts))


def test_eval_on_training_sentences_warns_and_reports(run, model_path, gold, tmp_path):
    r = run("eval", "--model", str(model_path), "--report", str(tmp_path / "r.json"),
            "--markdown", str(tmp_path / "r.md"))
    assert r.exit_code == 0, r.output
    assert f"vnstance: warning: {len(gold)} of {len(gold)} {WARNING}" in r.stderr.splitlines()
    report = json.loads((tmp_path / "r.json").read_text(encoding="utf-8"))
    assert report["training_overlap"]["in_training"] == report["training_overlap"]["scored"] == len(gold)
    # the Markdown report says it too, above its headline figure: it is what gets shared
    md = (tmp_path / "r.md").read_text(encoding="utf-8")
    assert f"**Optimistic:** {len(gold)} of {len(gold)} scored sentences" in md
    assert md.index("Optimistic") < md.index("**f_avg =")


def test_overlap_counts_sentences_by_text_as_well_as_by_id(run, model_path, gold, tmp_path):
    rows = _rows(gold.examples[:3])
    rows[0]["id"] = "renamed-1"  # the same training sentence under a new id still counts
    rows[1]["id"], rows[1]["text"] = "fresh-1", "Một câu chưa từng có trong dữ liệu huấn luyện về Nga và Mỹ."
    rows[2]["id"], rows[2]["text"] = "fresh-2", "Thời tiết Hà Nội hôm nay có mưa rào và dông."
    path = write_jsonl(tmp_path / "mixed.jsonl", rows)
    r = run("eval", "--model", str(model_path), "--data", str(path), "--report", str(tmp_path / "r.json"))
    assert r.exit_code == 0, r.output
    assert f"vnstance: warning: 1 of 3 {WARNING}" in r.stderr
    assert json.loads((tmp_path / "r.json").read_text())["training_overlap"]["ids"] == ["renamed-1"]


def test_eval_on_unseen_sentences_says_nothing(run, model_path, gold, tmp_path):
    rows = _rows(gold.examples[:2])
    for i, row in enumerate(rows):
        row["id"], row["text"] = f"new-{i}", f"Câu mới số {i}: Nga và Mỹ tiếp tục đàm phán về Syria."
    path = write_jsonl(tmp_path / "new.jsonl", rows)
    r = run("eval", "--model", str(model_path), "--data", str(path), "--report", str(tmp_path / "r.json"))
    assert r.exit_code == 0, r.output
    assert "warning" not in r.stderr
    assert json.loads((tmp_path / "r.json").read_text())["training_overlap"]["in_training"] == 0


def test_train_extra_without_cv_is_a_usage_error(run, model_path, tmp_path):
    extra = write_jsonl(tmp_path / "extra.jsonl", [])
    assert_user_error(run("eval", "--model", str(model_path), "--train-extra", str(extra)),
                      "--train-extra only adds training data to --cv folds", "vnstance eval --help")


def test_cv_on_the_shipped_gold_trains_with_the_shipped_authored_sets(run, monkeypatch, tmp_path):
    # an installed tool's authored files are inside the package: `eval --cv` must use them, as
    # `train` does, or it scores a model the tool never ships (0.43 instead of 0.52)
    from vnstance.eval import evaluate as ev

    seen = []
    monkeypatch.setattr(ev, "evaluate", lambda *a, **k: seen.append(k["train_extra"]) or {"stop": True})
    monkeypatch.setattr("vnstance.eval.report.summary", lambda r: "")
    assert run("eval", "--cv").exit_code == 0
    assert [set(map(str, s)) for s in seen] == [{str(p) for p in DEFAULT_TRAIN[1:]}]
    assert "adds the shipped authored sets" in run("eval", "--cv").stderr
    # other data, or extras named: exactly what was asked
    own = write_jsonl(tmp_path / "own.jsonl", [])
    seen.clear()
    run("eval", "--cv", "--data", str(own))
    run("eval", "--cv", "--train-extra", str(own))
    assert [tuple(s) for s in seen] == [(), (str(own),)]


def test_a_failed_gate_exits_1_even_when_the_reader_stops_early(model_path):
    # `vnstance eval --fail-under ... | head -1`: a closed pipe is no error, but a failed gate is
    import subprocess
    import sys

    cmd = [sys.executable, "-m", "vnstance.cli", "eval", "--model", str(model_path)]
    for floor, code in (("f_avg=0.999", 1), ("f_avg=0.01", 0)):
        proc = subprocess.Popen([*cmd, "--fail-under", floor], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        proc.stdout.close()
        assert proc.wait(timeout=120) == code, floor
        err = proc.stderr.read().decode()
        assert ("gate failed" in err) == (code == 1) and "Traceback" not in err
