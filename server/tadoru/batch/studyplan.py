"""The study plan of a batch: what to learn, in which order, before reading these pages.

``report.json`` is the machine-readable form; ``index.html`` the reader's.  Both hold:

* every page with its number of terms and of *unknown* terms (not in ``--known``), or why it
  failed;
* the terms that recur across pages, ranked by how many pages use them;
* one reading order for the whole batch: the union of the pages' unknown terms and everything
  they build on (``deeper``, transitively), prerequisites first, without what the reader knows
  — ``--known`` terms (and what lies below them, as ``Lexicon.trace`` has it) and terms below
  ``--level``.  Roots are taken most-used first, so the basics of the batch's central terms
  come first.  Each entry links to the pages that use it, or names the terms that need it.

Everything is computed from term cards (``term_graph``), so the plan is the same whether the
pages were annotated in-process or by a service, and the same for any ``--jobs``.
"""

from __future__ import annotations

import html
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from tadoru.lexicon.graph import CardOf, embedded_cards, reading_order
from tadoru.version import __version__

REPORT_FORMAT = "tadoru-batch-report"
REPORT_VERSION = 1


def build_report(pages: Sequence[Mapping[str, Any]], card_of: CardOf, *, known: Sequence[str], level: int,
                 options: Mapping[str, Any]) -> dict[str, Any]:
    """``report.json``'s content.  ``pages`` are page entries in batch order (see ``batch``)."""
    known_set = set(known)
    usage: dict[str, list[int]] = {}
    occurrences: dict[str, int] = {}
    page_rows = []
    for index, page in enumerate(pages):
        record = page.get("record") or {}
        terms: Mapping[str, int] = record.get("terms") or {}
        unknown = [t for t in record.get("unknown") or [] if t not in known_set]
        for term in unknown:
            usage.setdefault(term, []).append(index)
            occurrences[term] = occurrences.get(term, 0) + int(terms.get(term, 0))
        row: dict[str, Any] = {
            "input": page["input"],
            "status": "failed" if page["status"] == "failed" else "done",
            "outputs": dict(page.get("outputs") or {}) if page["status"] != "failed" else {},
        }
        if page["status"] == "failed":
            row.update(reason=page["reason"], message=page["message"])
        else:
            row.update(title=record.get("title"), lang=record.get("lang"), encoding=record.get("encoding"),
                       source=record.get("source"), terms=len(terms), unknown_terms=len(unknown),
                       occurrences=int(record.get("occurrences", 0)), term_ids=unknown)
            if record.get("truncated_at") is not None:  # more terms than one page annotates (issue 18 #2)
                row["truncated_at"] = int(record["truncated_at"])
            if record.get("remote_dropped"):  # references an offline copy dropped (issue 18 #12)
                row["remote_dropped"] = int(record["remote_dropped"])
        page_rows.append(row)

    ranked = sorted(usage, key=lambda t: (-len(usage[t]), -occurrences[t], t))
    recurring = [{"term": t, "pages": len(usage[t]), "occurrences": occurrences[t]} for t in ranked if len(usage[t]) > 1]
    entries = order_entries(ranked, card_of, known=known_set, level=level)
    for entry in entries:
        entry["pages"] = [page_rows[i]["input"] for i in usage.get(entry["term"], [])]
        entry["occurrences"] = occurrences.get(entry["term"], 0)
    done = [r for r in page_rows if r["status"] == "done"]
    return {
        "format": REPORT_FORMAT,
        "version": REPORT_VERSION,
        "generator": f"Tadoru {__version__}",
        "options": dict(options),
        "totals": {
            "pages": len(page_rows),
            "done": len(done),
            "failed": len(page_rows) - len(done),
            "terms": len({t for p in pages for t in ((p.get("record") or {}).get("terms") or {})}),
            "unknown_terms": len(usage),
            "reading_order": len(entries),
        },
        "pages": page_rows,
        "recurring_terms": recurring,
        "reading_order": entries,
    }


def order_entries(ranked: Sequence[str], card_of: CardOf, *, known: set[str], level: int) -> list[dict[str, Any]]:
    """The reading order from ``ranked`` terms (most used first) down through their ``deeper``
    terms, prerequisites first, without known terms and terms below ``level``."""

    def below_level_or_known(cid: str) -> bool:
        if cid in known:
            return True
        card = card_of(cid)
        return card is not None and int(card.get("level", 1)) < level

    order = reading_order(list(ranked), card_of, skip=below_level_or_known)
    in_order = set(order)
    needed_by: dict[str, list[str]] = {}
    for cid in order:
        for d in (card_of(cid) or {}).get("deeper", ()):
            if d in in_order:
                needed_by.setdefault(d, []).append(cid)
    entries = []
    for position, cid in enumerate(order, 1):
        card = card_of(cid) or {}
        entries.append({
            "position": position,
            "term": cid,
            "label": dict(card.get("label") or {}),
            "level": card.get("level"),
            "deeper": [d for d in card.get("deeper", ()) if d in in_order],
            "needed_by": needed_by.get(cid, []),
        })
    return entries


# --------------------------------------------------------------------------- index.html

_TEXT = {
    "en": {
        "title": "Study plan", "pages": "pages", "failed": "failed", "unknown_terms": "terms to learn",
        "order": "Reading order", "order_note": "Learn these from the top: every term comes after the terms it builds on. "
        "Hover a term for its definition.",
        "used_on": "used on", "needed_for": "needed for", "recurring": "Terms that recur across pages",
        "term": "term", "page": "page", "input": "file", "terms": "terms", "unknown": "unknown", "status": "status",
        "lang": "language", "occurrences": "uses", "all_pages": "Pages", "nothing": "Nothing to learn: every term on "
        "these pages is known.", "level": "level", "failures": "Pages that could not be annotated", "reason": "reason",
        "none_recurring": "No term appears on more than one page.",
        "skip_hint": "Know the basics already? Run the batch again with --known FILE (the extension's export) "
        "or --level 2 to leave them out.",
    },
    "ja": {
        "title": "学習プラン", "pages": "ページ", "failed": "失敗", "unknown_terms": "覚える用語",
        "order": "学ぶ順番", "order_note": "上から順に学んでください。どの用語も、その土台になる用語のあとに並んでいます。"
        "用語にカーソルを合わせると説明が出ます。",
        "used_on": "使われているページ", "needed_for": "この用語が土台になる用語", "recurring": "複数のページに出てくる用語",
        "term": "用語", "page": "ページ", "input": "ファイル", "terms": "用語数", "unknown": "未知", "status": "状態",
        "lang": "言語", "occurrences": "出現数", "all_pages": "ページ一覧", "nothing": "覚える用語はありません。"
        "どのページの用語も既知です。", "level": "レベル", "failures": "注釈できなかったページ", "reason": "理由",
        "none_recurring": "複数のページに出てくる用語はありません。",
        "skip_hint": "基本はもう知っている場合は、--known FILE（拡張機能で書き出したファイル）か --level 2 を付けて"
        "もう一度実行すると、その用語を省けます。",
    },
}

INDEX_CSS = """:root{color-scheme:light dark;--muted:#6b7280;--line:#e5e7eb;--accent:#b45309}
@media (prefers-color-scheme:dark){:root{--muted:#9ca3af;--line:#374151;--accent:#fbbf24}}
body{margin:0;font:16px/1.65 system-ui,-apple-system,"Hiragino Sans","Noto Sans CJK JP","Yu Gothic",sans-serif}
main{max-width:60rem;margin:0 auto;padding:2rem 1.25rem 4rem}
h1{margin:.2rem 0 .4rem;font-size:1.8rem}h2{margin-top:2.4rem;border-bottom:1px solid var(--line);padding-bottom:.3rem}
.summary{color:var(--muted)}.note{color:var(--muted);margin-top:-.4rem}
ol.order{padding-left:2.6rem}ol.order li{margin:.9rem 0}
.labels{font-weight:600}.alt{font-weight:400;color:var(--muted)}
.level{display:inline-block;font-size:.75rem;border:1px solid var(--line);border-radius:999px;padding:0 .5rem;margin-left:.4rem;color:var(--muted)}
.definition{margin:.15rem 0}.uses{font-size:.9rem;color:var(--muted)}.uses a{color:inherit}
table{border-collapse:collapse;width:100%;font-size:.95rem}th,td{text-align:left;padding:.35rem .5rem;border-bottom:1px solid var(--line);vertical-align:top}
td.num,th.num{text-align:right;font-variant-numeric:tabular-nums}.path{color:var(--muted);font-size:.85rem;word-break:break-all}
.failed{color:#b91c1c}
"""


def index_language(report: Mapping[str, Any], lang_option: str) -> str:
    """The reader's language: ``--lang``, else the language most pages are in."""
    if lang_option in ("en", "ja"):
        return lang_option
    langs = [p.get("lang") for p in report["pages"] if p.get("lang")]
    return "ja" if langs and langs.count("ja") * 2 >= len(langs) else "en"


def render_index(report: Mapping[str, Any], card_of: CardOf, *, lang: str) -> str:
    """``index.html``: the plan as a self-contained page with the same tooltips as the pages."""
    t = _TEXT[lang]
    e = html.escape
    pages = report["pages"]
    by_input = {p["input"]: p for p in pages}

    def page_link(rel: str, term: str | None = None) -> str:
        page = by_input.get(rel) or {}
        target = (page.get("outputs") or {}).get("html")
        name = page.get("title") or rel
        if not target:
            return f"<span>{e(name)}</span>"
        return f'<a href="{e(_href(target))}{"#tadoru=" + e(term) if term else ""}">{e(name)}</a>'

    totals = report["totals"]
    parts = [f"<main><h1>{e(t['title'])}</h1>",
             f'<p class="summary">{totals["done"]} {e(t["pages"])}'
             + (f' · <span class="failed">{totals["failed"]} {e(t["failed"])}</span>' if totals["failed"] else "")
             + f' · {totals["reading_order"]} {e(t["unknown_terms"])}</p>']
    entries = report["reading_order"]

    def uses(entry: Mapping[str, Any]) -> str:
        if not entry["pages"]:
            return ""
        return f"{e(t['used_on'])}: " + ", ".join(page_link(p, entry["term"]) for p in entry["pages"])

    parts.append(order_list_html(entries, card_of, lang=lang, options=report["options"], uses=uses))
    parts.append(f"<h2>{e(t['recurring'])}</h2>")
    if report["recurring_terms"]:
        parts.append(f'<table><thead><tr><th>{e(t["term"])}</th><th class="num">{e(t["pages"])}</th>'
                     f'<th class="num">{e(t["occurrences"])}</th></tr></thead><tbody>')
        for item in report["recurring_terms"]:
            card = card_of(item["term"]) or {}
            label = (card.get("label") or {}).get(lang) or item["term"]
            parts.append(f'<tr><td><a href="#term-{e(item["term"])}">{e(label)}</a></td>'
                         f'<td class="num">{item["pages"]}</td><td class="num">{item["occurrences"]}</td></tr>')
        parts.append("</tbody></table>")
    else:
        parts.append(f"<p>{e(t['none_recurring'])}</p>")

    parts.append(f'<h2>{e(t["all_pages"])}</h2><table><thead><tr><th>{e(t["page"])}</th><th>{e(t["lang"])}</th>'
                 f'<th class="num">{e(t["terms"])}</th><th class="num">{e(t["unknown"])}</th></tr></thead><tbody>')
    for page in pages:
        if page["status"] == "failed":
            continue
        parts.append(f'<tr><td>{page_link(page["input"])}<div class="path">{e(page["input"])}</div></td>'
                     f'<td>{e(page.get("lang") or "")}</td><td class="num">{page["terms"]}</td>'
                     f'<td class="num">{page["unknown_terms"]}</td></tr>')
    parts.append("</tbody></table>")
    failed = [p for p in pages if p["status"] == "failed"]
    if failed:
        parts.append(f'<h2 class="failed">{e(t["failures"])}</h2><table><thead><tr><th>{e(t["input"])}</th>'
                     f'<th>{e(t["reason"])}</th></tr></thead><tbody>')
        for page in failed:
            parts.append(f'<tr><td class="path">{e(page["input"])}</td><td>{e(page["reason"])}: {e(page["message"])}</td></tr>')
        parts.append("</tbody></table>")
    parts.append("</main>")
    return finish_index(parts, [entry["term"] for entry in entries], card_of, lang=lang)


def finish_index(parts: Sequence[str], terms: Sequence[str], card_of: CardOf, *, lang: str) -> str:
    """The page around ``parts``, with the cards of ``terms`` and the shared tooltip."""
    from tadoru.pages.render import finish_document
    from tadoru.text.visible import parse_html

    skeleton = (f'<html lang="{lang}"><head><title>{html.escape(_TEXT[lang]["title"])} — Tadoru</title>'
                f"<style>{INDEX_CSS}</style></head><body>{''.join(parts)}</body></html>")
    root = parse_html(skeleton)
    assert root is not None
    return finish_document(root, cards=embedded_cards(list(terms), card_of), lang=lang, title=None)


def order_list_html(entries: Sequence[Mapping[str, Any]], card_of: CardOf, *, lang: str,
                    options: Mapping[str, Any], uses: Callable[[Mapping[str, Any]], str]) -> str:
    """The reading order as a list: each term with its level and definition, ``uses(entry)`` (where
    the batch uses it, already HTML) and links to the terms that need it."""
    t = _TEXT[lang]
    other = "en" if lang == "ja" else "ja"
    e = html.escape
    labels = {entry["term"]: entry["label"] for entry in entries}
    parts = [f"<h2>{e(t['order'])}</h2>"]
    if not entries:
        parts.append(f"<p>{e(t['nothing'])}</p>")
        return "".join(parts)
    parts.append(f'<p class="note">{e(t["order_note"])}</p>')
    if not options.get("known") and options.get("level", 1) == 1:
        parts.append(f'<p class="note">{e(t["skip_hint"])}</p>')
    parts.append('<ol class="order">')
    for entry in entries:
        card = card_of(entry["term"]) or {}
        label = entry["label"]
        main_label, alt_label = label.get(lang) or entry["term"], label.get(other)
        definition = (card.get("definition") or {}).get(lang, "")
        parts.append(f'<li id="term-{e(entry["term"])}"><span class="labels">'
                     f'<tadoru-term data-term="{e(entry["term"])}" tabindex="0">{e(main_label)}</tadoru-term>'
                     + (f' <span class="alt">{e(alt_label)}</span>' if alt_label and alt_label != main_label else "")
                     + f'</span><span class="level">{e(t["level"])} {e(str(entry["level"]))}</span>'
                     f'<p class="definition">{e(definition)}</p>')
        notes = [uses(entry)] if uses(entry) else []
        if entry["needed_by"]:
            notes.append(f"{e(t['needed_for'])}: " + ", ".join(
                f'<a href="#term-{e(n)}">{e((labels.get(n) or {}).get(lang) or n)}</a>' for n in entry["needed_by"]))
        if notes:
            parts.append('<p class="uses">' + " · ".join(notes) + "</p>")
        parts.append("</li>")
    parts.append("</ol>")
    return "".join(parts)


def _href(rel: str) -> str:
    from urllib.parse import quote

    return quote(rel, safe="/")
