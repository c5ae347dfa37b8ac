"""Shared fixtures: the model is trained once per test session, not once per test."""

from __future__ import annotations

import json
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator

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


DATA = Path(__file__).resolve().parent / "data"
THREE_TARGETS = DATA / "three-targets.jsonl"
CHINA_LEXICON = DATA / "china-lexicon.json"


@pytest.fixture(scope="session")
def model3_path(tmp_path_factory) -> Path:
    """A small three-target model (russia, us, china) trained by the CLI on tests/data."""
    out = tmp_path_factory.mktemp("model3") / "m3.joblib"
    result = CliRunner().invoke(main, ["train", "--data", str(THREE_TARGETS), "--targets", "russia,us,china",
                                       "--lexicon", str(CHINA_LEXICON), "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "china" in result.output  # the label counts list the third head
    return out


@pytest.fixture(scope="session")
def model3(model3_path):
    from vnstance import load_model

    return load_model(model3_path)


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


@contextmanager
def serve_app(app: Any, timeout: float = 30.0) -> Iterator[str]:
    """Serve an ASGI app with uvicorn in a thread on a free local port, for a real browser;
    yields the base URL ("http://127.0.0.1:PORT/") and stops the server on exit."""
    import threading
    import time

    import uvicorn

    from .label_server import free_port

    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + timeout
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    try:
        assert server.started, f"uvicorn did not start on port {port} within {timeout:.0f}s"
        yield f"http://127.0.0.1:{port}/"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
