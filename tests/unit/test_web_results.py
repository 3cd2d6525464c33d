"""Issue 15 part 6: web pages that keep what they were given.

The paste form answers with Post/Redirect/Get (a result page that survives a language switch,
Reload and Back), an uploaded page keeps its structure (inert), the glossary searches as the
reader types (JSON for ``static/web.js``), and an unknown term page offers suggestions.
"""

from __future__ import annotations

import io
import re

import pytest
from selectolax.lexbor import LexborHTMLParser

from tadoru.pages.as_parsed import UnsafeMarkup
from tadoru.pages.fragment import KEEP, check_fragment
from tadoru.service.app import create_app
from tadoru.service.results import ResultStore, is_result_id

EN_TEXT = "LoRA is a cheap fine-tuning method for a large language model."

SAVED_PAGE = """<!DOCTYPE html><html><head><title>Saved</title><style>body{color:red}</style>
<script>window.__pwned=1</script><base href="https://evil.example/"><link rel=stylesheet href="https://evil.example/x.css">
</head><body onload="alert(1)"><main id="tadoru-form" class="result"><h1 id="main">Fine-tuning with LoRA</h1>
<p style="color:red" onclick="alert(2)">A <b>large language model</b> is adapted with LoRA.<img src="https://evil.example/t.png"></p>
<ul><li>first: RAG</li><li>second</li></ul>
<table><thead><tr><th colspan="2">method</th></tr></thead><tbody><tr><td>LoRA</td><td>low-rank matrices</td></tr></tbody></table>
<pre><code>model = get_peft_model(model, LoraConfig(r=8))  # LoRA</code></pre>
<a href="javascript:alert(3)">bad link</a> <a href="https://arxiv.org/abs/2106.09685">the LoRA paper</a> <a href="/api/v1/health">here</a>
<svg><style><img src=x onerror=alert(4)></style></svg><iframe srcdoc="<script>alert(5)</script>"></iframe>
<form action="https://evil.example/"><input name=q><button>Go</button></form><!-- a comment -->
</main></body></html>"""


@pytest.fixture(scope="module")
def app(annotator):
    return create_app({"TESTING": True}, annotator=annotator)


@pytest.fixture
def client(app):
    return app.test_client()


def post_text(client, text: str = EN_TEXT, **headers):
    return client.post("/", data={"text": text, "level": "1"}, headers=headers)


# --------------------------------------------------------------------------- Post/Redirect/Get


def test_posting_the_form_redirects_to_a_result_page_that_survives_a_language_switch(client):
    posted = post_text(client, **{"Accept-Language": "en"})
    assert posted.status_code == 303
    location = posted.headers["Location"]
    match = re.fullmatch(r"/result/([A-Za-z0-9_-]+)", location)
    assert match and is_result_id(match.group(1))

    en = client.get(location, headers={"Accept-Language": "en"})
    assert en.status_code == 200 and '<html lang="en">' in en.text and "Result" in en.text
    marks = re.findall(r'<tadoru-term data-term="([^"]+)"', en.text)
    assert {"lora", "fine-tuning", "large-language-model"} <= set(marks)
    assert f">{EN_TEXT}</textarea>" in en.text  # the form still holds what was pasted
    # the language switch keeps the result: its links point at this page, not at the form
    assert f'href="{location}?lang=ja"' in en.text
    assert en.headers["Cache-Control"] == "private, no-cache"

    ja = client.get(f"{location}?lang=ja")
    assert ja.status_code == 200 and '<html lang="ja">' in ja.text and "結果" in ja.text
    assert re.findall(r'<tadoru-term data-term="([^"]+)"', ja.text) == marks
    # the sidebar's labels follow the page's language; the cards travel as before
    assert "大規模言語モデル" in ja.text.split('class="found-terms"')[1]
    assert '"lora"' in ja.text.split('id="tadoru-cards"')[1]


def test_each_post_gets_its_own_unguessable_result(client):
    first = post_text(client).headers["Location"]
    second = post_text(client, "RAG and RLHF").headers["Location"]
    assert first != second
    assert 'data-term="retrieval-augmented-generation"' in client.get(second).text
    assert 'data-term="retrieval-augmented-generation"' not in client.get(first).text


def test_a_forgotten_result_says_so_in_both_languages_and_links_back(client):
    gone = "A" * 22
    en = client.get(f"/result/{gone}?lang=en")
    assert en.status_code == 410 and en.mimetype == "text/html"
    assert "no longer kept" in en.text and 'href="/"' in en.text and "Back to the form" in en.text
    ja = client.get(f"/result/{gone}?lang=ja")
    assert ja.status_code == 410 and "もう保存されていません" in ja.text and "入力フォームへ戻る" in ja.text
    assert client.get("/result/..%2Fetc").status_code == 404
    assert client.get("/result/" + "x" * 300).status_code == 404


def test_form_errors_are_shown_at_once_not_kept(client):
    r = client.post("/", data={"text": "  "})
    assert r.status_code == 400 and 'role="alert"' in r.text


def test_a_result_too_large_to_keep_is_shown_at_once(annotator):
    app = create_app({"TESTING": True}, annotator=annotator)
    app.extensions["tadoru_results"] = ResultStore(max_bytes=10)
    r = post_text(app.test_client())
    assert r.status_code == 200 and 'data-term="lora"' in r.text


def test_the_store_forgets_the_least_recently_used_first(tmp_path):
    store = ResultStore(tmp_path, max_results=3)
    ids = [store.put({"n": n}) for n in range(3)]
    assert all(ids) and len(set(ids)) == 3
    assert store.get(ids[0]) == {"n": 0}  # used again: now the most recent
    newest = store.put({"n": 3})
    assert store.get(ids[1]) is None  # the least recently used went
    assert [store.get(i) for i in (ids[0], ids[2], newest)] == [{"n": 0}, {"n": 2}, {"n": 3}]
    assert len(list(tmp_path.iterdir())) == 3
    assert store.get("../" + ids[0]) is None and store.get("") is None


def test_the_store_is_capped_by_size(tmp_path):
    store = ResultStore(tmp_path, max_bytes=2000)
    import os

    blob = os.urandom(600).hex()  # does not compress
    kept = [store.put({"blob": blob}) for _ in range(4)]
    assert store.get(kept[-1]) is not None and store.get(kept[0]) is None
    assert sum(p.stat().st_size for p in tmp_path.iterdir()) <= 2000
    assert store.put({"blob": os.urandom(2000).hex()}) is None  # alone larger than the store


def test_the_store_is_shared_by_the_processes_of_one_service(tmp_path):
    """Under gunicorn the redirect reaches whichever worker is free: another worker must find it."""
    writer, reader = ResultStore(tmp_path), ResultStore(tmp_path)
    assert reader.get(writer.put({"text": "LoRA"})) == {"text": "LoRA"}


# --------------------------------------------------------------------------- uploads keep their structure


def upload(client, page: str, name: str = "saved.html"):
    """Every occurrence marked (``density=all``): these tests are about where marks can stand."""
    return client.post("/", data={"file": (io.BytesIO(page.encode("utf-8")), name), "level": "1", "density": "all"},
                       content_type="multipart/form-data", follow_redirects=True)


def result_fragment(html: str):
    tree = LexborHTMLParser(html)
    node = tree.css_first("#tadoru-result")
    assert node is not None
    return node


def test_an_uploaded_page_keeps_headings_lists_a_table_and_a_code_block(client):
    r = upload(client, SAVED_PAGE)
    assert r.status_code == 200
    result = result_fragment(r.text)
    assert "is-page" in (result.attributes.get("class") or "")
    assert result.css_first("h2") is not None and "Fine-tuning with" in result.css_first("h2").text()
    assert [li.text() for li in result.css("ul > li")] == ["first: RAG", "second"]
    cells = [td.text() for td in result.css("table td")]
    assert cells == ["LoRA", "low-rank matrices"]
    assert result.css_first("table th").attributes.get("colspan") == "2"
    assert result.css_first('table td tadoru-term[data-term="lora"]') is not None  # marked in its cell
    code = result.css_first("pre > code")
    assert code is not None and "LoraConfig(r=8))  # LoRA" in code.text()
    assert code.css_first("tadoru-term") is None  # code is not prose: never marked
    link = result.css_first('a[href="https://arxiv.org/abs/2106.09685"]')
    assert link is not None and link.attributes.get("rel") == "noopener noreferrer nofollow"


def test_an_uploaded_page_brings_nothing_active_or_loading(client):
    r = upload(client, SAVED_PAGE)
    result = result_fragment(r.text)
    for node in list(result.traverse(include_text=False))[1:]:  # what is inside #tadoru-result
        name = node.tag
        if name.startswith(("_", "-", "#")):
            continue
        assert name in KEEP, name
        for attribute in node.attributes:
            assert attribute in KEEP[name] | {"lang", "dir", "title"}, (name, attribute)
    outer = result.html or ""
    inner = outer[outer.index(">") + 1:outer.rindex("</div>")]
    for needle in ("<script", "<style", "<img", "<svg", "<iframe", "<form", "<input", "onclick", "onload",
                   "javascript:", "evil.example", "__pwned", 'id="', "class=\"result", "<!--"):
        assert needle not in inner, needle
    assert result.css_first("a[href]") is not None and result.css_first('a[href^="/"]') is None
    # the page's own scripts are the service's three; its policy still holds
    assert r.text.count("<script") == 3
    assert r.headers["Content-Security-Policy"].startswith("default-src 'none'; script-src 'self'")


def test_a_text_file_and_pasted_text_stay_text(client):
    r = upload(client, "# Notes\n\n| a | b |\nLoRA <b>x</b>", name="notes.md")
    result = result_fragment(r.text)
    assert "is-page" not in (result.attributes.get("class") or "")
    assert "<b>x</b>" in result.text() and result.css_first("b") is None


def test_the_fragment_check_refuses_what_a_browser_would_run():
    check_fragment('<p>ok <a href="https://a.example/" rel="noopener noreferrer nofollow">x</a></p>')
    for bad in ("<img src=x>", '<p onclick="x()">a</p>', '<a href="javascript:x()">a</a>', "<p id=tadoru-cards>a</p>",
                "<svg></svg>", "<style>p{}</style>", "<table><tr><td>a</td></tr></table><title>x</title>"):
        with pytest.raises(UnsafeMarkup):
            check_fragment(bad)


# --------------------------------------------------------------------------- glossary search as you type


@pytest.mark.parametrize(("query", "first"), [
    ("かがくしゅう", "overfitting"), ("attension", "attention"), ("ろら", "lora"), ("attens", "attention"),
])
def test_glossary_search_json_finds_by_label_reading_sound_and_typo(client, query, first):
    r = client.get("/glossary/search", query_string={"q": query, "lang": "en"})
    assert r.status_code == 200 and r.mimetype == "application/json"
    body = r.get_json()
    assert body["entries"][0]["id"] == first
    entry = body["entries"][0]
    assert entry["url"] == f"/terms/{first}" and entry["category_name"] and entry["level_text"].startswith("Level")
    assert body["count"] == f"{body['shown']} of {body['total']} terms"


def test_glossary_search_json_speaks_the_readers_language_and_applies_the_filters(client):
    body = client.get("/glossary/search", query_string={"q": "attention", "level": "3", "lang": "ja"}).get_json()
    assert body["entries"] and all(e["level"] == 3 for e in body["entries"])
    assert body["count"].endswith("語") and body["entries"][0]["level_text"].startswith("レベル")
    everything = client.get("/glossary/search?lang=en").get_json()
    assert everything["shown"] == everything["total"] > len(everything["entries"])
    assert "more" in everything["more"]
    assert client.get("/glossary/search", query_string={"q": "zzzzzz"}).get_json()["entries"] == []


def test_the_glossary_page_offers_search_as_you_type_and_keeps_its_form(client):
    r = client.get("/terms?q=かがくしゅう&lang=en")
    assert 'data-search="/glossary/search"' in r.text and 'aria-live="polite"' in r.text
    assert 'data-term="overfitting"' in r.text  # the no-script form finds it too
    assert 'id="glossary-empty" hidden' in r.text
    assert 'id="glossary" hidden' in client.get("/terms?q=zzzzzz").text


# --------------------------------------------------------------------------- unknown term pages


def test_an_unknown_term_page_offers_the_apis_suggestions(client):
    page = client.get("/terms/lroa?lang=en")
    assert page.status_code == 404 and "Did you mean" in page.text and 'href="/terms/lora"' in page.text
    api = client.get("/api/v1/terms/lroa").get_json()
    assert api["error"]["suggestions"][0] == "lora"
