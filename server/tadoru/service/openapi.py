"""The OpenAPI 3.1 document of API v1, served at ``/api/v1/openapi.json``.

Written by hand next to the views it describes; tests validate it with openapi-spec-validator,
check that its paths are exactly the blueprint's routes, and call every operation to check that
the answers match the schemas here.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from tadoru.options import (
    DENSITY_CHOICES,
    LANG_CHOICES,
    LEVELS,
    MAX_NAME,
    MAX_QUERY,
    SEARCH_LIMIT_DEFAULT,
    SEARCH_LIMIT_MAX,
    openapi_properties,
)
from tadoru.version import __version__

#: Every ``error.code`` the API can answer with.
ERROR_CODES = (
    "bad_request", "invalid_json", "invalid_request", "invalid_field", "invalid_parameter", "unknown_field",
    "missing_input", "conflicting_input", "unknown_lang", "html_too_deep", "unknown_term", "not_found",
    "method_not_allowed", "not_acceptable", "payload_too_large", "unsupported_media_type", "uri_too_long",
    "request_timeout", "length_required", "too_many_requests", "request_header_fields_too_large",
    "internal_error", "not_implemented", "unavailable", "unauthorized", "overloaded", "misdirected_request",
    "text_too_long", "out_of_memory", "invalid_pdf", "pdf_encrypted", "pdf_too_long", "pdf_too_complex",
)

_LABELS = {
    "type": "object",
    "required": ["en", "ja"],
    "properties": {"en": {"type": "string"}, "ja": {"type": "string"}},
}


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _json(schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _error(description: str) -> dict[str, Any]:
    return _json(_ref("Error"), description)


_COMMON_ERRORS = {
    "401": _error("The service has a token (`TADORU_TOKEN`) and the request did not send it, or sent another "
                  "(`unauthorized`, with a `WWW-Authenticate: Bearer` header)."),
    "405": _error("Method not allowed (`method_not_allowed`)."),
    "421": _error("The `Host` header names a host this service does not answer to (`misdirected_request`; "
                  "DNS-rebinding defence, see `TADORU_ALLOWED_HOSTS`)."),
}

#: Either the bearer token, or nothing when the service runs without one (the default).
_SECURITY = [{"bearerAuth": []}, {}]

_TERM_ID = {
    "name": "id", "in": "path", "required": True, "description": "A concept id such as `lora` or `fine-tuning`.",
    "schema": {"type": "string"}, "example": "fine-tuning",
}


#: The page bound of ``POST /api/v1/annotate-pdf`` (``tadoru.pdf.MAX_PAGES``; not imported: the
#: document is built without loading PDFium).
PDF_MAX_PAGES = 300

#: The reader options as query parameters (the PDF route's body is the PDF).
_OPTION_PARAMETERS = [
    {"name": "lang", "in": "query", "required": False, "schema": {"type": "string", "enum": list(LANG_CHOICES)}},
    {"name": "level", "in": "query", "required": False, "schema": {"type": "integer", "enum": list(LEVELS)}},
    {"name": "known", "in": "query", "required": False, "description": "Concept ids or labels, comma-separated.",
     "schema": {"type": "string"}},
    {"name": "density", "in": "query", "required": False, "schema": {"type": "string", "enum": list(DENSITY_CHOICES)},
     "description": "`calm` (default): once per section, never in headings, furniture or URLs; `first`; `all`."},
    {"name": "first_only", "in": "query", "required": False, "schema": {"type": "boolean"},
     "description": "The old name of `density=first`."},
    {"name": "discover", "in": "query", "required": False, "schema": {"type": "boolean"},
     "description": "Also list `candidates`: jargon the lexicon does not have yet."},
]


@lru_cache(maxsize=1)
def openapi_document() -> dict[str, Any]:
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Tadoru API",
            "version": __version__,
            "summary": "Find the AI/ML jargon in a text and trace each term down to the basics.",
            "description": (
                "Annotate Japanese or English text or whole pages with the terms of Tadoru's "
                "bilingual lexicon, read term cards, search the lexicon and get learning paths.\n\n"
                "Errors are always JSON: `{\"error\": {\"code\", \"message\"}}`; `code` is stable "
                "(see the `Error` schema). Offsets are in Unicode code points.\n\n"
                "When the service is started with `TADORU_TOKEN`, every route but `/api/v1/health` "
                "needs `Authorization: Bearer <token>`. Past capacity, `POST` requests answer 503 "
                "`overloaded` with `Retry-After` (seconds) instead of waiting without bound."
            ),
            "license": {"name": "MIT", "identifier": "MIT"},
        },
        "servers": [{"url": "/", "description": "this service"}],
        "security": _SECURITY,
        "paths": {
            "/api/v1/annotate": {
                "post": {
                    "operationId": "annotate",
                    "summary": "Annotate plain text or an HTML page",
                    "description": (
                        "Give exactly one of `text` and `html`. For `html`, offsets index the page's "
                        "visible text (its text nodes in document order, skipping code, scripts, form "
                        "fields and the like). `exact`, `prefix` and `suffix` form a W3C "
                        "TextQuoteSelector. `terms` holds the card of every annotated term."
                    ),
                    "requestBody": {
                        "required": True,
                        "content": {"application/json": {
                            "schema": _ref("AnnotateRequest"),
                            "examples": {
                                "ja": {"value": {"text": "ファインチューニングとは、既に学習済みのモデルを再学習する手法です。"}},
                                "en": {"value": {"text": "LoRA fine-tunes a large language model cheaply.",
                                                 "known": ["large-language-model"], "level": 1}},
                                "discover": {"value": {"text": "Kahneman-Tversky Optimization (KTO) tunes a language "
                                                               "model from thumbs-up labels; a judge model scores "
                                                               "the outputs of KTO against supervised fine-tuning.",
                                                       "discover": True}},
                            },
                        }},
                    },
                    "responses": {
                        "200": _json(_ref("AnnotateResponse"), "The annotations and the cards of their terms."),
                        "400": _error("The body is not JSON (`invalid_json`)."),
                        "413": _error("The body is larger than the configured cap (`payload_too_large`), or "
                                      "its text more than twice as long once normalised (`text_too_long`: "
                                      "NFKC turns some characters into up to 18)."),
                        "415": _error("The body is not sent as application/json (`unsupported_media_type`)."),
                        "422": _error("The JSON is not a valid request: `invalid_request`, `unknown_field`, "
                                      "`missing_input`, `conflicting_input`, `invalid_field`, `unknown_lang`, "
                                      "`html_too_deep`."),
                        "503": {**_error("Past capacity (`overloaded`): retry after `Retry-After` seconds; or the request "
                                                "needs more memory than a worker may use (`out_of_memory`)."),
                                "headers": {"Retry-After": {"description": "Seconds to wait before retrying.",
                                                            "schema": {"type": "integer", "minimum": 1}}}},
                        **_COMMON_ERRORS,
                    },
                },
            },
            "/api/v1/annotate-pdf": {
                "post": {
                    "operationId": "annotatePdf",
                    "summary": "Annotate a PDF (a research paper): each term with its page and boxes",
                    "description": (
                        "The body is the PDF's bytes; the reader options are query parameters. "
                        "`text` is the PDF's text as a reader sees it (words hyphenated at line ends "
                        "joined, paragraphs apart) and the offsets index it, in code points. `page` counts "
                        "from 1; `rects` are `[x0, y0, x1, y1]` in PDF points from the page's top-left, one "
                        f"per line the term covers. At most {PDF_MAX_PAGES} pages; the size cap is "
                        "`TADORU_MAX_PDF` (default 50 MiB). A scan without a text layer answers 200 with no "
                        "annotations and the warning `no_text_layer`. The service never fetches a PDF by URL."
                    ),
                    "parameters": _OPTION_PARAMETERS,
                    "requestBody": {
                        "required": True,
                        "content": {"application/pdf": {"schema": {"type": "string", "format": "binary"}}},
                    },
                    "responses": {
                        "200": _json(_ref("AnnotatePdfResponse"), "The PDF's text, pages, annotations and cards."),
                        "400": _error("A bad reader option (`invalid_parameter`)."),
                        "413": _error("The PDF is larger than `TADORU_MAX_PDF` (`payload_too_large`), or its text "
                                      "grows past the normaliser's limit (`text_too_long`)."),
                        "415": _error("The body is not sent as application/pdf (`unsupported_media_type`)."),
                        "422": _error("Not a PDF, or a damaged one (`invalid_pdf`); protected by a password "
                                      f"(`pdf_encrypted`); more than {PDF_MAX_PAGES} pages or 2 million characters "
                                      "(`pdf_too_long`); reading it needed more than 1.5 GiB or a minute: a compression "
                                      "bomb, say (`pdf_too_complex`)."),
                        "503": _error("Past capacity (`overloaded`) or out of memory (`out_of_memory`)."),
                        **_COMMON_ERRORS,
                    },
                },
            },
            "/api/v1/terms": {
                "get": {
                    "operationId": "searchTerms",
                    "summary": "Search the lexicon's labels in both languages",
                    "description": "Case- and width-insensitive; labels that start with `q` first, then "
                                   "labels that contain it. Without `q`, every term by id.",
                    "parameters": [
                        {"name": "q", "in": "query", "required": False, "schema": {"type": "string", "maxLength": MAX_QUERY},
                         "example": "ファイン"},
                        {"name": "limit", "in": "query", "required": False, "allowEmptyValue": True,
                         "description": "How many cards at most; empty means the default.",
                         "schema": {"type": "integer", "minimum": 1, "maximum": SEARCH_LIMIT_MAX,
                                    "default": SEARCH_LIMIT_DEFAULT}},
                    ],
                    "responses": {
                        "200": _json(_ref("SearchResponse"), "Matching term cards, best first."),
                        "400": _error("A bad `q` or `limit` (`invalid_parameter`)."),
                        **_COMMON_ERRORS,
                    },
                },
            },
            "/api/v1/terms/{id}": {
                "get": {
                    "operationId": "getTerm",
                    "summary": "One term card",
                    "parameters": [_TERM_ID],
                    "responses": {
                        "200": _json(_ref("TermCard"), "The term card."),
                        "404": _error("No such term (`unknown_term`, with `suggestions`)."),
                        **_COMMON_ERRORS,
                    },
                },
            },
            "/api/v1/trace/{id}": {
                "get": {
                    "operationId": "traceTerm",
                    "summary": "The learning path to a term",
                    "description": "The term's `deeper` closure in learning order (prerequisites first), "
                                   "leaving out known terms and what lies below them, with the graph of "
                                   "`deeper` edges among the path's terms.",
                    "parameters": [
                        _TERM_ID,
                        {"name": "known", "in": "query", "required": False,
                         "description": "Comma-separated ids (or labels) the reader knows.",
                         "schema": {"type": "string"}, "example": "machine-learning,dataset"},
                    ],
                    "responses": {
                        "200": _json(_ref("TraceResponse"), "The path and its graph."),
                        "400": _error("A bad `known` list (`invalid_parameter`)."),
                        "404": _error("No such term (`unknown_term`)."),
                        **_COMMON_ERRORS,
                    },
                },
            },
            "/api/v1/placement": {
                "get": {
                    "operationId": "placementTerms",
                    "summary": "The placement: about 20 terms across the three levels",
                    "description": "What a new reader is asked (\"which of these could you explain?\"), level 1 "
                                   "first: per level the terms most others build on, at most two per category.",
                    "responses": {
                        "200": _json({"type": "object", "required": ["terms", "pass_share"], "properties": {
                            "terms": {"type": "array", "items": _ref("TermCard")},
                            "pass_share": {"type": "number"}}}, "The placement's term cards."),
                        **_COMMON_ERRORS,
                    },
                },
                "post": {
                    "operationId": "placementResult",
                    "summary": "A level and a known list from the placement's answers",
                    "description": "The level rises past each level of which the reader can explain at least "
                                   "`pass_share` of the terms; `known` is the ticked terms and what they build on.",
                    "requestBody": {"required": True, "content": {"application/json": {
                        "schema": {"type": "object", "additionalProperties": False, "properties": {
                            "can_explain": {"type": "array", "maxItems": 1000,
                                            "items": {"type": "string", "maxLength": MAX_NAME}}}},
                        "examples": {"beginner": {"value": {"can_explain": ["model", "data"]}}}}}},
                    "responses": {
                        "200": _json({"type": "object", "required": ["level", "known"], "properties": {
                            "level": {"type": "integer", "enum": list(LEVELS)},
                            "known": {"type": "array", "items": {"type": "string"}}}},
                            "The level to read at and the terms to count as known."),
                        "400": _error("The body is not JSON (`invalid_json`)."),
                        "413": _error("The body is larger than the configured cap (`payload_too_large`)."),
                        "415": _error("The body is not sent as application/json (`unsupported_media_type`)."),
                        "422": _error("A body that is not `{\"can_explain\": [ids]}` (`invalid_request`, "
                                      "`unknown_field`, `invalid_field`)."),
                        "503": _error("Past capacity (`overloaded`): retry after `Retry-After` seconds."),
                        **_COMMON_ERRORS,
                    },
                },
            },
            "/api/v1/health": {
                "get": {
                    "operationId": "health",
                    "summary": "Service status and lexicon size",
                    "description": "Open even when the service has a token (then the problem list is left "
                                   "out unless the request sends the token; a wrong token answers 401).",
                    "responses": {
                        "200": _json(_ref("Health"), "The service is up (lexicon problems, if any, are listed)."),
                        "503": _json(_ref("Health"), "The service is up but has no lexicon to serve."),
                        **_COMMON_ERRORS,
                    },
                },
            },
            "/api/v1/openapi.json": {
                "get": {
                    "operationId": "openapi",
                    "summary": "This document",
                    "responses": {
                        "200": _json({"type": "object", "required": ["openapi", "paths"]}, "The OpenAPI 3.1 document."),
                        **_COMMON_ERRORS,
                    },
                },
            },
        },
        "components": {
            "securitySchemes": {
                "bearerAuth": {"type": "http", "scheme": "bearer",
                               "description": "The service's `TADORU_TOKEN`, when it was started with one."},
            },
            "schemas": {
                "AnnotateRequest": {
                    "type": "object",
                    "additionalProperties": False,
                    "properties": {
                        "text": {"type": "string", "description": "Plain text to annotate."},
                        "html": {"type": "string", "description": "An HTML page (or fragment) to annotate."},
                        **openapi_properties(),
                    },
                    "oneOf": [{"required": ["text"]}, {"required": ["html"]}],
                },
                "Annotation": {
                    "type": "object",
                    "required": ["term", "start", "end", "exact", "prefix", "suffix"],
                    "properties": {
                        "term": {"type": "string", "description": "Concept id."},
                        "start": {"type": "integer", "minimum": 0, "description": "Code point offset."},
                        "end": {"type": "integer", "minimum": 0},
                        "exact": {"type": "string"},
                        "prefix": {"type": "string", "maxLength": 32},
                        "suffix": {"type": "string", "maxLength": 32},
                    },
                },
                "Candidate": {
                    "type": "object",
                    "required": ["surface", "start", "end", "kind", "prefix", "suffix"],
                    "description": "A term the lexicon does not have yet (`discover: true`); never overlaps an "
                                   "annotation.",
                    "properties": {
                        "surface": {"type": "string"},
                        "start": {"type": "integer", "minimum": 0, "description": "Code point offset."},
                        "end": {"type": "integer", "minimum": 0},
                        "kind": {"type": "string", "enum": ["definition", "acronym", "compound"],
                                 "description": "`definition`: the text spells it out (`long_form`); `acronym`: "
                                                "a coined name rare in general language; `compound`: a known "
                                                "concept (`head`) with a naming modifier in front."},
                        "long_form": {"type": "string", "description": "What the text says it stands for."},
                        "head": {"type": "string", "description": "The known concept it builds on (its card is in "
                                                                  "`terms`)."},
                        "defined_at": {"type": "integer", "minimum": 0,
                                       "description": "Where the text defines it (a `definition`'s later uses "
                                                      "point back to the defining occurrence)."},
                        "prefix": {"type": "string", "maxLength": 32},
                        "suffix": {"type": "string", "maxLength": 32},
                    },
                },
                "AnnotateResponse": {
                    "type": "object",
                    "required": ["lang", "annotations", "terms"],
                    "properties": {
                        "lang": {"type": "string", "enum": ["ja", "en"]},
                        "annotations": {"type": "array", "items": _ref("Annotation")},
                        "candidates": {"type": "array", "items": _ref("Candidate"),
                                       "description": "Present when the request set `discover`."},
                        "terms": {"type": "object", "additionalProperties": _ref("TermCard")},
                        "known_found": {"type": "object", "additionalProperties": {"type": "integer", "minimum": 1},
                                        "description": "The reader's known terms this text holds, with how often "
                                                       "(not annotated: known)."},
                        "truncated_at": {"type": "integer", "minimum": 0,
                                         "description": "Present only when the text held more terms than one "
                                                        "request annotates (100,000 candidates): the annotations "
                                                        "cover the text before this code point offset."},
                        "warnings": {"type": "array", "items": {"type": "string", "enum": ["truncated"]},
                                     "description": "Present only when something was left out: `truncated`."},
                    },
                },
                "PdfAnnotation": {
                    "allOf": [_ref("Annotation"), {
                        "type": "object",
                        "required": ["page", "rects"],
                        "properties": {
                            "page": {"type": "integer", "minimum": 1},
                            "rects": {"type": "array", "minItems": 1, "items": {
                                "type": "array", "items": {"type": "number"}, "minItems": 4, "maxItems": 4}},
                        },
                    }],
                },
                "PdfCandidate": {
                    "allOf": [_ref("Candidate"), {
                        "type": "object",
                        "required": ["page", "rects"],
                        "properties": {
                            "page": {"type": "integer", "minimum": 1},
                            "rects": {"type": "array", "minItems": 1, "items": {
                                "type": "array", "items": {"type": "number"}, "minItems": 4, "maxItems": 4}},
                        },
                    }],
                },
                "AnnotatePdfResponse": {
                    "type": "object",
                    "required": ["lang", "pages", "text", "annotations", "terms"],
                    "properties": {
                        "lang": {"type": "string", "enum": ["ja", "en"]},
                        "pages": {"type": "array", "items": {
                            "type": "object", "required": ["page", "width", "height"],
                            "properties": {"page": {"type": "integer", "minimum": 1},
                                           "width": {"type": "number"}, "height": {"type": "number"},
                                           "start": {"type": "integer", "minimum": 0,
                                                     "description": "Where the page's text begins in `text` "
                                                                    "(its length for a page without text)."}}}},
                        "text": {"type": "string"},
                        "annotations": {"type": "array", "items": _ref("PdfAnnotation")},
                        "candidates": {"type": "array", "items": _ref("PdfCandidate"),
                                       "description": "Present when the request set `discover`."},
                        "terms": {"type": "object", "additionalProperties": _ref("TermCard")},
                        "known_found": {"type": "object", "additionalProperties": {"type": "integer", "minimum": 1}},
                        "truncated_at": {"type": "integer", "minimum": 0},
                        "warnings": {"type": "array", "items": {"type": "string",
                                                                "enum": ["no_text_layer", "truncated"]}},
                    },
                },
                "TermCard": {
                    "type": "object",
                    "required": ["id", "label", "definition", "level", "deeper", "related", "links"],
                    "properties": {
                        "id": {"type": "string"},
                        "label": _LABELS,
                        "aliases": {"type": "object", "properties": {
                            "en": {"type": "array", "items": {"type": "string"}},
                            "ja": {"type": "array", "items": {"type": "string"}}}},
                        "definition": _LABELS,
                        "level": {"type": "integer", "enum": list(LEVELS)},
                        "category": {"type": "string"},
                        "deeper": {"type": "array", "items": {"type": "string"}},
                        "related": {"type": "array", "items": {"type": "string"}},
                        "links": {"type": "object"},
                        "names": {"type": "object", "additionalProperties": _LABELS,
                                  "description": "The labels of the terms in `deeper` and `related`, by id, so a "
                                                 "client can name them without asking for their cards."},
                        "reading": {"type": "object", "properties": {"ja": {"type": "string"}},
                                    "description": "The Japanese label's reading in hiragana (過学習 → かがくしゅう), "
                                                   "present when that label has kanji."},
                    },
                },
                "SearchResponse": {
                    "type": "object",
                    "required": ["query", "total", "results"],
                    "properties": {
                        "query": {"type": "string"},
                        "total": {"type": "integer", "minimum": 0, "description": "Matches before `limit`."},
                        "results": {"type": "array", "items": _ref("TermCard")},
                    },
                },
                "TraceResponse": {
                    "type": "object",
                    "required": ["term", "known", "path", "graph"],
                    "properties": {
                        "term": {"type": "string"},
                        "known": {"type": "array", "items": {"type": "string"},
                                  "description": "The known ids that were recognised."},
                        "path": {"type": "array", "items": {"type": "string"}, "description": "Prerequisites first."},
                        "graph": {
                            "type": "object",
                            "required": ["nodes", "edges"],
                            "properties": {
                                "nodes": {"type": "array", "items": {
                                    "type": "object", "required": ["id", "label", "level"],
                                    "properties": {"id": {"type": "string"}, "label": _LABELS,
                                                   "level": {"type": "integer"}, "category": {"type": "string"}}}},
                                "edges": {"type": "array", "description": "[term, prerequisite] pairs.",
                                          "items": {"type": "array", "items": {"type": "string"},
                                                    "minItems": 2, "maxItems": 2}},
                            },
                        },
                    },
                },
                "Health": {
                    "type": "object",
                    "required": ["status", "version", "lexicon"],
                    "properties": {
                        "status": {"type": "string", "enum": ["ok", "degraded"]},
                        "version": {"type": "string"},
                        "auth": {"type": "string", "enum": ["off", "required", "accepted"],
                                 "description": "`off`: the service has no token; `required`: it has one "
                                                "and this request did not send it; `accepted`: it did."},
                        "lexicon": {
                            "type": "object",
                            "required": ["concepts", "fingerprint", "errors", "warnings", "problems"],
                            "properties": {
                                "concepts": {"type": "integer", "minimum": 0},
                                "fingerprint": {"type": "string", "pattern": "^[0-9a-f]{16}$",
                                                "description": "Changes whenever any term card changes; "
                                                               "clients drop cached cards when it does."},
                                "files": {"type": "integer", "minimum": 0},
                                "errors": {"type": "integer", "minimum": 0},
                                "warnings": {"type": "integer", "minimum": 0},
                                "problems": {"type": "array", "items": {"type": "string"},
                                             "description": "The first problems found while loading."},
                            },
                        },
                    },
                },
                "Error": {
                    "type": "object",
                    "required": ["error"],
                    "properties": {
                        "error": {
                            "type": "object",
                            "required": ["code", "message"],
                            "properties": {
                                "code": {"type": "string", "enum": list(ERROR_CODES)},
                                "message": {"type": "string"},
                                "field": {"type": "string", "description": "The request field at fault."},
                                "suggestions": {"type": "array", "items": {"type": "string"}},
                            },
                        },
                    },
                },
            },
        },
    }
