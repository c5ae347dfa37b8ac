"""The shipped data: every file validates, ids are unique across files, and topic groups do not overlap."""

from vnstance.dataset import SEEDS_DIR, load_labelled

FILES = ("gold.jsonl", "authored.jsonl", "authored-2.jsonl")


def test_shipped_files_validate_together():
    data = load_labelled([SEEDS_DIR / f for f in FILES])  # raises on a bad line or a repeated id
    assert len(data) == sum(len(load_labelled(SEEDS_DIR / f)) for f in FILES)


def test_authored_sets_share_no_topic_group_with_gold_or_each_other():
    groups = [set(load_labelled(SEEDS_DIR / f).groups) for f in FILES]
    assert not groups[0] & groups[1] and not groups[0] & groups[2] and not groups[1] & groups[2]


def test_authored_sentences_are_marked():
    for f in FILES[1:]:
        assert {e.source for e in load_labelled(SEEDS_DIR / f).examples} == {"authored"}
