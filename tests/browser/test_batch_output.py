"""A batch output opened from disk in real Chromium, with every non-file request blocked.

The annotated page must work offline: marks, tooltip (the shared tooltip.js, inlined), the
trace through deeper terms (cards embedded), and none of the saved page's own scripts.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.browser

REPO = Path(__file__).resolve().parents[2]
FIXTURES = REPO / "tests" / "fixtures" / "batch"
EVIL = "A team term. </script><script>window.__pwned = 1</script> & done."


@pytest.fixture(scope="module")
def batch_out(tmp_path_factory) -> Path:
    base = tmp_path_factory.mktemp("batch-browser")
    pages = base / "pages"
    shutil.copytree(FIXTURES / "articles", pages / "articles")
    shutil.copytree(FIXTURES / "saved", pages / "saved")
    (pages / "team.html").write_text("<!DOCTYPE html><title>Team</title><p>The Zorblax engine is our machine "
                                     "learning system.</p>", encoding="utf-8")
    lexicon = base / "lexicon"
    lexicon.mkdir()
    (lexicon / "team.yaml").write_text(json.dumps({"concepts": [{
        "id": "zorblax-engine", "labels": {"en": ["Zorblax engine"], "ja": ["ゾーブラックス"]},
        "definition": {"en": EVIL, "ja": "チームの用語。</script>で閉じても壊れない。"},
        "level": 2, "category": "custom", "deeper": ["machine-learning"]}]}), encoding="utf-8")
    out = base / "out"
    proc = subprocess.run([sys.executable, "-m", "tadoru", "annotate", str(pages), "--out", str(out), "--jobs", "1",
                           "--lexicon", str(lexicon)], capture_output=True, text=True, timeout=180,
                          check=False)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return out


@pytest.fixture
def offline_page(browser):
    """A page whose context lets file:// through and aborts everything else (recorded)."""
    context = browser.new_context()
    blocked: list[str] = []
    errors: list[str] = []

    def only_files(route):
        if route.request.url.startswith("file:"):
            route.continue_()
        else:
            blocked.append(route.request.url)
            route.abort()

    context.route("**/*", only_files)
    page = context.new_page()
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    page.blocked, page.errors = blocked, errors  # type: ignore[attr-defined]
    yield page
    context.close()


def _definition(lexicon_id: str, lang: str = "en") -> str:
    from tadoru import load_lexicon

    return load_lexicon()[lexicon_id].definition[lang]


def test_hovering_a_term_shows_its_tooltip_offline(batch_out, offline_page):
    page = offline_page
    page.goto((batch_out / "articles" / "en" / "lora-explained.html").as_uri())
    assert page.evaluate("typeof TadoruTooltip") == "object"
    assert page.evaluate("[window.__pageScriptRan, window.__onloadRan, window.__imgHandlerRan]") == [None, None, None]
    assert page.title() == "LoRA, explained for people who fine-tune models"
    from tadoru import load_lexicon

    lexicon = load_lexicon()
    tinted = page.evaluate("Array.from(document.querySelectorAll('tadoru-term[data-term]'), (el) => [el.dataset.term, el.dataset.level])")
    assert tinted and all(level == str(lexicon[term].level) for term, level in tinted)  # tinted by level, offline too

    page.hover('tadoru-term[data-term="lora"] >> nth=0')
    definition = page.locator("tadoru-tooltip .tadoru-definition")
    definition.wait_for(state="visible", timeout=5000)
    assert definition.text_content() == _definition("lora")
    assert page.locator("tadoru-tooltip .tadoru-label-en").text_content() == "LoRA"
    assert page.evaluate("!!document.querySelector('tadoru-tooltip').shadowRoot")  # open shadow root

    # The trace works from the embedded cards: follow a deeper term, then come back.
    page.locator('tadoru-tooltip .tadoru-deeper button[data-term="fine-tuning"]').click()
    page.wait_for_function("document.querySelector('tadoru-tooltip').shadowRoot"
                           ".querySelector('.tadoru-card').dataset.term === 'fine-tuning'")
    assert definition.text_content() == _definition("fine-tuning")
    page.locator("tadoru-tooltip .tadoru-back").click()
    page.wait_for_function("document.querySelector('tadoru-tooltip').shadowRoot"
                           ".querySelector('.tadoru-card').dataset.term === 'lora'")

    assert page.blocked == [], page.blocked  # everything it needs is in the file
    assert page.errors == [], page.errors  # no script error, no CSP violation


def test_a_definition_with_script_tags_is_only_text(batch_out, offline_page):
    page = offline_page
    page.goto((batch_out / "team.html").as_uri())
    page.hover('tadoru-term[data-term="zorblax-engine"]')
    definition = page.locator("tadoru-tooltip .tadoru-definition")
    definition.wait_for(state="visible", timeout=5000)
    assert definition.text_content() == EVIL
    assert page.evaluate("window.__pwned") is None
    assert page.errors == [], page.errors


def test_study_plan_links_open_the_term_on_its_page(batch_out, offline_page):
    page = offline_page
    page.goto((batch_out / "index.html").as_uri())
    assert page.locator("#term-lora tadoru-term").count() == 1
    link = page.locator('#term-lora a[href$="lora-explained.html#tadoru=lora"]')
    link.click()
    page.wait_for_url("**/lora-explained.html#tadoru=lora")
    definition = page.locator("tadoru-tooltip .tadoru-definition")
    definition.wait_for(state="visible", timeout=5000)
    assert definition.text_content() == _definition("lora")
    assert page.evaluate("document.activeElement.getAttribute('data-term')") == "lora"


def test_i_know_this_unmarks_the_term(batch_out, offline_page):
    page = offline_page
    page.goto((batch_out / "articles" / "ja" / "llm-nyumon.html").as_uri())
    assert page.locator('tadoru-term[data-term="gpu"]').count() > 0
    page.hover('tadoru-term[data-term="gpu"] >> nth=0')
    page.locator("tadoru-tooltip .tadoru-known").click()
    page.wait_for_function("!document.querySelector('tadoru-term[data-term=\"gpu\"]')")
    assert "GPU" in page.locator("main").text_content()  # the text stays, only the mark goes
    page.reload()
    assert page.locator('tadoru-term[data-term="gpu"]').count() == 0  # remembered
    assert page.errors == [], page.errors
