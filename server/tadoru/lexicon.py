"""Loading the curated lexicon: YAML files → validated, cross-checked ``Lexicon``.

Loading never raises for bad data.  Every problem (YAML syntax, schema, graph) becomes a
``Problem`` naming the file, the concept and the field, so ``tadoru lexicon check`` can print all
of them at once and the service can still start with the files that are fine.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from pathlib import Path
from typing import Any

import jsonschema
import yaml

from .normalize import normalize_label
from .paths import lexicon_dir, lexicon_schema_path

try:  # libyaml is several times faster; fall back to the pure-Python loader.
    _Loader: Any = yaml.CSafeLoader
except AttributeError:  # pragma: no cover - depends on how PyYAML was built
    _Loader = yaml.SafeLoader

LANGS = ("en", "ja")
ENV_LEXICON_PATH = "TADORU_LEXICON_PATH"


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
        """The term card of the HTTP API (SPEC §4 ``terms``)."""
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
        }


class Lexicon:
    """The merged, checked lexicon: concepts by id plus the problems found while loading."""

    def __init__(self, concepts: dict[str, Concept], problems: list[Problem], sources: list[str]) -> None:
        self.concepts = concepts
        self.problems = problems
        self.sources = sources

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
    def shallower(self) -> dict[str, list[str]]:
        """Reverse of ``deeper``: the concepts that build on each concept."""
        reverse: dict[str, list[str]] = {cid: [] for cid in self.concepts}
        for concept in self:
            for d in concept.deeper:
                if d in reverse:
                    reverse[d].append(concept.id)
        return reverse

    def resolve(self, name: str) -> str | None:
        """A concept id from an id or any label (case- and width-insensitive)."""
        if name in self.concepts:
            return name
        ids = self.label_index.get(normalize_label(name))
        return ids[0] if ids else None

    def trace(self, concept_id: str, known: Iterable[str] = ()) -> list[str]:
        """The learning path to ``concept_id``: its ``deeper`` closure, prerequisites first.

        A known concept is left out together with what lies below it: whoever knows
        fine-tuning is assumed to know what fine-tuning builds on.
        """
        skip = set(known)
        path: list[str] = []
        seen: set[str] = set()

        def visit(cid: str) -> None:
            if cid in seen or cid in skip or cid not in self.concepts:
                return
            seen.add(cid)
            for d in self.concepts[cid].deeper:
                visit(d)
            path.append(cid)

        visit(concept_id)
        return path

    def trace_edges(self, path: Sequence[str]) -> list[tuple[str, str]]:
        """``deeper`` edges among the concepts of a path, as ``(term, prerequisite)`` pairs."""
        members = set(path)
        return [(cid, d) for cid in path for d in self.concepts[cid].deeper if d in members]

    def search(self, query: str, limit: int = 20) -> list[Concept]:
        """Concepts whose label matches ``query``, in both languages, best match first.

        A reader who types "lora" wants LoRA before QLoRA: an exact label (or id) comes first,
        then labels that start with the query, then labels that contain it; within a tier the
        shorter label wins, then the id, so the order is stable.
        """
        q = normalize_label(query)
        if not q:
            return []
        joined_q = q.replace(" ", "")
        best: dict[str, tuple[int, int, str]] = {}
        for label, ids in self.label_index.items():
            joined = label.replace(" ", "")
            if label == q or joined == joined_q:
                tier = 0
            elif label.startswith(q) or joined.startswith(joined_q):
                tier = 1
            elif q in label or joined_q in joined:
                tier = 2
            else:
                continue
            for concept_id in ids:
                rank = (tier, len(label), concept_id)
                if concept_id not in best or rank < best[concept_id]:
                    best[concept_id] = rank
        exact_id = query.strip().lower()
        if exact_id in self.concepts:
            best[exact_id] = (0, 0, exact_id)
        ordered = sorted(best, key=best.__getitem__)
        return [self.concepts[i] for i in ordered[:limit]]


# --------------------------------------------------------------------------- loading


@lru_cache(maxsize=1)
def _validator() -> jsonschema.Draft202012Validator:
    schema = json.loads(lexicon_schema_path().read_text(encoding="utf-8"))
    return jsonschema.Draft202012Validator(schema)


def lexicon_files(folder: Path) -> list[Path]:
    """The YAML files of a lexicon folder, in a stable order."""
    if folder.is_file():
        return [folder]
    return sorted(p for p in folder.rglob("*") if p.suffix in (".yaml", ".yml") and p.is_file())


def env_lexicon_dirs() -> list[Path]:
    raw = os.environ.get(ENV_LEXICON_PATH, "")
    return [Path(p) for p in raw.split(os.pathsep) if p.strip()]


def load_lexicon(extra: Iterable[str | os.PathLike[str]] = (), *, shipped: bool = True, use_env: bool = True) -> Lexicon:
    """Load the shipped lexicon, then ``TADORU_LEXICON_PATH`` folders, then ``extra`` ones.

    Later layers override earlier ones concept by concept (same id), so a team can refine a
    shipped definition as well as add its own jargon.
    """
    layers: list[Path] = []
    if shipped:
        layers.append(lexicon_dir() / "concepts")
    if use_env:
        layers.extend(env_lexicon_dirs())
    layers.extend(Path(p) for p in extra)

    problems: list[Problem] = []
    concepts: dict[str, Concept] = {}
    sources: list[str] = []
    for layer in layers:
        if not layer.exists():
            problems.append(Problem(str(layer), None, None, "lexicon folder does not exist"))
            continue
        layer_ids: dict[str, str] = {}
        for path in lexicon_files(layer):
            sources.append(str(path))
            for concept in _load_file(path, problems):
                if concept.id in layer_ids:
                    problems.append(Problem(str(path), concept.id, "id", f"duplicate id (also in {layer_ids[concept.id]})", concept.line))
                    continue
                layer_ids[concept.id] = str(path)
                concepts[concept.id] = concept
    from .lexicon_checks import check_graph  # local import: checks build on this module

    problems.extend(check_graph(concepts))
    return Lexicon(concepts, problems, sources)


def _load_file(path: Path, problems: list[Problem]) -> list[Concept]:
    name = str(path)
    try:
        raw = path.read_bytes()
        text = raw.decode("utf-8")
    except OSError as exc:
        problems.append(Problem(name, None, None, f"cannot read file: {exc.strerror or exc}"))
        return []
    except UnicodeDecodeError as exc:
        problems.append(Problem(name, None, None, f"not UTF-8 text (byte {exc.start})"))
        return []
    try:
        node = yaml.compose(text, Loader=_Loader)
        doc = yaml.load(text, Loader=_Loader)
    except yaml.MarkedYAMLError as exc:
        line = exc.problem_mark.line + 1 if exc.problem_mark else None
        problems.append(Problem(name, None, None, f"invalid YAML: {exc.problem or exc}", line))
        return []
    except yaml.YAMLError as exc:
        problems.append(Problem(name, None, None, f"invalid YAML: {exc}"))
        return []
    if doc is None:
        problems.append(Problem(name, None, None, "empty file"))
        return []
    lines = _concept_lines(node)
    bad_items: set[int] = set()
    for error in _validator().iter_errors(doc):
        path_parts = list(error.absolute_path)
        if len(path_parts) >= 2 and path_parts[0] == "concepts" and isinstance(path_parts[1], int):
            idx = path_parts[1]
            bad_items.add(idx)
            item = doc["concepts"][idx]
            cid = item.get("id") if isinstance(item, dict) and isinstance(item.get("id"), str) else f"concepts[{idx}]"
            fld = ".".join(str(p) for p in path_parts[2:]) or None
            problems.append(Problem(name, cid, fld, _schema_message(error), lines.get(idx)))
        else:
            fld = ".".join(str(p) for p in path_parts) or None
            problems.append(Problem(name, None, fld, _schema_message(error)))
            if not path_parts:
                return []
    items = doc.get("concepts") if isinstance(doc, dict) else None
    if not isinstance(items, list):
        return []
    return [_concept(item, name, lines.get(i)) for i, item in enumerate(items) if i not in bad_items]


def _schema_message(error: jsonschema.ValidationError) -> str:
    if error.validator == "maxLength":
        return f"too long ({len(error.instance)} characters → at most {error.validator_value})"
    if error.validator == "minLength":
        return f"too short ({len(error.instance)} characters → at least {error.validator_value})"
    if error.validator == "additionalProperties":
        return error.message.replace("Additional properties are not allowed", "unknown field(s)")
    message = error.message
    return message if len(message) <= 200 else message[:197] + "..."


def _concept_lines(node: yaml.Node | None) -> dict[int, int]:
    """Line number (1-based) of each item of the top-level ``concepts`` list."""
    if not isinstance(node, yaml.MappingNode):
        return {}
    for key, value in node.value:
        if getattr(key, "value", None) == "concepts" and isinstance(value, yaml.SequenceNode):
            return {i: item.start_mark.line + 1 for i, item in enumerate(value.value)}
    return {}


def _concept(item: dict[str, Any], source: str, line: int | None) -> Concept:
    labels = {lang: tuple(item["labels"][lang]) for lang in LANGS}
    return Concept(
        id=item["id"],
        labels=labels,
        definition={lang: item["definition"][lang].strip() for lang in LANGS},
        level=item["level"],
        category=item["category"],
        deeper=tuple(item.get("deeper", ())),
        related=tuple(item.get("related", ())),
        ambiguous_labels=_label_subset(item.get("ambiguous", False), labels),
        case_sensitive_labels=_label_subset(item.get("case_sensitive", False), labels),
        shared_labels=frozenset(item.get("shared_labels", ())),
        links=item.get("links", {}) or {},
        source=source,
        line=line,
    )


def _label_subset(flag: bool | list[str], labels: dict[str, tuple[str, ...]]) -> frozenset[str]:
    """``true`` → every label; a list → those labels; ``false`` → none."""
    if flag is True:
        return frozenset(label for lang in LANGS for label in labels[lang])
    if isinstance(flag, list):
        return frozenset(flag)
    return frozenset()
