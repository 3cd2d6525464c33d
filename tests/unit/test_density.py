"""Density (issue 15 #1): calm marks a term once per section and never in headings, furniture,
URLs or code; first counts from the article body; all is every occurrence (docs/ARCHITECTURE.md,
"Density")."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from tadoru import ReaderOptions
from tadoru.options import OptionError
from tadoru.text.sections import SECTION_CHARS, Sections, page_sections, text_sections
from tadoru.text.visible import visible_text

PAGES = Path(__file__).resolve().parents[1] / "fixtures" / "pages"

BLOG = """<!DOCTYPE html><html lang="ja"><body>
<header class="site-header"><a href="/">テックブログ</a><nav><a href="/tags/lora">LoRA</a> <a href="/llm">LLM</a></nav></header>
<main><article>
<h1>LoRAで大規模言語モデルをファインチューニングする</h1>
<p class="byline">山田 著 · LoRA と GPU の話 · https://example.com/lora-finetuning</p>
<ul class="tags"><li><a rel="tag" href="/t/lora">LoRA</a></li><li>GPU</li></ul>
<p>LoRAは大規模言語モデルのファインチューニングを軽くする手法です。LoRAでは重みを直接更新しません。</p>
<p>GPUのメモリが少なくても、LoRAならファインチューニングができます。詳しくは https://arxiv.org/abs/2106.09685 を参照。</p>
<pre><code>model = get_peft_model(model, LoraConfig(r=8))  # LoRA</code></pre>
<h2>LoRAの仕組み</h2>
<p>LoRAは低ランク行列を足します。LoRAの学習ではGPUを一枚使います。</p>
</article></main>
<aside><h3>関連記事</h3><p>LoRAとQLoRAの比較</p></aside>
<footer>© テックブログ · LoRA</footer>
</body></html>"""


@pytest.fixture(scope="module")
def blog(annotator):
    return {d: annotator.annotate_html(BLOG, ReaderOptions(density=d)) for d in ("calm", "first", "all")}


def _where(page_html: str, annotated) -> list[str]:
    """The tag of the element each annotation sits in, and its ancestors' tags and classes."""
    page = visible_text(page_html)
    out = []
    for a in annotated:
        slot = next(s for s in page.slots if s.start <= a.start < s.end)
        element = slot.element.getparent() if slot.tail else slot.element
        out.append(" ".join(f"{e.tag}.{e.get('class') or ''}" for e in [element, *element.iterancestors()]))
    return out


def test_calm_marks_a_term_once_per_section(annotator, blog):
    sections = page_sections(visible_text(BLOG))
    per_section = Counter((sections.section_of(a.start), a.term) for a in blog["calm"])
    assert per_section and max(per_section.values()) == 1
    lora = [a for a in blog["calm"] if a.term == "lora"]
    assert len(lora) == 2, "once under the title, once under 'LoRAの仕組み'"
    assert len([a for a in blog["all"] if a.term == "lora"]) >= 10


def test_calm_and_first_never_mark_headings_furniture_urls_or_code(blog):
    for density in ("calm", "first"):
        for where in _where(BLOG, blog[density]):
            assert not any(tag in where for tag in ("h1.", "h2.", "h3.", "nav.", "header.", "footer.", "aside.",
                                                   "byline", "tags", "code.")), (density, where)
        assert all("https://" not in blog[density].text[a.start - 8 : a.end] for a in blog[density])
    # The same places are marked when the reader asks for everything.
    assert any("h1." in w or "byline" in w for w in _where(BLOG, blog["all"]))


def test_first_counts_from_the_article_body_not_the_byline(blog):
    first = {a.term: a for a in blog["first"]}
    body_start = blog["first"].text.index("LoRAは大規模言語モデル")
    assert first["lora"].start == body_start
    assert Counter(a.term for a in blog["first"]).most_common(1)[0][1] == 1


def test_plain_text_sections_come_from_markdown_headings_and_long_stretches(annotator):
    text = "# LoRA notes\n\nLoRA adapts a model. LoRA is cheap.\n\n## More LoRA\n\nLoRA again, see https://x.org/lora here.\n"
    calm = annotator.annotate_text(text)
    assert [a.start for a in calm if a.term == "lora"] == [text.index("LoRA adapts"), text.index("LoRA again")]
    paragraph = "We fine-tuned the model with LoRA on one GPU. " * 30
    long = "\n\n".join([paragraph] * 6)
    marks = [a for a in annotator.annotate_text(long) if a.term == "lora"]
    sections = text_sections(long)
    assert len(marks) == len(sections.starts) >= len(long) // (SECTION_CHARS + len(paragraph))
    assert all(b - a <= SECTION_CHARS + len(paragraph) + 2 for a, b in zip(sections.starts, sections.starts[1:]))


def test_a_layouts_headings_start_sections_and_are_never_marked(annotator):
    """A PDF's text has no Markdown: its layout says where the headings are (tadoru.pdf.layout)."""
    text = "LoRA for transformers\n\nLoRA adapts a model. LoRA is cheap.\n\nLoRA in practice\n\nLoRA again."
    headings = [(0, len("LoRA for transformers")), (text.index("LoRA in practice"), text.index("\n\nLoRA again"))]
    calm = annotator.annotate_text(text, breaks=[m + 2 for m in range(len(text)) if text.startswith("\n\n", m)],
                                   headings=headings)
    assert [a.start for a in calm if a.term == "lora"] == [text.index("LoRA adapts"), text.index("LoRA again")]
    assert not any(a.term == "transformer" for a in calm)  # only in a heading
    plain = annotator.annotate_text(text)  # without the layout: one section, headings read as prose
    assert [a.start for a in plain if a.term == "lora"] == [0]
    sections = text_sections(text, (), headings)
    assert sections.starts == [0, headings[1][0]] and sections.quiet == headings


def test_sections_lookups():
    s = Sections(starts=[0, 10, 20], quiet=[(3, 5), (12, 14)])
    assert [s.section_of(x) for x in (0, 9, 10, 25)] == [1, 1, 2, 3]
    assert s.is_quiet(4, 6) and s.is_quiet(2, 4) and s.is_quiet(11, 13)
    assert not s.is_quiet(5, 12) and not s.is_quiet(0, 3) and not s.is_quiet(14, 20)


def test_a_page_with_main_treats_what_lies_outside_as_furniture(annotator):
    html = "<body><div>LoRA in a banner</div><main><p>LoRA adapts a model.</p></main><div>LoRA below</div></body>"
    got = annotator.annotate_html(html)
    assert [(a.term, a.start) for a in got] == [("lora", got.text.index("LoRA adapts"))]


def test_density_options_and_the_old_name():
    assert ReaderOptions().density == "calm" and not ReaderOptions().first_only
    assert ReaderOptions(first_only=True).density == "first"
    assert ReaderOptions.parse({"density": "first"}).first_only
    assert ReaderOptions.from_query({"density": "ALL"}).density == "all"
    with pytest.raises(OptionError) as err:
        ReaderOptions.parse({"density": "loud"})
    assert err.value.field == "density"
    with pytest.raises(OptionError) as err:
        ReaderOptions.parse({"density": "all", "first_only": True})
    assert err.value.field == "first_only"
    assert ReaderOptions(first_only=True).with_density("all").density == "all"


@pytest.mark.parametrize("name", ["ja_tech_blog.html", "en_agents_2025.html"])
def test_calm_is_calmer_than_all_on_real_looking_pages(annotator, name):
    html = (PAGES / name).read_text(encoding="utf-8")
    counts = {d: len(annotator.annotate_html(html, density=d)) for d in ("calm", "first", "all")}
    assert counts["first"] <= counts["calm"] < counts["all"], counts
