"""One annotator's labelling session: the ordered queue, the answers file and the skips.

Plain functions of state, so that the web app stays a thin layer and tests can drive a
session without HTTP. Skips live in memory only: a skipped sentence comes back after every
other one has been seen, and again after a restart; the answers file holds answers only.
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from typing import TYPE_CHECKING, Any, Callable, Sequence

from ..schema import DEFAULT, Schema
from .queue import RANDOM, UNCERTAINTY, Candidate
from .store import AnswerStore, check_labels, utc_now

if TYPE_CHECKING:
    from ..model.api import Model


class UnknownItem(KeyError):
    """No sentence with this id in the input."""


class NothingToUndo(LookupError):
    """The id has neither an answer nor a skip to undo."""


class Session:
    def __init__(self, ordered: Sequence[Candidate], store: AnswerStore, annotator: str) -> None:
        self.order = list(ordered)
        self.by_id = {c.id: c for c in self.order}
        self.position = {c.id: i for i, c in enumerate(self.order)}
        self.store = store
        self.annotator = annotator
        self.skipped: dict[str, None] = {}  # insertion-ordered set
        self.answered_here = 0
        self.started = time.monotonic()
        self._cursor = 0  # no open item before this position
        self._lock = threading.Lock()
        suggested = {h for c in self.order for h in c.suggestion}
        self._model_heads = [h for h in store.schema.heads if h in suggested]  # none without a model

    @property
    def schema(self) -> Schema:
        """The heads this session labels: its answers file's."""
        return self.store.schema

    def item(self, ident: str) -> Candidate:
        try:
            return self.by_id[ident]
        except KeyError:
            raise UnknownItem(ident) from None

    def view(self, c: Candidate) -> dict[str, Any]:
        """What the page shows for one sentence: the candidate, and its saved answer if any."""
        return {**c.public(), "answer": self.store.get(c.id), "skipped": c.id in self.skipped}

    def next(self) -> Candidate | None:
        """The first open sentence in the order; then the skipped ones, oldest skip first."""
        with self._lock:
            while self._cursor < len(self.order):
                c = self.order[self._cursor]
                if c.id not in self.store and c.id not in self.skipped:
                    return c
                self._cursor += 1
            for ident in self.skipped:
                if ident not in self.store:
                    return self.by_id[ident]
            return None

    def answer(self, ident: str, labels: dict[str, Any]) -> dict[str, Any]:
        """Save an answer (ValueError for a bad label, UnknownItem for an unknown id); last answer wins."""
        c = self.item(ident)
        record = {"id": c.id, "doc": c.doc, "text": c.text, **check_labels(labels, self.schema),
                  "annotator": self.annotator, "selected_by": c.selected_by, "labelled_at": utc_now()}
        self.store.put(record)
        with self._lock:
            self.skipped.pop(ident, None)
            self.answered_here += 1
        return record

    def skip(self, ident: str) -> None:
        self.item(ident)
        with self._lock:
            self.skipped.pop(ident, None)
            self.skipped[ident] = None  # to the back of the skipped ones

    def undo(self, ident: str | None = None) -> tuple[str, dict[str, Any] | None, Candidate]:
        """Undo the answer to ``ident`` (or, with no id, the latest answer in the file), else its skip.

        Returns what was undone ("answer" or "skip"), the removed answer, and the sentence,
        which is open again and comes first in the order.
        """
        if ident is None:
            last = self.store.last()
            if last is None:
                raise NothingToUndo("no answer to undo")
            ident = last["id"]
        if ident not in self.by_id and self.store.get(ident) is None:
            raise UnknownItem(ident)
        removed = self.store.remove(ident)
        with self._lock:
            if removed is not None:
                self.answered_here = max(0, self.answered_here - 1)
                kind = "answer"
            elif ident in self.skipped:
                del self.skipped[ident]
                kind = "skip"
            else:
                raise NothingToUndo(f"{ident!r} has no answer or skip to undo")
            if ident in self.position:
                self._cursor = min(self._cursor, self.position[ident])
        c = self.by_id.get(ident)
        if c is None:  # an answer in the file for a sentence not in this input: shown as it was saved
            c = Candidate(id=removed["id"], doc=removed["doc"], text=removed["text"], before=None, after=None,
                          suggestion={h: removed[h] for h in self.schema.heads}, scores={}, mentions={})
        return kind, removed, c

    def stats(self) -> dict[str, Any]:
        ids = self.by_id
        mine = [r for r in self.store.records() if r["id"] in ids]
        by = Counter(r.get("selected_by") for r in mine)
        open_ = sum(1 for c in self.order if c.id not in self.store)
        hours = (time.monotonic() - self.started) / 3600
        heads = self.schema.heads
        # the model's view is compared on the heads it suggests for (not china with a russia,us model)
        suggested = [(r, ids[r["id"]].suggestion) for r in mine if ids[r["id"]].suggestion]
        agreed = sum(1 for r, sug in suggested if all(r[h] == lab for h, lab in sug.items()))
        return {
            "total": len(self.order),
            "labelled": len(mine),
            "open": open_,
            "skipped": sum(1 for i in self.skipped if i not in self.store),
            "selected_by": {RANDOM: by.get(RANDOM, 0), UNCERTAINTY: by.get(UNCERTAINTY, 0)},
            "same_as_model": agreed,  # of compared_with_model answers, on model_heads
            "compared_with_model": len(suggested),
            "model_heads": self._model_heads,
            "labels": {h: dict(Counter(r[h] for r in mine)) for h in heads},
            "this_session": self.answered_here,
            "per_hour": round(self.answered_here / hours) if hours > 0.01 else None,
            "file": str(self.store.path),
            "file_lines": len(self.store),
        }


def open_session(inputs: Sequence[str], input_format: str, out: str, model: Model | None, annotator: str,
                 random_share: float = 0.2, seed: int = 0, sample: int | None = None,
                 on_scoring: Callable[[int, int], None] | None = None, schema: Schema | None = None) -> Session:
    """Read and score the input, order it, open the answers file (resuming what it holds).

    ``sample``: label only a seeded simple random sample of that many sentences (an archive too
    large to score whole); same input, size and seed, same sample. ``on_scoring(n, total)`` is
    called once the input is read, before its n (of total) sentences are scored.
    ``schema``: the heads to label (default: the model's). ``model`` None: no suggestions, and
    the whole order is the seeded random stream (there is no uncertainty to order by)."""
    from .queue import order, read_sources, sample_sources, score, unscored

    if schema is None:
        schema = DEFAULT if model is None else model.schema
    # a bad, busy or other-schema answers file fails before minutes of scoring
    store = AnswerStore(out, exclusive=True, schema=schema)
    try:
        if sample is None:
            sources = read_sources(inputs, input_format)
            total = len(sources)
        else:
            sources, total = sample_sources(inputs, input_format, sample, seed)
        if on_scoring is not None:
            on_scoring(len(sources), total)
        if model is None:
            ordered = order(unscored(sources), 1.0, seed)
        else:
            ordered = order(score(model, sources, schema), random_share, seed)
    except BaseException:
        store.close()
        raise
    return Session(ordered, store, annotator)
