"""The service's web pages in headless Chromium, against the real ``tadoru serve``.

Paste → highlights → tooltip (in its open shadow root) → deeper terms → term page with the
trace picture; keyboard use; "I know this"; and pasted markup that must never run.
"""

from __future__ import annotations

from collections import deque
from itertools import pairwise

import pytest
import requests

from tadoru import load_lexicon

pytestmark = pytest.mark.browser

SEED_JA = "ファインチューニングとは、既に学習済みのモデルに新たな層を追加し、モデル全体を再学習する手法です。"
JA_PARAGRAPH = SEED_JA + "大規模言語モデルの微調整には、LoRAのような手法がよく使われる。"
EN_PARAGRAPH = ("LoRA is a cheap fine-tuning method for a large language model: the original weights stay "
                "frozen and only small low-rank matrices are trained.")
TOOLTIP = "tadoru-tooltip"


def card(live_server, term_id: str) -> dict:
    return requests.get(f"{live_server.url}/api/v1/terms/{term_id}", timeout=30).json()


def deeper_path(live_server, start: str, goal: str) -> list[str]:
    """A chain start → … → goal following ``deeper`` links (shortest), from the API's trace graph."""
    graph = requests.get(f"{live_server.url}/api/v1/trace/{start}", timeout=30).json()["graph"]
    below: dict[str, list[str]] = {}
    for a, b in graph["edges"]:
        below.setdefault(a, []).append(b)
    came_from = {start: None}
    queue = deque([start])
    while queue:
        cur = queue.popleft()
        if cur == goal:
            break
        for nxt in below.get(cur, []):
            if nxt not in came_from:
                came_from[nxt] = cur
                queue.append(nxt)
    assert goal in came_from, f"{goal} is not reachable from {start} through deeper links"
    chain = [goal]
    while chain[-1] != start:
        chain.append(came_from[chain[-1]])
    return chain[::-1]


def paste(page, live_server, text: str, lang: str = "en", density: str | None = None) -> None:
    page.goto(f"{live_server.url}/?lang={lang}")
    page.fill("#text", text)
    if density:
        page.select_option("#density", density)
    page.click("#tadoru-form button[type=submit]")
    page.wait_for_selector("#tadoru-result")
    page.wait_for_selector("html[data-tadoru-ready]", state="attached")  # the tooltip listens from here on


def tooltip_card(page):
    return page.locator(f"{TOOLTIP} .tadoru-card")


def test_paste_japanese_and_english_then_hover_and_follow_a_deeper_term(page, live_server):
    console: list[str] = []
    page.on("console", lambda m: console.append(m.text))
    paste(page, live_server, JA_PARAGRAPH + "\n\n" + EN_PARAGRAPH, lang="en", density="all")

    marks = page.locator("#tadoru-result tadoru-term")
    found = {m.get_attribute("data-term"): m.inner_text() for m in marks.all()}
    assert found["fine-tuning"] == "ファインチューニング" or "fine-tuning" in found.values()
    assert page.locator('tadoru-term[data-term="fine-tuning"]').first.inner_text() == "ファインチューニング"
    assert "large-language-model" in found and "lora" in found
    assert page.locator('tadoru-term[data-term="lora"]').count() == 2
    # One Tab stop for all of them (roving focus), each a button with its text as its name.
    assert [m.get_attribute("tabindex") for m in marks.all()].count("0") == 1
    assert all(m.get_attribute("role") == "button" for m in marks.all())
    # the sidebar lists each term once
    assert page.locator('.found-terms li[data-term="lora"]').count() == 1
    # Tinted by level, as in the extension (issue 15 #2).
    lexicon = load_lexicon()
    assert {m.get_attribute("data-term"): m.get_attribute("data-level") for m in marks.all()} == {
        term: str(lexicon[term].level) for term in found}

    # hover a Japanese term: the tooltip shows both labels and the English definition (UI is English)
    expected = card(live_server, "fine-tuning")
    page.hover('tadoru-term[data-term="fine-tuning"]')
    definition = page.locator(f"{TOOLTIP} .tadoru-definition")
    definition.wait_for()
    assert definition.inner_text() == expected["definition"]["en"]
    assert page.locator(f"{TOOLTIP} .tadoru-label-en").inner_text() == "fine-tuning"
    assert page.locator(f"{TOOLTIP} .tadoru-label-ja").inner_text() == "ファインチューニング"
    assert page.locator(f"{TOOLTIP} .tadoru-level").get_attribute("data-level") == str(expected["level"])
    # the host is an open shadow root, built without innerHTML from page content
    assert page.evaluate("document.querySelector('tadoru-tooltip').shadowRoot.mode") == "open"

    # click a deeper term: the same tooltip shows that card, with a way back
    first_deeper = expected["deeper"][0]
    page.locator(f'{TOOLTIP} .tadoru-deeper button[data-term="{first_deeper}"]').click()
    page.wait_for_function(
        "id => document.querySelector('tadoru-tooltip').shadowRoot.querySelector('.tadoru-card').dataset.term === id",
        arg=first_deeper)
    deeper_card = card(live_server, first_deeper)
    page.locator(f"{TOOLTIP} .tadoru-definition").wait_for()
    assert page.locator(f"{TOOLTIP} .tadoru-definition").inner_text() == deeper_card["definition"]["en"]
    assert page.locator(f"{TOOLTIP} .tadoru-label-en").inner_text() == deeper_card["label"]["en"]
    page.locator(f"{TOOLTIP} .tadoru-back").click()
    page.wait_for_function("() => document.querySelector('tadoru-tooltip').shadowRoot.querySelector('.tadoru-card').dataset.term === 'fine-tuning'")
    assert page.locator(f"{TOOLTIP} .tadoru-back").count() == 0

    # the tooltip stays inside the viewport
    box = tooltip_card(page).bounding_box()
    viewport = page.viewport_size
    assert box["x"] >= 0 and box["y"] >= 0
    assert box["x"] + box["width"] <= viewport["width"] and box["y"] + box["height"] <= viewport["height"]

    assert page.dialogs == []
    assert not [m for m in console if "Content Security Policy" in m], console
    assert not [m for m in console if "Failed to load" in m], console


def test_japanese_pages_show_japanese_definitions(page, live_server):
    paste(page, live_server, EN_PARAGRAPH, lang="ja")
    assert page.locator("html").get_attribute("lang") == "ja"
    page.hover('tadoru-term[data-term="lora"]')
    definition = page.locator(f"{TOOLTIP} .tadoru-definition")
    definition.wait_for()
    assert definition.inner_text() == card(live_server, "lora")["definition"]["ja"]
    assert page.locator(f"{TOOLTIP} .tadoru-known").inner_text() == "知っている"


def test_done_when_trace_fine_tuning_down_to_machine_learning(page, live_server, tmp_path):
    """The issue's acceptance path: paste the seed sentence, hover, follow deeper terms, see the picture."""
    chain = deeper_path(live_server, "fine-tuning", "machine-learning")
    assert chain[0] == "fine-tuning" and chain[-1] == "machine-learning" and len(chain) >= 2

    paste(page, live_server, SEED_JA, lang="ja")
    term = page.locator('#tadoru-result tadoru-term[data-term="fine-tuning"]')
    assert term.inner_text() == "ファインチューニング"
    term.hover()
    page.locator(f"{TOOLTIP} .tadoru-definition").wait_for()
    for step in chain[1:]:
        page.locator(f'{TOOLTIP} .tadoru-deeper button[data-term="{step}"]').click()
        page.wait_for_function(
            "id => document.querySelector('tadoru-tooltip').shadowRoot.querySelector('.tadoru-card').dataset.term === id"
            " && document.querySelector('tadoru-tooltip').shadowRoot.querySelector('.tadoru-definition')", arg=step)
    assert page.locator(f"{TOOLTIP} .tadoru-label-en").inner_text() == "machine learning"
    assert page.locator(f"{TOOLTIP} .tadoru-label-ja").inner_text() == "機械学習"
    assert page.locator(f"{TOOLTIP} .tadoru-reading").inner_text() == "きかいがくしゅう"  # how 機械学習 sounds
    page.screenshot(path=str(tmp_path / "tooltip-machine-learning.png"))

    # back up the chain to fine-tuning, then open its term page from the tooltip
    for _ in chain[1:]:
        page.locator(f"{TOOLTIP} .tadoru-back").click()
    page.wait_for_function("() => document.querySelector('tadoru-tooltip').shadowRoot.querySelector('.tadoru-card').dataset.term === 'fine-tuning'")
    page.locator(f"{TOOLTIP} .tadoru-term-link").click()
    page.wait_for_url("**/terms/fine-tuning")

    picture = page.locator("#trace-picture svg.trace-svg")
    picture.wait_for()
    assert picture.get_attribute("data-term") == "fine-tuning"
    for step in chain:
        node = picture.locator(f'g.trace-node[data-term="{step}"]')
        assert node.count() == 1, step
        assert node.is_visible()
    for a, b in pairwise(chain):
        assert picture.locator(f'path.trace-edge[data-from="{a}"][data-to="{b}"]').count() == 1
    assert picture.locator("g.trace-node.trace-target").get_attribute("data-term") == "fine-tuning"
    # the picture's nodes are the API's trace, and its labels are in the page's language
    trace = requests.get(f"{live_server.url}/api/v1/trace/fine-tuning", timeout=30).json()
    drawn = [g.get_attribute("data-term") for g in picture.locator("g.trace-node").all()]
    assert drawn == trace["path"]
    assert "機械学習" in picture.locator('g.trace-node[data-term="machine-learning"] text').text_content()
    page.screenshot(path=str(tmp_path / "term-page.png"), full_page=True)

    # a node of the picture links to that term's page
    picture.locator('g.trace-node[data-term="machine-learning"]').click()
    page.wait_for_url("**/terms/machine-learning")
    assert page.dialogs == []


def test_keyboard_reaches_highlights_enter_opens_esc_closes(page, live_server):
    paste(page, live_server, EN_PARAGRAPH, lang="en")
    first = page.locator("#tadoru-result tadoru-term").first
    first.focus()
    page.locator(f"{TOOLTIP} .tadoru-definition").wait_for()
    page.keyboard.press("Enter")
    page.wait_for_function("() => document.querySelector('tadoru-tooltip').shadowRoot.activeElement !== null")
    page.keyboard.press("Tab")  # moves among the tooltip's own buttons
    assert page.evaluate("document.querySelector('tadoru-tooltip').shadowRoot.activeElement.tagName") in ("BUTTON", "A")
    page.keyboard.press("Escape")
    page.wait_for_function("() => getComputedStyle(document.querySelector('tadoru-tooltip')).display === 'none'")
    assert page.evaluate("document.activeElement.tagName") == "TADORU-TERM"


def test_highlights_are_one_tab_stop_and_arrows_move_between_them(page, live_server):
    """Issue 15 #3: 70 highlights must not be 70 Tab stops; arrows, j/k, Home/End move; Tab leaves."""
    paste(page, live_server, EN_PARAGRAPH + "\n\n" + JA_PARAGRAPH, lang="en")
    marks = page.locator("#tadoru-result tadoru-term")
    count = marks.count()
    assert count >= 6
    terms = [m.get_attribute("data-term") for m in marks.all()]
    page.evaluate("document.activeElement && document.activeElement.blur()")
    focused = []
    for _ in range(count + 12):  # Tab through the whole page from its top
        page.keyboard.press("Tab")
        focused.append(page.evaluate("document.activeElement.localName"))
    assert focused.count("tadoru-term") == 1, focused
    assert "textarea" in focused  # the walk went on past the highlights, to the form
    # Back on the highlights: arrows and j/k walk them in order, the card follows.
    marks.first.focus()
    active = "document.activeElement.getAttribute('data-term')"
    page.keyboard.press("ArrowRight")
    assert page.evaluate(active) == terms[1]
    page.keyboard.press("j")
    assert page.evaluate(active) == terms[2]
    page.keyboard.press("k")
    assert page.evaluate(active) == terms[1]
    page.locator(f"{TOOLTIP} .tadoru-card[data-term='{terms[1]}'] .tadoru-definition").wait_for()
    page.keyboard.press("End")
    assert page.evaluate(active) == terms[-1]
    assert page.evaluate("document.activeElement.getAttribute('tabindex')") == "0"
    assert [m.get_attribute("tabindex") for m in marks.all()].count("0") == 1  # the stop moved with focus
    page.keyboard.press("Escape")
    page.wait_for_function("() => getComputedStyle(document.querySelector('tadoru-tooltip')).display === 'none'")
    page.keyboard.press("Tab")  # leaves the highlights
    assert page.evaluate("document.activeElement.localName") != "tadoru-term"


def test_the_card_waits_for_the_pointer_to_rest(page, live_server):
    paste(page, live_server, EN_PARAGRAPH, lang="en")
    first = page.locator("#tadoru-result tadoru-term").first
    box = first.bounding_box()
    page.mouse.move(box["x"] + 2, box["y"] + box["height"] / 2)
    page.mouse.move(0, 0)  # passing over on the way elsewhere opens nothing
    page.wait_for_timeout(400)
    assert page.evaluate("!document.querySelector('tadoru-tooltip') || "
                         "getComputedStyle(document.querySelector('tadoru-tooltip')).display === 'none'")
    first.hover()  # resting on it does
    page.locator(f"{TOOLTIP} .tadoru-definition").wait_for()


def test_the_form_is_calm_by_default_and_keeps_the_density_chosen(page, live_server):
    text = "# LoRA\n\nLoRA adapts a model; LoRA is cheap.\n\n## Serving\n\nWe serve it with LoRA on a GPU, and one GPU is enough."
    paste(page, live_server, text, lang="en")
    assert page.input_value("#density") == "calm"
    assert page.locator('#tadoru-result tadoru-term[data-term="lora"]').count() == 2  # once per section, not the headings
    assert page.locator('#tadoru-result tadoru-term[data-term="gpu"]').count() == 1  # twice in one section
    paste(page, live_server, text, lang="en", density="first")
    assert page.input_value("#density") == "first"
    assert page.locator('#tadoru-result tadoru-term[data-term="lora"]').count() == 1
    paste(page, live_server, text, lang="en", density="all")
    assert page.locator('#tadoru-result tadoru-term[data-term="lora"]').count() == 4


def test_i_know_this_unmarks_the_term_and_is_remembered(page, live_server):
    paste(page, live_server, EN_PARAGRAPH + " LoRA again.", lang="en", density="all")
    assert page.locator('tadoru-term[data-term="lora"]').count() == 2
    page.hover('tadoru-term[data-term="lora"]')
    page.locator(f"{TOOLTIP} .tadoru-known").click()
    page.wait_for_function("() => !document.querySelector('tadoru-term[data-term=\"lora\"]')")
    assert "LoRA is a cheap" in page.locator("#tadoru-result").inner_text()
    assert page.evaluate("JSON.parse(localStorage.getItem('tadoru.known'))") == ["lora"]
    # the next paste leaves it unmarked, and the form says so
    assert page.locator("#known-info").is_visible()
    page.fill("#text", EN_PARAGRAPH)
    page.click("#tadoru-form button[type=submit]")
    page.wait_for_selector("#tadoru-result")
    page.wait_for_selector("html[data-tadoru-ready]", state="attached")  # the tooltip listens from here on
    assert page.locator('tadoru-term[data-term="lora"]').count() == 0
    assert page.locator('tadoru-term[data-term="large-language-model"]').count() == 1
    page.click("#known-forget")
    assert page.evaluate("JSON.parse(localStorage.getItem('tadoru.known'))") == []


def test_pasted_markup_never_runs(page, live_server):
    evil = '<img src=x onerror=alert(1)>\n<script>alert(1)</script>\n<svg onload=alert(2)>LoRA</svg> "><b>bold</b>'
    paste(page, live_server, evil, lang="en")
    page.wait_for_timeout(300)
    result = page.locator("#tadoru-result")
    assert result.inner_text() == evil
    assert result.locator("img, script, svg, b").count() == 0
    page.hover('tadoru-term[data-term="lora"]')
    page.locator(f"{TOOLTIP} .tadoru-definition").wait_for()
    # the text box still holds the text as typed
    assert page.input_value("#text") == evil
    assert page.dialogs == []


def test_uploaded_page_keeps_its_structure_and_nothing_runs(page, live_server, tmp_path):
    """Issue 15: an upload kept only its text; now headings, lists, tables and code stay, inert."""
    requests_made: list[str] = []
    page.on("request", lambda r: requests_made.append(r.url))
    saved = tmp_path / "saved.html"
    saved.write_text("<html><body><h1>LoRA</h1><img src=x onerror=alert(1)><p>大規模言語モデル</p>"
                     "<script>alert(2)</script><p onclick=alert(3)>&lt;script&gt;alert(4)&lt;/script&gt;</p>"
                     "<ul><li>RAG</li><li>two</li></ul>"
                     "<table><tr><th>method</th><th>idea</th></tr><tr><td>LoRA</td><td>low-rank</td></tr></table>"
                     "<pre><code>peft.LoraConfig(r=8)\nprint('LoRA')</code></pre>"
                     "<img src='https://example.invalid/pixel.png'><svg onload=alert(5)></svg></body></html>",
                     encoding="utf-8")
    page.goto(f"{live_server.url}/?lang=en")
    page.set_input_files("#file", str(saved))
    page.click("#tadoru-form button[type=submit]")
    page.wait_for_selector("#tadoru-result")
    page.wait_for_selector("html[data-tadoru-ready]", state="attached")  # the tooltip listens from here on
    page.wait_for_timeout(300)
    result = page.locator("#tadoru-result")
    assert result.locator("h2").inner_text() == "LoRA"
    assert result.locator("ul > li").count() == 2
    assert result.locator("table td").all_inner_texts() == ["LoRA", "low-rank"]
    assert result.locator("table tadoru-term[data-term=lora]").count() == 1
    assert result.locator("pre code").inner_text() == "peft.LoraConfig(r=8)\nprint('LoRA')"
    assert result.locator("pre tadoru-term").count() == 0
    assert result.locator("img, script, svg, [onclick]").count() == 0
    assert "<script>alert(4)</script>" in result.inner_text()
    assert page.locator('tadoru-term[data-term="large-language-model"]').count() == 1
    assert "saved.html" in page.locator(".result-summary").inner_text()
    page.hover('#tadoru-result td tadoru-term[data-term="lora"]')
    page.locator(f"{TOOLTIP} .tadoru-definition").wait_for()
    assert page.dialogs == []
    assert not [u for u in requests_made if not u.startswith(live_server.url)], requests_made


def test_switching_the_language_keeps_the_result_and_back_never_reposts(page, live_server):
    """Issue 15: the switch lost the result, and Back asked to resubmit the form."""
    posts: list[str] = []
    page.on("request", lambda r: posts.append(r.url) if r.method == "POST" else None)
    paste(page, live_server, EN_PARAGRAPH, lang="en")
    assert "/result/" in page.url
    marks = page.locator("#tadoru-result tadoru-term").all_inner_texts()
    assert marks and page.locator("#result-heading").inner_text() == "Result"

    page.click('.lang-switch a[hreflang="ja"]')
    page.wait_for_selector("#tadoru-result")
    assert page.locator("html").get_attribute("lang") == "ja"
    assert page.locator("#result-heading").inner_text() == "結果"
    assert page.locator("#tadoru-result tadoru-term").all_inner_texts() == marks
    assert page.input_value("#text") == EN_PARAGRAPH
    page.hover('tadoru-term[data-term="lora"]')
    page.locator(f"{TOOLTIP} .tadoru-definition").wait_for()

    page.go_back()
    page.wait_for_selector("#tadoru-result")
    assert page.locator("#tadoru-result tadoru-term").all_inner_texts() == marks
    page.reload()
    page.wait_for_selector("#tadoru-result")
    assert len(posts) == 1, posts  # only the one submission: Back and Reload are GETs
    assert page.dialogs == []

    page.goto(f"{live_server.url}/result/{'A' * 22}?lang=en")
    assert "no longer kept" in page.locator("main").inner_text()
    page.click("#result-missing-back")
    page.wait_for_selector("#tadoru-form")


def test_glossary_searches_as_you_type_by_reading_and_with_typos(page, live_server):
    page.goto(f"{live_server.url}/terms?lang=en")
    total = page.locator("#glossary .entry").count()
    for query, first in (("かがくしゅう", "overfitting"), ("attension", "attention"), ("ろら", "lora")):
        page.fill("#q", query)  # no Enter: the list follows the typing
        page.wait_for_function(
            "id => { const e = document.querySelector('#glossary .entry'); return e && e.dataset.term === id; }",
            arg=first)
        assert page.locator("#glossary .entry").count() < total
        assert query in page.url or "q=" in page.url  # Reload and Back keep the search
        assert page.locator("#glossary-count").inner_text().endswith(f"of {total} terms")
    page.fill("#q", "zzzzzz")
    page.locator("#glossary-empty").wait_for()
    assert page.locator("#glossary .entry").count() == 0
    page.fill("#q", "attention")
    page.select_option("#f-level", "3")
    page.wait_for_function("() => [...document.querySelectorAll('#glossary .entry')].every(e => e.dataset.level === '3')"
                           " && document.querySelectorAll('#glossary .entry').length > 0")
    link = page.locator("#glossary .entry dt a").first
    href = link.get_attribute("href")
    link.click()
    page.wait_for_url(f"**{href}")
    assert page.dialogs == []


def test_glossary_search_and_filters(page, live_server):
    page.goto(f"{live_server.url}/terms?lang=en")
    total = page.locator("#glossary .entry").count()
    assert total > 400
    page.fill("#q", "ファイン")
    page.click(".filters button[type=submit]")
    page.wait_for_url("**q=*")
    assert page.locator('#glossary .entry[data-term="fine-tuning"]').count() == 1
    page.goto(f"{live_server.url}/terms?lang=en")
    page.select_option("#f-level", "3")
    page.select_option("#f-category", "language-models")
    page.click(".filters button[type=submit]")
    page.wait_for_url("**level=3*")
    entries = page.locator("#glossary .entry")
    assert 0 < entries.count() < total
    assert {e.get_attribute("data-level") for e in entries.all()} == {"3"}
    assert {e.get_attribute("data-category") for e in entries.all()} == {"language-models"}


def test_words_tadoru_does_not_know_yet_get_a_card_of_what_the_page_says(page, live_server):
    """Issue 16 on the paste form: asked for, candidates are dashed and their card traces."""
    text = ("Kahneman-Tversky Optimization (KTO) tunes a large language model from thumbs-up labels. "
            "Afterwards a judge model scores every answer of KTO against supervised fine-tuning.")
    page.goto(f"{live_server.url}/?lang=en")
    page.fill("#text", text)
    page.select_option("#discover", "all")
    page.select_option("#density", "all")  # both uses of KTO: the later one points to the definition
    page.click("#tadoru-form button[type=submit]")
    page.wait_for_selector("#tadoru-result tadoru-term[data-candidate]")
    assert page.input_value("#discover") == "all"  # the form remembers the choice
    assert page.locator("#tadoru-result tadoru-term[data-candidate='definition']").count() == 2
    page.hover("tadoru-term[data-candidate='definition']")
    card = page.locator(f"{TOOLTIP} .tadoru-card[data-candidate='definition']")
    card.locator(".tadoru-long-form-text").wait_for()
    assert card.locator(".tadoru-long-form-text").inner_text() == "Kahneman-Tversky Optimization"
    assert card.locator(".tadoru-search-link").get_attribute("href") == "https://en.wikipedia.org/w/index.php?search=KTO"
    page.mouse.move(0, 0)
    page.click("tadoru-term[data-candidate='compound']")
    page.locator(f"{TOOLTIP} .tadoru-head button[data-term='model']").click()  # its card came with the page
    page.locator(f"{TOOLTIP} .tadoru-card[data-term='model'] .tadoru-definition").wait_for()
    # Abbreviations and names only: KTO, and "model" is the term it is, not a compound's head.
    page.goto(f"{live_server.url}/?lang=en")
    page.fill("#text", text)
    page.select_option("#discover", "names")
    page.click("#tadoru-form button[type=submit]")
    page.wait_for_selector("#tadoru-result tadoru-term[data-candidate]")
    kinds = {m.get_attribute("data-candidate") for m in page.locator("#tadoru-result tadoru-term[data-candidate]").all()}
    assert kinds == {"definition"} and page.locator('#tadoru-result tadoru-term[data-term="model"]').count() == 1
    # Not asked for (the form's default): no candidates.
    paste(page, live_server, text)
    assert page.locator("#tadoru-result tadoru-term[data-candidate]").count() == 0


def test_a_first_visit_offers_the_placement_which_sets_level_and_known_list(page, live_server):
    """Issue 15 #2 on the web pages: the invitation, the questions, and what the answers set."""
    page.goto(f"{live_server.url}/?lang=en")
    assert page.locator("#placement-invite").is_visible(), "a first visit is invited to the placement"
    page.click("#placement-invite a")
    page.wait_for_selector("#placement-form")
    cards = requests.get(f"{live_server.url}/api/v1/placement", timeout=30).json()["terms"]
    assert page.locator("input[name=can_explain]").count() == len(cards) == 21
    level1 = [c["id"] for c in cards if c["level"] == 1]
    for cid in level1:
        page.check(f"input[name=can_explain][value='{cid}']")
    page.click("#placement-form button[type=submit]")
    page.wait_for_selector("#placement-saved:not([hidden])")
    stored = page.evaluate("""() => ({level: localStorage.getItem('tadoru.level'), placed: localStorage.getItem('tadoru.placed'),
                                     known: JSON.parse(localStorage.getItem('tadoru.known') || '[]')})""")
    assert stored["level"] == "2" and stored["placed"] == "done"
    assert set(level1) <= set(stored["known"]) and "machine-learning" in stored["known"]
    page.click("#placement-continue")
    page.wait_for_selector("#tadoru-form")
    assert page.input_value("#level") == "2", "the paste form starts at the placed level"
    assert page.locator("#placement-invite").is_hidden(), "asked once"
    assert page.locator("#known-count").inner_text() == str(len(stored["known"]))
    page.fill("#text", "A model learns from data. LoRA fine-tunes a large language model on one GPU.")
    page.click("#tadoru-form button[type=submit]")
    page.wait_for_selector("#tadoru-result")
    page.wait_for_selector("html[data-tadoru-ready]", state="attached")  # the tooltip listens from here on
    marked = {m.get_attribute("data-term") for m in page.locator("#tadoru-result tadoru-term").all()}
    assert "lora" in marked and not marked & {"model", "data", "large-language-model"}


def test_the_placement_can_be_skipped_and_is_not_offered_again(page, live_server):
    page.goto(f"{live_server.url}/placement?lang=ja")
    assert page.locator("h1").inner_text() == "このうち、人に説明できる用語はどれですか？"
    page.click("#placement-skip")
    page.wait_for_selector("#tadoru-form")
    assert page.evaluate("localStorage.getItem('tadoru.placed')") == "skipped"
    assert page.locator("#placement-invite").is_hidden()
    assert page.input_value("#level") == "1"


def test_trace_buttons_read_in_the_readers_language_at_once(page, live_server):
    """Issue 15: while tracing, labels flashed in English (the id) until each deeper card arrived.
    The card now names the terms it links to; with every other card held back, the buttons read right."""
    page.route("**/api/v1/terms/**", lambda route: route.abort())
    paste(page, live_server, SEED_JA, lang="ja")
    page.hover('#tadoru-result tadoru-term[data-term="fine-tuning"]')
    page.locator(f"{TOOLTIP} .tadoru-definition").wait_for()
    buttons = page.locator(f"{TOOLTIP} .tadoru-deeper button")
    texts = buttons.all_inner_texts()
    ids = [b.get_attribute("data-term") for b in buttons.all()]
    names = card(live_server, "fine-tuning")["names"]
    assert texts and texts == [names[i]["ja"] for i in ids]
    assert any(t != i.replace("-", " ") for t, i in zip(texts, ids))
