"""`vnstance bench`: throughput and memory of prediction against the segmentation floor.

Word segmentation (underthesea) is the floor: everything else in ``predict`` should cost
little next to it, and several jobs should scale with cores. All figures come from one run
on the same sentences, so their ratios hold even on a busy machine, where the absolute
numbers do not.
"""

from __future__ import annotations

import json
import resource
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from .dataset import DEFAULT_TRAIN, load_labelled
from .features import segment
from .inputs import Item
from .model.api import load_model
from .model.parallel import predict_parallel, resolve_jobs
from .model.artifact import write_atomic
from .model.predict import predict_items

TARGETS = {"predict_1_job_vs_floor": 0.85, "predict_j_jobs_vs_1_job (2 cores)": 1.7, "load_seconds": 1.5,
           "peak_rss_mb": 400}


def corpus(n: int) -> list[str]:
    """n distinct news sentences built from the shipped data (distinct, so no cache helps)."""
    base = load_labelled(DEFAULT_TRAIN).texts
    return [f"{base[i % len(base)]} ({i // len(base) + 1})" for i in range(n)]


def _clear_caches() -> None:
    segment.segment.cache_clear()


def _load_seconds(model_path: str) -> tuple[float, float]:
    """In a fresh interpreter: (importing vnstance and its libraries, loading the model).

    Loading is the digest check, unpickling and underthesea's segmenter model (forced by a
    first prediction); importing scikit-learn and SciPy is the larger part and not ours to cut.
    """
    code = ("import time; t0 = time.perf_counter(); from vnstance import load_model; t1 = time.perf_counter(); "
            f"m = load_model({model_path!r}); m.predict(['Nga và Mỹ nhất trí ngừng bắn']); "
            "print(t1 - t0, time.perf_counter() - t1)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    imports, load = out.stdout.split()
    return float(imports), float(load)


def run(model_path: str, sentences: int = 20_000, jobs: int = 2) -> dict[str, Any]:
    from underthesea import word_tokenize

    jobs = resolve_jobs(jobs)
    texts = corpus(sentences)
    model = load_model(model_path)
    word_tokenize("Khởi động bộ tách từ.")  # load the segmenter's model before timing

    t = time.perf_counter()
    for s in texts:
        word_tokenize(s)
    floor = len(texts) / (time.perf_counter() - t)

    _clear_caches()
    items = [Item(text=s) for s in texts]
    t = time.perf_counter()
    for _ in predict_items(model, items):
        pass
    one = len(texts) / (time.perf_counter() - t)

    _clear_caches()
    t = time.perf_counter()
    for _ in predict_parallel(model, model_path, items, jobs):
        pass
    many = len(texts) / (time.perf_counter() - t)

    imports, load = _load_seconds(model_path)
    self_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    child_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return {
        "sentences": len(texts), "jobs": jobs, "cores": resolve_jobs(0),
        "segmentation_floor_per_s": floor, "predict_1_job_per_s": one, f"predict_{jobs}_jobs_per_s": many,
        "predict_1_job_vs_floor": one / floor, "predict_j_jobs_vs_1_job": many / one,
        "predict_j_jobs_vs_floor": many / floor, "load_seconds": load, "import_seconds": imports,
        "peak_rss_mb": {"main": round(self_mb, 1), "largest_worker": round(child_mb, 1)},
        "targets": TARGETS,
    }


def table(r: dict[str, Any]) -> str:
    j = r["jobs"]
    rows = [
        ("segmentation alone, 1 process (floor)", r["segmentation_floor_per_s"], 1.0, ""),
        ("predict, 1 job", r["predict_1_job_per_s"], r["predict_1_job_vs_floor"], "target >= 0.85x floor"),
        (f"predict, {j} jobs", r[f"predict_{j}_jobs_per_s"], r["predict_j_jobs_vs_floor"],
         f"target >= 1.7x 1 job on 2 cores: {r['predict_j_jobs_vs_1_job']:.2f}x"),
    ]
    out = [f"{r['sentences']} sentences, {j} jobs, {r['cores']} cores",
           f"{'stage':<40}{'sent/s':>10}{'vs floor':>10}  note"]
    out += [f"{name:<40}{v:>10.0f}{ratio:>9.2f}x  {note}" for name, v, ratio, note in rows]
    out.append(f"model load (digest, unpickle, segmenter): {r['load_seconds']:.2f} s (target < 1.5 s); "
               f"importing the libraries first: {r['import_seconds']:.2f} s")
    out.append(f"peak resident memory: main {r['peak_rss_mb']['main']:.0f} MB, "
               f"largest worker {r['peak_rss_mb']['largest_worker']:.0f} MB (target < 400 MB)")
    return "\n".join(out)


def write_json(r: dict[str, Any], path: str | Path) -> None:
    write_atomic(path, (json.dumps(r, indent=1) + "\n").encode())
