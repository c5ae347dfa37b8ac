"""User-facing errors: the CLI prints them as one line and exits with status 2."""

from __future__ import annotations

from pathlib import Path


class VnstanceError(Exception):
    """A problem with the user's input, files or model, not a bug in vnstance."""


class DataError(VnstanceError):
    """A problem at a known place in an input file."""

    def __init__(self, path: str | Path, line: int | None, message: str) -> None:
        self.path = str(path)
        self.line = line
        self.message = message
        where = f"{self.path}:{line}" if line is not None else self.path
        super().__init__(f"{where}: {message}")
