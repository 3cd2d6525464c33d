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
    sys.path.insert(0, str(REPO))  # `tests.conftest` below, whatever the working directory

from tests.conftest import CHROMIUM_ARGS

sys.path.insert(0, str(Path(__file__).resolve().parent))  # the test modules import the harness

from extension_harness import EXTENSION_DIR, PAGES_DIR, Extension


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
    profile = tmp_path_factory.mktemp("chromium-profile")
    context = playwright_instance.chromium.launch_persistent_context(
        str(profile),
        executable_path=chromium_executable,
        headless=True,
        accept_downloads=True,
        args=CHROMIUM_ARGS + [f"--disable-extensions-except={EXTENSION_DIR}", f"--load-extension={EXTENSION_DIR}"],
    )
    try:
        worker = context.service_workers[0] if context.service_workers else context.wait_for_event("serviceworker")
        extension_id = worker.url.split("/")[2]
        control = context.new_page()
        control.goto(f"chrome-extension://{extension_id}/popup/popup.html")
        yield Extension(context, extension_id, control)
    finally:
        context.close()


@pytest.fixture
def ext(extension_session: Extension, live_server) -> Iterator[Extension]:
    """The extension, reset to defaults against the session's live service."""
    extension_session.reset(live_server.url)
    yield extension_session
    for page in extension_session.pages:
        if not page.is_closed():
            page.close()
    extension_session.pages.clear()


