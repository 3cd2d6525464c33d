"""Shared fixtures: one Annotator per session, a real ``tadoru serve`` subprocess, Chromium.

Browser tests skip on a machine without Chromium, except in CI (``CI=true``), where a missing
browser is a failure: a green CI must mean the browser tests ran.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from harness.chromium import CHROMIUM_ARGS
from harness.service import LiveServer, start_server, stop_server

REPO = Path(__file__).resolve().parent.parent
CHROMIUM_CANDIDATES = ("/usr/lib/chromium/chromium", "/usr/bin/chromium", "/usr/bin/chromium-browser")
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")


@pytest.fixture(scope="session", autouse=True)
def _private_compiled_cache(tmp_path_factory) -> Iterator[None]:
    """Workers the tests start keep their compiled lexicon in a folder of this run, not ~/.cache."""
    previous = os.environ.get("TADORU_CACHE_DIR")
    os.environ["TADORU_CACHE_DIR"] = str(tmp_path_factory.mktemp("compiled-cache"))
    yield
    if previous is None:
        os.environ.pop("TADORU_CACHE_DIR", None)
    else:
        os.environ["TADORU_CACHE_DIR"] = previous


@pytest.fixture(scope="session")
def annotator():
    from tadoru import Annotator

    return Annotator()


@pytest.fixture(scope="session")
def lexicon(annotator):
    return annotator.lexicon


@pytest.fixture(scope="session")
def live_server(tmp_path_factory) -> Iterator[LiveServer]:
    """One real service for the whole session (tests must not change its state)."""
    server = start_server(tmp_path_factory.mktemp("live"))
    yield server
    stop_server(server.process)


def chromium_path() -> str | None:
    for candidate in CHROMIUM_CANDIDATES:
        if os.path.exists(candidate):
            return candidate
    return shutil.which("chromium")


@pytest.fixture(scope="session")
def chromium_executable() -> str:
    path = chromium_path()
    if path is None:
        if IN_CI:
            pytest.fail("Chromium is not installed, and CI=true: browser tests must run in CI")
        pytest.skip("Chromium is not installed (apt-get install chromium)")
    try:
        import playwright  # noqa: F401
    except ImportError:
        if IN_CI:
            pytest.fail("playwright is not installed, and CI=true")
        pytest.skip("playwright is not installed (pip install -e '.[test]')")
    return path


#: Flags that keep Chromium quiet on a machine with no network but loopback.


@pytest.fixture(scope="session")
def playwright_instance(chromium_executable):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        yield p


@pytest.fixture(scope="session")
def browser(playwright_instance, chromium_executable):
    """A plain headless Chromium (no extension) for the service's own pages and batch outputs."""
    b = playwright_instance.chromium.launch(executable_path=chromium_executable, headless=True, args=CHROMIUM_ARGS)
    yield b
    b.close()


def record_dialogs(page: Any) -> Any:
    """Give ``page`` a ``dialogs`` list that records (and dismisses) every dialog it opens."""
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.dialogs = dialogs
    return page


@contextmanager
def recording_page(browser: Any, **context_options: Any) -> Iterator[Any]:
    """A page in a fresh context, recording its dialogs (``record_dialogs``)."""
    context = browser.new_context(**context_options)
    try:
        yield record_dialogs(context.new_page())
    finally:
        context.close()


@pytest.fixture
def page(browser):
    with recording_page(browser) as pg:
        yield pg


PDF_FIXTURES = REPO / "tests" / "fixtures" / "pdf"


@pytest.fixture(scope="session")
def pdfs(browser) -> dict[str, bytes]:
    """The fixture articles of tests/fixtures/pdf/ printed to PDF by Chromium, once per session:
    ``paper_en`` (two columns, formulas, hyphenation, references), ``article_ja``, ``scanned``
    (a canvas only: no text layer)."""
    printed = {}
    for path in sorted(PDF_FIXTURES.glob("*.html")):
        context = browser.new_context()
        try:
            page = context.new_page()
            page.set_content(path.read_text(encoding="utf-8"))
            printed[path.stem] = page.pdf(prefer_css_page_size=True, print_background=True)
        finally:
            context.close()
    return printed
