"""What each head's features read: a sentence's tokens, with a target's mentions masked.

Masking puts one placeholder for the head's own target and another for the other target
("other cáo_buộc target hậu_thuẫn khủng_bố"), so that one stance model can learn from both
targets' examples and learn direction rather than names. Placeholders are lower-case, like
every token.
"""

from __future__ import annotations

from dataclasses import dataclass

from .prepare import Prepared

TARGET = "target"
OTHER = "other"


@dataclass(frozen=True)
class View:
    """A prepared sentence as one head reads it: with ``target`` set, its mentions masked."""

    prepared: Prepared
    target: str | None = None

    @property
    def tokens(self) -> list[str]:
        tokens = list(self.prepared.tokens)
        if self.target is not None:
            for m in self.prepared.mentions:
                tokens[m.start] = TARGET if m.target == self.target else OTHER
        return tokens

    def places(self) -> tuple[list[int], list[int]]:
        """Token indices of the target's mentions and of the other target's (none when unmasked)."""
        if self.target is None:
            return [], []
        ms = self.prepared.mentions
        return [m.start for m in ms if m.target == self.target], [m.start for m in ms if m.target != self.target]

    def __str__(self) -> str:
        return " ".join(self.tokens)
