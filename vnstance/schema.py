"""The label schema (see seeds/GUIDELINE.md)."""

from __future__ import annotations

TARGETS: tuple[str, ...] = ("russia", "us")
STANCE_LABELS: tuple[str, ...] = ("favor", "against", "neutral", "none")
SENTIMENT_LABELS: tuple[str, ...] = ("positive", "negative", "neutral")
HEADS: tuple[str, ...] = ("russia", "us", "sentiment")
LABELS: dict[str, tuple[str, ...]] = {
    "russia": STANCE_LABELS,
    "us": STANCE_LABELS,
    "sentiment": SENTIMENT_LABELS,
}
