"""The reader's annotations and the page's candidates, from one scan (``discover: true``).

Discovery judges a text by every term in it (which spans are taken, where the text is about AI,
which heads a compound stands on), but the reader sees only the terms they do not know at their
level.  So the text is annotated once for nobody in particular, the reader's view is filtered
from that (``Annotator.for_reader``), and the candidates are fitted into the reader's view:

* definitions and acronyms never touch an annotation (``discover`` already ensures it);
* a compound contains the annotation of its head ("reward **model**").  It takes that
  annotation's place: the reader gets one mark, the compound, whose card traces to the head.
  When the compound's modifier is a term the reader is shown too (方策 in 方策モデル), the two
  annotations already say what the compound says and the compound is dropped, so no term the
  reader should see is lost.

The API, the PDF route, the web pages and batch all call ``annotate_for_reader``; the answer
never has a candidate overlapping an annotation.
"""

from __future__ import annotations

import bisect
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from tadoru.annotate import Annotated, sections_of
from tadoru.discover.core import KINDS, Candidate, discover
from tadoru.options import ReaderOptions
from tadoru.text.sections import Sections

if TYPE_CHECKING:
    from tadoru.annotate import Annotator


def annotate_for_reader(annotate: Callable[[ReaderOptions], Annotated], annotator: Annotator,
                        options: ReaderOptions, breaks: Sequence[int] = (),
                        headings: Sequence[tuple[int, int]] = ()) -> tuple[Annotated, list[Candidate]]:
    """``annotate(options)`` and, when ``options.discover`` asks, the candidates fitted around it.

    ``annotate`` runs the annotator on the caller's input (text, a page, a PDF's text with its
    breaks) with the options it is given; it is called once either way.  ``breaks`` are the
    block edges of a text from a layout (a page's come with its ``Annotated.page``), ``headings``
    the headings such a layout found (a PDF's).
    """
    if not options.discover:
        return annotate(options), []
    everything = annotate(ReaderOptions(lang=options.lang, density="all"))
    sections = sections_of(everything, breaks, headings) if options.density != "all" else None
    reader = annotator.for_reader(everything, options, sections=sections)
    edges = everything.page.breaks if everything.page is not None else breaks
    found = discover(everything.text, everything.annotations, annotator, reader.lang, edges)
    kinds = options.discover_kinds
    if len(kinds) < len(KINDS):  # before fitting: a compound not asked for leaves its head's highlight
        found = [c for c in found if c.kind in kinds]
    reader, kept = fit(reader, found)
    if sections is not None:
        kept = calm_candidates(kept, sections, options.density)
    return reader, kept


def calm_candidates(found: list[Candidate], sections: Sections, density: str) -> list[Candidate]:
    """Candidates under the reader's density, as terms are (``annotate.apply_density``): none in
    headings, furniture or URLs; one per surface and section (``calm``) or per surface (``first``)."""
    out: list[Candidate] = []
    seen: set[object] = set()
    for c in found:
        if sections.is_quiet(c.start, c.end):
            continue
        key: object = (sections.section_of(c.start), c.surface) if density == "calm" else c.surface
        if key not in seen:
            seen.add(key)
            out.append(c)
    return out


def fit(reader: Annotated, found: list[Candidate]) -> tuple[Annotated, list[Candidate]]:
    """The reader's annotations and the candidates, never overlapping (rules in the module doc)."""
    annotations = reader.annotations
    starts = [a.start for a in annotations]
    replaced: set[int] = set()  # indices of head annotations a compound takes the place of
    kept: list[Candidate] = []
    for c in found:
        k = bisect.bisect_left(starts, c.start)
        if k and annotations[k - 1].end > c.start:
            k -= 1
        inside = []
        while k < len(annotations) and annotations[k].start < c.end:
            inside.append(k)
            k += 1
        if not inside:
            kept.append(c)
            continue
        head = annotations[inside[-1]]
        if (c.kind == "compound" and len(inside) == 1 and head.end == c.end and head.term == c.head
                and head.start >= c.start):
            replaced.add(inside[0])
            kept.append(c)
        # else: the reader sees the compound's parts as terms of their own; nothing is lost.
    if replaced:
        reader = Annotated(reader.text, [a for i, a in enumerate(annotations) if i not in replaced], reader.lang,
                           reader.page, reader.known_found, reader.truncated_at)
    return reader, kept
