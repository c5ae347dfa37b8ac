"""`predict --engine dask`: label a partitioned archive on a Dask cluster.

The engine only decides where partitions run. Each partition is read, labelled and written
by the same functions as the local command (``tables.read_source``, ``predict_items``,
``outputs.ParquetWriter``), so its rows have the columns of ``predict --format parquet``.

- Partitions: each row group of each Parquet file (a file or a folder of them), each file of
  a list or glob of CSV / TSV / JSONL / text files, each .txt article of a folder.
- The model: every worker loads it from a path it can read and checks its SHA-256 with
  ``load_model`` (the artifact's verifying loader) against the digest the client read, or
  (``ship=True``) receives its bytes once, broadcast through the scheduler, and checks them
  the same way before anything is unpickled. One model per worker process, keyed by digest,
  with the segmenter warmed once, not per partition.
- Output: ``DIR/part-00000.parquet`` ... one file per partition, each written to a temp name
  and renamed, so a task that dies or is retried never leaves half a file or a duplicate;
  ``DIR/_vnstance.json`` records the partitions, the model and the options, and each part's
  footer its partition, so ``resume=True`` skips the complete ones.

Importing this module needs dask and distributed (the ``dask`` extra); nothing in the core
path imports it.
"""

from __future__ import annotations

import glob
import hashlib
import json
import os
import socket
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable

from .errors import DataError, VnstanceError
from .inputs import ReadStats
from .model.api import Model, load_model, settle
from .tables import TABLE_FORMATS, _check_columns, default_text_column, delimited_rows, read_source
from .textfiles import atomic_file

MANIFEST = "_vnstance.json"
PART = "part-{:05d}.parquet"
META_KEY = b"vnstance.partition"
# Test hook: a worker that finds this file removes it and dies mid-partition (os._exit), after
# writing part of its output: how the tests kill a worker on its first task.
EXIT_ONCE_ENV = "VNSTANCE_TEST_EXIT_ONCE"

_models: dict[str, Model] = {}  # this worker process's models, by SHA-256


def _dask():
    try:
        import distributed  # noqa: F401
    except ImportError:
        raise VnstanceError("--engine dask needs the dask extra: pip install 'vnstance[dask]'") from None
    return distributed


# ---------------------------------------------------------------- the model on a worker

def recorded_digest(model_path: str | Path) -> str:
    """The SHA-256 recorded beside the model, after checking the file against it here."""
    model = load_model(model_path)
    assert model.sha256 is not None
    return model.sha256


def worker_model(model_path: str, sha256: str, data: bytes | None = None) -> Model:
    """This process's model with digest ``sha256``: loaded once (from ``model_path``, or from
    ``data``, the model's bytes) through ``load_model``, which checks the digest before
    unpickling and warms it; then the objects are frozen (``settle``)."""
    model = _models.get(sha256)
    if model is not None:
        return model
    if data is not None:
        if hashlib.sha256(data).hexdigest() != sha256:
            raise VnstanceError(f"{socket.gethostname()}: the model bytes received do not match SHA-256 "
                                f"{sha256[:12]}…; refusing to load them")
        with tempfile.TemporaryDirectory(prefix="vnstance-model-") as folder:  # removed once loaded
            path = Path(folder) / "model.joblib"
            path.write_bytes(data)
            model = load_model(path, sha256)  # the pinned digest is checked again, then unpickled
    else:
        try:
            model = load_model(model_path)
        except VnstanceError as e:
            raise VnstanceError(f"worker on {socket.gethostname()}: {e}") from None
    if model.sha256 != sha256:
        raise VnstanceError(f"worker on {socket.gethostname()}: {model_path} has SHA-256 {model.sha256[:12]}…, "
                            f"not the {sha256[:12]}… the client checked: the model file differs between machines")
    settle()  # load_model has warmed the segmenter: nothing is loaded inside a partition
    _models[sha256] = model
    return model


def _warm(model_path: str, sha256: str, data_key: Any = None, dask_worker: Any = None) -> float:
    """Load and warm the model on this worker (``client.run``); seconds it took (0 if held).
    ``data_key``: the key of the model's bytes scattered to every worker (``--ship-model``),
    read from this worker's own store, so the bytes travel once."""
    started = time.perf_counter()
    held = sha256 in _models
    data = dask_worker.data[data_key] if data_key is not None and dask_worker is not None else None
    worker_model(model_path, sha256, data)
    return 0.0 if held else time.perf_counter() - started


# ---------------------------------------------------------------- partitions

@dataclass(frozen=True)
class Partition:
    """One unit of work: a file (``row_group`` None) or one row group of a Parquet file."""

    path: str
    format: str
    row_group: int | None = None
    size: int = 0  # the file's size in bytes when planned: a changed input is not resumed

    def spec(self) -> dict[str, Any]:
        return {"path": self.path, "format": self.format, "row_group": self.row_group, "size": self.size}


@dataclass(frozen=True)
class Options:
    text_column: str | None = None
    id_column: str | None = None
    article: bool = False


def _expand(inputs: Iterable[str]) -> list[str]:
    paths: list[str] = []
    for pattern in inputs:
        if pattern == "-":
            raise VnstanceError("--engine dask reads files the workers can open, not stdin: give file names or a glob")
        found = sorted(glob.glob(pattern)) if glob.has_magic(pattern) else [pattern]
        if not found:
            raise DataError(pattern, None, "no files match")
        paths.extend(found)
    if not paths:
        raise VnstanceError("--engine dask needs INPUT files: a Parquet file or folder, or a glob of CSV/JSONL/text files")
    return paths


def _format_of(path: str, given: str | None) -> str:
    from .tables import infer_format

    if given:
        return given
    return infer_format(path) or "lines"  # the local engine's reading, file for file


def plan(inputs: Iterable[str], input_format: str | None = None, options: Options = Options()) -> list[Partition]:
    """The partitions of the inputs, in input order; a table's header is checked here, before
    any worker starts, so a missing column is one line naming the file."""
    column = options.text_column or default_text_column(options.article)
    check = _header_check(column, options.id_column)
    parts: list[Partition] = []
    for path in _expand(inputs):
        if Path(path).is_dir():
            files = sorted(p for p in Path(path).glob("*.parquet") if p.is_file())
            if files and not input_format:
                for f in files:
                    parts.extend(_parquet_parts(str(f.resolve()), check))
                continue
            texts = sorted(p for p in Path(path).glob("*.txt") if p.is_file())
            if not texts:
                raise DataError(path, None, "folder has no .parquet or .txt files")
            parts.extend(Partition(str(p.resolve()), "article-file", None, p.stat().st_size) for p in texts)
            continue
        fmt = _format_of(path, input_format)
        if not Path(path).is_file():
            raise DataError(path, None, "no such file")
        if fmt == "parquet":
            parts.extend(_parquet_parts(str(Path(path).resolve()), check))
            continue
        if fmt in TABLE_FORMATS:
            next(delimited_rows(path, "\t" if fmt == "tsv" else ",", check))  # header and a first row
        elif options.text_column or options.id_column or options.article:
            raise VnstanceError("--text-column, --id-column and --article apply to csv, tsv or parquet input")
        # absolute paths: a remote worker's working directory is not the client's
        parts.append(Partition(str(Path(path).resolve()), fmt, None, Path(path).stat().st_size))
    return parts


def _header_check(column: str, id_column: str | None) -> Callable[[str, int | None, list[str]], None]:
    def check(name: str, line: int | None, columns: list[str]) -> None:
        _check_columns(name, line, columns, column, id_column)
    return check


def _parquet_parts(path: str, check: Callable[[str, int | None, list[str]], None]) -> list[Partition]:
    from .tables import _pyarrow_parquet

    pq = _pyarrow_parquet()
    import pyarrow as pa

    try:
        meta = pq.ParquetFile(path).metadata
    except (pa.ArrowException, OSError) as e:
        raise DataError(path, None, f"not a Parquet file ({e})") from None
    check(path, None, list(meta.schema.to_arrow_schema().names))
    if meta.num_rows == 0:
        raise DataError(path, None, "empty Parquet file: no rows")
    size = Path(path).stat().st_size
    return [Partition(path, "parquet", g, size) for g in range(meta.num_row_groups)]


def _input_types(part: Partition, options: Options) -> dict[str, Any]:
    """Arrow types of a Parquet input's passed-through columns: every output file agrees."""
    if part.format != "parquet":
        return {}
    import pyarrow.parquet as pq

    skip = {options.text_column or default_text_column(options.article), options.id_column or "id"}
    return {f.name: f.type for f in pq.read_schema(part.path) if f.name not in skip}


# ---------------------------------------------------------------- one partition

def label_partition(part: Partition, out_path: str, model_path: str, sha256: str, options: Options,
                    model_data: bytes | None = None) -> dict[str, int]:
    """Read one partition, label it, write it to ``out_path`` atomically. Runs on a worker.

    User errors come back as a plain VnstanceError (one line; DataError does not unpickle).
    """
    try:
        model = worker_model(model_path, sha256, model_data)
        stats = ReadStats()
        items = read_source(part.path, part.format, options.text_column, options.id_column, options.article,
                            stats, part.row_group)
        return _write_part(model, items, out_path, part, sha256, options, stats)
    except VnstanceError as e:
        raise VnstanceError(str(e)) from None


def _write_part(model: Model, items: Iterable[Any], out_path: str, part: Partition, sha256: str,
                options: Options, stats: ReadStats) -> dict[str, int]:
    from .model.predict import predict_items
    from .outputs import ParquetWriter, record

    meta = {META_KEY: json.dumps({**part.spec(), "model_sha256": sha256}).encode()}
    rows = 0
    with atomic_file(out_path, "wb") as f:
        writer = ParquetWriter(f, types=_input_types(part, options), metadata=meta, schema=model.schema)
        for item, pred in predict_items(model, items):
            writer.write(record(item, pred))
            rows += 1
        _exit_once_if_asked()
        writer.close()
    return {"rows": rows, "skipped_empty": stats.skipped_empty}


def _exit_once_if_asked() -> None:
    flag = os.environ.get(EXIT_ONCE_ENV)
    if not flag:
        return
    try:
        os.remove(flag)  # only one worker wins the flag
    except FileNotFoundError:
        return
    os._exit(70)


# ---------------------------------------------------------------- the run

@dataclass
class Result:
    partitions: int
    skipped: int  # complete partitions left alone (resume)
    rows: int
    skipped_empty: int
    seconds: float  # labelling, after the workers were warm
    startup: dict[str, float] = field(default_factory=dict)  # worker -> seconds to load and warm
    dashboard: str | None = None


def _part_done(path: Path, part: Partition, sha256: str) -> bool:
    """The file exists, reads as Parquet and its footer says it holds this partition."""
    import pyarrow.parquet as pq

    if not path.is_file():
        return False
    try:
        meta = pq.read_metadata(path).metadata or {}
    except Exception:  # noqa: BLE001 - unreadable: redo it
        return False
    return meta.get(META_KEY) == json.dumps({**part.spec(), "model_sha256": sha256}).encode()


def _sweep(out: Path) -> None:
    """Remove the temp files of workers that died mid-write (readers skip them anyway)."""
    for stale in out.glob(".part-*.tmp") if out.is_dir() else ():
        stale.unlink(missing_ok=True)


def check_output(out_dir: str | Path, resume: bool) -> bool:
    """Whether ``out_dir`` already holds a run's files; raises unless that is allowed."""
    out = Path(out_dir)
    if out.exists() and not out.is_dir():
        raise DataError(out, None, "is a file: --engine dask writes a folder of Parquet files")
    existing = out.is_dir() and ((out / MANIFEST).exists() or any(out.glob("part-*.parquet")))
    if existing and not resume:
        raise DataError(out, None, "already holds predictions: pass --resume to finish that run, or choose another -o")
    return existing


def _prepare_dir(out: Path, manifest: dict[str, Any], resume: bool) -> None:
    mpath = out / MANIFEST
    if check_output(out, resume):
        try:
            old = json.loads(mpath.read_text())
        except (OSError, ValueError):
            raise DataError(mpath, None, "missing or unreadable: cannot tell which run made this folder") from None
        if old != manifest:
            raise DataError(mpath, None, "was written for other input files, model or options: --resume needs the "
                                         "same ones (or choose another -o)")
    _sweep(out)
    with atomic_file(mpath, "w") as f:
        f.write(json.dumps(manifest, indent=1, ensure_ascii=False) + "\n")


def connect(scheduler: str | None, workers: int | None = None, dashboard: bool = True,
            memory_limit: str = "auto") -> tuple[Any, Any]:
    """(client, cluster): the cluster at ``scheduler``, else a LocalCluster of ``workers``
    processes (default: the cores) with one thread each. ``cluster`` is None when connecting."""
    distributed = _dask()
    import logging

    if scheduler:
        try:
            return distributed.Client(scheduler, timeout="20s"), None
        except (OSError, TimeoutError) as e:
            raise VnstanceError(f"cannot reach the Dask scheduler at {scheduler}: {e}") from None
    n = workers or os.cpu_count() or 1
    # the local cluster's own INFO lines (workers starting, closing) are not the user's business;
    # worker processes read this from the environment they inherit
    os.environ.setdefault("DASK_LOGGING__DISTRIBUTED", "error")
    logging.getLogger("distributed").setLevel(logging.ERROR)
    cluster = distributed.LocalCluster(n_workers=n, threads_per_worker=1, processes=True,
                                       memory_limit=memory_limit, silence_logs=logging.ERROR,
                                       dashboard_address=":8787" if dashboard else None)
    return distributed.Client(cluster), cluster


def run(inputs: Iterable[str], model_path: str | Path, out_dir: str | Path, *, input_format: str | None = None,
        options: Options = Options(), client: Any, resume: bool = False, ship_model: bool = False,
        progress: bool = False, announce: Callable[[str], None] | None = None) -> Result:
    """Label every partition of ``inputs`` on ``client``'s cluster into ``out_dir``."""
    from distributed import KilledWorker, as_completed

    parts = plan(inputs, input_format, options)
    sha = recorded_digest(model_path)
    model_path = str(Path(model_path).resolve())
    out = Path(out_dir)
    manifest = {"format": "vnstance-dask/1", "model_sha256": sha,
                "options": {"input_format": input_format, **asdict(options)},
                "partitions": [p.spec() for p in parts]}
    _prepare_dir(out, manifest, resume)
    todo = [(i, p) for i, p in enumerate(parts) if not (resume and _part_done(out / PART.format(i), p, sha))]
    info = client.scheduler_info()
    dashboard = client.dashboard_link
    if announce:
        announce(f"dask: {len(info.get('workers', {}))} worker(s), dashboard {dashboard}; "
                 f"{len(parts)} partition(s), {len(parts) - len(todo)} already complete")
    data = None
    if ship_model:
        raw = Path(model_path).read_bytes()
        if hashlib.sha256(raw).hexdigest() != sha:
            raise VnstanceError(f"{model_path}: changed while starting; refusing to send it")
        data = client.scatter(raw, broadcast=True)
    # load and warm the model on every worker now: a worker that cannot read it fails here, once
    startup = client.run(_warm, model_path, sha, data.key if data is not None else None) if todo else {}
    started = time.perf_counter()
    futures = [client.submit(label_partition, p, str((out / PART.format(i)).resolve()), model_path, sha, options,
                             data, key=f"vnstance-part-{i:05d}-{sha[:8]}-{time.time_ns()}", pure=False)
               for i, p in todo]
    rows = empty = 0
    from tqdm import tqdm

    bar = tqdm(total=len(futures), disable=not progress, unit=" part", file=sys.stderr, mininterval=0.5)
    where = {f.key: (i, p) for f, (i, p) in zip(futures, todo)}
    try:
        for fut in as_completed(futures):
            try:
                done = fut.result()
            except KilledWorker:
                i, p = where[fut.key]
                raise VnstanceError(
                    f"{p.path}" + (f" row group {p.row_group}" if p.row_group is not None else "")
                    + f" (partition {i}): the workers running it died each time (out of memory? see the worker logs); "
                    "the partitions done are kept: rerun with --resume") from None
            rows += done["rows"]
            empty += done["skipped_empty"]
            bar.update(1)
    except BaseException:
        client.cancel(futures)
        raise
    finally:
        bar.close()
    _sweep(out)  # every partition is complete: any temp file left is a dead task's
    return Result(len(parts), len(parts) - len(todo), rows, empty, time.perf_counter() - started,
                  {str(k): float(v) for k, v in startup.items()}, dashboard)


# ---------------------------------------------------------------- a Dask DataFrame

def predict_dataframe(ddf: Any, model_path: str | Path, text_column: str = "text", id_column: str | None = None,
                      article: bool = False) -> Any:
    """Label a Dask DataFrame lazily: each partition goes through ``Model.predict_frame`` on
    its worker (model loaded and its digest checked once per worker). The result has the
    columns of ``vnstance predict --format csv`` (mentions as lists)."""
    import pandas as pd

    from .outputs import prediction_columns
    from .tables import reserved_columns

    sha = recorded_digest(model_path)
    schema = worker_model(str(Path(model_path).resolve()), sha).schema  # the columns follow the model's heads
    columns = [str(c) for c in ddf.columns]
    _check_columns("DataFrame", None, columns, text_column, id_column, reserved_columns(schema))
    idcol = id_column or "id"
    passed = {c: ddf.dtypes[c] for c in columns if c not in (text_column, idcol)}
    if article:
        passed.update({"article_id": object, "sentence_index": "int64"})
    meta = pd.DataFrame({c: pd.Series(dtype=t) for c, t in passed.items()})
    if idcol in columns or article:
        meta["id"] = pd.Series(dtype=object)
    for c in prediction_columns(schema):
        meta[c] = pd.Series(dtype="float64" if c not in ("text", *schema.heads)
                            and not c.endswith("_mentions") else object)
    return ddf.map_partitions(_label_frame, str(Path(model_path).resolve()), sha, text_column, id_column, article,
                              meta=meta, enforce_metadata=False, clear_divisions=True)


def _label_frame(df: Any, model_path: str, sha256: str, text_column: str, id_column: str | None,
                 article: bool) -> Any:
    try:
        out = worker_model(model_path, sha256).predict_frame(df, text_column=text_column, article=article,
                                                             id_column=id_column)
    except VnstanceError as e:
        raise VnstanceError(str(e)) from None
    return out
