"""Start-up: ``tadoru serve`` to its first answered request, ``Annotator()`` build time, and the
resident memory of one loaded Annotator (each measured in a fresh process)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import urllib.request

from common import print_table

from harness.service import free_port

PROBE = r"""
import json, os, time, psutil
proc = psutil.Process()
t0 = time.perf_counter(); import tadoru; t_import = time.perf_counter() - t0
rss0 = proc.memory_info().rss
t0 = time.perf_counter(); a = tadoru.Annotator(); t_build = time.perf_counter() - t0
t0 = time.perf_counter(); a.warm_up(); t_warm = time.perf_counter() - t0
a.annotate_text("ファインチューニングとLoRAとGPU")
print(json.dumps({"import": t_import, "build": t_build, "warm": t_warm, "rss_mb": proc.memory_info().rss / 2**20,
                  "rss_before_mb": rss0 / 2**20}))
"""


def time_to_first_request(workers: int = 1) -> float:
    port = free_port()
    t0 = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-m", "tadoru", "serve", "--port", str(port), "--workers", str(workers)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        while time.perf_counter() - t0 < 60:
            try:
                body = json.dumps({"text": "LoRAでfine-tuningする"}).encode()
                req = urllib.request.Request(f"http://127.0.0.1:{port}/api/v1/annotate", data=body,
                                             headers={"Content-Type": "application/json"})
                with urllib.request.urlopen(req, timeout=5) as r:
                    if r.status == 200:
                        return time.perf_counter() - t0
            except OSError:
                time.sleep(0.02)
        raise RuntimeError("tadoru serve did not answer within 60 s")
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=20)


def main() -> list[dict]:
    probe = json.loads(subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True, check=True).stdout)
    first = min(time_to_first_request() for _ in range(2))
    rows = [
        ["import tadoru", f"{probe['import'] * 1000:.0f} ms", ""],
        ["Annotator() build (load + validate + compile lexicon)", f"{probe['build'] * 1000:.0f} ms", ""],
        ["Sudachi dictionary warm-up", f"{probe['warm'] * 1000:.0f} ms", ""],
        ["RSS of one loaded, warmed Annotator (whole process)", f"{probe['rss_mb']:.0f} MB", "target ≤ 400 MB"],
        ["tadoru serve → first answered POST /annotate", f"{first:.2f} s", "target ≤ 3 s"],
    ]
    print_table("Start-up and memory (fresh processes)", ["what", "measured", "target"], rows)
    return [{"first_request_s": first, **probe}]


if __name__ == "__main__":
    main()
