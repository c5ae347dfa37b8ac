"""The answers file: one JSON line per labelled sentence, durable as soon as an answer is confirmed.

The rule, which keeps the file a valid ``--data`` file for ``vnstance eval`` and ``train`` at
every moment (one line per id, gold fields plus ``annotator``, ``selected_by``, ``labelled_at``):

- a new answer is appended as one line, then flushed and fsynced before the API replies;
- a new answer to an id already in the file (a second browser tab, a changed mind) and an
  undo rewrite the whole file: a temp file beside it, fsynced, renamed over it, and the
  directory fsynced. The last answer wins; an undone answer leaves no line.

So a kill -9, a power cut or a closed browser between answers loses nothing that was
confirmed. Opening a file that was cut in the middle of a line (a crash during a write that
was never confirmed) drops that partial last line, and a file with repeated ids (concatenated
by hand) keeps the last of each; both are rewritten once, with a warning.
"""

from __future__ import annotations

import json
import os
import threading
import warnings
from datetime import datetime, timezone
from pathlib import Path
from typing import IO, Any, Iterator

from ..errors import DataError

try:
    import fcntl
except ImportError:  # Windows: no lock; one server per file is then up to the user
    fcntl = None  # type: ignore[assignment]
from ..dataset import rows_targets
from ..schema import DEFAULT, Schema
from ..textfiles import atomic_file, json_object, numbered_lines

TEXT_FIELDS = ("id", "doc", "text")  # and a field per head of the schema


def utc_now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds").replace("+00:00", "Z")


def check_labels(labels: dict[str, Any], schema: Schema = DEFAULT) -> dict[str, str]:
    """A label per head of ``schema``, checked; ValueError names the first bad one."""
    out = {}
    allowed = schema.labels
    for h in schema.heads:
        value = labels.get(h)
        if value not in allowed[h]:
            raise ValueError(f"{h} must be one of {', '.join(allowed[h])}, got {value!r}")
        out[h] = value
    return out


def _line(record: dict[str, Any]) -> str:
    return json.dumps(record, ensure_ascii=False) + "\n"


def _fsync_dir(path: Path) -> None:
    fd = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


class AnswerStore:
    """The answers in ``path``, kept in memory by id (file order) and on disk as described above.

    Thread-safe: the web app's handlers run in a thread pool.
    """

    def __init__(self, path: str | Path, exclusive: bool = False, schema: Schema = DEFAULT) -> None:
        """``exclusive``: hold a lock on ``.<name>.lock`` beside the file for the life of the
        store, so that a second ``vnstance label`` on the same file fails at once instead of
        dropping the first one's answers at its next rewrite.

        ``schema``: the heads every answer has. An existing file must hold answers of this
        schema (its rows' target fields are checked line by line), so that answers of two
        schemas are never mixed in one file."""
        self.path = Path(path)
        self.schema = schema
        self._lock = threading.Lock()
        self._records: dict[str, dict[str, Any]] = {}
        self._lockfile = self._hold_lock() if exclusive and fcntl is not None else None
        try:
            repair = self._load()
        except BaseException:
            self.close()
            raise
        if repair:
            warnings.warn(f"{self.path}: {repair}; rewrote the file with one line per id")
            self._rewrite()

    def _load(self) -> str | None:
        if not self.path.exists():
            return None
        if self.path.is_dir():
            raise DataError(self.path, None, "is a directory, not a file")
        body, sep, tail = self.path.read_bytes().rpartition(b"\n")
        lines = body.split(b"\n") if sep else []
        problems = []
        if tail:  # no line end after the last line: a write cut short, or a hand edit
            try:
                json.loads(tail.decode("utf-8"))
                lines.append(tail)
                problems.append("the last line had no line end")
            except (UnicodeDecodeError, json.JSONDecodeError):
                problems.append(f"dropped an unfinished last line (line {len(lines) + 1})")
        repeated = 0
        rows: list[tuple[int, dict[str, Any]]] = []
        for no, raw in enumerate(lines, 1):
            try:
                line = raw.decode("utf-8").rstrip("\r")
            except UnicodeDecodeError as e:
                raise DataError(self.path, no, f"invalid UTF-8 (byte {e.start + 1} of the line)") from None
            if not line.strip():
                continue
            obj = json_object(self.path, no, line)
            for k in TEXT_FIELDS:
                if not isinstance(obj.get(k), str):
                    raise DataError(self.path, no, f"missing or non-string field {k!r}")
            rows.append((no, obj))
        rows_targets(self.path, rows, self.schema)
        for no, obj in rows:
            try:
                check_labels(obj, self.schema)
            except ValueError as e:
                raise DataError(self.path, no, str(e)) from None
            if obj["id"] in self._records:
                repeated += 1
                del self._records[obj["id"]]  # the last answer wins, in the position it was given
            self._records[obj["id"]] = obj
        if repeated:
            problems.append(f"{repeated} repeated id(s), kept the last answer of each")
        return "; ".join(problems) or None

    def _hold_lock(self) -> IO[bytes]:
        lock_path = self.path.with_name(f".{self.path.name}.lock")
        try:
            f = open(lock_path, "ab")
        except OSError as e:
            raise DataError(lock_path, None, f"cannot write: {e.strerror}") from None
        try:
            fcntl.flock(f.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            f.close()
            raise DataError(self.path, None, "another vnstance label is writing this file; "
                                             "give each annotator their own --out") from None
        return f

    def close(self) -> None:
        """Release the lock (the file itself is always closed between writes)."""
        if self._lockfile is not None:
            self._lockfile.close()
            self._lockfile = None

    def __contains__(self, ident: str) -> bool:
        return ident in self._records

    def __len__(self) -> int:
        return len(self._records)

    def get(self, ident: str) -> dict[str, Any] | None:
        return self._records.get(ident)

    def records(self) -> Iterator[dict[str, Any]]:
        with self._lock:
            return iter(list(self._records.values()))

    def last(self) -> dict[str, Any] | None:
        with self._lock:
            return next(reversed(self._records.values()), None)

    def put(self, record: dict[str, Any]) -> None:
        """Save an answer (replacing any earlier one for its id); durable when this returns.
        If the write fails, memory keeps agreeing with the file."""
        with self._lock:
            ident = record["id"]
            if ident in self._records:
                records = {k: v for k, v in self._records.items() if k != ident}
                records[ident] = record
                self._rewrite(records)
                self._records = records
            else:
                self._append(record)
                self._records[ident] = record

    def remove(self, ident: str) -> dict[str, Any] | None:
        """Forget the answer for ``ident`` (undo); durable when this returns."""
        with self._lock:
            if ident not in self._records:
                return None
            records = {k: v for k, v in self._records.items() if k != ident}
            self._rewrite(records)
            return self._records.pop(ident)

    def _append(self, record: dict[str, Any]) -> None:
        new = not self.path.exists()
        try:
            with open(self.path, "a", encoding="utf-8") as f:
                f.write(_line(record))
                f.flush()
                os.fsync(f.fileno())
            if new:
                _fsync_dir(self.path)
        except OSError as e:
            raise DataError(self.path, None, f"cannot write: {e.strerror}") from None

    def _rewrite(self, records: dict[str, dict[str, Any]] | None = None) -> None:
        with atomic_file(self.path) as f:
            for r in (self._records if records is None else records).values():
                f.write(_line(r))
        _fsync_dir(self.path)


def random_rows(path: str | Path, out: str | Path, rest: str | Path | None = None) -> tuple[int, int]:
    """Copy the rows of an answers file that were chosen at random (``selected_by`` "random") to
    ``out``, and optionally the others to ``rest``, atomically. The random rows are the unbiased
    sample to score a model on; the rest can train it. Returns (random rows, all rows)."""
    picked, others, rows = [], [], []
    for no, line in numbered_lines(path):
        if not line.strip():
            continue
        obj = json_object(path, no, line)
        rows.append((no, obj))
        (picked if obj.get("selected_by") == "random" else others).append(line + "\n")
    rows_targets(path, rows)  # every row labelled for the same targets
    total = len(rows)
    if not picked:
        raise DataError(path, None, f"none of its {total} row(s) has \"selected_by\": \"random\"")
    with atomic_file(out) as f:
        f.writelines(picked)
    if rest is not None:
        with atomic_file(rest) as f:
            f.writelines(others)
    return len(picked), total
