"""Tabular input and output for `vnstance predict`, and Model.predict_frame."""

from __future__ import annotations

import csv
import io
import json

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from vnstance.features.articles import article_sentences
from vnstance.tables import read_delimited

from .conftest import ARTICLES, SEEDS, assert_user_error, write_jsonl

S = ["Nga tiếp tục cáo buộc Mỹ hậu thuẫn khủng bố ở Syria",
     "Ca sĩ Mỹ Tâm ra mắt album mới",
     "Ngoại trưởng Mỹ John Kerry hoan nghênh thỏa thuận ngừng bắn với Nga"]
SCORE_COLUMNS = ["russia_favor", "russia_against", "russia_neutral", "russia_none", "us_favor", "us_against",
                 "us_neutral", "us_none", "sentiment_positive", "sentiment_negative", "sentiment_neutral"]


def jsonl(out: str) -> list[dict]:
    return [json.loads(line) for line in out.splitlines()]


def write_csv(path, rows: list[dict], delimiter: str = ",") -> str:
    with open(path, "w", encoding="utf-8", newline="") as f:
        w = csv.DictWriter(f, fieldnames=list(rows[0]), delimiter=delimiter)
        w.writeheader()
        w.writerows(rows)
    return str(path)


def read_csv_rows(text: str) -> list[dict]:
    return list(csv.DictReader(io.StringIO(text)))


@pytest.fixture
def reference(run, model_path, tmp_path):
    """The JSONL predictions for S: what every tabular path must agree with."""
    path = write_jsonl(tmp_path / "ref.jsonl", [{"text": s} for s in S])
    r = run("predict", "--model", str(model_path), "--input-format", "jsonl", str(path))
    assert r.exit_code == 0, r.output
    return jsonl(r.stdout)


def test_csv_in_jsonl_out_passes_columns_through(run, model_path, tmp_path, reference):
    src = write_csv(tmp_path / "in.csv", [{"url": f"u{i}", "text": s, "outlet": "vov", "k": str(i)}
                                          for i, s in enumerate(S)])
    r = run("predict", "--model", str(model_path), "--id-column", "k", src)  # csv from the extension
    assert r.exit_code == 0, r.output
    rows = jsonl(r.stdout)
    assert [(x["url"], x["outlet"], x["id"]) for x in rows] == [(f"u{i}", "vov", str(i)) for i in range(3)]
    assert [{k: x[k] for k in ref} for x, ref in zip(rows, reference)] == reference
    assert r.stderr == ""  # no warning: in particular not "no input sentences"


def test_jsonl_extension_is_read_as_jsonl(run, model_path, tmp_path, reference):
    path = write_jsonl(tmp_path / "in.jsonl", [{"text": s} for s in S])
    r = run("predict", "--model", str(model_path), str(path))
    assert r.exit_code == 0, r.output
    assert jsonl(r.stdout) == reference and r.stderr == ""


def test_csv_output_flattens_scores_and_agrees_with_jsonl(run, model_path, tmp_path, reference):
    src = write_csv(tmp_path / "in.tsv", [{"text": s, "outlet": "vov"} for s in S], delimiter="\t")
    r = run("predict", "--model", str(model_path), "--format", "csv", src)
    assert r.exit_code == 0, r.output
    rows = read_csv_rows(r.stdout)
    assert list(rows[0]) == ["outlet", "text", "russia", "us", "sentiment", "russia_mentions", "us_mentions",
                             *SCORE_COLUMNS]
    for row, ref in zip(rows, reference):
        assert (row["text"], row["russia"], row["us"], row["sentiment"]) == (
            ref["text"], ref["russia"], ref["us"], ref["sentiment"])
        assert row["us_mentions"] == "; ".join(ref["mentions"]["us"])
        assert {c: float(row[c]) for c in SCORE_COLUMNS} == {
            f"{h}_{lab}": v for h, scores in ref["scores"].items() for lab, v in scores.items()}


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_parquet_round_trip_keeps_types_and_order(run, model_path, tmp_path, reference, jobs):
    n = 700  # several of parallel predict's chunks of 256
    texts = [S[i % 3] for i in range(n)]
    pq.write_table(pa.table({"n": list(range(n)), "text": texts, "w": [i / 2 for i in range(n)]}),
                   tmp_path / "in.parquet", row_group_size=300)
    out = tmp_path / "out.parquet"
    r = run("predict", "--model", str(model_path), "--jobs", jobs, "--format", "parquet", "-o", str(out),
            str(tmp_path / "in.parquet"))
    assert r.exit_code == 0, r.output
    table = pq.read_table(out)
    assert table.schema.field("n").type == pa.int64() and table.schema.field("w").type == pa.float64()
    assert table.schema.field("us_mentions").type == pa.list_(pa.string())
    df = table.to_pandas()
    assert df["n"].tolist() == list(range(n)) and df["text"].tolist() == texts
    assert df["us"].tolist() == [reference[i % 3]["us"] for i in range(n)]
    assert df["russia_against"].tolist() == [reference[i % 3]["scores"]["russia"]["against"] for i in range(n)]


def test_article_column_is_split_like_article_input(run, model_path, tmp_path):
    bodies = [p.read_text(encoding="utf-8") for p in ARTICLES[:2]]
    src = write_csv(tmp_path / "a.csv", [{"aid": f"A{i}", "outlet": f"o{i}", "body": b} for i, b in enumerate(bodies)])
    r = run("predict", "--model", str(model_path), "--article", "--id-column", "aid", src)
    assert r.exit_code == 0, r.output
    rows = jsonl(r.stdout)
    expected = [(f"A{i}", f"o{i}", j, s) for i, b in enumerate(bodies) for j, s in enumerate(article_sentences(b), 1)]
    assert [(x["article_id"], x["outlet"], x["sentence_index"], x["text"]) for x in rows] == expected
    assert rows[0]["id"] == "A0-001" and "body" not in rows[0]
    single = run("predict", "--model", str(model_path), "--input-format", "article", str(ARTICLES[0]))
    labels = [(x["russia"], x["us"], x["sentiment"]) for x in jsonl(single.stdout)]
    assert [(x["russia"], x["us"], x["sentiment"]) for x in rows[: len(labels)]] == labels
    assert [x["section"] for x in rows[: len(labels)]] == [x["section"] for x in jsonl(single.stdout)]


def test_folder_input_reads_txt_articles(run, model_path, tmp_path):
    folder = tmp_path / "archive"
    folder.mkdir()
    for p in ARTICLES[:2]:
        (folder / p.name).write_bytes(p.read_bytes())
    (folder / "notes.md").write_text("not an article", encoding="utf-8")
    r = run("predict", "--model", str(model_path), str(folder))
    assert r.exit_code == 0, r.output
    rows = jsonl(r.stdout)
    expected = [(p.stem, j) for p in ARTICLES[:2]
                for j in range(1, len(article_sentences(p.read_text(encoding="utf-8"))) + 1)]
    assert [(x["article_id"], x["sentence_index"]) for x in rows] == expected
    single = jsonl(run("predict", "--model", str(model_path), "--input-format", "article", str(ARTICLES[0])).stdout)
    assert [(x["text"], x["section"]) for x in rows[: len(single)]] == [(x["text"], x["section"]) for x in single]
    assert r.stderr == ""


def test_predict_frame_matches_csv_output(run, model, model_path, tmp_path):
    df = pd.DataFrame({"outlet": ["a", "b", "c"], "text": S})
    frame = model.predict_frame(df)
    src = write_csv(tmp_path / "in.csv", df.to_dict("records"))
    rows = read_csv_rows(run("predict", "--model", str(model_path), "--format", "csv", src).stdout)
    assert list(frame.columns) == list(rows[0])
    assert frame["sentiment"].tolist() == [r["sentiment"] for r in rows]
    assert frame["us_favor"].tolist() == [float(r["us_favor"]) for r in rows]
    arts = model.predict_frame(pd.DataFrame({"body": [ARTICLES[0].read_text(encoding="utf-8")]}), "body", article=True)
    assert arts["text"].tolist() == article_sentences(ARTICLES[0].read_text(encoding="utf-8"))
    assert set(arts["article_id"]) == {1}


def test_tsv_from_stdin_with_crlf_and_default_id_column(run, model_path, reference):
    data = "id\ttext\tnote\r\n" + "".join(f"r{i}\t{s}\tn{i}\r\n" for i, s in enumerate(S))
    r = run("predict", "--model", str(model_path), "--input-format", "tsv", "-", input=data.encode("utf-8"))
    assert r.exit_code == 0, r.output
    rows = jsonl(r.stdout)
    assert [(x["id"], x["note"], x["text"], x["us"]) for x in rows] == [
        (f"r{i}", f"n{i}", ref["text"], ref["us"]) for i, ref in enumerate(reference)]


def test_csv_is_read_lazily(tmp_path):
    src = tmp_path / "in.csv"
    src.write_text("text\n" + "".join(f"{s}\n" for s in S) + "x,y\n", encoding="utf-8")
    items = read_delimited(str(src), ",", "text")
    assert next(items).text == S[0]  # the ragged last row is not read yet


# --- bad input: one line naming file, row and column; exit 2; no output file ---------------------------

def _bad(run, model_path, tmp_path, src, *extra):
    out = tmp_path / "out.csv"
    r = run("predict", "--model", str(model_path), "--format", "csv", "-o", str(out), *extra, str(src))
    assert not out.exists()
    return r


def test_missing_text_column(run, model_path, tmp_path):
    src = write_csv(tmp_path / "in.csv", [{"url": "u", "body": S[0]}])
    assert_user_error(_bad(run, model_path, tmp_path, src), f"{src}:1:", 'no column "text"', "body",
                      "--text-column")


def test_non_utf8_csv(run, model_path, tmp_path):
    src = tmp_path / "in.csv"
    src.write_bytes(f"url,text\nu1,{S[0]}\nu2,".encode() + S[1].encode("cp1258", "replace") + b"\n")
    assert_user_error(_bad(run, model_path, tmp_path, src), f"{src}:3:", 'row 2, column "text"', "invalid UTF-8")


def test_ragged_row(run, model_path, tmp_path):
    src = tmp_path / "in.csv"
    src.write_text(f"url,text,outlet\nu1,{S[0]},vov\nu2,{S[1]}\n", encoding="utf-8")
    assert_user_error(_bad(run, model_path, tmp_path, src), f"{src}:3:", "row 2 has 2 field(s), the header has 3")


@pytest.mark.parametrize("empty", ["zero bytes", "no rows"])
def test_empty_parquet(run, model_path, tmp_path, empty):
    src = tmp_path / "in.parquet"
    if empty == "zero bytes":
        src.write_bytes(b"")
    else:
        pq.write_table(pa.table({"text": pa.array([], pa.string())}), src)
    assert_user_error(_bad(run, model_path, tmp_path, src), f"{src}:", "empty")


def test_parquet_text_column_of_numbers(run, model_path, tmp_path):
    src = tmp_path / "in.parquet"
    pq.write_table(pa.table({"title": [S[0], S[1]], "n": [1, 2]}), src)
    assert_user_error(_bad(run, model_path, tmp_path, src, "--text-column", "n"),
                      'row 1, column "n": expected text, got int')


def test_input_column_named_like_an_output_column(run, model_path, tmp_path):
    src = write_csv(tmp_path / "in.csv", [{"text": S[0], "russia": "favor"}])
    assert_user_error(_bad(run, model_path, tmp_path, src), 'column "russia" would be overwritten')


def test_table_options_need_table_input(run, model_path):
    r = run("predict", "--model", str(model_path), "--article", "-", input=S[0] + "\n")
    assert_user_error(r, "--article apply to csv, tsv or parquet input")


def test_demo_archive_is_marked_and_splits(run, model_path):
    demo = SEEDS.parent / "examples" / "demo-archive.csv"
    df = pd.read_csv(demo)
    assert {"url", "outlet", "published", "title", "body"} <= set(df.columns)
    assert df["note"].str.startswith("DEMO").all() and df["outlet"].str.startswith("Demo Outlet").all()
