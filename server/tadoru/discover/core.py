"""``discover()``: the candidates of one text, from its three sources, checked against the lexicon.

Order matters for precision: definitions first (the author's own word is the strongest evidence,
and a defined abbreviation is not reported again as a bare acronym), then acronyms, then
compounds.  Every source is gated the same way: no candidate on a span the annotator marked,
none that is already a lexicon label, none where the text is not about AI.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import asdict, dataclass, replace
from typing import TYPE_CHECKING, Any, Literal

from tadoru.annotate import CONTEXT_MIN_TERMS, Annotation, detect_lang
from tadoru.discover.acronyms import acronym_spans
from tadoru.discover.compounds import (
    JA_RUN_CHAR,
    annotated_modifier,
    capitalised_head,
    compound_heads,
    english_modifier,
    first_word_verdict,
    first_word_verdicts,
    japanese_modifier,
    term_vocabulary,
    verb_head,
)
from tadoru.discover.context import AnnotationIndex
from tadoru.discover.shapes import base_form, is_noise, short_form_shape, zipf

if TYPE_CHECKING:
    from tadoru.annotate import Annotator

Kind = Literal["definition", "acronym", "compound"]
KINDS: tuple[Kind, ...] = ("definition", "acronym", "compound")

#: A parenthesis with something short inside, on one line.  A literal first character, so the
#: page is scanned at memchr speed; the few matches are then looked at one by one.
_PARENS = re.compile(r"[(（]([^()（）\n]{1,120})[)）]")
_FIRST_INNER = re.compile(r"\s*([^\s;,；，、]+)")
_WORD_BEFORE = re.compile(r"([A-Za-z0-9][A-Za-z0-9+\-]{1,11})\s?$")
_SENTENCE_END = re.compile(r"[.!?。！？\n]\s")
_WINDOW_BEFORE = 240


@dataclass(frozen=True, slots=True)
class Candidate:
    """A term the lexicon does not have yet, found in a text: ``text[start:end] == surface``.

    ``kind`` says why it is a candidate: ``"definition"`` (the text spells it out; ``long_form``
    is that spelling and ``defined_at`` the offset of the defining occurrence, so every later
    use points back to it), ``"acronym"`` (shaped like a coined name and rare in general
    language), or ``"compound"`` (a known concept with a naming modifier in front; ``head`` is
    that concept's id).  A definition whose long form is a lexicon label also has ``head``: the
    page has coined a new abbreviation for a known concept.  Offsets count code points, like
    ``tadoru.annotate.Annotation``'s.
    """

    surface: str
    start: int
    end: int
    kind: Kind
    long_form: str | None = None
    head: str | None = None
    defined_at: int | None = None

    def to_dict(self) -> dict[str, Any]:
        return {k: v for k, v in asdict(self).items() if v is not None}


def discover(text: str, annotations: Sequence[Annotation], annotator: Annotator, lang: str = "auto",
             breaks: Sequence[int] = ()) -> list[Candidate]:
    """Candidate terms in ``text`` that the lexicon does not have, ordered by ``start``.

    ``annotations`` are what ``annotator.annotate_text(text)`` returned for the same text (the
    ``Annotated`` result itself will do).  Definitions and acronyms never overlap them.  A
    compound extends the annotation of its own head to the left, so it contains that annotation
    (and, when its modifier is a known term too, as in 方策モデル, that one as well): it holds
    whole annotations only, its head's last.  Without annotations nothing is returned: they are
    what says a text is about AI.  ``lang`` is ``"ja"``, ``"en"`` or ``"auto"``.

    ``breaks`` are the block edges of a page or a PDF (``VisibleText.breaks``): a line break
    that is not one of them is the source's wrapping inside a paragraph ("a\\njudge model") and
    reads as a space.

    Safe to call from several threads with one annotator (Sudachi is used under its lock).
    """
    if not isinstance(text, str):
        raise TypeError(f"discover() needs text as str, not {type(text).__name__}")
    if not text or not annotations:
        return []  # no annotation: nothing says the text is about AI, so nothing is trusted
    if breaks and "\n" in text:
        original, text = text, _unwrapped(text, breaks)
        if text is not original:
            return [c if c.surface == original[c.start : c.end] else replace(c, surface=original[c.start : c.end])
                    for c in discover(text, annotations, annotator, lang)]
    if lang == "auto":
        lang = detect_lang(text)
    index = AnnotationIndex(annotations)
    lexicon = annotator.lexicon
    known = _label_cache(lexicon)

    def is_label(surface: str) -> bool:
        """Is ``surface`` (or its singular, LLMs → LLM) a lexicon label?  Cached per lexicon."""
        hit = known.get(surface)
        if hit is None:
            hit = lexicon.resolve(surface) is not None or lexicon.resolve(base_form(surface)) is not None
            if len(known) > _MAX_LABEL_CACHE:
                known.clear()
            known[surface] = hit
        return hit

    found: list[Candidate] = []
    defined, long_forms = _definitions(text, index, lexicon, lang, is_label, found)
    for s, e in acronym_spans(text):
        surface = text[s:e]
        if surface in defined or is_label(surface) or index.overlaps(s, e):
            continue
        # A name general English has never seen (zipf 0: FastMCP, DSPy) needs one AI term nearby;
        # one it has seen (ORPO, KTO collide with rarer words) needs the usual two.
        if not index.about_ai(s, e, needed=1 if zipf(base_form(surface).lower()) == 0 else CONTEXT_MIN_TERMS):
            continue
        found.append(Candidate(surface, s, e, "acronym"))
    found.extend(c for c in _compounds(text, index, lexicon, lang, is_label)
                 if not any(s < c.end and c.start < e for s, e in long_forms))  # the long form is the definition
    found.sort(key=lambda c: (c.start, c.end))
    return _no_overlaps(found)


def _unwrapped(text: str, breaks: Sequence[int]) -> str:
    """``text`` with each line break inside a block made a space (same length: offsets hold)."""
    edges = set(breaks)
    soft = [m.start() for m in _NEWLINE.finditer(text) if m.start() not in edges and m.start() + 1 not in edges]
    if not soft:
        return text
    chars = list(text)
    for i in soft:
        chars[i] = " "
    return "".join(chars)


_NEWLINE = re.compile("\n")
_LABEL_CACHES: dict[int, tuple[Any, dict[str, bool]]] = {}
_MAX_LABEL_CACHE = 50_000


def _label_cache(lexicon: Any) -> dict[str, bool]:
    """Surface → is it a label of ``lexicon``; one per lexicon, kept across calls (pages repeat
    their acronyms, and ``Lexicon.resolve`` normalises the label each time)."""
    entry = _LABEL_CACHES.get(id(lexicon))
    if entry is None or entry[0] is not lexicon:
        if len(_LABEL_CACHES) > 8:
            _LABEL_CACHES.clear()
        entry = _LABEL_CACHES[id(lexicon)] = (lexicon, {})
    return entry[1]


# --------------------------------------------------------------------------- definitions


def _definitions(text: str, index: AnnotationIndex, lexicon: Any, lang: str, is_label: Any,
                 out: list[Candidate]) -> tuple[set[str], list[tuple[int, int]]]:
    """Definition candidates (the defining occurrence and every later use) into ``out``; the
    short forms defined, and the spans of their long forms."""
    # spaCy loads on the first parenthesis that may define something, not when the service
    # starts (it is 0.6 s of imports, and most calls never ask for candidates).
    from tadoru.discover.definitions import Abbreviation, abbreviations
    from tadoru.discover.pipelines import pipeline

    pairs: list[Abbreviation] = []
    for m in _PARENS.finditer(text):
        if not _may_define(text, m, is_label):
            continue
        open_at = m.start()
        if not index.about_ai(open_at, m.end(), needed=1):
            continue
        begin = _window_start(text, open_at)
        window = text[begin : m.end()]
        doc = pipeline(lang)(window)
        for a in abbreviations(doc):
            if a.short_end + begin > open_at and a.short_start + begin < open_at:
                continue
            pairs.append(Abbreviation(a.short_start + begin, a.short_end + begin, a.long_start + begin,
                                      a.long_end + begin, a.short, a.long))
    defined: dict[str, Abbreviation] = {}
    for a in pairs:
        if a.short in defined or is_label(a.short) or index.overlaps(a.short_start, a.short_end):
            continue
        # About AI: two terms nearby, or one nearby and one inside the long form ("Kahneman-
        # Tversky Optimization"); "total expense ratio (TER)" on a page that mentions machine
        # learning once is not.
        if not index.about_ai(a.short_start, a.short_end) and not (
                index.overlaps(a.long_start, a.long_end) and index.about_ai(a.short_start, a.short_end, needed=1)):
            continue
        defined[a.short] = a
    for short, a in defined.items():
        head = lexicon.resolve(a.long)
        out.append(Candidate(short, a.short_start, a.short_end, "definition", a.long, head, a.short_start))
        pattern = re.compile(r"(?<![A-Za-z0-9_\-])" + re.escape(short) + r"(?![A-Za-z0-9_])")
        for m in pattern.finditer(text, a.short_end):
            if m.start() == a.short_start or index.overlaps(m.start(), m.end()):
                continue
            out.append(Candidate(short, m.start(), m.end(), "definition", a.long, head, a.short_start))
    return set(defined), [(a.long_start, a.long_end) for a in defined.values()]


def _may_define(text: str, m: re.Match[str], is_label: Any) -> bool:
    """Could this parenthesis define an abbreviation the lexicon lacks?  (Cheap; most cannot.)"""
    first = _FIRST_INNER.match(m.group(1))
    if first and short_form_shape(first.group(1)) and not is_noise(first.group(1)) and not is_label(first.group(1)):
        return True  # Long Form (ABBR)
    before = _WORD_BEFORE.search(text, max(0, m.start() - 14), m.start())
    if before is None:
        return False
    short = before.group(1)
    return short_form_shape(short) and not is_noise(short) and not is_label(short)  # ABBR (Long Form)


def _window_start(text: str, open_at: int) -> int:
    """Start of the sentence holding the parenthesis, at most ``_WINDOW_BEFORE`` characters back."""
    floor = max(0, open_at - _WINDOW_BEFORE)
    last = None
    for last in _SENTENCE_END.finditer(text, floor, open_at):
        pass
    return last.end() if last is not None else floor


# --------------------------------------------------------------------------- compounds


def _compounds(text: str, index: AnnotationIndex, lexicon: Any, lang: str, is_label: Any) -> list[Candidate]:
    """Compound candidates: for each head annotation, the modifier to its left, if any.

    This loop meets every annotation of the page, so the common case ("the model", "に学習")
    must end in a character test or a set look-up before any tokenising.
    """
    heads = compound_heads(lexicon)
    vocabulary = term_vocabulary(lexicon)
    verdicts = first_word_verdicts(vocabulary)
    out: list[Candidate] = []
    japanese = lang == "ja"
    annotations, ends = index.annotations, index.ends
    rfind = text.rfind
    run_char = JA_RUN_CHAR.match
    for k, (s, term) in enumerate(zip(index.starts, index.terms)):
        if term not in heads or s < 2:
            continue
        sep = text[s - 1]
        if sep == " " or sep == "-":
            word = text[rfind(" ", s - 40 if s > 40 else 0, s - 1) + 1 : s - 1]
            verdict = verdicts.get(word)
            if verdict is None:
                verdict = first_word_verdict(word, vocabulary)
            if not verdict and not (k and ends[k - 1] >= s - 1):
                continue  # not a modifier, nor a term of its own right before the head
        elif not (japanese and run_char(sep)):
            continue
        a = annotations[k]
        if not japanese and verb_head(a.surface):
            continue
        before = annotations[k - 1] if k else None
        if before is not None and before.end >= a.start - 1 and annotated_modifier(
                text, before, a, lexicon, japanese and not a.surface[:1].isascii()):
            begin: int | None = before.start
        else:
            taken = [(b.start, b.end) for b in index.overlapping(max(0, a.start - 60), a.start)]
            if japanese and not a.surface[:1].isascii():
                begin = japanese_modifier(text, a.start, a.end, taken)
            else:
                begin = english_modifier(text, a.start, a.end, taken, capitalised_head(a.surface), vocabulary)
        if begin is None:
            continue
        surface = text[begin : a.end]
        if is_label(surface) or not index.about_ai(begin, a.end, besides=a.term):
            continue
        out.append(Candidate(surface, begin, a.end, "compound", head=a.term))
    return out


def _no_overlaps(found: list[Candidate]) -> list[Candidate]:
    """Keep the earlier (then longer) of two overlapping candidates; definitions win ties."""
    out: list[Candidate] = []
    for c in found:
        if out and c.start < out[-1].end:
            if c.kind == "definition" and out[-1].kind != "definition":
                out[-1] = c
            continue
        out.append(c)
    return out
