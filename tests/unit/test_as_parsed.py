"""The finished copy checked as the browser parses it (issue 18 #1: parser differentials)."""

from __future__ import annotations

import html5lib
import lxml.html
import pytest

from tadoru.pages.as_parsed import OwnParts, UnsafeMarkup, inert_as_parsed
from tadoru.pages.render import finish_document, tooltip_kit
from tadoru.pages.sanitize import make_inert

#: Markup lxml reads as text or inert and an HTML5 parser (Chromium's, lexbor's) as elements.
DIFFERENTIALS = {
    "svg-style-meta": '<p>LoRA</p><svg><style><meta http-equiv="refresh" content="1;url=http://127.0.0.1:9/NAV">'
                      "</style></svg>",
    "svg-style-img": "<svg><style><img src=x onerror=alert(1)></style></svg>",
    "svg-style-script": "<svg><style><script>alert(2)</script></style></svg>",
    "svg-style-base-link": '<svg><style><base href="http://127.0.0.1:9/"><link rel=prefetch href="/pf"></style></svg>',
    "math-mglyph-style": "<math><mtext><table><mglyph><style><img src=x onerror=alert(3)></style></mglyph></table>"
                         "</mtext></math>",
    "noscript-title": '<noscript><p title="</noscript><img src=x onerror=alert(4)>"></p></noscript>',
    "svg-p-style": '<svg></p><style><a id="</style><img src=1 onerror=alert(5)>"></a></style></svg>',
}


def active_elements(html: str) -> list[str]:
    """What a spec-conformant parser (html5lib, independent of lexbor) finds that could run or fetch."""
    document = html5lib.parse(html, namespaceHTMLElements=False)
    found = []
    for element in document.iter():
        if not isinstance(element.tag, str):
            continue
        name = element.tag.rsplit("}", 1)[-1].lower()
        attributes = {key.rsplit("}", 1)[-1]: value for key, value in element.attrib.items()}
        if name == "script" and (element.get("id") or "").startswith("tadoru-"):
            continue  # Tadoru's own three
        if name == "meta" and attributes.get("http-equiv", "").lower() == "content-security-policy" and (
                attributes.get("content") == tooltip_kit().csp_offline):
            continue
        if name in ("script", "iframe", "base", "object", "embed") or (
                name == "meta" and "http-equiv" in attributes) or (
                name == "link" and attributes.get("rel", "").lower() not in ("stylesheet", "icon")):
            found.append(name)
        found.extend(f"{name}[{key}]" for key in attributes if key.lower().startswith("on"))
    return found


def finished(page: str) -> str:
    root = lxml.html.document_fromstring(f"<!DOCTYPE html><html><head></head><body>{page}</body></html>")
    make_inert(root)
    return finish_document(root, cards={}, lang="en", title="t")


@pytest.mark.parametrize("name", sorted(DIFFERENTIALS))
def test_the_copy_holds_nothing_active_as_an_html5_parser_reads_it(name):
    assert active_elements(finished(DIFFERENTIALS[name])) == []


@pytest.mark.parametrize("name", ["svg-style-meta", "svg-style-img", "svg-style-script", "svg-style-base-link"])
def test_those_tricks_fool_lxml_alone(name):
    """Proof the cases matter: lxml's clean serialisation alone parses into active markup."""
    root = lxml.html.document_fromstring(f"<html><body>{DIFFERENTIALS[name]}</body></html>")
    make_inert(root)
    assert active_elements(lxml.html.tostring(root, encoding="unicode")) != []


def test_a_clean_page_comes_out_byte_identical_to_lxml_serialisation():
    page = "<h1>LoRA</h1><p>Low-rank <b>adaptation</b> &amp; <a href='https://x.example/'>link</a></p><svg><rect/></svg>"
    root = lxml.html.document_fromstring(f"<html><body>{page}</body></html>")
    make_inert(root)
    kit = tooltip_kit()
    out = finish_document(root, cards={}, lang="en", title="t")
    again, removed = inert_as_parsed(out, OwnParts(scripts=_own_scripts(out), policy=kit.csp_offline))
    assert removed == 0 and again == out


def _own_scripts(html: str) -> tuple[str, ...]:
    from selectolax.lexbor import LexborHTMLParser

    body = LexborHTMLParser(html).body
    assert body is not None
    return tuple(node.text(deep=True) for node in body.css("script"))[-3:]


def test_tadoru_scripts_that_are_not_last_in_the_body_refuse_the_page():
    kit = tooltip_kit()
    own = OwnParts(scripts=("{}", "a()", "b()"), policy=kit.csp)
    good = "<!DOCTYPE html><html><head></head><body><p>x</p><script>{}</script><script>a()</script><script>b()</script></body></html>"
    assert inert_as_parsed(good, own) == (good, 0)
    # A <plaintext> (or anything that swallows the rest) would leave the bootstrap without its data.
    swallowed = good.replace("<p>x</p>", "<p>x</p><plaintext>")
    with pytest.raises(UnsafeMarkup):
        inert_as_parsed(swallowed, own)


def test_a_page_element_with_a_tadoru_id_loses_the_id():
    out = finished('<div id="tadoru-data" hidden>{"cards":{}}</div><p id="Tadoru-bootstrap">LoRA</p>')
    assert out.count('id="tadoru-data"') == 1 and "Tadoru-bootstrap" not in out


def test_an_extra_policy_or_script_from_the_page_is_not_mistaken_for_tadorus():
    kit = tooltip_kit()
    out = finished("<svg><style><meta http-equiv=\"Content-Security-Policy\" content=\"default-src *\">"
                   "<script>TadoruTooltip = 1</script></style></svg>")
    assert "default-src *" not in out and "TadoruTooltip = 1" not in out
    assert out.count(kit.csp_offline) == 1
