"""Labelled JSON Lines: reading and validating gold and training files."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable, Mapping, Sequence

from .errors import DataError, VnstanceError
from .paths import seeds_dir
from .schema import DEFAULT, RowError, Schema, file_targets
from .textfiles import json_object, numbered_lines

# the checkout's seeds/, or the copy installed in the package (vnstance/paths.py)
SEEDS_DIR = seeds_dir()
GOLD_PATH = SEEDS_DIR / "gold.jsonl"
AUTHORED_PATH = SEEDS_DIR / "authored.jsonl"
AUTHORED_2_PATH = SEEDS_DIR / "authored-2.jsonl"
ARTICLES_DIR = SEEDS_DIR / "articles"
DEFAULT_TRAIN: tuple[Path, ...] = (GOLD_PATH, AUTHORED_PATH, AUTHORED_2_PATH)
FIELDS = ("id", "doc", "text")  # and one field per head of the schema


@dataclass(frozen=True)
class Example:
    id: str
    doc: str
    text: str
    heads: Mapping[str, str]  # head -> label, for every head of the schema it was read with
    source: str | None = None

    def label(self, head: str) -> str:
        return self.heads[head]

    def __getattr__(self, name: str) -> Any:  # e.russia, e.sentiment: a head's label
        heads = self.__dict__.get("heads")
        if heads is not None and name in heads:
            return heads[name]
        raise AttributeError(name)


@dataclass(frozen=True)
class Dataset:
    examples: tuple[Example, ...]
    paths: tuple[str, ...]
    sha256: str  # digest of the files' bytes, in order
    schema: Schema = DEFAULT  # the heads read from each line

    def __len__(self) -> int:
        return len(self.examples)

    @property
    def texts(self) -> list[str]:
        return [e.text for e in self.examples]

    @property
    def groups(self) -> list[str]:
        return [e.doc for e in self.examples]

    @property
    def ids(self) -> list[str]:
        return [e.id for e in self.examples]

    @property
    def text_keys(self) -> list[str]:
        """A short digest of each (normalised) text: finds a training sentence under another id."""
        return [text_key(t) for t in self.texts]

    def labels(self) -> list[tuple[str, ...]]:
        """Each sentence's labels, in the order of the schema's heads."""
        heads = self.schema.heads
        return [tuple(e.heads[h] for h in heads) for e in self.examples]

    def select(self, indices: Iterable[int]) -> "Dataset":
        return Dataset(tuple(self.examples[i] for i in indices), self.paths, self.sha256, self.schema)

    def __add__(self, other: "Dataset") -> "Dataset":
        if other.schema != self.schema:
            raise VnstanceError(f"cannot join data read with targets {', '.join(self.schema.targets)} and "
                                f"{', '.join(other.schema.targets)}")
        return Dataset(self.examples + other.examples, self.paths + other.paths,
                       hashlib.sha256((self.sha256 + other.sha256).encode()).hexdigest(), self.schema)

    def column(self, head: str) -> list[str]:
        return [e.label(head) for e in self.examples]

    def label_counts(self) -> dict[str, dict[str, int]]:
        labels = self.schema.labels
        counts = {h: {lab: 0 for lab in labels[h]} for h in self.schema.heads}
        for e in self.examples:
            for h in self.schema.heads:
                counts[h][e.label(h)] += 1
        return counts


def text_key(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def training_overlap(meta: dict, data: Dataset) -> dict | None:
    """How many of ``data``'s sentences the model was trained on (same id or same text), from
    the ids and text keys its metadata records; None for a model that records neither."""
    trained = meta.get("data", {})
    ids, keys = set(trained.get("ids") or ()), set(trained.get("text_keys") or ())
    if not ids and not keys:
        return None
    seen = [i for i, (sid, key) in enumerate(zip(data.ids, data.text_keys)) if sid in ids or key in keys]
    return {"in_training": len(seen), "scored": len(data), "ids": [data.ids[i] for i in seen]}


def _parse(path: str | Path, no: int, line: str, seen: dict[str, str], schema: Schema = DEFAULT) -> Example:
    from .features.normalize import normalize  # imports underthesea: not at start-up (`vnstance --help`)

    obj = json_object(path, no, line)
    required = (*FIELDS, *schema.heads)
    missing = [k for k in required if k not in obj]
    if missing:
        raise DataError(path, no, f"missing field(s): {', '.join(missing)}")
    for k in (*required, "source"):
        if k in obj and not isinstance(obj[k], str):
            raise DataError(path, no, f"field {k!r} must be a string")
    if not obj["text"].strip():
        raise DataError(path, no, "blank text")
    labels = schema.labels
    for h in schema.heads:
        if obj[h] not in labels[h]:
            allowed = ", ".join(labels[h])
            raise DataError(path, no, f"unknown {h} label {obj[h]!r} (allowed: {allowed})")
    if obj["id"] in seen:
        raise DataError(path, no, f"duplicate id {obj['id']!r} (first at {seen[obj['id']]})")
    seen[obj["id"]] = f"{path}:{no}"
    return Example(
        id=obj["id"], doc=obj["doc"], text=normalize(obj["text"]),
        heads={h: obj[h] for h in schema.heads},
        source=obj.get("source"),
    )


def load_labelled(paths: Sequence[str | Path] | str | Path, schema: Schema = DEFAULT) -> Dataset:
    """Load and validate labelled JSONL files, concatenated in order.

    Every line has a field per head of ``schema`` (a three-target schema's data has a
    ``china`` field too); fields of other heads are ignored. Ids must be unique across all
    files. Texts are normalised (NFC, tone marks).
    """
    if isinstance(paths, (str, Path)):
        paths = [paths]
    if not paths:
        raise VnstanceError("no data files given")
    digest = hashlib.sha256()
    seen: dict[str, str] = {}
    examples: list[Example] = []
    for path in paths:
        for no, line in numbered_lines(path, tap=digest.update):
            if not line.strip():
                continue
            examples.append(_parse(path, no, line, seen, schema))
    if not examples:
        raise VnstanceError(f"empty data: no labelled sentences in {', '.join(map(str, paths))}")
    return Dataset(tuple(examples), tuple(str(p) for p in paths), digest.hexdigest(), schema)



def rows_targets(path: str | Path, rows: list[tuple[int, dict[str, Any]]],
                 schema: Schema | None = None) -> tuple[str, ...]:
    """``schema.file_targets`` of the rows (line number, row) of the file at ``path``, checked
    against ``schema``'s targets when given; a row that does not fit is a DataError naming the
    file and line (a misspelt label, a missing field, two schemas in one file)."""
    try:
        return file_targets(rows, (schema or DEFAULT).stance_labels, schema.targets if schema else None)
    except RowError as e:
        raise DataError(path, e.line, str(e)) from None


def labelled_targets(path: str | Path) -> tuple[str, ...]:
    """The targets a labelled file's rows carry (see ``schema.file_targets``), in the order they
    first appear; DataError at the first row with a missing or misspelt target field, or with
    no target at all. Empty for an empty file."""
    rows = [(no, json_object(path, no, line)) for no, line in numbered_lines(path) if line.strip()]
    targets = rows_targets(path, rows)
    if rows and not targets:
        raise DataError(path, rows[0][0], "no target field (a field such as \"russia\" holding a stance label)")
    return targets
