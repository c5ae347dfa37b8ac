"""Reading sentences to label: plain lines, JSON Lines, or raw articles; files or stdin ('-').

Everything is read lazily, one line at a time, so input size does not bound memory, and
every error names the file and line.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Collection, Iterator, Sequence

from .errors import DataError
from .textfiles import json_object, numbered_lines

FORMATS = ("lines", "jsonl", "article")
# A `lines` line longer than this is most likely a paragraph or a whole article: it is still
# labelled as one sentence (the model sees it whole), and one warning says how many there were.
MAX_LINE_CHARS = 2000
BOM = "\ufeff"
# CSV that was fed as `lines`: a header of short names ("id,text,outlet"), or rows with a
# quoted first field right before a delimiter, an id then a quoted field, or tabs. Plain
# news sentences have commas too, so commas alone are not enough.
_CSV_HEADER = re.compile(r'^\s*"?[A-Za-z_][\w.-]{0,30}"?(?:\s*[,;\t]\s*"?[A-Za-z_][\w.-]{0,30}"?)+\s*$', re.ASCII)
_CSV_ROW = re.compile(r'^"[^"]*"[,;\t](?=\S)|^[\w.-]{1,40}[,;]"|\t')


@dataclass
class Item:
    text: str
    id: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)  # other JSONL fields, passed through


@dataclass
class ReadStats:
    """What reading saw, for the one-line warnings the command prints at the end."""

    skipped_empty: int = 0
    sentences: int = 0
    long_lines: int = 0
    longest: int = 0
    first_long: str | None = None  # file:line
    csv_like: list[str] = field(default_factory=list)  # file:line of the first CSV-looking line, per file

    def warnings(self) -> list[str]:
        out = []
        for where in self.csv_like:
            out.append(f"{where}: this looks like CSV; `lines` labels each whole line as one sentence "
                       "(use --input-format csv or tsv, with --text-column if its text is not in \"text\")")
        if self.long_lines:
            out.append(f"{self.long_lines} line(s) over {MAX_LINE_CHARS:,} characters (the first at {self.first_long}, "
                       f"the longest {self.longest:,}): each was labelled as one sentence; for paragraphs or "
                       "articles use --input-format article")
        if not self.sentences:
            out.append("no input sentences")
        return out


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

            text = "\n".join(line for _, line in numbered_lines(path)).removeprefix(BOM)
            stem = "stdin" if path == "-" else Path(path).stem
            for i, (sentence, section) in enumerate(article_sections(text), 1):  # ids count every sentence
                if sections is None or section in sections:
                    stats.sentences += 1
                    yield Item(text=sentence, id=f"{stem}-{i:03d}", extra={"section": section})
            continue
        csv_seen, first = False, True
        for no, line in numbered_lines(path):
            if no == 1:
                line = line.removeprefix(BOM)
            if not line.strip():
                stats.skipped_empty += 1
                continue
            stats.sentences += 1
            if fmt == "jsonl":
                yield _jsonl_item(name, no, line)
                continue
            text = line.strip()
            if not csv_seen and (_CSV_ROW.search(line) or (first and _CSV_HEADER.match(line))):
                csv_seen = True
                stats.csv_like.append(f"{name}:{no}")
            first = False
            if len(text) > MAX_LINE_CHARS:
                stats.long_lines += 1
                stats.longest = max(stats.longest, len(text))
                stats.first_long = stats.first_long or f"{name}:{no}"
            yield Item(text=text, id=f"{name}:{no}")
