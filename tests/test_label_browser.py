"""The labelling page in a real browser: headless Chromium (the OS package) driven by Playwright."""

import json
import shutil

import pytest
from playwright.sync_api import expect, sync_playwright

from vnstance.label.app import create_app, label_keys
from vnstance.label.queue import order, read_sources, score
from vnstance.label.session import Session
from vnstance.label.store import AnswerStore
from vnstance.schema import DEFAULT

from .conftest import ARTICLES, serve_app


@pytest.fixture
def served(model, tmp_path):
    out = tmp_path / "labels.jsonl"
    ordered = order(score(model, read_sources([str(ARTICLES[2])], "article")), 0.2, seed=0)
    session = Session(ordered, AnswerStore(out), "lan")
    with serve_app(create_app(session)) as url:
        yield url, ordered, out


def test_label_three_sentences_with_the_keyboard_and_undo_one(served, tmp_path):
    url, ordered, out = served
    chromium = shutil.which("chromium")
    assert chromium, "the chromium package is needed (.ci/run installs it)"
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, headless=True)
        page = browser.new_page(viewport={"width": 1280, "height": 860})
        page.goto(url)
        card = page.locator("#card")
        ids = [c.id for c in ordered[:4]]
        expect(card).to_have_attribute("data-id", ids[0])
        expect(page.locator("#sentence")).to_have_text(ordered[0].text)
        expect(page.locator("#legend")).to_contain_text("Enter")

        keys = label_keys()
        page.keyboard.press(keys["russia"]["against"])
        page.keyboard.press(keys["sentiment"]["neutral"])
        expect(page.locator('.field[data-head="russia"] .option.chosen')).to_have_attribute("data-label", "against")
        page.keyboard.press("Enter")
        expect(card).to_have_attribute("data-id", ids[1])
        page.keyboard.press("Enter")  # accept the model's suggestion as it is
        expect(card).to_have_attribute("data-id", ids[2])
        page.keyboard.press(keys["us"]["against"])
        page.keyboard.press("Enter")
        expect(card).to_have_attribute("data-id", ids[3])
        expect(page.locator("#progress")).to_contain_text("same as model")
        expect(page.locator("#progress")).to_contain_text("on russia, us, sentiment")

        page.keyboard.press("Backspace")  # undo the third answer: it comes back with its choice
        expect(card).to_have_attribute("data-id", ids[2])
        expect(page.locator('.field[data-head="us"] .option.chosen')).to_have_attribute("data-label", "against")
        expect(page.locator("#message")).to_contain_text("undid")

        page.keyboard.press("?")
        expect(page.locator("#guideline")).to_be_visible()
        expect(page.locator("#guideline")).to_contain_text("Decision rules")
        page.keyboard.press("Escape")
        expect(page.locator("#guideline")).to_be_hidden()
        page.screenshot(path=str(tmp_path / "label.png"))
        browser.close()

    rows = [json.loads(x) for x in out.read_text(encoding="utf-8").splitlines()]
    assert [r["id"] for r in rows] == ids[:2]
    assert rows[0]["russia"] == "against" and rows[0]["sentiment"] == "neutral"
    assert rows[0]["us"] == ordered[0].suggestion["us"]
    assert {h: rows[1][h] for h in DEFAULT.heads} == ordered[1].suggestion
    assert all(r["annotator"] == "lan" and r["selected_by"] == c.selected_by for r, c in zip(rows, ordered))
