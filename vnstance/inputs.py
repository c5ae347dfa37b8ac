"""Reading sentences to label: plain lines, JSON Lines, or raw articles; files or stdin ('-').

Everything is read lazily, one line at a time, so input size does not bound memory, and
every error names the file and line.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Collection, Iterator, Sequence

from .errors import DataError
from .textfiles import json_object, numbered_lines

FORMATS = ("lines", "jsonl", "article")


@dataclass
class Item:
    text: str
    id: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)  # other JSONL fields, passed through


@dataclass
class ReadStats:
    skipped_empty: int = 0


def _jsonl_item(name: str, no: int, line: str) -> Item:
    obj = json_object(name, no, line)
    text = obj.pop("text", None)
    if not isinstance(text, str):
        raise DataError(name, no, "missing \"text\" (a string)" if text is None else "\"text\" must be a string")
    if not text.strip():
        raise DataError(name, no, "blank \"text\"")
    ident = obj.pop("id", None)
    return Item(text=text, id=None if ident is None else str(ident), extra=obj)


def read_items(paths: Sequence[str], fmt: str, stats: ReadStats | None = None,
               sections: Collection[str] | None = None) -> Iterator[Item]:
    """Sentences to label, in input order. Articles' sentences carry their ``section``
    (headline, body, caption, related); ``sections`` keeps only those."""
    stats = stats if stats is not None else ReadStats()
    for path in paths or ["-"]:
        name = "<stdin>" if path == "-" else path
        if fmt == "article":
            from .features.articles import article_sections  # underthesea: not at start-up

            text = "\n".join(line for _, line in numbered_lines(path))
            stem = "stdin" if path == "-" else Path(path).stem
            for i, (sentence, section) in enumerate(article_sections(text), 1):  # ids count every sentence
                if sections is None or section in sections:
                    yield Item(text=sentence, id=f"{stem}-{i:03d}", extra={"section": section})
            continue
        for no, line in numbered_lines(path):
            if not line.strip():
                stats.skipped_empty += 1
                continue
            yield _jsonl_item(name, no, line) if fmt == "jsonl" else Item(text=line.strip())
