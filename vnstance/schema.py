"""The label schema (see seeds/GUIDELINE.md): which targets a model takes a stance toward,
and the labels of each head. A model records its schema (``Schema.to_dict`` in its metadata)
and everything downstream of it (predict rows, eval, the service, the table writers) reads
the model's schema, so a third target is a change to the schema's targets, the alias
lexicon (features/lexicon/targets.json or ``train --lexicon``) and the data.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Iterable, Mapping

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


class RowError(ValueError):
    """A labelled row that does not fit its file's targets; ``line`` is its line number."""

    def __init__(self, line: int, message: str) -> None:
        super().__init__(message)
        self.line = line


def _bad_label(field: str, value: Any, stance_labels: tuple[str, ...]) -> str:
    return f"{field} must be one of {', '.join(stance_labels)}, got {value!r}"


def file_targets(rows: Iterable[tuple[int, Mapping[str, Any]]], stance_labels: tuple[str, ...] = STANCE_LABELS,
                 expected: tuple[str, ...] | None = None) -> tuple[str, ...]:
    """The targets a labelled file's rows (line number, row) were labelled for, in the order
    they first appear; how an answers file or an annotator's file says its schema without a
    header line (it stays a gold file).

    A field (not one of a row's other fields) is a target when it holds a stance label (in
    any case: "Favor" counts, and is then reported below) on at least as many rows as it holds
    something else: a ``"note"`` that reads ``"none"`` on one row and free text on the others
    is not one; in a one-row file it is, and nothing can tell. Every row must then give every target a stance
    label: RowError at the first row that does not, naming the field and the value (a misspelt
    label) or the missing field (left out, or two schemas in one file).

    ``expected``: the targets the file must have (a session's, a model's): checked against
    those instead of guessed, RowError at the first row whose field is missing or not a label,
    or at line 1 when the file is consistently labelled for other targets."""
    rows = list(rows)
    labelled: dict[str, list[int]] = {}  # field -> lines where it holds a stance label
    other: dict[str, list[int]] = {}  # field -> lines where it holds something else
    for no, row in rows:
        for k, v in row.items():
            if k in RESERVED or not _NAME.match(k):
                continue
            # a label in the wrong case or with spaces ("Favor") still marks its field as a target,
            # so that the row check below names it rather than the field being dropped
            is_label = isinstance(v, str) and v.strip().lower() in stance_labels
            (labelled if is_label else other).setdefault(k, []).append(no)
            labelled.setdefault(k, [])
    found = tuple(k for k, lines in labelled.items() if lines and len(lines) >= len(other.get(k, ())))
    if expected is not None:
        absent = [t for t in expected if not labelled.get(t) and not other.get(t)]
        extra = [t for t in found if t not in expected]
        if rows and (absent or extra):
            line = min(labelled[t][0] for t in extra) if extra else rows[0][0]
            raise RowError(line, f"labelled for targets {', '.join(found) or 'none'}, not {', '.join(expected)} "
                                 f"(label with --targets {','.join(found) or '...'}, or answer into another --out)")
    check = found if expected is None else expected
    for no, row in rows:
        for t in check:
            if t not in row:
                why = (f"line {labelled[t][0]} labels it" if expected is None
                       else f"the targets are {', '.join(expected)}")
                raise RowError(no, f"missing field {t!r} ({why}: a field left out, or two schemas in one file)")
            if not isinstance(row[t], str) or row[t] not in stance_labels:
                why = "" if expected is not None else f" (line {labelled[t][0]} holds a stance label in {t!r})"
                raise RowError(no, _bad_label(t, row[t], stance_labels) + why)
    return found
