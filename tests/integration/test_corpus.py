"""Corpus runs end to end with the real CLI: JSON Lines and Parquet in, annotation files and a
study plan out, on one process, a Dask ``LocalCluster`` and Dask's own scheduler and workers.

Every run here uses the real annotator and real Dask processes; the checks compare runs with
each other and with the documents themselves, never with stored answers.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from harness.corpus import documents, write_jsonl, write_parquet
from tests.integration.batch_support import outputs, report, run_cli, summary_counts

pytest.importorskip("distributed")
pq = pytest.importorskip("pyarrow.parquet")

pytestmark = pytest.mark.timeout(300)


def _rows(out: Path) -> list[dict]:
    """Every annotation row the run wrote, from JSON Lines or Parquet parts."""
    rows: list[dict] = []
    for part in sorted((out / "annotations").rglob("part-*")):
        if part.suffix == ".jsonl":
            rows += [json.loads(line) for line in part.read_text(encoding="utf-8").splitlines()]
        else:
            rows += pq.read_table(part).to_pylist()
    return rows


def _check_rows_against(records: list[dict], rows: list[dict]) -> None:
    """Each row's ``exact`` is the document's text at its offsets (the visible text for HTML)."""
    from tadoru.text.visible import visible_text

    texts = {r["id"]: r["text"] if "text" in r else visible_text(r["html"]).text for r in records}
    assert rows, "the corpus has terms in it"
    for row in rows:
        assert texts[row["id"]][row["start"]:row["end"]] == row["exact"], row


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> tuple[Path, list[dict]]:
    folder = tmp_path_factory.mktemp("corpus")
    records = documents(240, seed=11)
    write_jsonl(folder / "abstracts.jsonl", records)
    return folder / "abstracts.jsonl", records


@pytest.fixture(scope="module")
def reference(corpus, tmp_path_factory) -> Path:
    """The corpus annotated by one process: what every other way of running must reproduce."""
    out = tmp_path_factory.mktemp("reference") / "out"
    proc = run_cli(corpus[0], "--out", out, "--jobs", "1", "--chunk-size", "25")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return out


def test_jsonl_corpus_gives_rows_a_report_and_a_study_plan(corpus, reference):
    _path, records = corpus
    rows = _rows(reference)
    _check_rows_against(records, rows)
    parts = sorted(p.name for p in (reference / "annotations" / "abstracts").iterdir())
    assert parts == [f"part-{n:05d}.jsonl" for n in range(10)]  # 240 documents / 25
    data = report(reference)
    assert data["format"] == "tadoru-corpus-report"
    assert data["totals"]["documents"] == data["totals"]["done"] == 240 and data["totals"]["failed"] == 0
    # Term and document frequencies are exactly what the rows say.
    by_term: dict[str, set[str]] = {}
    for row in rows:
        by_term.setdefault(row["term"], set()).add(row["id"])
    for item in data["terms"]:
        assert item["documents"] == len(by_term[item["term"]])
        assert item["occurrences"] == sum(1 for r in rows if r["term"] == item["term"])
    assert data["languages"] == {"en": 120, "ja": 120}
    # Co-occurrence: the top partner of the most used term shares that many documents with it.
    top = data["cooccurrence"][0]
    partner = top["with"][0]
    assert partner["documents"] == len(by_term[top["term"]] & by_term[partner["term"]])
    # The reading order puts every term after the terms it builds on.
    position = {e["term"]: e["position"] for e in data["reading_order"]}
    for entry in data["reading_order"]:
        assert all(position[d] < entry["position"] for d in entry["deeper"])
    index = (reference / "index.html").read_text(encoding="utf-8")
    assert "tadoru-term" in index and "240" in index


def test_parquet_corpus_and_parquet_output_hold_the_same_annotations(corpus, reference, tmp_path):
    _path, records = corpus
    parquet = write_parquet(tmp_path / "abstracts.parquet", records)
    out = tmp_path / "out"
    proc = run_cli(parquet, "--out", out, "--jobs", "2", "--chunk-size", "25", "--corpus-format", "parquet")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    rows = _rows(out)
    assert all(part.suffix == ".parquet" for part in (out / "annotations" / "abstracts").iterdir())
    def key(row: dict) -> tuple:
        return row["id"], row["start"], row["term"]

    assert sorted(rows, key=key) == sorted(_rows(reference), key=key)
    assert report(out)["terms"] == report(reference)["terms"]


def test_dask_local_cluster_writes_what_one_process_writes(corpus, reference, tmp_path):
    out = tmp_path / "out"
    proc = run_cli(corpus[0], "--out", out, "--dask", "local:2", "--chunk-size", "25")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert outputs(out) == outputs(reference)  # annotation files, report.json and index.html, byte for byte


def test_malformed_lines_and_rows_are_reported_and_the_rest_is_done(tmp_path):
    good = documents(6, seed=3)
    path = write_jsonl(tmp_path / "mixed.jsonl", good[:3], extra_lines=(
        "{not json",
        json.dumps({"text": "an id is missing"}),
        json.dumps({"id": "both", "text": "a", "html": "<p>b</p>"}),
        json.dumps(["a", "list"]),
        json.dumps({"id": "bad-lang", "text": "LoRA", "lang": "fr"}),
        "",
        json.dumps(good[3], ensure_ascii=False),
    ))
    rows = [{"id": "r0", "text": None, "html": None}, *good[4:]]
    parquet_path = tmp_path / "rows.parquet"
    import pyarrow as pa

    pq.write_table(pa.Table.from_pylist([{"id": r["id"], "text": r.get("text"), "html": r.get("html")} for r in rows]),
                   parquet_path)
    out = tmp_path / "out"
    proc = run_cli(path, parquet_path, "--out", out, "--jobs", "1")
    assert proc.returncode == 1, proc.stdout + proc.stderr
    failures = report(out)["failures"]
    assert [(f["input"], f.get("line", f.get("row")), f["reason"]) for f in failures] == [
        ("mixed.jsonl", 4, "malformed-record"), ("mixed.jsonl", 5, "malformed-record"),
        ("mixed.jsonl", 6, "malformed-record"), ("mixed.jsonl", 7, "malformed-record"),
        ("mixed.jsonl", 8, "malformed-record"), ("rows.parquet", 0, "malformed-record")]
    assert "mixed.jsonl:4" in proc.stdout and "rows.parquet row 0 (id r0)" in proc.stdout
    assert summary_counts(proc.stdout) == {"annotated": 6, "up to date": 0, "failed": 6}
    _check_rows_against(good, _rows(out))  # (a trap paragraph from another field has no rows)


def test_corpora_and_pages_are_not_mixed_and_pages_do_not_take_corpus_format(tmp_path, corpus):
    page = tmp_path / "page.html"
    page.write_text("<p>LoRA</p>", encoding="utf-8")
    proc = run_cli(corpus[0], page, "--out", tmp_path / "out")
    assert proc.returncode == 2 and "separate runs" in proc.stderr
    proc = run_cli(page, "--out", tmp_path / "out", "--format", "corpus")
    assert proc.returncode == 2 and "--format corpus is for corpus files" in proc.stderr
    proc = run_cli(corpus[0], "--out", tmp_path / "out", "--dask", "nowhere")
    assert proc.returncode == 2 and "scheduler address" in proc.stderr


def _start_run(corpus: Path, out: Path, *args: str, chunks_done: int,
               timeout: float) -> tuple[subprocess.Popen[str], Path]:
    """``tadoru annotate CORPUS --out OUT ARGS`` in the background, returned once its journal holds
    ``chunks_done`` finished chunks (or the run ended, or ``timeout`` passed); and the journal."""
    command = [sys.executable, "-m", "tadoru", "annotate", str(corpus), "--out", str(out), *args]
    proc = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    journal = out / ".tadoru" / "pages.jsonl"
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and proc.poll() is None:
        if journal.exists() and len(journal.read_text(encoding="utf-8").splitlines()) >= chunks_done:
            break
        time.sleep(0.02)
    return proc, journal


def test_an_interrupted_run_resumes_with_only_what_is_missing(corpus, reference, tmp_path):
    out = tmp_path / "out"
    proc, journal = _start_run(corpus[0], out, "--jobs", "1", "--chunk-size", "25", chunks_done=2, timeout=120)
    proc.send_signal(signal.SIGINT)
    _stdout, stderr = proc.communicate(timeout=60)
    assert proc.returncode == 130, stderr
    assert "run the same command again to resume" in stderr
    done_before = len(journal.read_text(encoding="utf-8").splitlines())
    assert 2 <= done_before < 10
    rerun = run_cli(corpus[0], "--out", out, "--jobs", "1", "--chunk-size", "25")
    assert rerun.returncode == 0, rerun.stdout + rerun.stderr
    counts = summary_counts(rerun.stdout)
    assert counts["up to date"] == 25 * done_before and counts["annotated"] == 240 - 25 * done_before
    assert outputs(out) == outputs(reference)
    again = run_cli(corpus[0], "--out", out, "--jobs", "1", "--chunk-size", "25")
    assert summary_counts(again.stdout) == {"annotated": 0, "up to date": 240, "failed": 0}


# --------------------------------------------------------------------------- Dask's own commands


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _dask_command(*args: str) -> list[str]:
    return [sys.executable, "-m", "distributed.cli.dask_" + args[0], *args[1:]]


@pytest.fixture(scope="module")
def scheduler(tmp_path_factory):
    """``dask scheduler`` and two ``dask worker --nthreads 1`` processes on 127.0.0.1."""
    from distributed import Client

    port = _free_port()
    address = f"tcp://127.0.0.1:{port}"
    logs = tmp_path_factory.mktemp("dask-logs")
    env = {**os.environ, "TADORU_CACHE_DIR": str(tmp_path_factory.mktemp("cache"))}
    processes = [subprocess.Popen(_dask_command("scheduler", "--host", "127.0.0.1", "--port", str(port),
                                                "--no-dashboard"),
                                  stdout=(logs / "scheduler.log").open("w"), stderr=subprocess.STDOUT, env=env)]
    for n in range(2):
        processes.append(subprocess.Popen(_dask_command("worker", address, "--nthreads", "1", "--no-dashboard",
                                                        "--name", f"w{n}"),
                                          stdout=(logs / f"worker{n}.log").open("w"), stderr=subprocess.STDOUT,
                                          env=env))
    try:
        with Client(address, timeout="60s") as client:
            client.wait_for_workers(2, timeout=120)
        yield address, processes[1:]
    finally:
        # The workers first, while their scheduler is there to say goodbye to (stopped after the
        # scheduler, each waited for it to come back before giving up).
        for group in (processes[1:], processes[:1]):
            for process in group:
                process.terminate()
            for process in group:
                try:
                    process.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    process.kill()


def test_annotate_against_a_scheduler_and_workers_started_with_dask_commands(corpus, reference, scheduler, tmp_path):
    address, _workers = scheduler
    out = tmp_path / "out"
    proc = run_cli(corpus[0], "--out", out, "--dask", address, "--chunk-size", "25")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert outputs(out) == outputs(reference)


def test_a_worker_killed_mid_run_loses_and_duplicates_nothing(scheduler, tmp_path):
    """SIGKILL the process of a worker that is busy; its chunk runs again on the other worker."""
    import psutil

    address, workers = scheduler
    records = documents(3000, seed=5)
    path = write_jsonl(tmp_path / "big.jsonl", records)
    out = tmp_path / "out"
    proc, journal = _start_run(path, out, "--dask", address, "--chunk-size", "20", chunks_done=3, timeout=180)
    assert proc.poll() is None, "the run ended before a worker could be killed"
    # The worker itself is the nanny's child process (the nanny restarts it).
    victims = [c for c in psutil.Process(workers[0].pid).children(recursive=True)
               if "resource_tracker" not in " ".join(c.cmdline())]
    assert victims
    for victim in victims:
        victim.send_signal(signal.SIGKILL)
    done_at_kill = len(journal.read_text(encoding="utf-8").splitlines())
    stdout, stderr = proc.communicate(timeout=240)
    assert proc.returncode == 0, stdout + stderr
    assert done_at_kill < 150
    rows = _rows(out)
    _check_rows_against(records, rows)
    assert report(out)["totals"] == {**report(out)["totals"], "documents": 3000, "done": 3000, "failed": 0}
    # Nothing lost or duplicated: the same rows as one process writes.
    reference = tmp_path / "reference"
    assert run_cli(path, "--out", reference, "--jobs", "1", "--chunk-size", "20").returncode == 0
    assert outputs(out) == outputs(reference)


def test_saved_pages_on_dask_give_the_same_copies_as_one_process(tmp_path):
    """Saved pages travel to Dask workers by path (the folders are shared): the same files come back."""
    from tests.integration.batch_support import write_articles

    pages = tmp_path / "saved"
    pages.mkdir()
    write_articles(pages, 6, seed=3)
    one = tmp_path / "one"
    assert run_cli(pages, "--out", one, "--jobs", "1", "--format", "both").returncode == 0
    dask = tmp_path / "dask"
    proc = run_cli(pages, "--out", dask, "--dask", "local:2", "--format", "both")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert summary_counts(proc.stdout) == {"annotated": 6, "up to date": 0, "failed": 0}
    assert outputs(dask) == outputs(one)


def test_a_corpus_through_a_running_service_gives_the_same_files(live_server, tmp_path):
    """``--server URL`` annotates each document through the API; the files are those of one process."""
    records = documents(40, seed=9)
    path = write_jsonl(tmp_path / "small.jsonl", records)
    here, there = tmp_path / "here", tmp_path / "there"
    assert run_cli(path, "--out", here, "--jobs", "1", "--chunk-size", "15").returncode == 0
    proc = run_cli(path, "--out", there, "--server", live_server.url, "--jobs", "2", "--chunk-size", "15")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert outputs(there) == outputs(here)
