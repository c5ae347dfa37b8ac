"""Training: labelled files -> a fitted pipeline -> the saved artifact."""

from __future__ import annotations

import platform
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Sequence

import joblib
import numpy as np
import sklearn
import underthesea
from sklearn.pipeline import Pipeline

from .. import __version__
from ..dataset import DEFAULT_TRAIN, Dataset, load_labelled
from ..features.prepare import SentencePreparer
from ..schema import DEFAULT, Schema
from . import artifact
from .api import Model
from .tagger import StanceTagger


def build_pipeline(seed: int = 0, segment: bool = True, targets: tuple[str, ...] = DEFAULT.targets,
                   lexicon: dict[str, Any] | None = None, **params: Any) -> Pipeline:
    """The whole chain as one estimator: raw sentences in, one head per target and sentiment
    out. ``segment=False`` reads syllables instead of underthesea's words (measured in
    docs/ablation.md); ``lexicon`` is a user's alias lexicon merged into the shipped one."""
    return Pipeline([("prepare", SentencePreparer(segment, tuple(targets), lexicon)),
                     ("tagger", StanceTagger(targets=tuple(targets), random_state=seed, **params))])


def fit(data: Dataset, seed: int = 0, **params: Any) -> Pipeline:
    """Fit the pipeline for the targets of ``data.schema`` (each sentence weighs the same:
    weighting real news 3x authored was measured and dropped, docs/ablation.md)."""
    pipe = build_pipeline(seed, targets=data.schema.targets, **params)
    pipe.fit(data.texts, np.array(data.labels(), dtype=object), tagger__groups=data.groups)
    return pipe


def versions() -> dict[str, str]:
    return {"vnstance": __version__, "scikit-learn": sklearn.__version__, "underthesea": underthesea.__version__,
            "numpy": np.__version__, "joblib": joblib.__version__, "python": platform.python_version()}


@dataclass(frozen=True)
class TrainResult:
    model: Model
    path: Path
    data: Dataset


def train(data_paths: Sequence[str | Path] = DEFAULT_TRAIN, out: str | Path | None = None,
          seed: int = 0, schema: Schema = DEFAULT, lexicon: dict[str, Any] | None = None,
          lexicon_path: str | Path | None = None, **params: Any) -> TrainResult:
    """Train on labelled JSONL files (a field per head of ``schema``) and save the model
    (atomically) with its digest. ``lexicon`` (read from ``lexicon_path``, recorded in the
    metadata) is merged into the shipped alias lexicon; every target needs aliases in one of them."""
    data = load_labelled(data_paths, schema)
    started = time.time()
    pipe = fit(data, seed, lexicon=lexicon, **params)
    tagger = pipe.named_steps["tagger"]
    meta = {
        "schema": schema.to_dict(),
        "labels": {h: list(v) for h, v in schema.labels.items()},
        "lexicon": None if lexicon is None else {"path": str(lexicon_path) if lexicon_path else None,
                                                 "targets": sorted(k for k in lexicon if not k.startswith("_")),
                                                 "merged_into": "vnstance/features/lexicon/targets.json"},
        "versions": versions(),
        "data": {"paths": [str(p) for p in data.paths], "sha256": data.sha256, "sentences": len(data),
                 "label_counts": data.label_counts(),
                 "ids": data.ids, "text_keys": data.text_keys},  # eval warns when it scores these
        "options": {"seed": seed, "segment": pipe.named_steps["prepare"].segment,
                    **{k: list(v) if k == "targets" else v for k, v in tagger.get_params().items()}},
        "chosen": tagger.chosen_,  # hyper-parameters picked by inner grouped CV, per model
        "trained_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "train_seconds": round(time.time() - started, 2),
    }
    if out is None:  # resolved now, not at import: $VNSTANCE_MODEL may have changed since
        from ..paths import default_model

        out = default_model().path
    sha = artifact.save({"pipeline": pipe, "meta": meta}, out)
    return TrainResult(Model(pipe, meta, sha), Path(out), data)
