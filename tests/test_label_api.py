"""The labelling app's JSON API, through FastAPI's TestClient, on the session-trained model."""

import json
from datetime import datetime

import pytest
from fastapi.testclient import TestClient

from vnstance.dataset import load_labelled
from vnstance.errors import DataError
from vnstance.label.app import create_app, label_keys
from vnstance.label.queue import order, read_sources, score
from vnstance.label.session import Session, open_session
from vnstance.label.store import AnswerStore
from vnstance.schema import DEFAULT

from .conftest import ARTICLES, assert_user_error

GOLD_FIELDS = ("id", "doc", "text", *DEFAULT.heads)


@pytest.fixture(scope="module")
def ordered(model):
    return order(score(model, read_sources([str(p) for p in ARTICLES[:3]], "article")), 0.2, seed=0)


@pytest.fixture
def out(tmp_path):
    return tmp_path / "labels.jsonl"


@pytest.fixture
def client(ordered, out):
    return TestClient(create_app(Session(ordered, AnswerStore(out), "lan")))


def lines(path):
    return [json.loads(x) for x in path.read_text(encoding="utf-8").splitlines()] if path.exists() else []


def other(head: str, label: str) -> str:
    return next(x for x in DEFAULT.labels[head] if x != label)


def test_next_gives_the_first_in_order_with_context_suggestion_and_scores(client, ordered):
    item = client.get("/api/next").json()["item"]
    first = ordered[0]
    assert item["id"] == first.id and item["text"] == first.text
    assert item["before"] == first.before and item["after"] == first.after
    assert set(item["suggestion"]) == set(DEFAULT.heads)
    for h in DEFAULT.heads:
        assert set(item["scores"][h]) == set(DEFAULT.labels[h])
        assert item["suggestion"][h] == max(item["scores"][h], key=item["scores"][h].get)
    assert item["selected_by"] in ("uncertainty", "random") and item["answer"] is None


def test_answer_appends_one_gold_line_with_provenance_and_moves_on(client, out):
    item = client.get("/api/next").json()["item"]
    chosen = {h: other(h, item["suggestion"][h]) for h in DEFAULT.heads}
    r = client.post("/api/answer", json={"id": item["id"], **chosen})
    assert r.status_code == 200
    [saved] = lines(out)
    assert {k: saved[k] for k in GOLD_FIELDS} == {"id": item["id"], "doc": item["doc"], "text": item["text"], **chosen}
    assert saved["annotator"] == "lan" and saved["selected_by"] == item["selected_by"]
    assert datetime.fromisoformat(saved["labelled_at"].replace("Z", "+00:00")).utcoffset().total_seconds() == 0
    stats = client.get("/api/stats").json()
    assert stats["labelled"] == 1 and stats["open"] == stats["total"] - 1 and stats["same_as_model"] == 0
    assert client.get("/api/next").json()["item"]["id"] != item["id"]
    assert client.get(f"/api/items/{item['id']}").json()["answer"]["russia"] == chosen["russia"]


@pytest.mark.parametrize("body, status", [
    ({"id": "no-such-id", "russia": "none", "us": "none", "sentiment": "neutral"}, 404),
    ({"russia": "none", "us": "none", "sentiment": "neutral"}, 422),
    ("FIRST", 422),  # replaced by a valid id with one invalid label below
])
def test_bad_answers_are_4xx_and_write_nothing(client, out, body, status):
    if body == "FIRST":
        ident = client.get("/api/next").json()["item"]["id"]
        body = {"id": ident, "russia": "maybe", "us": "none", "sentiment": "neutral"}
    r = client.post("/api/answer", json=body)
    assert r.status_code == status, r.text
    assert lines(out) == []


def test_missing_label_and_non_json_bodies_are_rejected(client, out):
    ident = client.get("/api/next").json()["item"]["id"]
    r = client.post("/api/answer", json={"id": ident, "russia": "none", "us": "none"})
    assert r.status_code == 422 and "sentiment" in r.json()["detail"]
    form = client.post("/api/answer", data={"id": ident, "russia": "none", "us": "none", "sentiment": "neutral"})
    assert form.status_code == 415  # another web page cannot post a plain form to the app
    assert client.post("/api/answer", content=b"{oops", headers={"Content-Type": "application/json"}).status_code == 400
    assert lines(out) == []


def test_unknown_item_and_foreign_host(client):
    assert client.get("/api/items/nope").status_code == 404
    assert client.post("/api/skip", json={"id": "nope"}).status_code == 404
    assert client.post("/api/undo", json={"id": "nope"}).status_code == 404
    assert client.get("/api/next", headers={"Host": "evil.example"}).status_code == 400


def test_skip_moves_on_and_the_skipped_sentence_comes_back_last(ordered, out):
    short = ordered[:3]
    c = TestClient(create_app(Session(short, AnswerStore(out), "lan")))
    first = c.get("/api/next").json()["item"]["id"]
    assert c.post("/api/skip", json={"id": first}).json()["stats"]["skipped"] == 1
    seen = []
    for _ in range(2):
        item = c.get("/api/next").json()["item"]
        seen.append(item["id"])
        c.post("/api/answer", json={"id": item["id"], **item["suggestion"]})
    assert seen == [x.id for x in short[1:]]
    back = c.get("/api/next").json()["item"]
    assert back["id"] == first and back["skipped"] is True
    c.post("/api/answer", json={"id": first, **back["suggestion"]})
    assert c.get("/api/next").json()["item"] is None
    assert c.get("/api/stats").json()["same_as_model"] == 3
    assert [r["id"] for r in lines(out)] == [*seen, first]


def test_undo_removes_the_answer_and_reopens_the_sentence(client, out):
    a = client.get("/api/next").json()["item"]
    client.post("/api/answer", json={"id": a["id"], **a["suggestion"]})
    b = client.get("/api/next").json()["item"]
    chosen = {h: other(h, b["suggestion"][h]) for h in DEFAULT.heads}
    client.post("/api/answer", json={"id": b["id"], **chosen})
    r = client.post("/api/undo", json={"id": b["id"]}).json()
    assert r["undone"] == "answer" and r["item"]["id"] == b["id"] and r["item"]["answer"] is None
    assert {h: r["answer"][h] for h in DEFAULT.heads} == chosen  # the page offers the undone choice again
    assert [x["id"] for x in lines(out)] == [a["id"]]
    assert client.get("/api/next").json()["item"]["id"] == b["id"]
    assert client.post("/api/undo", json={"id": b["id"]}).status_code == 409  # nothing left to undo on it
    assert client.post("/api/undo", json={}).json()["item"]["id"] == a["id"]  # no id: the latest answer
    assert lines(out) == [] and client.post("/api/undo", json={}).status_code == 409


def test_undo_of_a_skip(client):
    a = client.get("/api/next").json()["item"]["id"]
    client.post("/api/skip", json={"id": a})
    assert client.get("/api/next").json()["item"]["id"] != a
    assert client.post("/api/undo", json={"id": a}).json()["undone"] == "skip"
    assert client.get("/api/next").json()["item"]["id"] == a


def test_two_tabs_answering_the_same_sentence_last_answer_wins(ordered, out):
    session = Session(ordered, AnswerStore(out), "lan")
    tab1, tab2 = TestClient(create_app(session)), TestClient(create_app(session))
    item = tab1.get("/api/next").json()["item"]
    assert tab2.get("/api/next").json()["item"]["id"] == item["id"]
    first = {h: item["suggestion"][h] for h in DEFAULT.heads}
    second = {h: other(h, first[h]) for h in DEFAULT.heads}
    assert tab1.post("/api/answer", json={"id": item["id"], **first}).status_code == 200
    assert tab2.post("/api/answer", json={"id": item["id"], **second}).status_code == 200
    rows = lines(out)
    assert len(rows) == 1 and {h: rows[0][h] for h in DEFAULT.heads} == second
    assert len(load_labelled(out)) == 1  # one line per id: vnstance eval/train --data accept it
    assert tab1.get("/api/stats").json()["labelled"] == 1


def test_restart_resumes_skipping_labelled_ids(ordered, out):
    c = TestClient(create_app(Session(ordered, AnswerStore(out), "lan")))
    done = []
    for _ in range(3):
        item = c.get("/api/next").json()["item"]
        c.post("/api/answer", json={"id": item["id"], **item["suggestion"]})
        done.append(item["id"])
    again = TestClient(create_app(Session(ordered, AnswerStore(out), "lan")))
    assert again.get("/api/next").json()["item"]["id"] == ordered[3].id
    assert again.get("/api/stats").json()["labelled"] == 3


def test_config_lists_one_key_per_label_and_the_guideline(client):
    cfg = client.get("/api/config").json()
    keys = [k for h in DEFAULT.heads for k in cfg["keys"][h].values()]
    assert len(keys) == len(set(keys)) == sum(len(DEFAULT.labels[h]) for h in DEFAULT.heads)
    assert not set(keys) & set(cfg["control_keys"])
    assert cfg["keys"] == label_keys()
    titles = [s["title"] for s in cfg["guideline"]]
    assert "Decision rules" in titles and any("against" in s["body"] for s in cfg["guideline"])
    page = client.get("/")
    assert page.status_code == 200 and "/static/app.js" in page.text
    assert client.get("/static/app.js").status_code == 200


def test_eval_and_label_random_read_the_answers_file(ordered, out, run, model_path):
    session = Session(ordered, AnswerStore(out), "lan")
    for c in ordered[:12]:
        session.answer(c.id, c.suggestion)
    assert any(c.selected_by == "random" for c in ordered[:12])
    r = run("eval", "--model", str(model_path), "--data", str(out))
    assert r.exit_code == 0, r.output
    rnd = out.parent / "random.jsonl"
    r = run("label-random", str(out), "-o", str(rnd))
    assert r.exit_code == 0, r.output
    assert [e.id for e in load_labelled(rnd).examples] == [c.id for c in ordered[:12] if c.selected_by == "random"]
    assert run("eval", "--model", str(model_path), "--data", str(rnd)).exit_code == 0


def test_open_session_fails_on_a_bad_answers_file_before_scoring(model, tmp_path):
    bad = tmp_path / "labels.jsonl"
    bad.write_text('{"id": "a"}\n', encoding="utf-8")
    with pytest.raises(Exception, match="labels.jsonl:1: missing or non-string field 'doc'"):
        open_session([str(ARTICLES[0])], "article", str(bad), model, "lan")


def test_a_second_server_on_the_same_answers_file_is_refused(model, out):
    first = open_session([str(ARTICLES[0])], "article", str(out), model, "lan")
    with pytest.raises(DataError, match="another vnstance label is writing this file"):
        open_session([str(ARTICLES[0])], "article", str(out), model, "minh")
    first.store.close()
    open_session([str(ARTICLES[0])], "article", str(out), model, "minh").store.close()


def test_label_command_user_errors(run, model_path, tmp_path):
    assert_user_error(run("label", str(tmp_path / "nope.txt"), "--out", str(tmp_path / "o.jsonl"),
                          "--model", str(model_path)), "nope.txt", "no such file")
    assert_user_error(run("label", str(ARTICLES[0]), "--out", str(tmp_path / "o.jsonl"),
                          "--model", str(tmp_path / "missing.joblib")), "missing.joblib")
    assert run("label", str(ARTICLES[0]), "--model", str(model_path)).exit_code == 2  # --out is required
    no_random = tmp_path / "uncertain.jsonl"
    no_random.write_text(json.dumps({"id": "a", "doc": "d", "text": "Nga", "russia": "neutral", "us": "none",
                                     "sentiment": "neutral", "selected_by": "uncertainty"}) + "\n", encoding="utf-8")
    assert_user_error(run("label-random", str(no_random), "-o", str(tmp_path / "r.jsonl")), "uncertain.jsonl",
                      "none of its 1 row(s)")
    assert not (tmp_path / "r.jsonl").exists()


def test_open_session_on_a_sample_of_the_input(model, out):
    told = []
    s = open_session([str(ARTICLES[0])], "article", str(out), model, "lan", sample=5,
                     on_scoring=lambda n, total: told.append((n, total)))
    try:
        assert s.stats()["total"] == 5 and told[0][0] == 5
        assert told[0][1] == len(read_sources([str(ARTICLES[0])], "article")) > 5
    finally:
        s.store.close()


def test_a_failed_write_is_reported_and_changes_nothing(ordered, out, monkeypatch):
    store = AnswerStore(out)
    c = TestClient(create_app(Session(ordered, store, "lan")))
    item = c.get("/api/next").json()["item"]
    assert c.post("/api/answer", json={"id": item["id"], **item["suggestion"]}).status_code == 200
    before = out.read_bytes()

    def disk_full(*args, **kwargs):
        raise DataError(out, None, "cannot write: No space left on device")

    monkeypatch.setattr("vnstance.label.store.atomic_file", disk_full)
    changed = {h: other(h, item["suggestion"][h]) for h in DEFAULT.heads}
    r = c.post("/api/answer", json={"id": item["id"], **changed})  # a rewrite: fails
    assert r.status_code == 500 and "No space left" in r.json()["detail"]
    assert c.post("/api/undo", json={"id": item["id"]}).status_code == 500
    assert out.read_bytes() == before
    assert {h: store.get(item["id"])[h] for h in DEFAULT.heads} == item["suggestion"]  # memory agrees with the file
