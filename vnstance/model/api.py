"""The Python API: a loaded model that labels sentences."""

from __future__ import annotations

import gc
import threading
import weakref
from dataclasses import dataclass, field
from itertools import islice
from pathlib import Path
from typing import Any, Iterable, Iterator

import numpy as np
from sklearn.pipeline import Pipeline

from ..errors import VnstanceError
from ..features.articles import article_sections
from ..schema import Schema
from . import artifact
from .tagger import labels_of

# Sentences per model call in one process. scikit-learn's input checks cost ~3 ms a call (two
# pipelines) whatever its size: ~12 us a sentence at 256, ~3 us at 1,024, and memory stays small.
BATCH = 1024


@dataclass(frozen=True)
class Model:
    """A trained pipeline and its metadata. Read-only after loading: safe to share between threads."""

    pipeline: Pipeline
    meta: dict[str, Any] = field(default_factory=dict)
    sha256: str | None = None

    @property
    def schema(self) -> Schema:
        """The targets and labels this model was trained for: recorded in its metadata; a model
        saved before models recorded one has its tagger's targets (the default schema)."""
        recorded = self.meta.get("schema")
        if recorded:
            return Schema.from_dict(recorded)
        return Schema(tuple(self.pipeline.named_steps["tagger"].targets))

    def predict(self, sentences: Iterable[str]) -> list[dict[str, Any]]:
        """Label each sentence: ``text``, a label per head of ``self.schema`` (each target and
        sentiment), ``mentions`` and ``scores``."""
        if isinstance(sentences, (str, bytes)):
            raise TypeError("Model.predict takes a list of sentences, not one string: predict([text])")
        texts = list(sentences)
        for i, t in enumerate(texts):
            if len(t) > MAX_SENTENCE_CHARS:
                raise VnstanceError(f"sentence {i + 1} of the batch has {len(t):,} characters, over the limit of "
                                    f"{MAX_SENTENCE_CHARS:,}: split it into sentences first")
        prepared = self.pipeline.named_steps["prepare"].transform(texts)
        probas = self.pipeline.named_steps["tagger"].predict_proba(prepared)
        schema = self.schema
        heads, targets, head_labels = schema.heads, schema.targets, schema.labels
        labels = labels_of(probas, schema).tolist()
        rounded = [np.round(p, 4).tolist() for p in probas]  # one numpy call per head, not one per score
        out = []
        for i, p in enumerate(prepared):
            row: dict[str, Any] = {"text": p.text, **dict(zip(heads, labels[i]))}
            row["mentions"] = {t: p.mentions_of(t) for t in targets}
            row["scores"] = {h: dict(zip(head_labels[h], rounded[k][i])) for k, h in enumerate(heads)}
            out.append(row)
        return out

    def pipe(self, texts: Iterable[str], batch_size: int | None = None, n_process: int = 1) -> Iterator[dict[str, Any]]:
        """Label a stream of sentences lazily, in input order, ``batch_size`` at a time
        (spaCy's ``Language.pipe``): memory stays flat however long the stream is.

        ``n_process`` > 1 spreads batches over that many worker processes (0 or -1: one per
        core); each holds this model (inherited where the platform forks, else sent to it).
        """
        if isinstance(texts, (str, bytes)):  # here, not on the first next(): at the call that is wrong
            raise TypeError("Model.pipe takes an iterable of sentences, not one string: pipe([text])")
        return self._pipe(texts, batch_size, n_process)

    def _pipe(self, texts: Iterable[str], batch_size: int | None, n_process: int) -> Iterator[dict[str, Any]]:
        from .parallel import CHUNK, pipe_parallel, resolve_jobs

        n_process = resolve_jobs(n_process)
        if n_process > 1:
            yield from pipe_parallel(self, texts, n_process, batch_size or CHUNK)
            return
        it = iter(texts)
        while batch := list(islice(it, batch_size or BATCH)):
            yield from self.predict(batch)

    def explain(self, text: str, k: int = 5) -> dict[str, Any]:
        """The prediction for one sentence, plus under ``explain`` each head's ``k`` features
        that pushed its decision most: for the predicted label, the linear model's weight times
        the feature's value (its TF-IDF or cue value), largest first, positive ones only.

        Features are named ``words:...`` (word n-grams, ``target``/``other`` standing for the
        masked targets), ``cues:...`` (position-aware cue words) and ``chars:...``. A target
        whose stance is ``none`` because no alias was found has no features: the mention gate
        decided, not the model (``explain[head]`` is then ``[]``).
        """
        if not isinstance(text, str):
            raise TypeError("Model.explain takes one sentence (a str)")
        from ..features.views import View

        row = self.predict([text])[0]
        prepared = self.pipeline.named_steps["prepare"].transform([text])[0]
        tagger = self.pipeline.named_steps["tagger"]
        evidence: dict[str, list[dict[str, Any]]] = {}
        schema = self.schema
        for head in schema.heads:
            if head in schema.targets:
                if tagger.mention_gate and not row["mentions"][head]:
                    evidence[head] = []
                    continue
                model, view = tagger.stance_models_[head], View(prepared, head if tagger.mask_targets else None)
            else:
                model, view = tagger.sentiment_model_, View(prepared)
            evidence[head] = _top_features(model, view, row[head], k)
        return {**row, "explain": evidence}

    def predict_article(self, text: str) -> list[dict[str, Any]]:
        """Split a raw article into sentences and label each; each row also says the
        ``section`` its sentence came from (headline, body, caption, related)."""
        parts = article_sections(text)
        rows = self.predict([sentence for sentence, _ in parts])
        return [{**row, "section": section} for row, (_, section) in zip(rows, parts)]

    def predict_frame(self, df: Any, text_column: str = "text", article: bool = False,
                      id_column: str | None = None) -> Any:
        """Label a pandas DataFrame's text column (or split its raw articles, ``article=True``):
        one row per sentence with the same columns as ``vnstance predict --format csv``
        (mentions as lists); the other columns are passed through."""
        import pandas as pd

        from ..outputs import flat_record, prediction_columns, record
        from ..tables import frame_items, reserved_columns
        from .predict import predict_items

        rows = [flat_record(record(item, pred)) for item, pred in predict_items(self, frame_items(
            df, text_column, id_column, article, reserved_columns(self.schema)))]
        return pd.DataFrame(rows) if rows else pd.DataFrame(columns=list(prediction_columns(self.schema)))


# A fitted head's feature names, built once: sorting a vocabulary of tens of thousands of
# terms for every explained sentence cost ~90% of `explain`. Weak keys: nothing is kept
# alive past its model.
_NAMES: "weakref.WeakKeyDictionary[Any, list[str]]" = weakref.WeakKeyDictionary()


def _feature_names(features: Any) -> list[str]:
    """Column names of a head's Concat of feature parts, prefixed with the part's name."""
    cached = _NAMES.get(features)
    if cached is not None:
        return cached
    names: list[str] = []
    for part_name, part in features.parts:
        counts = part.steps[0][1] if hasattr(part, "steps") else part  # the counts before TF-IDF
        vocabulary = counts.vocabulary_
        names += [f"{part_name}:{term}" for term in sorted(vocabulary, key=vocabulary.__getitem__)]
    _NAMES[features] = names
    return names


def _top_features(model: Any, view: Any, label: str, k: int) -> list[dict[str, Any]]:
    """The ``k`` largest positive weight x value products toward ``label`` for one view."""
    steps = getattr(model, "named_steps", None)
    if steps is None:  # a head trained on a single label: nothing to explain
        return []
    clf = steps["clf"]
    classes = list(clf.classes_)
    if label not in classes:
        return []
    x = steps["features"].transform([view]).tocsr()
    coef = clf.coef_
    if coef.shape[0] == 1:  # binary: one row of weights, for classes[1]
        weights = coef[0] if label == classes[1] else -coef[0]
    else:
        weights = coef[classes.index(label)]
    push = x.data * weights[x.indices]
    names = _feature_names(steps["features"])
    top = [i for i in np.argsort(-push, kind="stable")[:k] if push[i] > 0]
    return [{"feature": names[x.indices[i]], "weight": round(float(push[i]), 4)} for i in top]


def settle() -> None:
    """Call once a long-running process has loaded its model: move every object that exists
    now (the model, the libraries) out of the garbage collector's sight.

    Otherwise a full collection walks the hundred thousand objects of scikit-learn,
    underthesea and the model (about 50 ms here) every five thousand sentences or so; forked
    workers also stop copying the pages those objects sit on. It is process-wide, so the
    command-line entry points call it, not ``load_model``.
    """
    gc.freeze()


def load_model(path: str | Path | None = None, sha256: str | None = None) -> Model:
    """Load a model saved by ``vnstance train`` (by default the one ``vnstance.paths.default_model``
    names now: $VNSTANCE_MODEL, a checkout's artifacts/, the user's folder), after checking its SHA-256: against
    ``sha256`` or VNSTANCE_MODEL_SHA256 when pinned, else against the recorded digest file.

    Raises VnstanceError for a missing, corrupt or altered file (nothing is unpickled then),
    or for one that unpickles to something other than a vnstance model; warns
    (VersionWarning) when the installed scikit-learn differs from the training one.
    The model is then warmed: one prediction runs, under a lock, before it is returned, so
    the segmenter and everything else loaded lazily is in place before any thread uses it.
    """
    if path is None:
        from ..paths import default_model

        path = default_model().path
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
    """Run one real prediction under a lock and check its labels: a model that loads but
    cannot predict, or predicts labels outside its schema, fails here, at load, not on a
    user's first sentence. Whatever the first prediction loads (the segmenter's CRF) is
    loaded after this call."""
    with _warm_lock:
        try:
            row = model.predict([_WARM_SENTENCE])[0]
        except VnstanceError:
            raise
        except Exception as e:
            raise VnstanceError(f"{path}: the model failed a test prediction ({type(e).__name__}: {e})") from None
    labels = model.schema.labels
    if any(row.get(h) not in labels[h] for h in model.schema.heads):
        raise VnstanceError(f"{path}: the model's test prediction has labels outside the schema")
