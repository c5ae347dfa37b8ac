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
from .schema import HEADS, LABELS, TARGETS
from .textfiles import atomic_file

OUTPUT_FORMATS = ("jsonl", "table", "csv", "parquet")
BINARY_FORMATS = ("parquet",)
# The flat columns that follow the passed-through ones, in order (CSV, Parquet, predict_frame).
PREDICTION_COLUMNS = ("text", *HEADS, *(f"{t}_mentions" for t in TARGETS),
                      *(f"{h}_{lab}" for h in HEADS for lab in LABELS[h]))


def record(item: Item, pred: dict[str, Any]) -> dict[str, Any]:
    """The output object: passed-through fields, then id, then the prediction (text first)."""
    return {**item.extra, **({"id": item.id} if item.id is not None else {}), **pred}


def flat_record(rec: dict[str, Any]) -> dict[str, Any]:
    """One output object with its nested ``mentions`` and ``scores`` spread into columns:
    ``russia_mentions`` (a list), ``russia_favor``, ..., ``sentiment_positive``, ..."""
    flat = {k: v for k, v in rec.items() if k not in ("mentions", "scores")}
    for t in TARGETS:
        flat[f"{t}_mentions"] = rec["mentions"][t]
    for h in HEADS:
        for lab in LABELS[h]:
            flat[f"{h}_{lab}"] = rec["scores"][h][lab]
    return flat


class CsvWriter:
    """A header from the first row's columns, then one line a sentence; mentions joined by '; '."""

    def __init__(self, stream: IO[str], delimiter: str = ",") -> None:
        import csv

        self.stream = stream
        self.csv = csv
        self.delimiter = delimiter
        self.writer: Any = None
        self.rows = 0

    def write(self, rec: dict[str, Any]) -> None:
        flat = flat_record(rec)
        for t in TARGETS:
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
                 metadata: dict[str, str] | None = None) -> None:
        """``types``: arrow types for passed-through columns (e.g. the input Parquet schema's),
        so that every file of a dataset agrees; ``metadata``: key-value pairs for the footer."""
        try:
            import pyarrow as pa
            import pyarrow.parquet as pq
        except ImportError:
            raise VnstanceError("Parquet output needs the tables extra: pip install 'vnstance[tables]'") from None
        self.pa, self.pq = pa, pq
        self.stream = stream
        self.rows: list[dict[str, Any]] = []
        self.writer: Any = None
        self.schema: Any = None
        self.written = 0
        self.types = types or {}
        self.metadata = metadata

    def _fixed(self, name: str):
        pa = self.pa
        if name in self.types and name not in PREDICTION_COLUMNS:
            return self.types[name]
        if name in ("text", "id", *HEADS):
            return pa.string()
        if name.endswith("_mentions") and name[: -len("_mentions")] in TARGETS:
            return pa.list_(pa.string())
        if name in PREDICTION_COLUMNS:
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
            self.schema = pa.schema([pa.field(c, self._fixed(c)) for c in PREDICTION_COLUMNS], metadata=self.metadata)
            self.writer = self.pq.ParquetWriter(self.stream, self.schema, compression="zstd")
        self.writer.close()


class TableWriter:
    """Aligned columns, one sentence a line, the text cut to the terminal width."""

    def __init__(self, stream: IO[str]) -> None:
        self.stream = stream
        self.width = shutil.get_terminal_size((120, 24)).columns
        self.started = False

    def write(self, rec: dict[str, Any]) -> None:
        if not self.started:
            self.stream.write(f"{'ID':<24} {'RUSSIA':<8} {'US':<8} {'SENTIMENT':<9} TEXT\n")
            self.started = True
        ident = str(rec.get("id", ""))[-24:]
        text = rec["text"]
        room = max(20, self.width - 54)
        if len(text) > room:
            text = text[: room - 1] + "…"
        self.stream.write(f"{ident:<24} {rec['russia']:<8} {rec['us']:<8} {rec['sentiment']:<9} {text}\n")


class JsonlWriter:
    def __init__(self, stream: IO[str]) -> None:
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


def make_writer(fmt: str, stream: IO[Any]) -> Any:
    """The writer for an output format; call ``close`` (if it has one) after the last row."""
    return {"table": TableWriter, "csv": CsvWriter, "parquet": ParquetWriter}.get(fmt, JsonlWriter)(stream)
