"""One page of a batch, start to finish: read, annotate, render, write.

This runs in the batch's worker processes (or in-process for ``--jobs 1``), so everything it
needs arrives in a picklable ``WorkerConfig`` and each process builds its engine once, in
``init_worker`` (the ``Annotator`` takes about a second to build).  An engine annotates either
in-process or through a running Tadoru service (``--server``); both hand back the same
annotations and SPEC §4 term cards, so the outputs are the same.

``process_page`` never raises for a bad page: every failure becomes a result with a named
reason (``page_input.REASONS``) and a message — no traceback reaches the reader.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import quote

from .config import token_from_env
from .page_input import PageError, read_page

_MARKUP_ONLY = re.compile(r"<!--.*?-->|<!doctype[^>]*>", re.IGNORECASE | re.DOTALL)
#: Seconds to wait for the service to annotate one page.
SERVER_TIMEOUT = 120


@dataclass(frozen=True, slots=True)
class WorkerConfig:
    out_dir: str
    lang: str = "auto"
    level: int = 1
    first_only: bool = False
    known_ids: tuple[str, ...] = ()
    lexicon_dirs: tuple[str, ...] = ()
    server_url: str | None = None
    cards: dict[str, dict[str, Any]] | None = None  # --server: every card, fetched once by the main process


@dataclass(frozen=True, slots=True)
class PageJob:
    path: str
    rel: str
    outputs: dict[str, str] = field(default_factory=dict)  # "html"/"json" → path relative to out_dir
    resource_root: str | None = None


class Engine(Protocol):
    def annotate_html(self, html: str) -> tuple[Any, list[Any], str]: ...
    def annotate_text(self, text: str) -> tuple[list[Any], str]: ...
    def card(self, concept_id: str) -> dict[str, Any] | None: ...


# --------------------------------------------------------------------------- engines


class LocalEngine:
    """Annotates with an in-process ``Annotator``."""

    def __init__(self, config: WorkerConfig, annotator: Any = None) -> None:
        if annotator is None:
            from .annotate import Annotator

            annotator = Annotator(extra_paths=config.lexicon_dirs)
            annotator.warm_up()
        self.annotator = annotator
        self.options = {"lang": config.lang, "level": config.level, "first_only": config.first_only}
        self._cards: dict[str, dict[str, Any] | None] = {}

    def annotate_html(self, html: str) -> tuple[Any, list[Any], str]:
        from .htmltext import HtmlTooDeep

        try:
            result = self.annotator.annotate_html(html, **self.options)
        except HtmlTooDeep as exc:
            raise PageError("too-deep", str(exc)) from None
        return result.page, result.annotations, result.lang

    def annotate_text(self, text: str) -> tuple[list[Any], str]:
        from .annotate import detect_lang

        annotations = self.annotator.annotate_text(text, **self.options)
        return annotations, detect_lang(text) if self.options["lang"] == "auto" else self.options["lang"]

    def card(self, concept_id: str) -> dict[str, Any] | None:
        if concept_id not in self._cards:
            concept = self.annotator.lexicon.get(concept_id)
            self._cards[concept_id] = concept.to_card() if concept is not None else None
        return self._cards[concept_id]


class ServerEngine:
    """Annotates through a running Tadoru service (``POST /api/v1/annotate``).

    The page is parsed here too: the service's offsets index the page's visible text, and the
    marks go into this copy of it.  Each annotation's ``exact`` must match that text, so a
    service running different code cannot put marks in the wrong place unnoticed.
    """

    def __init__(self, config: WorkerConfig, session: Any = None) -> None:
        assert config.server_url
        self.base = config.server_url.rstrip("/")
        self.session = session if session is not None else new_session()
        self.options = {"lang": config.lang, "level": config.level, "first_only": config.first_only, "known": []}
        self._cards: dict[str, dict[str, Any] | None] = {}
        self.complete = False
        if config.cards is not None:
            self.prefill(config.cards)

    def prefill(self, cards: dict[str, dict[str, Any]]) -> None:
        """Take the service's whole lexicon at once; no other id has a card then."""
        self._cards.update(cards)
        self.complete = True

    def _annotate(self, payload: dict[str, Any]) -> dict[str, Any]:
        body = request_json(self.session, "POST", f"{self.base}/api/v1/annotate", json={**payload, **self.options})
        if not isinstance(body, dict) or not isinstance(body.get("annotations"), list):
            raise PageError("server", "the service's answer has no annotations list")
        for cid, card in (body.get("terms") or {}).items():
            if isinstance(card, dict) and not self.complete:
                self._cards[cid] = card
        return body

    def annotate_html(self, html: str) -> tuple[Any, list[Any], str]:
        from .htmltext import HtmlTooDeep, visible_text

        try:
            page = visible_text(html)
        except HtmlTooDeep as exc:
            raise PageError("too-deep", str(exc)) from None
        body = self._annotate({"html": html})
        return page, self._annotations(body, page.text), str(body.get("lang") or "en")

    def annotate_text(self, text: str) -> tuple[list[Any], str]:
        body = self._annotate({"text": text})
        return self._annotations(body, text), str(body.get("lang") or "en")

    def _annotations(self, body: dict[str, Any], text: str) -> list[Any]:
        from .annotate import Annotation

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
            self._cards[concept_id] = None if self.complete else fetch_card(self.session, self.base, concept_id)
        return self._cards[concept_id]


def new_session() -> Any:
    """A requests session that retries a refused connection or a 502/503/504 twice, and sends
    the service token (``TADORU_TOKEN`` / ``TADORU_TOKEN_FILE``) when one is set."""
    import requests
    from requests.adapters import HTTPAdapter
    from urllib3.util.retry import Retry

    session = requests.Session()
    retry = Retry(total=2, connect=2, read=0, status=2, backoff_factor=0.3, status_forcelist=(502, 503, 504),
                  allowed_methods=None, raise_on_status=False)
    session.mount("http://", HTTPAdapter(max_retries=retry))
    session.mount("https://", HTTPAdapter(max_retries=retry))
    session.headers["User-Agent"] = "tadoru-annotate"
    token = token_from_env()  # the parent checked it (a usage error there); workers only read it
    if token is not None:
        session.headers["Authorization"] = f"Bearer {token}"
    return session


def request_json(session: Any, method: str, url: str, **kwargs: Any) -> Any:
    """The JSON answer of a service call, or ``PageError("server")`` saying what went wrong."""
    import requests

    try:
        response = session.request(method, url, timeout=SERVER_TIMEOUT, **kwargs)
    except requests.RequestException as exc:
        raise PageError("server", f"cannot reach the service: {type(exc).__name__}") from None
    try:
        body = response.json()
    except ValueError:
        body = None
    if response.status_code != 200:
        error = body.get("error") if isinstance(body, dict) else None
        detail = f"{error.get('code')}: {error.get('message')}" if isinstance(error, dict) else response.reason
        raise PageError("server", f"the service answered {response.status_code} ({detail})")
    if body is None:
        raise PageError("server", "the service's answer is not JSON")
    return body


def fetch_card(session: Any, base: str, concept_id: str) -> dict[str, Any] | None:
    import requests

    try:
        response = session.get(f"{base}/api/v1/terms/{quote(concept_id, safe='')}", timeout=SERVER_TIMEOUT)
    except requests.RequestException as exc:
        raise PageError("server", f"cannot reach the service: {type(exc).__name__}") from None
    if response.status_code == 404:
        return None
    if response.status_code != 200:
        raise PageError("server", f"the service answered {response.status_code} for term '{concept_id}'")
    try:
        card = response.json()
    except ValueError:
        raise PageError("server", "the service's term card is not JSON") from None
    if isinstance(card, dict) and isinstance(card.get("term"), dict):
        card = card["term"]  # tolerate a wrapped answer
    return card if isinstance(card, dict) and card.get("id") == concept_id else None


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
        from .htmltext import HtmlTooDeep

        if isinstance(exc, HtmlTooDeep):
            return _failed(job, "too-deep", str(exc))
        from lxml import etree

        if isinstance(exc, (etree.LxmlError, ValueError)) and "lxml" in type(exc).__module__:
            return _failed(job, "unparsable", f"lxml: {exc}")
        return _failed(job, "error", f"{type(exc).__name__}: {exc}")


def _failed(job: PageJob, reason: str, message: str) -> dict[str, Any]:
    return {"input": job.rel, "status": "failed", "reason": reason, "message": message}


def _process(job: PageJob, engine: Engine, config: WorkerConfig) -> dict[str, Any]:
    from .page_output import render_html_page, render_text_page
    from .term_graph import embedded_cards
    from .webannotation import annotation_collection

    path = Path(job.path)
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
    known = set(config.known_ids)
    counts = Counter(a.term for a in every)
    terms = list(dict.fromkeys(a.term for a in every))
    shown = [a for a in every if a.term not in known]
    unknown = [t for t in terms if t not in known]
    cards = embedded_cards(unknown, engine.card)
    reader_lang = config.lang if config.lang != "auto" else lang
    source = page.source_url or (_canonical_of(visible.root) if visible is not None else None) or path.resolve().as_uri()

    written: dict[str, list[int]] = {}
    out_dir = Path(config.out_dir)
    from .batch_state import write_atomic

    if "json" in job.outputs:
        import json

        document = annotation_collection(source=source, text=text, annotations=shown, cards=cards, title=title,
                                         text_sha256=page.sha256,
                                         fmt="text/plain" if page.kind == "text" else "text/html")
        target = job.outputs["json"]
        written[target] = list(write_atomic(out_dir / target, json.dumps(document, ensure_ascii=False, indent=1) + "\n"))
    if "html" in job.outputs:
        if visible is None:
            html = render_text_page(text, shown, cards=cards, lang=reader_lang, title=title)
        else:
            html = render_html_page(visible, shown, cards=cards, lang=reader_lang, title=title, resources=page.resources)
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
        },
    }


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

