"""Writing labelled sentences: JSON Lines, an aligned table, CSV or Parquet; stdout or a file
written atomically."""

from __future__ import annotations

import json
import shutil
import sys
from contextlib import contextmanager
from typing import IO, Any, Iterator

from .errors import VnstanceError
from .inputs import Item
from .schema import DEFAULT, Schema
from .textfiles import atomic_file

OUTPUT_FORMATS = ("jsonl", "table", "csv", "parquet")
BINARY_FORMATS = ("parquet",)


def prediction_columns(schema: Schema = DEFAULT) -> tuple[str, ...]:
    """The flat columns that follow the passed-through ones, in order (CSV, Parquet, predict_frame)."""
    return ("text", *schema.heads, *(f"{t}_mentions" for t in schema.targets),
            *(f"{h}_{lab}" for h in schema.heads for lab in schema.labels[h]))


PREDICTION_COLUMNS = prediction_columns(DEFAULT)  # the default two-target model's


def record(item: Item, pred: dict[str, Any]) -> dict[str, Any]:
    """The output object: passed-through fields, then id, then the prediction (text first)."""
    return {**item.extra, **({"id": item.id} if item.id is not None else {}), **pred}


def flat_record(rec: dict[str, Any]) -> dict[str, Any]:
    """One output object with its nested ``mentions`` and ``scores`` spread into columns:
    ``russia_mentions`` (a list), ``russia_favor``, ..., ``sentiment_positive``, ...: one
    column per target and label the record holds, so a three-target model's rows get
    ``china_mentions`` and ``china_favor`` too."""
    flat = {k: v for k, v in rec.items() if k not in ("mentions", "scores")}
    for t, mentions in rec["mentions"].items():
        flat[f"{t}_mentions"] = mentions
    for h, scores in rec["scores"].items():
        for lab, score in scores.items():
            flat[f"{h}_{lab}"] = score
    return flat


class CsvWriter:
    """A header from the first row's columns, then one line a sentence; mentions joined by '; '."""

    def __init__(self, stream: IO[str], delimiter: str = ",", schema: Schema = DEFAULT) -> None:
        import csv

        self.stream = stream
        self.csv = csv
        self.delimiter = delimiter
        self.writer: Any = None
        self.rows = 0

    def write(self, rec: dict[str, Any]) -> None:
        flat = flat_record(rec)
        for t in rec["mentions"]:
            flat[f"{t}_mentions"] = "; ".join(flat[f"{t}_mentions"])
        self.rows += 1
        if self.writer is None:
            self.writer = self.csv.DictWriter(self.stream, fieldnames=list(flat), delimiter=self.delimiter,
                                              lineterminator="\n")
            self.writer.writeheader()
        extra = set(flat) - set(self.writer.fieldnames)
        if extra:
            raise VnstanceError(f"output row {self.rows} has field(s) {', '.join(sorted(extra))} that the first row "
                                "had not: CSV needs the same columns on every row (use --format jsonl)")
        self.writer.writerow(flat)

    def close(self) -> None:
        pass


class ParquetWriter:
    """Rows buffered into record batches and written with pyarrow's ParquetWriter. The
    prediction columns have fixed types; passed-through columns take the type of their values
    in the first batch (a column with no value there becomes a string)."""

    BATCH = 4096

    def __init__(self, stream: IO[bytes], types: dict[str, Any] | None = None,
                 metadata: dict[str, str] | None = None, schema: Schema = DEFAULT) -> None:
        """``types``: arrow types for passed-through columns (e.g. the input Parquet schema's),
        so that every file of a dataset agrees; ``metadata``: key-value pairs for the footer;
        ``schema``: the model's (its prediction columns)."""
        try:
            import pyarrow as pa
            import pyarrow.parquet as pq
        except ImportError:
            raise VnstanceError("Parquet output needs the tables extra: pip install 'vnstance[tables]'") from None
        self.pa, self.pq = pa, pq
        self.stream = stream
        self.columns = prediction_columns(schema)
        self.heads, self.targets = schema.heads, schema.targets
        self.rows: list[dict[str, Any]] = []
        self.writer: Any = None
        self.schema: Any = None
        self.written = 0
        self.types = types or {}
        self.metadata = metadata

    def _fixed(self, name: str):
        pa = self.pa
        if name in self.types and name not in self.columns:
            return self.types[name]
        if name in ("text", "id", *self.heads):
            return pa.string()
        if name.endswith("_mentions") and name[: -len("_mentions")] in self.targets:
            return pa.list_(pa.string())
        if name in self.columns:
            return pa.float64()
        return None

    def write(self, rec: dict[str, Any]) -> None:
        self.rows.append(flat_record(rec))
        if len(self.rows) >= self.BATCH:
            self._flush()

    def _flush(self) -> None:
        if not self.rows:
            return
        pa = self.pa
        if self.schema is None:
            inferred = pa.Table.from_pylist(self.rows).schema
            fields = []
            for f in inferred:
                typ = self._fixed(f.name) or (pa.string() if pa.types.is_null(f.type) else f.type)
                fields.append(pa.field(f.name, typ))
            self.schema = pa.schema(fields, metadata=self.metadata)
            self.writer = self.pq.ParquetWriter(self.stream, self.schema, compression="zstd")
        extra = set().union(*self.rows) - set(self.schema.names)
        if extra:
            raise VnstanceError(f"output row {self.written + 1} or later has field(s) {', '.join(sorted(extra))} "
                                "that the first rows had not: Parquet needs the same columns on every row")
        try:
            table = self.pa.Table.from_pylist(self.rows, schema=self.schema)
        except (self.pa.ArrowException, TypeError, ValueError) as e:
            raise VnstanceError(f"output rows {self.written + 1}-{self.written + len(self.rows)}: a column changes "
                                f"type ({e}); use --format jsonl or csv") from None
        self.writer.write_table(table)
        self.written += len(self.rows)
        self.rows = []

    def close(self) -> None:
        self._flush()
        if self.writer is None:  # no rows at all: an empty file with the prediction columns
            pa = self.pa
            self.schema = pa.schema([pa.field(c, self._fixed(c)) for c in self.columns], metadata=self.metadata)
            self.writer = self.pq.ParquetWriter(self.stream, self.schema, compression="zstd")
        self.writer.close()


class TableWriter:
    """Aligned columns, one sentence a line, the text cut to the terminal width."""

    def __init__(self, stream: IO[str], schema: Schema = DEFAULT) -> None:
        self.stream = stream
        self.width = shutil.get_terminal_size((120, 24)).columns
        self.started = False
        self.targets = schema.targets

    def write(self, rec: dict[str, Any]) -> None:
        if not self.started:
            self.stream.write(f"{'ID':<24} " + "".join(f"{t.upper():<8} " for t in self.targets)
                              + f"{'SENTIMENT':<9} TEXT\n")
            self.started = True
        ident = str(rec.get("id", ""))[-24:]
        text = rec["text"]
        room = max(20, self.width - 36 - 9 * len(self.targets))
        if len(text) > room:
            text = text[: room - 1] + "…"
        self.stream.write(f"{ident:<24} " + "".join(f"{rec[t]:<8} " for t in self.targets)
                          + f"{rec['sentiment']:<9} {text}\n")


class JsonlWriter:
    def __init__(self, stream: IO[str], schema: Schema = DEFAULT) -> None:
        self.stream = stream

    def write(self, rec: dict[str, Any]) -> None:
        self.stream.write(json.dumps(rec, ensure_ascii=False) + "\n")


@contextmanager
def output_stream(path: str | None, binary: bool = False) -> Iterator[IO[Any]]:
    """stdout, or a temp file beside ``path`` renamed into place only when all went well."""
    if path is None or path == "-":
        out = sys.stdout.buffer if binary else sys.stdout
        yield out
        out.flush()
        return
    with atomic_file(path, "wb" if binary else "w") as f:
        yield f


def make_writer(fmt: str, stream: IO[Any], schema: Schema = DEFAULT) -> Any:
    """The writer for an output format, for rows of a model of ``schema``; call ``close`` (if
    it has one) after the last row."""
    cls = {"table": TableWriter, "csv": CsvWriter, "parquet": ParquetWriter}.get(fmt, JsonlWriter)
    return cls(stream, schema=schema)
