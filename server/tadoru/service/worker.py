"""The gunicorn worker of ``tadoru serve``: ``gthread``, except that a thread only gets whole requests.

**Why (issue 18, A).**  gunicorn's ``gthread`` worker gives a connection to a pool thread as soon
as its first bytes arrive; the thread then parses the headers, and the app reads the body, with
blocking reads and no deadline.  A client that sends one header line every 2 s, or its body a
few bytes at a time, so holds a thread for as long as it likes: 64 such connections took every
thread of both workers, and health checks and annotations timed out behind them, token or not.
A time-out per ``recv`` does not help (each trickle starts it again), and more threads only
raise the number of connections an attacker needs.

**What this worker does, at the cause.**  The worker's event loop — the one that accepts —
reads each request itself, without blocking, until it is whole: the headers, then the body by
its ``Content-Length`` or its chunked framing.  Only then is the request handed, already read,
to a thread, whose parser reads it from memory.  Threads therefore never wait on a client, and
health checks and ordinary requests, which arrive whole at once, always find one.  Meanwhile:

- **deadlines**: the headers must arrive within ``HEADER_SECONDS`` (10 s) of the connection;
  the body within ``BODY_SECONDS`` (10 s) after the headers, plus a second for each
  ``MIN_BODY_RATE`` bytes received (Apache's ``mod_reqtimeout body=10,MinRate=…``).  Past
  either, the client gets 408 ``request_timeout`` and the connection is closed.  The loop
  checks deadlines at every turn, at least once a second.
- **a bound**: a worker holds at most ``MAX_INCOMPLETE`` incomplete requests and
  ``BUFFER_BUDGET`` bytes of them; past either, the *oldest* is dropped (408) to make room, so
  a new connection always gets in (a client that sends its request at once is never the oldest
  for long).  Complete requests are bounded as before by ``worker_connections``.
- **a body past the cap** (``TADORU_MAX_BODY``, by ``Content-Length``) is read and thrown away
  here (up to ``errors.DRAIN_LIMIT``), then the app answers 413 from the headers: the answer
  reaches the client, and no thread waits on the upload.  With ``Expect: 100-continue`` the 413
  goes at once instead, and the body is never sent.
- ``Expect: 100-continue`` is answered from the loop, since the loop waits for the body.
- **closing**: after the answer, gunicorn half-closes and lingers up to 2 s for the client to
  close, with blocking reads on the event loop itself, where a client that never closes stalls
  every other connection of the worker.  Here the loop lingers without blocking (``LINGER_*``).
- **in the thread**, what is still read from the socket (nothing, normally: only for framing
  the loop does not judge, which the parser then refuses) has ``THREAD_READ_SECONDS`` in all,
  and each write at most ``WRITE_SECONDS``.

Keep-alive stays off (``gunicorn_options`` sets ``keepalive=0``): a kept-alive connection would
go back to a thread unread.  TLS and cleartext HTTP/2 are not buffered (the service uses
neither); with them this worker behaves as plain ``gthread``.

**Why not another server.**  waitress also reads whole requests before its threads see them,
but it runs one process, and the service needs one per core (annotation is CPU-bound Python);
its ``channel_timeout`` is an idle time-out, which a trickle keeps resetting, and past
``connection_limit`` it stops accepting, health checks included.  cheroot reads requests in its
worker threads, as ``gthread`` does.  gunicorn keeps the preloaded app, worker replacement and
graceful stops that the rest relies on; this subclass changes only how a request reaches a thread.

**The memory ceiling (issue 18, B)** is set here too, in each worker after the fork: see
``apply_memory_ceiling``.
"""

from __future__ import annotations

import errno
import json
import re
import resource
import selectors
import socket
import sys
import time
from collections import OrderedDict
from functools import partial
from typing import Any

from gunicorn.http.unreader import SocketUnreader
from gunicorn.workers.gthread import TConn, ThreadWorker

from tadoru.config import DEFAULT_MAX_BODY, DEFAULT_MAX_WORKER_MEMORY
from tadoru.service.errors import DRAIN_LIMIT, mapped_data

#: Seconds from the connection to the end of the headers.
HEADER_SECONDS = 10.0
#: Seconds from the end of the headers to the end of the body, before the rate allowance.
BODY_SECONDS = 10.0
#: Each this many body bytes received give the body one more second.
MIN_BODY_RATE = 64 * 1024
#: Incomplete requests one worker holds at most (the oldest is dropped past it).  Together with
#: the complete ones (``worker_connections``) and lingering closes, this keeps a worker well
#: under the usual limit of 1,024 open files.
MAX_INCOMPLETE = 128
#: Bytes of incomplete requests one worker holds at most (the oldest is dropped past it).
BUFFER_BUDGET = 64 * 1024 * 1024
#: Seconds a thread may spend in all reading what the loop did not (see the module docstring).
THREAD_READ_SECONDS = 2.0
#: Seconds a thread waits at most on one write to a client that does not read.
WRITE_SECONDS = 10.0
#: After the answer: how long, and how many bytes, the loop waits for the client to close.
LINGER_SECONDS = 2.0
LINGER_BYTES = 64 * 1024
MAX_LINGERING = 256
RECV_SIZE = 64 * 1024
#: Bytes read from one connection per turn of the loop at most (the others get their turn).
RECV_BURST = 1024 * 1024
#: A chunk-size line longer than this is not one (the parser will refuse it).
MAX_CHUNK_LINE = 4096
#: Seconds between two log lines about requests dropped here.
REPORT_SECONDS = 60.0
#: What a worker needs besides its threads' stacks once running, above what it maps at start.
MEMORY_HEADROOM = 32 * 1024 * 1024

_HEADER_END = re.compile(rb"\r?\n\r?\n")


def _canned(message: str) -> bytes:
    """A whole 408 answer in the API's error shape, sent from the loop."""
    body = json.dumps({"error": {"code": "request_timeout", "message": message}}).encode()
    head = (f"HTTP/1.1 408 Request Timeout\r\nContent-Type: application/json\r\nContent-Length: {len(body)}\r\n"
            "Connection: close\r\n\r\n")
    return head.encode() + body


TIMED_OUT = _canned(f"the request did not arrive in time: headers are due within {HEADER_SECONDS:g} s, "
                    f"the body within {BODY_SECONDS:g} s more at {MIN_BODY_RATE // 1024} KiB/s at least")
CROWDED_OUT = _canned("the request was still incomplete when newer ones needed its place; send requests whole")
CONTINUE = b"HTTP/1.1 100 Continue\r\n\r\n"


class PendingRequest:
    """How much of one HTTP/1.x request has arrived, and whether it is whole.

    Only the framing is read here (where the headers end, ``Content-Length``,
    ``Transfer-Encoding: chunked``, ``Expect``).  Anything this does not judge — conflicting or
    malformed framing, headers past gunicorn's limits — counts as whole at once: gunicorn's
    parser then refuses it from what is already read.
    """

    def __init__(self, max_body: int, max_header: int, max_line: int) -> None:
        self.max_body = max_body
        self.max_header = max_header
        self.max_line = max_line
        self.data = bytearray()
        self.body_start = -1  # where the body starts, once the headers are in
        self.length = 0  # Content-Length (0 without one)
        self.chunked = False
        self.oversized = False  # Content-Length past max_body: the body is read and dropped
        self.dropped = 0
        self.expects_continue = False
        self._scanned = 0
        self._chunk_at = 0

    @property
    def held(self) -> int:
        return len(self.data)

    @property
    def body_received(self) -> int:
        if self.oversized:
            return self.dropped
        return len(self.data) - self.body_start if self.body_start >= 0 else 0

    def feed(self, chunk: bytes) -> bool:
        """Take the next bytes from the socket; True once the request is whole (or not ours to judge)."""
        if self.oversized:
            self.dropped += len(chunk)
        else:
            self.data += chunk
        if self.body_start < 0:
            found = _HEADER_END.search(self.data, max(0, self._scanned - 3))
            if found is None:
                self._scanned = len(self.data)
                # Past gunicorn's limits its parser answers 414 or 431 from what is here.
                return len(self.data) > self.max_header or (
                    len(self.data) > self.max_line and self.data.find(b"\n", 0, self.max_line) < 0)
            self.body_start = found.end()
            if not self._framing(bytes(self.data[:found.start()])):
                return True  # framing left to gunicorn's parser, which refuses it
            if self.oversized:  # keep the headers only; what came of the body is dropped
                self.dropped = len(self.data) - self.body_start
                del self.data[self.body_start:]
        return self.whole()

    def whole(self) -> bool:
        if self.body_start < 0:
            return False
        if self.oversized:
            return self.dropped >= min(self.length, DRAIN_LIMIT)
        if self.chunked:
            return self._chunks_whole()
        return len(self.data) - self.body_start >= self.length

    def _framing(self, head: bytes) -> bool:
        """Read the framing headers; False when gunicorn's parser should judge them."""
        lines = head.split(b"\n")
        lengths: list[bytes] = []
        codings: list[bytes] = []
        for line in lines[1:]:
            name, colon, value = line.partition(b":")
            if not colon:
                continue
            name, value = name.strip().lower(), value.strip()
            if name == b"content-length":
                lengths.append(value)
            elif name == b"transfer-encoding":
                codings.append(value.lower())
            elif name == b"expect":
                self.expects_continue = value.lower() == b"100-continue" and lines[0].rstrip().endswith(b"HTTP/1.1")
        if codings:
            if lengths or not b",".join(codings).rstrip().endswith(b"chunked"):
                return False
            self.chunked = True
            self._chunk_at = self.body_start
            return True
        if lengths:
            if len(set(lengths)) != 1 or not lengths[0].isdigit() or len(lengths[0]) > 18:
                return False
            self.length = int(lengths[0])
            self.oversized = self.length > self.max_body
        return True

    def _chunks_whole(self) -> bool:
        data, at = self.data, self._chunk_at
        if len(data) - self.body_start > self.max_body + RECV_SIZE:
            return True  # past the cap: the app reads it and answers 413
        while True:
            eol = data.find(b"\r\n", at)
            if eol < 0:
                return len(data) - at > MAX_CHUNK_LINE
            field = bytes(data[at:eol]).split(b";", 1)[0].strip()
            try:
                size = int(field, 16) if 0 < len(field) <= 16 else -1
            except ValueError:
                size = -1
            if size < 0:
                return True  # not a chunk size: the parser refuses it
            if size == 0:
                return data.find(b"\r\n\r\n", eol) >= 0  # the trailers (often none) end with an empty line
            following = eol + 2 + size + 2
            if len(data) < following:
                return False
            at = self._chunk_at = following


class _ReadDeadline(SocketUnreader):
    """The parser's reader: what the loop read first, then the socket until one deadline."""

    def __init__(self, sock: socket.socket, buffered: bytes, seconds: float) -> None:
        super().__init__(sock)
        self.deadline = time.monotonic() + seconds
        if buffered:
            self.unread(buffered)

    def chunk(self, size_hint: int | None = None) -> bytes:
        remaining = self.deadline - time.monotonic()
        if remaining <= 0:
            raise TimeoutError("the client did not send the rest of its request in time")
        self.sock.settimeout(remaining)
        try:
            return super().chunk(size_hint)
        finally:
            self.sock.settimeout(WRITE_SECONDS)


class BufferedConn(TConn):
    """A connection whose request the loop reads before a thread gets it."""

    def __init__(self, cfg: Any, sock: socket.socket, client: Any, server: Any, pending: PendingRequest) -> None:
        super().__init__(cfg, sock, client, server)
        self.pending = pending
        self.accepted = time.monotonic()
        self.deadline = self.accepted + HEADER_SECONDS
        self.headers_at = 0.0
        self.continue_handled = False
        self.read_seconds = THREAD_READ_SECONDS

    def init(self) -> None:
        first = not self.initialized
        super().init()
        if first and self.parser is not None:
            self.sock.settimeout(WRITE_SECONDS)
            self.parser.unreader = _ReadDeadline(self.sock, bytes(self.pending.data), self.read_seconds)
            self.pending.data = bytearray()


def _recv_once(sock: socket.socket) -> bytes | None:
    """One ``recv`` of up to ``RECV_SIZE`` from a non-blocking socket: None when nothing is waiting,
    b"" at its end (or on an error, which ends it too)."""
    try:
        return sock.recv(RECV_SIZE)
    except (BlockingIOError, InterruptedError):
        return None
    except OSError:
        return b""


def _recv_available(sock: socket.socket) -> bytes | None:
    """What a non-blocking socket holds, up to ``RECV_BURST`` bytes; b"" at its end, None for nothing yet."""
    parts: list[bytes] = []
    size = 0
    while size < RECV_BURST:
        part = _recv_once(sock)
        if part is None:
            break
        if not part:
            if not parts:
                return b""
            break  # the end is seen at the next call
        parts.append(part)
        size += len(part)
    return b"".join(parts) if parts else None


def _header_limits(cfg: Any) -> tuple[int, int]:
    """Bytes past which gunicorn's parser refuses the headers (a request line and every field at their
    limits), and the request line."""
    line = (cfg.limit_request_line or 8190) + 2
    fields = cfg.limit_request_fields or 100
    size = cfg.limit_request_field_size or 8190
    return line + fields * (size + 2) + 4, line


class TadoruWorker(ThreadWorker):
    """``gthread`` with requests read whole in the event loop, deadlines, bounds, a memory ceiling."""

    #: Set per service by ``configure``.
    max_body = DEFAULT_MAX_BODY
    memory_ceiling: int | None = DEFAULT_MAX_WORKER_MEMORY

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.buffering = not self.cfg.is_ssl and getattr(self.cfg, "http2_cleartext", "off") == "off"
        self.max_header, self.max_line = _header_limits(self.cfg)
        self.incoming: OrderedDict[BufferedConn, None] = OrderedDict()  # oldest first
        self.buffered = 0
        self.lingering: OrderedDict[socket.socket, list[float]] = OrderedDict()  # socket → [deadline, bytes]
        self.dropped = {"timed out": 0, "crowded out": 0}
        self.next_report = 0.0

    @classmethod
    def check_config(cls, cfg: Any, log: Any) -> None:
        super().check_config(cfg, log)
        if cfg.keepalive:
            log.warning("tadoru's worker reads requests whole only on new connections; keepalive should be 0")

    def init_process(self) -> None:
        if self.memory_ceiling is not None:
            problem = apply_memory_ceiling(self.memory_ceiling, self.cfg.threads)
            if problem:
                self.log.error("tadoru serve: %s", problem)
                sys.exit(3)  # gunicorn's "worker failed to boot": the master stops with the message above
        super().init_process()

    # ------------------------------------------------------------------ reading requests in the loop

    def accept(self, listener: Any) -> None:
        if not self.buffering:
            return super().accept(listener)
        try:
            sock, client = listener.accept()
        except OSError as exc:
            if exc.errno not in (errno.EAGAIN, errno.ECONNABORTED, errno.EWOULDBLOCK):
                raise
            return None
        while len(self.incoming) >= MAX_INCOMPLETE:
            self._drop(next(iter(self.incoming)), CROWDED_OUT, "crowded out")
        conn = BufferedConn(self.cfg, sock, client, listener.getsockname(),
                            PendingRequest(self.max_body, self.max_header, self.max_line))
        self.incoming[conn] = None
        self.poller.register(sock, selectors.EVENT_READ, partial(self._on_incoming, conn))
        return None

    def _on_incoming(self, conn: BufferedConn, _sock: Any) -> None:
        data = _recv_available(conn.sock)
        if data is None:
            return
        if not data:  # the client went away
            self._forget(conn)
            conn.sock.close()
            return
        pending = conn.pending
        before, had_headers = pending.held, pending.body_start >= 0
        whole = pending.feed(data)
        self.buffered += pending.held - before
        now = time.monotonic()
        if pending.body_start >= 0 and not had_headers:
            conn.headers_at = now
            if pending.expects_continue and not whole:
                conn.continue_handled = True
                if pending.oversized:
                    whole = True  # the app answers 413 now; the client never sends the body
                else:
                    try:
                        conn.sock.send(CONTINUE)
                    except OSError:
                        pass
        if whole:
            self._hand_over(conn, 0.0 if pending.oversized else THREAD_READ_SECONDS)
            return
        if conn.headers_at:
            conn.deadline = conn.headers_at + BODY_SECONDS + pending.body_received / MIN_BODY_RATE
        while self.buffered > BUFFER_BUDGET:
            oldest = next(c for c in self.incoming if c is not conn) if len(self.incoming) > 1 else None
            if oldest is None:
                break
            self._drop(oldest, CROWDED_OUT, "crowded out")

    def _forget(self, conn: BufferedConn) -> None:
        if conn not in self.incoming:
            return
        del self.incoming[conn]
        self.buffered -= conn.pending.held
        try:
            self.poller.unregister(conn.sock)
        except (KeyError, ValueError, OSError):
            pass

    def _hand_over(self, conn: BufferedConn, read_seconds: float) -> None:
        self._forget(conn)
        conn.read_seconds = read_seconds
        conn.data_ready = True  # gthread would otherwise wait for more bytes before parsing
        self.nr_conns += 1
        self.enqueue_req(conn)

    def _drop(self, conn: BufferedConn, answer: bytes, why: str) -> None:
        self._forget(conn)
        self.dropped[why] += 1
        try:
            conn.sock.send(answer)
        except OSError:
            pass
        self._linger(conn.sock)

    # ------------------------------------------------------------------ in the thread

    def handle_request(self, req: Any, conn: Any) -> Any:
        if getattr(conn, "continue_handled", False):
            req._expected_100_continue = False  # the loop already answered (or skipped) it
        return super().handle_request(req, conn)

    # ------------------------------------------------------------------ closing without blocking the loop

    def finish_request(self, conn: Any, fs: Any) -> None:
        if (not isinstance(conn, BufferedConn) or fs.cancelled() or fs.exception() is not None
                or fs.result() is not False):
            return super().finish_request(conn, fs)
        self.nr_conns -= 1
        self._linger(conn.sock)
        return None

    def _linger(self, sock: socket.socket) -> None:
        """Half-close, then let the client close first (its last bytes would otherwise become a reset)."""
        try:
            sock.shutdown(socket.SHUT_WR)
            sock.setblocking(False)
        except OSError:
            sock.close()
            return
        while len(self.lingering) >= MAX_LINGERING:
            self._end_linger(next(iter(self.lingering)))
        self.lingering[sock] = [time.monotonic() + LINGER_SECONDS, 0]
        self.poller.register(sock, selectors.EVENT_READ, self._on_lingering)

    def _on_lingering(self, sock: socket.socket) -> None:
        data = _recv_once(sock)
        if data is None:
            return
        state = self.lingering[sock]
        state[1] += len(data)
        if not data or state[1] >= LINGER_BYTES:
            self._end_linger(sock)

    def _end_linger(self, sock: socket.socket) -> None:
        self.lingering.pop(sock, None)
        try:
            self.poller.unregister(sock)
        except (KeyError, ValueError, OSError):
            pass
        sock.close()

    # ------------------------------------------------------------------ deadlines, every turn of the loop

    def murder_pending(self) -> None:
        super().murder_pending()
        now = time.monotonic()
        for conn in [c for c in self.incoming if c.deadline <= now]:
            self._drop(conn, TIMED_OUT, "timed out")
        while self.lingering:
            sock, (deadline, _) = next(iter(self.lingering.items()))
            if deadline > now:
                break
            self._end_linger(sock)
        if now >= self.next_report and any(self.dropped.values()):
            self.log.warning("tadoru serve: answered 408 to %d requests that did not arrive in time and %d "
                             "incomplete ones dropped for newer ones (worker %d, since the last such line)",
                             self.dropped["timed out"], self.dropped["crowded out"], self.pid)
            self.dropped = dict.fromkeys(self.dropped, 0)
            self.next_report = now + REPORT_SECONDS


def configure(max_body: int = DEFAULT_MAX_BODY,
              memory_ceiling: int | None = DEFAULT_MAX_WORKER_MEMORY) -> type[TadoruWorker]:
    """The worker class for one service (gunicorn takes a class as ``worker_class``)."""
    return type("TadoruWorker", (TadoruWorker,), {"max_body": max_body, "memory_ceiling": memory_ceiling})


# ---------------------------------------------------------------------- the memory ceiling


def _thread_stack() -> int:
    soft = resource.getrlimit(resource.RLIMIT_STACK)[0]
    return soft if soft != resource.RLIM_INFINITY and soft > 0 else 8 * 1024 * 1024


def apply_memory_ceiling(limit: int, threads: int) -> str | None:
    """Cap this worker's memory at ``limit`` bytes (``TADORU_MAX_WORKER_MEMORY``); a message if it cannot run under it.

    ``RLIMIT_DATA``, not ``RLIMIT_AS``.  Measured with the lexicon, spaCy, numpy and 20 threads
    loaded, a worker maps 1.6 GB of address space (``VmSize``) while using about 330 MB: thread
    stacks and malloc arenas reserve address space they never touch, so an address-space limit
    of 1.5 GiB would fail at rest.  ``RLIMIT_DATA`` (Linux ≥ 4.7) counts private writable
    mappings — the heap, anonymous ``mmap``, the threads' stacks (8 MiB each, reserved) and the
    pages shared copy-on-write with the master (about 170 MiB) — that is, what the worker could
    really come to hold.  An allocation past it fails: Python raises ``MemoryError``, lxml an
    ``XMLSyntaxError`` (``ERR_NO_MEMORY``), a C extension at worst a ``SystemError``;
    ``errors.py`` answers each with 503 ``out_of_memory``, the request's memory is freed as it
    unwinds, and the worker serves on.  A native library that aborts on a failed allocation
    would end the worker instead; the master replaces it.
    """
    _soft, hard = resource.getrlimit(resource.RLIMIT_DATA)
    if hard != resource.RLIM_INFINITY:
        limit = min(limit, hard)
    need = mapped_data() + threads * _thread_stack() + MEMORY_HEADROOM
    if limit < need:
        mib = 1024 * 1024
        return (f"TADORU_MAX_WORKER_MEMORY={limit // mib} MiB is less than a worker needs at rest "
                f"({need // mib} MiB with its {threads} threads); raise it, or set it to off")
    resource.setrlimit(resource.RLIMIT_DATA, (limit, hard))
    return None
