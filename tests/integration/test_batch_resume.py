"""An interrupted batch resumes where it stopped, and never leaves a half-written output.

The batch is killed with SIGKILL — no cleanup handler runs — while its two worker processes
are writing pages; the rerun must redo only what is missing.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import lxml.html

try:
    from . import batch_support as bs
except ImportError:  # tests/integration is not a package
    import batch_support as bs

PAGES = 80



def _page_outputs(out: Path) -> list[Path]:
    return sorted(p for p in out.glob("article-*.html"))


def _assert_complete(path: Path) -> None:
    html = path.read_text(encoding="utf-8")
    assert html.startswith("<!DOCTYPE html>") and html.endswith("</html>\n"), path
    root = lxml.html.document_fromstring(html)
    assert root.xpath('//script[@id="tadoru-bootstrap"]'), path  # the very last element was written


def test_killed_batch_leaves_no_half_written_output_and_resumes(tmp_path):
    pages = tmp_path / "saved"
    bs.write_articles(pages, PAGES)
    out = tmp_path / "out"
    cmd = [sys.executable, "-m", "tadoru", "annotate", str(pages), "--out", str(out), "--jobs", "2", "--quiet"]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True)
    deadline = time.monotonic() + 120
    try:
        while len(_page_outputs(out)) < 5:
            assert proc.poll() is None, "the batch ended before it could be interrupted"
            assert time.monotonic() < deadline, "no page written in two minutes"
            time.sleep(0.01)
    finally:
        os.killpg(proc.pid, signal.SIGKILL)  # the CLI and its workers, all at once
        proc.wait(timeout=30)

    done_before = _page_outputs(out)
    assert 5 <= len(done_before) < PAGES, "the kill came too late to test anything"
    for path in done_before:
        _assert_complete(path)  # os.replace: a page is there whole, or not at all
    leftovers = [p.name for p in out.rglob("*") if p.is_file() and ".tadoru" not in p.parts
                 and not p.name.startswith("article-")]
    assert all(name.endswith(".tadoru-tmp") for name in leftovers), leftovers  # temporaries only
    assert not (out / "index.html").exists()
    stamps = {p.name: p.stat().st_mtime_ns for p in done_before}

    rerun = bs.run_cli(pages, "--out", out, "--jobs", "2")
    assert rerun.returncode == 0, rerun.stdout + rerun.stderr
    counts = bs.summary_counts(rerun.stdout)
    assert counts["failed"] == 0 and counts["annotated"] + counts["up to date"] == PAGES
    # Pages finished before the kill are kept (at most the one whose journal line was cut off
    # is redone); the rest are done now.
    assert counts["up to date"] >= len(done_before) - 2
    kept = [name for name, stamp in stamps.items() if (out / name).stat().st_mtime_ns == stamp]
    assert len(kept) == counts["up to date"]
    assert len(_page_outputs(out)) == PAGES
    for path in _page_outputs(out):
        _assert_complete(path)
    assert not [p for p in out.rglob("*.tadoru-tmp")]
    assert len(bs.report(out)["pages"]) == PAGES

    # A third run has nothing to do; a changed page is the only one redone; --force redoes all.
    third = bs.run_cli(pages, "--out", out, "--jobs", "2")
    assert bs.summary_counts(third.stdout) == {"annotated": 0, "up to date": PAGES, "failed": 0}
    changed = pages / "article-003.html"
    changed.write_text(changed.read_text(encoding="utf-8").replace("<p class='lede'>", "<p class='lede'>LoRA: "),
                       encoding="utf-8")
    fourth = bs.run_cli(pages, "--out", out, "--jobs", "1")
    assert bs.summary_counts(fourth.stdout) == {"annotated": 1, "up to date": PAGES - 1, "failed": 0}
    assert '<p class="lede"><tadoru-term data-term="lora"' in (out / "article-003.html").read_text(encoding="utf-8")
    # (article-001 and -002 are up to date in ``out`` by now: --force must redo them anyway.)
    again = bs.run_cli(pages / "article-001.html", pages / "article-002.html", "--out", out, "--jobs", "1",
                       "--force")
    assert bs.summary_counts(again.stdout) == {"annotated": 2, "up to date": 0, "failed": 0}


def test_two_runs_into_one_folder_do_not_mix(tmp_path):
    """A second batch writing into the same folder at the same time is refused (exit 2)."""
    pages = tmp_path / "saved"
    bs.write_articles(pages, 30)
    out = tmp_path / "out"
    first = subprocess.Popen([sys.executable, "-m", "tadoru", "annotate", str(pages), "--out", str(out), "--jobs", "1",
                              "--quiet"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 60
        while not (out / ".tadoru" / "lock").exists():
            assert time.monotonic() < deadline and first.poll() is None
            time.sleep(0.01)
        second = bs.run_cli(pages, "--out", out, "--jobs", "1")
        assert second.returncode == 2, second.stdout + second.stderr
        assert "another 'tadoru annotate' is writing into" in second.stderr
    finally:
        first.wait(timeout=120)
    assert first.returncode == 0


def _live_members(group: int) -> list[int]:
    """Processes of a process group that are still running (zombies do not count)."""
    alive = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[2]) == group and fields[0] != "Z":
                alive.append(int(entry.name))
    return alive


def test_workers_do_not_outlive_a_killed_main_process(tmp_path):
    """SIGKILL to the main process only: its workers end too, and the folder is free again."""
    pages = tmp_path / "saved"
    bs.write_articles(pages, 40)
    out = tmp_path / "out"
    proc = subprocess.Popen([sys.executable, "-m", "tadoru", "annotate", str(pages), "--out", str(out), "--jobs", "2",
                             "--quiet"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        deadline = time.monotonic() + 120
        while len(_page_outputs(out)) < 3:
            assert proc.poll() is None and time.monotonic() < deadline
            time.sleep(0.01)
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)
        deadline = time.monotonic() + 10
        while _live_members(proc.pid):
            assert time.monotonic() < deadline, f"workers still running: {_live_members(proc.pid)}"
            time.sleep(0.05)
    finally:
        if _live_members(proc.pid):
            os.killpg(proc.pid, signal.SIGKILL)
    rerun = bs.run_cli(pages, "--out", out, "--jobs", "2")
    assert rerun.returncode == 0, rerun.stdout + rerun.stderr  # the lock went with the main process
    assert len(_page_outputs(out)) == 40
