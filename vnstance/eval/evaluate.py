"""`vnstance eval` as a plain function: score a model (or cross-validate) and build the report."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any, Sequence

from ..dataset import GOLD_PATH, Dataset, load_labelled, training_overlap
from ..features.prepare import SentencePreparer
from ..model.api import load_model
from ..model.tagger import labels_of
from ..model.train import versions
from ..schema import DEFAULT, Schema
from ..textfiles import open_binary
from . import baselines
from .bootstrap import DRAWS, SEED, intervals
from .cv import check_disjoint, cross_validate
from .metrics import all_metrics

SCHEMA = "vnstance-eval/1"
ERRORS_IN_MARKDOWN = 25


def _data_info(d: Dataset) -> dict[str, Any]:
    return {"paths": list(d.paths), "sha256": d.sha256, "sentences": len(d)}


def _summary_metrics(m: dict[str, Any], heads: Sequence[str]) -> dict[str, Any]:
    return {"f_avg": m["f_avg"], "false_alarm": m["false_alarm"],
            **{h: {"macro_f1": m[h]["macro_f1"], "accuracy": m[h]["accuracy"]} for h in heads}}


def _margins(model: dict[str, Any], base: dict[str, Any], heads: Sequence[str]) -> dict[str, float]:
    return {"f_avg": model["f_avg"] - base["f_avg"], "false_alarm": model["false_alarm"] - base["false_alarm"],
            **{f"{h}.macro_f1": model[h]["macro_f1"] - base[h]["macro_f1"] for h in heads}}


def evaluate(data_path: str | Path = GOLD_PATH, model_path: str | Path | None = None, cv: bool = False,
             train_extra: Sequence[str | Path] = (), seed: int = 0, draws: int = DRAWS,
             schema: Schema = DEFAULT, lexicon: dict[str, Any] | None = None) -> dict[str, Any]:
    """Score the model on labelled data; with ``cv``, cross-validate by doc group instead.

    Scoring a model reads the data's heads from the model's schema (a three-target model's
    gold has the third target's field); ``schema`` is the one ``cv`` trains for, with
    ``lexicon`` (a user's alias lexicon) merged into the shipped one.
    Returns the report (schema ``vnstance-eval/1``, see docs/eval-report.md).
    """
    model = None
    if not cv:
        for p in (data_path, *train_extra):  # a missing data file fails before the model loads
            open_binary(p).close()
        model = load_model(model_path)
        schema = model.schema
    data = load_labelled(data_path, schema)
    extra = load_labelled(train_extra, schema) if train_extra else None
    HEADS = schema.heads
    gold = {h: data.column(h) for h in HEADS}
    n = len(data)
    preparer = None
    overlap = None  # with --cv no fold scores what it trained on
    if cv:
        result = cross_validate(data, extra, seed, **({"lexicon": lexicon} if lexicon else {}))
        preparer = SentencePreparer(targets=schema.targets, lexicon=lexicon)  # the keyword baseline's mentions
        pred, proba = result.pred, result.proba
        majority_pred = {h: [""] * n for h in HEADS}
        index = {e.id: i for i, e in enumerate(data.examples)}
        for fold in result.folds:
            for sid in fold.scored_ids:
                for h in HEADS:
                    majority_pred[h][index[sid]] = fold.majority[h]
        model_info: dict[str, Any] = {"versions": versions(), "options": {"seed": seed}, "schema": schema.to_dict()}
        folds = [{"group": f.group, "scored": len(f.scored_ids), "trained_on": len(f.train_ids),
                  "train_groups": sorted(f.train_groups)} for f in result.folds]
    else:
        assert model is not None
        check_disjoint(data, extra)
        probs = model.pipeline.predict_proba(data.texts)  # as cross_validate scores each fold
        labels = labels_of(probs, schema)
        pred = {h: list(labels[:, k]) for k, h in enumerate(HEADS)}
        proba = dict(zip(HEADS, probs))
        counts = model.meta.get("data", {}).get("label_counts") or data.label_counts()
        majority_pred = {h: [label] * n for h, label in baselines.majority(counts, schema).items()}
        model_info = {"path": str(model_path), "sha256": model.sha256, **model.meta, "schema": schema.to_dict()}
        preparer = model.pipeline.named_steps["prepare"]
        folds = None
        overlap = training_overlap(model.meta, data)  # the CLI warns when it is not zero

    metrics = all_metrics(gold, pred, schema)
    ci = intervals(gold, pred, draws=draws, seed=SEED, schema=schema)
    metrics["f_avg_ci"] = ci["f_avg"]
    for h in HEADS:
        metrics[h]["macro_f1_ci"] = ci[h]
    base = {"majority": all_metrics(gold, majority_pred, schema),
            "keyword": all_metrics(gold, baselines.keyword(data.texts, schema, preparer), schema)}

    predictions, errors = [], []
    for i, e in enumerate(data.examples):
        probs = {h: {lab: round(float(proba[h][i, j]), 4) for j, lab in enumerate(schema.labels[h])} for h in HEADS}
        predictions.append({"id": e.id, "doc": e.doc, "text": e.text, "gold": {h: gold[h][i] for h in HEADS},
                            "pred": {h: pred[h][i] for h in HEADS}, "proba": probs})
        for h in HEADS:
            if pred[h][i] != gold[h][i]:
                errors.append({"id": e.id, "text": e.text, "head": h, "gold": gold[h][i], "pred": pred[h][i],
                               "probability": probs[h][pred[h][i]]})
    errors.sort(key=lambda x: (-x["probability"], x["id"], x["head"]))

    return {
        "schema": SCHEMA,
        "created_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "mode": "cv" if cv else "model",
        "model": model_info,
        "data": _data_info(data),
        "train_extra": _data_info(extra) if extra is not None else None,
        "training_overlap": overlap,  # scored sentences the model was trained on (None: --cv, or not recorded)
        "options": {"cv": cv, "folds": folds, "grouping": "doc" if cv else None, "seed": seed,
                    "bootstrap": {"draws": draws, "seed": SEED, "level": 0.95, "unit": "sentence"}},
        "metrics": metrics,
        "baselines": {name: _summary_metrics(m, HEADS) for name, m in base.items()},
        "margins": {name: _margins(metrics, m, HEADS) for name, m in base.items()},
        "predictions": predictions,
        "errors": errors,
    }
