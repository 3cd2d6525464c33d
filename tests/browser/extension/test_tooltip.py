"""The tooltip as the extension wires it: definitions from the service in the chosen language,
the trace through deeper terms and back, "I know this", keyboard, viewport and dark mode."""

from __future__ import annotations

import re

import pytest

from harness.extension import HIGHLIGHTS_JS, api_card

pytestmark = pytest.mark.browser

CARD = "tadoru-tooltip .tadoru-card"


def open_tooltip(page, term: str):
    page.locator(f"tadoru-term[data-term='{term}']").first.hover()
    card = page.locator(f"{CARD}[data-term='{term}']")
    card.locator(".tadoru-definition").wait_for()
    return card


@pytest.mark.parametrize("lang", ["ja", "en"])
def test_tooltip_shows_the_definition_in_the_chosen_language(ext, pages_url, live_server, lang):
    ext.set_settings(definitionLang=lang)
    page, _ = ext.open(f"{pages_url}/en_arxiv_paper.html")
    card = open_tooltip(page, "lora")
    expected = api_card(live_server.url, "lora")
    assert card.locator(".tadoru-definition").text_content() == expected["definition"][lang]
    assert card.locator(".tadoru-label-en").text_content() == expected["label"]["en"]
    assert card.locator(".tadoru-label-ja").text_content() == expected["label"]["ja"]
    assert card.locator(".tadoru-level").get_attribute("data-level") == str(expected["level"])
    link = card.locator(".tadoru-term-link")
    assert link.get_attribute("href") == f"{live_server.url}/terms/lora"


def test_auto_language_follows_the_browser(ext, pages_url, live_server):
    """Chromium here runs in English, so "auto" shows English definitions on a Japanese page."""
    page, _ = ext.open(f"{pages_url}/ja_tech_blog.html")
    ui = page.evaluate("() => navigator.language")
    lang = "ja" if ui.lower().startswith("ja") else "en"
    card = open_tooltip(page, "fine-tuning")
    assert card.locator(".tadoru-definition").text_content() == api_card(live_server.url, "fine-tuning")["definition"][lang]


def test_deeper_term_opens_its_card_and_back_returns(ext, pages_url, live_server):
    ext.set_settings(definitionLang="en")
    page, _ = ext.open(f"{pages_url}/en_arxiv_paper.html")
    lora = api_card(live_server.url, "lora")
    assert lora["deeper"], "LoRA builds on deeper terms"
    card = open_tooltip(page, "lora")
    buttons = card.locator(".tadoru-deeper button")
    assert sorted(buttons.evaluate_all("(bs) => bs.map((b) => b.dataset.term)")) == sorted(lora["deeper"])
    deeper_id = lora["deeper"][0]
    buttons.first.click()
    deeper = page.locator(f"{CARD}[data-term='{deeper_id}']")
    deeper.locator(".tadoru-definition").wait_for()
    assert deeper.locator(".tadoru-definition").text_content() == api_card(live_server.url, deeper_id)["definition"]["en"]
    deeper.locator(".tadoru-back").click()
    back = page.locator(f"{CARD}[data-term='lora']")
    back.locator(".tadoru-definition").wait_for()
    assert back.locator(".tadoru-definition").text_content() == lora["definition"]["en"]


def test_i_know_this_removes_the_term_everywhere_and_survives_a_reload(ext, pages_url):
    url = f"{pages_url}/encyclopedia.html"
    other, _ = ext.open(f"{pages_url}/en_arxiv_paper.html")  # another tab, open meanwhile
    page, _ = ext.open(url)
    text_before = page.evaluate("() => document.body.innerText")
    marked = page.evaluate(HIGHLIGHTS_JS)
    fine_tuning = sum(1 for t, _ in marked if t == "fine-tuning")
    assert fine_tuning >= 3 and other.locator("tadoru-term[data-term='fine-tuning']").count() >= 1
    others = len(marked) - fine_tuning

    card = open_tooltip(page, "fine-tuning")
    card.locator(".tadoru-known").click()
    page.wait_for_function("() => !document.querySelector(\"tadoru-term[data-term='fine-tuning']\")")
    assert len(page.evaluate(HIGHLIGHTS_JS)) == others, "other terms keep their highlights"
    assert page.evaluate("() => document.body.innerText") == text_before, "the page's text is intact"
    assert "fine-tuning" in ext.known()
    other.wait_for_function("() => !document.querySelector(\"tadoru-term[data-term='fine-tuning']\")")

    page.reload()
    ext.wait_done(page)
    assert page.locator("tadoru-term[data-term='fine-tuning']").count() == 0
    assert page.locator("tadoru-term").count() >= others - 1


def test_keyboard_tab_reaches_highlights_enter_opens_escape_closes(ext, pages_url):
    page, _ = ext.open(f"{pages_url}/hostile_css.html")
    for _ in range(40):
        page.keyboard.press("Tab")
        if page.evaluate("() => document.activeElement && document.activeElement.localName === 'tadoru-term'"):
            break
    else:
        pytest.fail("Tab never reached a highlight")
    term = page.evaluate("() => document.activeElement.dataset.term")
    card = page.locator(f"{CARD}[data-term='{term}']")
    card.locator(".tadoru-definition").wait_for()  # focus opens it
    page.keyboard.press("Escape")
    card.wait_for(state="hidden")
    page.keyboard.press("Enter")
    card.locator(".tadoru-definition").wait_for()
    assert page.evaluate("() => document.querySelector('tadoru-tooltip').shadowRoot.activeElement !== null")


def _luminance(css_color: str) -> float:
    r, g, b = (int(x) for x in re.findall(r"\d+", css_color)[:3])
    return (0.2126 * r + 0.7152 * g + 0.0722 * b) / 255


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_tooltip_stays_inside_the_viewport_in_light_and_dark(ext, pages_url, scheme):
    page = ext.new_page()
    page.set_viewport_size({"width": 480, "height": 360})
    page.emulate_media(color_scheme=scheme)
    page.goto(f"{pages_url}/en_arxiv_paper.html")
    ext.wait_done(page)
    # The last highlight of a paragraph near the bottom-right corner of the viewport.
    target = page.locator("#S1\\.p1 tadoru-term").last
    target.scroll_into_view_if_needed()
    page.evaluate("(el) => window.scrollBy(0, el.getBoundingClientRect().bottom - innerHeight + 4)", target.element_handle())
    assert target.evaluate("(el) => el.getBoundingClientRect().bottom") > 300, "the highlight sits at the bottom"
    page.mouse.move(0, 0)
    target.evaluate("(el) => el.focus({preventScroll: true})")  # focus opens it, as hover does
    card = page.locator(CARD)
    card.locator(".tadoru-definition").wait_for()
    box = card.bounding_box()
    assert box is not None
    assert box["x"] >= 0 and box["y"] >= 0
    assert box["x"] + box["width"] <= 480 + 0.5 and box["y"] + box["height"] <= 360 + 0.5
    background = card.evaluate("(el) => getComputedStyle(el).backgroundColor")
    lum = _luminance(background)
    assert (lum < 0.35) if scheme == "dark" else (lum > 0.65), background
