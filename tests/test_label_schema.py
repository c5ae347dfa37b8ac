"""The labelling app and `vnstance agree` follow the label schema: a team adding a third target
(china) labels it, in the browser and through the API, and measures agreement on it. The
three-target model is the session's `model3` (tests/conftest.py), trained once."""

import json
import shutil

import pytest
import uvicorn
from fastapi.testclient import TestClient
from sklearn.metrics import cohen_kappa_score

from vnstance.dataset import labelled_targets, load_labelled
from vnstance.errors import DataError
from vnstance.label.app import create_app, label_keys
from vnstance.label.queue import margin, order, read_sources, score, unscored
from vnstance.label.session import Session, open_session
from vnstance.label.store import AnswerStore
from vnstance.schema import STANCE_LABELS, Schema

from .conftest import THREE_TARGETS, assert_user_error, serve_app, write_jsonl

SCHEMA3 = Schema(("russia", "us", "china"))
CHINA_ONLY = "Trung Quốc bị cáo buộc vi phạm lệnh ngừng bắn."


def lines(path):
    return [json.loads(x) for x in path.read_text(encoding="utf-8").splitlines()] if path.exists() else []


def answer_row(i: int, labels: dict[str, str]) -> dict:
    return {"id": f"s{i}", "doc": "d", "text": f"Câu số {i}", **labels, "annotator": "x", "selected_by": "random",
            "labelled_at": "2026-01-01T00:00:00Z"}


@pytest.fixture
def session3(model3, tmp_path):
    s = open_session([str(THREE_TARGETS)], "jsonl", str(tmp_path / "labels.jsonl"), model3, "lan")
    yield s
    s.store.close()


# -- a three-target session through the API ------------------------------------------------------

def test_three_target_session_through_the_api(session3):
    assert session3.schema == SCHEMA3  # the model's schema
    out = session3.store.path
    client = TestClient(create_app(session3))
    cfg = client.get("/api/config").json()
    assert cfg["heads"] == ["russia", "us", "china", "sentiment"] and cfg["targets"] == ["russia", "us", "china"]
    assert cfg["labels"]["china"] == list(STANCE_LABELS)
    assert cfg["keys"] == label_keys(SCHEMA3) and set(cfg["keys"]["china"]) == set(STANCE_LABELS)
    keys = [k for h in cfg["heads"] for k in cfg["keys"][h].values()]
    assert len(keys) == len(set(keys))  # one key, one (head, label)

    item = client.get("/api/next").json()["item"]
    assert set(item["suggestion"]) == set(SCHEMA3.heads)
    assert set(item["scores"]["china"]) == set(STANCE_LABELS) and "china" in item["mentions"]

    china = next(x for x in STANCE_LABELS if x != item["suggestion"]["china"])
    chosen = {**item["suggestion"], "china": china}
    r = client.post("/api/answer", json={"id": item["id"], **chosen})
    assert r.status_code == 200, r.text
    assert r.json()["saved"]["china"] == china
    (row,) = lines(out)
    assert {h: row[h] for h in SCHEMA3.heads} == chosen
    # the answers file is a three-target data file for train and eval
    assert load_labelled(out, SCHEMA3).column("china") == [china]
    assert r.json()["stats"]["labels"]["china"] == {china: 1}

    nxt = client.get("/api/next").json()["item"]
    for bad in ({**nxt["suggestion"], "china": "maybe"}, {h: v for h, v in nxt["suggestion"].items() if h != "china"}):
        r = client.post("/api/answer", json={"id": nxt["id"], **bad})
        assert r.status_code == 422 and "china must be one of" in r.json()["detail"]
    assert len(lines(out)) == 1  # nothing written for the refused answers


def test_the_queue_orders_by_every_target_of_the_schema(model3, tmp_path):
    (tmp_path / "c.txt").write_text(CHINA_ONLY + "\n", encoding="utf-8")
    (c,) = score(model3, read_sources([str(tmp_path / "c.txt")], "lines"))
    assert c.mentions["china"] and not c.mentions["russia"] and not c.mentions["us"]
    gaps = sorted(c.scores["china"].values(), reverse=True)
    assert c.margin == pytest.approx(gaps[0] - gaps[1], abs=1e-4)  # china alone decides its margin
    # the margin takes the smallest gap over any number of mentioned targets
    pred = {"mentions": {"a": ["x"], "b": [], "c": ["y"], "d": ["z"]},
            "scores": {"a": {"p": 0.9, "q": 0.1}, "b": {"p": 0.5, "q": 0.5}, "c": {"p": 0.6, "q": 0.4},
                       "d": {"p": 0.7, "q": 0.3}}}
    assert margin(pred) == pytest.approx(0.2)
    assert margin(pred, ["a", "d"]) == pytest.approx(0.4)


def test_same_as_model_counts_only_the_heads_the_model_suggests(model, tmp_path):
    session = open_session([str(THREE_TARGETS)], "jsonl", str(tmp_path / "labels.jsonl"), model, "lan", schema=SCHEMA3)
    try:
        for i in range(3):
            c = session.next()
            assert "china" not in c.suggestion
            session.answer(c.id, {**c.suggestion, "china": "against"})
        s = session.stats()
        assert s["same_as_model"] == 3 and s["compared_with_model"] == 3
        assert s["model_heads"] == ["russia", "us", "sentiment"]
        c = session.next()
        other = next(lab for lab in STANCE_LABELS if lab != c.suggestion["russia"])
        session.answer(c.id, {**c.suggestion, "russia": other, "china": "none"})
        s = session.stats()
        assert s["same_as_model"] == 3 and s["compared_with_model"] == 4
    finally:
        session.store.close()
    # no model: nothing to compare with
    none = open_session([str(THREE_TARGETS)], "jsonl", str(tmp_path / "none.jsonl"), None, "lan", schema=SCHEMA3)
    try:
        c = none.next()
        none.answer(c.id, dict.fromkeys(SCHEMA3.targets, "none") | {"sentiment": "neutral"})
        s = none.stats()
        assert s["same_as_model"] == 0 and s["compared_with_model"] == 0 and s["model_heads"] == []
    finally:
        none.store.close()


# -- the answers file keeps one schema -----------------------------------------------------------

def test_the_store_refuses_a_file_of_another_schema(tmp_path):
    two = write_jsonl(tmp_path / "two.jsonl", [answer_row(1, {"russia": "favor", "us": "none", "sentiment": "neutral"})])
    with pytest.raises(DataError, match=r"two\.jsonl:1: labelled for targets russia, us, not russia, us, china"):
        AnswerStore(two, schema=SCHEMA3)
    assert len(AnswerStore(two)) == 1  # the default schema's file opens under the default schema

    three = write_jsonl(tmp_path / "three.jsonl", [
        answer_row(1, {"russia": "favor", "us": "none", "china": "none", "sentiment": "neutral"}),
        answer_row(2, {"russia": "none", "us": "none", "china": "against", "sentiment": "negative"})])
    with pytest.raises(DataError, match=r"three\.jsonl:1: labelled for targets russia, us, china, not russia, us"):
        AnswerStore(three)  # a china field is not silently dropped
    assert len(AnswerStore(three, schema=SCHEMA3)) == 2

    mixed = write_jsonl(tmp_path / "mixed.jsonl", lines(three) + lines(two))
    with pytest.raises(DataError, match=r"mixed\.jsonl:3: missing field 'china' \(the targets are russia, us, china"):
        AnswerStore(mixed, schema=SCHEMA3)
    bad = write_jsonl(tmp_path / "bad.jsonl", [answer_row(1, {"russia": "favor", "us": "none", "china": 3,
                                                                 "sentiment": "neutral"})])
    with pytest.raises(DataError, match=r"bad\.jsonl:1: china must be one of"):
        AnswerStore(bad, schema=SCHEMA3)


def test_label_random_refuses_a_file_of_two_schemas(run, tmp_path):
    mixed = write_jsonl(tmp_path / "mixed.jsonl", [
        answer_row(1, {"russia": "favor", "us": "none", "china": "none", "sentiment": "neutral"}),
        answer_row(2, {"russia": "favor", "us": "none", "sentiment": "neutral"})])
    assert_user_error(run("label-random", str(mixed), "-o", str(tmp_path / "r.jsonl")), "mixed.jsonl:2",
                      "two schemas")
    assert not (tmp_path / "r.jsonl").exists()


def two_target_rows(n: int = 3) -> list[dict]:
    return [answer_row(i, {"russia": "none", "us": "favor" if i % 2 else "none", "sentiment": "neutral"})
            for i in range(1, n + 1)]


def test_a_bad_label_or_a_missing_field_is_named_not_called_two_schemas(run, tmp_path):
    rows = two_target_rows()
    rows[1]["russia"] = "againts"
    typo = write_jsonl(tmp_path / "typo.jsonl", rows)
    good = write_jsonl(tmp_path / "good.jsonl", two_target_rows())
    for r in (run("label-random", str(typo), "-o", str(tmp_path / "r.jsonl")), run("agree", str(typo), str(good)),
              run("agree", str(good), str(typo))):
        assert_user_error(r, "typo.jsonl:2", "russia", "'againts'")
        assert "two schemas" not in r.stderr
    rows = two_target_rows()
    del rows[2]["us"]
    gap = write_jsonl(tmp_path / "gap.jsonl", rows)
    r = run("label-random", str(gap), "-o", str(tmp_path / "r.jsonl"))
    assert_user_error(r, "gap.jsonl:3", "missing field 'us'")
    assert not (tmp_path / "r.jsonl").exists()
    # the store, told its schema, names the field and the value too, even on a file of one row
    one = write_jsonl(tmp_path / "one.jsonl", [dict(two_target_rows(1)[0], russia="againts")])
    with pytest.raises(DataError, match=r"one\.jsonl:1: russia must be one of .*got 'againts'"):
        AnswerStore(one)
    with pytest.raises(DataError, match=r"typo\.jsonl:2: russia must be one of .*got 'againts'"):
        AnswerStore(typo)


def test_an_extra_field_that_reads_none_or_neutral_is_not_a_target(run, tmp_path):
    rows = two_target_rows(4)
    for i, r in enumerate(rows):
        r["note"] = "none" if i == 0 else f"checked by {i}"
        r["source_quality"] = "high" if i else "neutral"
    path = write_jsonl(tmp_path / "notes.jsonl", rows)
    assert labelled_targets(path) == ("russia", "us")
    r = run("agree", str(path), str(path))
    assert r.exit_code == 0, r.output
    assert [x.split()[0] for x in r.stdout.splitlines() if " kappa " in x] == ["russia", "us", "sentiment"]
    for row in rows:
        row["selected_by"] = "random"
    write_jsonl(path, rows)
    assert run("label-random", str(path), "-o", str(tmp_path / "r.jsonl")).exit_code == 0
    assert len(AnswerStore(path)) == 4  # opened under the default schema: the notes are no third target


def test_a_heads_keys_do_not_move_between_sessions():
    sessions = [Schema(t) for t in (("russia", "us"), ("us", "russia"), ("china", "russia", "us"), ("russia", "us", "china"),
                                    ("russia", "us", "china", "japan"), ("china", "us"), ("russia",))]
    keys = [label_keys(s) for s in sessions]
    # the default heads keep the rows the README lists, whatever the session's other targets
    fixed = {"russia": dict(zip(STANCE_LABELS, "1234")), "us": dict(zip(STANCE_LABELS, "qwer")),
             "sentiment": {"positive": "a", "negative": "s", "neutral": "d"}}
    for schema, k in zip(sessions, keys):
        for head in schema.heads:
            if head in fixed:
                assert k[head] == fixed[head], (schema.targets, head)
        flat = [key for h in schema.heads for key in k[h].values()]
        assert len(flat) == len(set(flat)), schema.targets
    # the first target beyond the defaults takes the bottom row, wherever it stands in --targets
    assert all(k["china"] == dict(zip(STANCE_LABELS, "zxcv")) for s, k in zip(sessions, keys) if "china" in s.targets)


def test_label_keys_for_more_targets_than_keyboard_rows():
    four = Schema(("russia", "us", "china", "japan"))
    keys = label_keys(four)
    assert list(keys) == list(four.heads)
    flat = [k for h in four.heads for k in keys[h].values()]
    assert len(flat) == len(set(flat)) == sum(len(v) for v in four.labels.values())
    with pytest.raises(ValueError, match="more labels than the keyboard has keys"):
        label_keys(Schema(tuple(f"t{i}" for i in range(9))))


# -- the command ---------------------------------------------------------------------------------

@pytest.fixture
def served_app(monkeypatch):
    """`vnstance label` builds its app and hands it to uvicorn: keep it instead of serving it."""
    apps = []
    monkeypatch.setattr(uvicorn, "run", lambda app, **kw: apps.append(app))
    return apps


def test_label_command_takes_the_schema_from_the_model_or_targets(run, served_app, model3_path, model_path, tmp_path):
    src = str(THREE_TARGETS)
    r = run("label", src, "--input-format", "jsonl", "--model", str(model3_path), "--out", str(tmp_path / "a.jsonl"))
    assert r.exit_code == 0, r.output
    assert TestClient(served_app[-1], base_url="http://127.0.0.1").get("/api/config").json()["targets"] == ["russia", "us", "china"]

    # a two-target model, labelling a third target: no suggestion for it
    r = run("label", src, "--input-format", "jsonl", "--model", str(model_path), "--targets", "russia,us,china",
            "--out", str(tmp_path / "b.jsonl"))
    assert r.exit_code == 0, r.output
    assert "no head for china" in r.stderr and "targets russia, us, china" in r.stderr
    hint = next(x for x in r.stderr.splitlines() if "no head for china" in x)
    assert "china gets no suggestion" in hint and "--no-model" in hint and "targets russia, us" in hint
    client = TestClient(served_app[-1], base_url="http://127.0.0.1")
    item = client.get("/api/next").json()["item"]
    assert set(item["suggestion"]) == {"russia", "us", "sentiment"} and "china" not in item["scores"]
    r = client.post("/api/answer", json={"id": item["id"], **item["suggestion"], "china": "against"})
    assert r.status_code == 200 and lines(tmp_path / "b.jsonl")[0]["china"] == "against"

    # no model: the schema is the one stated; every sentence in the random stream
    r = run("label", src, "--input-format", "jsonl", "--no-model", "--targets", "russia,us,china",
            "--out", str(tmp_path / "c.jsonl"))
    assert r.exit_code == 0, r.output
    client = TestClient(served_app[-1], base_url="http://127.0.0.1")
    item = client.get("/api/next").json()["item"]
    assert item["suggestion"] == {} and item["selected_by"] == "random"
    assert client.get("/api/stats").json()["selected_by"]["uncertainty"] == 0


def test_label_command_user_errors_about_the_schema(run, served_app, model_path, tmp_path):
    src = str(THREE_TARGETS)
    two = write_jsonl(tmp_path / "two.jsonl", [answer_row(1, {"russia": "favor", "us": "none", "sentiment": "neutral"})])
    assert_user_error(run("label", src, "--input-format", "jsonl", "--no-model", "--targets", "russia,us,china",
                          "--out", str(two)), "two.jsonl:1", "labelled for targets russia, us")
    assert lines(two) == [answer_row(1, {"russia": "favor", "us": "none", "sentiment": "neutral"})]  # untouched
    nine = ",".join(f"t{i}" for i in range(9))
    assert_user_error(run("label", src, "--input-format", "jsonl", "--no-model", "--targets", nine,
                          "--out", str(tmp_path / "o.jsonl")), "more labels than the keyboard")
    assert run("label", src, "--no-model", "--targets", "russia,Russia", "--out", str(tmp_path / "o.jsonl")).exit_code == 2
    assert run("label", src, "--no-model", "--model", str(model_path), "--out", str(tmp_path / "o.jsonl")).exit_code == 2
    assert_user_error(run("label", src, "--model", str(model_path), "--model-sha256", "0" * 64,
                          "--out", str(tmp_path / "o.jsonl")), "does not match the pinned 000000000000")
    assert not served_app


# -- agreement on three targets ------------------------------------------------------------------

A3 = [("favor", "none", "against", "negative"), ("none", "none", "against", "negative"),
      ("none", "favor", "none", "positive"), ("none", "none", "neutral", "neutral"), ("none", "none", "favor", "positive")]
B3 = [("favor", "none", "against", "negative"), ("none", "none", "neutral", "negative"),
      ("none", "favor", "none", "positive"), ("none", "none", "neutral", "neutral"), ("none", "none", "against", "positive")]


def rows3(labels):
    return [answer_row(i, dict(zip(SCHEMA3.heads, x))) for i, x in enumerate(labels)]


def test_agree_on_three_target_files(run, tmp_path):
    pa, pb = write_jsonl(tmp_path / "a.jsonl", rows3(A3)), write_jsonl(tmp_path / "b.jsonl", rows3(B3))
    r = run("agree", str(pa), str(pb), "--report", str(tmp_path / "agree.json"))
    assert r.exit_code == 0, r.output
    china_a, china_b = [x[2] for x in A3], [x[2] for x in B3]
    expected = cohen_kappa_score(china_a, china_b)
    assert f"china     kappa {expected:.3f}" in r.stdout
    assert "s1  china against/neutral" in r.stdout
    report = json.loads((tmp_path / "agree.json").read_text(encoding="utf-8"))
    assert report["targets"] == ["russia", "us", "china"]
    assert list(report["fields"]) == list(SCHEMA3.heads)
    assert report["fields"]["china"]["kappa"] == pytest.approx(expected)
    assert report["fields"]["china"]["agreement"] == pytest.approx(3 / 5)
    assert [d["id"] for d in report["disagreements"]] == ["s1", "s4"]


def test_agree_targets_must_match_or_be_stated(run, tmp_path):
    pa = write_jsonl(tmp_path / "a.jsonl", rows3(A3))
    two = [answer_row(i, {"russia": x[0], "us": x[1], "sentiment": x[3]}) for i, x in enumerate(B3)]
    pb = write_jsonl(tmp_path / "b.jsonl", two)
    assert_user_error(run("agree", str(pa), str(pb)), "labels targets russia, us, china", "--targets russia,us")
    r = run("agree", str(pa), str(pb), "--targets", "russia,us")
    assert r.exit_code == 0, r.output
    assert "china" not in r.stdout and "russia    kappa" in r.stdout
    assert_user_error(run("agree", str(pb), str(pb), "--targets", "russia,us,china"), "b.jsonl:1", "china")
    mixed = write_jsonl(tmp_path / "mixed.jsonl", rows3(A3)[:2] + two[2:])
    assert_user_error(run("agree", str(mixed), str(pa)), "mixed.jsonl:3", "two schemas")


# -- the page in a real browser ------------------------------------------------------------------

def test_the_page_labels_a_third_target_without_a_suggestion(tmp_path):
    from playwright.sync_api import expect, sync_playwright

    out = tmp_path / "labels.jsonl"
    ordered = order(unscored(read_sources([str(THREE_TARGETS)], "jsonl")), 1.0, seed=0)
    session = Session(ordered, AnswerStore(out, schema=SCHEMA3), "lan")
    chromium = shutil.which("chromium")
    assert chromium, "the chromium package is needed (.ci/run installs it)"
    keys = label_keys(SCHEMA3)
    try:
        with serve_app(create_app(session)) as url, sync_playwright() as p:
            browser = p.chromium.launch(executable_path=chromium, headless=True)
            page = browser.new_page()
            page.goto(url)
            card = page.locator("#card")
            expect(card).to_have_attribute("data-id", ordered[0].id)
            expect(page.locator(".field")).to_have_count(4)
            expect(page.locator('.field[data-head="china"] .option')).to_have_count(len(STANCE_LABELS))
            expect(page.locator('.field[data-head="china"]')).to_contain_text("no suggestion")
            expect(page.locator("#legend")).to_contain_text("china:")
            page.keyboard.press("Enter")  # nothing chosen: refused on the page
            expect(page.locator("#message")).to_contain_text("choose a label for russia, us, china, sentiment")
            page.keyboard.press(keys["china"]["against"])
            expect(page.locator('.field[data-head="china"] .option.chosen')).to_have_attribute("data-label", "against")
            page.keyboard.press("Enter")
            expect(page.locator("#message")).to_contain_text("choose a label for russia, us, sentiment")
            for head, lab in (("russia", "none"), ("us", "none"), ("sentiment", "negative")):
                page.keyboard.press(keys[head][lab])
            page.keyboard.press("Enter")
            expect(card).to_have_attribute("data-id", ordered[1].id)
            expect(page.locator("#progress")).to_contain_text("1 labelled")
            expect(page.locator("#progress")).not_to_contain_text("same as model")  # no model, no figure
            browser.close()
    finally:
        session.store.close()
    (row,) = lines(out)
    assert row["id"] == ordered[0].id
    assert {h: row[h] for h in SCHEMA3.heads} == {"russia": "none", "us": "none", "china": "against",
                                                 "sentiment": "negative"}
