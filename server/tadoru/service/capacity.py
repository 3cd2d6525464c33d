"""Bounded admission: past capacity the service answers 503 + Retry-After at once.

Annotation is CPU-bound Python, so a worker process annotates one request at a time, whatever
its thread count.  Without a bound, requests beyond what the workers can do pile up (in the
kernel's accept queue under sync workers) until clients time out.  Instead each worker, run
with threads (gunicorn ``gthread``), keeps a small gate for the CPU-heavy requests — every
``POST``: the annotate API and the paste form:

- at most ``max_pending`` such requests per worker are *admitted* (one running, the rest
  waiting their turn); one more answers **503** ``overloaded`` with ``Retry-After`` straight
  away, without reading it further than needed to answer;
- an admitted request reads its body *before* taking its turn (a slow upload never holds the
  CPU), then waits at most ``max_wait`` seconds for its turn, else answers the same 503;
- turns are handed out one at a time, in arrival order, so latency grows with the queue, not
  with thread switching.

``GET`` requests (term cards, pages, health) are cheap and never refused here, so a busy
service still answers its health check and tooltips.  ``Retry-After`` is the time the queue
ahead would take at the recent pace (a moving average of turn lengths), 1 to 60 seconds.
"""

from __future__ import annotations

import math
import os
import threading
import time

from flask import Flask, current_app, g, request

from tadoru.config import Settings
from tadoru.service.errors import ApiError, drain_body

EXTENSION_KEY = "tadoru_gate"
GATED_METHODS = frozenset({"POST"})
INITIAL_TURN_SECONDS = 0.05
EWMA_WEIGHT = 0.1
RETRY_AFTER_MAX = 60


class Gate:
    """One worker process's admission counter and turn lock.

    Built in the master before the workers fork; each process rebuilds its locks the first time
    it uses them (a lock copied across ``fork`` is not to be trusted).
    """

    def __init__(self, max_pending: int, max_wait: float) -> None:
        self.max_pending = max_pending
        self.max_wait = max_wait
        self._reset()

    def _reset(self) -> None:
        self._pid = os.getpid()
        self._lock = threading.Lock()
        self._turn = threading.Lock()
        self._waiters: list[threading.Event] = []  # FIFO of requests waiting for their turn
        self._busy = False
        self.pending = 0
        self.turn_seconds = INITIAL_TURN_SECONDS

    def _mine(self) -> None:
        if self._pid != os.getpid():
            self._reset()

    def enter(self) -> bool:
        """Admit one more request, or False when this worker already holds ``max_pending``."""
        self._mine()
        with self._lock:
            if self.pending >= self.max_pending:
                return False
            self.pending += 1
            return True

    def wait_turn(self) -> bool:
        """Block until this request may run (first come, first served); False after ``max_wait``."""
        with self._lock:
            if not self._busy and not self._waiters:
                self._busy = True
                return True
            ticket = threading.Event()
            self._waiters.append(ticket)
        if ticket.wait(self.max_wait):
            return True
        with self._lock:
            if ticket.is_set():  # handed the turn just as the wait ran out: take it
                return True
            self._waiters.remove(ticket)
            return False

    def end_turn(self, seconds: float) -> None:
        """The running request is done: hand the turn to the longest waiter."""
        with self._lock:
            self.turn_seconds += EWMA_WEIGHT * (seconds - self.turn_seconds)
            if self._waiters:
                self._waiters.pop(0).set()  # _busy stays True: the turn passes straight on
            else:
                self._busy = False

    def leave(self) -> None:
        with self._lock:
            self.pending = max(0, self.pending - 1)

    def retry_after(self) -> int:
        """Seconds after which a retry is likely to be admitted: the queue ahead at the recent pace."""
        return max(1, min(RETRY_AFTER_MAX, math.ceil(self.pending * self.turn_seconds)))


def overloaded(gate: Gate, why: str) -> ApiError:
    seconds = gate.retry_after()
    return ApiError(503, "overloaded", f"the service is busy ({why}); retry in {seconds} s",
                    headers={"Retry-After": str(seconds)})


def _admit() -> None:
    """``before_request``: admit a CPU-heavy request and wait for its turn, or refuse it with 503."""
    if request.method not in GATED_METHODS:
        return
    gate: Gate = current_app.extensions[EXTENSION_KEY]
    if not gate.enter():
        drain_body()  # so the 503 reaches the client instead of a reset connection
        raise overloaded(gate, f"{gate.max_pending} requests already queued on this worker")
    g.tadoru_gate = "admitted"
    request.get_data(cache=True)  # read the body now, not while holding the turn (413 if too large)
    if not gate.wait_turn():
        raise overloaded(gate, f"no turn within {gate.max_wait:g} s")
    g.tadoru_gate = "running"
    g.tadoru_turn_start = time.perf_counter()


def _release(_exc: BaseException | None) -> None:
    """``teardown_request``: runs for every request, whatever happened in it."""
    state = g.pop("tadoru_gate", None)
    if state is None:
        return
    gate: Gate = current_app.extensions[EXTENSION_KEY]
    if state == "running":
        gate.end_turn(time.perf_counter() - g.pop("tadoru_turn_start"))
    gate.leave()


def init_app(app: Flask, settings: Settings) -> None:
    app.extensions[EXTENSION_KEY] = Gate(settings.max_pending, settings.max_wait)
    app.before_request(_admit)
    app.teardown_request(_release)
