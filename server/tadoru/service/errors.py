"""Every error the service answers, in one place.

Under ``/api/`` an error is always ``{"error": {"code": "...", "message": "..."}}`` with a
stable, documented ``code`` (clients branch on it); the web pages get a friendly HTML page in
the reader's language instead.  Whatever goes wrong — bad input, an unknown route, a bug — the
client never sees a stack trace.

A request that runs its worker out of memory (the ceiling ``TADORU_MAX_WORKER_MEMORY``, see
``tadoru.service.worker``) answers 503 ``out_of_memory``; the worker serves on.  A failed
allocation does not always surface as ``MemoryError``: lxml raises ``XMLSyntaxError`` with
``ERR_NO_MEMORY`` in its log, and a C extension (pyahocorasick, measured) may return an error
without setting one, which Python reports as ``SystemError``; one raised while the worker maps
¾ of its ceiling or more is taken as running out of memory too.
"""

from __future__ import annotations

import logging
import resource
import traceback
from typing import Any

from flask import Flask, Response, jsonify, render_template, request
from werkzeug.exceptions import HTTPException, RequestEntityTooLarge

log = logging.getLogger("tadoru.errors")

#: The ``code`` of each HTTP status the service can answer with (docs/ARCHITECTURE.md, "Error shape"); views may pick a
#: more precise code (``unknown_term``, ``invalid_json``…) through ``ApiError``.
STATUS_CODES: dict[int, str] = {
    400: "bad_request",
    401: "unauthorized",
    404: "not_found",
    405: "method_not_allowed",
    406: "not_acceptable",
    408: "request_timeout",
    411: "length_required",
    413: "payload_too_large",
    414: "uri_too_long",
    415: "unsupported_media_type",
    421: "misdirected_request",
    422: "invalid_request",
    429: "too_many_requests",
    431: "request_header_fields_too_large",
    500: "internal_error",
    501: "not_implemented",
    503: "unavailable",
}

#: Bytes of an oversized body read (and dropped) before answering 413.  Closing a socket with
#: unread data makes the kernel reset the connection, and the client may then lose the 413
#: response itself; reading the rest first lets it arrive.
DRAIN_LIMIT = 64 * 1024 * 1024

OUT_OF_MEMORY_MESSAGE = ("the request needs more memory than one worker of the service may use "
                         "(TADORU_MAX_WORKER_MEMORY); send less at once")


class ApiError(Exception):
    """An error with its HTTP status, stable code and a message written for the caller."""

    def __init__(self, status: int, code: str, message: str, *, headers: dict[str, str] | None = None,
                 **details: Any) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.headers = dict(headers or {})  # e.g. Retry-After, WWW-Authenticate
        self.details = details


def is_api_request() -> bool:
    return request.path == "/api" or request.path.startswith("/api/")


def error_response(status: int, code: str, message: str, headers: Any = None, **details: Any) -> Response:
    body: dict[str, Any] = {"code": code, "message": message}
    body.update(details)
    response = jsonify({"error": body})
    response.status_code = status
    if headers:
        for name, value in dict(headers).items():
            if name.lower() not in ("content-type", "content-length"):
                response.headers[name] = value
    return response


def _http_message(exc: HTTPException) -> str:
    if isinstance(exc, RequestEntityTooLarge):
        limit = request.max_content_length  # the route's own cap (a PDF's is larger)
        return f"the request body is larger than the service accepts ({limit} bytes)" if limit else "the request body is too large"
    if exc.code == 405:
        allowed = exc.get_response().headers.get("Allow", "")
        return f"{request.method} is not allowed here" + (f" (allowed: {allowed})" if allowed else "")
    if exc.code == 404:
        return f"no such resource: {request.path}"
    description = exc.description or exc.name
    # Werkzeug's descriptions are written for browsers ("The browser (or proxy) sent…").
    return " ".join(str(description).split())


def drain_body() -> None:
    """Read what is left of the request body so the error response reaches the client."""
    stream = request.environ.get("wsgi.input")
    if stream is None:
        return
    drained = 0
    try:
        while drained < DRAIN_LIMIT:
            chunk = stream.read(65536)
            if not chunk:
                break
            drained += len(chunk)
    except Exception as exc:  # noqa: BLE001 - a broken connection is the client's business
        log.debug("could not drain the request body: %s", exc)


def mapped_data() -> int:
    """Bytes of private writable memory this process maps now (``VmData``, what ``RLIMIT_DATA`` counts), 0 where
    unknown."""
    try:
        with open("/proc/self/status", encoding="ascii") as f:
            for line in f:
                if line.startswith("VmData:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    return 0


def near_memory_ceiling() -> bool:
    """True when this process runs under a memory ceiling (``RLIMIT_DATA``) and maps ¾ of it or more."""
    limit = resource.getrlimit(resource.RLIMIT_DATA)[0]
    return limit != resource.RLIM_INFINITY and mapped_data() >= limit * 3 // 4


def _lxml_out_of_memory(exc: BaseException) -> bool:
    """lxml reports a failed allocation as a parse error with ``ERR_NO_MEMORY`` in its error log."""
    try:
        return any(getattr(entry, "type_name", "") == "ERR_NO_MEMORY" for entry in getattr(exc, "error_log", ()))
    except Exception:  # noqa: BLE001 - an error log we cannot read is not evidence
        return False


def is_out_of_memory(exc: BaseException) -> bool:
    """Whether ``exc`` (or what it was raised from or during) is a failed allocation."""
    seen = 0
    current: BaseException | None = exc
    while current is not None and seen < 10:
        if isinstance(current, MemoryError):
            return True
        if isinstance(current, SystemError) and near_memory_ceiling():
            return True
        if _lxml_out_of_memory(current):
            return True
        current = current.__cause__ or current.__context__
        seen += 1
    return False


def _html_error(status: int, code: str, message: str) -> Response:
    from tadoru.service.i18n import page_context

    try:
        body = render_template("error.html", status=status, code=code, message=message, **page_context())
    except Exception:
        log.exception("rendering the error page failed")
        body = f"<!doctype html><title>{status}</title><h1>{status}</h1>"
    return Response(body, status=status, mimetype="text/html")


def register(app: Flask) -> None:
    """Install the handlers on ``app``; call once from the application factory."""

    @app.errorhandler(ApiError)
    def _api_error(exc: ApiError) -> Response:
        if is_api_request():
            return error_response(exc.status, exc.code, exc.message, headers=exc.headers, **exc.details)
        response = _html_error(exc.status, exc.code, exc.message)
        for name, value in exc.headers.items():
            response.headers[name] = value
        return response

    @app.errorhandler(HTTPException)
    def _http_error(exc: HTTPException) -> Response:
        status = exc.code or 500
        code = STATUS_CODES.get(status, (exc.name or "error").lower().replace(" ", "_"))
        if isinstance(exc, RequestEntityTooLarge):
            drain_body()
        message = _http_message(exc)
        if is_api_request():
            return error_response(status, code, message, headers=exc.get_response().headers)
        response = _html_error(status, code, message)
        allow = exc.get_response().headers.get("Allow")
        if allow:
            response.headers["Allow"] = allow
        return response

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception) -> Response:
        if is_out_of_memory(exc):
            if exc.__traceback__ is not None:
                traceback.clear_frames(exc.__traceback__)  # free the request's memory before answering
            log.warning("out of memory on %s %s (%s): answered 503 out_of_memory", request.method, request.path,
                        type(exc).__name__)
            if is_api_request():
                return error_response(503, "out_of_memory", OUT_OF_MEMORY_MESSAGE)
            return _html_error(503, "out_of_memory", OUT_OF_MEMORY_MESSAGE)
        if isinstance(exc, TimeoutError):
            # Only the request body is read from a socket here (tadoru.service.worker bounds that read).
            log.warning("%s %s: the request body did not arrive in time", request.method, request.path)
            message = "the request body did not arrive in time"
            return error_response(408, "request_timeout", message) if is_api_request() else \
                _html_error(408, "request_timeout", message)
        # A bug: log it with its traceback for the operator, tell the client nothing internal.
        log.exception("unhandled error on %s %s", request.method, request.path)
        message = "the service failed to handle this request; the error has been logged"
        if is_api_request():
            return error_response(500, "internal_error", message)
        return _html_error(500, "internal_error", message)
