"""The classifier: three label heads over prepared sentences, as one scikit-learn estimator."""

from __future__ import annotations

from typing import Any, Sequence

import numpy as np
from scipy import sparse
from sklearn.base import BaseEstimator, ClassifierMixin, TransformerMixin
from sklearn.feature_extraction.text import TfidfTransformer, TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import f1_score
from sklearn.model_selection import GroupKFold
from sklearn.pipeline import Pipeline
from sklearn.utils.validation import check_is_fitted

from ..features.cues import CueFeatures
from ..features.prepare import Prepared
from ..features.terms import NgramCounts
from ..features.views import View
from ..schema import DEFAULT, SENTIMENT, Schema

# Grids for the inner grouped CV. Widening them to n-gram ranges (1,1)/(1,2) and class
# weights balanced/None was measured in round one (docs/ablation.md): f_avg unchanged,
# sentiment macro F1 0.648 -> 0.565, because more candidates overfit inner folds dominated by
# authored groups. In round four, tuning C at all is worth sentiment macro F1 0.652 vs 0.580
# without it, and nothing on f_avg (0.518 vs 0.522).
C_GRID = (0.1, 0.3, 1.0, 3.0, 10.0)
CLASS_WEIGHT_GRID = ("balanced",)
NGRAM_GRID = ((1, 2),)
INNER_FOLDS = 4


def _stance_f1(y_true, y_pred) -> float:
    """Mean F1 of favor and against: what the stance heads are tuned for (SemEval-2016 Task 6)."""
    return f1_score(y_true, y_pred, labels=["favor", "against"], average="macro", zero_division=0)


def _macro_f1(y_true, y_pred) -> float:
    return f1_score(y_true, y_pred, average="macro", zero_division=0)


class StanceTagger(ClassifierMixin, BaseEstimator):
    """Stance toward each target (Russia and the US by default), and sentiment, for each
    prepared sentence.

    ``y`` is an (n, len(targets) + 1) array of labels in the order of the schema's heads
    (``Schema(targets).heads``: the targets, then sentiment).

    Parameters (the levers measured in docs/ablation.md):
      targets: the targets, each a stance head (the schema's ``targets``).
      mention_gate: a target's stance is ``none`` exactly when no alias of it is found; for a
        mentioned target the classifier decides among favor/against/neutral only (its
        probabilities renormalised without ``none``). The classifier itself is trained on
        every sentence, ``none`` rows included: measured, that teaches the cue words better
        than training on mentioned rows alone (docs/ablation.md).
      mask_targets: mask the head's target and the other target with two placeholders; one
        stance model then learns from the examples of both targets. Without masking, each
        target gets its own model over the unmasked words.
      cue_features: add position-aware cue-word features (features/lexicon/cues.tsv).
      cue_split: keep the lexicon's attitude, act, sympathy and event classes apart (guideline
        1.2: bad news is not an attitude); without it they are merged into the three classes
        the lexicon had before (against, favor, harm).
      cue_roles: add who-does-what-to-whom cue features: the target as agent or object of a
        cue, who is reported as saying it, and whether a mentioned target's sentence has any
        attitude cue at all (features/cues.py).
      char_ngrams: add character 2-4-grams next to word 1-2-grams. Off by default: measured
        worse than off in round four (f_avg 0.486 vs 0.518, inside the interval; false alarms
        0.103 vs 0.092; docs/ablation.md) at about a fifth less prediction throughput, and the
        misplaced tone marks they were meant for are fixed by normalisation before segmenting.
      tune: choose C, class_weight and ngram_range per head from C_GRID, CLASS_WEIGHT_GRID
        and NGRAM_GRID by grouped cross-validation inside the training data (by ``groups``),
        never on scored data; the choices are in ``chosen_``. Without groups (or with fewer
        than three), or with ``tune=False``, the three values below are used as given.
      C: inverse regularisation strength of the logistic regressions.
      class_weight: passed to LogisticRegression.
      ngram_range: word n-grams of the TF-IDF features.
      random_state: seed for anything random (kept for determinism even where unused).
    """

    def __init__(self, targets: tuple[str, ...] = DEFAULT.targets, mention_gate: bool = True, mask_targets: bool = True, cue_features: bool = True,
                 cue_split: bool = True, cue_roles: bool = True, char_ngrams: bool = False, tune: bool = True, C: float = 1.0,
                 class_weight: str | None = "balanced", ngram_range: tuple[int, int] = (1, 2),
                 random_state: int = 0) -> None:
        self.targets = targets
        self.mention_gate = mention_gate
        self.mask_targets = mask_targets
        self.cue_features = cue_features
        self.cue_split = cue_split
        self.cue_roles = cue_roles
        self.char_ngrams = char_ngrams
        self.tune = tune
        self.C = C
        self.class_weight = class_weight
        self.ngram_range = ngram_range
        self.random_state = random_state

    @property
    def schema(self) -> Schema:
        return Schema(tuple(self.targets))

    # -- building blocks -------------------------------------------------------------------
    def _features(self, ngram_range: tuple[int, int]) -> "Concat":
        words = Pipeline([("counts", NgramCounts(ngram_range)),
                          ("tfidf", TfidfTransformer(sublinear_tf=True))])
        parts: list[tuple[str, Any]] = [("words", words)]
        if self.char_ngrams:  # over the view's tokens joined by spaces
            parts.append(("chars", TfidfVectorizer(analyzer="char_wb", preprocessor=str, ngram_range=(2, 4),
                                                   min_df=2, sublinear_tf=True)))
        if self.cue_features:
            parts.append(("cues", CueFeatures(split=self.cue_split, roles=self.cue_roles)))
        return Concat(parts)

    def _choose(self, docs: list[View], labels: list[str], groups: list[str], scorer) -> dict[str, Any]:
        """Hyper-parameters by grouped cross-validation inside the training data.

        Features are fitted once per inner fold and n-gram range (not once per candidate), and
        each candidate is scored on the pooled out-of-fold predictions, which is steadier than
        a mean of per-fold F1 on folds this small. Ties go to the simpler candidate (earlier
        n-gram range and class weight in the grids, smaller C).
        """
        y = np.asarray(labels, dtype=object)
        grid = [(ng, cw, C) for ng in NGRAM_GRID for cw in CLASS_WEIGHT_GRID for C in C_GRID]
        pred = {cand: np.empty(len(docs), dtype=object) for cand in grid}
        cv = GroupKFold(n_splits=min(INNER_FOLDS, len(set(groups))))
        for tr, te in cv.split(docs, y, groups):
            for ng in NGRAM_GRID:
                feats = self._features(ng).fit([docs[i] for i in tr])
                X_tr, X_te = feats.transform([docs[i] for i in tr]), feats.transform([docs[i] for i in te])
                for _, cw, C in (cand for cand in grid if cand[0] == ng):
                    if len(set(y[tr])) > 1:
                        pred[(ng, cw, C)][te] = _logistic(C, cw, self.random_state).fit(X_tr, y[tr]).predict(X_te)
                    else:
                        pred[(ng, cw, C)][te] = y[tr][0]
        scores = {cand: scorer(y, pred[cand]) for cand in grid}
        top = max(scores.values())
        best = next(cand for cand in grid if scores[cand] == top)  # the grid runs simplest first
        return {"ngram_range": best[0], "class_weight": best[1], "C": best[2], "inner_score": top}

    def _fit_one(self, name: str, docs: list[View], labels: list[str], groups: list[str] | None, scorer):
        if len(set(labels)) == 1:
            return _Constant(labels[0])
        if self.tune and groups and len(set(groups)) >= 3:
            params = self._choose(docs, labels, groups, scorer)
        else:
            params = {"ngram_range": self.ngram_range, "class_weight": self.class_weight, "C": self.C}
        self.chosen_[name] = params
        return Pipeline([("features", self._features(params["ngram_range"])),
                         ("clf", _logistic(params["C"], params["class_weight"], self.random_state))]).fit(docs, labels)

    # -- estimator API ---------------------------------------------------------------------
    def fit(self, X: Sequence[Prepared], y, groups: Sequence[str] | None = None) -> "StanceTagger":
        """``groups`` (the ``doc`` of each sentence) drive the inner tuning folds."""
        y = np.asarray(y, dtype=object)
        schema = self.schema
        targets, heads = schema.targets, schema.heads
        if y.ndim != 2 or y.shape[1] != len(heads) or y.shape[0] != len(X):
            raise ValueError(f"y must have shape ({len(X)}, {len(heads)}): columns {', '.join(heads)}")
        groups = list(groups) if groups is not None else None
        self.chosen_: dict[str, dict[str, Any]] = {}
        self.stance_models_: dict[str, Pipeline] = {}
        if self.mask_targets:  # one model over every (sentence, target) row
            rows = [(i, t_i) for t_i in range(len(targets)) for i in range(len(X))]
            docs = [View(X[i], targets[t_i]) for i, t_i in rows]
            labels = [y[i, t_i] for i, t_i in rows]
            shared = self._fit_one("stance", docs, labels, [groups[i] for i, _ in rows] if groups else None,
                                   _stance_f1)
            self.stance_models_ = {t: shared for t in targets}
        else:
            for t_i, target in enumerate(targets):
                self.stance_models_[target] = self._fit_one(target, [View(p) for p in X], list(y[:, t_i]), groups,
                                                            _stance_f1)
        sentiment = list(y[:, heads.index(SENTIMENT)])  # by name: the column after the targets
        self.sentiment_model_ = self._fit_one(SENTIMENT, [View(p) for p in X], sentiment, groups, _macro_f1)
        self.classes_ = [np.array(schema.labels[h], dtype=object) for h in heads]
        return self

    def predict_proba(self, X: Sequence[Prepared]) -> list[np.ndarray]:
        """One (n, k) array per head of ``schema.heads``, columns in the order of ``schema.labels[head]``."""
        check_is_fitted(self)
        schema = self.schema
        all_targets, stance_labels = schema.targets, schema.stance_labels
        # with the gate, an unmentioned target is none whatever the model says: skip its features
        mentioned = {t: np.array([not self.mention_gate or any(m.target == t for m in p.mentions) for p in X],
                                 dtype=bool) for t in all_targets}
        docs = {t: [View(p, t if self.mask_targets else None) for p, keep in zip(X, mentioned[t]) if keep]
                for t in all_targets}
        stance = {}
        for model in {id(m): m for m in self.stance_models_.values()}.values():
            # one call for the targets that share a model (both, when masked): sklearn's
            # per-call checks cost milliseconds, as much as hundreds of sentences' features
            targets = [t for t in all_targets if self.stance_models_[t] is model]
            probs = _aligned(model, [v for t in targets for v in docs[t]], stance_labels)
            for t, part in zip(targets, np.split(probs, np.cumsum([len(docs[t]) for t in targets])[:-1])):
                stance[t] = part
        out = []
        for target in all_targets:
            probs = np.zeros((len(X), len(stance_labels)))
            probs[mentioned[target]] = stance[target]
            if self.mention_gate:
                none = stance_labels.index("none")
                m = mentioned[target]
                probs[m, none] = 0.0
                totals = probs[m].sum(axis=1, keepdims=True)
                probs[m] = probs[m] / np.where(totals > 0, totals, 1.0)
                probs[~m, none] = 1.0
            out.append(probs)
        out.append(_aligned(self.sentiment_model_, [View(p) for p in X], schema.sentiment_labels))
        return out

    def predict(self, X: Sequence[Prepared]) -> np.ndarray:
        return labels_of(self.predict_proba(X), self.schema)

    def score(self, X: Sequence[Prepared], y) -> float:
        """f_avg, the measure vnstance is judged by (mean F1 of favor and against over the
        targets), not ClassifierMixin's accuracy, which cannot take three outputs."""
        y, pred = np.asarray(y, dtype=object), self.predict(X)
        return float(np.mean([_stance_f1(y[:, i], pred[:, i]) for i in range(len(self.schema.targets))]))


def labels_of(probas: list[np.ndarray], schema: Schema = DEFAULT) -> np.ndarray:
    """(n, heads) labels, in the order of ``schema.heads``, from ``predict_proba``'s arrays:
    each row's most probable."""
    heads, labels = schema.heads, schema.labels
    if len(probas) != len(heads):
        raise ValueError(f"{len(probas)} heads of probabilities for a schema of {len(heads)} ({', '.join(heads)})")
    cols = [np.asarray(labels[h], dtype=object)[p.argmax(axis=1)] for h, p in zip(heads, probas)]
    return np.stack(cols, axis=1) if len(probas[0]) else np.empty((0, len(heads)), dtype=object)


def _logistic(C: float, class_weight: str | None, random_state: int) -> LogisticRegression:
    return LogisticRegression(C=C, class_weight=class_weight, solver="newton-cg", max_iter=1000,
                              random_state=random_state)


class Concat(TransformerMixin, BaseEstimator):
    """Side-by-side features, like FeatureUnion but with no joblib.

    FeatureUnion transforms through sklearn's Parallel, which resets the process-wide warning
    filters while it runs; a service predicting in several threads then gets spurious
    "sklearn.utils.parallel.delayed" warnings and can lose real ones.
    """

    def __init__(self, parts: list[tuple[str, Any]]) -> None:
        self.parts = parts

    def fit(self, X, y=None) -> "Concat":
        for _, part in self.parts:
            part.fit(X, y)
        return self

    def transform(self, X) -> sparse.csr_matrix:
        return sparse.hstack([part.transform(X) for _, part in self.parts], format="csr")


def _aligned(model, docs: list[View], labels: tuple[str, ...]) -> np.ndarray:
    """The model's probabilities with columns in the order of ``labels`` (absent ones 0)."""
    out = np.zeros((len(docs), len(labels)))
    if not docs:
        return out
    p = model.predict_proba(docs)
    for j, cls in enumerate(model.classes_):
        out[:, labels.index(cls)] = p[:, j]
    return out


class _Constant:
    """A head whose training data had a single label."""

    def __init__(self, label: str) -> None:
        self.classes_ = np.array([label], dtype=object)

    def predict_proba(self, docs) -> np.ndarray:
        return np.ones((len(docs) if isinstance(docs, list) else docs.shape[0], 1))
