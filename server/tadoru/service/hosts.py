"""Answer only to the service's own host names: a defence against DNS rebinding.

A page on an attacker's domain can point that domain at 127.0.0.1 and then read the service as
"same origin" — unless the service refuses requests whose ``Host`` is not one of its own. Bound to
loopback (the default), the service answers to ``localhost``, ``127.x.x.x`` and ``[::1]`` on any
port, plus the names in ``TADORU_ALLOWED_HOSTS``; anything else gets ``421 Misdirected Request``.
Bound to another address, the bound address and ``TADORU_ALLOWED_HOSTS`` are the allowed names
(with neither, bound to all interfaces, every name is accepted: say which in the variable).
"""

from __future__ import annotations

import ipaddress

from flask import Flask, Response, current_app, request

from tadoru.config import Settings
from tadoru.service.errors import ApiError

LOOPBACK_NAMES = frozenset({"localhost", "::1"})


def host_name(header: str) -> str:
    """``Host`` without its port, lower case, brackets off an IPv6 address."""
    value = header.strip().lower()
    if value.startswith("["):
        return value[1:].split("]", 1)[0]
    return value.rsplit(":", 1)[0] if value.count(":") == 1 else value


def _loopback(name: str) -> bool:
    if name in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


def host_allowed(header: str, settings: Settings) -> bool:
    name = host_name(header)
    if not name:
        return False
    if name in settings.allowed_hosts or name == settings.host.strip("[]").lower():
        return True
    if settings.loopback:
        return _loopback(name)
    return settings.host in ("0.0.0.0", "::") and not settings.allowed_hosts


def _check_host() -> Response | None:
    settings: Settings = current_app.config["TADORU_SETTINGS"]
    header = request.headers.get("Host", "")
    if not host_allowed(header, settings):
        raise ApiError(421, "misdirected_request",
                       f"this service does not answer to the host {host_name(header)[:80]!r} "
                       "(set TADORU_ALLOWED_HOSTS to add a name)")
    return None


def init_app(app: Flask) -> None:
    """Install the check before every other one (a wrong host costs nothing further)."""
    app.before_request_funcs.setdefault(None, []).insert(0, _check_host)
