"""The OpenAPI document is valid, matches the routes, and every operation answers as it says.

Run against the real service: each documented operation is called with its documented
examples (and with inputs that must fail), and every answer's status must be one the document
lists for that operation, with a body valid against the documented schema.
"""

from __future__ import annotations

import re

import pytest
import requests
from openapi_schema_validator import OAS31Validator
from openapi_spec_validator import validate as validate_spec

from harness.pdfgen import simple_pdf


@pytest.fixture(scope="module")
def document(live_server) -> dict:
    r = requests.get(f"{live_server.url}/api/v1/openapi.json", timeout=30)
    assert r.status_code == 200 and r.headers["Content-Type"].startswith("application/json")
    return r.json()


def check_response(document: dict, path: str, method: str, response: requests.Response) -> None:
    """The status is documented for this operation and the body matches its schema."""
    operation = document["paths"][path][method]
    status = str(response.status_code)
    assert status in operation["responses"], f"{method.upper()} {path} answered {status}, not documented"
    content = operation["responses"][status].get("content", {})
    if response.request.method == "HEAD":
        return
    assert "application/json" in content, f"{method.upper()} {path} {status} documents no JSON body"
    schema = {**content["application/json"]["schema"], "components": document["components"]}
    OAS31Validator(schema).validate(response.json())


def test_document_is_valid_openapi_31(document):
    assert document["openapi"].startswith("3.1")
    validate_spec(document)


def test_document_paths_are_exactly_the_api_routes(document, annotator):
    from tadoru.service.app import create_app

    app = create_app(annotator=annotator)
    routes = set()
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith("/api/"):
            routes.add(re.sub(r"<(?:\w+:)?(\w+)>", r"{id}", rule.rule))
    assert routes == set(document["paths"])
    methods: dict[str, set[str]] = {}  # one path may have a rule per method (GET and POST /placement)
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith("/api/"):
            path = re.sub(r"<(?:\w+:)?(\w+)>", r"{id}", rule.rule)
            methods.setdefault(path, set()).update(m.lower() for m in rule.methods if m not in ("HEAD", "OPTIONS"))
    for path, found in methods.items():
        assert found == set(document["paths"][path]), path


def test_error_codes_in_the_document_cover_what_the_server_says(document):
    from tadoru.service.errors import STATUS_CODES

    codes = set(document["components"]["schemas"]["Error"]["properties"]["error"]["properties"]["code"]["enum"])
    assert set(STATUS_CODES.values()) <= codes


def _url(live_server, path: str, term_id: str = "fine-tuning") -> str:
    return live_server.url + path.replace("{id}", term_id)


def _examples(operation: dict) -> dict:
    params = {}
    for p in operation.get("parameters", []):
        if p["in"] == "query" and "example" in p:
            params[p["name"]] = p["example"]
    return params


def test_every_operation_answers_as_documented(live_server, document):
    called = set()
    for path, item in document["paths"].items():
        for method, operation in item.items():
            url = _url(live_server, path)
            if method == "post" and "application/pdf" in operation["requestBody"]["content"]:
                pdf = simple_pdf([["We fine-tuned a large language model with LoRA adapters."]])
                r = requests.post(url, data=pdf, params={"level": 1, "discover": "true"}, timeout=60,
                                  headers={"Content-Type": "application/pdf"})
                assert r.status_code == 200, r.text
                check_response(document, path, method, r)
            elif method == "post":
                examples = operation["requestBody"]["content"]["application/json"]["examples"]
                for example in examples.values():
                    r = requests.post(url, json=example["value"], timeout=30)
                    assert r.status_code == 200, r.text
                    check_response(document, path, method, r)
            else:
                r = requests.request(method, url, params=_examples(operation), timeout=30)
                assert r.status_code == 200, r.text
                check_response(document, path, method, r)
                r = requests.request(method, url, timeout=30)
                check_response(document, path, method, r)
            # a method the operation does not have is documented as 405
            other = "delete"
            r = requests.request(other, url, timeout=30)
            assert r.status_code == 405
            check_response(document, path, method, r)
            called.add((path, method))
    assert len(called) == sum(len(item) for item in document["paths"].values()) >= 6


@pytest.mark.parametrize(("path", "method", "kwargs"), [
    ("/api/v1/annotate", "post", {"data": b"{", "headers": {"Content-Type": "application/json"}}),
    ("/api/v1/annotate", "post", {"data": b"{}", "headers": {"Content-Type": "text/plain"}}),
    ("/api/v1/annotate", "post", {"json": {"text": "a", "level": 9}}),
    ("/api/v1/annotate", "post", {"json": {"text": "a", "lang": "de"}}),
    ("/api/v1/annotate", "post", {"json": {"html": "<p>x</p>", "text": "x"}}),
    ("/api/v1/annotate-pdf", "post", {"data": b"not a pdf", "headers": {"Content-Type": "application/pdf"}}),
    ("/api/v1/annotate-pdf", "post", {"data": b"%PDF-1.4", "headers": {"Content-Type": "text/plain"}}),
    ("/api/v1/annotate-pdf", "post", {"data": b"%PDF-1.4", "params": {"level": "9"},
                                      "headers": {"Content-Type": "application/pdf"}}),
    ("/api/v1/terms", "get", {"params": {"limit": "-1"}}),
    ("/api/v1/terms/{id}", "get", {"term": "no-such-term"}),
    ("/api/v1/trace/{id}", "get", {"term": "no-such-term"}),
])
def test_documented_errors_match_the_schema(live_server, document, path, method, kwargs):
    term = kwargs.pop("term", "fine-tuning")
    r = requests.request(method, _url(live_server, path, term), timeout=30, **kwargs)
    assert r.status_code >= 400
    check_response(document, path, method, r)


def test_annotate_responses_match_the_schema_for_html_too(live_server, document):
    r = requests.post(f"{live_server.url}/api/v1/annotate", timeout=30,
                      json={"html": "<p>大規模言語モデル and LoRA</p>", "first_only": True, "level": 2})
    check_response(document, "/api/v1/annotate", "post", r)
    assert r.json()["annotations"]
