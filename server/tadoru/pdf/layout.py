"""The text a reader sees on the pages, and where each of its characters came from.

PDFium gives each page's characters in content-stream order, with ``\\r\\n`` at every line end
(even mid-sentence), U+FFFE where it took a line-final hyphen for a hyphenation, and whatever
spacing the file happened to draw.  Tadoru's matcher wants prose: words whole, lines of one
paragraph joined, paragraphs apart.  ``clean_pages`` rewrites the characters into that text
and keeps, for every character it writes, the page character it came from (``source``), the
way ``tadoru.text.normalize`` keeps a map back from its copy: a term found in the clean text
can then be drawn on the page, box by box.

What it does, and why:

* **Line ends inside a paragraph** become one space, or nothing when the character on either
  side is CJK: Japanese lines break anywhere, even inside a word (ネットワ|ーク), and a Latin
  word in Japanese prose (…の|Transformer) wraps without a space too.  Tadoru's Japanese word
  edges fall where the script changes, so no space is needed for the matcher either.
* **Hyphens at a line end** ("trans-" + "former", "pre-" + "trained") are the hard case:
  PDFium marks every ``-`` or soft hyphen that ends a line between two letters with U+FFFE and
  drops the line break, but it cannot know whether the typesetter added the hyphen (LaTeX's
  hyphenation) or the author wrote it (a compound); Chromium's print draws its soft-hyphen
  breaks as U+2010, which PDFium leaves alone.  The document itself decides: a word the paper
  also writes whole elsewhere ("transformer") is joined, one it writes with a hyphen elsewhere
  ("pre-trained") keeps its hyphen.  Without evidence, a compound that already holds a hyphen
  (state-of-the-|art) or a side that starts with a capital or ends in one (LLM-|based) keeps
  it, and a plain lower-case split is joined: hyphenation breaks outnumber compound breaks in
  justified text, most compounds a paper uses recur in it, and a wrong join costs less — Tadoru
  finds "finetuning" and "selfattention" as the terms they are, but never a word left in two
  ("trans-former").  Weaker evidence comes first: a word the paper hyphenates after the same
  first part elsewhere ("pre-" in "pre-trained" for "pre-|training") against whole words
  starting with the joined stem.  A U+00AD soft hyphen is always dropped.  Words split across a
  page break stay split (the page's running head and number come between).
* **Paragraph breaks** — an empty line, a vertical gap clearly larger than the page's usual
  line gap, a change of font size, or a line stopping well short of its column's right edge
  that ends a sentence or is followed by a capital, a digit or CJK (a paragraph's last line, a
  heading, a list item) — become ``"\\n\\n"`` and are listed in
  ``breaks``, like block edges in ``tadoru.text.visible``, so a term never spans two blocks.
  A page boundary is one too (running heads and page numbers sit between).  A jump to the
  next column is not: LaTeX continues paragraphs across columns.
* **Headings** — a paragraph of one or two short lines that does not end a sentence and is set
  larger than the document's body text, is numbered like a section ("3", "3.1", "IV.", "A.2")
  or is a section name papers use (Abstract, Related Work, 参考文献…) — are listed in
  ``headings``, so the calm density (``tadoru.text.sections``) starts a section there and leaves
  the heading itself unmarked, as it does for a web page's ``<h2>``.
* **Lines PDFium split inside one visual line** (a superscript: ``QK`` / ``T``) join without
  a space when the second part starts where the first ends.
* **Runs of white space** inside a line collapse to one space (justified text, tabs), and a
  soft hyphen where the line does not break is dropped.

Ligatures need nothing here: PDFium splits a ligature glyph into the characters its ToUnicode
map gives ("fi" → ``f``, ``i``, each with half the glyph's box), and a lone U+FB01 that a file
maps to itself is folded by Tadoru's normaliser like any other.
"""

from __future__ import annotations

import bisect
import re
import statistics
from array import array
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from itertools import accumulate, pairwise

from tadoru.pdf.read import RawPage

#: Characters that can end a line as the first half of a split word.
HYPHENS = "-\u2010\u00ad\ufffe"
#: PDFium's line ends.  U+FFFE ends a visual line too: PDFium removed the line break after it.
_LINE_END = re.compile("\r\n|\r|\n|\ufffe")
#: Inside a line: a run of two or more white-space characters, a single one other than a space,
#: or a soft hyphen (invisible where the line does not break at it; Tadoru's normaliser does not
#: see through it, so "trans\u00adformer" would hide a transformer).
_SPACE_RUN = re.compile("\\s{2,}|[^\\S ]|\u00ad")
#: A word for the document's own dictionary: letters, with inner hyphens ("self-attention").
_WORD = re.compile(r"[^\W\d_]+(?:[-\u2010][^\W\d_]+)*")
_WORD_BEFORE = re.compile(r"[^\W\d_]+(?:[-\u2010][^\W\d_]+)*\Z")
#: Han, kana, CJK punctuation and full-width forms: scripts written without spaces between words.
_CJK = re.compile(
    "[\u2e80-\u2fff\u3000-\u30ff\u3100-\u31ff\u3200-\u9fff\uf900-\ufaff\ufe30-\ufe4f\uff00-\uffef"
    "\U00020000-\U0003ffff]"
)

#: Two lines differ in font size (one is a heading) when their heights differ by more than this share.
SIZE_CHANGE = 0.2
#: A short paragraph set this share larger than the body text is a heading (LaTeX: \\large 12 pt over 10 pt).
HEADING_SIZE = 0.12
#: Headings are short: at most this many characters, on at most two lines.
HEADING_CHARS = 120
#: "3 Method", "3.1 Low-rank adaptation", "IV. RESULTS", "A.2 Prompts", "第3章 …", "3. 実験".
_NUMBERED_HEADING = re.compile(
    r"(?:\d{1,2}(?:\.\d{1,2}){0,3}\.?|[IVX]{1,5}\.|[A-H](?:\.\d{1,2}){1,3}\.?|[A-H]\.|第[0-9０-９一二三四五六七八九十]{1,3}[章節])"
    r"[ \u3000]+(?=[^\W\d_])")
#: Section names papers use, as a whole paragraph (optionally numbered).
_NAMED_HEADING = re.compile(
    r"(?:abstract|introduction|background|related work|preliminaries|methods?|methodology|experiments?"
    r"|experimental setup|results|evaluation|discussion|limitations|conclusions?|future work|acknowledge?ments?"
    r"|references|bibliography|appendix(?: [a-z])?|概要|要旨|要約|はじめに|序論|背景|関連研究|提案手法|手法|実験|結果"
    r"|評価|考察|結論|おわりに|まとめ|今後の課題|参考文献|謝辞|付録)", re.IGNORECASE)
#: A gap between lines is a paragraph break when it exceeds the page's usual gap by this share of the line height.
PARAGRAPH_GAP = 0.6


@dataclass(frozen=True, slots=True)
class Cleaned:
    """The clean text, the page character behind each of its characters, and its word breaks.

    ``source[i]`` is a document-wide character number (page ``k``'s character ``j`` is
    ``page_starts[k] + j``), or -1 for a character no page holds (the break between pages).
    """

    text: str
    source: array  # array('i'), one per character of text
    breaks: list[int]
    page_starts: list[int]
    headings: list[tuple[int, int]] = field(default_factory=list)  # (start, end) of each heading's text


@dataclass(slots=True)
class _Line:
    """One visual line of a page: its characters ``[a, b)`` (trimmed) and where it sits."""

    a: int
    b: int
    end: int  # first character after the line end (the terminator is [b_raw, end))
    term: int  # first character of the terminator, or -1 (end of page)
    hyphen: int  # the line-final hyphen's index when the line may end a split word, else -1
    top: float
    bottom: float
    left: float
    right: float
    size: float  # the font's height, from a few of the line's characters: a change means a heading
    after_empty: bool  # an empty line came before it: a paragraph break


def clean_pages(pages: Sequence[RawPage]) -> Cleaned:
    """The reader's text of ``pages`` with its map back (see the module docstring)."""
    words = _Words(pages)
    out = _Output()
    starts: list[int] = []
    base = 0
    for page in pages:
        starts.append(base)
        lines = _lines(page)
        if lines:
            if out.pos:
                out.gap(-1, -1)  # a page boundary is a paragraph break
            _page(out, page.text, lines, base, words)
        base += len(page.text)
    text = "".join(out.parts)
    assert len(text) == len(out.source)
    return Cleaned(text, out.source, out.breaks, starts, _headings(text, out.lines, out.breaks))


class _Output:
    """The clean text as it is written, piece by piece, with its map and breaks."""

    __slots__ = ("breaks", "lines", "parts", "pos", "source")

    def __init__(self) -> None:
        self.parts: list[str] = []
        self.source = array("i")
        self.breaks: list[int] = []
        self.lines: list[tuple[int, int, float]] = []  # each line as written: (start, end, font height)
        self.pos = 0

    def run(self, text: str, a: int, b: int, base: int) -> None:
        """Page characters ``[a, b)``, copied with their white-space runs collapsed."""
        if a >= b:
            return
        chunk = text[a:b]
        if _SPACE_RUN.search(chunk) is None:  # most lines: one slice, one range
            self.parts.append(chunk)
            self.source.extend(range(base + a, base + b))
            self.pos += b - a
            return
        at = a
        for m in _SPACE_RUN.finditer(text, a, b):
            self.run(text, at, m.start(), base)
            if text[m.start()] != "\u00ad":
                self.char(" ", base + m.start())
            at = m.end()
        self.run(text, at, b, base)

    def char(self, c: str, source: int) -> None:
        self.parts.append(c)
        self.source.append(source)
        self.pos += 1

    def gap(self, first: int, second: int) -> None:
        """A paragraph break: ``"\\n\\n"`` (mapped to PDFium's ``\\r\\n`` when there is one)."""
        self.parts.append("\n\n")
        self.source.extend((first, second))
        self.pos += 2
        self.breaks.append(self.pos)


class _Words:
    """The document's own dictionary: how often it writes each word (lower-cased, inner hyphens as ``-``).

    Words split across a line end are not counted: the line end (or U+FFFE) cuts them.  Besides
    whole words it answers two looser questions for a split nobody wrote elsewhere: how often a
    hyphenated word starts with a given part ("pre-" in "pre-trained" speaks for "pre-|training"),
    and how many unhyphenated words start with a given stem ("transform…" for "trans-|former").
    """

    __slots__ = ("counts", "cumulative", "heads", "whole")

    def __init__(self, pages: Sequence[RawPage]) -> None:
        counts: Counter[str] = Counter()
        for page in pages:
            counts.update(w.lower() for w in _WORD.findall(page.text.replace("\u2010", "-")))
        self.counts = counts
        self.heads: Counter[str] = Counter()
        for word, n in counts.items():
            if "-" in word:
                self.heads[word.split("-", 1)[0]] += n
        self.whole = sorted(w for w in counts if "-" not in w)
        self.cumulative = list(accumulate((counts[w] for w in self.whole), initial=0))

    def starting(self, stem: str) -> int:
        """How many times the document writes an unhyphenated word that starts with ``stem``."""
        lo = bisect.bisect_left(self.whole, stem)
        hi = bisect.bisect_left(self.whole, stem + "\U0010ffff")
        return self.cumulative[hi] - self.cumulative[lo]


def _lines(page: RawPage) -> list[_Line]:
    """The page's non-empty lines with their geometry (an empty line only flags the next one)."""
    text, x0, y0, x1, y1 = page.text, page.x0, page.y0, page.x1, page.y1
    if not text.strip():
        return []
    lines: list[_Line] = []
    pos = 0
    n = len(text)
    empty_before = False
    for m in _LINE_END.finditer(text):
        empty_before = _add_line(lines, text, pos, m.start(), m.start(), m.end(), x0, y0, x1, y1, empty_before)
        pos = m.end()
    _add_line(lines, text, pos, n, -1, n, x0, y0, x1, y1, empty_before)
    return lines


def _add_line(lines: list[_Line], text: str, a: int, b: int, term: int, end: int,
              x0: array, y0: array, x1: array, y1: array, empty_before: bool) -> bool:
    """Append line ``[a, b)`` (trimmed); return whether it was empty (a paragraph break)."""
    chunk = text[a:b]
    stripped = chunk.strip()
    if not stripped:
        return True
    a += len(chunk) - len(chunk.lstrip())
    b = a + len(stripped)
    hyphen = -1
    if term >= 0 and text[term] == "\ufffe":
        hyphen = term
    elif text[b - 1] in HYPHENS and b - a >= 2 and text[b - 2].isalpha():
        hyphen = b - 1
    # The line's extent comes from its first, middle and last characters rather than from all of
    # them: it is as good for telling lines apart, three times cheaper, and not thrown by one
    # stray box (PDFium boxes the pieces of a ligature drawn turned in a form in unturned space).
    samples = (a, (a + b) // 2, b - 1)
    lines.append(_Line(
        a, b, end, term, hyphen,
        top=min(y0[i] for i in samples), bottom=max(y1[i] for i in samples),
        left=min(x0[a], x0[b - 1]), right=max(x1[a], x1[b - 1]),
        size=max(y1[i] - y0[i] for i in samples), after_empty=empty_before,
    ))
    return False


def _page(out: _Output, text: str, lines: list[_Line], base: int, words: _Words) -> None:
    usual = _usual_gap(lines)
    for k, line in enumerate(lines):
        if k:
            _join(out, text, lines, k, base, words, usual)
        end = line.b - 1 if line.hyphen == line.b - 1 else line.b  # a pending hyphen waits for _join
        start = out.pos
        out.run(text, line.a, end, base)
        out.lines.append((start, out.pos, line.size))
    last = lines[-1]
    if last.hyphen >= 0:  # the page ends mid-word: pages are never joined (running heads come between)
        out.char("-" if text[last.hyphen] in "\ufffe\u00ad" else text[last.hyphen], base + last.hyphen)


def _headings(text: str, lines: list[tuple[int, int, float]], breaks: list[int]) -> list[tuple[int, int]]:
    """The headings among the paragraphs of the clean text (module docstring, "Headings")."""
    weights: Counter[float] = Counter()
    for start, end, size in lines:
        weights[round(size, 1)] += end - start
    if not weights:
        return []
    body = _weighted_median(weights)
    paragraphs: dict[int, list[tuple[int, int, float]]] = {}
    for line in lines:
        paragraphs.setdefault(bisect.bisect_right(breaks, line[0]), []).append(line)
    found = []
    for group in paragraphs.values():
        start, end = group[0][0], group[-1][1]
        if len(group) <= 2 and _is_heading(text[start:end], max(size for _, _, size in group), body):
            found.append((start, end))
    return found


def _is_heading(words: str, size: float, body: float) -> bool:
    if not 0 < len(words) <= HEADING_CHARS or words[-1] in _SENTENCE_END_OR_COMMA:
        return False
    if not any(c.isalpha() for c in words):
        return False  # a page number, a formula's number, a table's figures
    if size >= body * (1 + HEADING_SIZE):
        return True
    numbered = _NUMBERED_HEADING.match(words)
    name = words[numbered.end():] if numbered else words
    if _NAMED_HEADING.fullmatch(name.strip()):
        return True
    # A numbered line of a few words, capitalised (or Japanese): "3.1 Low-rank adaptation", "2 関連研究".
    return numbered is not None and len(words) <= 80 and (name[0].isupper() or _CJK.match(name) is not None)


def _weighted_median(weights: Counter[float]) -> float:
    """The font height most of the text is set in: half the characters are at most this high."""
    half = sum(weights.values()) / 2
    seen = 0
    for size in sorted(weights):
        seen += weights[size]
        if seen >= half:
            return size
    return max(weights)


def _usual_gap(lines: list[_Line]) -> float:
    """The page's usual space between one line's bottom and the next one's top.

    Only pairs of lines of about one size where the second sits below the first count, so
    column jumps and headings do not skew it; the median ignores the few paragraph gaps.
    """
    gaps = [
        m.top - p.bottom
        for p, m in pairwise(lines)
        if m.top > p.top and abs(p.size - m.size) <= SIZE_CHANGE * max(p.size, m.size)
    ]
    return statistics.median(gaps) if gaps else 0.0


def _join(out: _Output, text: str, lines: list[_Line], k: int, base: int, words: _Words, usual: float) -> None:
    """Write what goes between line ``k - 1`` and line ``k``: a hyphen or nothing, a space, or a break."""
    prev, line = lines[k - 1], lines[k]
    if prev.hyphen >= 0:
        h = text[prev.hyphen]
        shown = "-" if h in "\ufffe\u00ad" else h
        if text[line.a].isalpha():
            if h != "\u00ad" and _keeps_hyphen(text, prev, line, words):
                out.char(shown, base + prev.hyphen)
            return
        out.char(shown, base + prev.hyphen)
        if text[line.a].isdigit():
            return  # "GPT-" + "4": a name with a number is never hyphenation
        # Anything else ("-" + "(a)") is a dash the author wrote: the lines join as usual.
    if _paragraph_break(text, lines, k, usual):
        if prev.term >= 0 and prev.end - prev.term == 2:
            out.gap(base + prev.term, base + prev.term + 1)
        else:
            out.gap(-1, -1)
        return
    if _CJK.match(text, prev.b - 1) or _CJK.match(text, line.a):
        return
    if _same_visual_line(prev, line):
        return
    out.char(" ", base + prev.term if prev.term >= 0 else -1)


def _keeps_hyphen(text: str, prev: _Line, line: _Line, words: _Words) -> bool:
    """Does the word split at ``prev``'s end keep its hyphen when joined (module docstring)?"""
    before = _WORD_BEFORE.search(text, max(prev.a, prev.hyphen - 80), prev.hyphen)
    after = _WORD.match(text, line.a)
    if before is None or after is None:
        return True
    left, right = before.group().replace("\u2010", "-"), after.group().replace("\u2010", "-")
    hyphenated = words.counts[f"{left}-{right}".lower()]
    joined = words.counts[f"{left}{right}".lower()]
    if hyphenated != joined:
        return hyphenated > joined
    head = left.rsplit("-", 1)[-1].lower()
    as_prefix, as_stem = words.heads[head], words.starting((head + right.lower())[: len(head) + 4])
    if as_prefix != as_stem:
        return as_prefix > as_stem
    return "-" in left or "-" in right or right[0].isupper() or left[-1].isupper()


def _paragraph_break(text: str, lines: list[_Line], k: int, usual: float) -> bool:
    """Does a paragraph (or a heading, a list item, a caption) end between lines ``k - 1`` and ``k``?"""
    prev, line = lines[k - 1], lines[k]
    if line.after_empty:
        return True
    p, m = prev.size, line.size
    if abs(p - m) > SIZE_CHANGE * max(p, m):
        return True
    below = line.top > prev.top + 0.5 * min(p, m)
    if below and line.top - prev.bottom > usual + PARAGRAPH_GAP * min(p, m):
        return True
    return _short_line(lines, k - 1) and (
        text[prev.b - 1] in _SENTENCE_END or text[line.a].isupper() or text[line.a].isdigit()
        or _CJK.match(text, line.a) is not None)


#: What a paragraph's last line ends with, in English and Japanese.
_SENTENCE_END = frozenset(".!?:;)\"”。．！？」』）")
#: What a heading never ends with.
_SENTENCE_END_OR_COMMA = frozenset(".!?:;,\"”。．！？、，")
#: A line is short when it ends this many of its heights before its column's right edge.
SHORT_LINE = 3.0


def _short_line(lines: list[_Line], k: int) -> bool:
    """Does line ``k`` stop well before the right edge of its column (a paragraph's last line, a heading)?

    The edge is the rightmost end of the lines just before and after it in the same column
    (left edges within a few heights: a first-line indent still counts); with no such
    neighbour the question has no answer, and the line is not called short.
    """
    line = lines[k]
    edge = None
    for j in (k - 1, k + 1):
        if 0 <= j < len(lines):
            other = lines[j]
            if abs(other.left - line.left) <= SHORT_LINE * line.size and abs(other.top - line.top) < 4 * line.size:
                edge = other.right if edge is None else max(edge, other.right)
    return edge is not None and line.right < edge - SHORT_LINE * line.size


def _same_visual_line(prev: _Line, line: _Line) -> bool:
    """Did PDFium break one visual line in two (a superscript, a subscript)?"""
    overlap = min(prev.bottom, line.bottom) - max(prev.top, line.top)
    h = min(prev.bottom - prev.top, line.bottom - line.top)
    return h > 0 and overlap > 0.5 * h and -0.5 * h <= line.left - prev.right <= 0.2 * h
