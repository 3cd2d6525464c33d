"""The study plan of a corpus: which terms it uses, how widely, together, and in which order to learn them.

A corpus has too many documents to list one by one, so its ``report.json`` is about terms:
per concept the term frequency (``occurrences``) and document frequency (``documents``), the
concepts that co-occur in documents, and one reading order for the whole corpus (prerequisites
first, built like a page batch's: ``tadoru.batch.studyplan.order_entries``).  Every failed
document is listed with its file and line or row.  It is computed from summed counts only, so
it is the same whatever order the chunks finished in, on one machine or a cluster.
"""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence
from typing import Any

from tadoru.batch.corpus_worker import ChunkStats
from tadoru.batch.studyplan import finish_index, order_list_html
from tadoru.lexicon.graph import CardOf
from tadoru.version import __version__

REPORT_FORMAT = "tadoru-corpus-report"
REPORT_VERSION = 1
#: Partners listed per concept, and concepts listed with partners (the most widespread).
TOP_PARTNERS = 10
TOP_WITH_PARTNERS = 200


def build_corpus_report(stats: ChunkStats, failures: Sequence[Mapping[str, Any]], sources: Sequence[Mapping[str, Any]],
                        card_of: CardOf, *, known: Sequence[str], level: int, options: Mapping[str, Any]) -> dict[str, Any]:
    """``report.json`` of a corpus run (``sources``: one entry per corpus file, in input order)."""
    from tadoru.batch.studyplan import order_entries

    df, tf = stats.documents_with, stats.occurrences
    ranked = sorted(df, key=lambda t: (-df[t], -tf[t], t))
    partners: dict[str, list[tuple[int, str]]] = {}
    for pair, count in stats.pairs.items():
        a, b = pair.split(" ", 1)
        partners.setdefault(a, []).append((count, b))
        partners.setdefault(b, []).append((count, a))
    cooccurrence = []
    for term in ranked[:TOP_WITH_PARTNERS]:
        best = sorted(partners.get(term, []), key=lambda cb: (-cb[0], cb[1]))[:TOP_PARTNERS]
        if best:
            cooccurrence.append({"term": term, "with": [{"term": other, "documents": n} for n, other in best]})
    entries = order_entries(ranked, card_of, known=set(known), level=level)
    for entry in entries:
        entry["documents"] = df.get(entry["term"], 0)
        entry["occurrences"] = tf.get(entry["term"], 0)
    return {
        "format": REPORT_FORMAT,
        "version": REPORT_VERSION,
        "generator": f"Tadoru {__version__}",
        "options": dict(options),
        "totals": {
            "documents": stats.documents + len(failures),
            "done": stats.documents,
            "failed": len(failures),
            "terms": len(df),
            "occurrences": sum(tf.values()),
            "reading_order": len(entries),
        },
        "languages": dict(sorted(stats.langs.items())),
        "sources": [dict(s) for s in sources],
        "terms": [{"term": t, "label": dict((card_of(t) or {}).get("label") or {}), "documents": df[t],
                   "occurrences": tf[t]} for t in ranked],
        "cooccurrence": cooccurrence,
        "reading_order": entries,
        "failures": sorted((dict(f) for f in failures), key=_failure_order),
    }


def _failure_order(failure: Mapping[str, Any]) -> tuple[str, int]:
    return str(failure.get("input", "")), int(failure.get("line", failure.get("row", -1)))


def corpus_index_language(report: Mapping[str, Any], lang_option: str) -> str:
    if lang_option in ("en", "ja"):
        return lang_option
    langs = report.get("languages") or {}
    return "ja" if langs.get("ja", 0) * 2 >= sum(langs.values()) > 0 else "en"


_TEXT = {
    "en": {"title": "Study plan", "documents": "documents", "failed": "failed", "to_learn": "terms to learn",
           "in_docs": "in {n} documents", "terms": "Terms by how many documents use them", "term": "term",
           "docs": "documents", "uses": "uses", "together": "often with", "sources": "Corpus files",
           "file": "file", "chunks": "chunks", "annotations": "annotations", "failures": "Documents that could not be annotated",
           "where": "where", "reason": "reason", "more": "… and {n} more in report.json"},
    "ja": {"title": "学習プラン", "documents": "文書", "failed": "失敗", "to_learn": "覚える用語",
           "in_docs": "{n} 件の文書に出現", "terms": "多くの文書に出てくる用語", "term": "用語",
           "docs": "文書数", "uses": "出現数", "together": "よく一緒に出る用語", "sources": "コーパスのファイル",
           "file": "ファイル", "chunks": "チャンク", "annotations": "注釈", "failures": "注釈できなかった文書",
           "where": "場所", "reason": "理由", "more": "… ほか {n} 件は report.json にあります"},
}
#: Rows shown in index.html's tables (report.json has them all).
SHOWN_ROWS = 200


def render_corpus_index(report: Mapping[str, Any], card_of: CardOf, *, lang: str) -> str:
    """``index.html`` of a corpus run: the reading order first, then the terms and the files."""
    t = _TEXT[lang]
    e = html.escape
    totals = report["totals"]
    parts = [f"<main><h1>{e(t['title'])}</h1>",
             f'<p class="summary">{totals["done"]} {e(t["documents"])}'
             + (f' · <span class="failed">{totals["failed"]} {e(t["failed"])}</span>' if totals["failed"] else "")
             + f' · {totals["reading_order"]} {e(t["to_learn"])}</p>']
    partners = {item["term"]: item["with"] for item in report["cooccurrence"]}

    def label(term: str) -> str:
        return str(((card_of(term) or {}).get("label") or {}).get(lang) or term)

    def uses(entry: Mapping[str, Any]) -> str:
        if not entry["documents"]:
            return ""
        text = e(t["in_docs"].format(n=entry["documents"]))
        near = partners.get(entry["term"], [])[:3]
        if near:
            text += f" · {e(t['together'])}: " + ", ".join(
                f'<a href="#term-{e(p["term"])}">{e(label(p["term"]))}</a>' for p in near)
        return text

    parts.append(order_list_html(report["reading_order"], card_of, lang=lang, options=report["options"], uses=uses))
    parts.append(f'<h2>{e(t["terms"])}</h2><table><thead><tr><th>{e(t["term"])}</th><th class="num">{e(t["docs"])}</th>'
                 f'<th class="num">{e(t["uses"])}</th></tr></thead><tbody>')
    for item in report["terms"][:SHOWN_ROWS]:
        parts.append(f'<tr><td>{e(label(item["term"]))}</td><td class="num">{item["documents"]}</td>'
                     f'<td class="num">{item["occurrences"]}</td></tr>')
    parts.append("</tbody></table>")
    if len(report["terms"]) > SHOWN_ROWS:
        parts.append(f'<p class="note">{e(t["more"].format(n=len(report["terms"]) - SHOWN_ROWS))}</p>')
    parts.append(f'<h2>{e(t["sources"])}</h2><table><thead><tr><th>{e(t["file"])}</th><th class="num">{e(t["docs"])}</th>'
                 f'<th class="num">{e(t["chunks"])}</th><th>{e(t["annotations"])}</th></tr></thead><tbody>')
    for source in report["sources"]:
        parts.append(f'<tr><td class="path">{e(source["input"])}</td><td class="num">{source["documents"]}</td>'
                     f'<td class="num">{source["chunks"]}</td><td class="path">{e(source["annotations"])}</td></tr>')
    parts.append("</tbody></table>")
    failures = report["failures"]
    if failures:
        parts.append(f'<h2 class="failed">{e(t["failures"])}</h2><table><thead><tr><th>{e(t["where"])}</th>'
                     f'<th>{e(t["reason"])}</th></tr></thead><tbody>')
        for failure in failures[:SHOWN_ROWS]:
            parts.append(f'<tr><td class="path">{e(failure_place(failure))}</td>'
                         f'<td>{e(failure["reason"])}: {e(failure["message"])}</td></tr>')
        parts.append("</tbody></table>")
        if len(failures) > SHOWN_ROWS:
            parts.append(f'<p class="note">{e(t["more"].format(n=len(failures) - SHOWN_ROWS))}</p>')
    parts.append("</main>")
    return finish_index(parts, [entry["term"] for entry in report["reading_order"]], card_of, lang=lang)


def failure_place(failure: Mapping[str, Any]) -> str:
    """``abstracts.jsonl:17 (id 2401.00017)`` or ``papers.parquet row 4``."""
    place = str(failure.get("input", ""))
    if "line" in failure:
        place += f":{failure['line']}"
    elif "row" in failure:
        place += f" row {failure['row']}"
    if failure.get("id") is not None:
        place += f" (id {failure['id']})"
    return place

