"""Shared fixtures: the model is trained once per test session, not once per test."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from vnstance.cli import main
from vnstance.dataset import GOLD_PATH, load_labelled

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"
ARTICLES = sorted((SEEDS / "articles").glob("*.txt"))


@pytest.fixture(scope="session")
def model_path(tmp_path_factory) -> Path:
    """A model trained by the CLI on the default data (seed gold + authored)."""
    out = tmp_path_factory.mktemp("model") / "model.joblib"
    result = CliRunner().invoke(main, ["train", "--out", str(out)])
    assert result.exit_code == 0, result.output
    return out


@pytest.fixture(scope="session")
def model(model_path):
    from vnstance import load_model

    return load_model(model_path)


@pytest.fixture
def run():
    """Invoke the CLI: run('predict', '--model', ...), optionally with input=..."""
    def _run(*args: str, input: str | bytes | None = None):
        return CliRunner().invoke(main, list(args), input=input)
    return _run


@pytest.fixture(scope="session")
def gold():
    return load_labelled(GOLD_PATH)


def write_jsonl(path: Path, rows: list[dict]) -> Path:
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    return path


def assert_user_error(result, *fragments: str) -> None:
    """Exit status 2, one line on stderr starting 'vnstance: error:', no traceback."""
    assert result.exit_code == 2, (result.exit_code, result.output)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("vnstance: error:"), lines[0]
    assert "Traceback" not in result.output
    for f in fragments:
        assert f in lines[0], (f, lines[0])
