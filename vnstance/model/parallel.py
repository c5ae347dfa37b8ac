"""Parallel streaming prediction: a process pool over chunks, output in input order.

Memory stays flat: at most ``2 * jobs`` chunks are in flight, and input is read only as
fast as results are written. Each worker holds the model once: inherited from the parent
where the platform forks, else sent to it (pickled, already verified) by the initializer.
Workers ignore SIGINT; the parent handles Ctrl-C and shuts the pool down.
``Model.pipe(texts, n_process=N)`` is the public entry; it needs neither a model path nor
the command line's ``Item``.
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

from .api import Model, settle

_model: Model | None = None  # the worker's model

# Smaller than predict's one-process chunk: with a few hundred sentences a chunk, a worker
# that a busy core slows down takes fewer chunks and the others take more. Each chunk pays
# ~3 ms of scikit-learn's per-call checks, about 1% of its time at this size.
CHUNK = 256


def _init(model: Model) -> None:
    global _model
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if _model is not model:  # spawned: an unpickled copy of the parent's model
        _model = model
        settle()


def _work(texts: list[str]) -> list[dict[str, Any]]:
    assert _model is not None
    return _model.predict(texts)


def resolve_jobs(jobs: int) -> int:
    return jobs if jobs > 0 else (os.cpu_count() or 1)


def pipe_parallel(model: Model, texts: Iterable[str], jobs: int, chunk: int = CHUNK) -> Iterator[dict[str, Any]]:
    """``model``'s predictions for ``texts``, in input order, over ``jobs`` worker processes."""
    global _model
    methods = multiprocessing.get_all_start_methods()
    ctx = multiprocessing.get_context("fork" if "fork" in methods else "spawn")
    _model = model  # forked workers inherit the loaded, already verified model
    pool = ProcessPoolExecutor(jobs, mp_context=ctx, initializer=_init, initargs=(model,))
    pending: deque = deque()
    it = iter(texts)
    try:
        while True:
            while len(pending) < 2 * jobs and (batch := list(islice(it, chunk))):
                pending.append(pool.submit(_work, batch))
            if not pending:
                break
            future = pending.popleft()
            yield from future.result()
    finally:
        # on success, error (bad input line), Ctrl-C or an abandoned generator: no worker outlives this
        for future in pending:
            future.cancel()
        pool.shutdown(wait=True, cancel_futures=True)


def predict_parallel(model: Model, path: str | Path | None, items: Iterable[Any], jobs: int,
                     chunk: int = CHUNK) -> Iterator[tuple[Any, dict[str, Any]]]:
    """(item, prediction) pairs for items with a ``text``, over ``jobs`` processes. Kept for
    older callers; ``path`` is not needed any more (workers get the model itself)."""
    from .predict import predict_items

    return predict_items(model, items, chunk, jobs=jobs)
