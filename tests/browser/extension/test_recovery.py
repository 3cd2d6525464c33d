"""Recovers by itself (issue 15 #7): when the service comes back, open tabs annotate without a
reload and the badge clears; a card that cannot load says why and offers to try again."""

from __future__ import annotations

import pytest

from harness.extension import api_answer, api_card, page_path
from harness.service import start_server, stop_server

pytestmark = pytest.mark.browser

PAGE = "encyclopedia.html"
CARD = "tadoru-tooltip .tadoru-card"


def test_a_service_restart_is_picked_up_without_a_reload(ext, pages_url, tmp_path):
    server = start_server(tmp_path)
    try:
        ext.set_settings(serviceUrl=server.url, definitionLang="en")
        page, info = ext.open(f"{pages_url}/{PAGE}")
        assert info["count"] > 0
        # A term whose deeper term is not on the page: that card needs the service.
        answer = api_answer(server.url, page_path(PAGE).read_text(encoding="utf-8"))
        on_page = {a["term"] for a in answer["annotations"]}
        term, deeper = next((t, d) for t in sorted(on_page) for d in api_card(server.url, t)["deeper"]
                            if d not in on_page)
    finally:
        stop_server(server.process)

    # The service is down: a new tab stays unmarked, and the badge says so …
    other, other_info = ext.open(f"{pages_url}/ja_tech_blog.html")
    assert other_info["lastError"]["code"] == "service_unreachable"
    assert other.locator("tadoru-term").count() == 0 and ext.badge() == "!"
    # … and a card that cannot load says why, with a way to try again.
    page.bring_to_front()
    page.locator(f"tadoru-term[data-term='{term}']").first.hover()  # (a click would follow the link it sits in)
    page.locator(f"{CARD} .tadoru-deeper button[data-term='{deeper}']").click()
    failed = page.locator(f"{CARD}[data-term='{deeper}']")
    failed.locator(".tadoru-retry").wait_for()
    assert failed.locator(".tadoru-error").inner_text() == "Could not load this term."
    assert server.url in failed.locator(".tadoru-error-detail").inner_text()

    back = start_server(tmp_path, port=server.port)  # the service comes back where it was
    try:
        # The tab marks itself, without a reload, and the badge clears.
        other.wait_for_selector("tadoru-term[data-term]", timeout=45_000)
        assert ext.badge() == ""
        failed.locator(".tadoru-retry").click()
        page.locator(f"{CARD}[data-term='{deeper}'] .tadoru-definition").wait_for()
        assert page.locator(f"{CARD} .tadoru-definition").inner_text() == api_card(back.url, deeper)["definition"]["en"]
    finally:
        stop_server(back.process)
