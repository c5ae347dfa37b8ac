"""vnstance: sentence-level stance toward Russia and the US, and sentiment, in Vietnamese news."""

from __future__ import annotations

__version__ = "0.1.0"

from .errors import DataError, VnstanceError  # noqa: E402
from .model.api import Model, load_model  # noqa: E402

__all__ = ["DataError", "Model", "VnstanceError", "__version__", "load_model"]
