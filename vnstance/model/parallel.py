"""Parallel streaming prediction: a process pool over chunks, output in input order.

Memory stays flat: at most ``2 * jobs`` chunks are in flight, and input is read only as
fast as results are written. Each worker holds the model once: inherited from the parent
where the platform forks, else sent to it (pickled, already verified) by the initializer.
``Model.pipe(texts, n_process=N)`` is the public entry; it needs neither a model path nor
the command line's ``Item``. Workers ignore SIGINT; the parent handles Ctrl-C (and SIGTERM,
SIGHUP: see cli.py) and shuts the pool down. Workers die with their parent whatever kills
it, SIGKILL included: on Linux the kernel signals them (PR_SET_PDEATHSIG), and everywhere a
watchdog thread in each worker exits when its parent is gone. A worker that dies (the OOM
killer) is one error.
"""

from __future__ import annotations

import ctypes
import multiprocessing
import os
import signal
import sys
import threading
import time
from collections import deque
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from itertools import islice
from typing import Any, Iterable, Iterator

from ..errors import VnstanceError
from .api import Model, settle

_model: Model | None = None  # the worker's model
_parent: int | None = None  # pid of the process that owns the pool (inherited where workers fork)

# Smaller than predict's one-process chunk: with a few hundred sentences a chunk, a worker
# that a busy core slows down takes fewer chunks and the others take more. Each chunk pays
# ~3 ms of scikit-learn's per-call checks, about 1% of its time at this size.
CHUNK = 256


_PR_SET_PDEATHSIG = 1


def _die_with_parent() -> None:
    """Exit when the parent does: ask the kernel for SIGKILL at its death (Linux), and watch
    the parent pid from a thread (anywhere; also covers a parent that died before this ran)."""
    parent = _parent or os.getppid()
    if sys.platform.startswith("linux"):
        try:
            ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, int(signal.SIGKILL), 0, 0, 0)
        except (OSError, AttributeError):
            pass

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(0.5)
        os._exit(1)
    if os.getppid() != parent:
        os._exit(1)
    threading.Thread(target=watch, name="vnstance-parent-watch", daemon=True).start()


def _init(model: Model) -> None:
    global _model
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    for sig in (signal.SIGTERM, getattr(signal, "SIGHUP", None)):  # the parent's handlers raise; not here
        if sig is not None:
            signal.signal(sig, signal.SIG_DFL)
    _die_with_parent()
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
    global _model, _parent
    methods = multiprocessing.get_all_start_methods()
    ctx = multiprocessing.get_context("fork" if "fork" in methods else "spawn")
    _model = model  # forked workers inherit the loaded, already verified model
    _parent = os.getpid()
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
            try:
                results = future.result()
            except BrokenProcessPool:
                raise VnstanceError("a worker process died (killed, or out of memory?): "
                                    "retry, or use fewer --jobs") from None
            yield from results
    finally:
        # on success, error (bad input line), Ctrl-C or an abandoned generator: no worker outlives this
        for future in pending:
            future.cancel()
        pool.shutdown(wait=True, cancel_futures=True)
