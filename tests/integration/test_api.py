"""API v1 through real HTTP against ``tadoru serve`` (the session ``live_server``).

Every route, every documented error, CORS and the security headers.  The contract with the
OpenAPI document is in ``test_api_openapi.py``; the server's own behaviour (logs, signals, body
cap, workers) in ``test_serve.py``.
"""

from __future__ import annotations

import json
import re

import pytest
import requests

SEED_JA = "ファインチューニングとは、既に学習済みのモデルに新たな層を追加し、モデル全体を再学習する手法です。"
EN_TEXT = "LoRA is a cheap fine-tuning method for a large language model. LoRA trains small low-rank matrices."


def api(live_server, path: str) -> str:
    return f"{live_server.url}/api/v1{path}"


def post_json(live_server, path: str, payload, **kwargs) -> requests.Response:
    return requests.post(api(live_server, path), json=payload, timeout=30, **kwargs)


def assert_error(response: requests.Response, status: int, code: str) -> dict:
    """The one error shape: ``{"error": {"code", "message"}}``, JSON, with the right status."""
    assert response.status_code == status, response.text
    assert response.headers["Content-Type"].startswith("application/json")
    body = response.json()
    assert set(body) == {"error"}
    assert body["error"]["code"] == code, body
    assert isinstance(body["error"]["message"], str) and body["error"]["message"]
    assert "Traceback" not in response.text
    return body["error"]


# --------------------------------------------------------------------------- annotate


def test_annotate_japanese_text(live_server):
    r = post_json(live_server, "/annotate", {"text": SEED_JA})
    assert r.status_code == 200
    body = r.json()
    assert list(body) == ["lang", "annotations", "terms", "known_found"]
    assert body["lang"] == "ja"
    by_term = {a["term"]: a for a in body["annotations"]}
    assert "fine-tuning" in by_term
    ft = by_term["fine-tuning"]
    assert (ft["start"], ft["end"], ft["exact"]) == (0, 10, "ファインチューニング")
    assert ft["prefix"] == "" and ft["suffix"] == SEED_JA[10:42]
    for a in body["annotations"]:
        assert SEED_JA[a["start"]:a["end"]] == a["exact"]
        assert a["prefix"] == SEED_JA[max(0, a["start"] - 32):a["start"]]
        assert a["suffix"] == SEED_JA[a["end"]:a["end"] + 32]
    # terms holds exactly the cards of the annotated ids
    assert set(body["terms"]) == set(by_term)
    card = body["terms"]["fine-tuning"]
    assert card["id"] == "fine-tuning"
    assert card["label"] == {"en": "fine-tuning", "ja": "ファインチューニング"}
    assert set(card["definition"]) == {"en", "ja"} and all(card["definition"].values())
    assert card["level"] in (1, 2, 3) and card["deeper"]


def test_annotate_english_text_with_options(live_server):
    body = post_json(live_server, "/annotate", {"text": EN_TEXT, "lang": "en", "density": "all"}).json()
    assert body["lang"] == "en"
    terms = [a["term"] for a in body["annotations"]]
    assert terms.count("lora") == 2 and "large-language-model" in terms and "fine-tuning" in terms
    calm = post_json(live_server, "/annotate", {"text": EN_TEXT}).json()  # the default: one section here
    assert [a["term"] for a in calm["annotations"]] == list(dict.fromkeys(terms))

    first = post_json(live_server, "/annotate", {"text": EN_TEXT, "first_only": True}).json()
    assert [a["term"] for a in first["annotations"]].count("lora") == 1

    known = post_json(live_server, "/annotate", {"text": EN_TEXT, "known": ["lora", "not-a-term"]}).json()
    assert "lora" not in {a["term"] for a in known["annotations"]}
    assert "lora" not in known["terms"]

    level3 = post_json(live_server, "/annotate", {"text": EN_TEXT, "level": 3}).json()
    assert level3["annotations"] and all(level3["terms"][a["term"]]["level"] == 3 for a in level3["annotations"])


def test_annotate_html_indexes_the_visible_text(live_server):
    page = ("<!doctype html><html><head><title>LoRA</title><script>var lora = 'LoRA';</script></head>"
            "<body><h1>About <b>LoRA</b></h1><p>It is a <em>fine</em>-tuning method.</p>"
            "<pre>LoRA in code is skipped</pre><p>大規模言語モデルを安く調整する。</p></body></html>")
    body = post_json(live_server, "/annotate", {"html": page, "density": "all"}).json()
    visible = "About LoRAIt is a fine-tuning method.大規模言語モデルを安く調整する。"
    assert [a["term"] for a in body["annotations"]][:2] == ["lora", "fine-tuning"]
    for a in body["annotations"]:
        assert visible[a["start"]:a["end"]] == a["exact"]
    assert sum(a["term"] == "lora" for a in body["annotations"]) == 1  # not in <title>, <script>, <pre>


def test_annotate_empty_text_is_fine(live_server):
    body = post_json(live_server, "/annotate", {"text": ""}).json()
    assert body["annotations"] == [] and body["terms"] == {}


def test_annotate_accepts_json_with_charset_and_nulls(live_server):
    options = {"lang": None, "known": None, "level": None, "first_only": None}  # null = the default (OpenAPI says so)
    r = requests.post(api(live_server, "/annotate"), data=json.dumps({"text": "LoRA", **options}).encode(),
                      headers={"Content-Type": "application/json; charset=utf-8"}, timeout=30)
    assert r.status_code == 200 and r.json()["annotations"][0]["term"] == "lora"


@pytest.mark.parametrize(("payload", "status", "code"), [
    ([1, 2], 422, "invalid_request"),
    ("just a string", 422, "invalid_request"),
    ({}, 422, "missing_input"),
    ({"lang": "ja"}, 422, "missing_input"),
    ({"text": "a", "html": "<p>a</p>"}, 422, "conflicting_input"),
    ({"text": 5}, 422, "invalid_field"),
    ({"text": None}, 422, "invalid_field"),
    ({"text": "a", "html": None}, 422, "invalid_field"),
    ({"html": "<p>a</p>", "text": None}, 422, "invalid_field"),
    ({"text": ["a"]}, 422, "invalid_field"),
    ({"html": {"a": 1}}, 422, "invalid_field"),
    ({"text": "a", "lang": "fr"}, 422, "unknown_lang"),
    ({"text": "a", "lang": 1}, 422, "invalid_field"),
    ({"text": "a", "known": "lora"}, 422, "invalid_field"),
    ({"text": "a", "known": [1]}, 422, "invalid_field"),
    ({"text": "a", "known": ["x" * 201]}, 422, "invalid_field"),
    ({"text": "a", "level": "2"}, 422, "invalid_field"),
    ({"text": "a", "level": True}, 422, "invalid_field"),
    ({"text": "a", "level": 4}, 422, "invalid_field"),
    ({"text": "a", "level": 1.5}, 422, "invalid_field"),
    ({"text": "a", "first_only": "yes"}, 422, "invalid_field"),
    ({"text": "a", "density": "loud"}, 422, "invalid_field"),
    ({"text": "a", "density": 2}, 422, "invalid_field"),
    ({"text": "a", "density": "all", "first_only": True}, 422, "invalid_field"),
    ({"text": "a", "frist_only": True}, 422, "unknown_field"),
])
def test_annotate_rejects_bad_requests(live_server, payload, status, code):
    error = assert_error(post_json(live_server, "/annotate", payload), status, code)
    if code in ("invalid_field", "unknown_lang", "unknown_field"):
        assert error["field"]


def test_annotate_error_names_the_field(live_server):
    error = assert_error(post_json(live_server, "/annotate", {"text": "a", "known": ["ok", 3]}), 422, "invalid_field")
    assert error["field"] == "known[1]" and "known[1]" in error["message"]


@pytest.mark.parametrize("raw", [b"{", b'{"text": "a",}', b"\xff\xfe\x00garbage", b"", b"   ", b"NaN x", b"[" * 50_000])
def test_annotate_rejects_malformed_json(live_server, raw):
    r = requests.post(api(live_server, "/annotate"), data=raw, headers={"Content-Type": "application/json"}, timeout=30)
    assert_error(r, 400, "invalid_json")


@pytest.mark.parametrize("content_type", [None, "text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x"])
def test_annotate_needs_json_content_type(live_server, content_type):
    headers = {"Content-Type": content_type} if content_type else {}
    r = requests.post(api(live_server, "/annotate"), data=b'{"text": "LoRA"}', headers=headers, timeout=30)
    assert_error(r, 415, "unsupported_media_type")


@pytest.mark.parametrize("depth", [1500, 100_000])
def test_annotate_deeply_nested_html_is_a_422_not_a_crash(live_server, depth):
    # The parser would silently drop everything below depth 2048, so the page is refused instead.
    page = "<div>" * depth + "LoRA" + "</div>" * depth
    r = post_json(live_server, "/annotate", {"html": page})
    assert_error(r, 422, "html_too_deep")


def test_annotate_nested_html_within_the_limit_is_annotated(live_server):
    page = "<div>" * 900 + "LoRA" + "</div>" * 900
    r = post_json(live_server, "/annotate", {"html": page})
    assert r.status_code == 200, r.text
    assert [a["exact"] for a in r.json()["annotations"]] == ["LoRA"]


@pytest.mark.parametrize("payload", [
    {"text": "\x00 LoRA \u200b\ufeff"},
    {"text": "<script>alert(1)</script> LoRA"},
    {"html": "<p>LoRA\x00</p>"},
    {"html": "<<<>>>&&&;;"},
    {"html": "\ufeff"},
    {"text": "𝐋𝐨𝐑𝐀 ＬｏＲＡ 🤖 LoRA"},
])
def test_annotate_naughty_inputs_never_500(live_server, payload):
    r = post_json(live_server, "/annotate", payload)
    assert r.status_code == 200, r.text
    text = payload.get("text")
    for a in r.json()["annotations"]:
        if text is not None:
            assert text[a["start"]:a["end"]] == a["exact"]


def test_annotate_lone_surrogate_escape_in_json(live_server):
    r = requests.post(api(live_server, "/annotate"), data=b'{"text": "\\ud800 LoRA", "known": ["\\udfff"]}',
                      headers={"Content-Type": "application/json"}, timeout=30)
    assert r.status_code == 200, r.text
    assert r.json()["annotations"][0] == {"term": "lora", "start": 2, "end": 6, "exact": "LoRA",
                                          "prefix": "\ufffd ", "suffix": ""}


# --------------------------------------------------------------------------- terms, search, trace


def test_get_term_card(live_server):
    r = requests.get(api(live_server, "/terms/lora"), timeout=30)
    assert r.status_code == 200
    card = r.json()
    assert card["id"] == "lora" and card["label"]["en"] == "LoRA"
    assert {"definition", "level", "deeper", "related", "links"} <= set(card)
    assert "fine-tuning" in card["deeper"]


def test_unknown_term_is_404_with_suggestions(live_server):
    error = assert_error(requests.get(api(live_server, "/terms/lor"), timeout=30), 404, "unknown_term")
    assert "lora" in error["suggestions"]
    assert_error(requests.get(api(live_server, "/terms/%E2%80%AE%00x"), timeout=30), 404, "unknown_term")


def test_search_in_both_languages(live_server):
    ja = requests.get(api(live_server, "/terms"), params={"q": "ファイン"}, timeout=30).json()
    assert ja["query"] == "ファイン" and ja["results"][0]["id"] == "fine-tuning"
    # case- and width-insensitive
    wide = requests.get(api(live_server, "/terms"), params={"q": "ＬＯＲＡ"}, timeout=30).json()
    assert wide["results"][0]["id"] == "lora"
    limited = requests.get(api(live_server, "/terms"), params={"q": "l", "limit": 3}, timeout=30).json()
    assert len(limited["results"]) == 3 and limited["total"] > 3
    nothing = requests.get(api(live_server, "/terms"), params={"q": "zzzzqqq"}, timeout=30).json()
    assert nothing == {"query": "zzzzqqq", "total": 0, "results": []}


def test_search_without_query_lists_every_term(live_server):
    health = requests.get(api(live_server, "/health"), timeout=30).json()
    everything = requests.get(api(live_server, "/terms"), params={"limit": 10000}, timeout=30).json()
    assert everything["total"] == health["lexicon"]["concepts"] == len(everything["results"])
    ids = [c["id"] for c in everything["results"]]
    assert ids == sorted(ids)


@pytest.mark.parametrize("params", [{"limit": "x"}, {"limit": "0"}, {"limit": "10001"}, {"q": "q" * 201}])
def test_search_rejects_bad_parameters(live_server, params):
    assert_error(requests.get(api(live_server, "/terms"), params=params, timeout=30), 400, "invalid_parameter")


def test_trace_reaches_machine_learning(live_server):
    body = requests.get(api(live_server, "/trace/fine-tuning"), timeout=30).json()
    assert body["term"] == "fine-tuning" and body["known"] == []
    path = body["path"]
    assert path[-1] == "fine-tuning" and "machine-learning" in path
    assert path.index("machine-learning") < path.index("fine-tuning")
    nodes = {n["id"]: n for n in body["graph"]["nodes"]}
    assert list(nodes) == path
    assert nodes["machine-learning"]["label"] == {"en": "machine learning", "ja": "機械学習"}
    for a, b in body["graph"]["edges"]:
        assert a in nodes and b in nodes
        assert path.index(b) < path.index(a)  # prerequisites first
    # every node but the term itself is reachable from the term through edges
    reach, todo = {"fine-tuning"}, ["fine-tuning"]
    while todo:
        cur = todo.pop()
        for a, b in body["graph"]["edges"]:
            if a == cur and b not in reach:
                reach.add(b)
                todo.append(b)
    assert reach == set(path)


def test_trace_leaves_out_what_the_reader_knows(live_server):
    full = requests.get(api(live_server, "/trace/fine-tuning"), timeout=30).json()
    known = requests.get(api(live_server, "/trace/fine-tuning"), params={"known": "machine-learning, nope,データセット"},
                         timeout=30).json()
    assert set(known["known"]) == {"machine-learning", "dataset"}
    assert "machine-learning" not in known["path"] and "dataset" not in known["path"]
    assert len(known["path"]) < len(full["path"])
    repeated = requests.get(f"{api(live_server, '/trace/fine-tuning')}?known=machine-learning&known=dataset", timeout=30).json()
    assert repeated["path"] == known["path"]
    itself = requests.get(api(live_server, "/trace/fine-tuning"), params={"known": "fine-tuning"}, timeout=30).json()
    assert itself["path"] == [] and itself["graph"] == {"nodes": [], "edges": []}


def test_trace_unknown_term(live_server):
    assert_error(requests.get(api(live_server, "/trace/nope-nope"), timeout=30), 404, "unknown_term")


def test_health(live_server):
    r = requests.get(api(live_server, "/health"), timeout=30)
    assert r.status_code == 200
    body = r.json()
    assert body["status"] == "ok"
    assert body["version"]
    assert body["lexicon"]["concepts"] > 400
    assert isinstance(body["lexicon"]["problems"], list)
    assert body["lexicon"]["errors"] >= 0
    assert re.fullmatch(r"[0-9a-f]{16}", body["lexicon"]["fingerprint"])


# --------------------------------------------------------------------------- HTTP-level errors


@pytest.mark.parametrize(("method", "path"), [
    ("GET", "/annotate"), ("PUT", "/annotate"), ("DELETE", "/annotate"), ("PATCH", "/annotate"),
    ("POST", "/terms"), ("POST", "/terms/lora"), ("DELETE", "/terms/lora"), ("POST", "/trace/lora"),
    ("POST", "/health"), ("PUT", "/openapi.json"),
])
def test_wrong_method_is_405_with_allow(live_server, method, path):
    r = requests.request(method, api(live_server, path), timeout=30)
    assert_error(r, 405, "method_not_allowed")
    assert r.headers["Allow"]
    assert method not in r.headers["Allow"].replace(" ", "").split(",")


@pytest.mark.parametrize("path", ["/nope", "/terms/lora/extra", "/annotate/x", "/terms/", "/v2/annotate"])
def test_unknown_api_route_is_json_404(live_server, path):
    assert_error(requests.get(api(live_server, path), timeout=30), 404, "not_found")


def test_body_over_the_default_cap_is_413(live_server):
    big = {"text": "a" * (5 * 1024 * 1024 + 10)}
    assert_error(post_json(live_server, "/annotate", big), 413, "payload_too_large")
    # the server is still fine afterwards
    assert requests.get(api(live_server, "/health"), timeout=30).status_code == 200


def test_head_and_options(live_server):
    assert requests.head(api(live_server, "/health"), timeout=30).status_code == 200
    r = requests.options(api(live_server, "/annotate"), timeout=30)
    assert r.status_code == 200 and "POST" in r.headers["Allow"]


# --------------------------------------------------------------------------- CORS and headers


@pytest.mark.parametrize("origin", ["chrome-extension://abcdefghijklmnopabcdefghijklmnop",
                                    "moz-extension://0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0"])
def test_cors_admits_browser_extensions(live_server, origin):
    pre = requests.options(api(live_server, "/annotate"), timeout=30, headers={
        "Origin": origin, "Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "content-type"})
    assert pre.status_code == 200
    assert pre.headers["Access-Control-Allow-Origin"] == origin
    assert "POST" in pre.headers["Access-Control-Allow-Methods"]
    assert "content-type" in pre.headers["Access-Control-Allow-Headers"].lower()
    r = post_json(live_server, "/annotate", {"text": "LoRA"}, headers={"Origin": origin})
    assert r.headers["Access-Control-Allow-Origin"] == origin
    assert "Origin" in r.headers["Vary"]
    # errors carry the header too, so the extension can read the error body
    bad = post_json(live_server, "/annotate", {}, headers={"Origin": origin})
    assert bad.status_code == 422 and bad.headers["Access-Control-Allow-Origin"] == origin


@pytest.mark.parametrize("origin", ["https://evil.example", "null", "http://127.0.0.1:1", "chrome-extension://x/../evil",
                                    "https://chrome-extension.example"])
def test_cors_refuses_other_origins(live_server, origin):
    pre = requests.options(api(live_server, "/annotate"), timeout=30, headers={
        "Origin": origin, "Access-Control-Request-Method": "POST"})
    assert "Access-Control-Allow-Origin" not in pre.headers
    r = requests.get(api(live_server, "/health"), headers={"Origin": origin}, timeout=30)
    assert "Access-Control-Allow-Origin" not in r.headers


def test_pages_send_no_cors_headers(live_server):
    r = requests.get(live_server.url + "/", headers={"Origin": "chrome-extension://abc"}, timeout=30)
    assert "Access-Control-Allow-Origin" not in r.headers


def test_api_security_headers(live_server):
    r = requests.get(api(live_server, "/health"), timeout=30)
    assert r.headers["X-Content-Type-Options"] == "nosniff"
    assert "frame-ancestors 'none'" in r.headers["Content-Security-Policy"]
    assert r.headers["Referrer-Policy"] == "no-referrer"


def test_json_is_utf8_not_escaped(live_server):
    r = post_json(live_server, "/annotate", {"text": SEED_JA})
    assert "ファインチューニング".encode() in r.content


def test_the_api_searches_by_reading(live_server):
    body = requests.get(f"{live_server.url}/api/v1/terms", params={"q": "かがくしゅう"}, timeout=30).json()
    assert body["results"][0]["id"] == "overfitting"
    assert body["results"][0]["reading"] == {"ja": "かがくしゅう"}


def test_a_misspelt_term_gets_did_you_mean_on_the_page_and_in_the_api(live_server):
    page = requests.get(f"{live_server.url}/terms/lroa?lang=en", timeout=30)
    assert page.status_code == 404 and 'href="/terms/lora' in page.text
    api = requests.get(f"{live_server.url}/api/v1/terms/attension", timeout=30)
    assert api.status_code == 404 and api.json()["error"]["suggestions"][0] == "attention"
    glossary = requests.get(f"{live_server.url}/terms?q=trnasformer&lang=en", timeout=30)
    assert glossary.status_code == 200 and 'href="/terms/transformer' in glossary.text
