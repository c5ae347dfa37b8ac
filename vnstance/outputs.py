"""Writing labelled sentences: JSON Lines or an aligned table; stdout or a file written atomically."""

from __future__ import annotations

import json
import shutil
import sys
from contextlib import contextmanager
from typing import IO, Any, Iterator

from .inputs import Item
from .textfiles import atomic_file

OUTPUT_FORMATS = ("jsonl", "table")


def record(item: Item, pred: dict[str, Any]) -> dict[str, Any]:
    """The output object: passed-through fields, then id, then the prediction (text first)."""
    return {**item.extra, **({"id": item.id} if item.id is not None else {}), **pred}


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
def output_stream(path: str | None) -> Iterator[IO[str]]:
    """stdout, or a temp file beside ``path`` renamed into place only when all went well."""
    if path is None or path == "-":
        yield sys.stdout
        sys.stdout.flush()
        return
    with atomic_file(path) as f:
        yield f
