"""Fixtures for the extension's browser tests: real Chromium with the unpacked extension loaded,
the fixture pages served over http (content scripts do not run on file:// pages by default),
and the session's real ``tadoru serve``.

One persistent browser context serves the whole session (launching one costs ~0.5 s, but the
state a test leaves behind must not leak): the ``ext`` fixture resets the extension's storage
before every test and closes the pages the test opened.
"""

from __future__ import annotations

import functools
import sys
import threading
from collections.abc import Iterator
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[3]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))  # `harness` and `tests.conftest`, whatever the working directory


from harness.extension import PAGES_DIR, Extension, launched_extension


class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass

    def end_headers(self) -> None:
        self.send_header("Cache-Control", "no-store")
        super().end_headers()


@pytest.fixture(scope="session")
def pages_url() -> Iterator[str]:
    """Base URL of tests/fixtures/pages, served by a local http.server on a free port."""
    handler = functools.partial(_QuietHandler, directory=str(PAGES_DIR))
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture(scope="session")
def extension_session(playwright_instance, chromium_executable, tmp_path_factory) -> Iterator[Extension]:
    with launched_extension(playwright_instance, chromium_executable, tmp_path_factory.mktemp("chromium-profile"),
                            accept_downloads=True) as extension:
        yield extension


@pytest.fixture
def ext(extension_session: Extension, live_server) -> Iterator[Extension]:
    """The extension, reset to defaults against the session's live service."""
    extension_session.reset(live_server.url)
    yield extension_session
    for page in extension_session.pages:
        if not page.is_closed():
            page.close()
    extension_session.pages.clear()


