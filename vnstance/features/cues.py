"""Cue-word features: which cues a sentence has, and where they stand relative to the target.

The cue lexicon is data (lexicon/cues.tsv); cues are found once per sentence when it is
prepared (features/cuewords.py). Features are position-aware so that a linear model can
learn direction: a criticism cue right after OTHER and before TARGET ("OTHER cáo buộc
TARGET") points against TARGET; the same cue right after TARGET points against OTHER.
"""

from __future__ import annotations

from .terms import TermCounts
from .views import View

CLASSES = ("against", "favor", "harm")
PASSIVE = ("bị", "được")


def cue_features(view: View, window: int = 5) -> list[str]:
    """Names of the binary cue features one view has."""
    tokens = view.tokens
    cues = view.prepared.cues
    targets, others = view.places()
    feats: dict[str, None] = {}  # ordered and without repeats
    negators = {i for i, c in cues if c == "negator"}
    contrast = max((i for i, c in cues if c == "contrast"), default=-1)
    for i, cls in cues:
        if cls == "negator" or cls == "contrast":
            continue
        if cls == "speech":  # the target is the speaker of a reporting verb (guideline rule 1)
            for label, places in (("target", targets), ("other", others)):
                if any(0 < i - p <= 3 for p in places):
                    feats[f"{label}_speaks"] = None
            continue
        key = f"cue=not_{cls}" if (i - 1 in negators or i - 2 in negators) else f"cue={cls}"
        feats[key] = None
        if contrast >= 0:  # guideline rule 4: after "nhưng" / "tuy nhiên" the later clause carries the point
            feats[f"{key}|{'after' if i > contrast else 'before'}_contrast"] = None
        for label, places in (("target", targets), ("other", others)):
            for p in places:
                if 0 < i - p <= window:
                    feats[f"{key}|after_{label}"] = None
                elif 0 < p - i <= window:
                    feats[f"{key}|before_{label}"] = None
    for p in targets:
        for w in tokens[max(0, p - 2):p]:
            feats[f"left={w}"] = None
        for w in tokens[p + 1:p + 3]:
            feats[f"right={w}"] = None
        if p > 0 and tokens[p - 1] in PASSIVE:
            feats[f"{tokens[p - 1]}_before_target"] = None
        if any(w in PASSIVE for w in tokens[p + 1:p + 4]):
            feats["target_passive"] = None
        if p <= 2:
            feats["target_leads"] = None
    return list(feats)


class CueFeatures(TermCounts):
    """Binary cue features (features/lexicon/cues.tsv) for a list of views."""

    def __init__(self, window: int = 5) -> None:
        self.window = window

    def terms(self, view: View) -> list[str]:
        return cue_features(view, self.window)
