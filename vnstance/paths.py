"""Where vnstance finds its shipped data and its default model, whatever the working folder.

Standard library only: the command line imports this before anything heavy.

- Seed data (``seeds/``): the top-level folder of a checkout (running from it, or an
  editable install), else the copy a wheel installs as the package ``vnstance.seeds``.
- Default model, first that applies: the ``VNSTANCE_MODEL`` environment variable; in a
  checkout, ``artifacts/model.joblib`` at its root; otherwise a per-user data folder
  (``$XDG_DATA_HOME/vnstance`` or ``~/.local/share/vnstance`` on Linux,
  ``~/Library/Application Support/vnstance`` on macOS, ``%LOCALAPPDATA%\\vnstance`` on
  Windows). The working folder never matters.
"""

from __future__ import annotations

import os
import sys
from importlib import resources
from pathlib import Path
from typing import NamedTuple

ENV_MODEL = "VNSTANCE_MODEL"
MODEL_NAME = "model.joblib"
_PACKAGE_DIR = Path(__file__).resolve().parent


def checkout_root() -> Path | None:
    """The repository this package is imported from (its parent holds pyproject.toml naming
    vnstance, and seeds/), or None for an installed copy."""
    root = _PACKAGE_DIR.parent
    try:
        pyproject = (root / "pyproject.toml").read_text(encoding="utf-8")
    except OSError:
        return None
    if 'name = "vnstance"' not in pyproject or not (root / "seeds").is_dir():
        return None
    return root


def seeds_dir() -> Path:
    """The folder of the shipped seed data (gold, authored sets, articles)."""
    root = checkout_root()
    if root is not None:
        return root / "seeds"
    shipped = resources.files("vnstance") / "seeds"
    if not isinstance(shipped, Path):  # a zipped install: the data files need real paths
        raise RuntimeError(f"vnstance's seed data is not on the file system ({shipped}); install it unzipped")
    return shipped


def user_data_dir() -> Path:
    """The per-user data folder for vnstance (standard library only: no platformdirs)."""
    if sys.platform == "win32":
        base = os.environ.get("LOCALAPPDATA") or str(Path.home() / "AppData" / "Local")
    elif sys.platform == "darwin":
        base = str(Path.home() / "Library" / "Application Support")
    else:
        base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "vnstance"


class DefaultModel(NamedTuple):
    path: Path
    source: str  # why this path: the environment variable, the checkout or the user folder

    def describe(self) -> str:
        return f"model {self.path} ({self.source})"


def default_model() -> DefaultModel:
    """The model file used when none is named, and where that choice came from."""
    env = os.environ.get(ENV_MODEL)
    if env:
        return DefaultModel(Path(env), f"from ${ENV_MODEL}")
    root = checkout_root()
    if root is not None:
        return DefaultModel(root / "artifacts" / MODEL_NAME, f"the checkout's artifacts folder; set ${ENV_MODEL} to change")
    return DefaultModel(user_data_dir() / MODEL_NAME, f"the per-user data folder; set ${ENV_MODEL} to change")
