"""The Flask app through its test client: settings, pages, languages, escaping, headers.

The real-HTTP tests are in ``tests/integration/test_api*.py``; these cover what is simpler to
check in-process (templates, the fallback when the lexicon cannot load, crafted lexicons).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tadoru.config import (
    DEFAULT_MAX_BODY,
    ConfigError,
    from_env,
    parse_origins,
    parse_size,
)
from tadoru.paths import tooltip_asset
from tadoru.service.app import CONTENT_SECURITY_POLICY, create_app, origin_allowed
from tadoru.service.i18n import MESSAGES

REPO = Path(__file__).resolve().parents[2]
PACKAGE = REPO / "server" / "tadoru"
TEMPLATES = PACKAGE / "templates"


@pytest.fixture(scope="module")
def app(annotator):
    return create_app({"TESTING": True}, annotator=annotator)


@pytest.fixture
def client(app):
    return app.test_client()


# --------------------------------------------------------------------------- settings


def test_settings_defaults():
    s = from_env({})
    assert (s.host, s.port, s.max_body, s.cors_origins) == ("127.0.0.1", 8765, DEFAULT_MAX_BODY, ())
    assert s.workers >= 1 and s.loopback


@pytest.mark.parametrize(("raw", "size"), [("1000", 1000), ("5MiB", 5 * 1024 * 1024), ("500kb", 500_000),
                                           ("2 MB", 2_000_000), ("1e6", 1_000_000), ("1KiB", 1024)])
def test_parse_size(raw, size):
    assert parse_size(raw) == size


@pytest.mark.parametrize("raw", ["", "lots", "-1", "0", "5 parsecs"])
def test_parse_size_rejects(raw):
    with pytest.raises(ConfigError, match="TADORU_MAX_BODY"):
        parse_size(raw)


def test_parse_origins():
    assert parse_origins("https://a.example, http://127.0.0.1:3000/") == ("https://a.example", "http://127.0.0.1:3000")
    for bad in ("*", "a.example", "https://a.example/path"):
        with pytest.raises(ConfigError):
            parse_origins(bad)


@pytest.mark.parametrize(("env", "name"), [({"TADORU_PORT": "99999"}, "TADORU_PORT"), ({"TADORU_WORKERS": "x"}, "TADORU_WORKERS")])
def test_bad_environment(env, name):
    with pytest.raises(ConfigError, match=name):
        from_env(env)


def test_non_loopback_hosts():
    assert not from_env({"TADORU_HOST": "0.0.0.0"}).loopback
    assert from_env({"TADORU_HOST": "::1"}).loopback


@pytest.mark.parametrize(("origin", "ok"), [
    ("chrome-extension://abcdefghijklmnopabcdefghijklmnop", True),
    ("moz-extension://0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0", True),
    ("chrome-extension://abc/path", False), ("https://chrome-extension.example", False),
    ("https://a.example", True), ("https://b.example", False), ("null", False),
])
def test_origin_allowed(origin, ok):
    assert origin_allowed(origin, ("https://a.example",)) is ok


def test_config_mapping_overrides_the_environment(annotator, monkeypatch):
    monkeypatch.setenv("TADORU_MAX_BODY", "999999")
    app = create_app({"TADORU_MAX_BODY": 50, "TESTING": True}, annotator=annotator)
    assert app.config["MAX_CONTENT_LENGTH"] == 50 and app.config["TESTING"] is True
    r = app.test_client().post("/api/v1/annotate", json={"text": "LoRA " * 20})
    assert r.status_code == 413 and r.json["error"]["code"] == "payload_too_large"


# --------------------------------------------------------------------------- state and failures


def test_annotator_is_built_once_and_kept(app, annotator):
    assert app.extensions["tadoru"].annotator is annotator
    state = app.extensions["tadoru"]
    assert state.card("lora") is state.card("lora")


def test_service_starts_when_the_lexicon_cannot_load(monkeypatch):
    import tadoru.compiled_cache

    def broken(*args, **kwargs):
        raise OSError("disk on fire")

    monkeypatch.setattr(tadoru.compiled_cache, "load_lexicon", broken)
    monkeypatch.setattr(tadoru.compiled_cache, "_read", lambda path: None)  # as on a first start
    app = create_app({"TESTING": True})
    client = app.test_client()
    health = client.get("/api/v1/health")
    assert health.status_code == 503
    assert health.json["status"] == "degraded" and "disk on fire" in health.json["lexicon"]["problems"][0]
    r = client.post("/api/v1/annotate", json={"text": "LoRA"})
    assert r.status_code == 200 and r.json == {"lang": "en", "annotations": [], "terms": {}, "known_found": {}}
    assert client.get("/").status_code == 200
    assert client.get("/terms").status_code == 200


def test_an_unexpected_error_is_a_clean_500(annotator):
    app = create_app({"TESTING": False}, annotator=annotator)

    def boom():
        raise RuntimeError("secret internal detail")

    app.add_url_rule("/api/v1/boom", "boom", boom)
    app.add_url_rule("/boom", "boom_page", boom)
    client = app.test_client()
    r = client.get("/api/v1/boom")
    assert r.status_code == 500
    assert r.json == {"error": {"code": "internal_error", "message": r.json["error"]["message"]}}
    assert b"secret" not in r.data and b"Traceback" not in r.data
    page = client.get("/boom")
    assert page.status_code == 500 and page.mimetype == "text/html" and b"secret" not in page.data


# --------------------------------------------------------------------------- languages


def test_catalogs_have_the_same_keys():
    assert set(MESSAGES["ja"]) == set(MESSAGES["en"])
    for lang, table in MESSAGES.items():
        for key, text in table.items():
            assert text.strip(), f"{lang}.{key} is empty"
            assert set(re.findall(r"{(\w+)}", text)) == set(re.findall(r"{(\w+)}", MESSAGES["en"][key])), key


def test_every_message_key_used_by_a_template_exists():
    used = set()
    for template in TEMPLATES.glob("*.html"):
        used |= set(re.findall(r"""_\('([\w-]+)'\s*[,)]""", template.read_text(encoding="utf-8")))
    used |= {f"level_{n}" for n in (1, 2, 3)} | {f"level_name_{n}" for n in (1, 2, 3)}
    used |= {"definition_ja", "definition_en", "wikipedia_ja", "wikipedia_en", "arxiv", "official"}
    used |= {f"error_{s}" for s in (404, 405, 413, 500)}
    import json

    schema = json.loads((REPO / "lexicon" / "schema.json").read_text(encoding="utf-8"))
    used |= {f"cat_{c}" for c in schema["$defs"]["concept"]["properties"]["category"]["enum"]}
    assert used - set(MESSAGES["en"]) == set()


@pytest.mark.parametrize(("accept", "lang"), [("ja-JP,ja;q=0.9,en;q=0.8", "ja"), ("en-US,en;q=0.9", "en"),
                                               ("fr-FR", "en"), ("", "en"), ("de;q=0.9,ja;q=0.5", "ja")])
def test_accept_language_picks_the_page_language(client, accept, lang):
    r = client.get("/", headers={"Accept-Language": accept})
    assert f'<html lang="{lang}">' in r.text
    assert "Accept-Language" in r.headers["Vary"]


def test_lang_switch_overrides_and_is_remembered(app):
    client = app.test_client()
    r = client.get("/?lang=ja", headers={"Accept-Language": "en"})
    assert '<html lang="ja">' in r.text and "用語集" in r.text
    assert "tadoru_lang=ja" in r.headers["Set-Cookie"]
    again = client.get("/terms", headers={"Accept-Language": "en"})
    assert '<html lang="ja">' in again.text
    back = client.get("/terms?lang=en")
    assert '<html lang="en">' in back.text and "Glossary" in back.text
    assert client.get("/?lang=xx", headers={"Accept-Language": "en"}).status_code == 200


def test_switch_links_keep_the_query(client):
    r = client.get("/terms?q=lora&level=3&lang=en")
    assert 'href="/terms?q=lora&amp;level=3&amp;lang=ja"' in r.text


# --------------------------------------------------------------------------- security


def test_pages_send_the_security_headers(client):
    for url in ("/", "/terms", "/terms/lora", "/no-such-page"):
        r = client.get(url)
        csp = r.headers["Content-Security-Policy"]
        assert csp == CONTENT_SECURITY_POLICY
        script_src = re.search(r"script-src ([^;]+)", csp).group(1)
        assert "'unsafe-inline'" not in script_src and "'unsafe-eval'" not in script_src
        assert "frame-ancestors 'none'" in csp
        assert r.headers["X-Content-Type-Options"] == "nosniff"
        assert r.headers["Referrer-Policy"] == "no-referrer"


def test_templates_have_no_inline_script_style_or_handlers():
    for template in TEMPLATES.glob("*.html"):
        text = template.read_text(encoding="utf-8")
        for tag in re.findall(r"<script\b[^>]*>", text):
            assert "src=" in tag or 'type="application/json"' in tag, (template.name, tag)
        assert not re.search(r"\sstyle=", text), template.name
        assert not re.search(r"\son[a-z]+=", text), template.name
        assert "<style" not in text, template.name
        assert "http://" not in text and "https://" not in text, f"{template.name}: no CDN, no remote assets"


def test_pasted_markup_is_shown_as_text(client):
    evil = '<img src=x onerror=alert(1)> <script>alert(1)</script> "quoted" & LoRA'
    r = client.post("/", data={"text": evil, "level": "1"}, follow_redirects=True)
    assert r.status_code == 200
    assert "<img src=x" not in r.text and "<script>alert(1)</script>" not in r.text
    assert "&lt;img src=x onerror=alert(1)&gt;" in r.text
    assert '<tadoru-term data-term="lora" tabindex="0">LoRA</tadoru-term>' in r.text


def test_card_json_cannot_close_its_script_element(tmp_path):
    from tadoru import Annotator, load_lexicon

    (tmp_path / "evil.yaml").write_text(
        "concepts:\n"
        "  - id: evil-term\n"
        "    labels: {en: [evilterm], ja: [イービル]}\n"
        "    definition:\n"
        "      en: \"A term whose definition ends the script </script><script>alert(1)</script> & more.\"\n"
        "      ja: \"</script><img src=x onerror=alert(1)>の定義です。\"\n"
        "    level: 1\n"
        "    category: custom\n", encoding="utf-8")
    lexicon = load_lexicon([tmp_path], shipped=False, use_env=False)
    assert "evil-term" in lexicon, lexicon.problems
    app = create_app({"TESTING": True}, annotator=Annotator(lexicon))
    client = app.test_client()
    r = client.post("/", data={"text": "about evilterm", "level": "1"}, follow_redirects=True)
    block = re.search(r'<script type="application/json" id="tadoru-cards">(.*?)</script>', r.text, re.DOTALL).group(1)
    assert "<" not in block and ">" not in block
    import json

    assert json.loads(block)["evil-term"]["definition"]["en"].startswith("A term whose")
    page = client.get("/terms/evil-term")
    assert "<img src=x" not in page.text and "<script>alert(1)</script>" not in page.text
    assert page.text.count("<script") == 4  # tooltip.js, web.js, trace.js, the JSON block
    glossary = client.get("/terms")
    assert "<script>alert(1)" not in glossary.text


# --------------------------------------------------------------------------- the paste form


def test_form_needs_text_or_file_but_not_both(client):
    assert client.post("/", data={"text": "  "}).status_code == 400
    both = client.post("/", data={"text": "LoRA", "file": (__import__("io").BytesIO(b"LoRA"), "a.txt")},
                       content_type="multipart/form-data")
    assert both.status_code == 400 and 'role="alert"' in both.text
    assert client.post("/", data={"text": "LoRA", "level": "9"}).status_code == 400


def test_form_reads_a_shift_jis_page(client):
    import io

    page = '<html><head><meta charset="shift_jis"></head><body><p>大規模言語モデルとLoRAの話。</p><script>LoRA</script></body></html>'
    r = client.post("/", data={"file": (io.BytesIO(page.encode("cp932")), "saved.html")}, content_type="multipart/form-data",
                    follow_redirects=True)
    assert r.status_code == 200
    assert 'data-term="large-language-model"' in r.text and 'data-term="lora"' in r.text
    assert "saved.html" in r.text and "<script>LoRA" not in r.text


def test_form_refuses_binary_files(client):
    import io

    r = client.post("/", data={"file": (io.BytesIO(b"\x89PNG\r\n\x1a\n\x00\x00\x00"), "x.html")},
                    content_type="multipart/form-data")
    assert r.status_code == 400


def test_form_options_known_level_first_only(client):
    text = "LoRA and LoRA and a dataset."
    r = client.post("/", data={"text": text, "level": "1", "known": "dataset", "first_only": "1"}, follow_redirects=True)
    assert r.text.count('data-term="lora" tabindex="0"') == 1
    assert 'tadoru-term data-term="dataset"' not in r.text


# --------------------------------------------------------------------------- glossary and term pages


def test_glossary_filters(client, lexicon):
    all_terms = client.get("/terms")
    assert all_terms.text.count('class="entry"') == len(lexicon)
    level3 = client.get("/terms?level=3")
    levels = set(re.findall(r'class="entry" data-term="[^"]+" data-level="(\d)"', level3.text))
    assert levels == {"3"}
    vision = client.get("/terms?category=vision")
    cats = set(re.findall(r'data-category="([^"]+)"', vision.text))
    assert cats == {"vision"}
    q = client.get("/terms?q=ファイン")
    assert 'data-term="fine-tuning"' in q.text
    # the language filter restricts which labels the search looks at
    assert 'data-term="fine-tuning"' not in client.get("/terms?q=ファイン&language=en").text
    assert 'data-term="fine-tuning"' in client.get("/terms?q=fine&language=en").text
    assert client.get("/terms?level=7&category=nope&language=xx").status_code == 200


def test_term_page_content(client):
    r = client.get("/terms/fine-tuning?lang=en")
    assert r.status_code == 200
    text = r.text
    assert "ファインチューニング" in text and "fine-tuning" in text
    assert 'class="definition" lang="en"' in text and 'class="definition" lang="ja"' in text
    assert 'class="trace-svg"' in text and 'data-term="machine-learning"' in text
    assert 'class="term-list used-by-list"' in text and 'data-term="lora"' in text
    assert "wikipedia.org" in text
    assert 'class="label-reading"' not in text  # katakana needs no reading


def test_term_page_shows_how_a_kanji_label_is_read(client):
    text = client.get("/terms/overfitting?lang=en").text
    assert '<span class="label-reading" lang="ja">かがくしゅう</span>' in text


def test_term_page_by_label_redirects_and_unknown_is_404(client):
    r = client.get("/terms/LoRA")
    assert r.status_code == 302 and r.headers["Location"].endswith("/terms/lora")
    missing = client.get("/terms/lor-a-zzz")
    assert missing.status_code == 404 and missing.mimetype == "text/html"


def test_trace_svg_image(client):
    r = client.get("/terms/fine-tuning/trace.svg")
    assert r.status_code == 200 and r.mimetype == "image/svg+xml"
    assert r.text.startswith("<?xml") and 'data-term="machine-learning"' in r.text


def test_tooltip_assets_are_served_from_the_one_shared_copy(client):
    for name in ("tooltip.js", "tooltip.css"):
        r = client.get(f"/static/{name}")
        assert r.status_code == 200
        assert r.data == tooltip_asset(name).read_bytes() == (REPO / "extension" / "shared" / name).read_bytes()
        r.close()
        assert not (PACKAGE / "static" / name).exists(), "no copy of the shared tooltip in the package"
    assert client.get("/static/web.js").mimetype in ("text/javascript", "application/javascript")
    assert client.get("/static/../app.py").status_code == 404
    assert client.get("/static/nope.js").status_code == 404


def test_health_reports_lexicon_problems(annotator):
    from tadoru import Annotator, load_lexicon

    lexicon = load_lexicon([REPO / "tests" / "fixtures" / "lexicon_broken" / "dangling-id"], use_env=False)
    app = create_app({"TESTING": True}, annotator=Annotator(lexicon))
    body = app.test_client().get("/api/v1/health").json
    assert body["status"] == "ok" and body["lexicon"]["errors"] >= 1
    assert any("terms.yaml" in p for p in body["lexicon"]["problems"])


def test_wrong_method_on_a_page_is_a_friendly_405(client):
    r = client.put("/terms")
    assert r.status_code == 405 and r.mimetype == "text/html"
    assert "GET" in r.headers["Allow"] and "Traceback" not in r.text
    assert client.head("/terms/lora").status_code == 200


@pytest.mark.parametrize(("kwargs"), [
    {"data": b"--x\r\nbroken", "content_type": "multipart/form-data; boundary=x"},
    {"data": b"text=%FF%FE&level=1", "content_type": "application/x-www-form-urlencoded"},
    {"data": b"garbage", "content_type": "multipart/form-data"},
    {"data": {"text": "LoRA", "known": "," * 50_000, "level": "1"}},
    {"data": {"text": "LoRA\x00\u202e<b>", "level": "1"}},
    {"data": b'{"text": "LoRA"}', "content_type": "application/json"},
])
def test_form_never_fails_with_a_500(client, kwargs):
    r = client.post("/", **kwargs, follow_redirects=True)
    assert r.status_code in (200, 400), r.status_code
    assert r.mimetype == "text/html" and "Traceback" not in r.text


@pytest.mark.parametrize("url", ["/terms/%FF%FE", "/terms?q=%FF&level=%00", "/terms/" + "x" * 5000,
                                 "/terms/lora/trace.svg?known=%FF,,,", "/?lang=%00"])
def test_pages_never_fail_with_a_500(client, url):
    r = client.get(url, headers={"Accept-Language": "ja;q=nonsense,,,;", "Cookie": "tadoru_lang=\x01"})
    assert r.status_code in (200, 302, 404), (url, r.status_code)
