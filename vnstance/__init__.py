"""vnstance: sentence-level stance toward Russia and the US, and sentiment, in Vietnamese news."""

from __future__ import annotations

from typing import Any

__version__ = "0.1.0"

from .errors import DataError, VnstanceError  # noqa: E402

__all__ = ["DataError", "Model", "VnstanceError", "__version__", "load_model"]


def __getattr__(name: str) -> Any:
    """``Model`` and ``load_model`` are imported on first use: importing the package (as the
    command line does first thing) does not pull in scikit-learn before it can handle Ctrl-C."""
    if name in ("Model", "load_model"):
        from .model import api

        return getattr(api, name)
    raise AttributeError(f"module 'vnstance' has no attribute {name!r}")
