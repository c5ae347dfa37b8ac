import json
import multiprocessing
import signal
import subprocess
import sys
import time

import pytest

from .conftest import ARTICLES, assert_user_error


def test_jobs_2_equals_jobs_1_on_the_seed_articles(run, model_path):
    args = ["predict", "--model", str(model_path), "--input-format", "article", *map(str, ARTICLES)]
    one = run(*args)
    two = run(*args, "--jobs", "2")
    assert one.exit_code == two.exit_code == 0, two.output
    assert one.stdout == two.stdout
    assert len(one.stdout.splitlines()) == 181


def test_order_is_kept_across_many_chunks(run, model_path):
    lines = [f"Câu số {i}: Nga và Mỹ đàm phán về Syria." for i in range(1200)]  # several chunks per worker
    r = run("predict", "--model", str(model_path), "--jobs", "2", "-", input="\n".join(lines) + "\n")
    assert r.exit_code == 0, r.output
    assert [json.loads(x)["text"] for x in r.stdout.splitlines()] == lines
    assert multiprocessing.active_children() == []


def test_bad_line_with_workers_running(run, model_path, tmp_path):
    src = tmp_path / "in.jsonl"
    rows = [json.dumps({"id": i, "text": f"Nga và Mỹ gặp nhau lần {i}"}) for i in range(900)]
    rows[700] = '{"id": 700}'
    src.write_text("\n".join(rows) + "\n")
    out = tmp_path / "out.jsonl"
    r = run("predict", "--model", str(model_path), "--jobs", "2", "--input-format", "jsonl", "-o", str(out), str(src))
    assert_user_error(r, f"{src}:701:", 'missing "text"')
    assert multiprocessing.active_children() == []
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.jsonl"]


def test_sigint_stops_cleanly_without_partial_output(model_path, tmp_path):
    out = tmp_path / "out.jsonl"
    proc = subprocess.Popen([sys.executable, "-m", "vnstance.cli", "predict", "--model", str(model_path),
                             "--jobs", "2", "-o", str(out), "-"],
                            stdin=subprocess.PIPE, stderr=subprocess.PIPE, cwd=tmp_path)
    proc.stdin.write(("Nga và Mỹ đàm phán về Syria.\n" * 3000).encode())
    proc.stdin.flush()
    deadline = time.time() + 60
    while not any(p.name.startswith(".out.jsonl.") for p in tmp_path.iterdir()):  # writing has begun
        assert time.time() < deadline and proc.poll() is None, proc.stderr.read()
        time.sleep(0.05)
    time.sleep(0.3)
    proc.send_signal(signal.SIGINT)  # stdin is still open: the run cannot have finished
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err
    assert err.decode().strip().splitlines() == ["vnstance: interrupted"]
    assert list(tmp_path.iterdir()) == []


def test_quiet_and_progress(run, model_path):
    text = "Nga và Mỹ đàm phán.\n\nMỹ cáo buộc Nga.\n"
    quiet = run("predict", "--model", str(model_path), "--quiet", "-", input=text)
    assert quiet.exit_code == 0 and quiet.stderr == "" and len(quiet.stdout.splitlines()) == 2
    shown = run("predict", "--model", str(model_path), "--progress", "-", input=text)
    assert shown.exit_code == 0 and "2 sent" in shown.stderr
    assert [json.loads(x)["text"] for x in shown.stdout.splitlines()] == ["Nga và Mỹ đàm phán.", "Mỹ cáo buộc Nga."]


def test_bench_reports_figures(run, model_path, tmp_path):
    out = tmp_path / "bench.json"
    r = run("bench", "--model", str(model_path), "--sentences", "300", "--jobs", "2", "--json", str(out))
    assert r.exit_code == 0, r.output
    figures = json.loads(out.read_text())
    assert figures["sentences"] == 300 and figures["jobs"] == 2
    for key in ("segmentation_floor_per_s", "predict_1_job_per_s", "predict_2_jobs_per_s", "load_seconds",
                "import_seconds", "help_seconds"):
        assert figures[key] > 0, key
    rounds = figures["rounds"]
    pairs = [p for r in rounds for p in r["pairs"]]
    assert len(rounds) == 5 and len(pairs) == 20 and sum(p["sentences"] for p in pairs) == 300
    # the printed table shows the figures the JSON holds (the JSON is what CI and the README quote)
    lo, hi = figures["ratio_ranges"]["predict_1_job_vs_floor"]
    assert (f"{figures['predict_1_job_vs_floor']:.2f}x floor ({lo:.2f}-{hi:.2f})") in r.stdout
    lo, hi = figures["ratio_ranges"]["predict_1_job_vs_segment"]
    assert all(p["segment_s"] > 0 for p in pairs)
    assert f"{figures['predict_1_job_vs_segment']:.2f}x its own segmentation alone ({lo:.2f}-{hi:.2f})" in r.stdout
    assert f"{figures['predict_1_job_per_s']:>10.0f}" in r.stdout
    assert f"vnstance --help in a fresh interpreter: {figures['help_seconds']:.2f} s" in r.stdout


def test_bench_without_a_model(run, tmp_path):
    assert_user_error(run("bench", "--model", str(tmp_path / "none.joblib")), "no such model file")


def test_bench_whole_process_times_both_processes(run, model_path, tmp_path):
    out = tmp_path / "whole.json"
    r = run("bench", "--model", str(model_path), "--whole-process", "12,30", "--json", str(out))
    assert r.exit_code == 0, r.output
    figures = json.loads(out.read_text())
    assert [s["sentences"] for s in figures["sizes"]] == [12, 30]
    for size in figures["sizes"]:
        assert len(size["pairs"]) == figures["repeats"] == 3
        ratios = sorted(p["floor"] / p["predict"] for p in size["pairs"])
        assert size["ratio"] == ratios[1] and size["ratio_range"] == [ratios[0], ratios[-1]]
        assert f"{size['sentences']:>7} sentences:" in r.stdout and f"{size['ratio']:.2f}x" in r.stdout


@pytest.mark.parametrize("sizes", ["x", "0", "100,", ""])
def test_bench_whole_process_wants_counts(run, model_path, sizes):
    assert_user_error(run("bench", "--model", str(model_path), "--whole-process", sizes), "--whole-process")


def test_bench_whole_process_reports_a_failing_predict(run, model_path, tmp_path, monkeypatch):
    from vnstance import bench

    monkeypatch.setattr(bench, "_vnstance_command", lambda: [sys.executable, "-c", "import sys; sys.exit(3)"])
    assert_user_error(run("bench", "--model", str(model_path), "--whole-process", "5"), "the predict process exited 3")


@pytest.mark.parametrize("extra", [["--jobs", "2"], ["--sentences", "100"], ["--engine", "dask"]])
def test_bench_whole_process_refuses_options_it_would_ignore(run, tmp_path, extra):
    # refused before any model is looked for
    assert_user_error(run("bench", "--model", str(tmp_path / "none.joblib"), "--whole-process", "5", *extra),
                      extra[0])


def test_bench_whole_process_checks_each_predicts_own_output(run, model_path, tmp_path, monkeypatch):
    # a predict that labels the file on its first run only, then exits 0 writing nothing:
    # the output of the first run must not pass for the later ones'
    from vnstance import bench

    marker = tmp_path / "ran"
    fake = ("import sys, pathlib; m = pathlib.Path(sys.argv[1])\n"
            "if not m.exists():\n"
            "    m.touch(); n = len(open(sys.argv[-3]).readlines()); open(sys.argv[-1], 'w').write('{}\\n' * n)\n")
    monkeypatch.setattr(bench, "_vnstance_command", lambda: [sys.executable, "-c", fake, str(marker)])
    assert_user_error(run("bench", "--model", str(model_path), "--whole-process", "5"), "wrote no")
    assert marker.exists()
