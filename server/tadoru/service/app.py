"""The Flask application factory: one ``Annotator`` per process, the API and the web pages.

``create_app()`` builds the annotator once (about a second: the whole lexicon is compiled) and
keeps it, with what the pages derive from it, in ``app.extensions["tadoru"]``.  Under
``tadoru serve`` the app is built in the master process before the workers fork, so the
lexicon is compiled once and its memory shared.  The service starts even when the lexicon has
problems: it serves the concepts that loaded and reports the problems at ``/api/v1/health``.
``auth.py`` (the optional token) and ``capacity.py`` (503 past capacity) hook in here too.
"""

from __future__ import annotations

import logging
import os
import re
from collections.abc import Mapping
from typing import Any

from flask import Flask, Response, current_app, request

from tadoru.config import Settings, from_env
from tadoru.lexicon import Lexicon, Problem
from tadoru.service.state import TadoruState

log = logging.getLogger("tadoru.app")

EXTENSION_ORIGIN = re.compile(r"^(chrome|moz|safari-web)-extension://[A-Za-z0-9._-]+$")

#: Sent with every page. No inline scripts or styles at all: page data travels in data-
#: attributes and ``<script type="application/json">`` blocks, which CSP does not execute.
CONTENT_SECURITY_POLICY = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
)
API_CONTENT_SECURITY_POLICY = "default-src 'none'; frame-ancestors 'none'"


def build_annotator() -> Any:
    """The annotator over the shipped lexicon (plus ``TADORU_LEXICON_PATH``).

    Loading reports bad lexicon data as problems rather than raising; should building fail
    anyway (a missing schema, say), the service still starts with an empty lexicon and says why.
    """
    from tadoru.annotate import Annotator
    from tadoru.compiled_cache import load_compiled

    try:
        # From the compiled lexicon on disk when the lexicon files are unchanged: a restart (or a
        # new instance behind a load balancer) skips a second of validating and compiling.
        return Annotator(compiled=load_compiled()[0])
    except Exception as exc:
        log.exception("could not load the lexicon")
        empty = Lexicon({}, [Problem("lexicon", None, None, f"could not load the lexicon: {exc}")], [])
        return Annotator(empty)


def create_app(config: Mapping[str, Any] | None = None, *, annotator: Any = None) -> Flask:
    """Build the service.

    ``config`` overrides the environment: ``TADORU_*`` keys as in ``tadoru.config`` (e.g.
    ``{"TADORU_MAX_BODY": 1000}``), other keys go to ``app.config`` (``TESTING``…).  Tests may
    pass an ``annotator`` to share one across apps.
    """
    config = dict(config or {})
    overrides = {k: str(v) for k, v in config.items() if k.startswith("TADORU_") and v is not None}
    settings = from_env({**os.environ, **overrides})

    app = Flask(__name__, static_folder=None)
    app.config.update({k: v for k, v in config.items() if not k.startswith("TADORU_")})
    app.config["MAX_CONTENT_LENGTH"] = settings.max_body
    app.config["MAX_FORM_MEMORY_SIZE"] = settings.max_body
    app.config["TADORU_MAX_PDF"] = settings.max_pdf  # POST /api/v1/annotate-pdf raises its own cap to this
    app.config["TADORU_SETTINGS"] = settings
    app.json.ensure_ascii = False  # type: ignore[attr-defined]  # Japanese as UTF-8, not \\uXXXX
    app.json.sort_keys = False  # type: ignore[attr-defined]
    app.jinja_env.autoescape = True  # every template, whatever its file name
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True

    app.extensions["tadoru"] = TadoruState(annotator if annotator is not None else build_annotator(), settings)

    from tadoru.service import api, auth, capacity, errors, hosts, web

    errors.register(app)
    auth.init_app(app)  # first: a request without the token costs nothing further
    app.before_request(_body_cap)  # before capacity, which reads the body
    capacity.init_app(app, settings)
    app.register_blueprint(api.bp)
    app.register_blueprint(web.bp)
    hosts.init_app(app)  # last registered, first to run: before auth and capacity
    app.after_request(_cors)
    app.after_request(_security_headers)
    return app


#: Routes whose body has a cap of its own (a config key) instead of ``MAX_CONTENT_LENGTH``.
BODY_CAPS = {"api.annotate_pdf": "TADORU_MAX_PDF"}


def _body_cap() -> None:
    """``before_request``: a PDF is not held to the JSON routes' cap (``TADORU_MAX_PDF``, 50 MiB)."""
    key = BODY_CAPS.get(request.endpoint or "")
    if key is not None:
        request.max_content_length = current_app.config[key]


def origin_allowed(origin: str, configured: tuple[str, ...]) -> bool:
    """Browser extensions, and the origins named in ``TADORU_CORS_ORIGINS``."""
    return bool(EXTENSION_ORIGIN.match(origin)) or origin.rstrip("/") in configured


def _cors(response: Response) -> Response:
    """CORS for ``/api/``: the extension and configured origins only (the pages are same-origin)."""
    if not request.path.startswith("/api/"):
        return response
    response.vary.add("Origin")
    origin = request.headers.get("Origin")
    settings: Settings = current_app.config["TADORU_SETTINGS"]
    if not origin or not origin_allowed(origin, settings.cors_origins):
        return response
    response.headers["Access-Control-Allow-Origin"] = origin
    if request.method == "OPTIONS" and request.headers.get("Access-Control-Request-Method"):
        response.headers["Access-Control-Allow-Methods"] = "GET, POST, OPTIONS"
        response.headers["Access-Control-Allow-Headers"] = "Content-Type, Accept, Authorization"
        response.headers["Access-Control-Max-Age"] = "600"
        if request.headers.get("Access-Control-Request-Private-Network") == "true":
            response.headers["Access-Control-Allow-Private-Network"] = "true"
    return response


def _security_headers(response: Response) -> Response:
    headers = response.headers
    api = request.path.startswith("/api/")
    headers.setdefault("Content-Security-Policy", API_CONTENT_SECURITY_POLICY if api else CONTENT_SECURITY_POLICY)
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("Referrer-Policy", "no-referrer")
    headers.setdefault("X-Frame-Options", "DENY")
    headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
    return response
