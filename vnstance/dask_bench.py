"""`vnstance bench --engine dask`: sentences a second of ``predict --engine dask`` on a local
cluster of 1, 2, ... worker processes, and what a worker costs to start.

The corpus (distinct sentences built from the shipped data, as ``vnstance bench``) is written
as Parquet files, one partition each. For each cluster size: the cluster's start, then the
first call on every worker (loading and checking the model, warming the segmenter; a local
cluster's spawned workers have already imported the libraries, as they re-import the main
module), then the labelling of every partition into a Parquet folder, timed on its own.
One process without Dask on the same sentences (``predict_items`` alone, then the engine's
partition function one partition after another) gives the engine's overhead; a fresh
interpreter gives a remote worker's start-up (imports, then the model). Resident memory of
each worker is read after its run.
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path
from typing import Any

from . import dask as engine
from .bench import _load_seconds, corpus
from .inputs import Item
from .model.api import load_model, settle
from .model.predict import predict_items


def _rss_mb() -> float:
    import psutil

    return psutil.Process().memory_info().rss / 2**20


def run(model_path: str, sentences: int = 20_000, workers: int = 2, partitions: int = 16) -> dict[str, Any]:
    import pyarrow as pa
    import pyarrow.parquet as pq

    texts = corpus(sentences)
    per = -(-len(texts) // partitions)
    out: dict[str, Any] = {"sentences": len(texts), "partitions": 0, "runs": []}
    with tempfile.TemporaryDirectory(prefix="vnstance-dask-bench-") as tmp:
        src = Path(tmp) / "in"
        src.mkdir()
        for k, start in enumerate(range(0, len(texts), per)):
            chunk = texts[start:start + per]
            pq.write_table(pa.table({"outlet": [f"outlet-{k % 4}"] * len(chunk), "text": chunk}),
                           src / f"part-{k:03d}.parquet")
            out["partitions"] += 1

        model = load_model(model_path)
        model.predict(["Khởi động bộ tách từ."])
        settle()
        t = time.perf_counter()
        for _ in predict_items(model, (Item(text=s) for s in texts)):
            pass
        out["one_process_no_dask_per_s"] = len(texts) / (time.perf_counter() - t)

        # the engine's own partition function, in this process, one partition after another:
        # reading and writing Parquet included, no Dask
        sha = engine.recorded_digest(model_path)
        engine.worker_model(model_path, sha)
        t = time.perf_counter()
        for k, part in enumerate(engine.plan([str(src)])):
            engine.label_partition(part, str(Path(tmp) / "seq" / engine.PART.format(k)), model_path, sha,
                                   engine.Options())
        out["one_process_partitions_no_dask_per_s"] = len(texts) / (time.perf_counter() - t)
        out["fresh_process_import_s"], out["fresh_process_load_and_warm_s"] = _load_seconds(model_path)

        for n in range(1, workers + 1):
            t = time.perf_counter()
            client, cluster = engine.connect(None, n, dashboard=False)
            started = time.perf_counter() - t
            try:
                sha = engine.recorded_digest(model_path)
                t = time.perf_counter()
                inside = client.run(engine._warm, str(Path(model_path).resolve()), sha)
                warm_wall = time.perf_counter() - t
                result = engine.run([str(src)], model_path, Path(tmp) / f"out-{n}", client=client)
                rss = client.run(_rss_mb)
            finally:
                client.close()
                cluster.close()
            out["runs"].append({
                "workers": n, "cluster_start_s": started, "first_call_wall_s": warm_wall,
                "model_load_and_warm_s": sorted(inside.values()), "label_s": result.seconds,
                "per_s": result.rows / result.seconds, "rows": result.rows, "worker_rss_mb": sorted(rss.values())})
    return out


def table(r: dict[str, Any]) -> str:
    lines = [f"{r['sentences']} sentences in {r['partitions']} Parquet partitions",
             f"one process, no Dask: {r['one_process_no_dask_per_s']:.0f} sent/s labelling alone, "
             f"{r['one_process_partitions_no_dask_per_s']:.0f} sent/s with the engine's partition function "
             "(Parquet read and written)",
             f"a worker's start-up in a fresh process: importing vnstance and its libraries "
             f"{r['fresh_process_import_s']:.2f} s, then loading, checking and warming the model "
             f"{r['fresh_process_load_and_warm_s']:.2f} s",
             f"{'workers':>7} {'sent/s':>8} {'label s':>8} {'cluster start s':>16} {'first call s':>13} "
             f"{'load+warm s (each)':>20} {'worker RSS MB':>14}"]
    for x in r["runs"]:
        each = ", ".join(f"{s:.2f}" for s in x["model_load_and_warm_s"])
        rss = ", ".join(f"{m:.0f}" for m in x["worker_rss_mb"])
        lines.append(f"{x['workers']:>7} {x['per_s']:>8.0f} {x['label_s']:>8.1f} {x['cluster_start_s']:>16.1f} "
                     f"{x['first_call_wall_s']:>13.2f} {each:>20} {rss:>14}")
    if len(r["runs"]) > 1:
        lines.append(f"{r['runs'][-1]['workers']} workers vs 1: {r['runs'][-1]['per_s'] / r['runs'][0]['per_s']:.2f}x")
    return "\n".join(lines)
