import hashlib
from concurrent.futures import ThreadPoolExecutor

import joblib
import numpy as np
import pytest

from vnstance import VnstanceError, load_model, textfiles
from vnstance.model import artifact
from vnstance.model.artifact import VersionWarning
from vnstance.model.train import fit, train

from .conftest import ARTICLES, SEEDS

SENTENCES = ["Nga tiếp tục cáo buộc Mỹ hậu thuẫn khủng bố ở Syria",
             "Nga và Mỹ sẽ thành lập một trung tâm chung giám sát ngừng bắn",
             "Bão di chuyển chậm với hướng đi bất thường"]


def test_prediction_shape_and_schema(model):
    rows = model.predict(SENTENCES)
    assert [r["text"] for r in rows] == SENTENCES
    for r in rows:
        assert set(r) == {"text", "russia", "us", "sentiment", "mentions", "scores"}
        for head, labels in model.meta["labels"].items():
            assert r[head] in labels
            assert list(r["scores"][head]) == labels
            assert sum(r["scores"][head].values()) == pytest.approx(1, abs=1e-3)
            assert r[head] == max(r["scores"][head], key=r["scores"][head].get)
    assert rows[0]["mentions"] == {"russia": ["Nga"], "us": ["Mỹ"]}
    # mention gate: no mention, stance is none with certainty
    assert rows[2]["russia"] == rows[2]["us"] == "none" and rows[2]["scores"]["us"]["none"] == 1.0


def test_learned_direction(model):
    rows = model.predict(["Nga cáo buộc Mỹ hậu thuẫn khủng bố", "Mỹ cáo buộc Nga hậu thuẫn khủng bố"])
    assert (rows[0]["us"], rows[1]["russia"]) == ("against", "against")
    assert rows[0]["scores"]["us"]["against"] > rows[0]["scores"]["russia"]["against"]


def test_metadata_is_recorded(model, model_path):
    meta = model.meta
    assert set(meta["versions"]) >= {"vnstance", "scikit-learn", "underthesea", "python"}
    assert meta["data"]["sentences"] == 181 + 600 + 1260  # seed gold + both authored sets
    assert meta["data"]["sha256"] == hashlib.sha256(
        (SEEDS / "gold.jsonl").read_bytes() + (SEEDS / "authored.jsonl").read_bytes()
        + (SEEDS / "authored-2.jsonl").read_bytes()).hexdigest()
    assert meta["options"]["seed"] == 0 and "mention_gate" in meta["options"]
    chosen = model.pipeline.named_steps["tagger"].chosen_
    assert set(chosen) == {"stance", "sentiment"}  # one shared stance model, tuned by inner grouped CV
    assert all(c["C"] in (0.1, 0.3, 1.0, 3.0, 10.0) and c["ngram_range"] == (1, 2) for c in chosen.values())
    assert model.sha256 == hashlib.sha256(model_path.read_bytes()).hexdigest()
    assert artifact.digest_path(model_path).read_text().split()[0] == model.sha256


def test_training_is_deterministic(gold):
    """Same data and options, same predictions: tuning by inner CV included."""
    small = gold.select(range(0, 181, 2))
    a = fit(small, seed=0)
    b = fit(small, seed=0)
    assert a.named_steps["tagger"].chosen_ == b.named_steps["tagger"].chosen_
    texts = [e.text for e in gold.examples[1::2]]
    for pa, pb in zip(a.named_steps["tagger"].predict_proba(a.named_steps["prepare"].transform(texts)),
                      b.named_steps["tagger"].predict_proba(b.named_steps["prepare"].transform(texts))):
        np.testing.assert_array_equal(pa, pb)


def test_corrupt_model_is_refused_without_unpickling(model_path, tmp_path, monkeypatch):
    bad = tmp_path / "model.joblib"
    data = bytearray(model_path.read_bytes())
    data[len(data) // 2] ^= 0x01
    bad.write_bytes(bytes(data))
    artifact.digest_path(bad).write_text(artifact.digest_path(model_path).read_text())

    def no_unpickling(*a, **k):
        raise AssertionError("joblib.load called on a file that failed its digest check")

    monkeypatch.setattr(joblib, "load", no_unpickling)
    with pytest.raises(VnstanceError, match="does not match the recorded"):
        load_model(bad)


def test_missing_digest_or_model(model_path, tmp_path):
    copy = tmp_path / "m.joblib"
    copy.write_bytes(model_path.read_bytes())
    with pytest.raises(VnstanceError, match="no recorded digest"):
        load_model(copy)
    with pytest.raises(VnstanceError, match="no such model file"):
        load_model(tmp_path / "absent.joblib")


def test_version_mismatch_warns(model, tmp_path):
    path = tmp_path / "old.joblib"
    meta = {**model.meta, "versions": {**model.meta["versions"], "scikit-learn": "0.24.2"}}
    artifact.save({"pipeline": model.pipeline, "meta": meta}, path)
    with pytest.warns(VersionWarning, match=r"scikit-learn 0\.24\.2.*loaded with"):
        load_model(path)


def test_model_of_another_format_asks_for_retraining(model, tmp_path, monkeypatch):
    path = tmp_path / "old.joblib"
    monkeypatch.setattr(artifact, "FORMAT", "vnstance-model/1")
    artifact.save({"pipeline": model.pipeline, "meta": model.meta}, path)
    monkeypatch.undo()
    with pytest.raises(VnstanceError, match=r"a vnstance-model/1 model; .* retrain it"):
        load_model(path)


def test_not_a_model_with_a_matching_digest(tmp_path):
    path = tmp_path / "x.joblib"
    path.write_bytes(b"hello")
    artifact.digest_path(path).write_text(hashlib.sha256(b"hello").hexdigest() + "  x.joblib\n")
    with pytest.raises(VnstanceError, match="not a vnstance model"):
        load_model(path)


def test_failed_save_leaves_no_file(tmp_path, monkeypatch):
    out = tmp_path / "m.joblib"

    def boom(*a, **k):
        raise OSError("disk full")

    monkeypatch.setattr(textfiles.os, "fsync", boom)
    with pytest.raises(OSError):
        artifact.save({"pipeline": None, "meta": {}}, out)
    assert list(tmp_path.iterdir()) == []


def test_threads_share_one_model(model):
    texts = [e for a in ARTICLES[:2] for e in model.predict_article(a.read_text(encoding="utf-8"))]
    sentences = [t["text"] for t in texts]
    expected = model.predict(sentences)
    with ThreadPoolExecutor(4) as pool:
        results = list(pool.map(model.predict, [sentences] * 8))
    assert all(r == expected for r in results)


def test_article_prediction(model):
    text = ARTICLES[1].read_text(encoding="utf-8")
    rows = model.predict_article(text)
    assert len(rows) == 14
    assert rows[0]["text"] == "Nga, Mỹ nỗ lực chấm dứt xung đột tại 'điểm nóng' Aleppo"


def test_train_rejects_empty_data(tmp_path):
    (tmp_path / "e.jsonl").write_text("")
    with pytest.raises(VnstanceError, match="empty data: no labelled sentences in"):
        train([tmp_path / "e.jsonl"], tmp_path / "m.joblib")
    assert not (tmp_path / "m.joblib").exists()


def test_misplaced_tone_marks_and_decomposed_text_change_nothing(model):
    import unicodedata

    standard = "Ngoại trưởng Nga cáo buộc Mỹ phá hoại hòa bình"
    variants = ["Ngọai trưởng Nga cáo buộc Mỹ phá hoại hoà bình", unicodedata.normalize("NFD", standard)]
    want = {k: v for k, v in model.predict([standard])[0].items() if k != "text"}
    for v in variants:
        got = {k: x for k, x in model.predict([v])[0].items() if k != "text"}
        assert got == want
