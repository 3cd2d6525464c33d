"""The service's own pages (docs/ARCHITECTURE.md, "Surfaces"): paste form, glossary, term pages, static files.

Pages are rendered on the server with Jinja (autoescaped everywhere).  User text is only ever
shown escaped — ``render_text_fragment`` escapes it and adds the ``<tadoru-term>`` markup — and
the pages run no inline script: term cards travel in ``<script type="application/json">``
(escaped by ``tojson``), settings in ``data-`` attributes, and ``static/web.js`` attaches the
shared tooltip that the browser extension uses too.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode, urlsplit

from flask import (
    Blueprint,
    Response,
    abort,
    redirect,
    render_template,
    request,
    send_file,
    send_from_directory,
    url_for,
)

from tadoru.lexicon.load import categories
from tadoru.lexicon.model import Concept
from tadoru.options import MAX_NAME, MAX_QUERY, OptionError, ReaderOptions
from tadoru.pages.mark import render_text_fragment
from tadoru.pages.reader import PageError, read_page
from tadoru.paths import tooltip_asset
from tadoru.service.api import trace_document
from tadoru.service.i18n import COOKIE, UI_LANGS, page_context, translate, ui_lang
from tadoru.service.state import state
from tadoru.service.trace_svg import render_trace_svg
from tadoru.text.normalize import TextTooLong, normalize_label
from tadoru.text.visible import HtmlTooDeep

bp = Blueprint("web", __name__, template_folder="templates")

STATIC_DIR = Path(__file__).resolve().parent / "static"
SHARED_ASSETS = ("tooltip.js", "tooltip.css")
STATIC_MAX_AGE = 300
CATEGORIES = categories()
#: Query parameters a term page keeps when it redirects a label to its id.
REDIRECT_PARAMS = ("known", "lang")
#: Why an upload was refused, as the page's message keys.
UPLOAD_ERRORS = {"binary": "error_binary", "undecodable": "error_encoding", "empty": "error_neither", "oversized": "error_413",
                 "too-deep": "error_too_deep"}
LANG_COOKIE_AGE = 365 * 24 * 3600
#: The pages' policy (tadoru.service.app) plus what pdf.js needs: its worker, from this origin.
READER_CONTENT_SECURITY_POLICY = (
    "default-src 'none'; script-src 'self'; worker-src 'self'; style-src 'self'; img-src 'self' data: blob:; "
    "connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
)


@bp.after_request
def _remember_lang(response: Response) -> Response:
    """A ``?lang=`` switch is remembered; pages vary by the reader's language."""
    lang = request.args.get("lang")
    if lang in UI_LANGS and request.cookies.get(COOKIE) != lang:
        response.set_cookie(COOKIE, lang, max_age=LANG_COOKIE_AGE, samesite="Lax", httponly=True)
    if response.mimetype == "text/html":
        response.vary.add("Accept-Language")
        response.vary.add("Cookie")
    return response


def render_page(template: str, status: int = 200, **values: Any) -> Response:
    return Response(render_template(template, **page_context(), **values), status=status, mimetype="text/html")


def term_entry(concept: Concept, lang: str) -> dict[str, Any]:
    """What a list of terms shows for each: the label in the reader's language and the other."""
    other = "en" if lang == "ja" else "ja"
    return {"id": concept.id, "label": concept.label(lang), "other": concept.label(other), "level": concept.level,
            "category": concept.category}


def _entries(ids: list[str], lang: str, *, sort: bool = False) -> list[dict[str, Any]]:
    lexicon = state().lexicon
    out = [term_entry(lexicon[i], lang) for i in ids if i in lexicon]
    return sorted(out, key=lambda e: e["label"].casefold()) if sort else out


# --------------------------------------------------------------------------- paste form


@bp.route("/", methods=["GET", "POST"])
def index() -> Response:
    """The paste form; posting it shows the text with its terms highlighted."""
    if request.method == "GET":
        return render_page("index.html", form={"text": "", "level": 1, "first_only": False})
    lang = ui_lang()
    if _cross_site():
        return render_page("index.html", status=403, form={"text": "", "level": 1, "first_only": False},
                           error=translate("error_cross_site", lang))
    form = {
        "text": request.form.get("text", "").replace("\r\n", "\n"),
        "level": request.form.get("level", "1"),
        "first_only": request.form.get("first_only") in ("1", "on", "true"),
    }
    upload = request.files.get("file")
    has_file = upload is not None and bool(upload.filename)

    def fail(key: str) -> Response:
        return render_page("index.html", status=400, form=form, error=translate(key, lang))

    try:
        options = ReaderOptions.from_query(
            {"level": form["level"], "first_only": str(form["first_only"]), "known": request.form.get("known", "")})
    except OptionError as exc:
        return fail("error_level") if exc.field == "level" else render_page(
            "index.html", status=400, form=form, error=str(exc))
    form["level"] = options.level
    if has_file and form["text"].strip():
        return fail("error_both")
    if not has_file and not form["text"].strip():
        return fail("error_neither")
    annotator = state().annotator
    filename = None
    if has_file:
        assert upload is not None
        filename = upload.filename or "upload"
        data = upload.read()
        if data[:1024].lstrip().startswith(b"%PDF"):
            # Without JavaScript the form posts a PDF here (web.js sends it to /read instead): its
            # text with the terms marked, and a pointer to the reader that shows the pages.
            return _pdf_result(data, filename, form, options, fail)
        try:
            page = read_page(Path(Path(filename).name or "upload"), data, sniff=True)
            result = (annotator.annotate_html(page.text, options) if page.kind == "html"
                      else annotator.annotate_text(page.text.replace("\r\n", "\n"), options))
        except PageError as exc:
            return fail(UPLOAD_ERRORS.get(exc.reason, "error_encoding"))
        except HtmlTooDeep:
            return fail("error_too_deep")
        except TextTooLong:
            return fail("error_too_long")
        fragment = render_text_fragment(result.text, result.annotations)
        if page.kind == "html":
            fragment = _tidy_page_text(fragment)
    else:
        try:
            result = annotator.annotate_text(form["text"], options)
        except TextTooLong:
            return fail("error_too_long")
        fragment = render_text_fragment(result.text, result.annotations)
    annotations, doc_lang = result.annotations, result.lang

    order: list[str] = []
    for a in annotations:
        if a.term not in order:
            order.append(a.term)
    cards = {cid: state().card(cid) for cid in order}
    return render_page("index.html", form=form, result={
        "fragment": fragment, "lang": doc_lang, "filename": filename, "marks": len(annotations),
        "truncated_at": result.truncated_at,
        "terms": _entries(order, lang), "cards": cards,
    })


def _pdf_result(data: bytes, filename: str, form: dict[str, Any], options: ReaderOptions,
                fail: Callable[[str], Response]) -> Response:
    from tadoru.pdf import PdfError, annotate_pdf

    try:
        pdf = annotate_pdf(state().annotator, data, options, isolated=True)
    except PdfError as exc:
        return render_page("index.html", status=400, form=form,
                           error=translate("reader_failed", ui_lang(), message=str(exc)))
    except TextTooLong:
        return fail("error_too_long")
    annotations = [a.annotation for a in pdf.annotations]
    order = list(dict.fromkeys(a.term for a in annotations))
    return render_page("index.html", form=form, result={
        "fragment": render_text_fragment(pdf.text, annotations), "lang": pdf.lang, "filename": filename,
        "marks": len(annotations), "truncated_at": pdf.truncated_at, "pdf": True,
        "terms": _entries(order, ui_lang()), "cards": {cid: state().card(cid) for cid in order},
    })


@bp.get("/read")
def read() -> Response:
    """The PDF reader: pdf.js draws the pages, the API's boxes become highlights over them."""
    response = render_page("read.html")
    # pdf.js runs its parser in a module worker from this origin; nothing else is added.
    response.headers["Content-Security-Policy"] = READER_CONTENT_SECURITY_POLICY
    return response


def _cross_site() -> bool:
    """A form post another site made the browser send (issue 18 #2: a public page that submits
    the form to 127.0.0.1 made the service spend 15 s and 3 GB).

    Browsers say where a request comes from in ``Sec-Fetch-Site`` (and ``Origin`` for every POST);
    only the service's own pages may post (``none`` is the user's own navigation).  A request
    with neither header is not from a browser's page, so no page can have forged it.
    """
    site = request.headers.get("Sec-Fetch-Site")
    if site is not None:
        return site not in ("same-origin", "none")
    origin = request.headers.get("Origin")
    if origin is None:
        return False
    parts = urlsplit(origin)
    return parts.scheme not in ("http", "https") or parts.netloc.lower() != request.host.lower()


_BLANK_LINES = re.compile(r"[ \t\r\f\v]*\n[ \t\r\f\v\n]*\n[ \t\r\f\v\n]*")
_SPACES = re.compile(r"[ \t\r\f\v]{2,}")


def _tidy_page_text(fragment: str) -> str:
    """A page's visible text keeps its source indentation; show it as paragraphs instead.

    Only runs of whitespace change, and the markup's tags hold single spaces only, so the
    escaped fragment stays well-formed.
    """
    return _SPACES.sub(" ", _BLANK_LINES.sub("\n\n", fragment)).strip()


# --------------------------------------------------------------------------- glossary


@bp.get("/terms")
def glossary() -> Response:
    """Every term, searchable and filterable by level, category and label language."""
    lang = ui_lang()
    lexicon = state().lexicon
    q = request.args.get("q", "")[:MAX_QUERY]
    level = request.args.get("level", "")
    category = request.args.get("category", "")
    language = request.args.get("language", "")
    level = level if level in ("1", "2", "3") else ""
    category = category if category in CATEGORIES else ""
    language = language if language in UI_LANGS else ""
    label_lang = language or lang

    if q.strip():
        concepts = lexicon.search(q, limit=len(lexicon))
        if language:
            needle = normalize_label(q)
            concepts = [c for c in concepts if any(needle in normalize_label(l) for l in c.labels[language])]
    else:
        concepts = sorted(lexicon, key=lambda c: c.label(label_lang).casefold())
    if level:
        concepts = [c for c in concepts if c.level == int(level)]
    if category:
        concepts = [c for c in concepts if c.category == category]
    entries = []
    for c in concepts:
        entry = term_entry(c, label_lang)
        entry["definition"] = c.definition.get(lang, "")
        entries.append(entry)
    categories = [c for c in CATEGORIES if any(x.category == c for x in lexicon)]
    return render_page("glossary.html", entries=entries, total=len(lexicon), categories=categories,
                       filters={"q": q, "level": level, "category": category, "language": language})


# --------------------------------------------------------------------------- term page


def _links(concept: Concept) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    wiki = concept.links.get("wikipedia") or {}
    for lang in ("ja", "en"):
        title = wiki.get(lang) if isinstance(wiki, dict) else None
        if isinstance(title, str) and title:
            out.append((f"wikipedia_{lang}", f"https://{lang}.wikipedia.org/wiki/{quote(title.replace(' ', '_'))}"))
    arxiv = concept.links.get("arxiv")
    if isinstance(arxiv, str) and arxiv:
        out.append(("arxiv", f"https://arxiv.org/abs/{quote(arxiv)}"))
    url = concept.links.get("url")
    if isinstance(url, str) and url.startswith("https://"):
        out.append(("official", url))
    return out


def _known_param() -> tuple[str, ...]:
    """``?known=`` on the term pages; past the API's limit it is refused as there (400), not cut."""
    try:
        return ReaderOptions.from_query({}, getlist=request.args.getlist).known
    except OptionError as exc:
        abort(400, description=str(exc))


def _find_or_redirect(term_id: str, endpoint: str) -> Concept | Response:
    lexicon = state().lexicon
    concept = lexicon.get(term_id)
    if concept is not None:
        return concept
    resolved = lexicon.resolve(term_id) if len(term_id) <= MAX_NAME else None
    if resolved is not None:
        # Only the page's own parameters travel on, as a query string: passing the request's
        # arguments into url_for would let ?_external=1 (with a forged Host) or ?term_id=
        # steer the redirect.
        kept = [(k, v) for k, v in request.args.items(multi=True) if k in REDIRECT_PARAMS]
        return redirect(url_for(endpoint, term_id=resolved) + (f"?{urlencode(kept)}" if kept else ""), code=302)
    suggestions = [c.id for c in lexicon.search(term_id[:MAX_NAME], limit=8)] if term_id.strip() else []
    return render_page("term_missing.html", status=404, name=term_id[:MAX_NAME],
                       suggestions=_entries(suggestions, ui_lang()))


@bp.get("/terms/<term_id>")
def term(term_id: str) -> Response:
    """Both definitions, deeper and related terms, who uses it, and the trace as a picture."""
    found = _find_or_redirect(term_id, "web.term")
    if isinstance(found, Response):
        return found
    concept = found
    lang = ui_lang()
    st = state()
    glossary = st.glossary
    from tadoru.service.trace_known import with_known_stops

    trace = trace_document(concept.id, list(_known_param()))
    # Known terms are drawn as stopping points; the reading order below still leaves them out.
    svg = render_trace_svg(with_known_stops(trace, st.lexicon), lang=lang,
                           href=lambda cid: url_for("web.term", term_id=cid),
                           title=translate("trace_heading", lang) + ": " + concept.label(lang))
    mentioned = glossary.mentions(concept.id)
    cards = {cid: st.card(cid) for cid in dict.fromkeys([*mentioned, *concept.deeper, *concept.related])
             if cid in st.lexicon}
    return render_page(
        "term.html",
        concept=concept,
        definitions=[(dl, glossary.definition_html(concept.id, dl)) for dl in ([lang] + [x for x in UI_LANGS if x != lang])],
        deeper=_entries(list(concept.deeper), lang),
        related=_entries(list(concept.related), lang),
        used_by=_entries(glossary.used_by(concept.id), lang, sort=True),
        trace_svg=svg,
        trace_steps=_entries(trace["path"], lang),
        links=_links(concept),
        cards=cards,
    )


@bp.get("/terms/<term_id>/trace.svg")
def trace_svg(term_id: str) -> Response:
    """The trace picture alone, as an SVG image (for links, batch outputs, the extension)."""
    found = _find_or_redirect(term_id, "web.trace_svg")
    if isinstance(found, Response):
        return found
    from tadoru.service.trace_known import with_known_stops

    lang = ui_lang()
    trace = trace_document(found.id, list(_known_param()))
    svg = render_trace_svg(with_known_stops(trace, state().lexicon), lang=lang,
                           href=lambda cid: url_for("web.term", term_id=cid),
                           title=translate("trace_heading", lang) + ": " + found.label(lang))
    response = Response('<?xml version="1.0" encoding="UTF-8"?>\n' + svg, mimetype="image/svg+xml")
    response.headers["Content-Security-Policy"] = "default-src 'none'; frame-ancestors 'self'"
    return response


# --------------------------------------------------------------------------- static files


@bp.get("/static/<path:filename>")
def static(filename: str) -> Response:
    """Page assets, and the tooltip shared with the extension (served from its one copy)."""
    if filename in SHARED_ASSETS:
        path = tooltip_asset(filename)
        if not path.is_file():
            abort(404)
        return send_file(path, max_age=STATIC_MAX_AGE, conditional=True)
    return send_from_directory(STATIC_DIR, filename, max_age=STATIC_MAX_AGE)
