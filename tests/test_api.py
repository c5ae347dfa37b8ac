"""The Python API: predict, pipe (streaming, parallel), and the pipeline's score."""

from __future__ import annotations

import itertools
import multiprocessing

import numpy as np
import pytest

from vnstance.eval.metrics import f_avg
from vnstance.model import parallel
from vnstance.schema import HEADS


def test_a_bare_string_is_a_type_error(model):
    with pytest.raises(TypeError, match=r"predict\(\[text\]\)"):
        model.predict("Nga và Mỹ")
    with pytest.raises(TypeError, match=r"pipe\(\[text\]\)"):
        next(model.pipe("Nga và Mỹ"))


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
    expected = f_avg({h: list(y[:, k]) for k, h in enumerate(HEADS)}, {h: list(pred[:, k]) for k, h in enumerate(HEADS)})
    assert score == pytest.approx(expected) and 0 < score <= 1
    shuffled = y.copy()
    shuffled[:, :2] = np.roll(y[:, :2], 17, axis=0)  # labels of other sentences: a lower score
    assert model.pipeline.score(gold.texts, shuffled) < score
