"""The lexicon as data: concepts, the problems found in them, and the ``Lexicon`` that looks them up.

Nothing here reads files (``load.py`` does) or matches text (``tadoru.matcher`` does): this is the
model every other layer shares.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from rapidfuzz import fuzz, process

from tadoru.lexicon.readings import MIN_SOUND, kana_to_romaji, latin_sound, reading, sound_key
from tadoru.text.normalize import normalize_label
from tadoru.text.readings import has_kanji, is_kana, to_hiragana

LANGS = ("en", "ja")


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong with the lexicon, in the ``file: id.field: problem`` form."""

    file: str
    concept: str | None
    field: str | None
    message: str
    line: int | None = None
    severity: str = "error"

    def __str__(self) -> str:
        where = self.file + (f":{self.line}" if self.line else "")
        what = ".".join(p for p in (self.concept, self.field) if p)
        return f"{where}: {what + ': ' if what else ''}{self.message}"

    def to_dict(self) -> dict[str, Any]:
        return {"file": self.file, "line": self.line, "concept": self.concept, "field": self.field,
                "message": self.message, "severity": self.severity}


@dataclass(frozen=True, slots=True)
class Concept:
    """One term of the lexicon, as a reader sees it in a tooltip."""

    id: str
    labels: dict[str, tuple[str, ...]]
    definition: dict[str, str]
    level: int
    category: str
    deeper: tuple[str, ...] = ()
    related: tuple[str, ...] = ()
    ambiguous_labels: frozenset[str] = frozenset()
    case_sensitive_labels: frozenset[str] = frozenset()
    shared_labels: frozenset[str] = frozenset()
    links: dict[str, Any] = field(default_factory=dict)
    source: str = ""
    line: int | None = None
    proposed: bool = False  # ``status: proposed``: a draft awaiting review, never served

    @property
    def ambiguous(self) -> bool:
        """True when every label of the concept is also an everyday word."""
        return bool(self.ambiguous_labels) and all(label in self.ambiguous_labels for _lang, label in self.all_labels())

    def label(self, lang: str) -> str:
        """The preferred label in ``lang``."""
        return self.labels[lang][0]

    def all_labels(self) -> Iterator[tuple[str, str]]:
        for lang in LANGS:
            for label in self.labels[lang]:
                yield lang, label

    def to_card(self) -> dict[str, Any]:
        """The term card of the HTTP API (docs/ARCHITECTURE.md, "Term card")."""
        return {
            "id": self.id,
            "label": {lang: self.labels[lang][0] for lang in LANGS},
            "aliases": {lang: list(self.labels[lang][1:]) for lang in LANGS},
            "definition": dict(self.definition),
            "level": self.level,
            "category": self.category,
            "deeper": list(self.deeper),
            "related": list(self.related),
            "links": self.links,
            **self.reading_field(),
        }

    def reading_field(self) -> dict[str, Any]:
        """``{"reading": {"ja": "かがくしゅう"}}`` when the Japanese label has kanji Sudachi can read.

        (A katakana or Latin label is its own pronunciation guide.)
        """
        label = self.labels["ja"][0]
        sound = reading(label) if has_kanji(label) else None
        return {"reading": {"ja": sound}} if sound else {}


class Lexicon:
    """The merged, checked lexicon: concepts by id plus the problems found while loading.

    ``proposed`` holds the drafts marked ``status: proposed`` (``tadoru lexicon propose``): they
    are checked with the rest but kept out of ``concepts``, so nothing that matches, serves or
    exports reads them until a person removes the mark.
    """

    def __init__(self, concepts: dict[str, Concept], problems: list[Problem], sources: list[str],
                 proposed: dict[str, Concept] | None = None) -> None:
        self.concepts = concepts
        self.problems = problems
        self.sources = sources
        self.proposed = proposed or {}

    def __len__(self) -> int:
        return len(self.concepts)

    @cached_property
    def fingerprint(self) -> str:
        """A short digest of every term card, so a client can tell its cached cards are stale.

        Computed from what readers see (the cards), not from files, so it is the same for the
        same lexicon however it was laid out on disk.
        """
        import hashlib

        digest = hashlib.sha256()
        for concept_id in sorted(self.concepts):
            digest.update(json.dumps(self.concepts[concept_id].to_card(), sort_keys=True, ensure_ascii=False).encode())
            digest.update(b"\n")
        return digest.hexdigest()[:16]

    def __contains__(self, concept_id: object) -> bool:
        return concept_id in self.concepts

    def __iter__(self) -> Iterator[Concept]:
        return iter(self.concepts.values())

    def __getitem__(self, concept_id: str) -> Concept:
        return self.concepts[concept_id]

    def get(self, concept_id: str) -> Concept | None:
        return self.concepts.get(concept_id)

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "error"]

    @cached_property
    def label_index(self) -> dict[str, list[str]]:
        """Normalised label → concept ids (for search and for resolving ``known`` labels)."""
        index: dict[str, list[str]] = {}
        for concept in self:
            for _lang, label in concept.all_labels():
                ids = index.setdefault(normalize_label(label), [])
                if concept.id not in ids:
                    ids.append(concept.id)
        return index

    @cached_property
    def reading_index(self) -> dict[str, list[str]]:
        """Hiragana reading of every Japanese label → concept ids, for search by sound."""
        index: dict[str, list[str]] = {}
        for concept in self:
            for label in concept.labels["ja"]:
                sound = reading(label)
                if sound:
                    ids = index.setdefault(sound.replace("・", ""), [])
                    if concept.id not in ids:
                        ids.append(concept.id)
        return index

    @cached_property
    def shallower(self) -> dict[str, list[str]]:
        """Reverse of ``deeper``: the concepts that build on each concept."""
        reverse: dict[str, list[str]] = {cid: [] for cid in self.concepts}
        for concept in self:
            for d in concept.deeper:
                if d in reverse:
                    reverse[d].append(concept.id)
        return reverse

    def card(self, concept_id: str) -> dict[str, Any]:
        """The term card with ``names``: the labels of the terms it links to (deeper and related),
        so a tooltip shows the buttons in the reader's language at once instead of an id first."""
        card = self.concepts[concept_id].to_card()
        linked = [cid for cid in dict.fromkeys([*card["deeper"], *card["related"]]) if cid in self.concepts]
        card["names"] = {cid: {lang: self.concepts[cid].labels[lang][0] for lang in LANGS} for cid in linked}
        return card

    def resolve(self, name: str) -> str | None:
        """A concept id from an id or any label (case- and width-insensitive)."""
        if name in self.concepts:
            return name
        ids = self.label_index.get(normalize_label(name))
        return ids[0] if ids else None

    def trace(self, concept_id: str, known: Iterable[str] = ()) -> list[str]:
        """The learning path to ``concept_id``: its ``deeper`` closure, prerequisites first.

        A known concept is left out together with what lies below it: whoever knows
        fine-tuning is assumed to know what fine-tuning builds on.  A depth-first walk with an
        explicit stack (a user lexicon may chain thousands of terms, past Python's recursion
        limit), each prerequisite placed after everything it builds on.
        """
        skip = set(known)
        if concept_id in skip or concept_id not in self.concepts:
            return []
        path: list[str] = []
        seen = {concept_id}
        stack: list[tuple[str, int]] = [(concept_id, 0)]  # (concept, index of its next deeper id)
        while stack:
            cid, index = stack.pop()
            deeper = self.concepts[cid].deeper
            while index < len(deeper):
                d = deeper[index]
                index += 1
                if d not in seen and d not in skip and d in self.concepts:
                    seen.add(d)
                    stack.append((cid, index))
                    stack.append((d, 0))
                    break
            else:
                path.append(cid)
        return path

    def trace_edges(self, path: Sequence[str]) -> list[tuple[str, str]]:
        """``deeper`` edges among the concepts of a path, as ``(term, prerequisite)`` pairs."""
        members = set(path)
        return [(cid, d) for cid in path for d in self.concepts[cid].deeper if d in members]

    def search(self, query: str, limit: int = 20) -> list[Concept]:
        """Concepts whose label matches ``query``, in both languages, best match first.

        A reader who types "lora" wants LoRA before QLoRA: an exact label (or id) comes first,
        then labels that start with the query, then labels that contain it; within a tier the
        shorter label wins, then the id, so the order is stable.  Kana also match the readings
        of Japanese labels (かがくしゅう: 過学習) and, by sound, Latin ones (ろら: LoRA).  Only when
        nothing matches so do the closest labels count: typos, also half typed ("attens").
        """
        q = normalize_label(query)
        if not q:
            return []
        best: dict[str, tuple[int, int, str]] = {}
        _rank_into(best, self.label_index, q)
        sound = to_hiragana(q).replace("・", "").replace(" ", "")
        kana = is_kana(sound)
        if kana:  # かがくしゅう finds 過学習, ふぁいんちゅーにんぐ ファインチューニング
            _rank_into(best, self.reading_index, sound)
            heard = sound_key(kana_to_romaji(sound))
            if len(heard) >= MIN_SOUND:  # ろら finds LoRA, らま Llama: labels with no kana to read
                by_sound: dict[str, tuple[int, int, str]] = {}
                _rank_into(by_sound, self._latin_sounds, heard)
                for concept_id, rank in by_sound.items():
                    if rank[0] < 2 and (concept_id not in best or rank < best[concept_id]):
                        best[concept_id] = rank
        exact_id = query.strip().lower()
        if exact_id in self.concepts:
            best[exact_id] = (0, 0, exact_id)
        if not best:  # nothing spelled so: a typo ("lroa", "attension") gets the closest labels
            _rank_close(best, self.label_index, q, limit)
            if kana:
                _rank_close(best, self.reading_index, sound, limit)
        ordered = sorted(best, key=best.__getitem__)
        return [self.concepts[i] for i in ordered[:limit]]

    @cached_property
    def _latin_sounds(self) -> dict[str, list[str]]:
        """Sound key of every Latin-script label → concept ids (for ``search`` by kana)."""
        index: dict[str, list[str]] = {}
        for label, ids in self.label_index.items():
            key = latin_sound(label)
            if key is not None:
                index.setdefault(key, []).extend(i for i in ids if i not in index.get(key, ()))
        return index


#: How alike a label must be to a query that matched nothing (rapidfuzz's ratio, 0–100) to be offered.
CLOSE_CUTOFF = 75
#: How alike a label's beginning must be to a longer query (typed half-way, with a typo).
PREFIX_CUTOFF = 80
#: Queries shorter than this are compared with labels' beginnings too ("attens" → attention).
PREFIX_MIN = 5


def _rank_close(best: dict[str, tuple[int, int, str]], index: dict[str, list[str]], q: str, limit: int) -> None:
    """The labels closest to ``q`` by edit similarity, for a query with no exact, prefix or inner
    match: the "did you mean" of /terms/lroa and of the glossary's search.  Whole labels first,
    then labels whose beginning is close to the query (what a reader typing a typo sees)."""
    joined_q = q.replace(" ", "")
    if len(joined_q) < 3:
        return  # two letters are close to hundreds of labels
    by_joined: dict[str, list[str]] = {}
    for key, ids in index.items():
        by_joined.setdefault(key.replace(" ", ""), []).extend(ids)
    keys = list(by_joined)
    found = process.extract(joined_q, keys, scorer=fuzz.ratio, score_cutoff=CLOSE_CUTOFF, limit=limit)
    tiers = [(3, found)]
    if len(joined_q) >= PREFIX_MIN:
        width = len(joined_q)
        starts = [key[:width] for key in keys]
        begun = process.extract(joined_q, starts, scorer=fuzz.ratio, score_cutoff=PREFIX_CUTOFF, limit=limit)
        tiers.append((4, [(keys[i], score, i) for _start, score, i in begun]))
    for tier, matches in tiers:
        for place, (joined, _score, _index) in enumerate(matches):
            for concept_id in by_joined[joined]:
                rank = (tier, place, concept_id)
                if concept_id not in best or rank < best[concept_id]:
                    best[concept_id] = rank


def _rank_into(best: dict[str, tuple[int, int, str]], index: dict[str, list[str]], q: str) -> None:
    """Rank every key of ``index`` that matches ``q`` (exact, then prefix, then anywhere; spaces
    ignored as well), keeping each concept's best rank in ``best``."""
    joined_q = q.replace(" ", "")
    for key, ids in index.items():
        joined = key.replace(" ", "")
        if key == q or joined == joined_q:
            tier = 0
        elif key.startswith(q) or joined.startswith(joined_q):
            tier = 1
        elif q in key or joined_q in joined:
            tier = 2
        else:
            continue
        for concept_id in ids:
            rank = (tier, len(key), concept_id)
            if concept_id not in best or rank < best[concept_id]:
                best[concept_id] = rank
