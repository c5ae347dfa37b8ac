"""What each head's features read: a sentence's words as one string, masked for a target.

Words are joined by spaces with their syllables joined by '_' ("OTHER cáo_buộc TARGET
hậu_thuẫn khủng_bố"). Masking puts one placeholder for the head's own target and another for
the other target, so that one stance model can learn from both targets' examples and learn
direction rather than names.
"""

from __future__ import annotations

from .prepare import Prepared

TARGET = "TARGET"
OTHER = "OTHER"


def view(p: Prepared, target: str | None = None) -> str:
    """The sentence's words as a string; with a target, its mentions masked."""
    tags = p.mention_tags()
    out = []
    for w, tag in zip(p.words, tags):
        if target is not None and tag is not None:
            out.append(TARGET if tag == target else OTHER)
        else:
            out.append(w.replace(" ", "_"))
    return " ".join(out)
