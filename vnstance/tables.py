"""Tables in: CSV, TSV or Parquet rows (or a folder of .txt articles) -> items to label.

Read lazily: CSV and TSV through the csv module a line at a time, Parquet a record batch at
a time (``ParquetFile.iter_batches``), so an archive of millions of rows never sits in
memory. Every column but the text (and id) column is passed through to each output row.
With ``article=True`` each row's text is a raw article, split into sentences by the same
``article_sections`` as ``--input-format article``; each sentence gets ``article_id`` (the
id column, else the row number) and ``sentence_index`` (from 1).

Errors name the file, the line (for CSV) and the row and column: ``a.csv:7: row 6 ...``.
"""

from __future__ import annotations

import csv
import sys
from functools import partial
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator, Sequence

from .errors import DataError, VnstanceError
from .features.articles import article_sections
from .inputs import Item, ReadStats
from .schema import DEFAULT, Schema
from .textfiles import numbered_lines, open_binary

TABLE_FORMATS = ("csv", "tsv", "parquet")
_SUFFIXES = {".csv": "csv", ".tsv": "tsv", ".tab": "tsv", ".parquet": "parquet", ".pq": "parquet",
             ".jsonl": "jsonl", ".ndjson": "jsonl"}
BATCH = 1024  # Parquet rows per batch read
# Column names the output uses; an input column by one of these names would be overwritten.


def reserved_columns(schema: Schema = DEFAULT) -> tuple[str, ...]:
    """Input columns that the output of a model of ``schema`` would overwrite (its heads among them)."""
    return ("id", "article_id", "sentence_index", "section", "text", *schema.heads)


RESERVED = reserved_columns(DEFAULT)


def infer_format(path: str) -> str | None:
    """csv / tsv / parquet / jsonl from the file name, 'folder' for a directory, else None."""
    if path != "-" and Path(path).is_dir():
        return "folder"
    return _SUFFIXES.get(Path(path).suffix.lower())


def default_text_column(article: bool) -> str:
    return "body" if article else "text"


def _check_columns(name: str, line: int | None, columns: list[str], text_column: str,
                   id_column: str | None = None, reserved: Sequence[str] = RESERVED) -> None:
    if len(set(columns)) != len(columns):
        dup = next(c for c in columns if columns.count(c) > 1)
        raise DataError(name, line, f"column \"{dup}\" appears twice in the header")
    for col, option in ((text_column, "--text-column"), (id_column, "--id-column")):
        if col is not None and col not in columns:
            shown = ", ".join(columns[:12]) + (", ..." if len(columns) > 12 else "")
            raise DataError(name, line, f"no column \"{col}\" (columns: {shown}); choose one with {option}")
    for col in columns:
        if col in reserved and col not in (text_column, id_column or "id"):
            raise DataError(name, line, f"column \"{col}\" would be overwritten by the output column of that "
                                        "name; rename it")


def _row_items(name: str, line: int | None, row_no: int, row: dict[str, Any], text_column: str,
               id_column: str | None, article: bool, stats: ReadStats) -> Iterator[Item]:
    """The items of one table row (one sentence, or an article's sentences)."""
    text = row.pop(text_column)
    ident = row.pop(id_column if id_column is not None else "id", None)  # an "id" column is the id by default
    if text is None or text != text or (isinstance(text, str) and not text.strip()):  # None, NaN, blank
        stats.skipped_empty += 1
        return
    if not isinstance(text, str):
        raise DataError(name, line, f"row {row_no}, column \"{text_column}\": expected text, got {type(text).__name__}")
    if not article:
        stats.sentences += 1
        yield Item(text=text.strip(), id=None if ident is None else str(ident), extra=row)
        return
    yield from _article_items(text, ident if ident is not None else row_no, row, stats)


def _article_items(text: str, article_id: Any, row: dict[str, Any], stats: ReadStats) -> Iterator[Item]:
    """An article's sentences, each with its article id, index and section, as
    ``--input-format article`` gives them (the same splitter)."""
    for i, (sentence, section) in enumerate(article_sections(text), 1):
        stats.sentences += 1
        yield Item(text=sentence, id=f"{article_id}-{i:03d}",
                   extra={**row, "article_id": article_id, "sentence_index": i, "section": section})


def _decoded_lines(f: Any, bad: list[int]) -> Iterator[str]:
    """Lines as text; an invalid UTF-8 line is decoded with surrogates and noted in ``bad``,
    so the csv reader can report the row and column it falls in."""
    for no, raw in enumerate(f, 1):
        try:
            yield raw.decode("utf-8")
        except UnicodeDecodeError:
            bad.append(no)
            yield raw.decode("utf-8", "surrogateescape")


def _has_surrogate(s: str) -> bool:
    try:
        s.encode("utf-8")
        return False
    except UnicodeEncodeError:
        return True


def delimited_rows(path: str, delimiter: str, check_header: Callable[[str, int, list[str]], None]
                   ) -> Iterator[tuple[int, int, dict[str, str]]]:
    """(line, row number, {column: value}) of a CSV or TSV file with a header row, or stdin
    ('-'). ``check_header(name, line, columns)`` raises for a header it cannot use."""
    name = "<stdin>" if path == "-" else path
    kind = "TSV" if delimiter == "\t" else "CSV"
    csv.field_size_limit(min(sys.maxsize, 2**31 - 1))  # article bodies are longer than the 128 KiB default
    f = open_binary(path)
    bad: list[int] = []
    try:
        reader = csv.reader(_decoded_lines(f, bad), delimiter=delimiter, strict=True)
        header: list[str] | None = None
        last_line = 0
        row_no = 0
        while True:
            start = last_line + 1
            try:
                fields = next(reader)
            except StopIteration:
                break
            except csv.Error as e:
                raise DataError(name, reader.line_num, f"row {row_no + 1}: not valid {kind}: {e}") from None
            last_line = reader.line_num
            if bad:
                cols = header or []
                col = next((cols[i] if i < len(cols) else f"#{i + 1}" for i, v in enumerate(fields)
                            if _has_surrogate(v)), "?")
                what = "the header" if header is None else f"row {row_no + 1}, column \"{col}\""
                raise DataError(name, bad[0], f"{what}: invalid UTF-8 (save the file as UTF-8)")
            if header is None:
                header = [h.strip() for h in fields]
                if header and header[0].startswith("\ufeff"):
                    header[0] = header[0][1:]  # a byte-order mark from Excel
                check_header(name, start, header)
                continue
            if not fields:
                continue  # a blank line
            row_no += 1
            if len(fields) != len(header):
                raise DataError(name, start, f"row {row_no} has {len(fields)} field(s), the header has {len(header)}")
            yield start, row_no, dict(zip(header, fields))
        if header is None:
            raise DataError(name, None, "empty file: expected a header row")
        if row_no == 0:
            raise DataError(name, None, "no rows after the header")
    finally:
        if f is not sys.stdin.buffer:
            f.close()


def parquet_rows(path: str, check_header: Callable[[str, int | None, list[str]], None],
                 row_group: int | None = None) -> Iterator[tuple[None, int, dict[str, Any]]]:
    """(None, row number, {column: value}) of a Parquet file, a record batch at a time; only
    the rows of ``row_group`` when given (numbered as in the whole file)."""
    if path == "-":
        raise VnstanceError("Parquet cannot be read from stdin: give the file name")
    pq = _pyarrow_parquet()
    import pyarrow as pa

    try:
        pf = pq.ParquetFile(path)
    except FileNotFoundError:
        raise DataError(path, None, "no such file") from None
    except (pa.ArrowException, OSError) as e:
        reason = "empty file, not Parquet" if Path(path).stat().st_size == 0 else f"not a Parquet file ({e})"
        raise DataError(path, None, reason) from None
    check_header(path, None, list(pf.schema_arrow.names))
    if pf.metadata.num_rows == 0:
        raise DataError(path, None, "empty Parquet file: no rows")
    row_no = 0
    groups = None
    if row_group is not None:
        groups = [row_group]
        row_no = sum(pf.metadata.row_group(i).num_rows for i in range(row_group))
    for batch in pf.iter_batches(batch_size=BATCH, row_groups=groups):
        for row in batch.to_pylist():
            row_no += 1
            yield None, row_no, row


def read_delimited(path: str, delimiter: str, text_column: str, id_column: str | None = None,
                   article: bool = False, stats: ReadStats | None = None,
                   reserved: Sequence[str] = RESERVED) -> Iterator[Item]:
    """Items from a CSV (``,``) or TSV (``\\t``) file with a header row, or stdin ('-')."""
    stats = stats if stats is not None else ReadStats()
    check = partial(_check_columns, text_column=text_column, id_column=id_column, reserved=reserved)
    name = "<stdin>" if path == "-" else path
    for line, row_no, row in delimited_rows(path, delimiter, check):
        yield from _row_items(name, line, row_no, row, text_column, id_column, article, stats)


def read_parquet(path: str, text_column: str, id_column: str | None = None, article: bool = False,
                 stats: ReadStats | None = None, row_group: int | None = None,
                 reserved: Sequence[str] = RESERVED) -> Iterator[Item]:
    """Items from a Parquet file (or one of its row groups), a record batch at a time; column
    types are kept."""
    stats = stats if stats is not None else ReadStats()
    check = partial(_check_columns, text_column=text_column, id_column=id_column, reserved=reserved)
    for line, row_no, row in parquet_rows(path, check, row_group):
        yield from _row_items(path, line, row_no, row, text_column, id_column, article, stats)


def read_folder(path: str, stats: ReadStats | None = None) -> Iterator[Item]:
    """Each .txt file of a folder (sorted by name) as one article; its name is the article id."""
    files = sorted(p for p in Path(path).glob("*.txt") if p.is_file())
    if not files:
        raise DataError(path, None, "folder has no .txt files")
    for p in files:
        yield from read_article_file(p, stats)


def read_article_file(path: str | Path, stats: ReadStats | None = None) -> Iterator[Item]:
    """One .txt article of a folder: its sentences, with the file name as article id."""
    p = Path(path)
    text = "\n".join(line for _, line in numbered_lines(p))
    yield from _article_items(text, p.stem, {}, stats if stats is not None else ReadStats())


def read_table(path: str, fmt: str, text_column: str, id_column: str | None = None, article: bool = False,
               stats: ReadStats | None = None, reserved: Sequence[str] = RESERVED) -> Iterator[Item]:
    """``reserved``: the columns the output will write (``reserved_columns(model.schema)``)."""
    if fmt == "folder":
        return read_folder(path, stats)
    if fmt == "parquet":
        return read_parquet(path, text_column, id_column, article, stats, reserved=reserved)
    return read_delimited(path, "\t" if fmt == "tsv" else ",", text_column, id_column, article, stats, reserved)


def read_source(path: str, fmt: str, text_column: str | None = None, id_column: str | None = None,
                article: bool = False, stats: ReadStats | None = None, row_group: int | None = None
                ) -> Iterator[Item]:
    """The items of one input as ``predict`` reads it: a table (or one Parquet row group), a
    folder of articles, one article file ('article-file'), or lines / jsonl / article."""
    from .inputs import read_items

    column = text_column or default_text_column(article)
    if fmt == "parquet" and row_group is not None:
        return read_parquet(path, column, id_column, article, stats, row_group)
    if fmt == "article-file":
        return read_article_file(path, stats)
    if fmt in (*TABLE_FORMATS, "folder"):
        return read_table(path, fmt, column, id_column, article, stats)
    return read_items([path], fmt, stats)


def frame_items(df: Any, text_column: str = "text", id_column: str | None = None,
                article: bool = False, reserved: Sequence[str] = RESERVED) -> Iterator[Item]:
    """Items from a pandas DataFrame (for ``Model.predict_frame``)."""
    _check_columns("DataFrame", None, [str(c) for c in df.columns], text_column, id_column, reserved)
    stats = ReadStats()
    for row_no, row in enumerate(df.to_dict("records"), 1):
        yield from _row_items("DataFrame", None, row_no, row, text_column, id_column, article, stats)


def _pyarrow_parquet():
    try:
        import pyarrow.parquet as pq
    except ImportError:
        raise VnstanceError("Parquet needs the tables extra: pip install 'vnstance[tables]'") from None
    return pq


def chain(sources: Iterable[Iterator[Item]]) -> Iterator[Item]:
    for s in sources:
        yield from s
