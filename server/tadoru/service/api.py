"""HTTP API v1 (docs/ARCHITECTURE.md): annotate (text, pages, PDFs), term cards, search, traces, health, the OpenAPI document.

Views only check input and shape output; the annotator does the work.  Every bad input is an
``ApiError`` with a stable code (see ``openapi.py`` for the list) — never a 500.
"""

from __future__ import annotations

import json
import re
from typing import Any

from flask import Blueprint, Response, current_app, jsonify, request
from werkzeug.exceptions import RequestEntityTooLarge

from tadoru.annotate import Annotated, quote_context
from tadoru.discover import Candidate, annotate_for_reader
from tadoru.lexicon.placement import PASS_SHARE, place, placement_terms
from tadoru.options import MAX_NAME, MAX_QUERY, SEARCH_LIMIT_DEFAULT, SEARCH_LIMIT_MAX, OptionError, ReaderOptions
from tadoru.service.auth import auth_state
from tadoru.service.errors import ApiError
from tadoru.service.state import state
from tadoru.text.normalize import TextTooLong
from tadoru.text.visible import HtmlTooDeep
from tadoru.version import __version__

bp = Blueprint("api", __name__, url_prefix="/api/v1")

ANNOTATE_FIELDS = ("text", "html", *ReaderOptions.FIELDS)
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")
HEALTH_PROBLEMS_SHOWN = 20


# --------------------------------------------------------------------------- input helpers


def json_body() -> Any:
    """The request's JSON document, or the precise reason there is none."""
    mimetype = request.mimetype or ""
    if mimetype != "application/json" and not (mimetype.startswith("application/") and mimetype.endswith("+json")):
        shown = request.content_type or "none"
        raise ApiError(415, "unsupported_media_type", f"send JSON with Content-Type: application/json (got {shown})")
    raw = request.get_data(cache=False)  # raises 413 past MAX_CONTENT_LENGTH
    limit = current_app.config.get("MAX_CONTENT_LENGTH")
    # A chunked body (no Content-Length) is cut at the limit rather than refused: is there more?
    if (request.content_length is None and limit is not None and len(raw) >= limit
            and request.environ["wsgi.input"].read(1)):
        raise RequestEntityTooLarge()
    if not raw.strip():
        raise ApiError(400, "invalid_json", "the request body is empty; send a JSON object")
    try:
        return json.loads(raw)
    except UnicodeDecodeError:
        raise ApiError(400, "invalid_json", "the request body is not UTF-8 text") from None
    except json.JSONDecodeError as exc:
        raise ApiError(400, "invalid_json", f"malformed JSON at line {exc.lineno}, column {exc.colno}: {exc.msg}") from None
    except RecursionError:
        raise ApiError(400, "invalid_json", "the JSON document is nested too deeply") from None
    except ValueError as exc:  # e.g. an integer past CPython's 4,300-digit conversion limit
        raise ApiError(400, "invalid_json", f"the JSON document cannot be read: {str(exc)[:120]}") from None


def _type_name(value: Any) -> str:
    return {dict: "object", list: "array", str: "string", bool: "boolean", int: "integer", float: "number",
            type(None): "null"}.get(type(value), type(value).__name__)


def _invalid(field: str, message: str) -> ApiError:
    return ApiError(422, "invalid_field", f"{field}: {message}", field=field)


def reader_options(values: dict[str, Any]) -> ReaderOptions:
    """The reader options of a JSON body; a bad one is a 422 naming its field."""
    try:
        return ReaderOptions.parse(values)
    except OptionError as exc:
        raise ApiError(422, exc.code, str(exc), field=exc.field) from None


def known_param() -> tuple[str, ...]:
    """``?known=a,b`` (and/or repeated ``known=``) → names, refused past the same limit as the body's."""
    try:
        return ReaderOptions.from_query({}, getlist=request.args.getlist).known
    except OptionError as exc:
        raise ApiError(400, "invalid_parameter", str(exc), field=exc.field) from None


def _int_param(name: str, default: int, lo: int, hi: int) -> int:
    raw = request.args.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ApiError(400, "invalid_parameter", f"{name} must be a whole number (got {raw[:40]!r})", field=name) from None
    if not lo <= value <= hi:
        raise ApiError(400, "invalid_parameter", f"{name} must be between {lo} and {hi} (got {value})", field=name)
    return value


def unknown_term(name: str) -> ApiError:
    lexicon = state().lexicon
    suggestions = [c.id for c in lexicon.search(name[:MAX_QUERY], limit=5)] if name.strip() else []
    hint = f" (did you mean: {', '.join(suggestions)}?)" if suggestions else ""
    return ApiError(404, "unknown_term", f"no term with id {name[:MAX_NAME]!r}{hint}", suggestions=suggestions)


def candidate_items(text: str, candidates: list[Candidate], terms: dict[str, dict[str, Any]]) -> list[dict[str, Any]]:
    """The answer's ``candidates``, anchored as annotations are; a head concept's card joins ``terms``
    (the candidate's card traces to it)."""
    items = []
    for c in candidates:
        item = c.to_dict()
        item["prefix"], item["suffix"] = quote_context(text, c.start, c.end)
        items.append(item)
        if c.head is not None and c.head not in terms:
            terms[c.head] = state().card(c.head)
    return items


# --------------------------------------------------------------------------- routes


@bp.post("/annotate")
def annotate() -> Response:
    """Annotate plain text or a whole page; the answer carries the cards of the terms found."""
    body = json_body()
    if not isinstance(body, dict):
        raise ApiError(422, "invalid_request", f"the body must be a JSON object, not {_type_name(body)}")
    unknown = sorted(k for k in body if k not in ANNOTATE_FIELDS)
    if unknown:
        raise ApiError(422, "unknown_field", f"unknown field(s): {', '.join(unknown)[:200]} "
                       f"(allowed: {', '.join(ANNOTATE_FIELDS)})", field=unknown[0])
    for name in ("text", "html"):
        if name in body and body[name] is None:  # unlike the options, the input has no default
            raise _invalid(name, "must be a string, not null (leave the field out instead)")
    text, html = body.get("text"), body.get("html")
    if text is not None and html is not None:
        raise ApiError(422, "conflicting_input", "give either text or html, not both")
    if text is None and html is None:
        raise ApiError(422, "missing_input", "give the text to annotate as text (plain text) or html (a page)")
    field = "text" if text is not None else "html"
    value = text if text is not None else html
    if not isinstance(value, str):
        raise _invalid(field, f"must be a string, not {_type_name(value)}")
    options = reader_options(body)
    # JSON may spell lone surrogates ("\\ud800"); they cannot be encoded in the answer. U+FFFD
    # takes the same single code point, so offsets are unchanged.
    value = _LONE_SURROGATE.sub("\ufffd", value)
    if text is not None:
        text = value
    else:
        html = value

    annotator = state().annotator

    def run(opts: ReaderOptions) -> Annotated:
        return annotator.annotate_text(text, opts) if text is not None else annotator.annotate_html(html, opts)

    try:
        result, candidates = annotate_for_reader(run, annotator, options)
    except HtmlTooDeep as exc:
        raise ApiError(422, "html_too_deep", f"html: {exc}", field="html") from None
    except TextTooLong as exc:
        raise ApiError(413, "text_too_long", f"{field}: {exc}", field=field) from None
    text, annotations, lang = result.text, result.annotations, result.lang

    items: list[dict[str, Any]] = []
    terms: dict[str, dict[str, Any]] = {}
    for a in annotations:
        item = a.to_dict()
        item["prefix"], item["suffix"] = quote_context(text, a.start, a.end)
        items.append(item)
        if a.term not in terms:
            terms[a.term] = state().card(a.term)
    answer: dict[str, Any] = {"lang": lang, "annotations": items, "terms": terms, "known_found": result.known_found}
    if options.discover:
        answer["candidates"] = candidate_items(text, candidates, terms)
    if result.truncated_at is not None:
        answer["truncated_at"] = result.truncated_at
        answer["warnings"] = ["truncated"]
    return jsonify(answer)


@bp.post("/annotate-pdf")
def annotate_pdf() -> Response:
    """Annotate a PDF sent as the body; each annotation carries its page and the boxes to draw.

    The reader options come as query parameters (the body is the PDF).  The service never
    fetches a URL for a PDF: the extension or the page that has the bytes sends them.
    """
    from tadoru.pdf import InvalidPdf, PdfEncrypted, PdfTooComplex, PdfTooLong
    from tadoru.pdf import annotate_pdf as annotate_document

    if (request.mimetype or "") != "application/pdf":
        shown = request.content_type or "none"
        raise ApiError(415, "unsupported_media_type", f"send the PDF's bytes with Content-Type: application/pdf (got {shown})")
    try:
        options = ReaderOptions.from_query(request.args, getlist=request.args.getlist)
    except OptionError as exc:
        raise ApiError(400, "invalid_parameter", str(exc), field=exc.field) from None
    data = request.get_data()  # 413 past TADORU_MAX_PDF (app._body_cap); the capacity gate read it already
    if not data:
        raise ApiError(422, "invalid_pdf", "the request body is empty; send the PDF's bytes")
    try:
        result = annotate_document(state().annotator, data, options, isolated=True)
    except PdfEncrypted as exc:
        raise ApiError(422, "pdf_encrypted", f"{exc}; Tadoru cannot read an encrypted PDF") from None
    except PdfTooLong as exc:
        raise ApiError(422, "pdf_too_long", str(exc)) from None
    except PdfTooComplex as exc:
        raise ApiError(422, "pdf_too_complex", f"Tadoru stopped reading this PDF: {exc}") from None
    except InvalidPdf as exc:
        raise ApiError(422, "invalid_pdf", f"not a readable PDF: {exc}") from None
    except TextTooLong as exc:
        raise ApiError(413, "text_too_long", f"the PDF's text: {exc}") from None
    answer = result.to_json()
    answer["terms"] = {a.annotation.term: state().card(a.annotation.term) for a in result.annotations}
    for c in result.candidates or ():
        if c.candidate.head is not None and c.candidate.head not in answer["terms"]:
            answer["terms"][c.candidate.head] = state().card(c.candidate.head)
    return jsonify(answer)


@bp.get("/terms/<term_id>")
def term(term_id: str) -> Response:
    """One concept's card."""
    if term_id not in state().lexicon:
        raise unknown_term(term_id)
    return jsonify(state().card(term_id))


@bp.get("/terms")
def search() -> Response:
    """Labels in both languages matching ``q``, best first (``Lexicon.search``); all terms without ``q``."""
    q = request.args.get("q", "")
    if len(q) > MAX_QUERY:
        raise ApiError(400, "invalid_parameter", f"q: at most {MAX_QUERY} characters", field="q")
    limit = _int_param("limit", SEARCH_LIMIT_DEFAULT, 1, SEARCH_LIMIT_MAX)
    lexicon = state().lexicon
    if q.strip():
        found = [c.id for c in lexicon.search(q, limit=len(lexicon))]
    else:
        found = sorted(lexicon.concepts)
    return jsonify({"query": q, "total": len(found), "results": [state().card(cid) for cid in found[:limit]]})


def trace_document(term_id: str, known: list[str]) -> dict[str, Any]:
    """The learning path to a term and its graph (shared by the API and the term pages).

    ``trace_payload`` (shared with ``tadoru trace --json``) plus the known ids that were
    recognised and each node's category.
    """
    from tadoru.lexicon.trace import trace_payload

    st = state()
    lexicon = st.lexicon
    known_ids = sorted(st.annotator.resolve_known(known))
    payload = trace_payload(lexicon, term_id, known_ids)
    for node in payload["graph"]["nodes"]:
        node.setdefault("category", lexicon[node["id"]].category)
    return {"term": payload["term"], "known": known_ids, "path": payload["path"], "graph": payload["graph"]}


@bp.get("/trace/<term_id>")
def trace(term_id: str) -> Response:
    """The learning path to a term: its deeper closure, prerequisites first, minus what is known."""
    if term_id not in state().lexicon:
        raise unknown_term(term_id)
    return jsonify(trace_document(term_id, known_param()))


@bp.get("/placement")
def placement() -> Response:
    """The placement's questions (``tadoru.lexicon.placement``): the cards a new reader is asked
    about, easiest level first."""
    return jsonify({"terms": [state().card(cid) for cid in placement_terms(state().lexicon)],
                    "pass_share": PASS_SHARE})


@bp.post("/placement")
def placement_result() -> Response:
    """The reader's level and known list from the placement terms they can explain."""
    body = json_body()
    if not isinstance(body, dict):
        raise ApiError(422, "invalid_request", f"the body must be a JSON object, not {_type_name(body)}")
    unknown = sorted(k for k in body if k != "can_explain")
    if unknown:
        raise ApiError(422, "unknown_field", f"unknown field(s): {', '.join(unknown)[:200]} (allowed: can_explain)",
                       field=unknown[0])
    ids = body.get("can_explain", [])
    if not isinstance(ids, list) or len(ids) > 1000 or not all(isinstance(x, str) and len(x) <= MAX_NAME for x in ids):
        raise _invalid("can_explain", "must be an array of at most 1,000 term ids")
    result = place(state().lexicon, ids)
    return jsonify({"level": result.level, "known": result.known})


@bp.get("/health")
def health() -> Response:
    """Is the service up, and how is its lexicon? Problems are listed, not fatal."""
    lexicon = state().lexicon
    errors = sum(p.severity == "error" for p in lexicon.problems)
    status = "ok" if len(lexicon) else "degraded"
    auth = auth_state()  # "invalid" never gets here: a wrong token is refused before
    # Problems name local files: with a token set, only a client that sent it sees them.
    problems = [str(p) for p in lexicon.problems[:HEALTH_PROBLEMS_SHOWN]] if auth != "required" else []
    response = jsonify({
        "status": status,
        "version": __version__,
        "auth": auth,
        "lexicon": {
            "concepts": len(lexicon),
            "fingerprint": lexicon.fingerprint,
            "files": len(lexicon.sources),
            "errors": errors,
            "warnings": len(lexicon.problems) - errors,
            "problems": problems,
        },
    })
    if status != "ok":
        response.status_code = 503
    return response


@bp.get("/openapi.json")
def openapi() -> Response:
    """The OpenAPI 3.1 document describing this API."""
    from tadoru.service.openapi import openapi_document

    return jsonify(openapi_document())
