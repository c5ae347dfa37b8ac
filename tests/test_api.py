"""The Python API: predict, pipe (streaming, parallel), and the pipeline's score."""

from __future__ import annotations

import itertools
import multiprocessing

import numpy as np
import pytest

from vnstance.eval.metrics import f_avg
from vnstance.model import parallel
from vnstance.schema import DEFAULT


def test_a_bare_string_is_a_type_error(model):
    with pytest.raises(TypeError, match=r"predict\(\[text\]\)"):
        model.predict("Nga và Mỹ")
    with pytest.raises(TypeError, match=r"pipe\(\[text\]\)"):
        model.pipe("Nga và Mỹ")  # at the call, not at the first next()


def test_pipe_streams_what_predict_returns(model, gold):
    texts = gold.texts[:60]
    assert list(model.pipe(texts, batch_size=7)) == model.predict(texts)


def test_pipe_is_lazy(model, gold):
    endless = itertools.cycle(gold.texts[:3])  # never ends: pipe must not read it all
    rows = list(itertools.islice(model.pipe(endless, batch_size=4), 5))
    assert [r["text"] for r in rows] == [gold.texts[i % 3] for i in range(5)]


def test_pipe_in_two_processes_equals_one(model, gold):
    texts = gold.texts * 3
    assert list(model.pipe(iter(texts), batch_size=50, n_process=2)) == model.predict(texts)
    assert multiprocessing.active_children() == []


def test_an_abandoned_parallel_pipe_stops_its_workers(model, gold):
    stream = model.pipe(iter(gold.texts * 10), batch_size=20, n_process=2)
    next(stream)
    stream.close()
    assert multiprocessing.active_children() == []


def test_spawned_workers_get_the_model_without_a_path(model, gold, monkeypatch):
    """Where the platform cannot fork, each worker gets the parent's model, pickled."""
    monkeypatch.setattr(parallel.multiprocessing, "get_all_start_methods", lambda: ["spawn"])
    texts = gold.texts[:40]
    assert list(model.pipe(texts, batch_size=10, n_process=2)) == model.predict(texts)


def test_pipeline_score_is_f_avg(model, gold):
    y = np.array(gold.labels(), dtype=object)
    score = model.pipeline.score(gold.texts, y)
    pred = model.pipeline.predict(gold.texts)
    expected = f_avg({h: list(y[:, k]) for k, h in enumerate(DEFAULT.heads)}, {h: list(pred[:, k]) for k, h in enumerate(DEFAULT.heads)})
    assert score == pytest.approx(expected) and 0 < score <= 1
    shuffled = y.copy()
    shuffled[:, :2] = np.roll(y[:, :2], 17, axis=0)  # labels of other sentences: a lower score
    assert model.pipeline.score(gold.texts, shuffled) < score


S_BOTH = "Nga tiếp tục cáo buộc Mỹ hậu thuẫn khủng bố ở Syria"
S_NONE = "Ca sĩ Mỹ Tâm ra mắt album mới"


def test_explain_names_features_of_the_sentence_largest_first(model):
    from vnstance.features.cues import cue_features
    from vnstance.features.views import View

    out = model.explain(S_BOTH, k=4)
    assert {h: out[h] for h in DEFAULT.heads} == {h: model.predict([S_BOTH])[0][h] for h in DEFAULT.heads}
    prepared = model.pipeline.named_steps["prepare"].transform([S_BOTH])[0]
    for head in DEFAULT.heads:
        feats = out["explain"][head]
        assert 0 < len(feats) <= 4
        weights = [f["weight"] for f in feats]
        assert weights == sorted(weights, reverse=True) and all(w > 0 for w in weights)
        view = View(prepared, head if head != "sentiment" else None)
        for f in feats:
            kind, _, term = f["feature"].partition(":")
            if kind == "words":
                assert all(tok in [t.lower() for t in view.tokens] for tok in term.split(" ")), f
            else:
                assert kind == "cues" and term in cue_features(view), f


def test_explain_adds_up_to_the_models_decision(model):
    """All the positive pushes together are at least the class's decision value without its
    intercept (the negative ones are left out): checked against scikit-learn's own function."""
    tagger = model.pipeline.named_steps["tagger"]
    out = model.explain(S_BOTH, k=100_000)
    clf = tagger.sentiment_model_.named_steps["clf"]
    from vnstance.features.views import View

    x = tagger.sentiment_model_.named_steps["features"].transform(
        [View(model.pipeline.named_steps["prepare"].transform([S_BOTH])[0])])
    c = list(clf.classes_).index(out["sentiment"])
    decision = clf.decision_function(x)[0][c] - clf.intercept_[c]
    assert sum(f["weight"] for f in out["explain"]["sentiment"]) >= decision - 1e-3


def test_explain_has_nothing_for_a_target_the_gate_set_to_none(model):
    out = model.explain(S_NONE, k=3)
    assert out["russia"] == "none" and out["explain"]["russia"] == [] and out["explain"]["us"] == []
    assert out["explain"]["sentiment"]
    with pytest.raises(TypeError):
        model.explain([S_NONE])


def test_predict_explain_option(run, model_path):
    import json

    r = run("predict", "--model", str(model_path), "--explain", "2", "-", input=f"{S_BOTH}\n{S_NONE}\n")
    assert r.exit_code == 0, r.output
    rows = [json.loads(x) for x in r.stdout.splitlines()]
    assert all(len(row["explain"][h]) <= 2 for row in rows for h in DEFAULT.heads)
    assert rows[0]["explain"]["us"] and rows[1]["explain"]["us"] == []
    plain = run("predict", "--model", str(model_path), "-", input=f"{S_BOTH}\n")
    assert "explain" not in json.loads(plain.stdout)


@pytest.mark.parametrize("fmt", ["table", "csv"])
def test_predict_explain_is_json_lines_only(run, model_path, fmt):
    from .conftest import assert_user_error

    r = run("predict", "--model", str(model_path), "--explain", "2", "--format", fmt, "-", input=f"{S_BOTH}\n")
    assert_user_error(r, "--explain", "JSON Lines")
