import json

import pytest

from .conftest import ARTICLES, assert_user_error, write_jsonl

S1 = "Nga tiếp tục cáo buộc Mỹ hậu thuẫn khủng bố ở Syria"
S2 = "Ca sĩ Mỹ Tâm ra mắt album mới"


def jsonl(out: str) -> list[dict]:
    return [json.loads(line) for line in out.splitlines()]


def test_predict_lines_from_stdin(run, model_path):
    r = run("predict", "--model", str(model_path), "-", input=f"{S1}\n\n{S2}\n")
    assert r.exit_code == 0, r.output
    rows = jsonl(r.stdout)
    assert [x["text"] for x in rows] == [S1, S2]
    assert list(rows[0]) == ["id", "text", "russia", "us", "sentiment", "mentions", "scores"]
    assert [x["id"] for x in rows] == ["<stdin>:1", "<stdin>:3"]
    assert rows[1]["mentions"] == {"russia": [], "us": []}
    assert r.stderr.strip() == "vnstance: skipped 1 empty line(s)"


def test_predict_jsonl_passes_fields_through(run, model_path, tmp_path):
    path = write_jsonl(tmp_path / "in.jsonl", [{"id": 7, "text": S1, "source": "vov"}, {"text": S2}])
    r = run("predict", "--model", str(model_path), "--input-format", "jsonl", str(path))
    assert r.exit_code == 0, r.output
    rows = jsonl(r.stdout)
    assert rows[0]["id"] == "7" and rows[0]["source"] == "vov" and rows[0]["us"] in ("favor", "against", "neutral")
    assert "id" not in rows[1]


def test_predict_article_one_line_per_sentence(run, model_path):
    r = run("predict", "--model", str(model_path), "--input-format", "article", str(ARTICLES[0]))
    assert r.exit_code == 0, r.output
    rows = jsonl(r.stdout)
    assert len(rows) == 16
    assert [x["id"] for x in rows][:2] == [f"{ARTICLES[0].stem}-001", f"{ARTICLES[0].stem}-002"]


def test_predict_table_and_output_file(run, model_path, tmp_path):
    out = tmp_path / "o.txt"
    r = run("predict", "--model", str(model_path), "--format", "table", "-o", str(out), "-", input=S1 + "\n")
    assert r.exit_code == 0 and r.stdout == ""
    lines = out.read_text(encoding="utf-8").splitlines()
    assert lines[0].split()[:4] == ["ID", "RUSSIA", "US", "SENTIMENT"]
    assert lines[1].split()[:1] == ["<stdin>:1"] and lines[1].split()[2] == "against"  # id, russia, us
    assert len(lines) == 2


def test_output_file_not_written_on_bad_input(run, model_path, tmp_path):
    src = tmp_path / "in.jsonl"
    src.write_text(json.dumps({"text": S1}) + "\n" + '{"id": 2}\n', encoding="utf-8")
    out = tmp_path / "out.jsonl"
    r = run("predict", "--model", str(model_path), "--input-format", "jsonl", "-o", str(out), str(src))
    assert_user_error(r, f"{src}:2:", 'missing "text"')
    assert not out.exists() and list(tmp_path.iterdir()) == [src]


@pytest.mark.parametrize("command", [["predict", "-"], ["eval", "--report"], ["bench", "--sentences", "20", "--json"]])
def test_unwritable_output_is_a_one_line_error(run, model_path, tmp_path, command):
    blocker = tmp_path / "a-file"
    blocker.write_text("x")
    target = str(blocker / "out.json")  # its parent is a file
    args = [command[0], "--model", str(model_path), *command[1:]]
    args += ["-o", target] if command[0] == "predict" else [target]
    assert_user_error(run(*args, input=S1 + "\n"), f"{target}: cannot write")
    assert list(tmp_path.iterdir()) == [blocker]


@pytest.mark.parametrize("content, fragment", [
    (b'["not", "an object"]\n', "expected a JSON object"),
    (b'{"text": 3}\n', '"text" must be a string'),
    (b'{"text": "ok"}\n{oops\n', ":2: invalid JSON"),
])
def test_bad_jsonl_input(run, model_path, tmp_path, content, fragment):
    src = tmp_path / "in.jsonl"
    src.write_bytes(content)
    assert_user_error(run("predict", "--model", str(model_path), "--input-format", "jsonl", str(src)), fragment)


def test_invalid_utf8_names_the_line(run, model_path, tmp_path):
    src = tmp_path / "in.txt"
    src.write_bytes(S1.encode() + b"\n" + b"caf\xe9\n")
    assert_user_error(run("predict", "--model", str(model_path), str(src)), f"{src}:2: invalid UTF-8")


def test_missing_input_and_model(run, model_path, tmp_path):
    assert_user_error(run("predict", "--model", str(model_path), str(tmp_path / "none.txt")), "no such file")
    assert_user_error(run("predict", "--model", str(tmp_path / "none.joblib"), "-", input=S1), "no such model file")


def test_corrupt_model_refused(run, model_path, tmp_path):
    bad = tmp_path / "m.joblib"
    data = bytearray(model_path.read_bytes())
    data[100] ^= 0xFF
    bad.write_bytes(bytes(data))
    (tmp_path / "m.joblib.sha256").write_text(model_path.with_name("model.joblib.sha256").read_text())
    assert_user_error(run("predict", "--model", str(bad), "-", input=S1), "refusing to load")


def test_usage_error_is_one_line(run):
    assert_user_error(run("predict", "--format", "xml"), "Invalid value for '--format'")


def test_train_errors(run, tmp_path):
    bad = write_jsonl(tmp_path / "bad.jsonl", [{"id": "1", "doc": "d", "text": "Nga", "russia": "maybe",
                                               "us": "none", "sentiment": "neutral"}])
    out = tmp_path / "m.joblib"
    assert_user_error(run("train", "--data", str(bad), "--out", str(out)), f"{bad}:1:", "unknown russia label")
    (tmp_path / "empty.jsonl").write_text("")
    assert_user_error(run("train", "--data", str(tmp_path / "empty.jsonl"), "--out", str(out)), "empty data: no labelled sentences in")
    assert_user_error(run("train", "--data", str(tmp_path / "absent.jsonl"), "--out", str(out)), "no such file")
    assert not out.exists()


def test_train_small_file(run, tmp_path, gold):
    rows = [{"id": e.id, "doc": e.doc, "text": e.text, "russia": e.russia, "us": e.us, "sentiment": e.sentiment}
            for e in gold.examples[:40]]
    data = write_jsonl(tmp_path / "small.jsonl", rows)
    out = tmp_path / "m.joblib"
    r = run("train", "--data", str(data), "--out", str(out), "--seed", "3")
    assert r.exit_code == 0, r.output
    assert "trained on 40 sentences" in r.stdout and f"model: {out}" in r.stdout
    assert out.exists() and (tmp_path / "m.joblib.sha256").exists()


def test_empty_input_gives_no_output(run, model_path):
    r = run("predict", "--model", str(model_path), "-", input="")
    assert r.exit_code == 0 and r.stdout == "" and r.stderr == "vnstance: warning: no input sentences\n"
