"""The learning curve's samples: whole topic groups, deterministic, nested."""

from vnstance.dataset import AUTHORED_2_PATH, AUTHORED_PATH, load_labelled
from vnstance.eval.learning_curve import by_groups


def test_samples_are_whole_groups_nested_and_deterministic():
    data = load_labelled([AUTHORED_PATH, AUTHORED_2_PATH])
    quarter, half = by_groups(data, 0.25), by_groups(data, 0.5)
    assert by_groups(data, 0.25).texts == quarter.texts  # same files, same sample
    assert 0.25 * len(data) <= len(quarter) < len(half) < len(data) and len(by_groups(data, 1.0)) == len(data)
    assert {e.id for e in quarter.examples} <= {e.id for e in half.examples}
    size = {g: data.groups.count(g) for g in set(data.groups)}
    for sample in (quarter, half):
        assert all(sample.groups.count(g) == size[g] for g in set(sample.groups))  # no topic split
