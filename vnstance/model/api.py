"""The Python API: a loaded model that labels sentences."""

from __future__ import annotations

import gc
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable

import numpy as np
from sklearn.pipeline import Pipeline

from ..errors import VnstanceError
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
        for i, t in enumerate(texts):
            if len(t) > MAX_SENTENCE_CHARS:
                raise VnstanceError(f"sentence {i + 1} of the batch has {len(t):,} characters, over the limit of "
                                    f"{MAX_SENTENCE_CHARS:,}: split it into sentences first")
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


def settle() -> None:
    """Call once a long-running process has loaded its model: move every object that exists
    now (the model, the libraries) out of the garbage collector's sight.

    Otherwise a full collection walks the hundred thousand objects of scikit-learn,
    underthesea and the model (about 50 ms here) every five thousand sentences or so; forked
    workers also stop copying the pages those objects sit on. It is process-wide, so the
    command-line entry points call it, not ``load_model``.
    """
    gc.freeze()


def load_model(path: str | Path = artifact.DEFAULT_MODEL, sha256: str | None = None) -> Model:
    """Load a model saved by ``vnstance train``, after checking its SHA-256: against
    ``sha256`` or VNSTANCE_MODEL_SHA256 when pinned, else against the recorded digest file.

    Raises VnstanceError for a missing, corrupt or altered file (nothing is unpickled then),
    or for one that unpickles to something other than a vnstance model; warns
    (VersionWarning) when the installed scikit-learn differs from the training one.
    The model is then warmed: one prediction runs, under a lock, before it is returned, so
    the segmenter and everything else loaded lazily is in place before any thread uses it.
    """
    obj, sha = artifact.load(path, sha256)
    model = Model(pipeline=obj["pipeline"], meta=obj.get("meta", {}), sha256=sha)
    warm(model, path)
    return model


# Longest sentence predict accepts. News sentences run to a few hundred characters; past
# this a line is almost surely not one sentence (a whole article on one line, or garbage).
MAX_SENTENCE_CHARS = 10_000
_WARM_SENTENCE = "Nga và Mỹ nhất trí ngừng bắn tại Aleppo, nhưng Mỹ vẫn cáo buộc Nga."
_warm_lock = threading.Lock()


def warm(model: Model, path: str | Path = "model") -> None:
    """Run one real prediction under a lock and check its labels.

    underthesea publishes its segmenter before loading it, so threads that segment their
    first sentence at once can find a half-loaded one; after this call it is loaded.
    """
    with _warm_lock:
        try:
            row = model.predict([_WARM_SENTENCE])[0]
        except VnstanceError:
            raise
        except Exception as e:
            raise VnstanceError(f"{path}: the model failed a test prediction ({type(e).__name__}: {e})") from None
    if any(row.get(h) not in LABELS[h] for h in HEADS):
        raise VnstanceError(f"{path}: the model's test prediction has labels outside the schema")
