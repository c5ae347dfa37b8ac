"""`lines` input: ids, a BOM, CSV fed by mistake, over-long lines, empty input."""

from __future__ import annotations

import json

from vnstance.inputs import MAX_LINE_CHARS

S1 = "Nga tiếp tục cáo buộc Mỹ hậu thuẫn khủng bố ở Syria"
S2 = "Mỹ và Nga nhất trí ngừng bắn ở Aleppo"


def _rows(r) -> list[dict]:
    return [json.loads(x) for x in r.stdout.splitlines()]


def _warnings(r) -> list[str]:
    return [x for x in r.stderr.splitlines() if x.startswith("vnstance: warning:")]


def test_every_row_has_a_file_and_line_id(run, model_path, tmp_path):
    src = tmp_path / "in.txt"
    src.write_text(f"{S1}\n\n{S2}\n", encoding="utf-8")
    r = run("predict", "--model", str(model_path), str(src), "-", input=f"\n{S2}\n")
    assert r.exit_code == 0, r.output
    assert [x["id"] for x in _rows(r)] == [f"{src}:1", f"{src}:3", "<stdin>:2"]
    assert _warnings(r) == []


def test_bom_is_stripped(run, model_path):
    r = run("predict", "--model", str(model_path), "-", input=("\ufeff" + S1 + "\n").encode("utf-8"))
    assert r.exit_code == 0, r.output
    (row,) = _rows(r)
    assert row["text"] == S1 and row["mentions"]["russia"]


def test_bom_is_stripped_from_jsonl_too(run, model_path):
    r = run("predict", "--model", str(model_path), "--input-format", "jsonl", "-",
            input=("\ufeff" + json.dumps({"text": S1}) + "\n").encode("utf-8"))
    assert r.exit_code == 0, r.output
    assert _rows(r)[0]["text"] == S1


def test_csv_fed_as_lines_warns_once(run, model_path, tmp_path):
    src = tmp_path / "archive.txt"  # a .csv name would be read as a table
    src.write_text(f'id,text,outlet\n1,"{S1}",vov\n2,"{S2}",vov\n', encoding="utf-8")
    r = run("predict", "--model", str(model_path), str(src))
    assert r.exit_code == 0, r.output
    assert len(_rows(r)) == 3  # still labelled: a warning, not an error
    (warning,) = _warnings(r)
    assert warning.startswith(f"vnstance: warning: {src}:1: this looks like CSV") and "--input-format csv" in warning


def test_csv_rows_without_a_header_warn_too(run, model_path):
    r = run("predict", "--model", str(model_path), "-", input=f'"a1","{S1}"\n"a2","{S2}"\n')
    assert [w.split(": this")[0] for w in _warnings(r)] == ["vnstance: warning: <stdin>:1"]


def test_news_sentences_with_commas_and_quotes_are_not_csv(run, model_path, gold):
    text = "\n".join(gold.texts) + "\n"
    r = run("predict", "--model", str(model_path), "-", input=text)
    assert r.exit_code == 0 and _warnings(r) == []
    assert len(_rows(r)) == len(gold)


def test_an_overlong_line_warns_once_and_is_labelled_whole(run, model_path):
    long = " ".join([S1 + "."] * (MAX_LINE_CHARS // len(S1) + 2))
    assert len(long) > MAX_LINE_CHARS
    r = run("predict", "--model", str(model_path), "-", input=f"{S2}\n{long}\n{long}\n")
    assert r.exit_code == 0, r.output
    rows = _rows(r)
    assert len(rows) == 3 and rows[1]["text"] == long
    (warning,) = _warnings(r)
    assert warning.startswith("vnstance: warning: 2 line(s) over 2,000 characters (the first at <stdin>:2")


def test_empty_input_says_so_and_exits_0(run, model_path):
    for text in ("", "\n\n  \n"):
        r = run("predict", "--model", str(model_path), "-", input=text)
        assert r.exit_code == 0 and r.stdout == ""
        assert _warnings(r) == ["vnstance: warning: no input sentences"]
    assert run("predict", "--model", str(model_path), "-q", "-", input="").stderr == ""
