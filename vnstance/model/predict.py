"""Streaming prediction of input items: (item, prediction) pairs out, in input order."""

from __future__ import annotations

from itertools import tee
from typing import Any, Iterable, Iterator

from ..inputs import Item
from .api import BATCH, Model

CHUNK = BATCH  # the name the bench and older callers use


def predict_items(model: Model, items: Iterable[Item], chunk: int | None = None,
                  jobs: int = 1) -> Iterator[tuple[Item, dict[str, Any]]]:
    """Label items through ``Model.pipe`` (``jobs`` processes), each paired with its prediction.

    Items wait in a buffer only while their batch is being labelled: memory stays flat.
    """
    ahead, behind = tee(items)
    # the predictions first: when they end, pipe has already shut its workers down
    for pred, item in zip(model.pipe((item.text for item in ahead), batch_size=chunk, n_process=jobs), behind):
        yield item, pred
