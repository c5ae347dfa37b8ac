"""Article input marks each sentence's section; related-news sidebars are never body."""

from __future__ import annotations

import json
import re

import pytest

from vnstance.features.articles import article_sections
from vnstance.features.normalize import normalize

from .conftest import ARTICLES, assert_user_error

RELATED_HEADER = re.compile(r"^(?:Tin liên quan|TIN LIÊN QUAN)$", re.MULTILINE)


def _raw(path) -> str:
    return "\n".join(normalize(line) for line in path.read_text(encoding="utf-8").splitlines())


def test_gold_sentence_count_per_article_is_unchanged(gold):
    for path in ARTICLES:
        doc = path.name[:3]
        parts = article_sections(path.read_text(encoding="utf-8"))
        assert len(parts) == sum(e.doc == doc for e in gold.examples), path.name


@pytest.mark.parametrize("path", ARTICLES, ids=lambda p: p.name[:3])
def test_what_follows_the_related_news_header_is_related_and_nothing_before_it(path):
    raw = _raw(path)
    header = RELATED_HEADER.search(raw)
    assert header, path.name  # every seed article has one
    for sentence, section in article_sections(path.read_text(encoding="utf-8")):
        at = raw.find(sentence)
        assert at >= 0, sentence
        assert (section == "related") == (at > header.start()), (section, sentence)


def test_article_003_marks_the_aggregator_sidebar_related(gold):
    parts = article_sections(ARTICLES[3].read_text(encoding="utf-8"))
    texts = [e.text for e in gold.examples if e.doc == "003"]
    # the data card: 67 of its 109 gold sentences are the aggregator's teasers, after the article
    assert [s for _, s in parts].count("related") == 67
    assert all(s == "related" for _, s in parts[42:]) and "related" not in [s for _, s in parts[:42]]
    for teaser in ("Bitcoin biến động như tàu lượn, chuyên gia cảnh báo",
                   "Ông Trump tăng thuế lên hàng hóa Trung Quốc, Bắc Kinh đáp trả"):
        assert dict(parts)[teaser] == "related" and teaser in texts


@pytest.mark.parametrize("path", ARTICLES, ids=lambda p: p.name[:3])
def test_first_paragraph_is_the_headline_and_credited_photos_are_captions(path):
    lines = [normalize(x) for x in path.read_text(encoding="utf-8").splitlines() if x.strip()]
    parts = article_sections(path.read_text(encoding="utf-8"))
    assert parts[0] == (lines[0], "headline")
    credited = [x for x in lines if re.search(r"\(?Ảnh: [^()]+\)?$", x)]
    for sentence, section in parts:
        if any(sentence in x for x in credited) and section != "related":
            assert section == "caption", sentence
    body = [s for s, sec in parts if sec == "body"]
    assert len(body) >= 5  # the articles' own paragraphs stay body


def test_predict_marks_and_filters_sections(run, model_path):
    path = str(ARTICLES[3])
    every = [json.loads(x) for x in run("predict", "--model", str(model_path), "--input-format", "article",
                                        path).stdout.splitlines()]
    assert len(every) == 109 and {r["section"] for r in every} == {"headline", "body", "caption", "related"}
    r = run("predict", "--model", str(model_path), "--input-format", "article", "--sections", "body,headline", path)
    assert r.exit_code == 0, r.output
    kept = [json.loads(x) for x in r.stdout.splitlines()]
    assert kept == [row for row in every if row["section"] in ("body", "headline")]  # ids unchanged too


def test_sections_usage_errors(run, model_path):
    assert_user_error(run("predict", "--model", str(model_path), "--input-format", "article", "--sections", "sidebar",
                          str(ARTICLES[0])), "sidebar: choose from headline, body, caption, related")
    assert_user_error(run("predict", "--model", str(model_path), "--sections", "body", "-", input="Nga\n"),
                      "--sections needs articles")
    assert_user_error(run("predict", "--model", str(model_path), "--engine", "dask", "--article", "--sections", "body",
                          str(ARTICLES[0]), "-o", "out"), "--sections is for the local engine")


def test_sections_filter_table_and_folder_articles_too(run, model_path, tmp_path):
    # an analyst's table of article bodies, and a folder of .txt articles: the same filter as article input
    import csv

    table = tmp_path / "articles.csv"
    with open(table, "w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(["id", "outlet", "body"])
        w.writerow(["a3", "x", ARTICLES[3].read_text(encoding="utf-8")])
    folder = tmp_path / "folder"
    folder.mkdir()
    (folder / "a3.txt").write_text(ARTICLES[3].read_text(encoding="utf-8"), encoding="utf-8")
    for args in (["--article", str(table)], [str(folder)]):
        every = [json.loads(x) for x in run("predict", "--model", str(model_path), *args).stdout.splitlines()]
        assert {r["section"] for r in every} == {"headline", "body", "caption", "related"}
        r = run("predict", "--model", str(model_path), "--sections", "body", *args)
        assert r.exit_code == 0, r.output
        kept = [json.loads(x) for x in r.stdout.splitlines()]
        assert kept and kept == [row for row in every if row["section"] == "body"]  # ids and indexes unchanged


def test_api_predict_article_says_the_section(model):
    rows = model.predict_article(ARTICLES[0].read_text(encoding="utf-8"))
    assert rows[0]["section"] == "headline" and rows[-1]["section"] == "related"
