"""``tadoru serve`` as a process: access log, body cap, workers, signals, bad settings."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time

import pytest
import requests

from harness.service import free_port, start_server, stop_server


def _wait_exit(proc: subprocess.Popen, timeout: float = 20) -> int:
    try:
        return proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
        pytest.fail("tadoru serve did not stop")


def test_one_access_log_line_per_request(live_server):
    marker = f"/api/v1/terms/log-marker-{time.monotonic_ns()}"
    requests.get(live_server.url + marker, timeout=30)
    requests.post(live_server.url + "/api/v1/annotate", json={"text": "LoRA"}, timeout=30)
    posted = re.compile(r"^POST /api/v1/annotate 200 \d+ms$", re.MULTILINE)
    deadline = time.monotonic() + 5  # the line is written just after the answer is sent
    while time.monotonic() < deadline and (marker not in live_server.log() or not posted.search(live_server.log())):
        time.sleep(0.05)
    lines = [line for line in live_server.log().splitlines() if marker in line]
    assert len(lines) == 1
    assert re.fullmatch(rf"GET {re.escape(marker)} 404 \d+ms", lines[0]), lines[0]
    assert re.search(r"^POST /api/v1/annotate 200 \d+ms$", live_server.log(), re.MULTILINE)


def test_listens_on_loopback_only_by_default(live_server):
    assert live_server.url.startswith("http://127.0.0.1:")
    assert "Tadoru is serving on http://127.0.0.1:" in live_server.log()


def test_small_body_cap_answers_413(tmp_path):
    server = start_server(tmp_path, env={"TADORU_MAX_BODY": "1000"})
    try:
        url = server.url + "/api/v1/annotate"
        ok = requests.post(url, json={"text": "LoRA " * 150}, timeout=30)
        assert ok.status_code == 200
        for payload in ({"text": "LoRA " * 300}, {"text": "x" * 3_000_000}):
            r = requests.post(url, json=payload, timeout=30)
            assert r.status_code == 413
            assert r.json()["error"]["code"] == "payload_too_large"
            assert "1000 bytes" in r.json()["error"]["message"]

        def chunks():  # chunked transfer: no Content-Length to refuse up front
            for _ in range(20):
                yield b'"' + b"x" * 200 + b'"'

        r = requests.post(url, data=chunks(), headers={"Content-Type": "application/json"}, timeout=30)
        assert r.status_code == 413 and r.json()["error"]["code"] == "payload_too_large"
        page = requests.post(server.url + "/", data={"text": "x" * 5000}, timeout=30)
        assert page.status_code == 413 and page.headers["Content-Type"].startswith("text/html")
        assert requests.get(server.url + "/api/v1/health", timeout=30).status_code == 200
    finally:
        stop_server(server.process)


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
def test_ctrl_c_and_sigterm_stop_cleanly(tmp_path, sig):
    server = start_server(tmp_path, workers=2)
    requests.get(server.url + "/api/v1/health", timeout=30)
    assert len(_children(server.process.pid)) == 2  # two workers are two processes
    assert "(2 workers" in server.log()
    if sig == signal.SIGINT:
        os.killpg(server.process.pid, sig)  # Ctrl-C reaches the master and its workers
    else:
        server.process.send_signal(sig)
    assert _wait_exit(server.process) == 0
    log = server.log()
    assert "Traceback" not in log
    with pytest.raises(requests.ConnectionError):
        requests.get(server.url + "/api/v1/health", timeout=5)


def _children(pid: int) -> list[int]:
    path = f"/proc/{pid}/task/{pid}/children"
    deadline = time.monotonic() + 10
    kids: list[int] = []
    while time.monotonic() < deadline:
        with open(path) as f:
            kids = [int(x) for x in f.read().split()]
        if len(kids) >= 2:
            break
        time.sleep(0.1)
    return kids


def _serve(args: list[str], env: dict[str, str] | None = None, timeout: float = 30) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "tadoru", "serve", *args], capture_output=True, text=True, check=False,
                          timeout=timeout, env={**os.environ, **(env or {})})


@pytest.mark.parametrize(("env", "needle"), [
    ({"TADORU_PORT": "eighty"}, "TADORU_PORT"),
    ({"TADORU_MAX_BODY": "lots"}, "TADORU_MAX_BODY"),
    ({"TADORU_WORKERS": "0"}, "TADORU_WORKERS"),
    ({"TADORU_CORS_ORIGINS": "*"}, "TADORU_CORS_ORIGINS"),
])
def test_bad_settings_are_a_usage_error(env, needle):
    done = _serve([], env=env)
    assert done.returncode == 2
    assert needle in done.stderr and "Traceback" not in done.stderr


def test_port_in_use_is_a_clear_error():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        port = s.getsockname()[1]
        done = _serve(["--port", str(port), "--workers", "1"])
    assert done.returncode == 1
    assert "already in use" in done.stderr and "Traceback" not in done.stderr


def test_non_loopback_address_prints_a_warning(tmp_path):
    server = start_server(tmp_path, args=["--host", "0.0.0.0"])
    try:
        assert "warning: binding 0.0.0.0" in server.log()
    finally:
        stop_server(server.process)


def test_settings_from_the_environment(tmp_path):
    port = free_port()
    log = tmp_path / "env.log"
    with open(log, "wb") as out:
        proc = subprocess.Popen([sys.executable, "-m", "tadoru", "serve"], stdout=out, stderr=subprocess.STDOUT,
                                env={**os.environ, "TADORU_PORT": str(port), "TADORU_WORKERS": "1",
                                     "TADORU_CORS_ORIGINS": "https://reader.example"}, start_new_session=True)
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                r = requests.get(f"http://127.0.0.1:{port}/api/v1/health", timeout=2,
                                 headers={"Origin": "https://reader.example"})
                break
            except requests.ConnectionError:
                assert proc.poll() is None, log.read_text()
                time.sleep(0.2)
        else:
            pytest.fail("no answer on TADORU_PORT")
        assert r.headers["Access-Control-Allow-Origin"] == "https://reader.example"
        other = requests.get(f"http://127.0.0.1:{port}/api/v1/health", headers={"Origin": "https://other.example"},
                             timeout=5)
        assert "Access-Control-Allow-Origin" not in other.headers
        assert "(1 workers" in log.read_text()
    finally:
        stop_server(proc)


def test_service_starts_with_a_broken_user_lexicon(tmp_path):
    broken = tmp_path / "team"
    broken.mkdir()
    (broken / "team.yaml").write_text("concepts:\n  - id: Bad Id\n    labels: {en: [x]}\n  - [unclosed\n",
                                      encoding="utf-8")
    server = start_server(tmp_path, env={"TADORU_LEXICON_PATH": str(broken)})
    try:
        health = requests.get(server.url + "/api/v1/health", timeout=30).json()
        assert health["status"] == "ok"
        assert health["lexicon"]["errors"] >= 1
        assert any("team.yaml" in p for p in health["lexicon"]["problems"])
        r = requests.post(server.url + "/api/v1/annotate", json={"text": "LoRA"}, timeout=30)
        assert r.json()["annotations"][0]["term"] == "lora"
    finally:
        stop_server(server.process)


#: Shared objects ``tadoru serve`` maps only once it is building the app (spaCy's, after numpy
#: has finished loading; then Sudachi's), a second or more before the server listens.
BUILDING_THE_APP = ("/spacy/vocab.", "sudachipy")


def _maps_any(pid: int, names: tuple[str, ...]) -> bool:
    try:
        with open(f"/proc/{pid}/maps", encoding="utf-8", errors="replace") as f:
            return any(name in f.read() for name in names)
    except OSError:
        return False


def test_ctrl_c_during_start_up_exits_130_without_a_traceback(tmp_path):
    """Ctrl-C while the lexicon is still loading (issue 18): status 130 as shells expect, not 1.

    The signal is sent once the process is seen building the app (a fixed sleep landed it at
    random: before Python's own start-up, or after the server was up, where a worker still
    booting held the stop for gunicorn's 10 s graceful timeout).
    """
    log = tmp_path / "serve.log"
    with open(log, "wb") as out:
        proc = subprocess.Popen([sys.executable, "-m", "tadoru", "serve", "--port", "0", "--workers", "1"],
                                stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        deadline = time.monotonic() + 60
        while not _maps_any(proc.pid, BUILDING_THE_APP):
            assert proc.poll() is None and time.monotonic() < deadline, log.read_text(errors="replace")
            time.sleep(0.005)
        os.killpg(proc.pid, signal.SIGINT)
        code = proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
    text = log.read_text(errors="replace")
    if "Tadoru is serving" in text:
        pytest.skip("start-up finished before the signal arrived")
    assert code == 130, text
    assert "Traceback" not in text and "Aborted!" not in text
