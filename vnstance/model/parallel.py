"""Parallel streaming prediction: a process pool over chunks, output in input order.

Memory stays flat: at most ``2 * jobs`` chunks are in flight, and input is read only as
fast as results are written. Each worker holds the model once: inherited from the parent
where the platform forks, else loaded (and its digest checked) by the worker's initializer.
Workers ignore SIGINT; the parent handles Ctrl-C and shuts the pool down.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
from collections import deque
from concurrent.futures import ProcessPoolExecutor
from itertools import islice
from pathlib import Path
from typing import Any, Iterable, Iterator

from ..errors import VnstanceError
from ..inputs import Item
from .api import Model, load_model, settle

_model: Model | None = None  # the worker's model

# Smaller than predict's one-process chunk: with a few hundred sentences a chunk, a worker
# that a busy core slows down takes fewer chunks and the others take more. Each chunk pays
# ~3 ms of scikit-learn's per-call checks, about 1% of its time at this size.
CHUNK = 256


def _init(path: str, sha256: str | None) -> None:
    global _model
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if _model is None or _model.sha256 != sha256:
        _model = load_model(path)
        settle()
        if _model.sha256 != sha256:
            raise VnstanceError(f"{path}: the model file changed while predicting")


def _work(texts: list[str]) -> list[dict[str, Any]]:
    assert _model is not None
    return _model.predict(texts)


def resolve_jobs(jobs: int) -> int:
    return jobs if jobs > 0 else (os.cpu_count() or 1)


def predict_parallel(model: Model, path: str | Path, items: Iterable[Item], jobs: int,
                     chunk: int = CHUNK) -> Iterator[tuple[Item, dict[str, Any]]]:
    """Like ``predict_items``, over ``jobs`` worker processes."""
    global _model
    methods = multiprocessing.get_all_start_methods()
    ctx = multiprocessing.get_context("fork" if "fork" in methods else "spawn")
    _model = model  # forked workers inherit the loaded, already verified model
    pool = ProcessPoolExecutor(jobs, mp_context=ctx, initializer=_init, initargs=(str(path), model.sha256))
    pending: deque = deque()
    it = iter(items)
    try:
        while True:
            while len(pending) < 2 * jobs and (batch := list(islice(it, chunk))):
                pending.append((batch, pool.submit(_work, [item.text for item in batch])))
            if not pending:
                break
            batch, future = pending.popleft()
            yield from zip(batch, future.result())
    finally:
        # on success, error (bad input line), Ctrl-C or an abandoned generator: no worker outlives this
        for _, future in pending:
            future.cancel()
        pool.shutdown(wait=True, cancel_futures=True)
