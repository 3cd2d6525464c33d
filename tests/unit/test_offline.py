"""An offline copy keeps what opens without a fetch and drops the rest (issue 18 #12)."""

from __future__ import annotations

import lxml.html

from tadoru.pages.offline import strip_css, strip_remote

PNG = "data:image/png;base64,iVBORw0KGgo="


def test_inline_references_stay_and_remote_ones_go():
    root = lxml.html.document_fromstring(
        f'<html><head><link rel="stylesheet" href="https://x.example/a.css"><link rel="canonical" '
        f'href="https://x.example/page"></head><body><img src="{PNG}" srcset="{PNG} 1x, {PNG} 2x">'
        f'<img src="https://x.example/b.png" srcset="{PNG} 1x, https://x.example/c.png 2x">'
        f'<svg><use href="#icon"/><image href="https://x.example/d.png"/></svg>'
        f'<a href="https://x.example/read-more">more</a></body></html>')
    assert strip_remote(root) == 4
    html = lxml.html.tostring(root, encoding="unicode")
    assert "x.example/a.css" not in html and "b.png" not in html and "c.png" not in html and "d.png" not in html
    assert html.count(PNG) == 3 and 'href="#icon"' in html
    assert "https://x.example/page" in html and "read-more" in html  # links a reader follows are not fetches


def test_css_imports_and_urls_that_would_fetch_become_inert():
    css, count = strip_css(f'@import "https://x.example/a.css"; a{{background:url({PNG})}} '
                           "b{background:url('//x.example/b.png')} @font-face{src:url(f.woff2)}")
    assert count == 3 and "x.example" not in css and "f.woff2" not in css and PNG in css


def test_srcset_is_split_as_the_html_standard_says():
    from tadoru.pages.resources import split_srcset

    assert split_srcset("a.png 1x, b.png 2x") == [("a.png", "1x"), ("b.png", "2x")]
    assert split_srcset(f"{PNG} 1x, https://x.example/c.png 2x") == [(PNG, "1x"), ("https://x.example/c.png", "2x")]
    assert split_srcset("data:image/png;base64,AA,BB") == [("data:image/png;base64,AA,BB", "")]
    assert split_srcset("a.png,b.png") == [("a.png,b.png", "")]  # one URL: no space after the comma
    assert split_srcset("a.png, b.png 480w ,") == [("a.png", ""), ("b.png", "480w")]
