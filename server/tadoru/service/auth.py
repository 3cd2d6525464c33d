"""The optional service token (``TADORU_TOKEN``): who may use the API and the pages.

Without a token nothing here runs: the service is for the machine it runs on (it binds
127.0.0.1).  With one, set because the service is shared on a network:

- every ``/api/`` route needs ``Authorization: Bearer <token>`` (compared in constant time) and
  otherwise answers 401 ``unauthorized`` with ``WWW-Authenticate: Bearer``.  CORS preflights
  (``OPTIONS`` with ``Access-Control-Request-Method``) are still answered: a browser sends them
  without credentials.
- ``GET /api/v1/health`` stays open, so monitors and clients can tell "up" from "locked": it
  says ``"auth": "required"`` without a token and ``"accepted"`` with the right one, and leaves
  out the lexicon's problem list (it names local files).  A *wrong* token is refused there too.
- the web pages cannot send a bearer header, so they ask for the token once (``/token``, a
  form) and then carry a cookie: ``HttpOnly``, ``SameSite=Strict``, holding an HMAC of the token
  (not the token itself).  The pages' own calls to ``/api/`` (tooltips) go with that cookie,
  accepted only from same-origin fetches.  Static files (styles, scripts) need nothing.
"""

from __future__ import annotations

import hashlib
import hmac
from urllib.parse import urlsplit

from flask import Blueprint, Flask, Response, current_app, redirect, render_template, request

from tadoru.config import Settings
from tadoru.service.errors import ApiError, is_api_request

COOKIE = "tadoru_auth"
COOKIE_MAX_AGE = 30 * 24 * 3600
REALM = 'Bearer realm="tadoru"'
#: Reachable without the token: liveness, the token form itself, and static assets.
OPEN_PATHS = ("/api/v1/health", "/token", "/favicon.ico")
OPEN_PREFIXES = ("/static/",)
MAX_FORM_TOKEN = 1024

bp = Blueprint("auth", __name__)


def _digest(value: str) -> bytes:
    return hashlib.sha256(value.encode("utf-8", "surrogatepass")).digest()


def token_matches(given: str, token: str) -> bool:
    """Constant-time comparison (of digests, so the length does not leak either)."""
    return hmac.compare_digest(_digest(given), _digest(token))


def cookie_value(token: str) -> str:
    """What the pages' cookie holds: proof of the token, not the token."""
    return hmac.new(token.encode(), b"tadoru-web-session-v1", hashlib.sha256).hexdigest()


def configured_token() -> str | None:
    settings: Settings = current_app.config["TADORU_SETTINGS"]
    return settings.token


def bearer() -> str | None:
    """The token of an ``Authorization: Bearer`` header, "" for another scheme, None without."""
    header = request.headers.get("Authorization")
    if header is None:
        return None
    scheme, _, value = header.strip().partition(" ")
    return value.strip() if scheme.lower() == "bearer" else ""


def _cookie_ok(token: str) -> bool:
    got = request.cookies.get(COOKIE)
    return got is not None and hmac.compare_digest(got.encode("utf-8", "replace"), cookie_value(token).encode())


def auth_state() -> str:
    """``off`` (no token set), ``accepted`` (this request proves it), or ``required``."""
    token = configured_token()
    if token is None:
        return "off"
    given = bearer()
    if given is not None:
        return "accepted" if token_matches(given, token) else "invalid"
    if _cookie_ok(token):
        # From a page: same-origin fetches and navigations carry it, other sites' requests do not.
        site = request.headers.get("Sec-Fetch-Site", "same-origin")
        if not is_api_request() or site in ("same-origin", "none"):
            return "accepted"
    return "required"


def _unauthorized(invalid: bool) -> ApiError:
    if invalid:
        message = "the token sent in the Authorization header is not this service's token"
        challenge = REALM + ', error="invalid_token"'
    else:
        message = "this service needs a token: send Authorization: Bearer <token> (the service's TADORU_TOKEN)"
        challenge = REALM
    return ApiError(401, "unauthorized", message, headers={"WWW-Authenticate": challenge})


def _safe_next(raw: str | None) -> str:
    """Where to go after the form: a path on this service only (no open redirect)."""
    if not raw or not raw.startswith("/") or raw.startswith("//") or "\\" in raw:
        return "/"
    parts = urlsplit(raw)
    if parts.scheme or parts.netloc or parts.path == "/token":
        return "/"
    return raw.removesuffix("?")


def _token_page(status: int, *, wrong: bool = False) -> Response:
    from tadoru.service.i18n import page_context

    body = render_template("token.html", wrong=wrong, next=_safe_next(request.values.get("next") or request.full_path),
                           **page_context())
    response = Response(body, status=status, mimetype="text/html")
    response.headers["WWW-Authenticate"] = REALM
    response.headers["Cache-Control"] = "no-store"
    return response


def check_request() -> Response | None:
    """``before_request``: let the request through, or answer 401 (JSON for the API, a form for pages)."""
    if configured_token() is None:
        return None
    path = request.path
    if request.method == "OPTIONS" and request.headers.get("Access-Control-Request-Method"):
        return None  # a CORS preflight carries no credentials by design
    state = auth_state()
    if state == "invalid":
        raise _unauthorized(invalid=True)
    if state == "accepted" or path in OPEN_PATHS or path.startswith(OPEN_PREFIXES):
        return None
    if is_api_request():
        raise _unauthorized(invalid=False)
    return _token_page(401)


@bp.route("/token", methods=["GET", "POST"])
def token_form() -> Response:
    """The pages' way in: enter the token once; a cookie then proves it."""
    token = configured_token()
    if token is None:
        return redirect(_safe_next(request.values.get("next")), code=303)  # nothing to enter
    if request.method == "GET":
        return _token_page(200)
    given = request.form.get("token", "")[:MAX_FORM_TOKEN].strip()
    if not token_matches(given, token):
        return _token_page(401, wrong=True)
    response = redirect(_safe_next(request.form.get("next")), code=303)
    response.set_cookie(COOKIE, cookie_value(token), max_age=COOKIE_MAX_AGE, httponly=True, samesite="Strict",
                        secure=request.is_secure, path="/")
    return response


def init_app(app: Flask) -> None:
    """Install the check (before any other ``before_request``: a refused call costs nothing)."""
    app.before_request_funcs.setdefault(None, []).insert(0, check_request)
    app.register_blueprint(bp)
