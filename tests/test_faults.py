"""Faults and hostile input (issue 12): signals, a full disk, closed streams, hostile JSON,
a concurrent cold start, concurrent writers of one model. Loopback only; every wait bounded."""

from __future__ import annotations

import json
import os
import resource
import signal
import socket
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import joblib
import pytest

from vnstance.errors import VnstanceError
from vnstance.model import artifact
from vnstance.model.api import MAX_SENTENCE_CHARS
from vnstance.textfiles import atomic_file, umask

from .conftest import assert_user_error

S = ["Nga tiếp tục cáo buộc Mỹ hậu thuẫn khủng bố ở Syria", "Bão di chuyển chậm với hướng đi bất thường"]
CLI = [sys.executable, "-m", "vnstance.cli"]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait(predicate, seconds: float, what: str):
    deadline = time.time() + seconds
    while True:
        value = predicate()
        if value:
            return value
        assert time.time() < deadline, f"timed out waiting for {what}"
        time.sleep(0.05)


def _children(pid: int, marker: str = "") -> list[int]:
    """Child pids of ``pid`` whose command line contains ``marker``."""
    out = []
    for d in Path("/proc").iterdir():
        if d.name.isdigit():
            try:
                stat = (d / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                try:
                    cmdline = (d / "cmdline").read_bytes().decode(errors="replace")
                except OSError:
                    continue
                if marker in cmdline:
                    out.append(int(d.name))
    return out


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state not in ("Z", "X")  # a zombie has exited


def _stop(proc: subprocess.Popen) -> None:
    """End a process a test started, and its children (uvicorn's workers outlive a killed parent)."""
    if proc.poll() is None:
        for pid in _children(proc.pid):
            try:
                os.kill(pid, signal.SIGKILL)
            except OSError:
                pass
        proc.kill()
    proc.communicate(timeout=30)


# row 1: a concurrent cold start ---------------------------------------------------------

def test_concurrent_requests_the_moment_a_fresh_server_is_ready(model_path, model):
    port = _free_port()
    proc = subprocess.Popen([*CLI, "serve", "--model", str(model_path), "--port", str(port)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    base = f"http://127.0.0.1:{port}"
    try:
        def ready():
            assert proc.poll() is None, proc.communicate()
            try:
                return httpx.get(f"{base}/readyz", timeout=2).status_code == 200
            except httpx.TransportError:
                return False
        _wait(ready, 90, "/readyz")
        bodies = [{"sentences": [f"{S[i % 2]} ({i})"]} for i in range(16)]
        with ThreadPoolExecutor(16) as pool:
            answers = list(pool.map(lambda b: httpx.post(f"{base}/v1/predict", json=b, timeout=60), bodies))
        assert [a.status_code for a in answers] == [200] * 16, [a.text[:200] for a in answers]
        for body, answer in zip(bodies, answers):
            assert answer.json()["results"] == model.predict(body["sentences"])
        # the default allowed hosts: loopback names only (DNS rebinding)
        assert httpx.get(f"{base}/healthz", headers={"host": "evil.example"}).status_code == 400
        assert httpx.get(f"{base}/healthz", headers={"host": f"localhost:{port}"}).status_code == 200
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            _, err = proc.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            _stop(proc)
            raise
    assert f"on http://127.0.0.1:{port} " in err


def test_load_model_is_warm_and_thread_safe_from_the_first_call(model_path):
    code = ("import sys, json; from concurrent.futures import ThreadPoolExecutor; from vnstance import load_model\n"
            f"m = load_model({str(model_path)!r})\n"
            "s = [f'Nga và Mỹ gặp nhau lần {i} tại Geneva' for i in range(16)]\n"
            "with ThreadPoolExecutor(16) as p: par = list(p.map(lambda x: m.predict([x])[0], s))\n"
            "print(json.dumps(par == m.predict(s)))\n")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == "true"


# rows 5 and 8: model and digest as a unit, a pinned digest ------------------------------

def test_concurrent_writers_of_one_model_never_leave_a_mismatched_pair(tmp_path):
    path = tmp_path / "m.joblib"
    payloads = [bytes([k]) * 300_000 for k in range(2)]
    errors: list[str] = []
    stop = threading.Event()

    def write(k: int) -> None:
        for _ in range(15):
            artifact.write_pair(path, payloads[k])

    def read() -> None:
        while not stop.is_set():
            try:
                data, sha = artifact.read_verified(path)
                assert data in payloads
            except VnstanceError as e:
                if "no recorded digest" not in str(e) and "no such model" not in str(e):
                    errors.append(str(e))

    reader = threading.Thread(target=read)
    reader.start()
    with ThreadPoolExecutor(2) as pool:
        list(pool.map(write, [0, 1]))
    stop.set()
    reader.join(timeout=30)
    assert errors == []
    data, _ = artifact.read_verified(path)  # the last pair on disk matches
    assert data in payloads
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m.joblib", "m.joblib.sha256"]


def test_a_pinned_digest_is_the_only_model_accepted(run, model_path, model, tmp_path, monkeypatch):
    other = "0" * 64
    args = ["predict", "--model", str(model_path), "-"]
    assert_user_error(run(*args, "--model-sha256", other, input=S[0] + "\n"), "does not match the pinned 000000000000")
    monkeypatch.setenv(artifact.ENV_SHA256, other)
    assert_user_error(run(*args, input=S[0] + "\n"), "does not match the pinned")
    assert_user_error(run("eval", "--model", str(model_path)), "does not match the pinned")
    monkeypatch.delenv(artifact.ENV_SHA256)
    assert_user_error(run(*args, "--model-sha256", "abc", input=S[0] + "\n"), "not a SHA-256")
    # pinned, the digest file is not needed (and a swapped one would not help)
    copy = tmp_path / "m.joblib"
    copy.write_bytes(model_path.read_bytes())
    r = run("predict", "--model", str(copy), "--model-sha256", model.sha256.upper(), "-", input=S[0] + "\n")
    assert r.exit_code == 0, r.output
    assert json.loads(r.stdout)["russia"] == model.predict([S[0]])[0]["russia"]


def _other_model(model_path: Path, dest: Path) -> str:
    """A valid model with another digest: same pipeline, different metadata."""
    obj = joblib.load(model_path)
    obj.pop("format")
    obj["meta"] = {**obj["meta"], "trained_at": "another time"}
    return artifact.save(obj, dest)


def test_a_serve_worker_refuses_a_model_replaced_after_the_parent_verified_it(model_path, model, tmp_path, monkeypatch):
    from vnstance import service

    path = tmp_path / "m.joblib"
    path.write_bytes(model_path.read_bytes())
    artifact.digest_path(path).write_bytes(artifact.digest_path(model_path).read_bytes())
    assert _other_model(model_path, path) != model.sha256  # retrained in place after the parent loaded it
    monkeypatch.setenv(service.ENV_MODEL, str(path))
    monkeypatch.setenv(artifact.ENV_SHA256, model.sha256)  # what `serve --workers N` pins for its workers
    with pytest.raises(SystemExit) as e:
        service.app_from_env()
    assert e.value.code == service.STARTUP_FAILURE


def test_serve_workers_stop_rather_than_serve_a_retrained_model(model_path, model, tmp_path):
    path = tmp_path / "m.joblib"
    path.write_bytes(model_path.read_bytes())
    artifact.digest_path(path).write_bytes(artifact.digest_path(model_path).read_bytes())
    port = _free_port()
    proc = subprocess.Popen([*CLI, "serve", "--model", str(path), "--port", str(port), "--workers", "2"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        def workers():
            assert proc.poll() is None, proc.communicate()
            kids = _children(proc.pid, "spawn_main")  # uvicorn's workers, not the resource tracker
            return len(kids) >= 2 and kids
        kids = _wait(workers, 120, "two workers")  # the parent has verified the model by now
        new = _other_model(model_path, path)  # retrained in place
        os.kill(kids[0], signal.SIGKILL)  # the supervisor starts another, which finds the new model
        assert proc.wait(timeout=120) != 0
        _, err = proc.communicate(timeout=30)
        assert "does not match the pinned" in err
        assert new[:12] in err and model.sha256[:12] in err
    finally:
        _stop(proc)


# rows 6 and 7: what was unpickled, faults of the machine, the umask ---------------------

@pytest.mark.parametrize("obj, message", [
    ({"format": artifact.FORMAT, "meta": {}}, "no scikit-learn Pipeline"),
    ({"format": artifact.FORMAT, "pipeline": "not a pipeline"}, "no scikit-learn Pipeline"),
    ({"pipeline": None}, "not a vnstance model"),
    (["a", "list"], "not a vnstance model"),
])
def test_an_unpickled_object_that_is_not_a_model_is_refused(run, tmp_path, obj, message):
    import io

    buf = io.BytesIO()
    joblib.dump(obj, buf)
    path = tmp_path / "m.joblib"
    artifact.write_pair(path, buf.getvalue())
    assert_user_error(run("predict", "--model", str(path), "-", input=S[0] + "\n"), message)
    assert_user_error(run("serve", "--model", str(path), "--port", "0"), message)


def test_a_pipeline_without_our_steps_is_refused(run, tmp_path):
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import StandardScaler

    path = tmp_path / "m.joblib"
    artifact.save({"pipeline": Pipeline([("scale", StandardScaler())]), "meta": {}}, path)
    assert_user_error(run("predict", "--model", str(path), "-", input=S[0] + "\n"), "lacks the prepare and tagger")


@pytest.mark.parametrize("content", [b"\xff\xfe\x00garbage", b"", b"not-a-digest  m.joblib\n"])
def test_a_bad_digest_file_is_one_line(run, model_path, tmp_path, content):
    path = tmp_path / "m.joblib"
    path.write_bytes(model_path.read_bytes())
    artifact.digest_path(path).write_bytes(content)
    assert_user_error(run("predict", "--model", str(path), "-", input=S[0] + "\n"), "not a SHA-256 digest file")


def _one_error_line(r: subprocess.CompletedProcess, *fragments: str) -> None:
    assert r.returncode == 2, (r.returncode, r.stderr)
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("vnstance: error:"), r.stderr
    for f in fragments:
        assert f in lines[0], (f, lines[0])


def test_a_file_size_limit_on_output_is_one_line_and_leaves_nothing(model_path, tmp_path):
    src = tmp_path / "in.txt"
    src.write_text("".join(f"{S[i % 2]} ({i})\n" for i in range(300)), encoding="utf-8")
    out = tmp_path / "out" / "o.jsonl"

    def limit():
        resource.setrlimit(resource.RLIMIT_FSIZE, (20_000, 20_000))
    r = subprocess.run([*CLI, "predict", "--model", str(model_path), "-o", str(out), str(src)],
                       capture_output=True, text=True, timeout=120, preexec_fn=limit)
    _one_error_line(r, str(out), "cannot write: File too large")
    assert list(out.parent.iterdir()) == []


def test_a_full_disk_on_stdout_is_one_line(model_path):
    with open("/dev/full", "w") as full:
        r = subprocess.run([*CLI, "predict", "--model", str(model_path), "-"], input=S[0] + "\n",
                           stdout=full, stderr=subprocess.PIPE, text=True, timeout=120)
    _one_error_line(r, "stdout: No space left on device")


def test_output_to_a_pipe_or_device_is_written_in_place(run, model_path, tmp_path):
    """-o /dev/stdout, a FIFO: no temp file renamed over it (as root, that replaces a device)."""
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    got: list[bytes] = []
    reader = threading.Thread(target=lambda: got.append(fifo.read_bytes()), daemon=True)
    reader.start()
    try:
        r = run("predict", "--model", str(model_path), "-o", str(fifo), "-", input=S[0] + "\n")
    finally:
        reader.join(timeout=10)
        if reader.is_alive():  # predict never opened the FIFO: unblock the reader, never block here
            try:
                os.close(os.open(fifo, os.O_WRONLY | os.O_NONBLOCK))
            except OSError:
                pass
            reader.join(timeout=10)
    assert r.exit_code == 0, r.output
    assert fifo.is_fifo() and list(tmp_path.iterdir()) == [fifo]
    assert json.loads(got[0])["text"] == S[0]


@pytest.mark.parametrize("fd, message", [(0, "<stdin>: stdin is closed"), (1, "stdout is closed")])
def test_a_closed_stdin_or_stdout_is_one_line(model_path, fd, message):
    r = subprocess.run([*CLI, "predict", "--model", str(model_path), "-"], stderr=subprocess.PIPE, text=True,
                       timeout=120, preexec_fn=lambda: os.close(fd))
    _one_error_line(r, message)


def test_a_broken_pipe_exits_0_quietly(model_path, tmp_path):
    src = tmp_path / "in.txt"
    src.write_text("".join(f"{S[i % 2]} ({i})\n" for i in range(3000)), encoding="utf-8")
    proc = subprocess.Popen([*CLI, "predict", "--model", str(model_path), str(src)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert proc.stdout.readline()
    proc.stdout.close()  # `| head -1`
    assert proc.wait(timeout=120) == 0
    assert proc.stderr.read() == b""


def test_a_file_size_limit_on_the_model_leaves_neither_file(tmp_path):
    """What `train --out` does on a full disk (training itself is too slow to run here)."""
    code = ("import signal, sys; from vnstance.model import artifact; from vnstance.errors import DataError\n"
            "signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # as the command line does\n"
            "try: artifact.write_pair(sys.argv[1], b'x' * 100_000)\n"
            "except DataError as e: print(e)\n")

    def limit():
        resource.setrlimit(resource.RLIMIT_FSIZE, (20_000, 20_000))
    path = tmp_path / "m.joblib"
    r = subprocess.run([sys.executable, "-c", code, str(path)], capture_output=True, text=True, timeout=60,
                       preexec_fn=limit)
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == f"{path}: cannot write: File too large"
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("mask", [0o022, 0o077])
def test_written_files_follow_the_umask(tmp_path, mask):
    old = os.umask(mask)
    try:
        assert umask() == mask
        with atomic_file(tmp_path / "report.json") as f:
            f.write("{}")
        artifact.write_pair(tmp_path / "m.joblib", b"model")
    finally:
        os.umask(old)
    for name in ("report.json", "m.joblib", "m.joblib.sha256"):
        assert (tmp_path / name).stat().st_mode & 0o777 == 0o666 & ~mask, name


# row 3: hostile JSON ---------------------------------------------------------------------

HOSTILE = {
    "deep": '{"sentences": ' + "[" * 10_000 + "]" * 10_000 + "}",
    "long int": '{"sentences": ["a"], "n": ' + "9" * 5000 + "}",
    "lone surrogate": '{"sentences": ["Nga \\ud800 Mỹ"]}',
    "surrogate key": '{"\\udfff": 1}',
    "nan": '{"sentences": ["a"], "n": NaN}',
}


@pytest.mark.parametrize("name", HOSTILE)
def test_hostile_json_is_a_400_in_the_service(model, name):
    from fastapi.testclient import TestClient

    from vnstance.service import Limits, create_app

    client = TestClient(create_app(model, Limits(max_bytes=1 << 20)))
    r = client.post("/v1/predict", content=HOSTILE[name].encode(), headers={"content-type": "application/json"})
    assert r.status_code == 400, r.text
    assert r.json()["error"]["code"] == "malformed_json"


@pytest.mark.parametrize("name, message", [("deep", "nested more than 64"), ("long int", "a number of 5000"),
                                           ("lone surrogate", "lone surrogate"), ("nan", "NaN")])
def test_hostile_json_lines_are_one_line_with_file_and_line(run, model_path, tmp_path, name, message):
    src = tmp_path / "in.jsonl"
    line = HOSTILE[name].replace('"sentences": ["a"]', '"text": "Nga"').replace('"sentences": ', '"text": "x", "y": ')
    src.write_text(json.dumps({"text": S[0]}) + "\n" + line + "\n", encoding="utf-8")
    out = tmp_path / "out.jsonl"
    r = run("predict", "--model", str(model_path), "--input-format", "jsonl", "-o", str(out), str(src))
    assert_user_error(r, f"{src}:2:", message)
    assert not out.exists()


def test_every_5xx_is_in_the_access_log(model, caplog):
    import logging

    from fastapi.testclient import TestClient

    from vnstance.service import create_app

    class Broken:
        sha256, meta, schema = model.sha256, model.meta, model.schema

        def predict(self, sentences):
            raise RuntimeError("a bug")

    client = TestClient(create_app(Broken()), raise_server_exceptions=False)
    with caplog.at_level(logging.INFO, logger="vnstance.access"):
        r = client.post("/v1/predict", json={"sentences": S})
    assert r.status_code == 500 and r.json()["error"]["code"] == "internal_error"
    lines = [json.loads(x.getMessage()) for x in caplog.records if x.name == "vnstance.access"]
    assert lines and lines[-1]["status"] == 500 and lines[-1]["path"] == "/v1/predict"


def test_a_stalled_body_times_out_and_a_disconnect_is_no_traceback(model, caplog):
    import logging

    import uvicorn

    from vnstance.service import Limits, create_app

    server = uvicorn.Server(uvicorn.Config(create_app(model, Limits(body_seconds=0.5)), host="127.0.0.1", port=0,
                                           access_log=False, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        _wait(lambda: server.started, 30, "server")
        port = server.servers[0].sockets[0].getsockname()[1]
        with socket.create_connection(("127.0.0.1", port), timeout=20) as s:
            s.sendall(b"POST /v1/predict HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                      b"Content-Length: 100\r\n\r\n{\"sentences\"")
            reply = s.recv(4096).decode()
        assert reply.startswith("HTTP/1.1 408"), reply
        with caplog.at_level(logging.INFO):
            with socket.create_connection(("127.0.0.1", port), timeout=20) as s:  # gives up half way
                s.sendall(b"POST /v1/predict HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                          b"Content-Length: 100\r\n\r\n{")
            _wait(lambda: any('"status": 499' in r.getMessage() for r in caplog.records), 20, "the access-log line")
        assert not [r for r in caplog.records if r.exc_info], "a client that goes away is not a traceback"
    finally:
        server.should_exit = True
        thread.join(timeout=30)


# row 4: the sentence length limit, in every path -----------------------------------------

def test_a_sentence_over_the_limit_is_refused_everywhere(run, model_path, model, tmp_path):
    from fastapi.testclient import TestClient

    from vnstance.service import Limits, create_app

    long = "Nga " * (MAX_SENTENCE_CHARS // 4) + "Mỹ"
    assert len(long) > MAX_SENTENCE_CHARS
    src = tmp_path / "in.txt"
    src.write_text(S[0] + "\n" + long + "\n", encoding="utf-8")
    assert_user_error(run("predict", "--model", str(model_path), str(src)), "input sentence 2 (id ", f"{src}:2) has", "over the limit")
    with pytest.raises(VnstanceError, match="over the limit"):
        model.predict([long])
    client = TestClient(create_app(model, Limits(max_chars=10**9, max_bytes=1 << 20)))
    r = client.post("/v1/predict", json={"sentences": [long]})
    assert r.status_code == 422 and r.json()["error"]["limit"] == MAX_SENTENCE_CHARS


# row 2: signals ---------------------------------------------------------------------------

@pytest.fixture(scope="module")
def big_input(tmp_path_factory) -> Path:
    src = tmp_path_factory.mktemp("big") / "in.txt"
    src.write_text("".join(f"{S[i % 2]} số {i}\n" for i in range(60_000)), encoding="utf-8")
    return src


def _predict_with_workers(model_path: Path, src: Path, out: Path) -> tuple[subprocess.Popen, list[int]]:
    proc = subprocess.Popen([*CLI, "predict", "--model", str(model_path), "--jobs", "2", "-q", "-o", str(out),
                             str(src)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)

    def running():
        assert proc.poll() is None, proc.communicate()
        kids = _children(proc.pid)
        return len(kids) >= 2 and any(out.parent.glob(f".{out.name}.*.tmp")) and kids
    return proc, _wait(running, 90, "two workers and a temp file")


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGHUP])
def test_sigterm_and_sighup_are_like_ctrl_c(model_path, big_input, tmp_path, sig):
    out = tmp_path / "out.jsonl"
    proc, workers = _predict_with_workers(model_path, big_input, out)
    try:
        proc.send_signal(sig)
        _, err = proc.communicate(timeout=60)
    finally:
        _stop(proc)
    assert proc.returncode == 128 + sig, err
    assert err.strip().splitlines() == [f"vnstance: terminated by {sig.name}"]
    assert list(tmp_path.iterdir()) == []  # no output, no temp file
    _wait(lambda: not any(map(_alive, workers)), 20, "workers to exit")


def test_workers_die_with_a_killed_parent(model_path, big_input, tmp_path):
    out = tmp_path / "out.jsonl"
    proc, workers = _predict_with_workers(model_path, big_input, out)
    proc.kill()
    proc.wait(timeout=30)
    _wait(lambda: not any(map(_alive, workers)), 20, "orphaned workers to exit")
    for tmp in tmp_path.glob(".out.jsonl.*.tmp"):  # SIGKILL leaves the temp file (documented)
        tmp.unlink()


def test_a_worker_killed_alone_is_one_error(model_path, big_input, tmp_path):
    out = tmp_path / "out.jsonl"
    proc, workers = _predict_with_workers(model_path, big_input, out)
    try:
        os.kill(workers[0], signal.SIGKILL)  # what the OOM killer does
        _, err = proc.communicate(timeout=60)
    finally:
        _stop(proc)
    assert proc.returncode == 2, err
    assert err.strip().splitlines() == ["vnstance: error: a worker process died (killed, or out of memory?): "
                                        "retry, or use fewer --jobs"]
    assert list(tmp_path.iterdir()) == []
    _wait(lambda: not any(map(_alive, workers)), 20, "the other worker to exit")


def test_ctrl_c_during_start_up_is_one_line(model_path):
    for delay in (0.3, 1.0):
        proc = subprocess.Popen([*CLI, "predict", "--model", str(model_path), "-"], stdin=subprocess.PIPE,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        time.sleep(delay)
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=60)
        assert proc.returncode in (130, -signal.SIGINT), (delay, proc.returncode, err)
        assert err.strip().splitlines() == ["vnstance: interrupted"], (delay, err)


# rows 8 and 9: the service's surface; terminal and file details ---------------------------

def test_service_surface(model, tmp_path):
    from fastapi.testclient import TestClient

    from vnstance.service import create_app

    client = TestClient(create_app(model, allowed_hosts=["127.0.0.1", "localhost"]), base_url="http://localhost")
    r = client.post("/v1/predict", content=json.dumps({"sentences": S}), headers={"content-type": "text/plain"})
    assert r.status_code == 415 and r.json()["error"]["code"] == "unsupported_media_type"
    assert client.get("/docs").status_code == 404 and client.get("/redoc").status_code == 404
    assert "paths" in client.get("/openapi.json").json()
    data = client.get("/v1/model").json()["data"]
    assert data["paths"] and all("/" not in p for p in data["paths"])
    # the model holds its training ids and sentence digests (eval's overlap check); they are not served
    assert model.meta["data"]["ids"] and model.meta["data"]["text_keys"]
    assert "ids" not in data and "text_keys" not in data and data["sha256"] == model.meta["data"]["sha256"]
    assert client.get("/healthz", headers={"host": "evil.example"}).status_code == 400
    r = client.post("/v1/predict", json={"sentences": ["\ufeff" + S[0]]})
    assert r.status_code == 200 and r.json()["results"][0]["text"] == model.predict([S[0]])[0]["text"]


def test_serve_on_a_busy_port_is_one_line(run, model_path):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen(1)
        assert_user_error(run("serve", "--model", str(model_path), "--port", str(s.getsockname()[1])),
                          "cannot listen on 127.0.0.1:")


def test_table_output_escapes_control_characters(run, model_path):
    r = run("predict", "--model", str(model_path), "--format", "table", "-",
            input="Nga \x1b[31mcáo buộc\x1b[0m Mỹ\rXYZ\n")
    assert r.exit_code == 0, r.output
    assert "\x1b" not in r.stdout and "\r" not in r.stdout and "\\e[31m" in r.stdout


def test_a_bom_is_dropped_from_jsonl_and_lines(run, model_path, model, tmp_path):
    jl = tmp_path / "in.jsonl"
    jl.write_bytes("\ufeff".encode() + json.dumps({"id": 1, "text": S[0]}, ensure_ascii=False).encode() + b"\n")
    lines = tmp_path / "in.txt"
    lines.write_bytes("\ufeff".encode() + S[0].encode() + b"\n")
    expected = model.predict([S[0]])[0]["text"]
    for args in (["--input-format", "jsonl", str(jl)], [str(lines)]):
        r = run("predict", "--model", str(model_path), *args)
        assert r.exit_code == 0, r.output
        assert json.loads(r.stdout)["text"] == expected
