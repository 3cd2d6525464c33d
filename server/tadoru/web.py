"""The service's own pages (SPEC §5): paste form, glossary, term pages, static files.

Pages are rendered on the server with Jinja (autoescaped everywhere).  User text is only ever
shown escaped — ``render_text_fragment`` escapes it and adds the ``<tadoru-term>`` markup — and
the pages run no inline script: term cards travel in ``<script type="application/json">``
(escaped by ``tojson``), settings in ``data-`` attributes, and ``static/web.js`` attaches the
shared tooltip that the browser extension uses too.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any
from urllib.parse import quote

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

from .api import MAX_KNOWN, trace_document
from .app import state
from .htmltext import HtmlTooDeep, render_text_fragment
from .i18n import COOKIE, UI_LANGS, page_context, translate, ui_lang
from .lexicon import Concept
from .normalize import normalize_label
from .paths import tooltip_asset
from .sources import HTML_SUFFIXES, SourceError, decode_bytes, looks_binary
from .trace_svg import render_trace_svg

bp = Blueprint("web", __name__, template_folder="templates")

STATIC_DIR = Path(__file__).resolve().parent / "static"
SHARED_ASSETS = ("tooltip.js", "tooltip.css")
STATIC_MAX_AGE = 300
CATEGORIES = ("basics", "training", "neural-networks", "language-models", "generative-images", "vision", "speech",
              "data-evaluation", "math", "classic-ml", "tools-products", "infrastructure-mlops", "safety-ethics",
              "reinforcement-learning", "agents", "retrieval", "nlp", "classic-ai", "law-policy", "custom")
LANG_COOKIE_AGE = 365 * 24 * 3600


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
    form = {
        "text": request.form.get("text", "").replace("\r\n", "\n"),
        "level": request.form.get("level", "1"),
        "first_only": request.form.get("first_only") in ("1", "on", "true"),
    }
    upload = request.files.get("file")
    has_file = upload is not None and bool(upload.filename)

    def fail(key: str) -> Response:
        return render_page("index.html", status=400, form=form, error=translate(key, lang))

    if form["level"] not in ("1", "2", "3"):
        return fail("error_level")
    form["level"] = int(form["level"])
    if has_file and form["text"].strip():
        return fail("error_both")
    if not has_file and not form["text"].strip():
        return fail("error_neither")
    known = [k.strip() for k in request.form.get("known", "").split(",") if k.strip()][:MAX_KNOWN]
    options = {"known": known, "level": form["level"], "first_only": form["first_only"]}
    annotator = state().annotator
    filename = None
    if has_file:
        assert upload is not None
        filename = upload.filename
        raw = upload.read()
        if looks_binary(raw):
            return fail("error_binary")
        is_html = Path(filename or "").suffix.lower() in HTML_SUFFIXES or (
            not (filename or "").lower().endswith(".txt") and raw.lstrip()[:1] == b"<")
        try:
            source, _encoding = decode_bytes(raw, html=is_html)
        except SourceError:
            return fail("error_encoding")
        if is_html:
            try:
                result = annotator.annotate_html(source, **options)
            except HtmlTooDeep:
                return fail("error_too_deep")
            text, annotations, doc_lang = result.text, result.annotations, result.lang
            fragment = _tidy_page_text(render_text_fragment(text, annotations))
        else:
            text = source.replace("\r\n", "\n")
            annotations = annotator.annotate_text(text, **options)
            doc_lang = _lang_of(text)
            fragment = render_text_fragment(text, annotations)
    else:
        text = form["text"]
        annotations = annotator.annotate_text(text, **options)
        doc_lang = _lang_of(text)
        fragment = render_text_fragment(text, annotations)

    order: list[str] = []
    for a in annotations:
        if a.term not in order:
            order.append(a.term)
    cards = {cid: state().card(cid) for cid in order}
    return render_page("index.html", form=form, result={
        "fragment": fragment, "lang": doc_lang, "filename": filename, "marks": len(annotations),
        "terms": _entries(order, lang), "cards": cards,
    })


def _lang_of(text: str) -> str:
    from .annotate import detect_lang

    return detect_lang(text)


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
    q = request.args.get("q", "")[:200]
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


def _known_param() -> list[str]:
    return [n.strip() for raw in request.args.getlist("known") for n in raw.split(",") if n.strip()][:MAX_KNOWN]


def _find_or_redirect(term_id: str, endpoint: str) -> Concept | Response:
    lexicon = state().lexicon
    concept = lexicon.get(term_id)
    if concept is not None:
        return concept
    resolved = lexicon.resolve(term_id) if len(term_id) <= 200 else None
    if resolved is not None:
        return redirect(url_for(endpoint, term_id=resolved, **request.args.to_dict(flat=True)), code=302)
    suggestions = [c.id for c in lexicon.search(term_id[:200], limit=8)] if term_id.strip() else []
    return render_page("term_missing.html", status=404, name=term_id[:200],
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
    trace = trace_document(concept.id, _known_param())
    svg = render_trace_svg(trace, lang=lang, href=lambda cid: url_for("web.term", term_id=cid),
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
    lang = ui_lang()
    trace = trace_document(found.id, _known_param())
    svg = render_trace_svg(trace, lang=lang, href=lambda cid: url_for("web.term", term_id=cid),
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
