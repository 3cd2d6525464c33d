"""Loading the curated lexicon: YAML files → validated, cross-checked ``Lexicon``.

Loading never raises for bad data.  Every problem (YAML syntax, schema, graph) becomes a
``Problem`` naming the file, the concept and the field, so ``tadoru lexicon check`` can print all
of them at once and the service can still start with the files that are fine.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path
from typing import Any

import jsonschema
import yaml

from tadoru.lexicon.checks import check_graph
from tadoru.lexicon.model import LANGS, Concept, Lexicon, Problem
from tadoru.paths import lexicon_dir, lexicon_schema_path

try:  # libyaml is several times faster; fall back to the pure-Python loader.
    _Loader: Any = yaml.CSafeLoader
except AttributeError:  # pragma: no cover - depends on how PyYAML was built
    _Loader = yaml.SafeLoader

ENV_LEXICON_PATH = "TADORU_LEXICON_PATH"


# --------------------------------------------------------------------------- loading


@lru_cache(maxsize=1)
def _validator() -> jsonschema.Draft202012Validator:
    schema = json.loads(lexicon_schema_path().read_text(encoding="utf-8"))
    return jsonschema.Draft202012Validator(schema)


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
    size = len(error.instance) if isinstance(error.instance, str) else None
    if error.validator == "maxLength" and size is not None:
        return f"too long ({size} characters → at most {error.validator_value})"
    if error.validator == "minLength" and size is not None:
        return f"too short ({size} characters → at least {error.validator_value})"
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
