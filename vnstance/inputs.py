"""Reading sentences to label: plain lines, JSON Lines, or raw articles; files or stdin ('-').

Everything is read lazily, one line at a time, so input size does not bound memory, and
every error names the file and line.
"""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any, Iterator, Sequence

from .errors import DataError
from .features.articles import article_sentences

FORMATS = ("lines", "jsonl", "article")


@dataclass
class Item:
    text: str
    id: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)  # other JSONL fields, passed through


@dataclass
class ReadStats:
    skipped_empty: int = 0


def _open(path: str) -> IO[bytes]:
    if path == "-":
        return sys.stdin.buffer
    try:
        return open(path, "rb")
    except FileNotFoundError:
        raise DataError(path, None, "no such file") from None
    except IsADirectoryError:
        raise DataError(path, None, "is a directory, not a file") from None
    except OSError as e:
        raise DataError(path, None, f"cannot read: {e.strerror}") from None


def _lines(path: str) -> Iterator[tuple[int, str]]:
    name = "<stdin>" if path == "-" else path
    f = _open(path)
    try:
        for no, raw in enumerate(f, 1):
            try:
                yield no, raw.decode("utf-8").rstrip("\r\n")
            except UnicodeDecodeError as e:
                raise DataError(name, no, f"invalid UTF-8 (byte {e.start + 1} of the line)") from None
    finally:
        if f is not sys.stdin.buffer:
            f.close()


def _jsonl_item(name: str, no: int, line: str) -> Item:
    try:
        obj = json.loads(line)
    except json.JSONDecodeError as e:
        raise DataError(name, no, f"invalid JSON: {e.msg} (column {e.colno})") from None
    if not isinstance(obj, dict):
        raise DataError(name, no, f"expected a JSON object with \"text\", got {type(obj).__name__}")
    text = obj.pop("text", None)
    if not isinstance(text, str):
        raise DataError(name, no, "missing \"text\" (a string)" if text is None else "\"text\" must be a string")
    if not text.strip():
        raise DataError(name, no, "blank \"text\"")
    ident = obj.pop("id", None)
    return Item(text=text, id=None if ident is None else str(ident), extra=obj)


def read_items(paths: Sequence[str], fmt: str, stats: ReadStats | None = None) -> Iterator[Item]:
    """Sentences to label, in input order."""
    stats = stats if stats is not None else ReadStats()
    for path in paths or ["-"]:
        name = "<stdin>" if path == "-" else path
        if fmt == "article":
            text = "\n".join(line for _, line in _lines(path))
            stem = "stdin" if path == "-" else Path(path).stem
            for i, sentence in enumerate(article_sentences(text), 1):
                yield Item(text=sentence, id=f"{stem}-{i:03d}")
            continue
        for no, line in _lines(path):
            if not line.strip():
                stats.skipped_empty += 1
                continue
            yield _jsonl_item(name, no, line) if fmt == "jsonl" else Item(text=line.strip())
