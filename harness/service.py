"""``tadoru serve`` as a subprocess on a free loopback port: the one launcher of tests and benchmarks."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class LiveServer:
    url: str
    port: int
    process: subprocess.Popen
    log_path: Path | None = None

    def log(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace") if self.log_path else ""

    def workers(self) -> list[Any]:
        """The gunicorn worker processes (needs psutil, a test dependency)."""
        import psutil

        try:
            return psutil.Process(self.process.pid).children()
        except psutil.NoSuchProcess:
            return []


def start_server(tmp: Path | None = None, *, workers: int = 1, env: dict[str, str] | None = None,
                 args: list[str] | None = None, timeout: float = 60.0, wait_for_workers: bool = False,
                 log_path: Path | None = None, port: int | None = None) -> LiveServer:
    """Start ``tadoru serve`` and wait until ``/api/v1/health`` answers ``ok``.

    The log goes to ``log_path``, or ``tmp/serve-PORT.log`` with ``tmp``, or nowhere. With
    ``wait_for_workers`` it also waits until every worker process has forked (benchmarks that
    measure the workers' memory need them all).  ``port`` starts it again where it was (a restart).
    """
    port = port or free_port()
    if log_path is None and tmp is not None:
        log_path = tmp / f"serve-{port}.log"
    out = open(log_path, "wb") if log_path else subprocess.DEVNULL  # noqa: SIM115 - the server writes until stopped
    cmd = [sys.executable, "-m", "tadoru", "serve", "--port", str(port), "--workers", str(workers), *(args or [])]
    proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT, env={**os.environ, **(env or {})},
                            start_new_session=True)
    server = LiveServer(f"http://127.0.0.1:{port}", port, proc, log_path)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"tadoru serve exited with {proc.returncode}:\n{server.log()}")
        try:
            with urllib.request.urlopen(server.url + "/api/v1/health", timeout=2) as r:
                if r.status == 200 and json.loads(r.read())["status"] == "ok" and (
                        not wait_for_workers or len(server.workers()) >= workers):
                    return server
        except OSError:
            pass
        time.sleep(0.1)
    stop_server(proc)
    raise RuntimeError(f"tadoru serve did not answer within {timeout:g} s:\n{server.log()}")


def stop_server(proc: subprocess.Popen) -> None:
    """SIGTERM (gunicorn's graceful stop), then SIGKILL if it has not gone in 15 s."""
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
