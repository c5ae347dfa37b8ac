"""`vnstance summarize`: aggregation, intervals, too-few groups, evidence, the HTML and CSV."""

from __future__ import annotations

import csv
import io
import json
from datetime import datetime

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from vnstance.summarize import month_of, wilson

from .conftest import assert_user_error

SCORES = {"russia": ("favor", "against", "neutral", "none"), "us": ("favor", "against", "neutral", "none"),
          "sentiment": ("positive", "negative", "neutral")}


def pred(text: str, outlet: str, published: str, russia: str, us: str = "none", sentiment: str = "neutral",
         conf: float = 0.6) -> dict:
    """A row as `predict --format csv` writes it, made by hand."""
    row = {"outlet": outlet, "published": published, "id": text[:12], "text": text, "russia": russia, "us": us,
           "sentiment": sentiment, "russia_mentions": "Nga" if russia != "none" else "", "us_mentions": ""}
    for h, labels in SCORES.items():
        chosen = {"russia": russia, "us": us, "sentiment": sentiment}[h]
        for lab in labels:
            row[f"{h}_{lab}"] = conf if lab == chosen else round((1 - conf) / (len(labels) - 1), 4)
    return row


def archive() -> list[dict]:
    """Outlet A, Sep 2016: 12 sentences on Russia (6 favor, 3 against, 3 neutral; sentiment 6 positive,
    3 negative); outlet A, Oct: 2 sentences; outlet B, Sep: 5 on Russia (too few) and 1 on neither."""
    rows = []
    for i in range(6):
        rows.append(pred(f"A favor {i}", "A", f"2016-09-{i + 1:02d}", "favor", sentiment="positive", conf=0.5 + i / 20))
    for i in range(3):
        rows.append(pred(f"A against {i}", "A", f"{i + 10}/9/2016", "against", sentiment="negative"))
    for i in range(3):
        rows.append(pred(f"A neutral {i}", "A", "2016-09-20T08:00:00+07:00", "neutral"))
    rows += [pred(f"A oct {i}", "A", "2016-10-02", "against") for i in range(2)]
    rows += [pred(f"B {i}", "B", "2016-09-05", "favor") for i in range(5)]
    rows.append(pred("B none", "B", "2016-09-05", "none"))
    rows.append(pred("Evil <script>alert(1)</script> & co", "B", "2016-09-06", "against", conf=0.99))
    return rows


def write_csv(path, rows) -> str:
    with open(path, "w", encoding="utf-8", newline="") as f:
        w = csv.DictWriter(f, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows(rows)
    return str(path)


def summary_rows(path) -> dict[tuple[str, str, str], dict]:
    with open(path, encoding="utf-8") as f:
        return {(r["outlet"], r["month"], r["target"]): r for r in csv.DictReader(f)}


def test_wilson_known_values():
    # textbook values (Wilson 1927; e.g. Newcombe 1998, Table I): 6/12 and 0/10 at 95%
    assert wilson(6, 12) == pytest.approx((0.2538, 0.7462), abs=1e-4)
    assert wilson(0, 10) == pytest.approx((0.0, 0.2775), abs=1e-4)
    lo, hi = wilson(3, 12)
    assert (1 - hi, 1 - lo) == pytest.approx(wilson(9, 12))


@pytest.mark.parametrize("value, month", [
    ("2016-09-30", "2016-09"), ("2016-09-30T23:10:00+07:00", "2016-09"), ("2016-09-30 08:00:00", "2016-09"),
    ("2016-09", "2016-09"), ("30/9/2016", "2016-09"), ("01/12/2016 08:15", "2016-12"),
    (datetime(2016, 7, 4, 12), "2016-07"), ("", None), (None, None)])
def test_month_of(value, month):
    assert month_of(value) == month


@pytest.mark.parametrize("value", ["yesterday", "2016-13-01", "31/2/2016"])
def test_month_of_rejects(value):
    with pytest.raises(ValueError):
        month_of(value)


def test_summarize_shares_intervals_too_few_and_evidence(run, tmp_path):
    src = write_csv(tmp_path / "p.csv", archive())
    out_csv, out_html = tmp_path / "s.csv", tmp_path / "r.html"
    r = run("summarize", src, "--by", "outlet", "--by", "month", "--csv", str(out_csv), "--html", str(out_html))
    assert r.exit_code == 0, r.output
    rows = summary_rows(out_csv)
    a = rows[("A", "2016-09", "russia")]
    assert (a["mentions"], a["favor_n"], a["against_n"], a["neutral_n"], a["sentences"]) == ("12", "6", "3", "3", "12")
    assert float(a["favor_share"]) == 0.5
    assert (float(a["favor_low"]), float(a["favor_high"])) == pytest.approx((0.2538, 0.7462), abs=1e-4)
    assert float(a["mean_sentiment"]) == pytest.approx((6 - 3) / 12, abs=1e-4)
    assert a["favor_example"] == "A favor 5"  # the most confident of the six
    assert rows[("A", "2016-09", "us")]["mentions"] == "0"
    b = rows[("B", "2016-09", "russia")]
    assert b["mentions"] == "6" and b["too_few"] == "True" and b["favor_share"] == "" and b["mean_sentiment"] == ""
    assert rows[("A", "2016-10", "russia")]["mentions"] == "2"
    assert "too few" in r.stdout and "50% [25–75]" in r.stdout

    page = out_html.read_text(encoding="utf-8")
    assert "<script>alert" not in page and "Evil &lt;script&gt;alert(1)&lt;/script&gt; &amp; co" in page
    assert "model estimates, not ground truth" in page and "No measured accuracy was given" in page
    assert page.count('<img src="data:image/png;base64,') == 2
    assert "http://" not in page.replace("https://", "") and "<script" not in page and "<link" not in page
    assert "50% [25–75]" in page and "too few" in page


def test_jsonl_and_parquet_predictions_summarize_alike(run, model_path, tmp_path):
    """The three formats `predict` writes give the same summary."""
    src = tmp_path / "in.csv"
    src.write_text("outlet,date,text\n" + "".join(
        f"{o},2016-0{m}-01,{t}\n" for o in "AB" for m in (7, 8) for t in (
            "Nga tiếp tục cáo buộc Mỹ hậu thuẫn khủng bố ở Syria", "Mỹ hoan nghênh thỏa thuận ngừng bắn với Nga",
            "Nga không kích dữ dội Aleppo")), encoding="utf-8")
    summaries = []
    for fmt in ("jsonl", "csv", "parquet"):
        out = tmp_path / f"p.{fmt}"
        assert run("predict", "--model", str(model_path), "--format", fmt, "-o", str(out), str(src)).exit_code == 0
        s = tmp_path / f"s-{fmt}.csv"
        r = run("summarize", str(out), "--by", "outlet", "--by", "month", "--csv", str(s))
        assert r.exit_code == 0, r.output
        summaries.append(s.read_text(encoding="utf-8"))
    assert summaries[0] == summaries[1] == summaries[2]
    assert "A,2016-07,russia,3,3," in summaries[0]


def test_accuracy_from_eval_report(run, model_path, tmp_path):
    report = tmp_path / "eval.json"
    assert run("eval", "--model", str(model_path), "--report", str(report)).exit_code == 0
    metrics = json.loads(report.read_text(encoding="utf-8"))["metrics"]
    src = write_csv(tmp_path / "p.csv", archive())
    html = tmp_path / "r.html"
    r = run("summarize", src, "--by", "outlet", "--html", str(html), "--eval-report", str(report))
    assert r.exit_code == 0, r.output
    page = html.read_text(encoding="utf-8")
    assert f"f_avg {metrics['f_avg']:.2f}" in page
    assert f"Russia stance {metrics['russia']['macro_f1']:.2f}" in page
    assert "No measured accuracy" not in page
    assert page.count('<img src="data:image/png;base64,') == 2  # bar charts: no month to plot over


def test_parquet_timestamps_group_by_month(run, tmp_path):
    rows = archive()
    for r in rows:
        r["published"] = datetime.fromisoformat("2016-11-03")
    src = tmp_path / "p.parquet"
    pq.write_table(pa.Table.from_pylist(rows), src)
    out = tmp_path / "s.csv"
    assert run("summarize", str(src), "--by", "month", "--csv", str(out)).exit_code == 0
    got = list(csv.DictReader(io.StringIO(out.read_text(encoding="utf-8"))))
    assert [(g["month"], g["target"], g["mentions"]) for g in got] == [("2016-11", "russia", "20"),
                                                                      ("2016-11", "us", "0")]


def test_unparseable_date_names_row_and_column(run, tmp_path):
    rows = archive()
    rows[4]["published"] = "sometime in autumn"
    src = write_csv(tmp_path / "p.csv", rows)
    html = tmp_path / "r.html"
    r = run("summarize", src, "--by", "month", "--html", str(html))
    assert_user_error(r, f"{src}:6:", 'row 5, column "published"', "cannot read 'sometime in autumn' as a date")
    assert not html.exists()


def test_missing_group_column(run, tmp_path):
    src = write_csv(tmp_path / "p.csv", archive())
    assert_user_error(run("summarize", src, "--by", "source"), f"{src}:1:", 'no column "source"')


def test_month_without_a_date_column(run, tmp_path):
    rows = [{k: v for k, v in r.items() if k != "published"} for r in archive()]
    src = write_csv(tmp_path / "p.csv", rows)
    assert_user_error(run("summarize", src, "--by", "month"), "--date-column")


def test_not_a_predictions_file(run, tmp_path):
    src = tmp_path / "articles.csv"
    src.write_text("outlet,body\nA,Nga và Mỹ\n", encoding="utf-8")
    assert_user_error(run("summarize", str(src)), 'no column "russia"', "vnstance predict")


def test_a_folder_of_parquet_parts_summarizes_like_one_file(run, tmp_path):
    """The folder `predict --engine dask -o DIR` writes: its parts read in name order, as one."""
    rows = archive()
    folder = tmp_path / "parts"
    folder.mkdir()
    half = len(rows) // 2
    for i, part in enumerate((rows[:half], rows[half:])):
        pq.write_table(pa.Table.from_pylist(part), folder / f"part-{i:05d}.parquet")
    pq.write_table(pa.Table.from_pylist(rows), tmp_path / "whole.parquet")
    outs = []
    for src, name in ((folder, "f.csv"), (tmp_path / "whole.parquet", "w.csv")):
        r = run("summarize", str(src), "--by", "outlet", "--by", "month", "--csv", str(tmp_path / name))
        assert r.exit_code == 0, r.output
        outs.append(summary_rows(tmp_path / name))
    assert outs[0] == outs[1] and outs[0][("A", "2016-09", "russia")]["mentions"] == "12"
    empty = tmp_path / "empty"
    empty.mkdir()
    assert_user_error(run("summarize", str(empty)), str(empty), "no .parquet files")


def test_files_are_written_when_the_reader_stops_early(tmp_path):
    # `vnstance summarize ... --html X --csv Y | head -2`: stdout closes before the table is read
    import subprocess
    import sys

    src = write_csv(tmp_path / "pred.csv", archive())
    html, table_csv = tmp_path / "r.html", tmp_path / "s.csv"
    proc = subprocess.Popen([sys.executable, "-m", "vnstance.cli", "summarize", src, "--by", "outlet",
                             "--html", str(html), "--csv", str(table_csv)], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    proc.stdout.close()
    assert proc.wait(timeout=120) == 0
    assert html.exists() and table_csv.exists()
