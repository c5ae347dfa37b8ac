"""One label schema, any set of targets: a three-target model (russia, us, china) trained on
tests/data/three-targets.jsonl with the user lexicon tests/data/china-lexicon.json trains,
predicts in every format, evaluates, checks, summarizes and serves three targets."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import numpy as np
import pytest

from vnstance.dataset import load_labelled
from vnstance.errors import VnstanceError
from vnstance.features.mentions import Lexicon, load_lexicon, merge_lexicons, shipped_lexicon
from vnstance.schema import DEFAULT, Schema

from .conftest import assert_user_error, write_jsonl

DATA = Path(__file__).parent / "data"
THREE = DATA / "three-targets.jsonl"  # the conftest's model3 is trained on it, with CHINA_LEXICON
CHINA_LEXICON = DATA / "china-lexicon.json"
SCHEMA3 = Schema(("russia", "us", "china"))
SENTENCES = ["Trung Quốc bị cáo buộc vi phạm lệnh ngừng bắn.",
             "Hà Nội hoan nghênh sáng kiến hòa bình của Bắc Kinh và Mỹ.",
             "Thời tiết hôm nay nắng đẹp ở Hà Nội."]


# -- the schema value --------------------------------------------------------------------------

def test_schema_derives_heads_and_labels_and_round_trips():
    assert SCHEMA3.heads == ("russia", "us", "china", "sentiment")
    assert set(SCHEMA3.labels) == set(SCHEMA3.heads)
    assert SCHEMA3.labels["china"] == SCHEMA3.stance_labels
    assert SCHEMA3.labels["sentiment"] == SCHEMA3.sentiment_labels
    assert Schema.from_dict(SCHEMA3.to_dict()) == SCHEMA3
    assert Schema.from_dict(json.loads(json.dumps(SCHEMA3.to_dict()))) == SCHEMA3
    assert Schema.of_targets(" russia, us ,china") == SCHEMA3
    # the old module constants are the default schema's
    assert (DEFAULT.targets, DEFAULT.heads, DEFAULT.labels) == (DEFAULT.targets, DEFAULT.heads, DEFAULT.labels)
    assert Schema.from_dict(None) is DEFAULT and Schema.from_dict({}) is DEFAULT


@pytest.mark.parametrize("targets", [(), ("russia", "russia"), ("sentiment",), ("text",), ("China",), ("a b",)])
def test_schema_refuses_bad_targets(targets):
    with pytest.raises(ValueError):
        Schema(targets)


# -- data and lexicon --------------------------------------------------------------------------

def test_dataset_reads_the_heads_of_the_schema(tmp_path):
    three = load_labelled(THREE, SCHEMA3)
    assert three.schema == SCHEMA3
    assert all(len(row) == 4 for row in three.labels())
    assert three.column("china") == [json.loads(line)["china"] for line in THREE.read_text("utf-8").splitlines()]
    assert set(three.label_counts()) == set(SCHEMA3.heads)
    two = load_labelled(THREE)  # the default schema ignores the china field
    assert two.labels() == [row[:2] + row[3:] for row in three.labels()]
    assert two.examples[0].russia == three.examples[0].russia  # a head's label by attribute, as before
    rows = [json.loads(line) for line in THREE.read_text("utf-8").splitlines()[:3]]
    del rows[1]["china"]
    with pytest.raises(VnstanceError, match=r"b\.jsonl:2: missing field\(s\): china"):
        load_labelled(write_jsonl(tmp_path / "b.jsonl", rows), SCHEMA3)
    rows[1]["china"] = "pro"
    with pytest.raises(VnstanceError, match=r"b\.jsonl:2: unknown china label 'pro'"):
        load_labelled(write_jsonl(tmp_path / "b.jsonl", rows), SCHEMA3)


def test_lexicon_needs_aliases_for_every_target():
    with pytest.raises(VnstanceError, match="no aliases for target 'china'"):
        Lexicon.from_dict(shipped_lexicon(), SCHEMA3.targets)
    user = json.loads(CHINA_LEXICON.read_text("utf-8"))
    lex = load_lexicon(SCHEMA3.targets, user)
    assert {a.target for a in lex.aliases} == {"russia", "us", "china"}
    assert {a.target for a in load_lexicon().aliases} == {"russia", "us"}


def test_merge_replaces_a_target_and_adds_phrases():
    base = shipped_lexicon()
    merged = merge_lexicons(base, {"us": {"words": ["Hoa Kỳ"]}, "china": {"words": ["Trung Quốc"]},
                                   "not_mentions": {"phrases": ["phố Trung Quốc"]}})
    assert merged["us"] == {"words": ["Hoa Kỳ"]}  # replaced whole
    assert merged["russia"] == base["russia"]  # untouched
    assert merged["not_mentions"]["phrases"] == [*base["not_mentions"]["phrases"], "phố Trung Quốc"]
    assert "china" not in base  # the shipped lexicon is not changed


def test_train_refuses_a_target_without_aliases(tmp_path, run):
    rows = [{**json.loads(line), "japan": "none"} for line in THREE.read_text("utf-8").splitlines()]
    data = write_jsonl(tmp_path / "j.jsonl", rows)
    out = tmp_path / "m.joblib"
    assert_user_error(run("train", "--data", str(data), "--targets", "russia,us,japan", "--out", str(out)),
                      "no aliases for target 'japan'")
    assert not out.exists()


@pytest.mark.parametrize("text,fragment", [
    ('{"china": {"words": ["Trung Quốc"]}\n,', "bad.json:2: not valid JSON"),
    ('{"china": ["Trung Quốc"]}', "'china' must be an object"),
    ('{"china": {"words": [""]}}', "china.words must be a list of non-empty strings"),
    ('["Trung Quốc"]', "a lexicon is a JSON object"),
])
def test_train_refuses_a_malformed_lexicon(tmp_path, run, text, fragment):
    (tmp_path / "bad.json").write_text(text, encoding="utf-8")
    assert_user_error(run("train", "--data", str(THREE), "--targets", "russia,us,china", "--lexicon",
                          str(tmp_path / "bad.json"), "--out", str(tmp_path / "m.joblib")), fragment)


def test_train_refuses_bad_targets(tmp_path, run):
    result = run("train", "--data", str(THREE), "--targets", "russia,Russia", "--out", str(tmp_path / "m.joblib"))
    assert result.exit_code == 2 and "--targets" in result.output


# -- the tagger ----------------------------------------------------------------------------------

def test_sentiment_is_found_by_name_not_column_index():
    """Permuting the targets permutes the stance outputs and leaves sentiment alone; a tagger that
    read sentiment from column 2 would train it on china's stance labels."""
    from vnstance.model.train import fit

    data = load_labelled(THREE, SCHEMA3)
    user = json.loads(CHINA_LEXICON.read_text("utf-8"))
    a = fit(data, lexicon=user, tune=False)
    perm = Schema(("china", "russia", "us"))
    b = fit(load_labelled(THREE, perm), lexicon=user, tune=False)
    pa, pb = a.predict_proba(SENTENCES), b.predict_proba(SENTENCES)
    for k, h in enumerate(SCHEMA3.heads):
        np.testing.assert_allclose(pa[k], pb[perm.heads.index(h)], atol=1e-6)
    senti = a.predict(data.texts)[:, SCHEMA3.heads.index("sentiment")]
    assert set(senti) <= set(SCHEMA3.sentiment_labels)
    assert np.mean(senti == np.array(data.column("sentiment"), dtype=object)) > 0.8


# -- a three-target model downstream -------------------------------------------------------------

def test_model_records_its_schema_and_lexicon(model3):
    assert model3.schema == SCHEMA3
    assert Schema.from_dict(model3.meta["schema"]) == SCHEMA3
    assert model3.meta["lexicon"]["targets"] == ["china"]
    assert model3.meta["lexicon"]["path"] == str(CHINA_LEXICON)
    assert model3.meta["options"]["targets"] == list(SCHEMA3.targets)


def test_model_without_a_recorded_schema_is_the_default(model):
    from vnstance.model.api import Model

    bare = Model(model.pipeline, {k: v for k, v in model.meta.items() if k != "schema"}, model.sha256)
    assert bare.schema == DEFAULT
    assert list(bare.predict(SENTENCES[:1])[0]["scores"]) == list(DEFAULT.heads)


def test_predict_rows_carry_every_head(model3):
    rows = model3.predict(SENTENCES)
    for row in rows:
        for h in SCHEMA3.heads:
            assert row[h] in SCHEMA3.labels[h]
            assert list(row["scores"][h]) == list(SCHEMA3.labels[h])
            assert max(row["scores"][h], key=row["scores"][h].get) == row[h]
        assert list(row["mentions"]) == list(SCHEMA3.targets)
    assert rows[0]["mentions"]["china"] == ["Trung Quốc"] and rows[1]["mentions"]["china"] == ["Bắc Kinh"]
    assert rows[2]["china"] == "none"  # no alias: the gate
    assert rows[0]["china"] != "none"
    explained = model3.explain(SENTENCES[0], 3)["explain"]
    assert set(explained) == set(SCHEMA3.heads) and explained["china"]


@pytest.mark.parametrize("fmt", ["jsonl", "csv", "table", "parquet"])
def test_predict_cli_every_format(model3_path, model3, run, tmp_path, fmt):
    src = tmp_path / "in.txt"
    src.write_text("\n".join(SENTENCES) + "\n", encoding="utf-8")
    out = tmp_path / f"out.{fmt}"
    result = run("predict", "--model", str(model3_path), "--format", fmt, "--output", str(out), str(src))
    assert result.exit_code == 0, result.output
    expected = model3.predict(SENTENCES)
    if fmt == "jsonl":
        rows = [json.loads(line) for line in out.read_text("utf-8").splitlines()]
        assert [{k: r[k] for k in ("china", "mentions", "scores")} for r in rows] == \
               [{k: e[k] for k in ("china", "mentions", "scores")} for e in expected]
    elif fmt == "csv":
        rows = list(csv.DictReader(io.StringIO(out.read_text("utf-8"))))
        assert [r["china"] for r in rows] == [e["china"] for e in expected]
        assert [r["china_mentions"] for r in rows] == ["; ".join(e["mentions"]["china"]) for e in expected]
        for lab in SCHEMA3.stance_labels:
            assert [float(r[f"china_{lab}"]) for r in rows] == [e["scores"]["china"][lab] for e in expected]
    elif fmt == "table":
        lines = out.read_text("utf-8").splitlines()
        assert lines[0].split()[:5] == ["ID", "RUSSIA", "US", "CHINA", "SENTIMENT"]
        assert [line.split()[3] for line in lines[1:]] == [e["china"] for e in expected]
    else:
        import pyarrow.parquet as pq

        table = pq.read_table(out)
        from vnstance.outputs import prediction_columns

        assert [c for c in table.column_names if c != "id"] == list(prediction_columns(SCHEMA3))
        assert table.column("china").to_pylist() == [e["china"] for e in expected]
        assert table.column("china_mentions").to_pylist() == [e["mentions"]["china"] for e in expected]


def test_eval_scores_three_targets(model3_path, run, tmp_path):
    report_path, md = tmp_path / "r.json", tmp_path / "r.md"
    result = run("eval", "--model", str(model3_path), "--data", str(THREE), "--report", str(report_path),
                 "--markdown", str(md))
    assert result.exit_code == 0, result.output
    assert "china" in result.output
    report = json.loads(report_path.read_text("utf-8"))
    m = report["metrics"]
    assert report["model"]["schema"] == SCHEMA3.to_dict()
    # f_avg: the mean of favor and against F1 over the three targets, from the report's own figures
    values = [m[t]["labels"][pole]["f1"] for t in SCHEMA3.targets for pole in ("favor", "against")]
    assert m["f_avg"] == pytest.approx(sum(values) / 6)
    assert set(m["mentions"]) == set(SCHEMA3.targets)
    gold = [json.loads(line) for line in THREE.read_text("utf-8").splitlines()]
    quiet = [(g["china"], p["pred"]["china"]) for g, p in zip(gold, report["predictions"])
             if g["china"] in ("neutral", "none")]
    assert m["china"]["false_alarm"] == pytest.approx(sum(p in ("favor", "against") for _, p in quiet) / len(quiet))
    assert all(set(p["pred"]) == set(SCHEMA3.heads) for p in report["predictions"])
    assert set(report["baselines"]["keyword"]) >= set(SCHEMA3.heads)
    text = md.read_text("utf-8")
    assert "china macro F1" in text and "## china" in text


def test_eval_cv_trains_for_the_given_schema():
    from vnstance.eval.evaluate import evaluate

    user = json.loads(CHINA_LEXICON.read_text("utf-8"))
    report = evaluate(THREE, cv=True, schema=SCHEMA3, lexicon=user, draws=10)
    m = report["metrics"]
    values = [m[t]["labels"][pole]["f1"] for t in SCHEMA3.targets for pole in ("favor", "against")]
    assert m["f_avg"] == pytest.approx(sum(values) / 6)
    assert report["model"]["schema"] == SCHEMA3.to_dict()
    with pytest.raises(VnstanceError, match="no aliases for target 'china'"):
        evaluate(THREE, cv=True, schema=SCHEMA3, draws=10)


def test_eval_cli_cv_takes_targets_and_lexicon(run, tmp_path):
    result = run("eval", "--cv", "--targets", "russia,us,china", "--lexicon", str(CHINA_LEXICON), "--data", str(THREE),
                 "--report", str(tmp_path / "r.json"))
    assert result.exit_code == 0, result.output
    report = json.loads((tmp_path / "r.json").read_text("utf-8"))
    assert report["model"]["schema"]["targets"] == list(SCHEMA3.targets) and "china" in report["metrics"]
    result = run("eval", "--targets", "russia,us,china", "--data", str(THREE))
    assert result.exit_code == 2 and "--cv" in result.output


def test_service_answers_with_every_target(model3):
    from fastapi.testclient import TestClient

    from vnstance.service import create_app

    client = TestClient(create_app(model3))
    r = client.post("/v1/predict", json={"sentences": SENTENCES})
    assert r.status_code == 200, r.text
    results = r.json()["results"]
    assert [x["china"] for x in results] == [e["china"] for e in model3.predict(SENTENCES)]
    assert results[0]["mentions"]["china"] == ["Trung Quốc"]
    assert set(results[0]["scores"]) == set(SCHEMA3.heads)
    api = client.get("/openapi.json").json()
    result_schema = api["components"]["schemas"]["Result"]
    assert "china" in result_schema["required"]
    assert client.get("/v1/model").json()["schema"] == SCHEMA3.to_dict()


def test_summarize_reads_the_targets_from_the_predictions(model3_path, run, tmp_path):
    src = tmp_path / "in.csv"
    src.write_text("outlet,text\n" + "".join(f"a,{s}\n" for s in SENTENCES * 4), encoding="utf-8")
    preds = tmp_path / "p.csv"
    result = run("predict", "--model", str(model3_path), "--format", "csv", "--output", str(preds), str(src))
    assert result.exit_code == 0, result.output
    from vnstance.summarize import summarize

    summary = summarize(str(preds), ["outlet"])
    assert summary.targets == SCHEMA3.targets
    china = summary.groups[("a",)]["china"]
    rows = list(csv.DictReader(io.StringIO(preds.read_text("utf-8"))))
    assert china.mentions == sum(r["china"] != "none" for r in rows)
    result = run("summarize", str(preds), "--by", "outlet")
    assert result.exit_code == 0, result.output
    assert any(line.split()[1:2] == ["china"] for line in result.output.splitlines())


def test_check_takes_the_model_heads(model3_path, run, tmp_path):
    cases = write_jsonl(tmp_path / "c.jsonl", [
        {"id": "1", "test_type": "china gate", "text": "Thời tiết hôm nay nắng đẹp.", "expect": {"china": "none"}},
        {"id": "2", "test_type": "china mention", "text": "Bắc Kinh bị cáo buộc vi phạm lệnh ngừng bắn.",
         "expect": {"china": ["favor", "against", "neutral"]}}])
    result = run("check", "--model", str(model3_path), "--cases", str(cases), "--report", str(tmp_path / "r.json"))
    assert result.exit_code == 0, result.output
    report = json.loads((tmp_path / "r.json").read_text("utf-8"))
    assert report["cases"] == 2
    assert all(set(p) == set(SCHEMA3.heads) for r in report["results"] for p in r["predicted"])
    assert report["results"][0]["passed"]  # the gate: no alias of china, china is none
    bad = write_jsonl(tmp_path / "d.jsonl", [{"id": "1", "test_type": "t", "text": "x", "expect": {"japan": "none"}}])
    assert_user_error(run("check", "--model", str(model3_path), "--cases", str(bad)), "unknown head 'japan'")


def test_a_table_column_named_like_a_target_of_the_model_is_an_error(model3_path, model_path, run, tmp_path):
    src = tmp_path / "in.csv"
    src.write_text("china,text\nx,Bắc Kinh bị cáo buộc vi phạm lệnh ngừng bắn.\n", encoding="utf-8")
    assert_user_error(run("predict", "--model", str(model3_path), str(src)), 'column "china" would be overwritten')
    result = run("predict", "--model", str(model_path), str(src))  # a two-target model passes it through
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout.splitlines()[0])["china"] == "x"


def test_a_model_of_the_format_before_schemas_asks_for_retraining(model, tmp_path, monkeypatch):
    from vnstance import load_model
    from vnstance.model import artifact

    assert artifact.FORMAT != "vnstance-model/3"
    path = tmp_path / "v3.joblib"
    monkeypatch.setattr(artifact, "FORMAT", "vnstance-model/3")
    artifact.save({"pipeline": model.pipeline, "meta": {k: v for k, v in model.meta.items() if k != "schema"}}, path)
    monkeypatch.undo()
    with pytest.raises(VnstanceError, match=r"a vnstance-model/3 model; .* retrain it"):
        load_model(path)
