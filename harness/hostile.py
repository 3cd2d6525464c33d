"""Hostile inputs and how to measure what they cost: shared by the reliability tests and
``benchmarks/reliability.py`` (which prints the table of docs/RELIABILITY.md).

Every case names the input, what the service or the batch must do with it (annotate it, or
refuse it with a stable code / a named reason), and the bound it is held to.  Costs are
measured on the real processes: the ``tadoru serve`` worker's peak resident memory (``VmHWM``
from /proc) and the batch's peak (``ru_maxrss`` of a wrapper's children), with wall time.
"""

from __future__ import annotations

import functools
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psutil
import requests

MiB = 1024 * 1024
#: The body cap of the test service that takes the large cases (the default is 5 MiB).
LARGE_BODY_CAP = "32MiB"
#: Bounds the cases are held to on a shared 2-core machine; measured figures are far below.
REQUEST_SECONDS = 30.0
WORKER_PEAK_MIB = 1536
#: The largest answer one annotate request may produce (100,000 annotations with their quotes).
REPLY_MIB = 40
BATCH_SECONDS = 90.0
BATCH_PEAK_MIB = 1536

_FILLER = "The committee met on Tuesday to discuss the budget for the coming year and the new library hours. "
_TERMS = "We fine-tuned a large language model with LoRA on two GPUs. "
#: Prose at a realistic term density (one sentence with terms per ~450 characters).
PROSE = _FILLER * 4 + _TERMS


def text_node(size: int) -> str:
    """One paragraph: a single text node of ``size`` characters of prose."""
    return "<html><body><p>" + (PROSE * (size // len(PROSE) + 1))[:size] + "</p></body></html>"


def nested(depth: int) -> str:
    return "<html><body>" + "<div>" * depth + "LoRA" + "</div>" * depth + "</body></html>"


def million_elements() -> str:
    """A million tiny (void) elements between two terms: 4 MB, under the default body cap."""
    return "<html><body><p>LoRA " + "<br>" * 1_000_000 + " GPU</p></body></html>"


def huge_attribute(size: int) -> str:
    return '<html><body><p title="' + "A" * size + '">LoRA and GPU</p></body></html>'


MISNESTED = ("<p><b><i>LoRA</b> fine-tuning</i><table><td>GPU<p>RAG</table></div></span>"
             "<p>unclosed <b>bold <i>LLM <ul><li>one<li>two</ul></p></p></p><td>stray cell")
BASE_AND_REFRESH = ('<html><head><base href="https://evil.example/"><meta http-equiv="refresh" '
                    'content="0;url=https://evil.example/"></head><body><p>LoRA <a href="next.html">next</a>'
                    "</p></body></html>")
NUL_HTML = "<html><body><p>LoRA\x00 GPU\x00\x00 fine-tuning</p></body></html>"
#: Not UTF-8 at all: stray continuation bytes, an overlong form, an encoded surrogate.
INVALID_UTF8 = (b"<html><head><meta charset=utf-8></head><body><p>LoRA \xff\xfe\xc3\x28 GPU \xc0\xaf "
                b"\xed\xa0\x80 end</p></body></html>")


@dataclass(frozen=True)
class ApiCase:
    name: str
    what: str
    body: Callable[[], bytes]  # the raw request body (built lazily: some are 20 MB)
    status: int
    code: str | None = None  # the error code for a refusal
    min_annotations: int = 0
    large: bool = False  # needs the raised body cap
    truncated: bool = False  # more terms than one request annotates: the answer must say where it stopped
    path: str = "/api/v1/annotate"
    content_type: str = "application/json"


#: Every occurrence marked: the bounds hold for the largest answer a reader can ask for.
_WORST = {"density": "all"}


def _json_html(make: Callable[[], str]) -> Callable[[], bytes]:
    return lambda: json.dumps({"html": make(), **_WORST}, ensure_ascii=False).encode("utf-8")


def _json_text(make: Callable[[], str]) -> Callable[[], bytes]:
    return lambda: json.dumps({"text": make(), **_WORST}, ensure_ascii=False).encode("utf-8")


#: U+FDFA is one code point NFKC turns into 18; 5 MiB of them once cost 22.5 s and 3 GiB.
FDFA = "\ufdfa"


API_CASES = [
    ApiCase("nested-100k", "100,000 nested elements", _json_html(lambda: nested(100_000)), 422, "html_too_deep"),
    ApiCase("text-node-20mb", "a 20 MB single text node", _json_html(lambda: text_node(20_000_000)), 200,
            min_annotations=60_000, large=True, truncated=True),
    ApiCase("fdfa-5mib", "5 MiB of U+FDFA as text (NFKC: 18× longer)",
            _json_text(lambda: FDFA * (5 * MiB // 3 - 20)), 413, "text_too_long"),
    ApiCase("fdfa-entities", "`&#xfdfa;` entities as html, 5 MiB", _json_html(lambda: "&#xfdfa;" * (5 * MiB // 8 - 20)),
            413, "text_too_long"),
    ApiCase("lora-1m", '`"LoRA "` × 1,000,000 as text (a term every 5 characters)',
            _json_text(lambda: "LoRA " * 1_000_000), 200, min_annotations=90_000, truncated=True),
    ApiCase("million-elements", "a million tiny elements", _json_html(million_elements), 200, min_annotations=2),
    ApiCase("attribute-10mb", "a 10 MB attribute value", _json_html(lambda: huge_attribute(10_000_000)), 200,
            min_annotations=2, large=True),
    ApiCase("misnested", "unclosed and misnested tags", _json_html(lambda: MISNESTED), 200, min_annotations=5),
    ApiCase("nul-bytes", "NUL characters in the page", _json_html(lambda: NUL_HTML), 200, min_annotations=3),
    ApiCase("base-refresh", "<base> and <meta http-equiv=refresh>", _json_html(lambda: BASE_AND_REFRESH), 200,
            min_annotations=1),
    ApiCase("invalid-utf8", "a body that is not UTF-8", lambda: b'{"html": "' + INVALID_UTF8.replace(b'"', b"'") + b'"}',
            400, "invalid_json"),
    ApiCase("lone-surrogates", "lone surrogates (JSON \\ud800)",
            lambda: b'{"html": "<p>LoRA \\ud800 GPU \\udfff</p>", "known": ["\\udc00"]}', 200, min_annotations=2),
]
@functools.cache
def pdf_bomb(inflated: int = 2 * 1024 * MiB) -> bytes:
    """A 9 MB PDF whose one content stream inflates to ``inflated`` bytes (2 GiB of spaces).

    Made once per process (compressing 2 GiB takes seconds; the API case and the batch both send it).
    """
    from harness.pdfgen import pdf_with_stream

    squeeze = __import__("zlib").compressobj(1)  # level 1: as small for spaces, several times faster
    head = b"BT /F1 12 Tf 72 720 Td (LoRA fine-tuning) Tj ET\n"
    chunk = b" " * MiB
    parts = [squeeze.compress(head)]
    parts.extend(squeeze.compress(chunk) for _ in range(inflated // MiB))
    parts.append(squeeze.flush())
    return pdf_with_stream(b"".join(parts), b"/Filter /FlateDecode")


def pdf_pages(count: int) -> bytes:
    from harness.pdfgen import simple_pdf

    return simple_pdf([["LoRA"]] * count)


PDF_CASES = [
    ApiCase("pdf-bomb", "a 9 MB PDF whose content stream inflates to 2 GiB", pdf_bomb, 422, "pdf_too_complex",
            path="/api/v1/annotate-pdf", content_type="application/pdf"),
    ApiCase("pdf-5000-pages", "a PDF of 5,000 pages", lambda: pdf_pages(5000), 422, "pdf_too_long",
            path="/api/v1/annotate-pdf", content_type="application/pdf"),
    ApiCase("pdf-random", "5 MB of random bytes sent as a PDF", lambda: b"%PDF-1.7\n" + os.urandom(5 * MiB), 422,
            "invalid_pdf", path="/api/v1/annotate-pdf", content_type="application/pdf"),
]
API_CASES += PDF_CASES

#: Sent to a service with the default 5 MiB cap: refused before it is read into the app.
OVERSIZE_CASE = ApiCase("over-default-cap", "a 20 MB page at the default 5 MiB cap",
                        _json_html(lambda: text_node(20_000_000)), 413, "payload_too_large")


@dataclass
class Measured:
    name: str
    what: str
    outcome: str  # "200 (176,988 annotations)", "422 html_too_deep", "annotated", "failed: too-deep"…
    seconds: float
    peak_mib: float | None
    ok: bool
    detail: str = ""


def worker_of(server_pid: int) -> psutil.Process:
    """The one gunicorn worker of a ``tadoru serve --workers 1``."""
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        children = psutil.Process(server_pid).children()
        if children:
            return children[0]
        time.sleep(0.1)
    raise AssertionError("tadoru serve has no worker process")


def peak_mib(pid: int) -> float:
    """The process's peak resident set (VmHWM) so far, in MiB."""
    with open(f"/proc/{pid}/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    raise AssertionError("no VmHWM in /proc status")


def post_case(url: str, case: ApiCase, worker_pid: int | None = None) -> Measured:
    """Send one case to ``/api/v1/annotate`` and check the answer is the one the case expects."""
    body = case.body()
    started = time.perf_counter()
    response = requests.post(f"{url}{case.path}", data=body, timeout=REQUEST_SECONDS * 2,
                             headers={"Content-Type": case.content_type})
    seconds = time.perf_counter() - started
    peak = peak_mib(worker_pid) if worker_pid else None
    try:
        data = response.json()
    except ValueError:
        return Measured(case.name, case.what, f"{response.status_code} (not JSON)", seconds, peak, False,
                        response.text[:200])
    if response.status_code == 200:
        count = len(data["annotations"])
        outcome = f"200, {count:,} annotations, {len(response.content) / MiB:.1f} MiB"
        if "truncated_at" in data:
            outcome += f", truncated at {data['truncated_at']:,}"
        ok = (case.status == 200 and count >= case.min_annotations and len(response.content) <= REPLY_MIB * MiB
              and ("truncated_at" in data) == case.truncated)
    else:
        code = data.get("error", {}).get("code")
        outcome = f"{response.status_code} {code}"
        ok = response.status_code == case.status and code == case.code
    ok = ok and seconds <= REQUEST_SECONDS and (peak is None or peak <= WORKER_PEAK_MIB)
    return Measured(case.name, case.what, outcome, seconds, peak, ok)


# --------------------------------------------------------------------------- the batch

def utf8(text: str) -> bytes:
    return text.encode("utf-8")


def batch_inputs() -> dict[str, tuple[bytes, str, str]]:
    """file name → (content, what it is, the expected result: "done" or the failure reason)."""
    return {
        "nested-100k.html": (utf8(nested(100_000)), "100,000 nested elements", "too-deep"),
        "text-node-20mb.html": (utf8(text_node(20_000_000)), "a 20 MB single text node", "done"),
        "million-elements.html": (utf8(million_elements()), "a million tiny elements", "done"),
        "attribute-10mb.html": (utf8(huge_attribute(10_000_000)), "a 10 MB attribute value", "done"),
        "misnested.html": (utf8(MISNESTED), "unclosed and misnested tags", "done"),
        "invalid-utf8.html": (INVALID_UTF8, "bytes that are not UTF-8 under a UTF-8 declaration", "done"),
        "nul-bytes.html": (utf8(NUL_HTML), "NUL bytes", "binary"),
        "control-chars.html": (utf8("<html><body><p>LoRA\x07 GPU\x0b and\x1f fine-tuning\ufffe</p></body></html>"),
                               "control characters next to terms (XML-invalid)", "done"),
        "base-refresh.html": (utf8(BASE_AND_REFRESH), "<base> and <meta http-equiv=refresh>", "done"),
        "over-cap.html": (utf8(text_node(21 * MiB)), "a 21 MiB page (over the 20 MiB page cap)", "oversized"),
        "image-2000-refs.mhtml": (many_references_archive(), "a 4.5 MiB image referenced 2,000 times in a 6 MiB MHTML",
                                  "done"),
        "lora-20mib.html": (utf8("<p>" + "LoRA " * (4 * MiB - 2) + "</p>"), "a 20 MiB page of `<p>LoRA LoRA …`",
                            "done"),
        "fdfa-entities.html": (utf8("<p>" + "&#xfdfa;" * (2 * MiB) + "</p>"), "16 MiB of `&#xfdfa;` entities",
                               "oversized"),
        "pdf-bomb.pdf": (pdf_bomb(), "a 9 MB PDF whose content stream inflates to 2 GiB", "oversized"),
        "pdf-5000-pages.pdf": (pdf_pages(5000), "a PDF of 5,000 pages", "oversized"),
        "pdf-damaged.pdf": (pdf_pages(3)[:200], "a PDF cut short", "unparsable"),
    }


def mhtml_archive(html: str, parts: dict[str, tuple[str, bytes]], boundary: str = "----tadoru-hostile") -> bytes:
    """A Chromium-style MHTML archive: ``html`` as the page, ``parts`` (URL → type, bytes) in base64."""
    import base64

    lines = ["From: <Saved by Blink>", "Snapshot-Content-Location: https://example.org/page.html",
             "Subject: hostile archive", "MIME-Version: 1.0",
             f'Content-Type: multipart/related; type="text/html"; boundary="{boundary}"', "",
             f"--{boundary}", "Content-Type: text/html", "Content-Transfer-Encoding: 8bit",
             "Content-Location: https://example.org/page.html", "", html]
    for url, (content_type, data) in parts.items():
        encoded = base64.encodebytes(data).decode("ascii").replace("\n", "\r\n")
        lines += [f"--{boundary}", f"Content-Type: {content_type}", "Content-Transfer-Encoding: base64",
                  f"Content-Location: {url}", "", encoded]
    lines.append(f"--{boundary}--")
    return "\r\n".join(lines).encode("utf-8")


def many_references_archive(size: int = 4_500_000, references: int = 2_000) -> bytes:
    """One ``size``-byte image referenced ``references`` times (each with its own fragment)."""
    image = b"\x89PNG\r\n\x1a\n" + os.urandom(size - 8)
    imgs = "".join(f'<img src="https://example.org/big.png#{n}" alt="">' for n in range(references))
    html = f"<!DOCTYPE html><html><head><title>refs</title></head><body><p>LoRA and GPUs.</p>{imgs}</body></html>"
    return mhtml_archive(html, {"https://example.org/big.png": ("image/png", image)})


_MEASURE = """
import json, resource, subprocess, sys, time
started = time.perf_counter()
proc = subprocess.run(sys.argv[2:], capture_output=True, text=True)
json.dump({"returncode": proc.returncode, "stdout": proc.stdout, "stderr": proc.stderr,
           "seconds": time.perf_counter() - started,
           "peak_mib": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024}, open(sys.argv[1], "w"))
"""


def run_measured(cmd: list[str], timeout: float) -> dict[str, Any]:
    """Run ``cmd`` under a fresh wrapper process: its result, wall time and peak RSS (MiB).

    The wrapper's ``RUSAGE_CHILDREN`` covers ``cmd`` and every worker it waited for, and
    nothing else (the test process has other children).
    """
    with tempfile.TemporaryDirectory() as tmp:
        result_file = Path(tmp) / "result.json"
        wrapper = subprocess.Popen([sys.executable, "-c", _MEASURE, str(result_file), *cmd],
                                   env={**os.environ, "PYTHONUNBUFFERED": "1"}, start_new_session=True)
        try:
            wrapper.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(wrapper.pid, signal.SIGKILL)  # the wrapper, the batch and its workers
            wrapper.wait()
            raise AssertionError(f"{' '.join(cmd[:4])}… did not finish within {timeout:.0f}s (a hang)") from None
        return json.loads(result_file.read_text(encoding="utf-8"))


def run_hostile_batch(base: Path, jobs: int = 1) -> tuple[dict[str, Any], dict[str, Any],
                                                          dict[str, tuple[bytes, str, str]]]:
    """Write the hostile pages under ``base/in``, annotate them into ``base/out`` with ``jobs`` processes.

    Returns the measured run, ``report.json`` and the inputs.  With ``jobs`` > 1 the pages go
    through the process pool and ``peak_mib`` is the largest one process's peak.
    """
    inputs = batch_inputs()
    folder = base / "in"
    folder.mkdir(parents=True)
    for name, (content, _what, _expected) in inputs.items():
        (folder / name).write_bytes(content)
    out = base / "out"
    run = run_measured([sys.executable, "-m", "tadoru", "annotate", str(folder), "--out", str(out), "--jobs", str(jobs),
                        "--density", "all"],
                       timeout=BATCH_SECONDS * 3)
    report = json.loads((out / "report.json").read_text(encoding="utf-8"))
    return run, report, inputs
