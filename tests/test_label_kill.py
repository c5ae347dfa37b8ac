"""Kill -9 of the labelling server between answers loses no confirmed answer; a restart resumes."""

import json
import signal

import httpx

from vnstance.dataset import load_labelled
from vnstance.schema import DEFAULT

from .conftest import ARTICLES
from .label_server import start


def test_kill_9_between_answers_loses_nothing_and_restart_resumes(model_path, tmp_path):
    out = tmp_path / "labels.jsonl"
    args = [str(ARTICLES[0]), str(ARTICLES[1]), "--input-format", "article", "--out", str(out),
            "--model", str(model_path), "--annotator", "lan"]
    proc, base = start(args, tmp_path / "server1.log")
    confirmed = {}
    try:
        for i in range(4):
            item = httpx.get(f"{base}/api/next").json()["item"]
            labels = {h: DEFAULT.labels[h][i % len(DEFAULT.labels[h])] for h in DEFAULT.heads}
            r = httpx.post(f"{base}/api/answer", json={"id": item["id"], **labels})
            assert r.status_code == 200, r.text
            confirmed[item["id"]] = labels
        undone = list(confirmed)[1]
        assert httpx.post(f"{base}/api/undo", json={"id": undone}).status_code == 200  # a rewrite, not an append
        del confirmed[undone]
        item = httpx.get(f"{base}/api/next").json()["item"]
        assert item["id"] == undone
        r = httpx.post(f"{base}/api/answer", json={"id": item["id"], **{h: DEFAULT.labels[h][-1] for h in DEFAULT.heads}})
        assert r.status_code == 200
        confirmed[item["id"]] = {h: DEFAULT.labels[h][-1] for h in DEFAULT.heads}
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL
    saved = {r["id"]: {h: r[h] for h in DEFAULT.heads} for r in map(json.loads, out.read_text(encoding="utf-8").splitlines())}
    assert saved == confirmed
    assert len(load_labelled(out)) == len(confirmed)

    proc, base = start(args, tmp_path / "server2.log")
    try:
        stats = httpx.get(f"{base}/api/stats").json()
        assert stats["labelled"] == len(confirmed)
        assert httpx.get(f"{base}/api/next").json()["item"]["id"] not in confirmed
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
