"""The service's settings, read from ``TADORU_*`` environment variables.

One place reads the environment so the command line, the application factory and the tests
agree on names and defaults.  A bad value is a ``ConfigError`` naming the variable, never a
traceback: ``tadoru serve`` prints it and exits with status 2.

=======================  ===============================================  ==================
variable                 meaning                                          default
=======================  ===============================================  ==================
``TADORU_HOST``          address ``tadoru serve`` binds                   ``127.0.0.1``
``TADORU_PORT``          port ``tadoru serve`` binds                      ``8765``
``TADORU_WORKERS``       worker processes (annotation is CPU-bound)       number of cores
``TADORU_MAX_BODY``      largest request body in bytes (``5MiB``, ``1e6``) ``5 MiB``
``TADORU_MAX_PDF``       largest PDF ``POST /api/v1/annotate-pdf`` takes   ``50 MiB``
``TADORU_CORS_ORIGINS``  extra origins allowed to call ``/api/`` (comma-  none (extensions
                         separated, e.g. ``https://example.org``)         are always allowed)
``TADORU_LEXICON_PATH``  extra lexicon folders (read by the core)         none
``TADORU_TOKEN``         a secret every ``/api/`` call must send as        none (no token)
                         ``Authorization: Bearer``; the pages ask for it
``TADORU_TOKEN_FILE``    a file holding that secret (keeps it out of the   none
                         environment); set one of the two, not both
``TADORU_MAX_PENDING``   annotation requests one worker holds at once,     16
                         running or waiting; more answer 503 at once
``TADORU_MAX_WAIT``      seconds a request may wait for its turn before    10
                         it answers 503 (with ``Retry-After``)
=======================  ===============================================  ==================

``TADORU_MAX_WORKER_MEMORY`` is the memory one worker process may map, in MiB, or with a unit
(``2GiB``), or ``off``; default 1536 (1.5 GiB).  A request that needs more answers 503
``out_of_memory`` and the worker goes on serving (``tadoru.service.worker``).
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8765
DEFAULT_MAX_BODY = 5 * 1024 * 1024
#: Papers with figures run to tens of megabytes; the PDF route has its own cap (issue 13).
DEFAULT_MAX_PDF = 50 * 1024 * 1024
#: 16 concurrent readers are normal load even when every one lands on the same worker.
DEFAULT_MAX_PENDING = 16
DEFAULT_MAX_WAIT = 10.0
#: The per-worker memory ceiling (docs/RELIABILITY.md): what the service/worker.py module applies.
DEFAULT_MAX_WORKER_MEMORY = 1536 * 1024 * 1024
#: Below this a worker cannot even hold the lexicon, its threads and one request.
MIN_WORKER_MEMORY = 256 * 1024 * 1024
MIN_TOKEN_LENGTH = 16
MAX_TOKEN_LENGTH = 512
LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "::1", "[::1]"})

_SIZE = re.compile(r"^\s*(\d+(?:\.\d+)?(?:e\d+)?)\s*([kmg]i?b?|b)?\s*$", re.IGNORECASE)
_SIZE_UNITS = {"": 1, "b": 1, "k": 1000, "kb": 1000, "ki": 1024, "kib": 1024, "m": 1000**2, "mb": 1000**2,
               "mi": 1024**2, "mib": 1024**2, "g": 1000**3, "gb": 1000**3, "gi": 1024**3, "gib": 1024**3}
_ORIGIN = re.compile(r"^[a-z][a-z0-9+.-]*://[^/\s]+$", re.IGNORECASE)
_TOKEN = re.compile(r"^[\x21-\x7e]+$")  # visible ASCII: what an HTTP header carries unchanged
TOKEN_ADVICE = "make one with: python -c 'import secrets; print(secrets.token_urlsafe(32))'"


class ConfigError(ValueError):
    """A ``TADORU_*`` variable holds a value the service cannot use."""


def default_workers() -> int:
    """One worker per core this process may run on: annotation is CPU-bound."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):  # pragma: no cover - not Linux
        return max(1, os.cpu_count() or 1)


@dataclass(frozen=True, slots=True)
class Settings:
    host: str = DEFAULT_HOST
    port: int = DEFAULT_PORT
    workers: int = field(default_factory=default_workers)
    max_body: int = DEFAULT_MAX_BODY
    max_pdf: int = DEFAULT_MAX_PDF
    cors_origins: tuple[str, ...] = ()
    #: The bearer token the API requires, or None. Kept out of ``repr`` so it never reaches a log.
    token: str | None = field(default=None, repr=False)
    max_pending: int = DEFAULT_MAX_PENDING
    max_wait: float = DEFAULT_MAX_WAIT
    #: Host names the service answers to besides the address it is bound to (TADORU_ALLOWED_HOSTS).
    allowed_hosts: tuple[str, ...] = ()
    #: Bytes of memory one worker process may map (TADORU_MAX_WORKER_MEMORY), or None for no ceiling.
    max_worker_memory: int | None = DEFAULT_MAX_WORKER_MEMORY

    @property
    def loopback(self) -> bool:
        return self.host in LOOPBACK_HOSTS or self.host.startswith("127.")


def parse_size(raw: str, name: str = "TADORU_MAX_BODY") -> int:
    """``"5242880"``, ``"5MiB"``, ``"500kb"`` → bytes."""
    m = _SIZE.match(raw)
    if not m:
        raise ConfigError(f"{name}={raw!r}: expected a size in bytes such as 5242880, 500KiB or 5MiB")
    value = float(m.group(1)) * _SIZE_UNITS[(m.group(2) or "").lower()]
    if value < 1:
        raise ConfigError(f"{name}={raw!r}: must be at least 1 byte")
    return int(value)


def _int(raw: str, name: str, lo: int, hi: int) -> int:
    try:
        value = int(raw.strip())
    except ValueError:
        raise ConfigError(f"{name}={raw!r}: expected a whole number") from None
    if not lo <= value <= hi:
        raise ConfigError(f"{name}={raw!r}: must be between {lo} and {hi}")
    return value


def parse_origins(raw: str, name: str = "TADORU_CORS_ORIGINS") -> tuple[str, ...]:
    """Comma- or space-separated origins (``scheme://host[:port]``, no path)."""
    origins = [o.strip().rstrip("/") for o in re.split(r"[,\s]+", raw) if o.strip()]
    for origin in origins:
        if origin != "*" and not _ORIGIN.match(origin):
            raise ConfigError(f"{name}: {origin!r} is not an origin (expected scheme://host[:port])")
        if origin == "*":
            raise ConfigError(f"{name}: '*' is not allowed; list the origins that may call the API")
    return tuple(origins)


def parse_token(raw: str, name: str = "TADORU_TOKEN") -> str:
    """A bearer token: 16–512 visible ASCII characters (never echoed back in the message)."""
    token = raw.strip()
    if not _TOKEN.match(token):
        raise ConfigError(f"{name}: the token must be visible ASCII characters without spaces; {TOKEN_ADVICE}")
    if not MIN_TOKEN_LENGTH <= len(token) <= MAX_TOKEN_LENGTH:
        raise ConfigError(f"{name}: the token must be {MIN_TOKEN_LENGTH} to {MAX_TOKEN_LENGTH} characters long "
                          f"(got {len(token)}); {TOKEN_ADVICE}")
    return token


def read_token_file(path: str, name: str = "TADORU_TOKEN_FILE") -> str:
    """The token stored in a file (its first line, surrounding white space dropped)."""
    try:
        with open(path, encoding="utf-8") as f:
            text = f.read(MAX_TOKEN_LENGTH * 4)
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else type(exc).__name__
        raise ConfigError(f"{name}={path!r}: cannot read the token file: {reason}") from None
    lines = text.strip().splitlines()
    return parse_token(lines[0] if lines else "", f"{name} ({path})")


def parse_memory(raw: str, name: str = "TADORU_MAX_WORKER_MEMORY") -> int | None:
    """``"1536"`` (MiB), ``"2GiB"``, ``"off"`` → bytes, or None for no ceiling."""
    text = raw.strip().lower()
    if text in ("off", "none", "0"):
        return None
    value = int(text) * 1024 * 1024 if text.isdigit() else parse_size(raw, name)
    if value < MIN_WORKER_MEMORY:
        raise ConfigError(f"{name}={raw!r}: must be at least {MIN_WORKER_MEMORY // (1024 * 1024)} MiB "
                          "(a bare number is MiB), or off")
    return value


def _seconds(raw: str, name: str, lo: float, hi: float) -> float:
    try:
        value = float(raw.strip().removesuffix("s"))
    except ValueError:
        raise ConfigError(f"{name}={raw!r}: expected a number of seconds") from None
    if not lo <= value <= hi:
        raise ConfigError(f"{name}={raw!r}: must be between {lo:g} and {hi:g} seconds")
    return value


def token_from_env(environ: Mapping[str, str] | None = None) -> str | None:
    """The token from ``TADORU_TOKEN`` or ``TADORU_TOKEN_FILE``, or None.

    Shared by the service (which requires it) and ``tadoru annotate --server`` (which sends it),
    so one variable set in a shell serves both ends.
    """
    env = os.environ if environ is None else environ
    token, token_file = (env.get(name, "").strip() or None for name in ("TADORU_TOKEN", "TADORU_TOKEN_FILE"))
    if token is not None and token_file is not None:
        raise ConfigError("TADORU_TOKEN and TADORU_TOKEN_FILE are both set; set one of them")
    if token is not None:
        return parse_token(token)
    if token_file is not None:
        return read_token_file(token_file)
    return None


def from_env(environ: Mapping[str, str] | None = None) -> Settings:
    """Settings from ``TADORU_*`` variables (unset or empty variables keep the defaults)."""
    env = os.environ if environ is None else environ

    def get(name: str) -> str | None:
        value = env.get(name)
        return value if value is not None and value.strip() else None

    kwargs: dict[str, object] = {}
    if (v := get("TADORU_HOST")) is not None:
        kwargs["host"] = v.strip()
    if (v := get("TADORU_PORT")) is not None:
        kwargs["port"] = _int(v, "TADORU_PORT", 0, 65535)
    if (v := get("TADORU_WORKERS")) is not None:
        kwargs["workers"] = _int(v, "TADORU_WORKERS", 1, 64)
    if (v := get("TADORU_MAX_BODY")) is not None:
        kwargs["max_body"] = parse_size(v)
    if (v := get("TADORU_MAX_PDF")) is not None:
        kwargs["max_pdf"] = parse_size(v, "TADORU_MAX_PDF")
    if (v := get("TADORU_CORS_ORIGINS")) is not None:
        kwargs["cors_origins"] = parse_origins(v)
    if (v := token_from_env(env)) is not None:
        kwargs["token"] = v
    if (v := get("TADORU_MAX_PENDING")) is not None:
        kwargs["max_pending"] = _int(v, "TADORU_MAX_PENDING", 1, 10_000)
    if (v := get("TADORU_MAX_WAIT")) is not None:
        kwargs["max_wait"] = _seconds(v, "TADORU_MAX_WAIT", 0.1, 3600)
    if (v := get("TADORU_ALLOWED_HOSTS")) is not None:
        kwargs["allowed_hosts"] = tuple(h.strip().lower() for h in v.split(",") if h.strip())
    if (v := get("TADORU_MAX_WORKER_MEMORY")) is not None:
        kwargs["max_worker_memory"] = parse_memory(v)
    return Settings(**kwargs)  # type: ignore[arg-type]
