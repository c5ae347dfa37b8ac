"""`vnstance agree`: Cohen's kappa per field, f_avg, and the disagreements, on shared ids."""

import json

import pytest
from sklearn.metrics import cohen_kappa_score

from vnstance.eval.agreement import agreement, kappa
from vnstance.eval.metrics import f_avg

from .conftest import assert_user_error, write_jsonl


def rows(labels: list[tuple[str, str, str]], start: int = 0) -> list[dict]:
    return [{"id": f"s{i + start}", "doc": "d", "text": f"Câu số {i + start} về Nga và Mỹ", "russia": r, "us": u,
             "sentiment": s, "annotator": "x", "selected_by": "random", "labelled_at": "2026-01-01T00:00:00Z"}
            for i, (r, u, s) in enumerate(labels)]


A = [("favor", "none", "positive"), ("favor", "against", "negative"), ("against", "against", "negative"),
     ("none", "neutral", "neutral")]
B = [("favor", "none", "positive"), ("against", "against", "negative"), ("against", "neutral", "negative"),
     ("none", "neutral", "negative")]


def test_kappa_matches_a_hand_computed_example():
    # russia, A: favor favor against none; B: favor against against none.
    # observed 3/4; expected 2/4*1/4 (favor) + 1/4*2/4 (against) + 1/4*1/4 (none) = 5/16;
    # kappa = (12/16 - 5/16) / (1 - 5/16) = 7/11
    a = [x[0] for x in A]
    b = [x[0] for x in B]
    assert kappa(a, b, ("favor", "against", "neutral", "none")) == pytest.approx(7 / 11)
    assert kappa(a, b, ("favor", "against", "neutral", "none")) == pytest.approx(cohen_kappa_score(a, b))
    assert kappa(["none"] * 3, ["none"] * 3, ("favor", "against", "neutral", "none")) is None  # undefined


def test_report_on_shared_ids_only(tmp_path):
    pa = write_jsonl(tmp_path / "a.jsonl", rows(A) + rows([("none", "none", "neutral")], start=10))
    pb = write_jsonl(tmp_path / "b.jsonl", rows(B) + rows([("favor", "favor", "positive")], start=20))
    rep = agreement(pa, pb)
    assert rep["shared"] == 4 and rep["a"]["sentences"] == 5
    assert rep["fields"]["russia"]["kappa"] == pytest.approx(7 / 11)
    assert rep["fields"]["russia"]["agreement"] == pytest.approx(3 / 4)
    # sentiment: A pos neg neg neu, B pos neg neg neg -> observed 3/4; expected 1/16 + 2/4*3/4 = 7/16
    assert rep["fields"]["sentiment"]["kappa"] == pytest.approx((12 / 16 - 7 / 16) / (1 - 7 / 16))
    cols = lambda xs: {h: [x[k] for x in xs] for k, h in enumerate(("russia", "us", "sentiment"))}
    # f_avg over the classes either file uses (us favor is used by neither): russia favor
    # P 1/1 R 1/2, russia against P 1/2 R 1/1, us against P 1/1 R 1/2: F1 2/3 each
    assert rep["f_avg"] == pytest.approx(2 / 3)
    assert rep["f_avg_classes"] == {"russia": {"favor": pytest.approx(2 / 3), "against": pytest.approx(2 / 3)},
                                    "us": {"favor": None, "against": pytest.approx(2 / 3)}}
    assert f_avg(cols(A), cols(B)) == pytest.approx(0.5)  # eval's f_avg keeps its SemEval definition (0 for us favor)
    assert agreement(pb, pa)["f_avg"] == pytest.approx(rep["f_avg"])  # symmetric
    assert [d["id"] for d in rep["disagreements"]] == ["s1", "s2", "s3"]
    assert rep["disagreements"][1] == {"id": "s2", "doc": "d", "text": "Câu số 2 về Nga và Mỹ",
                                       "us": {"a": "against", "b": "neutral"}}


def test_agree_command_prints_and_writes_the_report(run, tmp_path):
    pa, pb = write_jsonl(tmp_path / "a.jsonl", rows(A)), write_jsonl(tmp_path / "b.jsonl", rows(B))
    r = run("agree", str(pa), str(pb), "--report", str(tmp_path / "agree.json"))
    assert r.exit_code == 0, r.output
    assert "shared ids: 4" in r.stdout and "kappa 0.636" in r.stdout and "disagreements: 3" in r.stdout
    assert "s2  us against/neutral" in r.stdout
    report = json.loads((tmp_path / "agree.json").read_text(encoding="utf-8"))
    assert report["schema"] == "vnstance-agree/1" and len(report["disagreements"]) == 3


def test_agree_user_errors(run, tmp_path):
    pa = write_jsonl(tmp_path / "a.jsonl", rows(A))
    pc = write_jsonl(tmp_path / "c.jsonl", rows(A, start=100))
    assert_user_error(run("agree", str(pa), str(pc)), "no shared ids")
    assert_user_error(run("agree", str(pa), str(tmp_path / "missing.jsonl")), "missing.jsonl", "no such file")
    bad = tmp_path / "bad.jsonl"
    bad.write_text(json.dumps(rows(A)[0]) + "\n{not json\n", encoding="utf-8")
    assert_user_error(run("agree", str(pa), str(bad)), "bad.jsonl:2", "invalid JSON")
    dup = write_jsonl(tmp_path / "dup.jsonl", rows(A) + rows(A[:1]))
    assert_user_error(run("agree", str(pa), str(dup)), "dup.jsonl:5", "duplicate id")
    empty = tmp_path / "empty.jsonl"
    empty.write_text("", encoding="utf-8")
    assert_user_error(run("agree", str(pa), str(empty)), "empty")
    assert not (tmp_path / "agree.json").exists()


def test_f_avg_of_identical_files_is_one_over_the_classes_they_use(run, tmp_path):
    same = [("against", "none", "negative"), ("none", "neutral", "neutral"), ("none", "against", "negative")]
    pa = write_jsonl(tmp_path / "a.jsonl", rows(same))
    r = run("agree", str(pa), str(pa), "--report", str(tmp_path / "agree.json"))
    assert r.exit_code == 0, r.output
    assert "f_avg of B against A: 1.000" in r.stdout and "neither file uses russia favor, us favor" in r.stdout
    report = json.loads((tmp_path / "agree.json").read_text(encoding="utf-8"))
    assert report["f_avg"] == 1.0
    assert report["f_avg_classes"] == {"russia": {"favor": None, "against": 1.0}, "us": {"favor": None, "against": 1.0}}
    # no favor or against anywhere: undefined, not 0
    quiet = write_jsonl(tmp_path / "q.jsonl", rows([("none", "neutral", "neutral"), ("neutral", "none", "positive")]))
    r = run("agree", str(quiet), str(quiet), "--report", str(tmp_path / "quiet.json"))
    assert r.exit_code == 0, r.output
    assert "f_avg of B against A: undefined (neither file uses favor or against)" in r.stdout
    assert json.loads((tmp_path / "quiet.json").read_text(encoding="utf-8"))["f_avg"] is None


def test_a_head_labelled_in_the_wrong_case_is_named_not_dropped(run, tmp_path):
    # every russia label capitalised: the field must still be read as a target and reported
    pa = write_jsonl(tmp_path / "a.jsonl", [{**r, "russia": r["russia"].capitalize()} for r in rows(A)])
    pb = write_jsonl(tmp_path / "b.jsonl", rows(B))
    assert_user_error(run("agree", str(pa), str(pb)), "a.jsonl:1", "russia must be one of", "'Favor'")
