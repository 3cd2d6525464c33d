"""ReaderOptions: validated once, with the field named; every surface takes its names and limits from it."""

from __future__ import annotations

import pytest

from tadoru.options import (
    LANG_CHOICES,
    LEVELS,
    MAX_KNOWN,
    MAX_NAME,
    OptionError,
    OptionTypeError,
    ReaderOptions,
    openapi_properties,
)


def test_defaults():
    assert ReaderOptions() == ReaderOptions.parse({}) == ReaderOptions.parse(
        {"lang": None, "known": None, "level": None, "first_only": None, "density": None})
    assert ReaderOptions().to_json() == {"lang": "auto", "known": [], "level": 1, "density": "calm", "first_only": False,
                                         "discover": False}


@pytest.mark.parametrize(("values", "field", "code", "is_type"), [
    ({"lang": "fr"}, "lang", "unknown_lang", False),
    ({"lang": 3}, "lang", "invalid_field", True),
    ({"known": "lora"}, "known", "invalid_field", True),
    ({"known": ["lora", 7]}, "known[1]", "invalid_field", True),
    ({"known": ["x" * (MAX_NAME + 1)]}, "known[0]", "invalid_field", False),
    ({"known": ["a"] * (MAX_KNOWN + 1)}, "known", "invalid_field", False),
    ({"level": 4}, "level", "invalid_field", False),
    ({"level": True}, "level", "invalid_field", True),
    ({"level": "2"}, "level", "invalid_field", True),
    ({"first_only": "yes"}, "first_only", "invalid_field", True),
    ({"discover": 1}, "discover", "invalid_field", True),
    ({"discover": "acronym"}, "discover", "invalid_field", True),
    ({"discover": ["acronym", "noun"]}, "discover[1]", "invalid_field", False),
])
def test_each_refusal_names_its_field(values, field, code, is_type):
    with pytest.raises(OptionError) as caught:
        ReaderOptions.parse(values)
    assert (caught.value.field, caught.value.code) == (field, code)
    assert isinstance(caught.value, TypeError) == is_type
    assert str(caught.value).startswith(field + ":")


def test_query_strings_are_read_as_the_body_would_be():
    args = {"lang": "ja", "level": "2", "first_only": "true", "discover": "on"}
    options = ReaderOptions.from_query(args, getlist=lambda name: ["lora, rag", "gpu"] if name == "known" else [])
    assert options == ReaderOptions(lang="ja", known=("lora", "rag", "gpu"), level=2, first_only=True, discover=True)


@pytest.mark.parametrize(("args", "field"), [
    ({"level": "9" * 5000}, "level"),  # refused by length, before CPython's int() limit
    ({"level": "two"}, "level"),
    ({"first_only": "perhaps"}, "first_only"),
    ({"discover": "maybe"}, "discover[0]"),
    ({"discover": "definition,nouns"}, "discover[1]"),
])
def test_query_refusals(args, field):
    with pytest.raises(OptionError) as caught:
        ReaderOptions.from_query(args)
    assert caught.value.field == field


def test_discover_takes_true_false_or_the_kinds_wanted():
    from tadoru.discover import KINDS
    from tadoru.options import DISCOVER_KINDS

    assert DISCOVER_KINDS == KINDS  # the options floor keeps its own copy
    assert ReaderOptions(discover=True).discover == KINDS and ReaderOptions().discover == ()
    assert ReaderOptions.parse({"discover": ["acronym", "definition"]}).discover == ("definition", "acronym")
    assert ReaderOptions.parse({"discover": []}).discover == ()
    assert ReaderOptions.from_query({"discover": "acronym, definition"}).discover == ("definition", "acronym")
    assert ReaderOptions.from_query({"discover": "off"}).discover == ()
    # What goes back out (the client's body and query) reads in as the same options.
    for options in (ReaderOptions(discover=True), ReaderOptions(discover=("acronym",)), ReaderOptions()):
        assert ReaderOptions.parse(options.to_json()) == options


def test_a_known_list_past_the_limit_is_refused_not_cut():
    names = ",".join(f"t{i}" for i in range(MAX_KNOWN + 1))
    with pytest.raises(OptionError) as caught:
        ReaderOptions.from_query({"known": names})
    assert caught.value.field == "known"


def test_the_openapi_schema_is_generated_from_the_options():
    from tadoru.service.openapi import openapi_document

    request = openapi_document()["components"]["schemas"]["AnnotateRequest"]["properties"]
    assert {name: request[name] for name in ReaderOptions.FIELDS} == openapi_properties()
    assert request["known"]["maxItems"] == MAX_KNOWN and request["known"]["items"]["maxLength"] == MAX_NAME
    assert request["lang"]["enum"] == [*LANG_CHOICES, None] and request["level"]["enum"] == [*LEVELS, None]


def test_the_cli_offers_the_same_choices():
    from tadoru.cli import main

    params = {p.name: p for p in main.commands["annotate"].params}
    assert tuple(params["lang"].type.choices) == LANG_CHOICES
    assert tuple(int(c) for c in params["level"].type.choices) == LEVELS


def test_library_calls_take_keywords_or_options_but_not_both(annotator):
    assert annotator.annotate_text("LoRA", level=3) == annotator.annotate_text("LoRA", ReaderOptions(level=3))
    with pytest.raises(TypeError):
        annotator.annotate_text("LoRA", ReaderOptions(), level=2)
    with pytest.raises(OptionTypeError):
        annotator.annotate_text("LoRA", known="lora")
