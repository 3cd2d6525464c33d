"""Safe defaults and faults of ``tadoru serve``, on real processes over real HTTP (issue 8, points 5–7).

- ``TADORU_TOKEN``: every API route wants the bearer token (401 ``unauthorized`` otherwise),
  health stays open and says so, CORS preflights still pass, the pages ask for the token once
  and then carry a cookie, and the token never reaches the log;
- capacity: a burst far past what the workers can queue gets quick 503s with ``Retry-After``
  while every 200 is still the right answer;
- faults: a worker killed mid-request is replaced and the next requests succeed; a user lexicon
  folder with one broken file still serves the rest, and the start-up log names the file.
"""

from __future__ import annotations

import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import psutil
import pytest
import requests

from tests.conftest import REPO, start_server, stop_server

sys.path.insert(0, str(REPO / "benchmarks"))

from bench_service import article_bodies
from load_test import expected_answers, post, run_burst

TOKEN = "tadoru-test-" + secrets.token_urlsafe(24)
#: The token with its last character changed: never equal to it, whatever that character was.
NEAR_TOKEN = TOKEN[:-1] + ("y" if TOKEN.endswith("x") else "x")
EXTENSION_ORIGIN = "chrome-extension://abcdefghijklmnopabcdefghijklmnop"

#: Every API operation but health: (method, path, JSON body or None).
PROTECTED = [
    ("POST", "/api/v1/annotate", {"text": "We fine-tuned the model with LoRA."}),
    ("GET", "/api/v1/terms/lora", None),
    ("GET", "/api/v1/terms?q=lo", None),
    ("GET", "/api/v1/trace/lora?known=machine-learning", None),
    ("GET", "/api/v1/openapi.json", None),
]


def _env_without_token(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("TADORU_TOKEN", "TADORU_TOKEN_FILE")}
    return {**env, **extra}


@pytest.fixture(scope="module")
def token_server(tmp_path_factory):
    """A service with a token, bound to every address (as one shared on a network would be)."""
    server = start_server(tmp_path_factory.mktemp("token"), env={"TADORU_TOKEN": TOKEN}, args=["--host", "0.0.0.0"])
    yield server
    stop_server(server.process)


def _call(server, method, path, body, headers=None):
    return requests.request(method, server.url + path, json=body, headers=headers or {}, timeout=30)


# --------------------------------------------------------------------------- the token


@pytest.mark.parametrize(("method", "path", "body"), PROTECTED)
def test_every_api_route_requires_the_bearer_token(token_server, method, path, body):
    for headers, challenge in [
        ({}, 'Bearer realm="tadoru"'),
        ({"Authorization": "Bearer " + NEAR_TOKEN}, 'error="invalid_token"'),
        ({"Authorization": "Basic " + TOKEN}, 'error="invalid_token"'),
        ({"Authorization": TOKEN}, 'error="invalid_token"'),
    ]:
        r = _call(token_server, method, path, body, headers)
        assert r.status_code == 401, (headers, r.text)
        assert r.headers["Content-Type"].startswith("application/json")
        assert r.json()["error"]["code"] == "unauthorized"
        assert r.headers["WWW-Authenticate"].startswith("Bearer") and challenge in r.headers["WWW-Authenticate"]
        assert TOKEN not in r.text
    ok = _call(token_server, method, path, body, {"Authorization": f"Bearer {TOKEN}"})
    assert ok.status_code == 200, ok.text
    if path == "/api/v1/annotate":
        assert [a["term"] for a in ok.json()["annotations"]] == ["fine-tuning", "model", "lora"]


def test_cors_preflight_is_answered_without_the_token(token_server):
    r = requests.options(token_server.url + "/api/v1/annotate", timeout=30, headers={
        "Origin": EXTENSION_ORIGIN, "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "authorization, content-type"})
    assert r.status_code == 200
    assert r.headers["Access-Control-Allow-Origin"] == EXTENSION_ORIGIN
    assert "Authorization" in r.headers["Access-Control-Allow-Headers"]
    refused = requests.post(token_server.url + "/api/v1/annotate", json={"text": "LoRA"},
                            headers={"Origin": EXTENSION_ORIGIN}, timeout=30)
    assert refused.status_code == 401
    assert refused.headers["Access-Control-Allow-Origin"] == EXTENSION_ORIGIN  # the extension can read why


def test_health_stays_open_and_says_a_token_is_required(token_server):
    open_health = requests.get(token_server.url + "/api/v1/health", timeout=30)
    assert open_health.status_code == 200
    body = open_health.json()
    assert body["status"] == "ok" and body["auth"] == "required"
    assert body["lexicon"]["concepts"] > 500 and body["lexicon"]["problems"] == []
    with_token = requests.get(token_server.url + "/api/v1/health", headers={"Authorization": f"Bearer {TOKEN}"},
                              timeout=30)
    assert with_token.json()["auth"] == "accepted"
    wrong = requests.get(token_server.url + "/api/v1/health", headers={"Authorization": "Bearer not-the-token"},
                         timeout=30)
    assert wrong.status_code == 401 and wrong.json()["error"]["code"] == "unauthorized"


def test_without_a_token_health_says_auth_is_off(live_server):
    assert requests.get(live_server.url + "/api/v1/health", timeout=30).json()["auth"] == "off"


def test_pages_ask_for_the_token_once_then_carry_a_cookie(token_server):
    s = requests.Session()
    page = s.get(token_server.url + "/terms?level=2", timeout=30)
    assert page.status_code == 401 and page.headers["Content-Type"].startswith("text/html")
    assert 'action="/token"' in page.text and 'name="next" value="/terms?level=2"' in page.text
    assert s.get(token_server.url + "/static/tadoru.css", timeout=30).status_code == 200  # the form is styled

    wrong = s.post(token_server.url + "/token", data={"token": "nope", "next": "/terms"}, allow_redirects=False,
                   timeout=30)
    assert wrong.status_code == 401 and 'data-wrong="true"' in wrong.text and not s.cookies

    evil = requests.post(token_server.url + "/token", data={"token": TOKEN, "next": "//evil.example/x"},
                         allow_redirects=False, timeout=30)
    assert evil.status_code == 303 and evil.headers["Location"] == "/"  # no open redirect

    right = s.post(token_server.url + "/token", data={"token": TOKEN, "next": "/terms?level=2"},
                   allow_redirects=False, timeout=30)
    assert right.status_code == 303 and right.headers["Location"] == "/terms?level=2"
    cookie = right.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Strict" in cookie and TOKEN not in cookie

    assert s.get(token_server.url + "/terms?level=2", timeout=30).status_code == 200
    assert s.post(token_server.url + "/", data={"text": "LoRA と RAG"}, timeout=30).status_code == 200
    # The pages' own tooltips call the API with the cookie (same-origin fetch)…
    card = s.get(token_server.url + "/api/v1/terms/lora", headers={"Sec-Fetch-Site": "same-origin"}, timeout=30)
    assert card.status_code == 200 and card.json()["id"] == "lora"
    # …but another site's request carrying it is refused.
    cross = s.get(token_server.url + "/api/v1/terms/lora", headers={"Sec-Fetch-Site": "cross-site"}, timeout=30)
    assert cross.status_code == 401


def test_the_openapi_document_declares_the_bearer_scheme(token_server):
    doc = requests.get(token_server.url + "/api/v1/openapi.json", headers={"Authorization": f"Bearer {TOKEN}"},
                       timeout=30).json()
    assert doc["components"]["securitySchemes"]["bearerAuth"] == {
        "type": "http", "scheme": "bearer", "description": doc["components"]["securitySchemes"]["bearerAuth"]["description"]}
    assert {"bearerAuth": []} in doc["security"]
    annotate = doc["paths"]["/api/v1/annotate"]["post"]["responses"]
    assert "401" in annotate and "503" in annotate and "Retry-After" in annotate["503"]["headers"]
    assert {"unauthorized", "overloaded"} <= set(doc["components"]["schemas"]["Error"]["properties"]["error"]
                                                  ["properties"]["code"]["enum"])


def test_the_token_never_reaches_the_log(token_server):
    _call(token_server, "GET", "/api/v1/terms/lora", None, {"Authorization": f"Bearer {TOKEN}"})
    _call(token_server, "GET", "/api/v1/terms/lora", None, {"Authorization": "Bearer wrong-token-xyz"})
    log = token_server.log()
    assert "API token required" in log
    assert "note: binding 0.0.0.0" in log and "warning" not in log.lower()
    assert TOKEN not in log and "wrong-token-xyz" not in log


def _serve_on_busy_port(env: dict[str, str]) -> subprocess.CompletedProcess:
    """``tadoru serve --host 0.0.0.0`` on a port in use: it prints its warnings, then exits 1."""
    with socket.socket() as s:
        s.bind(("0.0.0.0", 0))
        s.listen()
        port = s.getsockname()[1]
        return subprocess.run([sys.executable, "-m", "tadoru", "serve", "--host", "0.0.0.0", "--port", str(port)],
                              capture_output=True, text=True, env=env, timeout=60, check=False)


def test_another_address_without_a_token_gets_the_stronger_warning():
    bare = _serve_on_busy_port(_env_without_token())
    assert "warning: binding 0.0.0.0" in bare.stderr and "NO token" in bare.stderr and "TADORU_TOKEN" in bare.stderr
    locked = _serve_on_busy_port(_env_without_token(TADORU_TOKEN=TOKEN))
    assert "note: binding 0.0.0.0" in locked.stderr and "warning" not in locked.stderr
    assert TOKEN not in locked.stderr
    assert bare.returncode == locked.returncode == 1 and "already in use" in bare.stderr


@pytest.mark.parametrize(("env", "needle"), [
    ({"TADORU_TOKEN": "short"}, "16 to 512 characters"),
    ({"TADORU_TOKEN": "has a space in the middle"}, "without spaces"),
    ({"TADORU_TOKEN_FILE": "/nonexistent/token.txt"}, "/nonexistent/token.txt"),
    ({"TADORU_TOKEN": TOKEN, "TADORU_TOKEN_FILE": "/tmp/x"}, "both set"),
    ({"TADORU_MAX_PENDING": "0"}, "TADORU_MAX_PENDING"),
    ({"TADORU_MAX_WAIT": "soon"}, "TADORU_MAX_WAIT"),
])
def test_bad_token_and_capacity_settings_are_usage_errors(env, needle):
    done = subprocess.run([sys.executable, "-m", "tadoru", "serve", "--port", "0"], capture_output=True, text=True,
                          env=_env_without_token(**env), timeout=60, check=False)
    assert done.returncode == 2
    assert needle in done.stderr and "Traceback" not in done.stderr
    token = env.get("TADORU_TOKEN")
    if token:
        assert token not in done.stderr, "the token is never echoed"


# --------------------------------------------------------------------------- capacity and faults


@pytest.fixture(scope="module")
def two_workers(tmp_path_factory):
    server = start_server(tmp_path_factory.mktemp("capacity"), workers=2)
    yield server
    stop_server(server.process)


class _Service:
    """The attributes ``load_test`` helpers use."""

    def __init__(self, server):
        self.port = server.port
        self.process = server.process


def test_a_burst_far_past_capacity_gets_quick_503s_and_right_200s(two_workers):
    body = article_bodies(["en"], "html")[0]
    answer = expected_answers(two_workers.port, [body], rounds=4)[0]
    burst = run_burst(_Service(two_workers), body, answer, clients=200)
    statuses = sorted({str(a[0]) for a in burst.answers})
    assert set(statuses) <= {"200", "503"}, f"timeouts or failures: {statuses}"
    ok, busy = burst.of(200), burst.of(503)
    assert ok and busy, f"{len(ok)} answered, {len(busy)} refused"
    assert all(a[3] for a in ok), "a 200 under overload carried a wrong answer"
    assert all(a[3] for a in busy), "every 503 is JSON with the code overloaded"
    assert all(a[2] is not None and a[2].isdigit() and 1 <= int(a[2]) <= 60 for a in busy), "Retry-After"
    assert burst.latency(503, 100) < 5.0, "503s come at once, not after queueing"
    # The service is well after the burst.
    status, data, _ = post(two_workers.port, body)
    assert status == 200 and data == answer


@pytest.fixture()
def fresh_two_workers(tmp_path):
    """Two workers of their own: nothing left over from the burst above may be running on them."""
    server = start_server(tmp_path, workers=2)
    yield server
    stop_server(server.process)


def test_a_worker_killed_mid_request_is_replaced(fresh_two_workers):
    two_workers = fresh_two_workers
    master = psutil.Process(two_workers.process.pid)
    # The service answers as soon as one worker is up; the master may still be forking the other.
    deadline = time.monotonic() + 30
    while len(master.children()) < 2 and time.monotonic() < deadline:
        time.sleep(0.1)
    assert len(master.children()) == 2, f"the master runs {len(master.children())} workers, not 2"
    big = json.dumps({"html": article_bodies_big()}).encode()
    outcome: dict[str, object] = {}

    def slow_request() -> None:
        try:
            outcome["status"] = post(two_workers.port, big, timeout=120)[0]
        except Exception as exc:  # noqa: BLE001 - the connection dies with the worker
            outcome["error"] = type(exc).__name__

    def cpu(w: psutil.Process) -> float:
        try:
            t = w.cpu_times()
            return t.user + t.system
        except psutil.NoSuchProcess:
            return 0.0

    before = {w.pid: cpu(w) for w in master.children()}
    thread = threading.Thread(target=slow_request)
    thread.start()
    busy = None
    deadline = time.monotonic() + 60  # a loaded CI machine may take a while to read 3 MB
    while busy is None and thread.is_alive() and time.monotonic() < deadline:
        time.sleep(0.1)
        for w in master.children():  # the worker whose CPU time climbs has it
            if cpu(w) - before.get(w.pid, 0.0) > 0.25:
                busy = w
    assert busy is not None, f"no worker picked up the slow request: {outcome or 'still waiting'}"
    os.kill(busy.pid, signal.SIGKILL)
    thread.join(timeout=60)
    assert "status" not in outcome or outcome["status"] != 200, "the request finished before the kill"

    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        pids = {w.pid for w in psutil.Process(two_workers.process.pid).children()}
        if len(pids) == 2 and busy.pid not in pids:
            break
        time.sleep(0.1)
    else:
        pytest.fail("the master did not replace the killed worker")
    for _ in range(20):
        r = requests.post(two_workers.url + "/api/v1/annotate", json={"text": "LoRA adapters for BERT"}, timeout=30)
        assert r.status_code == 200 and [a["term"] for a in r.json()["annotations"]] == ["lora", "bert"]


def article_bodies_big() -> str:
    """An article page of about 3 MB: seconds of work, time enough to kill its worker."""
    from corpus import article_html

    return article_html("en", 3_000_000)


GOOD_TEAM_FILE = """concepts:
  - id: zork-pipeline
    labels: {en: [Zork pipeline], ja: [ゾークパイプライン]}
    definition: {en: The team's internal training pipeline for ranking models., ja: チーム内製のランキングモデル学習パイプライン。}
    level: 2
    category: custom
    deeper: [fine-tuning]
"""


def test_one_broken_user_lexicon_file_is_named_and_the_rest_is_served(tmp_path):
    folder = tmp_path / "team"
    folder.mkdir()
    (folder / "good.yaml").write_text(GOOD_TEAM_FILE, encoding="utf-8")
    (folder / "broken.yaml").write_text("concepts:\n  - id: half\n    labels: {en: [x\n", encoding="utf-8")
    server = start_server(tmp_path, env={"TADORU_LEXICON_PATH": str(folder)})
    try:
        log = server.log()
        lines = [line for line in log.splitlines() if "broken.yaml" in line]
        assert lines and "invalid YAML" in lines[0] and "the rest is served" in lines[0], log
        assert "good.yaml" not in log
        health = requests.get(server.url + "/api/v1/health", timeout=30).json()
        assert health["status"] == "ok" and health["lexicon"]["errors"] == 1
        assert any(str(Path(folder, "broken.yaml")) in p and "invalid YAML" in p for p in health["lexicon"]["problems"])
        r = requests.post(server.url + "/api/v1/annotate", json={"text": "Our Zork pipeline fine-tunes LoRA adapters."},
                          timeout=30)
        assert [a["term"] for a in r.json()["annotations"]] == ["zork-pipeline", "fine-tuning", "lora"]
    finally:
        stop_server(server.process)
