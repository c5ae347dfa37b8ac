"""`vnstance bench`: throughput and memory of prediction against the segmentation floor.

underthesea's ``word_tokenize`` is the floor: what segmenting a sentence costs with the library
as published. ``predict`` segments with the same model (features/segment.py, faster than
``word_tokenize``), everything else in it should cost little next to that, and several jobs
should scale with cores. All figures come from one run
on the same sentences, timed back to back so that a slow spell of a shared machine falls
on both sides of a ratio alike. The corpus is cut into five rounds; each round times four
slices of it with segmentation alone and with predict (1 job), pair by pair in alternating
order, then predict with J jobs on the whole round. The 1-job ratio is the median of the
twenty pairs, the J-jobs ratio the median of the five rounds; both are printed with their
range. Throughputs are over all rounds.
"""

from __future__ import annotations

import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, Callable, Iterable

from .dataset import DEFAULT_TRAIN, load_labelled
from .errors import VnstanceError
from .features import segment
from .features.normalize import nfc
from .inputs import Item
from .model.api import Model, load_model, settle
from .model.parallel import resolve_jobs
from .model.predict import predict_items

ROUNDS = 5  # each round starts a pool for its J jobs (~0.05 s): about 2% of a 4,000-sentence round
PARTS = 4  # floor/1-job pairs per round: short pairs, so a slow spell rarely splits one
TARGETS = {"predict_1_job_vs_floor": 0.85, "predict_j_jobs_vs_1_job (2 cores)": 1.7, "load_seconds": 1.5,
           "peak_rss_mb": 400, "help_seconds": 0.3}
HELP_RUNS = 5


def corpus(n: int) -> list[str]:
    """n distinct news sentences built from the shipped data (distinct, so no cache helps)."""
    base = load_labelled(DEFAULT_TRAIN).texts
    return [f"{base[i % len(base)]} ({i // len(base) + 1})" for i in range(n)]


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


def _vnstance_command() -> list[str]:
    script = Path(sys.executable).with_name("vnstance")  # the installed command, as a user runs it
    return [str(script)] if script.is_file() else [sys.executable, "-m", "vnstance.cli"]


def help_seconds(runs: int = HELP_RUNS) -> list[float]:
    """Wall time of `vnstance --help`, each in a fresh interpreter (start-up and imports
    included, as a user waits for it), ``runs`` times."""
    command = _vnstance_command()
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        subprocess.run([*command, "--help"], capture_output=True, check=True)
        times.append(time.perf_counter() - t)
    return times


def _seconds(work: Callable[..., object], *args: Any) -> float:
    t = time.perf_counter()
    work(*args)
    return time.perf_counter() - t


def _run(command: list[str], name: str) -> None:
    done = subprocess.run(command, capture_output=True, text=True)
    if done.returncode != 0:
        last = (done.stderr.strip().splitlines() or ["(nothing on stderr)"])[-1]
        raise VnstanceError(f"bench: the {name} process exited {done.returncode}: {last}")


def _segment_all(texts: list[str]) -> None:
    from underthesea import word_tokenize

    for s in texts:
        word_tokenize(s)


def _segment_ours(texts: list[str]) -> None:
    for s in texts:
        segment.segment(nfc(s))


def _drain(results: Iterable[object]) -> None:
    for _ in results:
        pass


def _round(model: Model, model_path: str, texts: list[str], jobs: int, parts: int) -> dict[str, Any]:
    """One round: ``parts`` pairs of (floor, 1 job) on slices of ``texts``, each pair back to
    back and in alternating order, then ``jobs`` jobs on all of ``texts``."""
    size = -(-len(texts) // parts)
    pairs = []
    for k, start in enumerate(range(0, len(texts), size)):
        block = texts[start:start + size]
        items = [Item(text=s) for s in block]
        timed = {}
        for which in (("floor", "ours", "one") if k % 2 == 0 else ("one", "ours", "floor")):
            segment.segment.cache_clear()  # sentences are distinct anyway: no run profits from another's cache
            if which == "floor":
                timed[which] = _seconds(_segment_all, block)
            elif which == "ours":
                timed[which] = _seconds(_segment_ours, block)
            else:
                timed[which] = _seconds(_drain, predict_items(model, items))
        pairs.append({"sentences": len(block), "floor_s": timed["floor"], "segment_s": timed["ours"],
                      "predict_1_job_s": timed["one"]})
    segment.segment.cache_clear()
    items = [Item(text=s) for s in texts]
    many = _seconds(_drain, predict_items(model, items, jobs=jobs))
    return {"sentences": len(texts), "pairs": pairs, "predict_j_jobs_s": many}


def run(model_path: str, sentences: int = 20_000, jobs: int = 2, rounds: int = ROUNDS,
        parts: int = PARTS) -> dict[str, Any]:
    jobs = resolve_jobs(jobs)
    texts = corpus(sentences)
    model = load_model(model_path)
    _segment_all(["Khởi động bộ tách từ."])  # load the segmenter's model before timing
    settle()  # as `vnstance predict` does once its model is loaded
    size = -(-len(texts) // min(rounds, len(texts)))
    timed = [_round(model, model_path, texts[i:i + size], jobs, parts) for i in range(0, len(texts), size)]
    pairs = [p for r in timed for p in r["pairs"]]
    one_s = [sum(p["predict_1_job_s"] for p in r["pairs"]) for r in timed]

    vs_floor = [p["floor_s"] / p["predict_1_job_s"] for p in pairs]
    vs_ours = [p["segment_s"] / p["predict_1_job_s"] for p in pairs]
    vs_one = [one / r["predict_j_jobs_s"] for one, r in zip(one_s, timed)]
    imports, load = _load_seconds(model_path)
    helps = help_seconds()
    self_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    child_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return {
        "sentences": len(texts), "jobs": jobs, "cores": resolve_jobs(0),
        "segmentation_floor_per_s": len(texts) / sum(p["floor_s"] for p in pairs),
        "predict_1_job_per_s": len(texts) / sum(one_s),
        f"predict_{jobs}_jobs_per_s": len(texts) / sum(r["predict_j_jobs_s"] for r in timed),
        "predict_1_job_vs_floor": statistics.median(vs_floor), "predict_j_jobs_vs_1_job": statistics.median(vs_one),
        "predict_1_job_vs_segment": statistics.median(vs_ours),
        "ratio_ranges": {"predict_1_job_vs_floor": [min(vs_floor), max(vs_floor)],
                         "predict_1_job_vs_segment": [min(vs_ours), max(vs_ours)],
                         "predict_j_jobs_vs_1_job": [min(vs_one), max(vs_one)]},
        "load_seconds": load, "import_seconds": imports,
        "help_seconds": statistics.median(helps), "help_seconds_range": [min(helps), max(helps)],
        "peak_rss_mb": {"main": round(self_mb, 1), "largest_worker": round(child_mb, 1)},
        "rounds": timed, "targets": TARGETS,
    }


# The floor as a whole process: read the file, segment each line with underthesea.
FLOOR_SCRIPT = """import sys
from underthesea import word_tokenize
with open(sys.argv[1], encoding="utf-8") as f:
    for line in f:
        word_tokenize(line.rstrip("\\n"))
"""
WHOLE_REPEATS = 3


def whole_process(model_path: str, sizes: Iterable[int], repeats: int = WHOLE_REPEATS) -> dict[str, Any]:
    """End to end, as a user runs it: `vnstance predict --jobs 1 FILE -o OUT` (start-up,
    imports, digest check, model load, reading, labelling, writing JSON Lines) against a
    process that only reads FILE and segments each line with underthesea, on the same file
    of ``n`` distinct sentences for each size. The two run back to back ``repeats`` times in
    alternating order; the ratio (floor seconds / predict seconds) is the median of the pairs.
    """
    predict = [*_vnstance_command(), "predict", "--model", model_path, "--jobs", "1", "-q"]
    out: dict[str, Any] = {"repeats": repeats, "sizes": []}
    with tempfile.TemporaryDirectory(prefix="vnstance-bench-") as tmp:
        for n in sizes:
            text_path, out_path = Path(tmp) / f"corpus-{n}.txt", Path(tmp) / "out.jsonl"
            text_path.write_text("\n".join(corpus(n)) + "\n", encoding="utf-8")
            commands = {"floor": [sys.executable, "-c", FLOOR_SCRIPT, str(text_path)],
                        "predict": [*predict, str(text_path), "-o", str(out_path)]}
            pairs = []
            for k in range(repeats):
                timed = {}
                out_path.unlink(missing_ok=True)  # each predict must write its own output
                for which in (("floor", "predict") if k % 2 == 0 else ("predict", "floor")):
                    timed[which] = _seconds(_run, commands[which], which)
                if not out_path.exists():
                    raise VnstanceError(f"bench: predict exited 0 but wrote no {out_path.name}")
                with open(out_path, encoding="utf-8") as f:
                    labelled = sum(1 for _ in f)
                if labelled != n:
                    raise VnstanceError(f"bench: predict labelled {labelled} of {n} sentences")
                pairs.append(timed)
            ratios = [p["floor"] / p["predict"] for p in pairs]
            out["sizes"].append({"sentences": n, "pairs": pairs, "ratio": statistics.median(ratios),
                                 "ratio_range": [min(ratios), max(ratios)]})
    return out


def whole_table(r: dict[str, Any]) -> str:
    lines = [f"whole process, predict --jobs 1 vs segmentation alone (median of {r['repeats']} alternating pairs):"]
    for s in r["sizes"]:
        floor = statistics.median(p["floor"] for p in s["pairs"])
        pred = statistics.median(p["predict"] for p in s["pairs"])
        lo, hi = s["ratio_range"]
        lines.append(f"  {s['sentences']:>7} sentences: floor {floor:.2f} s, predict {pred:.2f} s, "
                     f"{s['ratio']:.2f}x ({lo:.2f}-{hi:.2f}); target >= 0.85x")
    return "\n".join(lines)


def table(r: dict[str, Any]) -> str:
    j = r["jobs"]
    lo1, hi1 = r["ratio_ranges"]["predict_1_job_vs_floor"]
    los, his = r["ratio_ranges"]["predict_1_job_vs_segment"]
    loj, hij = r["ratio_ranges"]["predict_j_jobs_vs_1_job"]
    out = [f"{r['sentences']} sentences in {len(r['rounds'])} rounds, {j} jobs, {r['cores']} cores",
           f"{'stage':<40}{'sent/s':>10}  ratio: median (range)",
           f"{'segmentation alone, 1 process (floor)':<40}{r['segmentation_floor_per_s']:>10.0f}",
           f"{'predict, 1 job':<40}{r['predict_1_job_per_s']:>10.0f}  "
           f"{r['predict_1_job_vs_floor']:.2f}x floor ({lo1:.2f}-{hi1:.2f}); target >= 0.85x",
           f"{'':<50}{r['predict_1_job_vs_segment']:.2f}x its own segmentation alone ({los:.2f}-{his:.2f}): "
           f"the rest of predict",
           f"{f'predict, {j} jobs':<40}{r[f'predict_{j}_jobs_per_s']:>10.0f}  "
           f"{r['predict_j_jobs_vs_1_job']:.2f}x 1 job ({loj:.2f}-{hij:.2f}); target >= 1.7x on 2 cores",
           f"model load (digest, unpickle, segmenter): {r['load_seconds']:.2f} s (target < 1.5 s); "
           f"importing the libraries first: {r['import_seconds']:.2f} s",
           f"vnstance --help in a fresh interpreter: {r['help_seconds']:.2f} s, median of {HELP_RUNS} "
           f"({r['help_seconds_range'][0]:.2f}-{r['help_seconds_range'][1]:.2f}) (target < 0.3 s)",
           f"peak resident memory: main {r['peak_rss_mb']['main']:.0f} MB, "
           f"largest worker {r['peak_rss_mb']['largest_worker']:.0f} MB (target < 400 MB)"]
    return "\n".join(out)


