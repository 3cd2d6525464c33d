"""The trace picture in a real Chromium (issue 15 #5): it fits a 360 px phone, and pointing at
or focusing a term lights exactly the path to it.  The geometry (no arrow behind a box) is
checked for every shipped picture in tests/unit/test_trace_geometry.py."""

from __future__ import annotations

import pytest
import requests

from tests.conftest import recording_page

pytestmark = pytest.mark.browser

PHONE = {"width": 360, "height": 740}
ISSUE_TERMS = ("fine-tuning", "lora", "transformer", "convolutional-neural-network")


def ancestors_or_self(live_server, term: str, goal: str) -> tuple[set[str], set[tuple[str, str]]]:
    """The nodes and edges on some path from ``term`` down to ``goal``, from the API's graph."""
    graph = requests.get(f"{live_server.url}/api/v1/trace/{term}", timeout=30).json()["graph"]
    above: dict[str, list[str]] = {}
    for a, b in graph["edges"]:
        above.setdefault(b, []).append(a)
    nodes, todo = {goal}, [goal]
    while todo:
        for a in above.get(todo.pop(), []):
            if a not in nodes:
                nodes.add(a)
                todo.append(a)
    return nodes, {(a, b) for a, b in graph["edges"] if b in nodes}


def lit(page) -> tuple[set[str], set[tuple[str, str]]]:
    nodes = {g.get_attribute("data-term") for g in page.locator("svg.trace-svg g.trace-node.trace-on").all()}
    edges = {(p.get_attribute("data-from"), p.get_attribute("data-to"))
             for p in page.locator("svg.trace-svg path.trace-edge.trace-on").all()}
    return nodes, edges


def test_the_picture_fits_a_360_px_phone_with_readable_labels(browser, live_server, tmp_path):
    with recording_page(browser, viewport=PHONE) as page:
        for lang in ("ja", "en"):
            for term in ISSUE_TERMS:
                page.goto(f"{live_server.url}/terms/{term}?lang={lang}")
                svg = page.locator("#trace-picture svg.trace-svg")
                box = svg.bounding_box()
                assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"], (term, box)
                view_width = float(svg.get_attribute("viewBox").split()[2])
                assert box["width"] / view_width >= 0.75, (term, lang, box["width"], view_width)  # 13 px → ≥ 10 px
                picture = page.locator("#trace-picture").bounding_box()
                assert picture["x"] >= 0 and picture["x"] + picture["width"] <= PHONE["width"], (term, picture)
        page.screenshot(path=str(tmp_path / "cnn-en-360.png"), full_page=True)
        assert page.dialogs == []


def test_hover_and_focus_light_the_path_to_a_term(page, live_server):
    page.goto(f"{live_server.url}/terms/transformer?lang=ja")
    svg = page.locator("#trace-picture svg.trace-svg")
    goal = "neural-network"
    want_nodes, want_edges = ancestors_or_self(live_server, "transformer", goal)
    page.locator(f'g.trace-node[data-term="{goal}"]').hover()
    page.wait_for_function("() => document.querySelector('svg.trace-svg').classList.contains('trace-lit')")
    assert lit(page) == (want_nodes, want_edges)
    # the unlit rest fades, the lit arrows stay fully drawn
    faded = page.locator('svg.trace-svg path.trace-edge:not(.trace-on)').first
    assert float(faded.evaluate("e => getComputedStyle(e).opacity")) < 0.5
    assert float(page.locator("svg.trace-svg path.trace-edge.trace-on").first.evaluate(
        "e => getComputedStyle(e).opacity")) == 1
    page.mouse.move(1, 1)
    page.wait_for_function("() => !document.querySelector('svg.trace-svg').classList.contains('trace-lit')")
    assert lit(page) == (set(), set())

    # the keyboard: focusing a term's link lights its path too
    other = "machine-learning"
    page.locator(f'a.trace-link:has(g.trace-node[data-term="{other}"])').focus()
    page.wait_for_function("() => document.querySelector('svg.trace-svg').classList.contains('trace-lit')")
    assert lit(page) == ancestors_or_self(live_server, "transformer", other)
    page.keyboard.press("Tab")  # on to the next term: its own path
    focused = page.evaluate("document.activeElement.querySelector('.trace-node')?.getAttribute('data-term')")
    assert focused and lit(page)[0] == ancestors_or_self(live_server, "transformer", focused)[0]
    assert svg.get_attribute("data-term") == "transformer" and page.dialogs == []


def test_a_known_term_is_drawn_as_a_stop(page, live_server):
    page.goto(f"{live_server.url}/terms/transformer?lang=en&known=neural-network")
    node = page.locator('svg.trace-svg g.trace-node.trace-known[data-term="neural-network"]')
    assert node.count() == 1 and node.is_visible()
    assert node.locator("text").text_content().startswith("✓")
    assert page.locator('svg.trace-svg path.trace-edge[data-from="neural-network"]').count() == 0
    assert page.locator(".trace-steps li[data-term='neural-network']").count() == 0
