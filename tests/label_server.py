"""Run `vnstance label` in a subprocess for the kill -9 test (not a test module)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start(args: list[str], log: Path, timeout: float = 300.0) -> tuple[subprocess.Popen, str]:
    """Start `vnstance label ARGS --port P` and wait until it answers; returns the process and base URL."""
    port = free_port()
    with open(log, "wb") as err:
        proc = subprocess.Popen([sys.executable, "-m", "vnstance.cli", "label", *args, "--port", str(port)],
                                stdout=err, stderr=err, env={**os.environ, "PYTHONUNBUFFERED": "1"})
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError(f"server exited {proc.returncode}: {log.read_text(errors='replace')}")
        try:
            if httpx.get(f"{base}/api/stats", timeout=2).status_code == 200:
                return proc, base
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    proc.kill()
    raise AssertionError(f"server did not start: {log.read_text(errors='replace')}")
