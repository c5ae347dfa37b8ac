"""The Python API: a loaded model that labels sentences."""

from __future__ import annotations

import gc
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable

import numpy as np
from sklearn.pipeline import Pipeline

from ..features.articles import article_sentences
from ..schema import HEADS, LABELS, TARGETS
from . import artifact
from .tagger import labels_of


@dataclass(frozen=True)
class Model:
    """A trained pipeline and its metadata. Read-only after loading: safe to share between threads."""

    pipeline: Pipeline
    meta: dict[str, Any] = field(default_factory=dict)
    sha256: str | None = None

    def predict(self, sentences: Iterable[str]) -> list[dict[str, Any]]:
        """Label each sentence: ``text``, the three heads, ``mentions`` and ``scores``."""
        texts = list(sentences)
        prepared = self.pipeline.named_steps["prepare"].transform(texts)
        probas = self.pipeline.named_steps["tagger"].predict_proba(prepared)
        labels = labels_of(probas).tolist()
        rounded = [np.round(p, 4).tolist() for p in probas]  # one numpy call per head, not one per score
        out = []
        for i, p in enumerate(prepared):
            row: dict[str, Any] = {"text": p.text, **dict(zip(HEADS, labels[i]))}
            row["mentions"] = {t: p.mentions_of(t) for t in TARGETS}
            row["scores"] = {h: dict(zip(LABELS[h], rounded[k][i])) for k, h in enumerate(HEADS)}
            out.append(row)
        return out

    def predict_article(self, text: str) -> list[dict[str, Any]]:
        """Split a raw article into sentences and label each."""
        return self.predict(article_sentences(text))

    def predict_frame(self, df: Any, text_column: str = "text", article: bool = False,
                      id_column: str | None = None) -> Any:
        """Label a pandas DataFrame's text column (or split its raw articles, ``article=True``):
        one row per sentence with the same columns as ``vnstance predict --format csv``
        (mentions as lists); the other columns are passed through."""
        import pandas as pd

        from ..outputs import PREDICTION_COLUMNS, flat_record, record
        from ..tables import frame_items
        from .predict import predict_items

        rows = [flat_record(record(item, pred)) for item, pred in predict_items(self, frame_items(
            df, text_column, id_column, article))]
        return pd.DataFrame(rows) if rows else pd.DataFrame(columns=list(PREDICTION_COLUMNS))


def settle() -> None:
    """Call once a long-running process has loaded its model: move every object that exists
    now (the model, the libraries) out of the garbage collector's sight.

    Otherwise a full collection walks the hundred thousand objects of scikit-learn,
    underthesea and the model (about 50 ms here) every five thousand sentences or so; forked
    workers also stop copying the pages those objects sit on. It is process-wide, so the
    command-line entry points call it, not ``load_model``.
    """
    gc.freeze()


def load_model(path: str | Path = artifact.DEFAULT_MODEL) -> Model:
    """Load a model saved by ``vnstance train``, after checking its recorded SHA-256.

    Raises VnstanceError for a missing, corrupt or altered file (nothing is unpickled then);
    warns (VersionWarning) when the installed scikit-learn differs from the training one.
    """
    obj, sha = artifact.load(path)
    return Model(pipeline=obj["pipeline"], meta=obj.get("meta", {}), sha256=sha)
