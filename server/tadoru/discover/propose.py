"""``propose()``: the terms a corpus keeps using that the lexicon lacks, ranked for a person (issue 16).

``discover()`` looks at one text for a reader; this looks across many for the lexicon's
maintainers.  Each document is annotated once, and three kinds of evidence are pooled:

* **C-value** over English word sequences (``tadoru.discover.termscore``).  There is no English
  tagger here, so a candidate is a run of content words between stop words and punctuation
  (spaCy's stop list; hyphenated words stay whole), at most ``MAX_WORDS`` long, holding at least
  one word the field uses (a word of a multi-word label), a rare word or an acronym;
* **FLR** over Japanese compound noun runs (Sudachi's parts of speech, the shared tokenizer);
* ``discover()``'s candidates: definitions (with their long form), acronyms, compounds of a
  known head.

Evidence counts only where the annotator found the text to be about AI (two distinct terms
nearby, the context rule), never cuts an annotation in two, and never is a lexicon label.  The
rank is ``score × document frequency × rarity`` (rarity from wordfreq), so a term many pages use
and general language does not comes first.  Each proposal carries three contexts, the long form
when a text spelled one out, and a guessed place in the graph: the head concept (or the concept
most often beside it) as ``deeper``, and a level one above a head or equal to a neighbour.

Reading files is the caller's job (the CLI reads them with the page reader and ``tadoru.pdf``,
which sit above this floor): ``propose`` takes ``Source`` texts.  ``draft_yaml`` writes the
proposals as lexicon entries marked ``status: proposed``: ``tadoru lexicon check`` validates
them, nothing serves them (``tadoru.lexicon.load``), and their definitions are placeholders
(``tadoru.lexicon.checks.PLACEHOLDER``) a served concept may not keep.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from tadoru.discover.compounds import EN_GENERIC, JA_GENERIC, head_concepts, term_vocabulary
from tadoru.discover.context import AnnotationIndex
from tadoru.discover.core import discover
from tadoru.discover.shapes import base_form, is_noise, short_form_shape, words
from tadoru.discover.termscore import c_values, english_zipf, flr_scores, japanese_zipf, rarity
from tadoru.lexicon.checks import PLACEHOLDER
from tadoru.text.normalize import TextTooLong
from tadoru.text.visible import HtmlTooDeep

if TYPE_CHECKING:
    from tadoru.annotate import Annotated, Annotator
    from tadoru.lexicon.model import Lexicon

MAX_WORDS = 4
CONTEXTS = 3
CONTEXT_CHARS = 70  # each side of the term; Japanese packs more into a character
CONTEXT_CHARS_JA = 30
#: How far from a term a concept still counts as its neighbour (about a sentence).
NEIGHBOUR_CHARS = 120
#: What one occurrence found by ``discover()`` adds to a term's score: the author's own
#: definition is the strongest evidence; an acronym or a compound of a known head less so.
DISCOVERY_WEIGHT = {"definition": 3.0, "acronym": 1.5, "compound": 1.0}
#: A word at least this common in general English carries no signal of its own.
RARE_ZIPF = 3.5
#: A sequence the corpus uses once is a phrase, not yet a term: the corpus scores need it twice
#: (a definition or an acronym ``discover()`` found needs no second use).
MIN_FREQUENCY = 2

_EN_WORD = re.compile(r"[A-Za-z][A-Za-z0-9]*(?:[-'][A-Za-z0-9]+)*")
_RUN_GAP = re.compile(r"[ \t]+")
_SPACES = re.compile(r"\s+")
_ID_CHARS = re.compile(r"[^a-z0-9]+")
_LATIN_OR_KATAKANA = re.compile(r"[A-Za-z0-9\u30a0-\u30ffー]+")
_JA_SEGMENT = re.compile(r"[^\n。！？]+")
_HIRAGANA = re.compile(r"[\u3041-\u309fー]+")
#: Suffixes that end a noun run without being part of a term (コーディング用, 実験中, 導入後).
_JA_TRAILING = frozenset(words("用 等 中 後 前 時 間 上 内 外 別 毎 向け など ごと 以外 以降 以前 全体"))
#: Verbs and adverbs technical prose puts between nouns ("developers use DSPy", "agents call
#: tools"): a run of content words stops at them (there is no tagger to say so).
_EN_BREAK_WORDS = frozenset(words("""
use uses used using make makes made run runs ran build builds built let lets need needs want wants help
helps support supports allow allows call calls return returns take takes took get gets got add adds work
works handle handles turn turns keep keeps kept write writes wrote read reads store stores send sends give
gives show shows shown find finds found try tries tried ship ships means become becomes looks say says
said know think start starts change changes create creates created provide provides include includes
included offer offers compare compares improve improves reduce reduces require requires required
matter matters seem seems set sets put puts come comes go goes went lead leads led cut cuts hold holds
pass passes split splits load loads save saves fit fits point points sit sits stay stays feel feels
like likes via vs etc also just even still really already instead rather
"""))


class SourceError(ValueError):
    """A text that cannot be annotated (nested too deep, too long): named by the caller, skipped."""


@dataclass(frozen=True, slots=True)
class Source:
    """One document of the corpus: its name (for messages) and its text or HTML."""

    name: str
    content: str
    html: bool = False


@dataclass(frozen=True, slots=True)
class Proposal:
    """A term worth a card, with the evidence a reviewer needs to write it (or turn it down)."""

    term: str
    lang: str
    rank: float
    score: float
    df: int
    count: int
    sources: tuple[str, ...]
    contexts: tuple[str, ...]
    long_form: str | None
    head: str | None
    deeper: str | None
    level: int
    category: str

    def to_dict(self) -> dict[str, Any]:
        return {"term": self.term, "lang": self.lang, "rank": round(self.rank, 4), "score": round(self.score, 4),
                "df": self.df, "count": self.count, "sources": list(self.sources), "contexts": list(self.contexts),
                "long_form": self.long_form, "head": self.head, "deeper": self.deeper, "level": self.level,
                "category": self.category}


@dataclass(slots=True)
class _Entry:
    lang: str
    parts: tuple[str, ...] | None = None
    surfaces: Counter[str] = field(default_factory=Counter)
    docs: set[int] = field(default_factory=set)
    count: int = 0
    discovered: float = 0.0
    sources: set[str] = field(default_factory=set)
    long_forms: Counter[str] = field(default_factory=Counter)
    heads: Counter[str] = field(default_factory=Counter)
    neighbours: Counter[str] = field(default_factory=Counter)
    contexts: list[tuple[int, str]] = field(default_factory=list)
    spans: set[tuple[int, int, int]] = field(default_factory=set)  # (document, start, end) counted


class Corpus:
    """Evidence pooled over documents; ``add`` them one by one, then ask for ``proposals``."""

    def __init__(self, annotator: Annotator) -> None:
        self.annotator = annotator
        self.lexicon: Lexicon = annotator.lexicon
        self.documents = 0
        self._entries: dict[str, _Entry] = {}
        self._en_freq: Counter[tuple[str, ...]] = Counter()
        self._ja_runs: Counter[tuple[str, ...]] = Counter()
        self._labels: dict[str, bool] = {}
        #: Drafts already waiting for review (a ``--lexicon`` folder of earlier proposals) are
        #: not proposed again.
        self._drafted = _label_keys(self.lexicon.proposed.values())

    # ------------------------------------------------------------------ reading

    def add(self, source: Source) -> None:
        """Annotate one document and pool its evidence; ``SourceError`` if it cannot be read."""
        try:
            annotated = (self.annotator.annotate_html(source.content, density="all") if source.html
                         else self.annotator.annotate_text(source.content, density="all"))
        except (HtmlTooDeep, TextTooLong) as exc:
            raise SourceError(str(exc)) from None
        doc = self.documents
        self.documents += 1
        if len(annotated) == 0:
            return  # nothing says the text is about AI
        text = annotated.text
        index = AnnotationIndex(annotated)
        breaks = annotated.page.breaks if annotated.page is not None else ()
        self._discovered(doc, text, annotated, index, breaks)
        text = _unwrapped(text, breaks, annotated.page is not None)
        if annotated.lang == "ja":
            self._japanese(doc, text, index)
        else:
            self._english(doc, text, index)

    def _discovered(self, doc: int, text: str, annotated: Annotated, index: AnnotationIndex,
                    breaks: Sequence[int]) -> None:
        lang = annotated.lang
        for c in discover(text, annotated, self.annotator, lang, breaks):
            key = _key(c.surface)
            if c.kind == "definition" and c.long_form and self._is_label(c.surface):
                continue
            entry = self._entry(key, "en" if c.surface.isascii() else "ja")
            entry.discovered += DISCOVERY_WEIGHT[c.kind]
            entry.sources.add(c.kind)
            if c.long_form:
                entry.long_forms[_SPACES.sub(" ", c.long_form.strip())] += 1
            if c.head:
                entry.heads[c.head] += 1
            self._occurrence(entry, doc, text, c.start, c.end, index)

    def _english(self, doc: int, text: str, index: AnnotationIndex) -> None:
        vocabulary = term_vocabulary(self.lexicon)
        for run in _english_runs(text):
            for size in range(2, min(MAX_WORDS, len(run)) + 1):
                for i in range(len(run) - size + 1):
                    span = run[i : i + size]
                    start, end = span[0][0], span[-1][1]
                    lowered = tuple(_singular(text[s:e].lower()) if k == size - 1 else text[s:e].lower()
                                    for k, (s, e) in enumerate(span))
                    if lowered[0] in EN_GENERIC or lowered[-1] in EN_GENERIC:
                        continue
                    if not any(w in vocabulary or _rare_or_acronym(text[s:e]) for w, (s, e) in zip(lowered, span)):
                        continue
                    if not self._fits(text, start, end, index):
                        continue
                    self._en_freq[lowered] += 1
                    entry = self._entry(" ".join(lowered), "en", lowered)
                    entry.sources.add("c-value")
                    self._occurrence(entry, doc, text, start, end, index)

    def _japanese(self, doc: int, text: str, index: AnnotationIndex) -> None:
        for parts, start, end in _japanese_runs(text):
            if not self._fits(text, start, end, index):
                continue
            self._ja_runs[parts] += 1
            entry = self._entry("".join(parts), "ja", parts)
            entry.sources.add("flr")
            self._occurrence(entry, doc, text, start, end, index)

    def _fits(self, text: str, start: int, end: int, index: AnnotationIndex) -> bool:
        """About AI here, cuts no annotation in two, and not already a lexicon label."""
        if any(a.start < start or a.end > end for a in index.overlapping(start, end)):
            return False
        return index.about_ai(start, end) and not self._is_label(text[start:end])

    def _entry(self, key: str, lang: str, parts: tuple[str, ...] | None = None) -> _Entry:
        entry = self._entries.get(key)
        if entry is None:
            entry = self._entries[key] = _Entry(lang, parts)
        elif parts is not None and entry.parts is None:
            entry.parts = parts
        return entry

    def _occurrence(self, entry: _Entry, doc: int, text: str, start: int, end: int, index: AnnotationIndex) -> None:
        if (doc, start, end) in entry.spans:
            return  # found by two sources: one use all the same
        entry.spans.add((doc, start, end))
        entry.count += 1
        entry.docs.add(doc)
        entry.surfaces[_uncapitalised(text, start, end)] += 1
        for a in index.overlapping(max(0, start - NEIGHBOUR_CHARS), end + NEIGHBOUR_CHARS):
            weight = 2 if start <= a.start and a.end <= end else 1  # inside the term: what it is built from
            entry.neighbours[a.term] += weight
        if len(entry.contexts) < 4 * CONTEXTS:
            snippet = _snippet(text, start, end)
            if all(snippet != s for _, s in entry.contexts):
                entry.contexts.append((doc, snippet))

    def _is_label(self, surface: str) -> bool:
        hit = self._labels.get(surface)
        if hit is None:
            resolve = self.lexicon.resolve
            hit = (resolve(surface) is not None or resolve(base_form(surface)) is not None
                   or resolve(_singular(surface)) is not None
                   or not self._drafted.isdisjoint(_label_keys_of(surface)))
            self._labels[surface] = hit
        return hit

    # ------------------------------------------------------------------ ranking

    def proposals(self, top: int = 50) -> list[Proposal]:
        """The ``top`` best proposals, best first; ties by term, so the order never varies."""
        cvalue = c_values({g: f for g, f in self._en_freq.items() if f >= MIN_FREQUENCY})  # the candidates
        flr = flr_scores(self._ja_runs)
        ranked: list[tuple[float, str, Proposal]] = []
        for key, entry in self._entries.items():
            proposal = self._proposal(key, entry, cvalue, flr)
            if proposal is not None:
                ranked.append((-proposal.rank, key, proposal))
        ranked.sort(key=lambda r: (r[0], r[1]))
        return [p for _, _, p in ranked[:top]]

    def _proposal(self, key: str, entry: _Entry, cvalue: dict[tuple[str, ...], float],
                  flr: dict[tuple[str, ...], float]) -> Proposal | None:
        term = _display(entry.surfaces)
        if len(term) < 2 or is_noise(term) or self._is_label(term) or not entry.neighbours:
            return None
        parts = entry.parts
        corpus_score = 0.0
        if parts is not None and entry.count >= MIN_FREQUENCY:
            corpus_score = cvalue.get(parts, 0.0) if entry.lang == "en" else flr.get(parts, 0.0)
        score = max(corpus_score, 0.0) + entry.discovered
        if score <= 0:
            return None
        if entry.lang == "en" or term.isascii():
            zipf = english_zipf(term)
        else:
            zipf = japanese_zipf(parts or (term,))
        rank = score * len(entry.docs) * rarity(zipf)
        head = entry.heads.most_common(1)[0][0] if entry.heads else self._suffix_head(entry, term)
        deeper = head or self._neighbour(entry)
        if deeper is None:
            return None
        base = self.lexicon[deeper]
        level = min(3, base.level + 1) if head else base.level
        long_form = entry.long_forms.most_common(1)[0][0] if entry.long_forms else None
        return Proposal(term=term, lang="en" if term.isascii() else "ja", rank=rank, score=score, df=len(entry.docs),
                        count=entry.count, sources=tuple(sorted(entry.sources)), contexts=_pick_contexts(entry.contexts),
                        long_form=long_form, head=head, deeper=deeper, level=level, category=base.category)

    def _suffix_head(self, entry: _Entry, term: str) -> str | None:
        """The concept named by the term's last words (its head): "semantic cache" → cache."""
        parts = entry.parts or tuple(term.lower().split())
        joiner = " " if entry.lang == "en" else ""
        heads = head_concepts(self.lexicon)
        for k in range(1, len(parts)):
            suffix = joiner.join(parts[k:])
            found = self.lexicon.resolve(suffix)
            if found is not None and found in heads and not _everyday_label(suffix):
                return found
        return None

    def _neighbour(self, entry: _Entry) -> str | None:
        """The concept most often inside or beside the term (ties by id)."""
        if not entry.neighbours:
            return None
        best = max(entry.neighbours.values())
        return min(cid for cid, n in entry.neighbours.items() if n == best and cid in self.lexicon)


def propose(sources: Iterable[Source], annotator: Annotator, top: int = 50,
            progress: Callable[[Source], None] | None = None,
            on_error: Callable[[Source, str], None] | None = None) -> list[Proposal]:
    """The ``top`` terms of ``sources`` the lexicon lacks, best first (see the module's docstring).

    ``progress`` is called after each source; a source that cannot be annotated is passed to
    ``on_error`` with the reason (or raises ``SourceError`` when there is no ``on_error``).
    """
    corpus = Corpus(annotator)
    for source in sources:
        try:
            corpus.add(source)
        except SourceError as exc:
            if on_error is None:
                raise
            on_error(source, str(exc))
        if progress is not None:
            progress(source)
    return corpus.proposals(top)


# --------------------------------------------------------------------------- candidates


def _english_runs(text: str) -> list[list[tuple[int, int]]]:
    """Runs of content words: words joined by spaces only, none a stop word, verb or adverb."""
    stop = _stop_words()
    runs: list[list[tuple[int, int]]] = []
    current: list[tuple[int, int]] = []
    last_end = -1
    for m in _EN_WORD.finditer(text):
        word = m.group()
        lower = word.lower()
        joined = last_end >= 0 and _RUN_GAP.fullmatch(text, last_end, m.start()) is not None
        if not joined and current:
            runs.append(current)
            current = []
        if lower in stop or lower in _EN_BREAK_WORDS or (lower.endswith("ly") and len(lower) > 4) or len(word) < 2:
            if current:
                runs.append(current)
                current = []
            last_end = -1
            continue
        current.append((m.start(), m.end()))
        last_end = m.end()
    if current:
        runs.append(current)
    return [r for r in runs if len(r) >= 2]


def _unwrapped(text: str, breaks: Sequence[int], page: bool) -> str:
    """``text`` with the line breaks that only wrap a paragraph made spaces (same length).

    On a page, a line break that is not a block edge wraps; in plain text, a single line break
    does (a blank line ends a paragraph).  "the MCP\nInspector" is then one run of words.
    """
    if "\n" not in text:
        return text
    if page:
        edges = set(breaks)
        soft = [m.start() for m in _NEWLINE.finditer(text) if m.start() not in edges and m.start() + 1 not in edges]
    else:
        soft = [m.start() for m in _SOFT_NEWLINE.finditer(text)]
    if not soft:
        return text
    chars = list(text)
    for i in soft:
        chars[i] = " "
    return "".join(chars)


_NEWLINE = re.compile("\n")
_SOFT_NEWLINE = re.compile(r"(?<=[^\n\s])\n(?=[^\n\s#*\-\d])")


def _label_keys(concepts: Iterable[Any]) -> set[str]:
    from tadoru.text.normalize import normalize_label

    return {normalize_label(label) for c in concepts for _lang, label in c.all_labels()}


def _label_keys_of(surface: str) -> set[str]:
    from tadoru.text.normalize import normalize_label

    return {normalize_label(surface), normalize_label(_singular(surface))}


def _everyday_label(label: str) -> bool:
    """Is ``label`` an everyday word ("function", "model"): too broad to be what a term is a kind of?"""
    from tadoru.lexicon.checks import EVERYDAY_WORDS
    from tadoru.text.normalize import normalize_label

    return normalize_label(label) in EVERYDAY_WORDS


def _rare_or_acronym(word: str) -> bool:
    return short_form_shape(word) or english_zipf(word) < RARE_ZIPF


def _japanese_runs(text: str) -> list[tuple[tuple[str, ...], int, int]]:
    """Compound noun runs of Japanese text as ``(morphemes, start, end)``, generic words trimmed."""
    from tadoru.text.japanese import SUDACHI_LOCK, sudachi

    tokenizer, mode = sudachi()
    out: list[tuple[tuple[str, ...], int, int]] = []
    for seg in _JA_SEGMENT.finditer(text):
        base = seg.start()
        with SUDACHI_LOCK:
            morphemes = [(m.begin() + base, m.end() + base, m.surface(), m.part_of_speech())
                         for m in tokenizer.tokenize(seg.group(), mode)]
        run: list[tuple[int, int, str]] = []
        for k, (s, e, surface, pos) in enumerate(morphemes):
            following = morphemes[k + 1][3] if k + 1 < len(morphemes) else None
            if pos[0] == "名詞" and _HIRAGANA.fullmatch(surface):
                pos = ("助詞",)  # こと, まわり, ため: a hiragana noun ends a run, it never names
            if _noun_part(pos, following, bool(run)) and (not run or run[-1][1] == s):
                run.append((s, e, surface))
                continue
            _close_run(run, out)
            run = [(s, e, surface)] if _noun_part(pos, following, False) else []
        _close_run(run, out)
    return out


def _noun_part(pos: Sequence[str], following: Sequence[str] | None, inside: bool) -> bool:
    """Can this morpheme be part of a compound noun (at its start, or ``inside`` one)?"""
    if pos[0] == "名詞":
        return pos[1] != "数詞" and pos[2] not in ("副詞可能", "人名", "地名")
    if pos[0] == "接頭辞":
        return not inside
    if pos[0] == "接尾辞":
        return inside and pos[1] == "名詞的"
    if pos[0] == "動詞" and pos[5].startswith("連用形") and following is not None:
        return following[0] == "名詞"  # 埋め込みモデル: a verb's noun form in front of a noun
    return False


def _close_run(run: list[tuple[int, int, str]], out: list[tuple[tuple[str, ...], int, int]]) -> None:
    while run and run[0][2] in JA_GENERIC:
        run = run[1:]
    while run and (not run[-1][2].strip() or run[-1][2] in _JA_TRAILING):
        run = run[:-1]
    if not run:
        return
    parts = tuple(p[2] for p in run)
    surface = "".join(parts)
    if len(surface) < 3:
        return
    if len(parts) == 1 and not (_LATIN_OR_KATAKANA.fullmatch(surface) and len(surface) >= 5
                                and japanese_zipf(parts) == 0):
        return  # one ordinary word; a katakana name general Japanese has never seen may stay
    if surface.isascii():
        return  # a Latin name inside Japanese text is the acronym source's
    out.append((parts, run[0][0], run[-1][1]))


# --------------------------------------------------------------------------- helpers


def _stop_words() -> frozenset[str]:
    from spacy.lang.en.stop_words import STOP_WORDS

    return frozenset(STOP_WORDS)


def _key(surface: str) -> str:
    """One key for the spellings of one term: case and an English plural do not matter."""
    if not surface.isascii():
        return surface
    words = surface.lower().split()
    return " ".join([*words[:-1], _singular(words[-1])]) if words else surface


def _singular(word: str) -> str:
    """``databases`` → ``database``, ``LLMs`` → ``LLM``; ``process``, ``analysis``, ``bus`` stay."""
    if len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is", "ics")) and word[-2].isalpha():
        return word[:-1]
    return word


_SENTENCE_START = re.compile(r"(?:^|[.!?:;。\n]|[.!?:;]\s)\s*$")


def _uncapitalised(text: str, start: int, end: int) -> str:
    """The spelling at ``text[start:end]``, its capital dropped where a sentence or line made it
    ("Logit bias cannot…" spells "logit bias"); a name's capital elsewhere keeps it."""
    surface = text[start:end]
    first, _, rest = surface.partition(" ")
    if (rest and first[:1].isupper() and first[1:2].islower() and not short_form_shape(first)
            and _SENTENCE_START.search(text, max(0, start - 3), start)):
        return surface[0].lower() + surface[1:]
    return surface


def _display(surfaces: Counter[str]) -> str:
    """The spelling a page uses most (ties: the earliest seen), its plural made singular when a
    singular was seen too."""
    best = surfaces.most_common(1)[0][0]
    if best[:1].isupper() and best[1:2].islower() and best[0].lower() + best[1:] in surfaces:
        best = best[0].lower() + best[1:]  # "Episodic memory" began a sentence somewhere
    single = " ".join([*best.split()[:-1], _singular(best.split()[-1])]) if best.isascii() and best.split() else best
    return single if single in surfaces else best


def _snippet(text: str, start: int, end: int) -> str:
    reach = CONTEXT_CHARS if text[start:end].isascii() else CONTEXT_CHARS_JA
    lo, hi = max(0, start - reach), min(len(text), end + reach)
    snippet = _SPACES.sub(" ", text[lo:hi]).strip()
    return ("…" if lo > 0 else "") + snippet + ("…" if hi < len(text) else "")


def _pick_contexts(contexts: list[tuple[int, str]]) -> tuple[str, ...]:
    """One context per document first (the corpus's variety), then more from the same ones."""
    chosen: list[str] = []
    docs: set[int] = set()
    for doc, snippet in contexts:
        if doc not in docs:
            docs.add(doc)
            chosen.append(snippet)
    for _, snippet in contexts:
        if snippet not in chosen:
            chosen.append(snippet)
    return tuple(chosen[:CONTEXTS])


# --------------------------------------------------------------------------- drafts


def draft_yaml(proposals: Sequence[Proposal], lexicon: Lexicon, *, note: str = "") -> str:
    """The proposals as lexicon entries marked ``status: proposed``, for a person to finish.

    Every draft validates (``tadoru lexicon check`` counts it as proposed), yet says plainly what
    is missing: definitions are ``TODO:`` placeholders, which a served concept may not keep, and
    the evidence (score, documents, contexts) is in comments above each entry.  Ids and labels
    never repeat the lexicon's or each other's.
    """
    import yaml

    lines = [
        "# Drafts from 'tadoru lexicon propose'" + (f" ({note})" if note else "") + ".",
        "# Nothing here is served: write both definitions in your own words, check the labels, level,",
        "# category and deeper, then delete 'status: proposed'.  Delete the entries you reject.",
        "concepts:",
    ]
    ids: set[str] = set(lexicon.concepts) | set(lexicon.proposed)
    labels: set[str] = set()
    for n, p in enumerate(proposals, 1):
        concept = _draft(p, ids, labels)
        if concept is None:
            continue
        lines.append(f"  # {n}. {_comment(p.term)}: rank {p.rank:.2f}, score {p.score:.2f}, "
                     f"{p.count} uses in {p.df} document{'' if p.df == 1 else 's'} ({', '.join(p.sources)})")
        lines.extend(f"  #    « {_comment(c)} »" for c in p.contexts)
        dumped = yaml.safe_dump([concept], allow_unicode=True, sort_keys=False, width=120, default_flow_style=None)
        lines.extend("  " + line for line in dumped.rstrip("\n").split("\n"))
    if len(lines) == 4:
        lines[-1] = "concepts: []"
    return "\n".join(lines) + "\n"


def _draft(p: Proposal, ids: set[str], labels: set[str]) -> dict[str, Any] | None:
    from tadoru.text.normalize import normalize_label

    en = [p.term] if p.term.isascii() else []
    if p.long_form and p.long_form.isascii() and p.long_form != p.term:
        en.append(p.long_form)
    ja = [p.term]
    en = en or [p.term]
    fresh_en = [label for label in en if normalize_label(label) not in labels]
    fresh_ja = [label for label in ja if normalize_label(label) not in labels or label in fresh_en]
    if not fresh_en or not fresh_ja or p.deeper is None:
        return None
    labels.update(normalize_label(label) for label in (*fresh_en, *fresh_ja))
    concept_id = _fresh_id(p, ids)
    ids.add(concept_id)
    return {
        "id": concept_id,
        "status": "proposed",
        "labels": {"en": fresh_en, "ja": fresh_ja},
        "definition": {
            "en": f"{PLACEHOLDER} a beginner-level definition of “{p.term}”, in our own words.",
            "ja": f"{PLACEHOLDER} 「{p.term}」を初心者向けに、自分の言葉で説明する。",
        },
        "level": p.level,
        "category": p.category,
        "deeper": [p.deeper],
    }


def _fresh_id(p: Proposal, ids: set[str]) -> str:
    """An id from the term (or its English long form), unused so far.  A Japanese term without
    one gets ``proposed-`` and a digest of the term, which a reviewer renames: the same in every
    run, so two draft files of one folder do not clash."""
    import hashlib

    source = p.term if p.term.isascii() else (p.long_form if p.long_form and p.long_form.isascii() else "")
    stem = _ID_CHARS.sub("-", source.lower()).strip("-")[:56].strip("-")
    if not stem:
        stem = "proposed-" + hashlib.sha256(p.term.encode("utf-8")).hexdigest()[:8]
    candidate = stem
    n = 1
    while candidate in ids:
        n += 1
        candidate = f"{stem}-{n}"
    return candidate


def _comment(text: str) -> str:
    """``text`` safe on one comment line."""
    return _SPACES.sub(" ", text).strip()[:200]
