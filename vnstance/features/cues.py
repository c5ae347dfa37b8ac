"""Cue-word features: which cues a sentence has, and where they stand relative to the target.

The cue lexicon is data (lexicon/cues.tsv); cues are found once per sentence when it is
prepared (features/cuewords.py). Stance gets evidence of its own, apart from sentiment:

- Attitude cues (criticise, accuse, condemn, complain, demand an explanation; praise,
  welcome, thank) and acts (attack, sanction, refuse; cooperate, negotiate, aid) are kept
  apart from event words (explosion, fire, death, crisis, slump), which make a sentence bad
  news but, by guideline 1.2, say nothing about anyone's attitude; sympathy cues (condolences)
  are a class of their own.
- Features are position-aware so that a linear model can learn direction: a criticism cue
  right after OTHER and before TARGET ("OTHER cáo buộc TARGET") points against TARGET; the
  same cue right after TARGET points against OTHER.
- With ``roles``, who does what to whom: the target as the agent of a cue (the nearest
  mention before it) or its object (the nearest mention after it, or the subject of a
  passive "bị"); who is reported as saying it (the mention just before a reporting verb);
  and sentence-level flags for bad news with no attitude word at all.

Every lookup scans a fixed window around a cue in an array indexed by token position, so the
cost is linear in the sentence's length (a sentence with thousands of mentions and cues
costs thousands of steps, not millions).
"""

from __future__ import annotations

from .terms import TermCounts
from .views import View

PASSIVE = ("bị", "được")
STRUCTURAL = ("negator", "contrast", "speech")
ATTITUDE = ("attitude_against", "attitude_favor", "act_against", "act_favor", "sympathy")
# The classes before stance and sentiment evidence were split (the ablation's "merged" row).
MERGED = {"attitude_against": "against", "act_against": "against", "attitude_favor": "favor",
          "act_favor": "favor", "sympathy": "favor", "event": "harm"}
SPEECH_REACH = 3  # a mention at most this many words before a reporting verb is its speaker


def _nearest(owner: list[str | None], i: int, step: int, window: int) -> str | None:
    """The owner ('target'/'other') of the nearest mention from i in direction step, within window."""
    k = i + step
    for _ in range(window):
        if k < 0 or k >= len(owner):
            return None
        if owner[k] is not None:
            return owner[k]
        k += step
    return None


def cue_features(view: View, window: int = 5, split: bool = True, roles: bool = True) -> list[str]:
    """Names of the binary cue features one view has."""
    tokens = view.tokens
    n = len(tokens)
    cues = view.prepared.cues
    targets, others = view.places()
    owner: list[str | None] = [None] * n
    for p in others:
        owner[p] = "other"
    for p in targets:
        owner[p] = "target"
    feats: dict[str, None] = {}  # ordered and without repeats
    negated = [False] * (n + 2)
    for i, c in cues:
        if c == "negator":  # flips a cue within the next two words
            negated[i + 1] = negated[i + 2] = True
    contrast = max((i for i, c in cues if c == "contrast"), default=-1)
    speaker: str | None = None  # who the latest reporting verb attributes the words after it to
    any_attitude = any_event = False
    for i, cls in cues:
        if cls == "negator" or cls == "contrast":
            continue
        if cls == "speech":  # the target is the speaker of a reporting verb (guideline rule 1)
            who = {owner[k] for k in range(max(0, i - SPEECH_REACH), i)} - {None}
            for label in sorted(who):
                feats[f"{label}_speaks"] = None
            if roles:
                speaker = _nearest(owner, i, -1, SPEECH_REACH) or speaker
            continue
        any_attitude = any_attitude or cls in ATTITUDE
        any_event = any_event or cls == "event"
        name = cls if split else MERGED.get(cls, cls)
        key = f"cue=not_{name}" if negated[i] else f"cue={name}"
        feats[key] = None
        if contrast >= 0:  # guideline rule 4: after "nhưng" / "tuy nhiên" the later clause carries the point
            feats[f"{key}|{'after' if i > contrast else 'before'}_contrast"] = None
        for k in range(max(0, i - window), min(n, i + window + 1)):
            if owner[k] is not None and k != i:
                feats[f"{key}|{'after' if k < i else 'before'}_{owner[k]}"] = None
        if roles and view.target is not None:
            agent = _nearest(owner, i, -1, window)
            passive = i > 0 and tokens[i - 1] in PASSIVE
            obj = agent if passive else _nearest(owner, i, +1, window)
            if agent and not passive:
                feats[f"{key}|{agent}_agent"] = None
            if obj:
                feats[f"{key}|{obj}_object"] = None
            if speaker:
                feats[f"{key}|said_by_{speaker}"] = None
    if roles and view.target is not None and targets:
        if not any_attitude:
            feats["no_attitude_cue"] = None
            if any_event:
                feats["event_without_attitude"] = None
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

    def __init__(self, window: int = 5, split: bool = True, roles: bool = True) -> None:
        self.window = window
        self.split = split
        self.roles = roles

    def terms(self, view: View) -> list[str]:
        return cue_features(view, self.window, self.split, self.roles)
