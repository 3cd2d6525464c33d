"""``tadoru serve``: the service under gunicorn, a production WSGI server.

Annotation is CPU-bound Python, so throughput comes from processes: one worker per core by
default.  Each worker also runs a few threads (gunicorn ``gthread``), not for speed but so it can
always *answer*: its CPU-heavy requests take turns through ``capacity.Gate``, and past
``TADORU_MAX_PENDING`` a spare thread answers 503 + ``Retry-After`` at once instead of leaving the
request in the kernel's accept queue until the client gives up.  Connections are not kept alive,
so every request goes to whichever worker is free first (as with sync workers).

The worker class is ``tadoru.service.worker.TadoruWorker``, gthread with one change: a request
reaches a thread only once it has fully arrived, read by the worker's event loop under deadlines
(10 s for the headers, 10 s plus a minimum rate for the body; then 408) and a bound on the
incomplete requests held, so slow clients cannot occupy the threads that answer health checks
and readers (issue 18).  Each worker also runs under a memory ceiling, ``TADORU_MAX_WORKER_MEMORY``
(1.5 GiB by default): a request that needs more answers 503 ``out_of_memory`` and the worker
serves on.  That module's docstring says why it is built this way rather than on another server.

The app is preloaded — built in the master before the workers fork — so the lexicon is compiled
(and Sudachi's dictionary loaded) once and shared copy-on-write.  Each request is logged as one
line, ``METHOD PATH STATUS MSms``.  Ctrl-C and SIGTERM stop the master and its workers cleanly;
``run`` then returns 0.  A worker that dies (killed, out of memory) is replaced by the master.
"""

from __future__ import annotations

import errno
import signal
import socket
import sys
from typing import Any

from gunicorn.app.base import BaseApplication

from tadoru.config import (
    DEFAULT_MAX_BODY,
    DEFAULT_MAX_PENDING,
    DEFAULT_MAX_WORKER_MEMORY,
    ConfigError,
    Settings,
    from_env,
)
from tadoru.service.worker import configure as configure_worker

ACCESS_LOG_FORMAT = "%(m)s %(U)s %(s)s %(M)sms"
#: Seconds without a heartbeat from a worker's main loop before the master replaces it.  Under
#: gthread the heartbeat comes from the loop, not the request: this catches a wedged worker (a
#: C call holding the GIL), while the bounds on input size keep each request to seconds.
WORKER_TIMEOUT = 120
GRACEFUL_TIMEOUT = 10
#: Threads beyond the admitted requests: they answer 503s, health checks and term cards while
#: every admitted request is running or waiting.
SPARE_THREADS = 4
#: Whole requests one worker takes at most, running or queued for a thread (then it leaves new
#: connections to the others); the incomplete ones it is still reading are bounded apart
#: (``tadoru.service.worker.MAX_INCOMPLETE``).
CONNECTIONS_PER_THREAD = 4
PROBLEMS_LOGGED = 20
#: gunicorn's ceiling for a request line (its default is 4094); URLs here are short, but a
#: `?known=` list on a term page can grow with the reader's list.
MAX_REQUEST_LINE = 8190


class TadoruServer(BaseApplication):
    """gunicorn driven from Python, reading no config file or command line of its own."""

    def __init__(self, options: dict[str, Any], settings: Settings) -> None:
        self.options = options
        self.settings = settings
        super().__init__()

    def load_config(self) -> None:
        assert self.cfg is not None
        for key, value in self.options.items():
            if key in self.cfg.settings and value is not None:
                self.cfg.set(key, value)

    def load(self) -> Any:
        from tadoru.service.app import create_app

        app = create_app()
        app.extensions["tadoru"].warm_up()
        self.loaded = True
        return app


def _url_host(host: str) -> str:
    return f"[{host}]" if ":" in host and not host.startswith("[") else host


def _port_in_use(host: str, port: int) -> bool:
    """True when something already listens there (checked up front for a clear message)."""
    if port == 0:
        return False
    try:
        infos = socket.getaddrinfo(host.strip("[]"), port, type=socket.SOCK_STREAM)
    except socket.gaierror:
        return False  # let gunicorn report the bad address
    family, _type, _proto, _name, address = infos[0]
    with socket.socket(family, socket.SOCK_STREAM) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind(address)
        except OSError as exc:
            return exc.errno == errno.EADDRINUSE
    return False


def _when_ready(server: Any) -> None:
    """Say where the service is, once it listens (the real port, even for ``--port 0``).

    Also make Ctrl-C as gentle as SIGTERM: gunicorn's default for SIGINT kills workers in the
    middle of a request; a graceful stop lets each finish the request it is answering.
    """
    server.handle_int = server.handle_term
    app = server.app
    lexicon = server.app.callable.extensions["tadoru"].lexicon if app.callable else None
    for listener in server.LISTENERS:
        addr = listener.sock.getsockname()
        if isinstance(addr, tuple):
            url = f"http://{_url_host(addr[0])}:{addr[1]}/"
            extra = ""
            if lexicon is not None:
                problems = len(lexicon.problems)
                extra = f"; lexicon: {len(lexicon)} concepts" + (f", {problems} problems (see /api/v1/health)" if problems else "")
            if app.callable is not None and app.callable.config["TADORU_SETTINGS"].token:
                extra += "; API token required"
            print(f"Tadoru is serving on {url} ({server.num_workers} workers{extra}). Press Ctrl-C to stop.",
                  file=sys.stderr, flush=True)
    if lexicon is not None:
        # Name each skipped file and why, where the operator looks first (health lists them too).
        for problem in lexicon.problems[:PROBLEMS_LOGGED]:
            print(f"tadoru serve: lexicon {problem.severity} (the rest is served): {problem}", file=sys.stderr,
                  flush=True)
        if len(lexicon.problems) > PROBLEMS_LOGGED:
            print(f"tadoru serve: … and {len(lexicon.problems) - PROBLEMS_LOGGED} more lexicon problems "
                  "(tadoru lexicon check lists them all)", file=sys.stderr, flush=True)


def _post_worker_init(worker: Any) -> None:
    """Workers leave Ctrl-C (SIGINT, sent to the whole process group) to the master.

    The master then stops them gracefully with SIGTERM, instead of each worker exiting mid-request.
    """
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def gunicorn_options(host: str, port: int, workers: int, max_pending: int = DEFAULT_MAX_PENDING, *,
                     max_body: int = DEFAULT_MAX_BODY,
                     max_worker_memory: int | None = DEFAULT_MAX_WORKER_MEMORY) -> dict[str, Any]:
    threads = max_pending + SPARE_THREADS
    return {
        "bind": [f"{_url_host(host)}:{port}"],
        "workers": workers,
        # gthread, with requests read whole before a thread takes them, and the memory ceiling.
        "worker_class": configure_worker(max_body=max_body, memory_ceiling=max_worker_memory),
        "threads": threads,
        "worker_connections": threads * CONNECTIONS_PER_THREAD,
        "keepalive": 0,  # a connection per request: each goes to the first free worker (and is read whole)
        # The longest request line gunicorn allows; a longer one gets its own HTML 414 before the app runs.
        "limit_request_line": MAX_REQUEST_LINE,
        "preload_app": True,
        "timeout": WORKER_TIMEOUT,
        "graceful_timeout": GRACEFUL_TIMEOUT,
        "accesslog": "-",
        "access_log_format": ACCESS_LOG_FORMAT,
        "errorlog": "-",
        "loglevel": "warning",
        "proc_name": "tadoru",
        "control_socket_disable": True,  # gunicorn ≥ 25 would create a control socket in $HOME
        "when_ready": _when_ready,
        "post_worker_init": _post_worker_init,
    }


def run(host: str | None = None, port: int | None = None, workers: int | None = None) -> int:
    """Serve until stopped; returns the exit status (0 after Ctrl-C/SIGTERM, 130 after Ctrl-C during
    start-up, 1 failure, 2 usage)."""
    try:
        settings = from_env()
    except ConfigError as exc:
        print(f"tadoru serve: {exc}", file=sys.stderr)
        return 2
    host = host or settings.host
    port = settings.port if port is None else port
    workers = workers or settings.workers
    if workers < 1:
        print("tadoru serve: --workers must be at least 1", file=sys.stderr)
        return 2
    loopback = Settings(host=host).loopback
    if not loopback and settings.token is None:
        print(f"tadoru serve: warning: binding {host} makes the service reachable from other machines, and it has "
              "NO token: anyone who can reach the port can use it and read what it is sent. Set TADORU_TOKEN "
              "(or TADORU_TOKEN_FILE), or use 127.0.0.1 unless you mean it.", file=sys.stderr)
    elif not loopback:
        print(f"tadoru serve: note: binding {host} makes the service reachable from other machines; the API "
              "requires the token (TADORU_TOKEN). Traffic is plain HTTP: put TLS in front of it on a network "
              "you do not trust.", file=sys.stderr)
    if _port_in_use(host, port):
        print(f"tadoru serve: {host}:{port} is already in use (another tadoru serve?); choose another --port",
              file=sys.stderr)
        return 1
    # The worker reads whole requests up to the larger cap; the app then holds each route to its own.
    options = gunicorn_options(host, port, workers, settings.max_pending,
                               max_body=max(settings.max_body, settings.max_pdf),
                               max_worker_memory=settings.max_worker_memory)
    server = TadoruServer(options, settings)
    try:
        server.run()
    except SystemExit as exc:
        code = exc.code
        if code is None:
            return 0
        return code if isinstance(code, int) else 1
    except KeyboardInterrupt:
        if getattr(server, "loaded", False):
            return 0  # a stop once serving is a clean stop
        print("tadoru serve: interrupted during start-up", file=sys.stderr)
        return 130  # 128 + SIGINT, what shells expect of Ctrl-C
    return 0
