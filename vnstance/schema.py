"""The label schema (see seeds/GUIDELINE.md): which targets a model takes a stance toward,
and the labels of each head. A model records its schema (``Schema.to_dict`` in its metadata)
and everything downstream of it (predict rows, eval, the service, the table writers) reads
the model's schema, so a third target is a change to the schema's targets, the alias
lexicon (features/lexicon/targets.json or ``train --lexicon``) and the data.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Mapping

STANCE_LABELS: tuple[str, ...] = ("favor", "against", "neutral", "none")
SENTIMENT_LABELS: tuple[str, ...] = ("positive", "negative", "neutral")
SENTIMENT = "sentiment"
_NAME = re.compile(r"[a-z][a-z0-9_]*\Z")
# names a target cannot take: they are other fields of a labelled or predicted row
RESERVED = frozenset({SENTIMENT, "id", "doc", "text", "source", "mentions", "scores", "section", "explain",
                      "article_id", "sentence_index", "annotator", "selected_by", "labelled_at"})


@dataclass(frozen=True)
class Schema:
    """Targets (each a stance head) and the labels of the stance and sentiment heads."""

    targets: tuple[str, ...] = ("russia", "us")
    stance_labels: tuple[str, ...] = STANCE_LABELS
    sentiment_labels: tuple[str, ...] = SENTIMENT_LABELS

    def __post_init__(self) -> None:
        object.__setattr__(self, "targets", tuple(self.targets))
        object.__setattr__(self, "stance_labels", tuple(self.stance_labels))
        object.__setattr__(self, "sentiment_labels", tuple(self.sentiment_labels))
        if not self.targets:
            raise ValueError("a schema needs at least one target")
        for t in self.targets:
            if not isinstance(t, str) or not _NAME.match(t) or t in RESERVED:
                raise ValueError(f"bad target name {t!r}: lower-case letters, digits and '_', "
                                 f"not one of {', '.join(sorted(RESERVED))}")
        if len(set(self.targets)) != len(self.targets):
            raise ValueError(f"a target is repeated in {', '.join(self.targets)}")
        if "none" not in self.stance_labels:
            raise ValueError("the stance labels must include 'none' (what an unmentioned target gets)")

    @property
    def heads(self) -> tuple[str, ...]:
        """The label heads, in the order of the model's outputs: the targets, then sentiment."""
        return (*self.targets, SENTIMENT)

    @property
    def labels(self) -> dict[str, tuple[str, ...]]:
        return {**{t: self.stance_labels for t in self.targets}, SENTIMENT: self.sentiment_labels}

    def to_dict(self) -> dict[str, Any]:
        return {"targets": list(self.targets), "stance_labels": list(self.stance_labels),
                "sentiment_labels": list(self.sentiment_labels)}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any] | None) -> "Schema":
        """The schema a model recorded; ``None`` (a model saved before models recorded one) is DEFAULT."""
        if not data:
            return DEFAULT
        return cls(tuple(data["targets"]), tuple(data.get("stance_labels", STANCE_LABELS)),
                   tuple(data.get("sentiment_labels", SENTIMENT_LABELS)))

    @classmethod
    def of_targets(cls, targets: str | tuple[str, ...] | list[str]) -> "Schema":
        """From a comma-separated list ("russia,us,china") or a sequence of target names."""
        if isinstance(targets, str):
            targets = [t.strip() for t in targets.split(",") if t.strip()]
        return cls(tuple(targets))


DEFAULT = Schema()


def row_targets(row: Mapping[str, Any], stance_labels: tuple[str, ...] = STANCE_LABELS) -> tuple[str, ...]:
    """The targets a labelled row was labelled for, read from its fields: every field that is not
    one of a row's other fields and holds a stance label (in the row's order). How an answers
    file or an annotator's file says its schema without a header line (it stays a gold file)."""
    return tuple(k for k, v in row.items()
                 if k not in RESERVED and isinstance(v, str) and v in stance_labels and _NAME.match(k))
