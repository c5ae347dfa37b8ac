"""Files: read line by line with errors that name the file and line; written atomically;
JSON parsed with limits."""

from __future__ import annotations

import errno
import json
import os
import re
import sys
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any, Callable, Iterator

from .errors import DataError

BOM = "\ufeff"


def open_binary(path: str | Path) -> IO[bytes]:
    """The file, or stdin for '-'; a missing or unreadable file is a one-line DataError."""
    if str(path) == "-":
        if sys.stdin is None:  # started with stdin closed (`<&-`)
            raise DataError("<stdin>", None, "stdin is closed")
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
    line, so that invalid bytes are reported at their line. A byte-order mark at the start
    of the file is dropped. ``tap`` sees every raw line (to hash the file while reading it)."""
    name = "<stdin>" if str(path) == "-" else str(path)
    f = open_binary(path)
    try:
        try:
            for no, raw in enumerate(f, 1):
                if tap is not None:
                    tap(raw)
                try:
                    line = raw.decode("utf-8").rstrip("\r\n")
                except UnicodeDecodeError as e:
                    raise DataError(name, no, f"invalid UTF-8 (byte {e.start + 1} of the line)") from None
                yield no, (line[1:] if no == 1 and line.startswith(BOM) else line)
        except OSError as e:  # EIO, a closed or unreadable stdin, a file gone bad mid-read
            raise DataError(name, None, f"cannot read: {e.strerror or e}") from None
        except ValueError as e:  # reading a closed stream
            raise DataError(name, None, f"cannot read: {e}") from None
    finally:
        if f is not sys.stdin.buffer:
            f.close()


# Limits on untrusted JSON: Python's parser recurses once per nesting level (a few thousand
# levels end in RecursionError) and converts integers digit by digit (thousands of digits
# are slow, then a ValueError); a lone surrogate ("\ud800") parses but cannot be written as
# UTF-8 later. Real input is nowhere near these.
MAX_DEPTH = 64
MAX_NUMBER_CHARS = 100

_STRINGS = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"')
_BRACKETS = re.compile(r"[\[\]{}]")
_SURROGATE = re.compile("[\ud800-\udfff]")
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")


class JsonError(ValueError):
    """Untrusted JSON that is malformed or past a limit."""


def _number(kind: str) -> Callable[[str], Any]:
    convert = int if kind == "int" else float

    def parse(s: str) -> Any:
        if len(s) > MAX_NUMBER_CHARS:
            raise JsonError(f"a number of {len(s)} characters (at most {MAX_NUMBER_CHARS})")
        return convert(s)
    return parse


def _constant(name: str) -> Any:
    raise JsonError(f"{name} is not valid JSON")


def _check_strings(obj: Any) -> None:
    """Reject lone surrogates anywhere (keys too); ``obj`` is already known to be shallow."""
    stack = [obj]
    while stack:
        x = stack.pop()
        if isinstance(x, str):
            if _SURROGATE.search(x):
                raise JsonError("a lone surrogate (\\ud800-\\udfff escape) in a string")
        elif isinstance(x, dict):
            stack.extend(x.keys())
            stack.extend(x.values())
        elif isinstance(x, list):
            stack.extend(x)


def loads_limited(text: str | bytes) -> Any:
    """``json.loads`` for untrusted input: nesting over MAX_DEPTH, numbers over
    MAX_NUMBER_CHARS characters, NaN/Infinity and lone surrogates raise JsonError (as does
    malformed JSON), never RecursionError or a slow conversion."""
    if isinstance(text, (bytes, bytearray)):
        try:
            text = bytes(text).decode("utf-8-sig")
        except UnicodeDecodeError as e:
            raise JsonError(f"invalid UTF-8 (byte {e.start + 1})") from None
    elif text.startswith(BOM):
        text = text[1:]
    depth = deepest = 0
    opened = text.count("[") + text.count("{")  # no deeper than this: most lines need no scan
    for m in _BRACKETS.finditer(_STRINGS.sub("", text) if opened > MAX_DEPTH else ""):
        depth += 1 if m.group() in "[{" else -1
        if depth > deepest:
            deepest = depth
            if deepest > MAX_DEPTH:
                raise JsonError(f"nested more than {MAX_DEPTH} deep")
    try:
        obj = json.loads(text, parse_int=_number("int"), parse_float=_number("float"), parse_constant=_constant)
    except json.JSONDecodeError as e:
        raise JsonError(f"{e.msg} (column {e.colno})") from None
    except RecursionError:  # unreachable after the depth scan; kept as a guard
        raise JsonError(f"nested more than {MAX_DEPTH} deep") from None
    if _SURROGATE_ESCAPE.search(text) or _SURROGATE.search(text):  # else none can be in obj
        _check_strings(obj)
    return obj


def json_object(path: str | Path, no: int, line: str) -> dict:
    """One JSON Lines line that must hold an object."""
    try:
        obj = loads_limited(line)
    except JsonError as e:
        raise DataError(path, no, f"invalid JSON: {e}") from None
    if not isinstance(obj, dict):
        raise DataError(path, no, f"expected a JSON object, got {type(obj).__name__}")
    return obj


_CONTROL = {c: f"\\x{c:02x}" for c in [*range(0x20), 0x7f, *range(0x80, 0xa0)]}
_CONTROL.update({0x09: "\\t", 0x0a: "\\n", 0x0d: "\\r", 0x1b: "\\e"})


def printable(s: str) -> str:
    """``s`` with control characters (escape sequences, carriage returns) shown as escapes:
    for text printed to a terminal."""
    return s.translate(_CONTROL)


def umask() -> int:
    """The process umask, read without changing it where Linux shows it (no race with threads)."""
    try:
        with open("/proc/self/status", encoding="ascii") as f:
            for line in f:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError):
        pass
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


# Errors of the disk rather than of the program: reported in one line, never a traceback.
DISK_ERRORS = {errno.ENOSPC, errno.EDQUOT, errno.EFBIG, errno.EIO, errno.EROFS}


@contextmanager
def _special_file(path: Path, mode: str) -> Iterator[IO[Any]]:
    """A device or a pipe is written in place: renaming a temp file over it would replace it."""
    try:
        f = open(path, mode.replace("w", "a") if "w" in mode else mode,
                 **({} if "b" in mode else {"encoding": "utf-8"}))
    except OSError as e:
        raise DataError(path, None, f"cannot write: {e.strerror}") from None
    try:
        with f:
            yield f
    except OSError as e:
        if e.errno in DISK_ERRORS:
            raise DataError(path, None, f"cannot write: {e.strerror}") from None
        raise


def write_json(obj: Any, path: str | Path) -> None:
    """``obj`` as indented UTF-8 JSON (not \\u escapes) with a final newline, atomically."""
    with atomic_file(path) as f:
        f.write(json.dumps(obj, ensure_ascii=False, indent=1) + "\n")


@contextmanager
def atomic_file(path: str | Path, mode: str = "w") -> Iterator[IO[Any]]:
    """A temp file beside ``path``, renamed into place only when the block ends well, so no
    reader ever sees half a file and an error, Ctrl-C or SIGTERM leaves none behind. The file
    gets the permissions of any new file (0666 less the umask), not mkstemp's 0600. A full
    disk or a file-size limit is a one-line DataError."""
    path = Path(path)
    if path.exists() and not path.is_file() and not path.is_dir():  # /dev/null, /dev/full, a FIFO
        with _special_file(path, mode) as f:
            yield f
        return
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    except OSError as e:  # a parent that is a file, no permission, a read-only disk
        raise DataError(path, None, f"cannot write: {e.strerror}") from None
    try:
        os.fchmod(fd, 0o666 & ~umask())
        with os.fdopen(fd, mode, **({} if "b" in mode else {"encoding": "utf-8"})) as f:
            yield f
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except OSError as e:
        Path(tmp).unlink(missing_ok=True)
        if e.errno in DISK_ERRORS:
            raise DataError(path, None, f"cannot write: {e.strerror}") from None
        raise
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
