import json
import logging
import statistics
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest
from fastapi.testclient import TestClient

from vnstance.service import Limits, create_app

from .conftest import ARTICLES, assert_user_error

S = ["Nga tiếp tục cáo buộc Mỹ hậu thuẫn khủng bố ở Syria", "Bão di chuyển chậm với hướng đi bất thường"]


@pytest.fixture(scope="module")
def client(model):
    return TestClient(create_app(model, Limits(max_sentences=5, max_bytes=4096, max_chars=300)))


def test_predict_sentences_same_as_cli(client, model, run, model_path):
    r = client.post("/v1/predict", json={"sentences": S})
    assert r.status_code == 200
    body = r.json()
    assert body["model"] == {"id": model.sha256, "version": model.meta["versions"]["vnstance"]}
    cli = run("predict", "--model", str(model_path), "-", input="\n".join(S) + "\n")
    # the CLI adds each line's `file:line` id
    assert body["results"] == [{k: v for k, v in json.loads(line).items() if k != "id"}
                               for line in cli.stdout.splitlines()]


def test_predict_article(model):
    app = TestClient(create_app(model))
    text = ARTICLES[1].read_text(encoding="utf-8")
    r = app.post("/v1/predict", json={"article": text})
    assert r.status_code == 200
    assert [x["text"] for x in r.json()["results"]] == [x["text"] for x in model.predict_article(text)]


def test_health_ready_model_docs(client, model):
    assert client.get("/healthz").json() == {"status": "ok"}
    assert client.get("/readyz").json() == {"status": "ready", "model": model.sha256}
    info = client.get("/v1/model").json()
    assert info["id"] == model.sha256 and info["labels"]["russia"] == ["favor", "against", "neutral", "none"]
    assert info["data"]["sha256"] == model.meta["data"]["sha256"] and info["limits"]["max_sentences"] == 5
    assert client.get("/docs").status_code == 404  # no Swagger UI: it loads scripts from a CDN
    schema = client.get("/openapi.json").json()
    assert "sentences" in json.dumps(schema["paths"]["/v1/predict"]["post"]["requestBody"])


@pytest.mark.parametrize("body, status, code, limit", [
    (b'{"sentences": ["a"', 400, "malformed_json", None),
    (b'\xff\xfe', 400, "malformed_json", None),
    (b'{}', 422, "invalid_request", None),
    (b'{"sentences": ["a"], "article": "b"}', 422, "invalid_request", None),
    (b'{"sentences": "not a list"}', 422, "invalid_request", None),
    (b'{"sentences": [1, 2]}', 422, "invalid_request", None),
    (b'{"sentences": ["a"], "extra": 1}', 422, "invalid_request", None),
    (b'[1, 2]', 422, "invalid_request", None),
    (json.dumps({"sentences": ["Nga."] * 6}).encode(), 422, "too_many_sentences", 5),
    (json.dumps({"sentences": ["Nga " * 100]}).encode(), 422, "sentence_too_long", 300),
    (json.dumps({"sentences": ["  "]}).encode(), 422, "blank_sentence", None),
    (json.dumps({"article": "Nga. " * 2000}).encode(), 413, "body_too_large", 4096),
])
def test_bad_input_is_never_a_500(client, body, status, code, limit):
    r = client.post("/v1/predict", content=body, headers={"content-type": "application/json"})
    assert r.status_code == status, r.text
    err = r.json()["error"]
    assert err["code"] == code and err["message"]
    assert err.get("limit") == limit


def test_access_log_line(client, caplog):
    with caplog.at_level(logging.INFO, logger="vnstance.access"):
        client.post("/v1/predict", json={"sentences": S})
    line = json.loads(caplog.records[-1].getMessage())
    assert {k: line[k] for k in ("method", "path", "status", "sentences")} == {
        "method": "POST", "path": "/v1/predict", "status": 200, "sentences": 2}
    assert line["ms"] >= 0


def test_serve_refuses_a_bad_model(run, model_path, tmp_path):
    bad = tmp_path / "m.joblib"
    bad.write_bytes(model_path.read_bytes()[:-10])
    (tmp_path / "m.joblib.sha256").write_text(model_path.with_name("model.joblib.sha256").read_text())
    assert_user_error(run("serve", "--model", str(bad), "--port", "0"), "refusing to load")


def test_serve_without_the_extra(run, model_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "uvicorn", None)
    assert_user_error(run("serve", "--model", str(model_path)), "pip install 'vnstance[serve]'")


def test_concurrent_load_on_loopback(model):
    """8 clients, 2000 requests in all, against a real server on 127.0.0.1; bounded, stops by itself."""
    import uvicorn

    config = uvicorn.Config(create_app(model), host="127.0.0.1", port=0, access_log=False, log_level="warning")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.time() + 30
    while not server.started:
        assert time.time() < deadline, "server did not start"
        time.sleep(0.05)
    port = server.servers[0].sockets[0].getsockname()[1]
    url = f"http://127.0.0.1:{port}/v1/predict"
    total, clients = 2000, 8
    latencies: list[float] = []
    statuses: list[int] = []

    def client_loop(n: int) -> None:
        with httpx.Client(timeout=30) as c:
            for i in range(n):
                t = time.perf_counter()
                r = c.post(url, json={"sentences": [f"{S[i % 2]} ({i})"]})
                latencies.append((time.perf_counter() - t) * 1000)
                statuses.append(r.status_code)

    try:
        with ThreadPoolExecutor(clients) as pool:
            list(pool.map(client_loop, [total // clients] * clients))
    finally:
        server.should_exit = True
        thread.join(timeout=30)
    assert len(statuses) == total and set(statuses) == {200}
    q = statistics.quantiles(latencies, n=100)
    print(f"\n{total} requests, {clients} clients: p50 {q[49]:.1f} ms, p99 {q[98]:.1f} ms")
