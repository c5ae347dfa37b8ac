"""Peak memory of `vnstance predict` over a generated CSV of N rows (the README's figure).

    python examples/table_memory.py 100000 --jobs 2 --format parquet

Writes a CSV of N distinct sentences (seed sentences, each with a running number) with
outlet and date columns to a temp folder, runs `vnstance predict` on it, samples the
resident memory of the main process and each worker every 0.2 s from /proc, and prints
the peaks. Linux only. Deletes its files afterwards.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def sentences() -> list[str]:
    out = []
    for name in ("gold.jsonl", "authored.jsonl"):
        for line in (ROOT / "seeds" / name).read_text(encoding="utf-8").splitlines():
            out.append(json.loads(line)["text"])
    return out


def rss_mb(pid: int) -> float:
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def children(pid: int) -> list[int]:
    try:
        with open(f"/proc/{pid}/task/{pid}/children") as f:
            return [int(p) for p in f.read().split()]
    except OSError:
        return []


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("rows", type=int)
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--format", default="parquet")
    ap.add_argument("--model", default=None)
    args = ap.parse_args()
    texts = sentences()
    with tempfile.TemporaryDirectory() as tmp:
        src = Path(tmp) / "in.csv"
        with src.open("w", encoding="utf-8", newline="") as f:
            w = csv.writer(f, lineterminator="\n")
            w.writerow(["id", "outlet", "published", "text"])
            for i in range(args.rows):
                w.writerow([i, f"outlet-{i % 7}", f"2016-{1 + i % 12:02d}-01", f"{texts[i % len(texts)]} ({i})"])
        out = Path(tmp) / f"out.{args.format}"
        cmd = [sys.executable, "-m", "vnstance.cli", "predict", "--jobs", str(args.jobs), "--format", args.format,
               "--id-column", "id", "-o", str(out), "--quiet", str(src)]
        if args.model:
            cmd[4:4] = ["--model", args.model]
        started = time.time()
        proc = subprocess.Popen(cmd)
        main_peak, worker_peak, total_peak, samples = 0.0, 0.0, 0.0, []
        while proc.poll() is None:
            m = rss_mb(proc.pid)
            ws = [rss_mb(c) for c in children(proc.pid)]
            main_peak, worker_peak = max(main_peak, m), max([worker_peak, *ws])
            total_peak = max(total_peak, m + sum(ws))
            samples.append(m)
            time.sleep(0.2)
        seconds = time.time() - started
        if proc.returncode != 0:
            sys.exit(f"predict failed with status {proc.returncode}")
        quarter = samples[len(samples) // 4] if samples else 0.0
        print(json.dumps({"rows": args.rows, "jobs": args.jobs, "format": args.format,
                          "seconds": round(seconds, 1), "input_mb": round(src.stat().st_size / 2**20, 1),
                          "output_mb": round(out.stat().st_size / 2**20, 1),
                          "peak_main_mb": round(main_peak), "main_mb_at_quarter": round(quarter),
                          "peak_worker_mb": round(worker_peak), "peak_total_mb": round(total_peak)}))


if __name__ == "__main__":
    main()
