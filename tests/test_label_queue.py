"""The labelling order, the input's neighbours and the answers file, without HTTP."""

import json
import warnings

import pytest

from vnstance.dataset import load_labelled
from vnstance.errors import DataError, VnstanceError
from vnstance.label.queue import (NEITHER_EVERY, RANDOM, UNCERTAINTY, Candidate, margin, order, read_sources,
                                  sample_sources)
from vnstance.label.store import AnswerStore, random_rows
from vnstance.schema import DEFAULT, STANCE_LABELS

from .conftest import ARTICLES, write_jsonl


def cand(i: int, m: float | None, sentiment_gap: float = 0.5) -> Candidate:
    hi = (1 + sentiment_gap) / 2
    sent = dict(zip(DEFAULT.labels["sentiment"], [hi, 1 - hi] + [0.0] * (len(DEFAULT.labels["sentiment"]) - 2)))
    return Candidate(id=f"s{i:03d}", doc="d", text=f"câu {i}", before=None, after=None,
                     suggestion={h: DEFAULT.labels[h][0] for h in DEFAULT.heads}, scores={"sentiment": sent}, mentions={},
                     margin=m)


def pool(n: int = 200, neither_every: int = 4) -> list[Candidate]:
    """n candidates with distinct margins in a scrambled input order; every neither_every-th mentions no target."""
    return [cand(i, None if i % neither_every == 0 else ((i * 37) % 101) / 101, ((i * 13) % 17) / 17) for i in range(n)]


def test_margin_is_the_smallest_top_two_gap_over_mentioned_targets():
    scores = {"russia": dict(zip(STANCE_LABELS, [0.5, 0.3, 0.2, 0.0])),
              "us": dict(zip(STANCE_LABELS, [0.1, 0.1, 0.8, 0.0])),
              "sentiment": {"positive": 1.0, "negative": 0.0, "neutral": 0.0}}
    assert margin({"scores": scores, "mentions": {"russia": ["Nga"], "us": ["Mỹ"]}}) == pytest.approx(0.2)
    assert margin({"scores": scores, "mentions": {"russia": [], "us": ["Mỹ"]}}) == pytest.approx(0.7)
    assert margin({"scores": scores, "mentions": {t: [] for t in DEFAULT.targets}}) is None


def test_order_is_a_permutation_and_deterministic_by_seed():
    cands = pool()
    a, b, c = order(cands, 0.2, seed=0), order(cands, 0.2, seed=0), order(cands, 0.2, seed=1)
    assert sorted(x.id for x in a) == sorted(x.id for x in cands)
    assert [x.id for x in a] == [x.id for x in b]
    assert [x.id for x in a] != [x.id for x in c]


def test_uncertainty_stream_lowest_margin_first_with_neither_every_tenth():
    cands = pool()
    out = order(cands, 0.0, seed=0)
    assert {x.selected_by for x in out} == {UNCERTAINTY}
    n_mentioned = sum(c.margin is not None for c in cands)
    # while both kinds remain, exactly every NEITHER_EVERY-th place is a sentence with no target
    head = out[: n_mentioned + n_mentioned // (NEITHER_EVERY - 1)]
    for i, x in enumerate(head[:100]):
        assert (x.margin is None) == ((i + 1) % NEITHER_EVERY == 0), i
    margins = [x.margin for x in out if x.margin is not None]
    assert margins == sorted(margins)
    neither_gaps = [x.scores["sentiment"]["positive"] - x.scores["sentiment"]["negative"] for x in out if x.margin is None]
    assert neither_gaps == sorted(neither_gaps)


def test_random_share_sets_the_share_of_random_places():
    cands = pool(400)
    assert {x.selected_by for x in order(cands, 1.0)} == {RANDOM}
    out = order(cands, 0.25, seed=3)
    n_random = sum(x.selected_by == RANDOM for x in out)
    assert 60 <= n_random <= 140  # each sentence drawn with probability 0.25
    first = out[:200]
    assert sum(x.selected_by == RANDOM for x in first) == 50  # one place in four while both streams last
    # the random stream reaches sentences of every kind, not only uncertain ones
    randoms = [x for x in out if x.selected_by == RANDOM]
    assert any(x.margin is None for x in randoms) and any(x.margin is not None and x.margin > 0.8 for x in randoms)


def test_random_share_out_of_range_is_a_user_error():
    with pytest.raises(VnstanceError, match="between 0 and 1"):
        order(pool(10), 1.5)


def test_article_input_gives_neighbours_within_each_article():
    srcs = read_sources([str(p) for p in ARTICLES[:2]], "article")
    first_doc = [s for s in srcs if s.doc == ARTICLES[0].stem]
    assert first_doc[0].before is None and first_doc[-1].after is None
    assert first_doc[1].before == first_doc[0].text and first_doc[0].after == first_doc[1].text
    assert {s.doc for s in srcs} == {ARTICLES[0].stem, ARTICLES[1].stem}
    assert len({s.id for s in srcs}) == len(srcs)


def test_jsonl_neighbours_follow_doc_and_lines_get_file_ids(tmp_path):
    p = write_jsonl(tmp_path / "in.jsonl", [{"id": "a", "doc": "x", "text": "Một"}, {"id": "b", "doc": "y", "text": "Hai"},
                                            {"id": "c", "doc": "x", "text": "Ba"}])
    a, b, c = read_sources([str(p)], "jsonl")
    assert (a.after, c.before, b.before, b.after) == ("Ba", "Một", None, None)
    lines = tmp_path / "news.txt"
    lines.write_text("Câu một.\n\nCâu hai.\n", encoding="utf-8")
    assert [(s.id, s.doc, s.before) for s in read_sources([str(lines)], "lines")] == [
        (f"{lines}:1", "news", None), (f"{lines}:3", "news", "Câu một.")]  # lines input ids are file:line


def test_duplicate_ids_in_the_input_are_a_user_error(tmp_path):
    p = write_jsonl(tmp_path / "in.jsonl", [{"id": "a", "text": "Một"}, {"id": "a", "text": "Hai"}])
    with pytest.raises(VnstanceError, match="duplicate id 'a'"):
        read_sources([str(p)], "jsonl")


def row(ident: str, russia: str = "neutral", **extra) -> dict:
    return {"id": ident, "doc": "d", "text": f"Nga {ident}", "russia": russia, "us": "none", "sentiment": "neutral",
            "annotator": "x", "selected_by": "uncertainty", "labelled_at": "2026-01-01T00:00:00Z", **extra}


def test_store_appends_replaces_and_removes_keeping_one_line_per_id(tmp_path):
    path = tmp_path / "labels.jsonl"
    s = AnswerStore(path)
    s.put(row("a"))
    s.put(row("b"))
    assert path.read_text(encoding="utf-8").count("\n") == 2
    s.put(row("a", russia="against"))  # a second answer to the same id: last wins
    s.remove("b")
    lines = [json.loads(x) for x in path.read_text(encoding="utf-8").splitlines()]
    assert [(r["id"], r["russia"]) for r in lines] == [("a", "against")]
    assert [e.id for e in load_labelled(path).examples] == ["a"]  # a valid --data file at every moment
    again = AnswerStore(path)  # a restart sees the same answers
    assert "a" in again and "b" not in again and again.get("a")["russia"] == "against"


def test_store_drops_an_unfinished_last_line_and_repeated_ids_with_a_warning(tmp_path):
    path = tmp_path / "labels.jsonl"
    text = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in [row("a"), row("b"), row("a", russia="favor")])
    path.write_bytes(text.encode() + '{"id": "c", "doc": "d", "text": "Nga'.encode())
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        s = AnswerStore(path)
    assert "unfinished last line" in str(w[0].message) and "1 repeated id" in str(w[0].message)
    assert [r["id"] for r in s.records()] == ["b", "a"] and s.get("a")["russia"] == "favor"
    assert len(load_labelled(path)) == 2


def test_store_rejects_a_bad_label_naming_file_and_line(tmp_path):
    path = write_jsonl(tmp_path / "labels.jsonl", [row("a"), row("b", russia="maybe")])
    with pytest.raises(DataError, match=r"labels.jsonl:2: russia must be one of favor, against, neutral, none"):
        AnswerStore(path)


def test_random_rows_keeps_only_the_random_sample(tmp_path):
    path = write_jsonl(tmp_path / "labels.jsonl", [row("a"), row("b", selected_by="random"), row("c")])
    assert random_rows(path, tmp_path / "r.jsonl", tmp_path / "rest.jsonl") == (1, 3)
    assert [e.id for e in load_labelled(tmp_path / "r.jsonl").examples] == ["b"]
    assert [e.id for e in load_labelled(tmp_path / "rest.jsonl").examples] == ["a", "c"]
    write_jsonl(path, [row("a")])
    with pytest.raises(DataError, match="none of its 1 row"):
        random_rows(path, tmp_path / "none.jsonl")
    assert not (tmp_path / "none.jsonl").exists()


def test_sample_is_a_seeded_uniform_sample_in_input_order_with_true_neighbours(tmp_path):
    lines = tmp_path / "archive.txt"
    lines.write_text("".join(f"Câu số {i} về Nga.\n" for i in range(10)), encoding="utf-8")
    whole = {s.id: s for s in read_sources([str(lines)], "lines")}
    sample, total = sample_sources([str(lines)], "lines", 4, seed=7)
    assert total == 10 and len(sample) == 4
    assert [s.index for s in sample] == sorted(s.index for s in sample)
    for s in sample:
        assert (s.before, s.after) == (whole[s.id].before, whole[s.id].after)
    assert [s.id for s in sample] == [s.id for s in sample_sources([str(lines)], "lines", 4, seed=7)[0]]
    assert sample_sources([str(lines)], "lines", 50)[0] == list(whole.values())
    counts = dict.fromkeys(whole, 0)
    for seed in range(500):
        for s in sample_sources([str(lines)], "lines", 2, seed=seed)[0]:
            counts[s.id] += 1
    assert all(60 <= c <= 140 for c in counts.values()), counts  # 100 expected for each sentence


def test_the_random_sample_does_not_depend_on_the_model():
    cands = pool(300)
    rescored = [cand(i, None if c.margin is None else 1 - c.margin, 0.1) for i, c in enumerate(cands)]
    randoms = lambda xs: [x.id for x in order(xs, 0.2, seed=5) if x.selected_by == RANDOM]
    assert randoms(cands) == randoms(rescored)
    assert [x.id for x in order(cands, 0.2, seed=5)] != [x.id for x in order(rescored, 0.2, seed=5)]
