"""Each ablation switch of the tagger trains and predicts (a tiny fixture, no tuning), and
changes what it says it changes. --jobs 0 and a closed output pipe through the real command."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

from vnstance.dataset import DEFAULT_TRAIN, load_labelled
from vnstance.model.train import fit
from vnstance.schema import DEFAULT, STANCE_LABELS

UNMENTIONED = "Ca sĩ Mỹ Tâm ra mắt album mới"
BOTH = "Nga tiếp tục cáo buộc Mỹ hậu thuẫn khủng bố ở Syria"


@pytest.fixture(scope="module")
def tiny():
    data = load_labelled(DEFAULT_TRAIN)
    return data.select(range(0, len(data), 6))  # every sixth sentence: ~130, from every doc


def _fit(tiny, **switches):
    pipe = fit(tiny, 0, tune=False, **switches)
    probas = pipe.predict_proba([BOTH, UNMENTIONED])
    labels = pipe.predict([BOTH, UNMENTIONED])
    for k, (head, allowed) in enumerate(DEFAULT.labels.items()):
        assert set(labels[:, k]) <= set(allowed), head
        assert np.allclose(probas[k].sum(axis=1), 1.0)
    return pipe, probas


def _parts(pipe, model="sentiment_model_"):
    return [name for name, _ in getattr(pipe.named_steps["tagger"], model).named_steps["features"].parts]


def test_defaults(tiny):
    pipe, probas = _fit(tiny)
    assert _parts(pipe) == ["words", "cues"]
    tagger = pipe.named_steps["tagger"]
    assert tagger.stance_models_["russia"] is tagger.stance_models_["us"]  # masked: one shared model
    none = STANCE_LABELS.index("none")
    assert probas[0][1, none] == 1.0 and probas[1][1, none] == 1.0  # gated: no alias, none for sure


def test_mask_targets_off_gives_each_target_its_own_model(tiny):
    pipe, _ = _fit(tiny, mask_targets=False)
    tagger = pipe.named_steps["tagger"]
    assert tagger.stance_models_["russia"] is not tagger.stance_models_["us"]


def test_char_ngrams_on_adds_character_features(tiny):
    pipe, _ = _fit(tiny, char_ngrams=True)
    assert _parts(pipe) == ["words", "chars", "cues"]


def test_cue_features_off_drops_them(tiny):
    pipe, _ = _fit(tiny, cue_features=False)
    assert _parts(pipe) == ["words"]


def test_mention_gate_off_lets_the_model_decide_none(tiny):
    pipe, probas = _fit(tiny, mention_gate=False)
    none = STANCE_LABELS.index("none")
    assert 0 < probas[0][1, none] < 1.0  # the model's own probability, not the gate's certainty


def _predict_proc(model_path, *args, **kw):
    return subprocess.Popen([sys.executable, "-m", "vnstance.cli", "predict", "--model", str(model_path), *args],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, **kw)


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_a_closed_pipe_ends_quietly(model_path, tmp_path, jobs):
    """`vnstance predict ... | head -1`: the reader goes away; exit 0, nothing on stderr."""
    src = tmp_path / "in.txt"
    src.write_text(f"{BOTH}\n" * 5000, encoding="utf-8")
    proc = _predict_proc(model_path, "--jobs", jobs, str(src))
    first = proc.stdout.readline()
    proc.stdout.close()
    err = proc.stderr.read().decode()
    assert proc.wait(timeout=120) == 0, err
    assert first.startswith(b'{"id": ') and err == ""


def test_jobs_0_uses_every_core_and_equals_jobs_1(run, model_path, gold):
    text = "\n".join(gold.texts[:300]) + "\n"
    one, every = run("predict", "--model", str(model_path), "-", input=text), \
        run("predict", "--model", str(model_path), "--jobs", "0", "-", input=text)
    assert one.exit_code == every.exit_code == 0, every.output
    assert every.stdout == one.stdout and len(one.stdout.splitlines()) == len(gold.texts[:300])
