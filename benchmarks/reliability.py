"""Rerun the table of docs/RELIABILITY.md: ``python benchmarks/reliability.py [--fuzz-time 60] [--no-browser]``.

Every hostile input goes through the real service and the real batch, with its wall time and
the peak resident memory of the process that did the work (the ``tadoru serve`` worker's
``VmHWM``; the batch's ``ru_maxrss``); the API is fuzzed with schemathesis; the browser and fault
tests (nothing executed, extension faults, SIGKILLed batch, stopped service, corrupted import)
run under pytest and report pass or fail.  Prints one Markdown table; exit status 1 when any row
missed its bound.  The machine is shared: times are context, the bounds are generous on purpose.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
for path in (REPO, Path(__file__).resolve().parent):
    if str(path) not in sys.path:
        sys.path.insert(0, str(path))

import fuzz_api

from harness import hostile
from harness.service import start_server, stop_server

Row = tuple[str, str, str, str, bool]  # what, surface, bound, measured, ok

#: Browser and fault tests whose pass/fail is a row of the table: (pytest node, what, surface, bound).
PYTEST_ROWS = [
    ("tests/reliability/test_nothing_executed.py::test_the_service_pages_show_hostile_content_as_text",
     "lexicon definition `<img onerror>`, `<script>` label, pasted and uploaded pages with scripts",
     "web pages (/, /terms, /terms/ID, trace.svg)", "no dialog, no `window.__pwned`, shown as text (CSP bypassed)"),
    ("tests/reliability/test_nothing_executed.py::test_a_batch_output_opened_from_disk_runs_nothing_of_the_page_or_lexicon",
     "saved page with scripts, handlers, `javascript:`, `<base>`, refresh; hostile lexicon", "batch output from disk",
     "no dialog, only Tadoru's scripts, no navigation"),
    ("tests/reliability/test_nothing_executed.py::test_the_extension_tooltip_shows_the_hostile_definition_as_text",
     "hostile lexicon definition and label", "extension tooltip", "textContent only, no dialog"),
    ("tests/reliability/test_extension_faults.py", ("service slow (10 s), hanging, non-JSON, wrong JSON, nonsense "
     "annotations"), "extension", "page unchanged, badge `!`, popup names the problem"),
    ("tests/browser/extension/test_options_popup.py::test_service_stopped_leaves_the_page_unchanged_and_says_so",
     "service stopped", "extension", "page unchanged, popup says not reachable"),
    ("tests/browser/extension/test_options_popup.py::test_malformed_import_is_refused_and_the_list_is_kept",
     "corrupted known-terms import (6 kinds)", "extension options", "stored list unchanged, file named"),
    ("tests/integration/test_batch_resume.py::test_killed_batch_leaves_no_half_written_output_and_resumes",
     "batch killed with SIGKILL mid-run", "batch", "no partial output; rerun redoes only the rest"),
    ("tests/integration/test_serve.py::test_service_starts_with_a_broken_user_lexicon",
     "user lexicon folder with a broken file", "service start", "starts, names the skipped file"),
    ("tests/integration/test_load.py", ("steady load: concurrency 16, 2 workers, 50 KB pages (6 s here; "
     "`benchmarks/load_test.py` holds it 60 s)"), "service", "0 errors, every answer right, worker RSS within 10%"),
    ("tests/integration/test_service_safety.py::test_a_burst_far_past_capacity_gets_quick_503s_and_right_200s",
     "200 clients at the same instant", "service", "only 200 or 503 overloaded + Retry-After; 503s within 5 s"),
    ("tests/integration/test_service_safety.py::test_a_worker_killed_mid_request_is_replaced",
     "a worker killed (SIGKILL) mid-request", "service", "replaced; the next requests answer 200"),
    ("tests/integration/test_serve.py::test_listens_on_loopback_only_by_default",
     "default bind", "service", "127.0.0.1 only"),
    ("tests/integration/test_service_safety.py::test_another_address_without_a_token_gets_the_stronger_warning",
     "binding 0.0.0.0, with and without a token", "service start", "a warning (stronger without a token)"),
    ("tests/integration/test_service_safety.py::test_every_api_route_requires_the_bearer_token",
     "no token, a wrong token, the right token, on every API route", "service with `TADORU_TOKEN`",
     "401 unauthorized unless right; the token never logged"),
    ("tests/unit/test_properties.py", ("arbitrary Unicode (lone surrogates, NUL, controls, combining, RTL) and "
     "broken markup"), "annotate_text, annotate_html", "no exception; offsets, exact, order, known only removes"),
    # Round 2 (issue 18): one row per break of the outside attack, numbered as in docs/RELIABILITY.md.
    ("tests/reliability/test_round2_browser.py::test_a_parser_differential_carries_nothing_active_into_the_copy",
     "#1 `<svg><style>` and `<noscript>` breakouts (refresh, script, handlers, frames, `<base>`, form, prefetch)",
     "batch output in Chromium, CSP on and bypassed", "no request to the trap, no navigation, no dialog"),
    ("tests/unit/test_as_parsed.py", "#1 seven known parser differentials", "batch output, read by html5lib",
     "nothing active as an HTML5 parser reads the copy"),
    ("tests/reliability/test_round2_browser.py::test_a_public_page_cannot_make_the_browser_post_the_paste_form",
     "#2 a public page auto-submitting the paste form", "web form in Chromium", "403, nothing annotated"),
    ("tests/reliability/test_round2_breaks.py::test_the_paste_form_refuses_a_post_another_site_made",
     "#2 form posts with a foreign `Sec-Fetch-Site` / `Origin` / `null`", "web form", "403"),
    ("tests/reliability/test_slow_clients.py::test_slow_headers_and_slow_bodies_hold_neither_health_nor_annotate",
     "#3 64 slow-header + 40 slow-body connections", "service, 2 workers",
     "health and annotate 200 within 3 s while held; slow ones 408 at ~10 s"),
    ("tests/reliability/test_slow_clients.py::test_clients_that_never_close_hold_nothing",
     "#3 answered clients that never close", "service", "health within 3 s"),
    ("tests/reliability/test_slow_clients.py::test_incomplete_requests_held_per_worker_are_bounded",
     "#3 400 half-sent request lines", "service", "health answers; at most 128 held per worker"),
    ("tests/reliability/test_slow_clients.py::test_a_request_past_the_memory_ceiling_gets_503_and_the_worker_lives_on",
     "#2 a request past a 400 MiB worker ceiling (5 MiB of `<p>LoRA</p>`)", "service",
     "503 out_of_memory, peak under the ceiling, same worker serves on"),
    ("tests/reliability/test_round2_breaks.py::test_a_shift_jis_file_name_and_terminal_escapes_do_not_stop_a_batch",
     "#4 a Shift_JIS file name; terminal escapes in a name", "batch", "that page `bad-name`, the rest done, names escaped"),
    ("tests/reliability/test_lexicon_bombs.py", ("#5 billion-laughs YAML, self-alias, deep nesting, bad date, huge "
     "integer, 3,000-long `deeper` chain"), ("lexicon load, `lexicon check`, trace API, term page, "
     "trace.svg, `tadoru trace`"), "bad file named and skipped under 100 MB; chain loads; 200s, exit 0, no traceback"),
    ("tests/reliability/test_round2_breaks.py::test_an_integer_past_the_digit_limit_is_a_400_not_a_500",
     "#6 `level` with 5,000 digits", "API", "400 invalid_json"),
    ("tests/reliability/test_round2_breaks.py::test_the_label_redirect_ignores_url_for_parameters",
     "#6 `?term_id=`, `?_method=`, `?_external=1` on label redirects", "web pages", "no 500, no foreign redirect"),
    ("tests/unit/test_resource_budget.py", "#7 one image referenced many times; a part past the budget",
     "MHTML inlining", "decoded once; refused before decoding; every use charged; deadline"),
    ("tests/reliability/test_round2_browser.py::test_a_page_cannot_stand_in_for_the_copys_card_data",
     "#8 a page's own `tadoru-data` (spoofed cards, empty, after `</body>`)", "batch output in Chromium",
     "tooltips show Tadoru's cards"),
    ("tests/reliability/test_round2_breaks.py::test_a_control_character_in_an_untitled_page_heading_is_annotated",
     "#9 U+0007 in an untitled page's `<h1>`", "batch", "annotated"),
    ("tests/reliability/test_round2_breaks.py::test_a_symlink_out_of_the_input_folder_is_listed_not_read",
     "#10 `host.txt -> /etc/hostname`-style links, linked folders", "batch",
     "`outside-input`, nothing of the target written; `--follow-symlinks` reads it"),
    ("tests/reliability/test_round2_breaks.py::test_a_foreign_host_is_refused_before_anything_is_read",
     "#11 a foreign `Host` (DNS rebinding)", "service", "421 misdirected_request"),
    ("tests/reliability/test_round2_breaks.py::test_language_links_of_a_404_stay_on_the_service",
     "#11 `/%5Cevil.example`", "web pages", "404 whose links stay on the service"),
    ("tests/reliability/test_round2_browser.py::test_an_annotated_copy_fetches_nothing_when_opened",
     "#12 17 kinds of remote reference (img, srcset, input, video, SVG image/use, link, @import, url())",
     "batch output in Chromium, CSP on and bypassed", "no request to the trap; counted in report.json"),
    ("tests/reliability/test_round2_breaks.py::test_a_pipe_named_like_a_page_fails_alone_instead_of_hanging_the_batch",
     "a FIFO named `pipe.html` (found re-attacking)", "batch, `annotate --json`", "`unreadable`, no hang"),
    ("tests/integration/test_serve.py::test_ctrl_c_during_start_up_exits_130_without_a_traceback",
     "Ctrl-C during start-up", "`tadoru serve`", "exit 130, one line"),
]


def api_rows() -> list[Row]:
    rows: list[Row] = []
    bound = f"≤ {hostile.REQUEST_SECONDS:.0f} s, worker ≤ {hostile.WORKER_PEAK_MIB} MiB"
    with tempfile.TemporaryDirectory() as tmp:
        server = start_server(Path(tmp), workers=1, env={"TADORU_MAX_BODY": hostile.LARGE_BODY_CAP})
        try:
            worker = hostile.worker_of(server.process.pid)
            for case in hostile.API_CASES:
                m = hostile.post_case(server.url, case, worker.pid)
                expected = f"{case.status} {case.code or ''}".strip()
                alive = hostile.worker_of(server.process.pid).pid == worker.pid
                rows.append((case.what, "API (cap 32 MiB)", f"{expected}; {bound}",
                             f"{m.outcome}, {m.seconds:.2f} s, worker peak {m.peak_mib:.0f} MiB", m.ok and alive))
        finally:
            stop_server(server.process)
        server = start_server(Path(tmp), workers=1)
        try:
            m = hostile.post_case(server.url, hostile.OVERSIZE_CASE)
            rows.append((hostile.OVERSIZE_CASE.what, "API (default cap)", "413 payload_too_large, ≤ 10 s",
                         f"{m.outcome}, {m.seconds:.2f} s", m.ok and m.seconds <= 10))
        finally:
            stop_server(server.process)
    return rows


def batch_rows() -> list[Row]:
    with tempfile.TemporaryDirectory() as tmp:
        run, report, inputs = hostile.run_hostile_batch(Path(tmp))
    pages = {p["input"]: p for p in report["pages"]}
    rows: list[Row] = []
    for name, (_content, what, expected) in inputs.items():
        page = pages.get(name, {})
        got = "annotated" if page.get("status") == "done" else f"failed: {page.get('reason')}"
        if page.get("status") == "done":
            got += f" ({page.get('occurrences', 0):,} marks)"
        want = "annotated" if expected == "done" else f"named reason `{expected}`"
        rows.append((what, "batch", want, got, page.get("status") == "done" if expected == "done"
                     else page.get("reason") == expected))
    ok = run["seconds"] <= hostile.BATCH_SECONDS and run["peak_mib"] <= hostile.BATCH_PEAK_MIB
    rows.append((f"all {len(inputs)} pages above in one run", "batch (`--jobs 1`)",
                 f"≤ {hostile.BATCH_SECONDS:.0f} s, ≤ {hostile.BATCH_PEAK_MIB} MiB, exit 1 with reasons",
                 f"{run['seconds']:.1f} s, peak {run['peak_mib']:.0f} MiB, exit {run['returncode']}",
                 ok and run["returncode"] == 1 and "Traceback" not in run["stderr"]))
    return rows


def fuzz_rows(seconds: int) -> list[Row]:
    with tempfile.TemporaryDirectory() as tmp:
        server = start_server(Path(tmp), workers=1)
        try:
            required = fuzz_api.st_run(server.url, seconds, ",".join(fuzz_api.REQUIRED_CHECKS))
            strict = fuzz_api.st_run(server.url, seconds, "all")
        finally:
            stop_server(server.process)

    def found(result: dict) -> str:
        failures = result["failures"]
        return "none" if not failures else "; ".join(f"{k} ×{v}" for k, v in sorted(failures.items()))

    return [
        ("schemathesis, every operation (valid and invalid requests)", "API",
         "no 5xx; status, content type, headers, body as documented",
         f"{required['cases']:,} cases in {seconds} s; failures: {found(required)}", not required["failures"]),
        ("schemathesis, all checks (incl. negative_data_rejection)", "API", "reported (not gating)",
         f"{strict['cases']:,} cases in {seconds} s; failures: {found(strict)}", True),
    ]


def pytest_rows() -> list[Row]:
    with tempfile.TemporaryDirectory() as tmp:
        junit = Path(tmp) / "junit.xml"
        nodes = [node for node, *_ in PYTEST_ROWS]
        subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", f"--junitxml={junit}", *nodes],
                       cwd=REPO, capture_output=True, text=True, check=False)
        cases = ET.parse(junit).getroot().iter("testcase")
        results = [(c.get("classname", "").replace(".", "/"), c.get("name", ""), float(c.get("time", 0)),
                    c.find("failure") is None and c.find("error") is None, c.find("skipped") is not None)
                   for c in cases]
    rows: list[Row] = []
    for node, what, surface, bound in PYTEST_ROWS:
        module = node.split("::")[0].removesuffix(".py")
        name = node.split("::")[1] if "::" in node else ""
        mine = [r for r in results if r[0].endswith(module) and r[1].split("[")[0].startswith(name)]
        passed = sum(1 for r in mine if r[3] and not r[4])
        skipped = sum(1 for r in mine if r[4])
        measured = f"{passed}/{len(mine)} passed in {sum(r[2] for r in mine):.1f} s" + (f", {skipped} skipped"
                                                                                      if skipped else "")
        rows.append((what, surface, bound, measured, bool(mine) and passed == len(mine)))
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--fuzz-time", type=int, default=60, help="seconds per schemathesis run (default 60)")
    parser.add_argument("--no-browser", action="store_true", help="skip the pytest-driven browser and fault rows")
    args = parser.parse_args(argv)
    rows = api_rows() + batch_rows() + fuzz_rows(args.fuzz_time)
    if not args.no_browser:
        rows += pytest_rows()
    print("| input, load or fault | surface | bound | measured | ok |")
    print("| --- | --- | --- | --- | --- |")
    for what, surface, bound, measured, ok in rows:
        print(f"| {what} | {surface} | {bound} | {measured} | {'✅' if ok else '❌'} |")
    return 0 if all(r[4] for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
