"""The pieces behind the token and the capacity gate, in-process (the real-HTTP tests are in
``tests/integration/test_service_safety.py``): token settings, the gate's order and bounds."""

from __future__ import annotations

import threading
import time

import pytest

from tadoru.config import ConfigError, from_env
from tadoru.service.app import create_app
from tadoru.service.auth import cookie_value, token_matches
from tadoru.service.capacity import Gate

TOKEN = "unit-test-token-0123456789"


def test_token_settings(tmp_path):
    assert from_env({}).token is None
    assert from_env({"TADORU_TOKEN": f"  {TOKEN}\n"}).token == TOKEN
    file = tmp_path / "token.txt"
    file.write_text(TOKEN + "\n", encoding="utf-8")
    assert from_env({"TADORU_TOKEN_FILE": str(file)}).token == TOKEN
    assert TOKEN not in repr(from_env({"TADORU_TOKEN": TOKEN})), "the token never reaches a log through repr"
    (tmp_path / "empty.txt").write_text("\n", encoding="utf-8")
    for env in ({"TADORU_TOKEN": "x" * 15}, {"TADORU_TOKEN": "x" * 513}, {"TADORU_TOKEN": "tab\tinside-the-token"},
                {"TADORU_TOKEN_FILE": str(tmp_path / "empty.txt")}, {"TADORU_TOKEN_FILE": str(tmp_path)}):
        with pytest.raises(ConfigError, match="TADORU_TOKEN"):
            from_env(env)


def test_capacity_settings():
    s = from_env({"TADORU_MAX_PENDING": "3", "TADORU_MAX_WAIT": "2.5s"})
    assert (s.max_pending, s.max_wait) == (3, 2.5)
    for env in ({"TADORU_MAX_PENDING": "0"}, {"TADORU_MAX_WAIT": "0"}, {"TADORU_MAX_WAIT": "x"}):
        with pytest.raises(ConfigError):
            from_env(env)


def test_token_comparison_and_cookie():
    assert token_matches(TOKEN, TOKEN) and not token_matches(TOKEN + "x", TOKEN) and not token_matches("", TOKEN)
    assert cookie_value(TOKEN) != TOKEN and TOKEN not in cookie_value(TOKEN)
    assert cookie_value(TOKEN) != cookie_value(TOKEN + "x")


def test_the_gate_admits_up_to_max_pending():
    gate = Gate(max_pending=2, max_wait=1.0)
    assert gate.enter() and gate.enter() and not gate.enter()
    gate.leave()
    assert gate.enter()


def test_turns_go_in_arrival_order_and_a_long_wait_gives_up():
    gate = Gate(max_pending=10, max_wait=5.0)
    assert gate.wait_turn()  # the first takes the turn at once
    order: list[int] = []

    def waiter(n: int) -> None:
        assert gate.wait_turn()
        order.append(n)
        gate.end_turn(0.01)

    threads = []
    for n in range(5):
        t = threading.Thread(target=waiter, args=(n,))
        t.start()
        threads.append(t)
        time.sleep(0.02)  # arrive one after another
    gate.end_turn(0.01)
    for t in threads:
        t.join(5)
    assert order == [0, 1, 2, 3, 4]

    impatient = Gate(max_pending=10, max_wait=0.1)
    assert impatient.wait_turn()
    t0 = time.monotonic()
    assert not impatient.wait_turn()  # nobody ends the first turn
    assert 0.09 <= time.monotonic() - t0 < 2
    impatient.end_turn(0.01)
    assert impatient.wait_turn(), "the one that gave up left the queue"


def test_retry_after_follows_the_queue_and_the_pace():
    gate = Gate(max_pending=1000, max_wait=1.0)
    assert gate.retry_after() == 1
    for _ in range(40):
        gate.enter()
    gate.wait_turn()
    for _ in range(50):
        gate.end_turn(0.5)
        gate.wait_turn()
    assert 15 <= gate.retry_after() <= 20  # 40 queued × ~0.5 s
    for _ in range(400):
        gate.enter()
    assert gate.retry_after() == 60


def test_get_requests_are_never_gated(annotator):
    app = create_app({"TESTING": True, "TADORU_MAX_PENDING": 1}, annotator=annotator)
    gate = app.extensions["tadoru_gate"]
    gate.enter()  # the one admitted request of this worker is busy elsewhere
    client = app.test_client()
    assert client.get("/api/v1/terms/lora").status_code == 200
    assert client.get("/api/v1/health").status_code == 200
    refused = client.post("/api/v1/annotate", json={"text": "LoRA"})
    assert refused.status_code == 503 and refused.json["error"]["code"] == "overloaded"
    assert refused.headers["Retry-After"].isdigit()
    page = client.post("/", data={"text": "LoRA"})
    assert page.status_code == 503 and page.headers["Content-Type"].startswith("text/html")
    gate.leave()
    assert client.post("/api/v1/annotate", json={"text": "LoRA"}).status_code == 200
    assert gate.pending == 0, "every admitted request is released"
