"""One page of a batch, start to finish: read, annotate, render, write.

This runs in the batch's worker processes (or in-process for ``--jobs 1``), so everything it
needs arrives in a picklable ``WorkerConfig`` and each process builds its engine once, in
``init_worker`` (the ``Annotator`` takes about a second to build).  An engine annotates either
in-process or through a running Tadoru service (``--server``); both hand back the same
annotations and API term cards, so the outputs are the same.

``process_page`` never raises for a bad page: every failure becomes a result with a named
reason (``tadoru.pages.reader.REASONS``) and a message — no traceback reaches the reader.
"""

from __future__ import annotations

import bisect
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from tadoru.batch.inputs import pdf_kind
from tadoru.client import ClientError, TadoruClient
from tadoru.options import ReaderOptions
from tadoru.pages.reader import PageError, read_page

_MARKUP_ONLY = re.compile(r"<!--.*?-->|<!doctype[^>]*>", re.IGNORECASE | re.DOTALL)


@dataclass(frozen=True, slots=True)
class WorkerConfig:
    out_dir: str
    options: ReaderOptions = field(default_factory=ReaderOptions)  # known ids included: the engine applies them
    lexicon_dirs: tuple[str, ...] = ()
    server_url: str | None = None
    cards: dict[str, dict[str, Any]] | None = None  # --server: every card, fetched once by the main process
    offline: bool = True  # drop what was not saved with a page (tadoru.pages.offline); --remote-resources: keep


@dataclass(frozen=True, slots=True)
class PageJob:
    path: str
    rel: str
    outputs: dict[str, str] = field(default_factory=dict)  # "html"/"json" → path relative to out_dir
    resource_root: str | None = None


@dataclass(frozen=True, slots=True)
class PdfResult:
    """A PDF as an engine read it: its text, the annotations with the page of each, where each
    page's text begins, the language and the warnings (``no_text_layer``)."""

    text: str
    annotations: list[Any]
    pages: list[int]
    page_starts: list[int]
    lang: str
    warnings: list[str]
    candidates: list[Any] = field(default_factory=list)


#: A batch reads PDFs up to the service's default cap (TADORU_MAX_PDF).
MAX_PDF_BYTES = 50 * 1024 * 1024


class Engine(Protocol):
    known_found: dict[str, int]
    truncated_at: int | None
    candidates: list[Any]  # of the last page, when the reader asked for them (``discover``)

    def annotate_pdf(self, data: bytes, options: ReaderOptions | None = None) -> PdfResult: ...

    def annotate_html(self, html: str, options: ReaderOptions | None = None) -> tuple[Any, list[Any], str]: ...
    def annotate_text(self, text: str, options: ReaderOptions | None = None) -> tuple[list[Any], str]: ...
    def card(self, concept_id: str) -> dict[str, Any] | None: ...


# --------------------------------------------------------------------------- engines


class LocalEngine:
    """Annotates with an in-process ``Annotator``."""

    def __init__(self, config: WorkerConfig, annotator: Any = None) -> None:
        if annotator is None:
            from tadoru.annotate import Annotator
            from tadoru.compiled_cache import load_compiled

            # A spawned or cluster worker: start from the compiled lexicon on disk when there is one.
            annotator = Annotator(compiled=load_compiled(config.lexicon_dirs)[0])
            annotator.warm_up()
        self.annotator = annotator
        self.options = config.options
        self.known_found: dict[str, int] = {}  # of the last page annotated
        self.truncated_at: int | None = None  # of the last page annotated
        self.candidates: list[Any] = []  # of the last page annotated
        self._cards: dict[str, dict[str, Any] | None] = {}

    def _run(self, annotate: Any, options: ReaderOptions | None) -> Any:
        """The reader's annotations, and the page's candidates when the options ask for them."""
        from tadoru.discover import annotate_for_reader

        result, self.candidates = annotate_for_reader(annotate, self.annotator, options or self.options)
        return result

    def annotate_html(self, html: str, options: ReaderOptions | None = None) -> tuple[Any, list[Any], str]:
        from tadoru.text.normalize import TextTooLong
        from tadoru.text.visible import HtmlTooDeep

        try:
            result = self._run(lambda o: self.annotator.annotate_html(html, o), options)
        except HtmlTooDeep as exc:
            raise PageError("too-deep", str(exc)) from None
        except TextTooLong as exc:
            raise PageError("oversized", str(exc)) from None
        self.known_found, self.truncated_at = result.known_found, result.truncated_at
        return result.page, result.annotations, result.lang

    def annotate_text(self, text: str, options: ReaderOptions | None = None) -> tuple[list[Any], str]:
        from tadoru.text.normalize import TextTooLong

        try:
            result = self._run(lambda o: self.annotator.annotate_text(text, o), options)
        except TextTooLong as exc:
            raise PageError("oversized", str(exc)) from None
        self.known_found, self.truncated_at = result.known_found, result.truncated_at
        return result.annotations, result.lang

    def annotate_pdf(self, data: bytes, options: ReaderOptions | None = None) -> PdfResult:
        from tadoru.pdf import PdfError, annotate_pdf
        from tadoru.text.normalize import TextTooLong

        try:
            result = annotate_pdf(self.annotator, data, options or self.options, isolated=True)
        except TextTooLong as exc:
            raise PageError("oversized", str(exc)) from None
        except PdfError as exc:
            raise _pdf_error(exc) from None
        self.known_found, self.truncated_at = result.known_found, result.truncated_at
        self.candidates = [c.candidate for c in result.candidates or ()]
        return PdfResult(result.text, [a.annotation for a in result.annotations], [a.page for a in result.annotations],
                         result.document.page_starts(), result.lang, list(result.document.warnings), self.candidates)

    def card(self, concept_id: str) -> dict[str, Any] | None:
        if concept_id not in self._cards:
            lexicon = self.annotator.lexicon
            self._cards[concept_id] = lexicon.card(concept_id) if concept_id in lexicon else None
        return self._cards[concept_id]


class ServerEngine:
    """Annotates through a running Tadoru service (``POST /api/v1/annotate``) with ``tadoru.client``.

    The page is parsed here too: the service's offsets index the page's visible text, and the
    marks go into this copy of it.  Each annotation's ``exact`` must match that text, so a
    service running different code cannot put marks in the wrong place unnoticed.
    """

    def __init__(self, config: WorkerConfig, client: TadoruClient | None = None) -> None:
        assert config.server_url
        self.client = client if client is not None else TadoruClient(config.server_url)
        self.options = config.options
        self.known_found: dict[str, int] = {}  # of the last page annotated
        self.truncated_at: int | None = None  # of the last page annotated
        self.candidates: list[Any] = []  # of the last page annotated
        self._cards: dict[str, dict[str, Any] | None] = {}
        self.complete = False
        if config.cards is not None:
            self.prefill(config.cards)

    def prefill(self, cards: dict[str, dict[str, Any]]) -> None:
        """Take the service's whole lexicon at once; no other id has a card then."""
        self._cards.update(cards)
        self.complete = True

    def _annotate(self, options: ReaderOptions | None = None, **page: str) -> dict[str, Any]:
        try:
            body = self.client.annotate(**page, options=options or self.options)
        except ClientError as exc:
            raise PageError("server", exc.message) from None
        self._take(body)
        return body

    def _take(self, body: dict[str, Any]) -> None:
        """What every answer of the service carries besides the annotations: cards, known terms, the cut."""
        terms = body.get("terms")
        if not self.complete and isinstance(terms, dict):
            self._cards.update((cid, card) for cid, card in terms.items() if isinstance(card, dict))
        found = body.get("known_found")
        self.known_found = {str(k): int(v) for k, v in found.items()} if isinstance(found, dict) else {}
        cut = body.get("truncated_at")
        self.truncated_at = cut if isinstance(cut, int) else None

    def annotate_html(self, html: str, options: ReaderOptions | None = None) -> tuple[Any, list[Any], str]:
        from tadoru.text.visible import HtmlTooDeep, visible_text

        try:
            page = visible_text(html)
        except HtmlTooDeep as exc:
            raise PageError("too-deep", str(exc)) from None
        body = self._annotate(options, html=html)
        self.candidates = self._candidates(body, page.text)
        return page, self._annotations(body, page.text), str(body.get("lang") or "en")

    def annotate_text(self, text: str, options: ReaderOptions | None = None) -> tuple[list[Any], str]:
        body = self._annotate(options, text=text)
        self.candidates = self._candidates(body, text)
        return self._annotations(body, text), str(body.get("lang") or "en")

    def annotate_pdf(self, data: bytes, options: ReaderOptions | None = None) -> PdfResult:
        try:
            body = self.client.annotate_pdf(data, options or self.options)
        except ClientError as exc:
            reason = {"invalid_pdf": "unparsable", "pdf_encrypted": "encrypted", "pdf_too_long": "oversized",
                      "pdf_too_complex": "oversized",
                      "payload_too_large": "oversized", "text_too_long": "oversized"}.get(exc.code or "", "server")
            raise PageError(reason, exc.message) from None
        self._take(body)
        text = body["text"]
        try:
            pages = [int(item["page"]) for item in body["annotations"]]
            starts = [int(page.get("start", len(text))) for page in body.get("pages", [])]
        except (KeyError, TypeError, ValueError):
            raise PageError("server", "the service sent a PDF answer without pages") from None
        self.candidates = self._candidates(body, text)
        return PdfResult(text, self._annotations(body, text), pages, starts, str(body.get("lang") or "en"),
                         [str(w) for w in body.get("warnings", []) if w != "truncated"], self.candidates)

    def _candidates(self, body: dict[str, Any], text: str) -> list[Any]:
        """The answer's candidates, checked against this copy's text like the annotations."""
        from tadoru.discover import KINDS, Candidate

        out = []
        for item in body.get("candidates") or ():
            try:
                start, end, surface, kind = int(item["start"]), int(item["end"]), str(item["surface"]), item["kind"]
            except (KeyError, TypeError, ValueError):
                raise PageError("server", "the service sent a candidate without start/end/surface/kind") from None
            if kind not in KINDS or text[start:end] != surface:
                raise PageError("server", f"the service's candidate '{surface}' at {start} does not match this page's text")
            long_form, head, defined = item.get("long_form"), item.get("head"), item.get("defined_at")
            out.append(Candidate(surface, start, end, kind, str(long_form) if long_form else None,
                                 str(head) if head else None, int(defined) if isinstance(defined, int) else None))
        return out

    def _annotations(self, body: dict[str, Any], text: str) -> list[Any]:
        from tadoru.annotate import Annotation

        out = []
        for item in body["annotations"]:
            try:
                start, end, exact, term = int(item["start"]), int(item["end"]), str(item["exact"]), str(item["term"])
            except (KeyError, TypeError, ValueError):
                raise PageError("server", "the service sent an annotation without start/end/exact/term") from None
            if text[start:end] != exact:
                raise PageError("server", f"the service's annotation '{exact}' at {start} does not match this page's "
                                "text (is the service running another Tadoru version?)")
            out.append(Annotation(start, end, exact, term))
        return out

    def card(self, concept_id: str) -> dict[str, Any] | None:
        if concept_id not in self._cards:
            try:
                self._cards[concept_id] = None if self.complete else self.client.card(concept_id)
            except ClientError as exc:
                raise PageError("server", exc.message) from None
        return self._cards[concept_id]


# --------------------------------------------------------------------------- worker process

_ENGINE: Engine | None = None
_CONFIG: WorkerConfig | None = None
#: An in-process engine the main process built before forking its workers: they inherit it
#: (copy-on-write, Sudachi's dictionary shared) instead of each spending a second on their own.
_INHERITED: LocalEngine | None = None


def share_with_forked_workers(engine: LocalEngine | None) -> None:
    global _INHERITED
    _INHERITED = engine


def init_worker(config: WorkerConfig, engine: Engine | None = None) -> None:
    """Set up this process's engine once (the ``ProcessPoolExecutor`` initializer).

    A worker forked from a main process that already built its annotator uses that copy; a
    spawned worker (macOS, Windows) builds its own.  Service mode always opens its own HTTP
    session: connections must not be shared across processes.
    """
    global _ENGINE, _CONFIG
    _CONFIG = config
    if engine is not None:
        _ENGINE = engine
    elif config.server_url:
        _ENGINE = ServerEngine(config)
    elif _INHERITED is not None:
        _ENGINE = _INHERITED
    else:
        _ENGINE = LocalEngine(config)


def current_engine() -> tuple[Engine, WorkerConfig]:
    """This process's engine and config, set up by ``init_worker``."""
    assert _ENGINE is not None and _CONFIG is not None, "init_worker() first"
    return _ENGINE, _CONFIG


def is_initialised() -> bool:
    return _ENGINE is not None


def process_page(job: PageJob) -> dict[str, Any]:
    """Do one page; the result always comes back (``status`` "done" or "failed")."""
    assert _ENGINE is not None and _CONFIG is not None, "init_worker() first"
    try:
        return _process(job, _ENGINE, _CONFIG)
    except PageError as exc:
        return _failed(job, exc.reason, exc.message)
    except RecursionError:
        return _failed(job, "too-deep", "nested too deeply to process")
    except MemoryError:
        return _failed(job, "oversized", "ran out of memory on this page")
    except OSError as exc:  # reading is handled by read_page: this is the output side
        where = f" ({exc.filename})" if exc.filename else ""
        return _failed(job, "unwritable", f"{exc.strerror or exc}{where}")
    except Exception as exc:  # noqa: BLE001 - a bad page must never stop the batch or print a traceback
        from tadoru.text.visible import HtmlTooDeep

        if isinstance(exc, HtmlTooDeep):
            return _failed(job, "too-deep", str(exc))
        from lxml import etree

        if isinstance(exc, (etree.LxmlError, ValueError)) and "lxml" in type(exc).__module__:
            return _failed(job, "unparsable", f"lxml: {exc}")
        return _failed(job, "error", f"{type(exc).__name__}: {exc}")


def _failed(job: PageJob, reason: str, message: str) -> dict[str, Any]:
    return {"input": job.rel, "status": "failed", "reason": reason, "message": message}


def _pdf_error(exc: Exception) -> PageError:
    """A ``tadoru.pdf`` error as the batch's named reason."""
    from tadoru.pdf import PdfEncrypted, PdfTooComplex, PdfTooLong

    if isinstance(exc, PdfEncrypted):
        return PageError("encrypted", f"{exc}; Tadoru cannot read an encrypted PDF")
    if isinstance(exc, (PdfTooLong, PdfTooComplex)):
        return PageError("oversized", str(exc))
    return PageError("unparsable", str(exc))


def _process_pdf(job: PageJob, engine: Engine, config: WorkerConfig) -> dict[str, Any]:
    """A PDF: its reflowed text as a readable page with page markers, the JSON-LD with page selectors."""
    import hashlib
    import json

    from tadoru.batch.journal import write_atomic
    from tadoru.lexicon.graph import embedded_cards
    from tadoru.pages.reader import PageLimits, read_raw
    from tadoru.pages.render import render_pdf_page
    from tadoru.pages.webannotation import annotation_collection

    path = Path(job.path)
    data = read_raw(path, PageLimits(page_bytes=MAX_PDF_BYTES))
    if not data.strip():
        raise PageError("empty", "the file is empty")
    result = engine.annotate_pdf(data)
    counts = Counter(a.term for a in result.annotations)
    unknown = list(counts)
    counts.update(engine.known_found)
    cards = embedded_cards(unknown + _heads(result.candidates), engine.card)
    title = _pdf_title(result.text) or path.name
    source = path.resolve().as_uri()
    digest = hashlib.sha256(data).hexdigest()
    out_dir = Path(config.out_dir)
    written: dict[str, list[int]] = {}
    if "json" in job.outputs:
        document = annotation_collection(source=source, text=result.text, annotations=result.annotations, cards=cards,
                                         title=title, text_sha256=digest, fmt="application/pdf", pages=result.pages,
                                         candidates=result.candidates,
                                         candidate_pages=[bisect.bisect_right(result.page_starts, c.start)
                                                          for c in result.candidates])
        target = job.outputs["json"]
        written[target] = list(write_atomic(out_dir / target, json.dumps(document, ensure_ascii=False, indent=1) + "\n"))
    if "html" in job.outputs:
        label = "{page} ページ" if result.lang == "ja" else "Page {page}"
        html = render_pdf_page(result.text, result.annotations, result.page_starts, candidates=result.candidates,
                               cards=cards, lang=result.lang,
                               title=title, page_label=label)
        target = job.outputs["html"]
        written[target] = list(write_atomic(out_dir / target, html))
    return {
        "input": job.rel,
        "status": "done",
        "written": written,
        "record": {
            "title": title,
            "lang": result.lang,
            "encoding": "pdf",
            "source": source,
            "sha256": digest,
            "occurrences": len(result.annotations),
            "terms": dict(counts),
            "unknown": unknown,
            "pages": len(result.page_starts),
            **({"warnings": result.warnings} if result.warnings else {}),
            **({"truncated_at": engine.truncated_at} if engine.truncated_at is not None else {}),
            **_candidate_record(result.candidates),
        },
    }


def _pdf_title(text: str) -> str | None:
    """A paper's first line of text is nearly always its title."""
    first = text.lstrip().split("\n", 1)[0].strip()
    return first[:200] if first else None


def _process(job: PageJob, engine: Engine, config: WorkerConfig) -> dict[str, Any]:
    from tadoru.lexicon.graph import embedded_cards
    from tadoru.pages.as_parsed import UnsafeMarkup
    from tadoru.pages.render import render_html_page, render_text_page
    from tadoru.pages.webannotation import annotation_collection

    path = Path(job.path)
    if pdf_kind(path):
        return _process_pdf(job, engine, config)
    page = read_page(path, resource_root=Path(job.resource_root) if job.resource_root else None)
    if page.kind == "text":
        every, lang = engine.annotate_text(page.text)
        visible, text, title = None, page.text, page.path.name
    else:
        visible, every, lang = engine.annotate_html(page.text)
        if visible.root is None:
            if not _MARKUP_ONLY.sub("", page.text).strip():
                raise PageError("empty", "nothing but comments and white space")
            raise PageError("unparsable", "lxml found no HTML elements in it")
        text = visible.text
        title = page.title or _title_of(visible.root) or page.path.name
    # The engine applied the reader's known list (one known path: the annotator's); it says which
    # known terms the page holds, for the report's count of all terms.
    shown = every
    counts = Counter(a.term for a in shown)
    unknown = list(counts)
    counts.update(engine.known_found)
    terms = list(counts)
    cards = embedded_cards(unknown + _heads(engine.candidates), engine.card)
    reader_lang = lang
    source = page.source_url or (_canonical_of(visible.root) if visible is not None else None) or path.resolve().as_uri()

    written: dict[str, list[int]] = {}
    remote_dropped = 0
    out_dir = Path(config.out_dir)
    from tadoru.batch.journal import write_atomic

    if "json" in job.outputs:
        import json

        document = annotation_collection(source=source, text=text, annotations=shown, cards=cards, title=title,
                                         text_sha256=page.sha256,
                                         fmt="text/plain" if page.kind == "text" else "text/html",
                                         candidates=engine.candidates)
        target = job.outputs["json"]
        written[target] = list(write_atomic(out_dir / target, json.dumps(document, ensure_ascii=False, indent=1) + "\n"))
    if "html" in job.outputs:
        if visible is None:
            html = render_text_page(text, shown, cards=cards, lang=reader_lang, title=title,
                                    candidates=engine.candidates)
        else:
            try:
                rendered = render_html_page(visible, shown, cards=cards, lang=reader_lang, title=title,
                                            candidates=engine.candidates,
                                            resources=page.resources, offline=config.offline)
            except UnsafeMarkup as exc:
                raise PageError("unsafe-markup", str(exc)) from None
            html, remote_dropped = rendered.html, rendered.remote_dropped
        target = job.outputs["html"]
        written[target] = list(write_atomic(out_dir / target, html))
    return {
        "input": job.rel,
        "status": "done",
        "written": written,
        "record": {
            "title": title,
            "lang": lang,
            "encoding": page.encoding,
            "source": source,
            "sha256": page.sha256,
            "occurrences": len(shown),
            "terms": {t: counts[t] for t in terms},
            "unknown": unknown,
            **({"truncated_at": engine.truncated_at} if engine.truncated_at is not None else {}),
            **({"remote_dropped": remote_dropped} if remote_dropped else {}),
            **_candidate_record(engine.candidates),
        },
    }


def _heads(candidates: list[Any]) -> list[str]:
    """The known concepts candidates build on: their cards travel with the page, to trace into."""
    return [c.head for c in candidates if c.head]


def _candidate_record(candidates: list[Any]) -> dict[str, Any]:
    """The page's candidates for the run's report: each word once, with its kind and what is known."""
    seen: dict[str, dict[str, Any]] = {}
    for c in candidates:
        seen.setdefault(c.surface, {k: v for k, v in (("kind", c.kind), ("long_form", c.long_form),
                                                       ("head", c.head)) if v is not None})
    return {"candidates": seen} if seen else {}


def _title_of(root: Any) -> str | None:
    for path in (".//title", ".//h1"):
        element = root.find(path)
        if element is not None:
            text = " ".join(element.text_content().split())
            if text:
                return text[:300]
    return None


def _canonical_of(root: Any) -> str | None:
    for element in root.iter("link", "meta"):
        if element.tag == "link" and "canonical" in (element.get("rel") or "").lower().split():
            href = (element.get("href") or "").strip()
        elif element.tag == "meta" and (element.get("property") or "").lower() == "og:url":
            href = (element.get("content") or "").strip()
        else:
            continue
        if href.startswith(("http://", "https://")):
            return href
    return None

