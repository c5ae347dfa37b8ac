"""Baselines scored on the same sentences as the model, so its margin over them is visible.

- majority: every sentence gets each head's most frequent training label.
- keyword: a target mention (the model's alias lexicon) plus twenty cue words; the rule
  every learned model has to beat to be worth its weight.
"""

from __future__ import annotations

from typing import Any, Sequence

from ..features.prepare import SentencePreparer
from ..schema import DEFAULT, Schema

AGAINST_WORDS = ("cáo buộc", "chỉ trích", "lên án", "phản đối", "từ chối", "đe dọa", "vi phạm", "tấn công",
                 "trừng phạt", "đánh bại")
FAVOR_WORDS = ("ủng hộ", "hoan nghênh", "hợp tác", "đối thoại", "ngừng bắn", "hòa bình", "đàm phán",
               "sẵn sàng", "nỗ lực", "hy vọng")


def majority(counts: dict[str, dict[str, int]], schema: Schema = DEFAULT) -> dict[str, str]:
    """Each head's most frequent training label (ties: the schema's label order)."""
    return {h: max(schema.labels[h], key=lambda lab: counts[h].get(lab, 0)) for h in schema.heads}


def keyword(texts: Sequence[str], schema: Schema = DEFAULT, preparer: Any = None) -> dict[str, list[str]]:
    """``preparer``: the scored model's (its alias lexicon); default, the shipped lexicon's."""
    preparer = preparer or SentencePreparer(targets=schema.targets)
    out: dict[str, list[str]] = {h: [] for h in schema.heads}
    for p in preparer.transform(list(texts)):
        lowered = " ".join(p.words).lower()
        against = any(w in lowered for w in AGAINST_WORDS)
        favor = any(w in lowered for w in FAVOR_WORDS)
        for t in schema.targets:
            if not p.mentions_of(t):
                out[t].append("none")
            else:
                out[t].append("against" if against else "favor" if favor else "neutral")
        out["sentiment"].append("negative" if against else "positive" if favor else "neutral")
    return out
