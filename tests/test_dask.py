"""`predict --engine dask` and vnstance.dask on a LocalCluster of two worker processes."""

from __future__ import annotations

import csv
import hashlib
import os
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from vnstance import VnstanceError
from vnstance import dask as engine
from vnstance.dataset import DEFAULT_TRAIN, load_labelled

from .conftest import assert_user_error


@pytest.fixture(scope="module")
def exit_flag(tmp_path_factory) -> Path:
    """While this file exists, the first worker to reach the hook removes it and dies."""
    return tmp_path_factory.mktemp("hook") / "exit-once"


@pytest.fixture(scope="module")
def cluster(exit_flag):
    from distributed import LocalCluster

    saved = os.environ.get(engine.EXIT_ONCE_ENV)
    os.environ[engine.EXIT_ONCE_ENV] = str(exit_flag)  # worker processes inherit it when they start
    c = LocalCluster(n_workers=2, threads_per_worker=1, processes=True, memory_limit="1GiB",
                     dashboard_address=None)
    yield c
    c.close()
    if saved is None:
        os.environ.pop(engine.EXIT_ONCE_ENV, None)
    else:
        os.environ[engine.EXIT_ONCE_ENV] = saved


@pytest.fixture(scope="module")
def sentences() -> list[str]:
    return load_labelled(DEFAULT_TRAIN).texts[:300]


@pytest.fixture(scope="module")
def archive(tmp_path_factory, sentences) -> Path:
    """A Parquet file of three row groups with passed-through columns of several types."""
    path = tmp_path_factory.mktemp("archive") / "archive.parquet"
    n = len(sentences)
    table = pa.table({"outlet": [f"outlet-{i % 4}" for i in range(n)], "views": list(range(n)),
                      "score": [i / 7 for i in range(n)], "text": sentences})
    pq.write_table(table, path, row_group_size=100)
    assert pq.ParquetFile(path).metadata.num_row_groups == 3
    return path


@pytest.fixture(scope="module")
def local_reference(archive, model_path, tmp_path_factory):
    """The same rows labelled by the local engine, one process, as Parquet."""
    from click.testing import CliRunner

    from vnstance.cli import main

    out = tmp_path_factory.mktemp("ref") / "local.parquet"
    r = CliRunner().invoke(main, ["predict", "--model", str(model_path), "--jobs", "1", "--format", "parquet",
                                  "-o", str(out), str(archive)])
    assert r.exit_code == 0, r.output
    return pd.read_parquet(out)


def read_parts(folder: Path) -> pd.DataFrame:
    parts = sorted(folder.glob("part-*.parquet"))
    return pd.concat([pd.read_parquet(p) for p in parts], ignore_index=True)


def predict_dask(run, cluster, model_path, out, *inputs, extra=()):
    return run("predict", "--engine", "dask", "--scheduler", cluster.scheduler_address, "--model", str(model_path),
               "-o", str(out), *extra, *map(str, inputs))


def test_parquet_row_groups_match_local_jobs_1(run, cluster, model_path, archive, local_reference, tmp_path):
    out = tmp_path / "out"
    r = predict_dask(run, cluster, model_path, out, archive)
    assert r.exit_code == 0, r.output
    assert "2 worker(s), dashboard http" in r.stderr and "3 partition(s)" in r.stderr
    assert [p.name for p in sorted(out.glob("part-*"))] == [f"part-0000{i}.parquet" for i in range(3)]
    assert [pq.read_metadata(p).num_rows for p in sorted(out.glob("part-*"))] == [100, 100, 100]
    got = read_parts(out)
    pd.testing.assert_frame_equal(got, local_reference)  # every column, every label and score, in order
    assert list(got.columns[:4]) == ["outlet", "views", "score", "text"]
    assert got["views"].tolist() == list(range(len(got)))
    assert pq.read_schema(sorted(out.glob("part-*"))[0]).field("views").type == pa.int64()


def test_glob_of_csv_files_one_partition_a_file(run, cluster, model_path, sentences, tmp_path):
    src = tmp_path / "in"
    src.mkdir()
    for k in range(3):
        with open(src / f"day-{k}.csv", "w", newline="", encoding="utf-8") as f:
            w = csv.writer(f)
            w.writerow(["url", "text"])
            w.writerows([f"http://x/{k}/{i}", s] for i, s in enumerate(sentences[k * 20:(k + 1) * 20]))
    files = sorted(src.glob("*.csv"))
    r = run("predict", "--model", str(model_path), "--format", "parquet", "-o", str(tmp_path / "local.parquet"),
            *map(str, files))
    assert r.exit_code == 0, r.output
    r = predict_dask(run, cluster, model_path, tmp_path / "out", src / "day-*.csv")
    assert r.exit_code == 0, r.output
    assert len(list((tmp_path / "out").glob("part-*.parquet"))) == 3
    pd.testing.assert_frame_equal(read_parts(tmp_path / "out"), pd.read_parquet(tmp_path / "local.parquet"))


def test_worker_that_dies_mid_partition_is_retried_without_duplicates(run, cluster, model_path, archive,
                                                                      local_reference, exit_flag, tmp_path):
    exit_flag.write_text("armed")
    out = tmp_path / "out"
    r = predict_dask(run, cluster, model_path, out, archive)
    assert r.exit_code == 0, r.output
    assert not exit_flag.exists()  # a worker took the flag and exited in the middle of writing its partition
    got = read_parts(out)
    assert len(got) == len(local_reference)
    assert not got.duplicated(subset=["views"]).any()
    pd.testing.assert_frame_equal(got, local_reference)
    assert not list(out.glob(".part-*"))  # the dead worker's temp file was swept


def test_resume_keeps_complete_partitions_and_redoes_missing_ones(run, cluster, model_path, archive,
                                                                 local_reference, tmp_path):
    out = tmp_path / "out"
    assert predict_dask(run, cluster, model_path, out, archive).exit_code == 0
    kept = out / "part-00000.parquet"
    before = kept.stat().st_ino, kept.stat().st_mtime_ns
    (out / "part-00001.parquet").unlink()
    (out / "part-00002.parquet").write_bytes(b"half a file")  # not written by us: redone
    assert_user_error(predict_dask(run, cluster, model_path, out, archive), "already holds predictions", "--resume")
    r = predict_dask(run, cluster, model_path, out, archive, extra=["--resume"])
    assert r.exit_code == 0, r.output
    assert "1 already complete" in r.stderr
    assert (kept.stat().st_ino, kept.stat().st_mtime_ns) == before
    pd.testing.assert_frame_equal(read_parts(out), local_reference)


def test_resume_refuses_a_folder_from_other_options(run, cluster, model_path, archive, tmp_path):
    out = tmp_path / "out"
    assert predict_dask(run, cluster, model_path, out, archive).exit_code == 0
    r = predict_dask(run, cluster, model_path, out, archive, extra=["--resume", "--id-column", "views"])
    assert_user_error(r, "_vnstance.json", "other input files, model or options")


def test_no_files_match_the_glob(run, model_path, tmp_path):
    r = run("predict", "--engine", "dask", "--model", str(model_path), "-o", str(tmp_path / "out"),
            str(tmp_path / "nothing-*.csv"))
    assert_user_error(r, "nothing-*.csv", "no files match")
    assert not (tmp_path / "out").exists()


def test_missing_text_column(run, model_path, archive, tmp_path):
    (tmp_path / "a.csv").write_text("url,body\nhttp://x,Nga và Mỹ\n", encoding="utf-8")
    r = run("predict", "--engine", "dask", "--model", str(model_path), "-o", str(tmp_path / "out"),
            str(tmp_path / "*.csv"))
    assert_user_error(r, "a.csv", 'no column "text"')
    r = run("predict", "--engine", "dask", "--model", str(model_path), "-o", str(tmp_path / "out"),
            "--text-column", "body", str(archive))
    assert_user_error(r, "archive.parquet", 'no column "body"')
    assert not (tmp_path / "out").exists()


def test_engine_options_are_checked(run, model_path, archive, tmp_path):
    assert_user_error(run("predict", "--engine", "dask", "--model", str(model_path), str(archive)), "-o DIR")
    assert_user_error(run("predict", "--engine", "dask", "--format", "csv", "--model", str(model_path),
                          "-o", str(tmp_path / "o"), str(archive)), "Parquet")
    assert_user_error(run("predict", "--resume", "--model", str(model_path), str(archive)), "--engine dask")


def test_predict_dataframe_matches_predict_frame(cluster, model, model_path, sentences):
    import dask.dataframe as dd
    from distributed import Client

    df = pd.DataFrame({"outlet": ["a", "b"] * 30, "text": sentences[:60]})
    with Client(cluster):
        got = engine.predict_dataframe(dd.from_pandas(df, npartitions=3), model_path).compute()
    pd.testing.assert_frame_equal(got.reset_index(drop=True), model.predict_frame(df), check_dtype=False)


def test_worker_model_checks_shipped_bytes_before_unpickling(model_path, tmp_path, monkeypatch):
    monkeypatch.setenv("TMPDIR", str(tmp_path / "tmp"))  # where the bytes are put to load them
    (tmp_path / "tmp").mkdir()
    import tempfile

    monkeypatch.setattr(tempfile, "tempdir", None)  # re-read TMPDIR
    data = Path(model_path).read_bytes()
    sha = hashlib.sha256(data).hexdigest()
    engine._models.pop(sha, None)
    try:
        with pytest.raises(VnstanceError, match="do not match"):
            engine.worker_model(str(tmp_path / "absent.joblib"), sha, data[:-1] + b"\0")
        assert sha not in engine._models
        model = engine.worker_model(str(tmp_path / "absent.joblib"), sha, data)  # no readable path: the bytes
        assert model.sha256 == sha
        assert engine.worker_model("ignored", sha) is model  # once per process
        assert list((tmp_path / "tmp").iterdir()) == []  # no copy of the model left behind
    finally:
        engine._models.pop(sha, None)


def test_worker_refuses_a_model_file_that_differs_from_the_clients(model_path, tmp_path):
    with pytest.raises(VnstanceError, match="differs between machines"):
        engine.worker_model(str(model_path), "0" * 64)


def test_own_local_cluster_with_the_model_shipped_as_bytes(run, model_path, archive, local_reference, tmp_path):
    """No --scheduler: a LocalCluster of --jobs processes; --ship-model: the bytes, checked on the worker."""
    out = tmp_path / "out"
    r = run("predict", "--engine", "dask", "--jobs", "1", "--ship-model", "--model", str(model_path),
            "-o", str(out), str(archive))
    assert r.exit_code == 0, r.output
    assert "1 worker(s), dashboard http" in r.stderr
    pd.testing.assert_frame_equal(read_parts(out), local_reference)


def test_bad_line_inside_a_partition_is_one_line_from_the_worker(run, cluster, model_path, tmp_path):
    src = tmp_path / "in"
    src.mkdir()
    (src / "a.jsonl").write_text('{"text": "Nga và Mỹ nhất trí ngừng bắn"}\n', encoding="utf-8")
    (src / "b.jsonl").write_text('{"text": "Mỹ cáo buộc Nga"}\n{"text": 3}\n', encoding="utf-8")
    r = predict_dask(run, cluster, model_path, tmp_path / "out", src / "*.jsonl", extra=["--quiet"])
    assert_user_error(r, "b.jsonl:2", '"text" must be a string')
    assert not (tmp_path / "out" / "part-00001.parquet").exists()


def _forget_models() -> None:
    engine._models.clear()


def test_shipped_bytes_reach_workers_that_cannot_read_the_model(cluster, model_path):
    from distributed import Client

    data = Path(model_path).read_bytes()
    sha = hashlib.sha256(data).hexdigest()
    with Client(cluster) as client:
        client.run(_forget_models)
        shipped = client.scatter(data, broadcast=True)
        took = client.run(engine._warm, "/nowhere/model.joblib", sha, shipped.key)
        assert len(took) == 2 and all(s > 0 for s in took.values())  # each loaded it, from the bytes
        assert client.run(engine._warm, "/nowhere/model.joblib", sha) == {w: 0.0 for w in took}  # held, once


def test_folder_of_articles_one_partition_a_file(run, cluster, model_path, tmp_path):
    from .conftest import ARTICLES

    src = tmp_path / "articles"
    src.mkdir()
    for a in ARTICLES[:3]:
        (src / a.name).write_bytes(a.read_bytes())
    r = run("predict", "--model", str(model_path), "--format", "parquet", "-o", str(tmp_path / "local.parquet"), str(src))
    assert r.exit_code == 0, r.output
    r = predict_dask(run, cluster, model_path, tmp_path / "out", src)
    assert r.exit_code == 0, r.output
    assert len(list((tmp_path / "out").glob("part-*.parquet"))) == 3
    pd.testing.assert_frame_equal(read_parts(tmp_path / "out"), pd.read_parquet(tmp_path / "local.parquet"))


def test_predict_dataframe_splits_articles_like_predict_frame(cluster, model, model_path):
    import dask.dataframe as dd
    from distributed import Client

    from .conftest import ARTICLES

    df = pd.DataFrame({"id": ["a", "b", "c"], "outlet": ["x", "y", "z"],
                       "body": [p.read_text(encoding="utf-8") for p in ARTICLES[:3]]})
    with Client(cluster):
        got = engine.predict_dataframe(dd.from_pandas(df, npartitions=2), model_path, text_column="body",
                                       article=True).compute()
    want = model.predict_frame(df, text_column="body", article=True)
    assert len(want) > 3
    pd.testing.assert_frame_equal(got.reset_index(drop=True), want, check_dtype=False)
