"""Realistic benchmark inputs, generated deterministically from the shipped lexicon.

Article prose is built from the lexicon's own definitions (real sentences that use the real
terms at a real density) interleaved with everyday sentences, so the jargon density is that of a
blog post rather than a glossary; pages get a head with styles and scripts, headings, nested
inline markup, links, tables and code blocks.
"""

from __future__ import annotations

import html
import random
from functools import cache

from tadoru import load_lexicon

EVERYDAY = {
    "en": [
        "This is where most teams start, and it is worth taking slowly.",
        "The results surprised us, so we ran the experiment twice more.",
        "Our office moved last spring, which delayed the project by a month.",
        "If you only remember one thing from this post, remember the next paragraph.",
        "We will come back to this point at the end of the article.",
        "The numbers below come from our own notebooks, not from the vendor.",
        "Several readers wrote in to ask how this works in practice.",
        "Coffee helped, but the real breakthrough was a better plan.",
        "Nothing here requires expensive hardware or a large budget.",
        "Let us look at a concrete example before going further.",
        "The documentation is thin, so we learned most of this by trial and error.",
        "In the next section we compare three approaches side by side.",
    ],
    "ja": [
        "ここからが本題です。",
        "結果は意外なものだったので、同じ実験をもう二回繰り返しました。",
        "昨年の春にオフィスを移転したため、計画は一か月ほど遅れました。",
        "この記事で一つだけ覚えておくなら、次の段落です。",
        "この点については記事の最後でもう一度触れます。",
        "以下の数字はベンダーの資料ではなく、私たち自身の検証によるものです。",
        "実際にどう動くのかという質問を、読者の方から多くいただきました。",
        "コーヒーも助けになりましたが、本当の突破口はより良い計画でした。",
        "高価な機材や大きな予算は必要ありません。",
        "先に進む前に、具体的な例を見てみましょう。",
        "公式の説明は少ないので、ほとんどは試行錯誤で学びました。",
        "次の節では、三つの方法を並べて比べます。",
    ],
}


@cache
def _definitions(lang: str) -> tuple[str, ...]:
    return tuple(c.definition[lang] for c in load_lexicon())


def prose(lang: str, size: int, seed: int = 7) -> str:
    """About ``size`` characters of article prose in ``lang`` (paragraphs of 4–7 sentences)."""
    rng = random.Random(seed)
    defs, everyday = _definitions(lang), EVERYDAY[lang]
    sep = " " if lang == "en" else ""
    paragraphs: list[str] = []
    total = 0
    while total < size:
        sentences = [rng.choice(defs) if rng.random() < 0.5 else rng.choice(everyday) for _ in range(rng.randint(4, 7))]
        paragraph = sep.join(sentences)
        paragraphs.append(paragraph)
        total += len(paragraph) + 2
    return "\n\n".join(paragraphs)[:size]


HEAD = """<!doctype html><html lang="{lang}"><head><meta charset="utf-8"><title>An article about AI</title>
<style>body{{font:16px/1.6 serif;max-width:42em;margin:auto}} .note{{color:#555}} table td{{padding:4px}}</style>
<script>window.analytics = {{track: function () {{ return "fine-tuning LoRA GPU"; }}}};</script>
<script type="application/ld+json">{{"@type": "Article", "headline": "LoRA and fine-tuning"}}</script>
</head><body><header><nav><a href="/">Home</a> · <a href="/tags/ai">AI</a></nav></header><main><article>
"""


def article_html(lang: str, size: int, seed: int = 11) -> str:
    """An article page of about ``size`` bytes with realistic structure."""
    rng = random.Random(seed)
    text = prose(lang, max(size, 2000), seed)
    paragraphs = [p for p in text.split("\n\n") if p]
    parts = [HEAD.format(lang=lang)]
    out_len = len(parts[0].encode())
    i = 0
    section = 1
    while out_len < size:
        p = paragraphs[i % len(paragraphs)]
        i += 1
        words = p.split(" ") if lang == "en" else [p[k:k + 12] for k in range(0, len(p), 12)]
        # nested inline markup and links around a few words
        for _ in range(min(3, len(words) // 4)):
            k = rng.randrange(len(words))
            w = html.escape(words[k])
            words[k] = rng.choice([f"<em>{w}</em>", f"<strong><span class=\"hl\">{w}</span></strong>",
                                   f"<a href=\"/wiki/{k}\">{w}</a>"])
        body = (" " if lang == "en" else "").join(w if w.startswith("<") else html.escape(w) for w in words)
        block = f"<p>{body}</p>\n"
        if i % 6 == 0:
            block = f"<h2>Section {section}</h2>\n" + block
            section += 1
        if i % 9 == 0:
            block += "<pre><code>model = AutoModel.from_pretrained('bert-base')  # LoRA GPU\nmodel.train()</code></pre>\n"
        if i % 13 == 0:
            block += ("<table><tr><th>model</th><th>GPU</th><th>score</th></tr>"
                      "<tr><td>BERT</td><td>A100</td><td>0.91</td></tr><tr><td>LoRA</td><td>T4</td><td>0.89</td></tr></table>\n")
        parts.append(block)
        out_len += len(block.encode())
    parts.append("</article></main><footer><p class=\"note\">© 2026</p></footer></body></html>\n")
    return "".join(parts)
