"""Loading the curated lexicon: YAML files → validated, cross-checked ``Lexicon``.

Loading never raises for bad data.  Every problem (YAML syntax, schema, graph) becomes a
``Problem`` naming the file, the concept and the field, so ``tadoru lexicon check`` can print all
of them at once and the service can still start with the files that are fine.

A user lexicon is untrusted input (issue 18: a 361-byte "billion laughs" file took 54 s and
5.8 GB before it was refused), so a file is measured before it is built: at most
``MAX_FILE_BYTES`` bytes, at most ``MAX_NODES`` YAML nodes once aliases are expanded, nested at
most ``MAX_DEPTH`` levels, no alias inside its own anchor.  The shipped lexicon uses no alias at
all and its largest file has under 5,000 nodes, 6 levels deep.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Iterator
from functools import lru_cache
from pathlib import Path
from typing import Any

import jsonschema
import yaml

from tadoru.lexicon.checks import check_graph, check_proposed
from tadoru.lexicon.model import LANGS, Concept, Lexicon, Problem
from tadoru.paths import lexicon_dir, lexicon_schema_path

try:  # libyaml is several times faster; fall back to the pure-Python loader.
    _Loader: Any = yaml.CSafeLoader
except AttributeError:  # pragma: no cover - depends on how PyYAML was built
    _Loader = yaml.SafeLoader

ENV_LEXICON_PATH = "TADORU_LEXICON_PATH"

MAX_FILE_BYTES = 8 * 1024 * 1024
"""A lexicon file larger than this is refused unread (the shipped files are under 90 kB)."""
MAX_NODES = 250_000
"""YAML nodes a file may expand to, aliases counted at their full size (≈ 15,000 concepts)."""
MAX_DEPTH = 32
"""Nesting levels a file may have (a lexicon file needs 6); deeper ones would exhaust recursion."""
MAX_MESSAGE = 200
"""Characters of a problem message: a validator message can quote the whole offending value."""


# --------------------------------------------------------------------------- loading


def _unique_key(value: Any) -> Any:
    """A hashable stand-in for a JSON value, equal exactly when jsonschema's ``equal`` says so
    (``True`` is not ``1``, ``1`` is ``1.0``).  Depth is bounded by ``MAX_DEPTH``."""
    if value is True or value is False:
        return ("bool", value)
    if isinstance(value, str):
        return ("str", value)
    if isinstance(value, list | tuple):
        return ("seq", tuple(_unique_key(v) for v in value))
    if isinstance(value, dict):
        return ("map", frozenset((_unique_key(k), _unique_key(v)) for k, v in value.items()))
    if isinstance(value, set):
        return ("set", frozenset(value))
    return ("value", value)


def _unique_items(validator: Any, unique: bool, instance: Any, schema: dict[str, Any]) -> Iterator[jsonschema.ValidationError]:
    """``uniqueItems`` in linear time: jsonschema compares every pair when the items do not sort
    (one number among strings), so an 8,000-item ``deeper`` list took 1.6 s and 200,000 items hours."""
    if not unique or not validator.is_type(instance, "array"):
        return
    seen: set[Any] = set()
    for item in instance:
        key = _unique_key(item)
        if key in seen:
            yield jsonschema.ValidationError(_clip(f"has non-unique elements ({item!r} repeats)"))
            return
        seen.add(key)


_LexiconValidator = jsonschema.validators.extend(jsonschema.Draft202012Validator, {"uniqueItems": _unique_items})


@lru_cache(maxsize=1)
def _validator() -> Any:
    schema = json.loads(lexicon_schema_path().read_text(encoding="utf-8"))
    return _LexiconValidator(schema)


def categories() -> tuple[str, ...]:
    """The categories a concept may have, in the schema's order (the glossary's filter lists them)."""
    schema = json.loads(lexicon_schema_path().read_text(encoding="utf-8"))
    return tuple(schema["$defs"]["concept"]["properties"]["category"]["enum"])


def lexicon_files(folder: Path) -> list[Path]:
    """The YAML files of a lexicon folder, in a stable order."""
    if folder.is_file():
        return [folder]
    return sorted(p for p in folder.rglob("*") if p.suffix in (".yaml", ".yml") and p.is_file())


def env_lexicon_dirs() -> list[Path]:
    raw = os.environ.get(ENV_LEXICON_PATH, "")
    return [Path(p) for p in raw.split(os.pathsep) if p.strip()]


def lexicon_fingerprint(extra: Iterable[str | os.PathLike[str]] = ()) -> str:
    """Every file ``load_lexicon(extra)`` would read, by content: a key that needs no loading.

    Batch outputs (``tadoru.batch.journal``) and the compiled-lexicon cache are keyed by it, so a
    changed, added or removed YAML file makes both stale without a second of validation.
    """
    import hashlib

    layers = [lexicon_dir() / "concepts", *env_lexicon_dirs(), *(Path(p) for p in extra)]
    files: list[tuple[str, str | None]] = []
    schema = lexicon_schema_path()
    files.append(("schema", hashlib.sha256(schema.read_bytes()).hexdigest() if schema.exists() else None))
    for layer in layers:
        if not layer.exists():
            files.append((str(layer), None))
            continue
        for path in lexicon_files(layer):
            try:
                files.append((str(path), hashlib.sha256(path.read_bytes()).hexdigest()))
            except OSError:
                files.append((str(path), None))
    return hashlib.sha256(json.dumps(files, ensure_ascii=False).encode("utf-8")).hexdigest()


def load_lexicon(extra: Iterable[str | os.PathLike[str]] = (), *, shipped: bool = True, use_env: bool = True) -> Lexicon:
    """Load the shipped lexicon, then ``TADORU_LEXICON_PATH`` folders, then ``extra`` ones.

    Later layers override earlier ones concept by concept (same id), so a team can refine a
    shipped definition as well as add its own jargon.  A concept marked ``status: proposed`` is
    validated like the others but lands in ``Lexicon.proposed``, never in what is served, and
    never overrides a served concept.
    """
    layers: list[Path] = []
    if shipped:
        layers.append(lexicon_dir() / "concepts")
    if use_env:
        layers.extend(env_lexicon_dirs())
    layers.extend(Path(p) for p in extra)

    problems: list[Problem] = []
    concepts: dict[str, Concept] = {}
    proposed: dict[str, Concept] = {}
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
                if concept.proposed:
                    proposed[concept.id] = concept
                else:
                    concepts[concept.id] = concept
                    proposed.pop(concept.id, None)  # a reviewed entry replaces its draft

    problems.extend(check_graph(concepts))
    if proposed:
        problems.extend(check_proposed(concepts, proposed))
    return Lexicon(concepts, problems, sources, proposed)


def _load_file(path: Path, problems: list[Problem]) -> list[Concept]:
    """The concepts of one file; whatever is wrong with it becomes a ``Problem`` naming it.

    Bad data must never cost the other files: an error nothing below expected (a YAML value
    Python cannot hold, say) still skips only this file, named, rather than emptying the lexicon.
    """
    try:
        return _load_file_checked(path, problems)
    except Exception as exc:  # noqa: BLE001 - the promise is "the bad file is skipped and named"
        problems.append(Problem(str(path), None, None, _clip(f"cannot load this file ({type(exc).__name__}: {exc}) — skipped")))
        return []


def _read_text(path: Path, problems: list[Problem]) -> str | None:
    """The file as text, or ``None`` with a problem: unreadable, not UTF-8, or past ``MAX_FILE_BYTES``."""
    name = str(path)
    try:
        with path.open("rb") as f:
            raw = f.read(MAX_FILE_BYTES + 1)
    except OSError as exc:
        problems.append(Problem(name, None, None, f"cannot read file: {exc.strerror or exc}"))
        return None
    if len(raw) > MAX_FILE_BYTES:
        problems.append(Problem(name, None, None, f"file larger than {MAX_FILE_BYTES // (1024 * 1024)} MB — refused; split it"))
        return None
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        problems.append(Problem(name, None, None, f"not UTF-8 text (byte {exc.start})"))
        return None


def yaml_bounds_problem(text: str) -> str | None:
    """Why ``text`` must not be built into objects, or ``None`` when it is within bounds.

    Streams the parser's events (libyaml's, kept one at a time) and counts every node as the
    constructor would see it, an alias at the full size of its anchor, so a "billion laughs"
    file is refused after a few hundred events instead of being expanded into gigabytes; the
    same walk bounds nesting (jsonschema and ``repr`` recurse) and refuses an alias inside its
    own anchor (a structure that contains itself).  Cost: one extra parse, about 10 % of a load.
    """
    written = expanded = 0
    frames: list[list[Any]] = []  # per open collection: [anchor, expanded count at its start, height below]
    sizes: dict[str, tuple[int, int]] = {}  # anchor → (expanded nodes, height)
    for event in yaml.parse(text, Loader=_Loader):
        if isinstance(event, yaml.AliasEvent):
            if event.anchor not in sizes:
                if any(frame[0] == event.anchor for frame in frames):
                    return "a YAML alias inside its own anchor (a structure containing itself) — refused"
                continue  # an undefined alias: composing reports it
            size, height = sizes[event.anchor]
            expanded += size
        elif isinstance(event, yaml.ScalarEvent):
            written += 1
            expanded += 1
            height = 1
            if event.anchor:
                sizes[event.anchor] = (1, 1)
        elif isinstance(event, yaml.CollectionStartEvent):
            written += 1
            expanded += 1
            frames.append([event.anchor, expanded - 1, 0])
            if len(frames) > MAX_DEPTH:
                return f"YAML nested deeper than {MAX_DEPTH} levels — refused"
            continue
        elif isinstance(event, yaml.CollectionEndEvent):
            anchor, start, below = frames.pop()
            height = below + 1
            if anchor:
                sizes[anchor] = (expanded - start, height)
        else:
            continue
        if expanded > MAX_NODES:
            if written <= MAX_NODES:
                return f"YAML aliases expand past {MAX_NODES:,} nodes — refused (anchors repeating anchors, a 'billion laughs')"
            return f"more than {MAX_NODES:,} YAML nodes — refused; split the file"
        if frames:
            frames[-1][2] = max(frames[-1][2], height)
            if len(frames) + height > MAX_DEPTH:
                return f"YAML nested deeper than {MAX_DEPTH} levels — refused"
    return None


def _parse(text: str) -> tuple[yaml.Node | None, Any]:
    """The composed node tree (for line numbers) and the document, from one parse."""
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
        return node, (loader.construct_document(node) if node is not None else None)
    finally:
        loader.dispose()


def _load_file_checked(path: Path, problems: list[Problem]) -> list[Concept]:
    name = str(path)
    text = _read_text(path, problems)
    if text is None:
        return []
    try:
        refused = yaml_bounds_problem(text)
        if refused:
            problems.append(Problem(name, None, None, refused))
            return []
        node, doc = _parse(text)
    except yaml.MarkedYAMLError as exc:
        line = exc.problem_mark.line + 1 if exc.problem_mark else None
        problems.append(Problem(name, None, None, _clip(f"invalid YAML: {exc.problem or exc}"), line))
        return []
    except yaml.YAMLError as exc:
        problems.append(Problem(name, None, None, _clip(f"invalid YAML: {exc}")))
        return []
    except (ValueError, OverflowError) as exc:  # a date like 2024-13-45, an int past 4,300 digits
        problems.append(Problem(name, None, None, _clip(f"invalid YAML value: {exc}")))
        return []
    if doc is None:
        problems.append(Problem(name, None, None, "empty file"))
        return []
    return _valid_concepts(doc, node, name, problems)


def _valid_concepts(doc: Any, node: yaml.Node | None, name: str, problems: list[Problem]) -> list[Concept]:
    """The concepts of a parsed file that pass the schema; a problem for each that does not."""
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
    """The validator's complaint in the lexicon's words, never longer than ``MAX_MESSAGE``."""
    size = len(error.instance) if isinstance(error.instance, str) else None
    if error.validator == "maxLength" and size is not None:
        return f"too long ({size} characters → at most {error.validator_value})"
    if error.validator == "minLength" and size is not None:
        return f"too short ({size} characters → at least {error.validator_value})"
    if error.validator == "additionalProperties":
        return _clip(error.message.replace("Additional properties are not allowed", "unknown field(s)"))
    return _clip(error.message)


def _clip(message: str, limit: int = MAX_MESSAGE) -> str:
    """``message`` cut to ``limit`` characters: it may quote a value of any size."""
    return message if len(message) <= limit else message[: limit - 3] + "..."


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
        proposed=item.get("status") == "proposed",
    )


def _label_subset(flag: bool | list[str], labels: dict[str, tuple[str, ...]]) -> frozenset[str]:
    """``true`` → every label; a list → those labels; ``false`` → none."""
    if flag is True:
        return frozenset(label for lang in LANGS for label in labels[lang])
    if isinstance(flag, list):
        return frozenset(flag)
    return frozenset()
