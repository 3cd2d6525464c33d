"""The long API fuzzing run: ``python benchmarks/fuzz_api.py [--max-time 300] [--url URL]``.

schemathesis generates valid and invalid requests for every operation of
``/api/v1/openapi.json`` (examples, coverage, fuzzing and stateful phases) and runs every check it
has against a real ``tadoru serve`` (started here on a free port unless ``--url`` names one).
The suite keeps a bounded version (tests/reliability/test_api_fuzz.py); this one spends a time
budget and prints each kind of failure found, with schemathesis's own report after it.
Exit status: 0 when nothing was found, 1 otherwise.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

#: Checks the suite enforces (issue 8: no 5xx, every answer as documented).
REQUIRED_CHECKS = ("not_a_server_error", "status_code_conformance", "content_type_conformance",
                   "response_schema_conformance", "response_headers_conformance")
_FAILURE = re.compile(r"^\s*[❌✗]?\s*(ST\d+ [^:]+):\s*(\d+)\s*$", re.MULTILINE)
_CASES = re.compile(r"(\d+) generated")


def st_run(url: str, max_time: int, checks: str = "all") -> dict[str, object]:
    """Run ``st run`` against ``url``; the count of generated cases and failures by kind."""
    cmd = ["st", "--no-color", "run", f"{url}/api/v1/openapi.json", "--max-time", str(max_time), "--checks", checks,
           "--workers", "1", "--suppress-health-check", "all", "--request-timeout", "60"]
    env = {**os.environ, "SCHEMATHESIS_HOOKS": "harness.schemathesis_hooks",  # the PDF body's serializer
           "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")]))}
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=max_time + 300, check=False, env=env)
    output = proc.stdout + proc.stderr
    cases = _CASES.search(output)
    return {
        "returncode": proc.returncode,
        "cases": int(cases.group(1)) if cases else 0,
        "failures": {kind: int(count) for kind, count in _FAILURE.findall(output)},
        "output": output,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--max-time", type=int, default=300, help="seconds of fuzzing (default 300)")
    parser.add_argument("--url", help="a running service (default: start one here)")
    parser.add_argument("--checks", default="all", help="schemathesis checks (default: all)")
    args = parser.parse_args(argv)

    server = None
    url = args.url
    if url is None:
        from harness.service import start_server

        server = start_server(Path(tempfile.mkdtemp(prefix="tadoru-fuzz-")), workers=1)
        url = server.url
    try:
        result = st_run(url.rstrip("/"), args.max_time, args.checks)
    finally:
        if server is not None:
            from harness.service import stop_server

            stop_server(server.process)
    print(result["output"])
    print(f"\n## API fuzzing: {result['cases']} generated cases in {args.max_time}s, checks: {args.checks}")
    failures = result["failures"]
    if not failures:
        print("no failures")
    for kind, count in sorted(failures.items()):
        print(f"  {kind}: {count}")
    return 0 if result["returncode"] == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
