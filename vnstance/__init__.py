"""vnstance: sentence-level stance toward Russia and the US, and sentiment, in Vietnamese news."""

from __future__ import annotations

__version__ = "0.1.0"

from typing import TYPE_CHECKING, Any

from .errors import DataError, VnstanceError  # noqa: E402
from .schema import Schema  # noqa: E402  (no dependencies: cheap at start-up)

if TYPE_CHECKING:
    from .model.api import Model, load_model

__all__ = ["DataError", "Model", "Schema", "VnstanceError", "__version__", "load_model"]
_LAZY = {"Model", "load_model"}


def __getattr__(name: str) -> Any:
    """``Model`` and ``load_model`` import scikit-learn: only when first asked for (PEP 562),
    so that ``vnstance --help`` and the light modules start fast."""
    if name in _LAZY:
        from .model import api

        value = getattr(api, name)
        globals()[name] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
