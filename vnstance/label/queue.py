"""Which sentence to label next: uncertainty first, mixed with a share of random sentences.

The order is computed once from the input, the model's scores and the seed, so the same
input, model and seed give the same order; already-labelled ids are skipped at run time
(restart resumes where it stopped).

The rule:
- Every sentence is drawn into the *random* stream with probability ``random_share``
  (seeded); that stream is shuffled. Any prefix of it is a simple random sample of the whole
  input, including sentences that mention neither target, so the rows it yields give an
  unbiased estimate of the model's accuracy on this input. The draw depends on the input's
  length and the seed only, not on the model: a retrained model keeps the same random sample.
- The other sentences form the *uncertainty* stream: those where the model finds a target,
  lowest margin first (the margin of a target is its top stance score minus its second; a
  sentence's margin is the smallest over the targets it mentions, however many the schema
  has); a sentence that mentions no target takes every ``NEITHER_EVERY``-th place of that
  stream (lowest sentiment margin first), so missed mentions still surface without crowding
  out the stance questions.
- The two streams are interleaved so that ``random_share`` of the positions are random.
Ties keep input order.

The heads are those of the labelling schema (``score``'s ``schema``, the model's by default).
A target of the schema that the model does not have (labelling ``china`` with a two-target
model) gets no suggestion and plays no part in the margin; with no model at all
(``unscored``) every sentence is in the random stream.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Iterable, Iterator, Sequence

from ..errors import VnstanceError
from ..inputs import Item, read_items
from ..model.api import Model
from ..model.predict import predict_items
from ..schema import SENTIMENT, Schema

NEITHER_EVERY = 10
RANDOM, UNCERTAINTY = "random", "uncertainty"


@dataclass(frozen=True)
class Candidate:
    """One sentence to label, with its neighbours and the model's view of it."""

    id: str
    doc: str
    text: str
    before: str | None
    after: str | None
    suggestion: dict[str, str]
    scores: dict[str, dict[str, float]]
    mentions: dict[str, list[str]]
    selected_by: str = UNCERTAINTY
    margin: float | None = None  # None: mentions no target (or no model scored it)

    def public(self) -> dict[str, Any]:
        return {"id": self.id, "doc": self.doc, "text": self.text, "before": self.before, "after": self.after,
                "suggestion": self.suggestion, "scores": self.scores, "mentions": self.mentions,
                "selected_by": self.selected_by, "margin": self.margin}


@dataclass
class _Source:
    id: str
    doc: str
    text: str
    before: str | None = None
    after: str | None = None
    index: int = 0  # place in the input


def _top_two_gap(scores: dict[str, float]) -> float:
    top = sorted(scores.values(), reverse=True) or [1.0]  # no scores: as sure as can be (last)
    return float(top[0] - (top[1] if len(top) > 1 else 0.0))


def margin(prediction: dict[str, Any], targets: Iterable[str] | None = None) -> float | None:
    """Smallest top-two stance gap over the targets the sentence mentions; None if it mentions none.

    ``targets``: the ones to consider (default: every target the prediction has mentions for)."""
    mentions, scores = prediction["mentions"], prediction["scores"]
    gaps = [_top_two_gap(scores[t]) for t in (mentions if targets is None else targets)
            if mentions.get(t) and t in scores]
    return round(min(gaps), 4) if gaps else None


def iter_sources(paths: Sequence[str], fmt: str) -> Iterator[_Source]:
    """Sentences in input order, each with an id, a document and its neighbours in that document
    (``after`` is filled in when the next sentence of the document is read).

    The document is the article (``article``), the ``doc`` field (``jsonl``) or else the file.
    Items without an id (none of the shipped readers leave one out) get ``<file stem>-<n>``.
    """
    seen: dict[str, str] = {}
    index = 0
    for path in paths or ["-"]:
        stem = "stdin" if path == "-" else Path(path).stem
        name = "<stdin>" if path == "-" else path
        last_in_doc: dict[str, _Source] = {}
        for n, item in enumerate(read_items([path], fmt), 1):
            ident = item.id if item.id is not None else f"{stem}-{n:04d}"
            doc = str(item.extra.get("doc", stem))
            if ident in seen:
                raise VnstanceError(f"{name}: duplicate id {ident!r} (first in {seen[ident]}); ids must be unique")
            seen[ident] = name
            src = _Source(ident, doc, item.text, index=index)
            index += 1
            prev = last_in_doc.get(doc)
            if prev is not None:
                prev.after, src.before = src.text, prev.text
            last_in_doc[doc] = src
            yield src


def _none_to_label(paths: Sequence[str]) -> VnstanceError:
    return VnstanceError(f"no sentences to label in {', '.join(paths) or '<stdin>'}")


def read_sources(paths: Sequence[str], fmt: str) -> list[_Source]:
    """Every sentence of the input (see ``iter_sources``)."""
    out = list(iter_sources(paths, fmt))
    if not out:
        raise _none_to_label(paths)
    return out


def sample_sources(paths: Sequence[str], fmt: str, size: int, seed: int = 0) -> tuple[list[_Source], int]:
    """A simple random sample of ``size`` sentences of the input (all of them if it has fewer),
    in input order, read in one pass with memory for the sample only (reservoir sampling).
    Returns the sample and the number of sentences read."""
    rng = random.Random(f"sample-{seed}")
    out: list[_Source] = []
    total = 0
    for src in iter_sources(paths, fmt):
        total += 1
        if len(out) < size:
            out.append(src)
        else:
            j = rng.randrange(total)
            if j < size:
                out[j] = src
    if not out:
        raise _none_to_label(paths)
    out.sort(key=lambda src: src.index)
    return out, total


def score(model: Model, sources: Iterable[_Source], schema: Schema | None = None) -> list[Candidate]:
    """The model's suggestion, scores and mentions for each sentence, for the heads of ``schema``
    (default: the model's) that the model has; a head it lacks gets no suggestion."""
    schema = model.schema if schema is None else schema
    labels = schema.labels
    heads = [h for h in schema.heads if h in model.schema.heads]
    targets = [t for t in schema.targets if t in model.schema.targets]
    srcs = list(sources)
    items = [Item(text=s.text, id=s.id) for s in srcs]
    out = []
    for src, (_, pred) in zip(srcs, predict_items(model, items)):
        out.append(Candidate(id=src.id, doc=src.doc, text=src.text, before=src.before, after=src.after,
                             suggestion={h: pred[h] for h in heads if pred[h] in labels[h]},
                             scores={h: pred["scores"][h] for h in heads},
                             mentions={t: pred["mentions"][t] for t in targets},
                             margin=margin(pred, targets)))
    return out


def unscored(sources: Iterable[_Source]) -> list[Candidate]:
    """Each sentence with no suggestion, for labelling without a model."""
    return [Candidate(id=s.id, doc=s.doc, text=s.text, before=s.before, after=s.after,
                      suggestion={}, scores={}, mentions={}) for s in sources]


def order(candidates: Sequence[Candidate], random_share: float = 0.2, seed: int = 0) -> list[Candidate]:
    """The labelling order (see the module docstring); each candidate marked with its ``selected_by``."""
    if not 0.0 <= random_share <= 1.0:
        raise VnstanceError(f"--random-share must be between 0 and 1, got {random_share}")
    rng = random.Random(seed)
    drawn = [rng.random() < random_share for _ in candidates]
    randoms = [replace(c, selected_by=RANDOM) for c, d in zip(candidates, drawn) if d]
    rng.shuffle(randoms)
    rest = [(i, c) for i, (c, d) in enumerate(zip(candidates, drawn)) if not d]
    mentioned = [c for _, c in sorted(((i, c) for i, c in rest if c.margin is not None),
                                      key=lambda ic: (ic[1].margin, ic[0]))]
    neither = [c for _, c in sorted(((i, c) for i, c in rest if c.margin is None),
                                    key=lambda ic: (_top_two_gap(ic[1].scores.get(SENTIMENT, {})), ic[0]))]
    uncertain: list[Candidate] = []
    m = n = 0
    while m < len(mentioned) or n < len(neither):
        if n < len(neither) and (m >= len(mentioned) or (len(uncertain) + 1) % NEITHER_EVERY == 0):
            uncertain.append(neither[n])
            n += 1
        else:
            uncertain.append(mentioned[m])
            m += 1
    uncertain = [replace(c, selected_by=UNCERTAINTY) for c in uncertain]
    out: list[Candidate] = []
    r = u = 0
    while r < len(randoms) or u < len(uncertain):
        i = len(out)
        random_slot = math.floor((i + 1) * random_share) > math.floor(i * random_share)
        if r < len(randoms) and (random_slot or u >= len(uncertain)):
            out.append(randoms[r])
            r += 1
        else:
            out.append(uncertain[u])
            u += 1
    return out
