"""Files: read line by line with errors that name the file and line; written atomically."""

from __future__ import annotations

import json
import os
import sys
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any, Callable, Iterator

from .errors import DataError


def open_binary(path: str | Path) -> IO[bytes]:
    """The file, or stdin for '-'; a missing or unreadable file is a one-line DataError."""
    if str(path) == "-":
        return sys.stdin.buffer
    try:
        return open(path, "rb")
    except FileNotFoundError:
        raise DataError(path, None, "no such file") from None
    except IsADirectoryError:
        raise DataError(path, None, "is a directory, not a file") from None
    except OSError as e:
        raise DataError(path, None, f"cannot read: {e.strerror}") from None


def numbered_lines(path: str | Path, tap: Callable[[bytes], None] | None = None) -> Iterator[tuple[int, str]]:
    """(line number, text without its line ending), read lazily and decoded as UTF-8 line by
    line, so that invalid bytes are reported at their line. ``tap`` sees every raw line
    (to hash the file while reading it)."""
    name = "<stdin>" if str(path) == "-" else str(path)
    f = open_binary(path)
    try:
        for no, raw in enumerate(f, 1):
            if tap is not None:
                tap(raw)
            try:
                yield no, raw.decode("utf-8").rstrip("\r\n")
            except UnicodeDecodeError as e:
                raise DataError(name, no, f"invalid UTF-8 (byte {e.start + 1} of the line)") from None
    finally:
        if f is not sys.stdin.buffer:
            f.close()


def json_object(path: str | Path, no: int, line: str) -> dict:
    """One JSON Lines line that must hold an object."""
    try:
        obj = json.loads(line)
    except json.JSONDecodeError as e:
        raise DataError(path, no, f"invalid JSON: {e.msg} (column {e.colno})") from None
    if not isinstance(obj, dict):
        raise DataError(path, no, f"expected a JSON object, got {type(obj).__name__}")
    return obj


@contextmanager
def atomic_file(path: str | Path, mode: str = "w") -> Iterator[IO[Any]]:
    """A temp file beside ``path``, renamed into place only when the block ends well, so no
    reader ever sees half a file and an error or Ctrl-C leaves none behind."""
    path = Path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    except OSError as e:  # a parent that is a file, no permission, a read-only disk
        raise DataError(path, None, f"cannot write: {e.strerror}") from None
    try:
        with os.fdopen(fd, mode, **({} if "b" in mode else {"encoding": "utf-8"})) as f:
            yield f
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
