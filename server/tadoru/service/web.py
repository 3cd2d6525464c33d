"""The service's own pages (docs/ARCHITECTURE.md, "Surfaces"): paste form, glossary, term pages, static files.

Pages are rendered on the server with Jinja (autoescaped everywhere).  Pasted text is only ever
shown escaped — ``render_text_fragment`` escapes it and adds the ``<tadoru-term>`` markup; an
uploaded page keeps its headings, lists, tables and code through an allowlist
(``tadoru.pages.fragment``), checked as a browser parses it.  The pages run no inline script:
term cards travel in ``<script type="application/json">`` (escaped by ``tojson``), settings in
``data-`` attributes, and ``static/web.js`` attaches the shared tooltip that the browser
extension uses too.  The form answers with Post/Redirect/Get (``tadoru.service.results``), so a
result page is a GET that survives a language switch, Reload and Back.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import quote, urlencode, urlsplit

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    jsonify,
    redirect,
    render_template,
    request,
    send_file,
    send_from_directory,
    url_for,
)
from flask.blueprints import BlueprintSetupState
from werkzeug.wrappers import Response as BaseResponse

from tadoru.discover import Candidate, annotate_for_reader
from tadoru.lexicon.load import categories
from tadoru.lexicon.model import Concept
from tadoru.lexicon.placement import place, placement_terms
from tadoru.options import DEFAULT_DENSITY, MAX_NAME, MAX_QUERY, OptionError, ReaderOptions
from tadoru.pages.as_parsed import UnsafeMarkup
from tadoru.pages.fragment import render_page_fragment
from tadoru.pages.mark import render_text_fragment
from tadoru.pages.reader import PageError, read_page
from tadoru.paths import tooltip_asset
from tadoru.service.api import trace_document
from tadoru.service.i18n import COOKIE, UI_LANGS, page_context, translate, ui_lang
from tadoru.service.results import ResultStore, is_result_id
from tadoru.service.state import state
from tadoru.service.trace_svg import render_trace_svg
from tadoru.text.normalize import TextTooLong, normalize_label
from tadoru.text.visible import HtmlTooDeep

if TYPE_CHECKING:
    from tadoru.annotate import Annotated

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
RESULTS_KEY = "tadoru_results"
#: Entries one search-as-you-type answer carries (the no-script form lists every match).
GLOSSARY_SEARCH_LIMIT = 150
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


@bp.route("/placement", methods=["GET", "POST"])
def placement() -> BaseResponse:
    """"Which of these could you explain?": about twenty terms set the level and seed the known
    list (``tadoru.lexicon.placement``); the result page hands both to web.js, which keeps them
    in the browser with the rest of the reader's list."""
    lexicon = state().lexicon
    lang = ui_lang()
    terms = placement_terms(lexicon)
    entries = _entries(terms, lang)
    if request.method == "GET":
        return render_page("placement.html", terms=entries, result=None)
    if _cross_site():
        return render_page("placement.html", status=403, terms=entries, result=None,
                           error=translate("error_cross_site", lang))
    ticked = request.form.getlist("can_explain")[:len(terms)]
    result = place(lexicon, ticked, terms)
    return render_page("placement.html", terms=entries, ticked=set(ticked),
                       result={"level": result.level, "known": result.known})


#: The paste form as a first visit shows it.
EMPTY_FORM: dict[str, Any] = {"text": "", "level": 1, "density": DEFAULT_DENSITY, "discover": "off"}
#: The form's choice of words Tadoru does not know yet, as the API's ``discover``: the extension's
#: three choices ("names": definitions and acronyms, the kinds precise on held-out text).  The PDF
#: reader's select is drawn from it too (each option's ``data-request``).
DISCOVER_CHOICES = {"off": "false", "names": "definition,acronym", "all": "true"}


def _discover_choice(raw: str | None) -> str:
    """The form's ``discover`` field; the ticked box of earlier versions ("1", "on") reads as all."""
    if raw in DISCOVER_CHOICES:
        return raw
    return "all" if raw in ("1", "on", "true") else "off"


@bp.route("/", methods=["GET", "POST"])
def index() -> BaseResponse:
    """The paste form; posting it shows the text with its terms highlighted."""
    if request.method == "GET":
        return render_page("index.html", form=dict(EMPTY_FORM))
    lang = ui_lang()
    if _cross_site():
        return render_page("index.html", status=403, form=dict(EMPTY_FORM),
                           error=translate("error_cross_site", lang))
    form: dict[str, Any] = {
        "text": request.form.get("text", "").replace("\r\n", "\n"),
        "level": request.form.get("level", "1"),
        "density": request.form.get("density") or ("first" if request.form.get("first_only") in ("1", "on", "true")
                                                    else DEFAULT_DENSITY),
        "discover": _discover_choice(request.form.get("discover")),
    }
    upload = request.files.get("file")
    has_file = upload is not None and bool(upload.filename)

    def fail(key: str) -> Response:
        return render_page("index.html", status=400, form=form, error=translate(key, lang))

    try:
        options = ReaderOptions.from_query(
            {"level": form["level"], "density": form["density"], "discover": DISCOVER_CHOICES[form["discover"]],
             "known": request.form.get("known", "")})
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
    structured = False
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
            result, candidates = annotate_for_reader(
                lambda o: annotator.annotate_html(page.text, o) if page.kind == "html"
                else annotator.annotate_text(page.text.replace("\r\n", "\n"), o), annotator, options)
        except PageError as exc:
            return fail(UPLOAD_ERRORS.get(exc.reason, "error_encoding"))
        except HtmlTooDeep:
            return fail("error_too_deep")
        except TextTooLong:
            return fail("error_too_long")
        if page.kind == "html":
            fragment, structured = _page_fragment(result, candidates)
        else:
            fragment = render_text_fragment(result.text, result.annotations, candidates)
    else:
        try:
            result, candidates = annotate_for_reader(lambda o: annotator.annotate_text(form["text"], o),
                                                     annotator, options)
        except TextTooLong:
            return fail("error_too_long")
        fragment = render_text_fragment(result.text, result.annotations, candidates)
    return _keep_result({
        "fragment": fragment, "structured": structured, "lang": result.lang, "filename": filename,
        "marks": len(result.annotations), "truncated_at": result.truncated_at, "pdf": False,
        "terms": list(dict.fromkeys(a.term for a in result.annotations)), "form": form,
        "heads": sorted({c.head for c in candidates if c.head}),
    })


def _page_fragment(result: Annotated, candidates: list[Candidate]) -> tuple[str, bool]:
    """An uploaded page as it was laid out (headings, lists, tables, code), inert; its text if that fails."""
    if result.page is not None:
        try:
            return render_page_fragment(result.page, result.annotations, candidates), True
        except UnsafeMarkup:
            pass  # the parsed fragment held something off the allowlist: show the text alone
    return _tidy_page_text(render_text_fragment(result.text, result.annotations, candidates)), False


def _keep_result(record: dict[str, Any]) -> BaseResponse:
    """Post/Redirect/Get: keep the result and send the browser to its own page (``303``).

    Reloading, coming Back or switching the language is then a GET of ``/result/<id>``, never a
    resubmission.  A result too large to keep is shown at once, as before.
    """
    result_id = result_store().put(record)
    if result_id is None:
        return _render_result(record)
    return redirect(url_for("web.result", result_id=result_id), code=303)


def _render_result(record: dict[str, Any], status: int = 200) -> Response:
    """The result page in the reader's language: the words, labels and cards are filled in now."""
    lang = ui_lang()
    order = [cid for cid in record.get("terms", []) if cid in state().lexicon]
    result = {key: record.get(key) for key in ("fragment", "structured", "lang", "filename", "marks",
                                               "truncated_at", "pdf")}
    result["terms"] = _entries(order, lang)
    # Candidates' head concepts travel too: their cards are where a candidate's trace begins.
    heads = [cid for cid in record.get("heads", []) if cid in state().lexicon]
    result["cards"] = {cid: state().card(cid) for cid in [*order, *heads]}
    form = record.get("form") or dict(EMPTY_FORM)
    return render_page("index.html", status=status, form=form, result=result)


@bp.get("/result/<result_id>")
def result(result_id: str) -> Response:
    """A kept result (Post/Redirect/Get); a forgotten one says so and leads back to the form."""
    record = result_store().get(result_id)
    if record is None:
        status = 410 if is_result_id(result_id) else 404
        response = render_page("result_missing.html", status=status)
    else:
        response = _render_result(record)
    # The reader's own text: kept by no cache between them and the service, revalidated on Back.
    response.headers["Cache-Control"] = "private, no-cache"
    return response


def result_store() -> ResultStore:
    return current_app.extensions[RESULTS_KEY]


@bp.record_once
def _make_result_store(setup: BlueprintSetupState) -> None:
    """One store per app, made when the app is built (under ``tadoru serve``: before the workers fork)."""
    setup.app.extensions.setdefault(RESULTS_KEY, ResultStore())


def _pdf_result(data: bytes, filename: str, form: dict[str, Any], options: ReaderOptions,
                fail: Callable[[str], Response]) -> BaseResponse:
    from tadoru.pdf import PdfError, annotate_pdf

    try:
        pdf = annotate_pdf(state().annotator, data, options, isolated=True)
    except PdfError as exc:
        return render_page("index.html", status=400, form=form,
                           error=translate("reader_failed", ui_lang(), message=str(exc)))
    except TextTooLong:
        return fail("error_too_long")
    annotations = [a.annotation for a in pdf.annotations]
    candidates = [c.candidate for c in pdf.candidates or ()]
    return _keep_result({
        "fragment": render_text_fragment(pdf.text, annotations, candidates), "structured": False, "lang": pdf.lang,
        "filename": filename, "marks": len(annotations), "truncated_at": pdf.truncated_at, "pdf": True,
        "terms": list(dict.fromkeys(a.term for a in annotations)), "form": form,
        "heads": sorted({c.head for c in candidates if c.head}),
    })


@bp.get("/read")
def read() -> Response:
    """The PDF reader: pdf.js draws the pages, the API's boxes become highlights over them."""
    response = render_page("read.html", discover_choices=DISCOVER_CHOICES)
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


def _glossary_matches() -> tuple[list[Concept], dict[str, str]]:
    """The glossary's terms for this request's ``q``, ``level``, ``category`` and ``language``, best first."""
    lexicon = state().lexicon
    q = request.args.get("q", "")[:MAX_QUERY]
    level = request.args.get("level", "")
    category = request.args.get("category", "")
    language = request.args.get("language", "")
    level = level if level in ("1", "2", "3") else ""
    category = category if category in CATEGORIES else ""
    language = language if language in UI_LANGS else ""
    label_lang = language or ui_lang()

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
    return concepts, {"q": q, "level": level, "category": category, "language": language}


def _glossary_entry(concept: Concept, label_lang: str, lang: str) -> dict[str, Any]:
    entry = term_entry(concept, label_lang)
    entry["definition"] = concept.definition.get(lang, "")
    return entry


@bp.get("/terms")
def glossary() -> Response:
    """Every term, searchable and filterable by level, category and label language."""
    lang = ui_lang()
    lexicon = state().lexicon
    concepts, filters = _glossary_matches()
    label_lang = filters["language"] or lang
    entries = [_glossary_entry(c, label_lang, lang) for c in concepts]
    categories = [c for c in CATEGORIES if any(x.category == c for x in lexicon)]
    return render_page("glossary.html", entries=entries, total=len(lexicon), categories=categories,
                       filters=filters)


@bp.get("/glossary/search")
def glossary_search() -> Response:
    """The glossary's search as JSON, for the page's search as you type (``static/web.js``).

    The same matches as ``/terms?q=`` (labels, readings, typos), each entry with the words the
    page shows already in the reader's language, so the script only places text
    (``textContent``), never markup.  At most ``GLOSSARY_SEARCH_LIMIT`` entries travel; the count
    says how many matched, and the no-script form lists them all.
    """
    lang = ui_lang()
    concepts, filters = _glossary_matches()
    label_lang = filters["language"] or lang
    entries = []
    for concept in concepts[:GLOSSARY_SEARCH_LIMIT]:
        entry = _glossary_entry(concept, label_lang, lang)
        entry.update({
            "url": url_for("web.term", term_id=concept.id),
            "level_text": translate("level", lang, level=concept.level),
            "level_name": translate(f"level_name_{concept.level}", lang),
            "category_name": translate(f"cat_{concept.category}", lang),
        })
        entries.append(entry)
    total = len(state().lexicon)
    shown = len(concepts)
    response = jsonify({
        "query": filters["q"], "shown": shown, "total": total, "entries": entries,
        "count": translate("glossary_count", lang, shown=shown, total=total),
        "more": translate("glossary_more", lang, count=shown - len(entries)) if shown > len(entries) else "",
        "empty": translate("glossary_empty", lang),
    })
    response.vary.add("Accept-Language")
    response.vary.add("Cookie")
    return response


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
