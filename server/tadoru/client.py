"""The one HTTP client to a Tadoru service (batch ``--server``, tests, benchmarks).

It speaks API v1 exactly as ``docs/ARCHITECTURE.md`` describes it — one answer shape per route,
errors as ``{"error": {"code", "message"}}`` — and says what went wrong in one ``ClientError``
instead of a traceback. Connections refused and 502/503/504 answers are retried twice; the
service token (``TADORU_TOKEN`` / ``TADORU_TOKEN_FILE``) is sent when one is set.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from tadoru.config import token_from_env
from tadoru.options import SEARCH_LIMIT_MAX, ReaderOptions

#: Seconds to wait for one answer (a large page takes the service a few seconds).
TIMEOUT = 120


class ClientError(Exception):
    """The service could not be reached or gave no usable answer; ``status`` when it answered."""

    def __init__(self, message: str, status: int | None = None, code: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.status = status
        self.code = code


class TadoruClient:
    def __init__(self, base_url: str, *, token: str | None = None, session: Any = None,
                 timeout: float = TIMEOUT) -> None:
        self.base = base_url.rstrip("/")
        self.timeout = timeout
        self.session = session if session is not None else _new_session(token if token is not None else token_from_env())

    # ------------------------------------------------------------------ routes

    def health(self) -> dict[str, Any]:
        return self._object("GET", "/api/v1/health")

    def annotate(self, *, text: str | None = None, html: str | None = None,
                 options: ReaderOptions | None = None) -> dict[str, Any]:
        """``POST /api/v1/annotate``: ``{"lang", "annotations", "terms"}``."""
        body: dict[str, Any] = {"text": text} if text is not None else {"html": html}
        body.update((options or ReaderOptions()).to_json())
        if not body["discover"]:
            del body["discover"]  # a service from before candidates would refuse the field
        answer = self._object("POST", "/api/v1/annotate", json=body)
        if not isinstance(answer.get("annotations"), list) or not isinstance(answer.get("terms"), dict):
            raise ClientError("the service's answer has no annotations list")
        return answer

    def annotate_pdf(self, data: bytes, options: ReaderOptions | None = None) -> dict[str, Any]:
        """``POST /api/v1/annotate-pdf``: ``{"lang", "pages", "text", "annotations", "terms"}``."""
        opts = options or ReaderOptions()
        params = {"lang": opts.lang, "level": str(opts.level), "density": str(opts.density)}
        if opts.known:
            params["known"] = ",".join(opts.known)
        if opts.discover_kinds:
            params["discover"] = ",".join(opts.discover_kinds)
        answer = self._object("POST", "/api/v1/annotate-pdf", data=data, params=params,
                              headers={"Content-Type": "application/pdf"})
        if not isinstance(answer.get("annotations"), list) or not isinstance(answer.get("text"), str):
            raise ClientError("the service's answer has no text and annotations")
        return answer

    def card(self, concept_id: str) -> dict[str, Any] | None:
        """One term card, or ``None`` when the service has no such term."""
        try:
            card = self._object("GET", f"/api/v1/terms/{quote(concept_id, safe='')}")
        except ClientError as exc:
            if exc.status == 404:
                return None
            raise
        return card if card.get("id") == concept_id else None

    def search(self, query: str, *, limit: int = 20) -> list[dict[str, Any]]:
        answer = self._object("GET", f"/api/v1/terms?q={quote(query)}&limit={limit}")
        results = answer.get("results")
        if not isinstance(results, list):
            raise ClientError("the service's search answer has no results list")
        return [r for r in results if isinstance(r, dict)]

    def all_cards(self) -> dict[str, dict[str, Any]] | None:
        """Every card at once when the service lists its whole lexicon in one page, else ``None``."""
        answer = self._object("GET", f"/api/v1/terms?limit={SEARCH_LIMIT_MAX}")
        results = answer.get("results")
        if not isinstance(results, list) or answer.get("total") != len(results):
            return None
        return {c["id"]: c for c in results if isinstance(c, dict) and isinstance(c.get("id"), str)}

    # ------------------------------------------------------------------ plumbing

    def _object(self, method: str, path: str, **kwargs: Any) -> dict[str, Any]:
        import requests

        try:
            response = self.session.request(method, self.base + path, timeout=self.timeout, **kwargs)
        except requests.RequestException as exc:
            raise ClientError(f"cannot reach the service: {type(exc).__name__}") from None
        try:
            body = response.json()
        except ValueError:
            body = None
        if response.status_code != 200:
            error = body.get("error") if isinstance(body, dict) else None
            if isinstance(error, dict):
                raise ClientError(f"the service answered {response.status_code} ({error.get('code')}: "
                                  f"{error.get('message')})", response.status_code, str(error.get("code")))
            raise ClientError(f"the service answered {response.status_code} ({response.reason})", response.status_code)
        if not isinstance(body, dict):
            raise ClientError("the service's answer is not a JSON object")
        return body


def _new_session(token: str | None) -> Any:
    import requests
    from requests.adapters import HTTPAdapter
    from urllib3.util.retry import Retry

    session = requests.Session()
    retry = Retry(total=2, connect=2, read=0, status=2, backoff_factor=0.3, status_forcelist=(502, 503, 504),
                  allowed_methods=None, raise_on_status=False)
    session.mount("http://", HTTPAdapter(max_retries=retry))
    session.mount("https://", HTTPAdapter(max_retries=retry))
    session.headers["User-Agent"] = "tadoru-client"
    if token is not None:
        session.headers["Authorization"] = f"Bearer {token}"
    return session
