"""The model file: one joblib artifact plus a recorded SHA-256 digest beside it.

Loading a joblib file runs code from it, so the digest is checked against the bytes before
anything is unpickled, and the same bytes that were checked are the ones unpickled.
"""

from __future__ import annotations

import hashlib
import io
import warnings
from pathlib import Path
from typing import Any

import joblib
import sklearn

from ..errors import VnstanceError
from ..textfiles import atomic_file

FORMAT = "vnstance-model/3"  # /3: cue features with attitude/event classes and roles; /2: features read View objects
DEFAULT_MODEL = Path("artifacts") / "model.joblib"


class VersionWarning(UserWarning):
    """The model was trained with another scikit-learn version than the one loading it."""


def digest_path(path: str | Path) -> Path:
    return Path(f"{path}.sha256")


def write_atomic(path: str | Path, data: bytes) -> None:
    """Write to a temp file in the same folder and rename, so no reader sees half a file."""
    with atomic_file(path, "wb") as f:
        f.write(data)


def save(obj: dict[str, Any], path: str | Path) -> str:
    """Save the artifact and its digest file; returns the SHA-256."""
    buf = io.BytesIO()
    joblib.dump({"format": FORMAT, **obj}, buf, compress=3)
    data = buf.getvalue()
    sha = hashlib.sha256(data).hexdigest()
    write_atomic(path, data)
    write_atomic(digest_path(path), f"{sha}  {Path(path).name}\n".encode())
    return sha


def load(path: str | Path) -> tuple[dict[str, Any], str]:
    """Check the recorded digest, then unpickle. Returns (artifact, sha256)."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise VnstanceError(f"{path}: no such model file (train one with `vnstance train`)") from None
    except OSError as e:
        raise VnstanceError(f"{path}: cannot read model: {e.strerror}") from None
    try:
        recorded = digest_path(path).read_text().split()[0].lower()
    except (OSError, IndexError):
        raise VnstanceError(f"{digest_path(path)}: no recorded digest for the model; refusing to load it") from None
    actual = hashlib.sha256(data).hexdigest()
    if actual != recorded:
        raise VnstanceError(
            f"{path}: SHA-256 {actual[:12]}… does not match the recorded {recorded[:12]}…; "
            "refusing to load a model that may be corrupt or altered")
    try:
        obj = joblib.load(io.BytesIO(data))
    except Exception as e:  # a file that matches its digest but is not a joblib artifact
        raise VnstanceError(f"{path}: not a vnstance model ({type(e).__name__})") from None
    if not isinstance(obj, dict) or not str(obj.get("format", "")).startswith("vnstance-model/"):
        raise VnstanceError(f"{path}: not a vnstance model (expected format {FORMAT})")
    if obj["format"] != FORMAT:
        raise VnstanceError(f"{path}: a {obj['format']} model; this vnstance reads {FORMAT}: "
                            "retrain it with `vnstance train`")
    trained = obj.get("meta", {}).get("versions", {}).get("scikit-learn")
    if trained and trained != sklearn.__version__:
        warnings.warn(f"{path}: model trained with scikit-learn {trained}, loaded with {sklearn.__version__}; "
                      "predictions may differ: retrain to be sure", VersionWarning, stacklevel=3)
    return obj, actual
