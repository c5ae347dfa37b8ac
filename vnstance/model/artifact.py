"""The model file: one joblib artifact plus its SHA-256 digest in a small file beside it.

Loading a joblib file runs code from it, so nothing is unpickled before its digest is
checked, and the bytes that were checked are the bytes unpickled (the file is read once).

Model and digest are replaced as a unit: a writer holds an exclusive lock (``flock`` on the
model's folder) while it renames the model into place and then the digest (the digest
last); a reader holds a shared lock while it reads the digest (first) and then the model.
So two trainings writing the same path leave one matching pair, and a service that
(re)loads while a training finishes reads the old pair or the new one, never a mix. Where
the lock cannot be taken (no ``fcntl``, a file system without ``flock``) a reader that
catches a pair mid-replacement still refuses it: the digest will not match.

The recorded digest only proves the file is the one ``vnstance train`` wrote next to it:
whoever can write the folder can replace both. To trust a model, pin its digest
(``--model-sha256`` or VNSTANCE_MODEL_SHA256); a pinned digest is checked instead of the file.
"""

from __future__ import annotations

import hashlib
import io
import os
import re
import warnings
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator

# joblib and scikit-learn are imported where used: the command line imports this module
# (for ENV_SHA256) before it can handle Ctrl-C, and they take a second to import.
from ..errors import VnstanceError
from ..textfiles import atomic_file

try:
    import fcntl
except ImportError:  # pragma: no cover - not on Windows
    fcntl = None  # type: ignore[assignment]

FORMAT = "vnstance-model/5"  # /5: the stance levers measured and dropped are gone, and the vocabulary is compact; /4: the targets (schema) and a user lexicon in the pipeline; /3: cue features with attitude/event classes and roles; /2: features read View objects
ENV_SHA256 = "VNSTANCE_MODEL_SHA256"  # the pinned digest of the one model to accept
_SHA256 = re.compile(r"[0-9a-f]{64}")


class VersionWarning(UserWarning):
    """The model was trained with another scikit-learn version than the one loading it."""


def digest_path(path: str | Path) -> Path:
    return Path(f"{path}.sha256")


@contextmanager
def _locked(path: Path, exclusive: bool) -> Iterator[None]:
    """Hold the lock of the model's folder (``flock`` on the directory itself: no lock file
    to leave behind, and a reader needs no write permission). Where it cannot be taken, go
    on without it: a mixed pair still fails the digest check."""
    if fcntl is None:
        yield
        return
    folder = path.parent
    try:
        if exclusive:
            folder.mkdir(parents=True, exist_ok=True)
        fd = os.open(folder, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    except OSError:
        yield
        return
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX if exclusive else fcntl.LOCK_SH)
        except OSError:  # a file system without flock
            pass
        yield
    finally:
        os.close(fd)  # releases the lock


def write_atomic(path: str | Path, data: bytes) -> None:
    """Write to a temp file in the same folder and rename, so no reader sees half a file."""
    with atomic_file(path, "wb") as f:
        f.write(data)


def write_pair(path: str | Path, data: bytes) -> str:
    """Write model bytes and their digest file as a unit (see the module docstring)."""
    path = Path(path)
    sha = hashlib.sha256(data).hexdigest()
    with _locked(path, exclusive=True):
        write_atomic(path, data)
        write_atomic(digest_path(path), f"{sha}  {path.name}\n".encode())
    return sha


def pinned(sha256: str | None = None) -> str | None:
    """The pinned digest: the argument, else VNSTANCE_MODEL_SHA256, else None."""
    pin = sha256 if sha256 is not None else os.environ.get(ENV_SHA256) or None
    if pin is None:
        return None
    pin = pin.strip().lower()
    if not _SHA256.fullmatch(pin):
        raise VnstanceError(f"the pinned model digest {pin[:80]!r} is not a SHA-256 (64 hex digits)")
    return pin


def _recorded(path: Path) -> str:
    where = digest_path(path)
    try:
        text = where.read_bytes().decode("ascii")
    except FileNotFoundError:
        if not path.exists():
            raise VnstanceError(f"{path}: no such model file (train one with `vnstance train`)") from None
        raise VnstanceError(f"{where}: no recorded digest for the model; refusing to load it") from None
    except OSError as e:
        raise VnstanceError(f"{where}: cannot read the recorded digest: {e.strerror}; "
                            "refusing to load the model") from None
    except UnicodeDecodeError:
        text = ""
    first = text.split()[0].lower() if text.split() else ""
    if not _SHA256.fullmatch(first):
        raise VnstanceError(f"{where}: not a SHA-256 digest file; refusing to load the model")
    return first


def read_verified(path: str | Path, sha256: str | None = None) -> tuple[bytes, str]:
    """The model's bytes, read once, after checking them against the pinned digest (the
    ``sha256`` argument or VNSTANCE_MODEL_SHA256) or else the recorded one."""
    path = Path(path)
    pin = pinned(sha256)
    with _locked(path, exclusive=False):
        expected = pin or _recorded(path)
        try:
            data = path.read_bytes()
        except FileNotFoundError:
            raise VnstanceError(f"{path}: no such model file (train one with `vnstance train`)") from None
        except IsADirectoryError:
            raise VnstanceError(f"{path}: is a directory, not a model file") from None
        except OSError as e:
            raise VnstanceError(f"{path}: cannot read model: {e.strerror}") from None
    actual = hashlib.sha256(data).hexdigest()
    if actual != expected:
        source = "pinned" if pin else "recorded"
        raise VnstanceError(
            f"{path}: SHA-256 {actual[:12]}… does not match the {source} {expected[:12]}…; "
            "refusing to load a model that may be corrupt or altered")
    return data, actual


def save(obj: dict[str, Any], path: str | Path) -> str:
    """Save the artifact and its digest file; returns the SHA-256."""
    import joblib

    buf = io.BytesIO()
    joblib.dump({"format": FORMAT, **obj}, buf, compress=3)
    return write_pair(path, buf.getvalue())


def check(obj: Any, path: str | Path) -> dict[str, Any]:
    """What was unpickled is a vnstance model of this format, with the parts predict uses."""
    from sklearn.pipeline import Pipeline

    if not isinstance(obj, dict) or not str(obj.get("format", "")).startswith("vnstance-model/"):
        raise VnstanceError(f"{path}: not a vnstance model (expected format {FORMAT})")
    if obj["format"] != FORMAT:
        raise VnstanceError(f"{path}: a {obj['format']} model; this vnstance reads {FORMAT}: "
                            "retrain it with `vnstance train`")
    pipe = obj.get("pipeline")
    if not isinstance(pipe, Pipeline):
        raise VnstanceError(f"{path}: not a vnstance model (no scikit-learn Pipeline under \"pipeline\")")
    steps = dict(pipe.steps) if isinstance(getattr(pipe, "steps", None), list) else {}
    if not (hasattr(steps.get("prepare"), "transform") and hasattr(steps.get("tagger"), "predict_proba")):
        raise VnstanceError(f"{path}: not a vnstance model (its pipeline lacks the prepare and tagger steps)")
    if not isinstance(obj.get("meta", {}), dict):
        raise VnstanceError(f"{path}: not a vnstance model (\"meta\" is not a mapping)")
    return obj


def load(path: str | Path, sha256: str | None = None) -> tuple[dict[str, Any], str]:
    """Check the digest (pinned, else recorded), unpickle, check what came out.
    Returns (artifact, sha256)."""
    import joblib
    import sklearn

    data, actual = read_verified(path, sha256)
    try:
        obj = joblib.load(io.BytesIO(data))
    except Exception as e:  # a file that matches its digest but is not a joblib artifact
        raise VnstanceError(f"{path}: not a vnstance model ({type(e).__name__})") from None
    check(obj, path)
    versions = obj.get("meta", {}).get("versions")
    trained = versions.get("scikit-learn") if isinstance(versions, dict) else None
    if trained and trained != sklearn.__version__:
        warnings.warn(f"{path}: model trained with scikit-learn {trained}, loaded with {sklearn.__version__}; "
                      "predictions may differ: retrain to be sure", VersionWarning, stacklevel=3)
    return obj, actual
