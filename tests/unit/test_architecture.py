"""The folder tree is the architecture: imports run downward, never in a circle.

Every import inside ``tadoru`` counts, local (lazy) ones too, except those under
``if TYPE_CHECKING:`` (they never run). docs/ARCHITECTURE.md draws the same floors.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "server" / "tadoru"

#: Floors, lowest first. A module may import its own floor (inside its own package) or lower.
FLOORS = [
    ("version", "paths", "files", "gcpause", "options", "config", "text"),
    ("lexicon",),
    ("fastcore",),  # the compiled text path's tables and loader; the matcher builds it
    ("matcher",),
    ("annotate", "compiled_cache"),
    ("discover",),  # the annotator's second look: candidates the lexicon lacks; PDFs and pages use it
    ("pages", "review", "client", "pdf"),
    ("service", "batch"),
    ("cli",),
    ("__main__",),
]
ROOT = "tadoru"  # the package itself re-exports the library's front door (annotate, lexicon, options)


def module_name(path: Path) -> str:
    rel = path.relative_to(PACKAGE).with_suffix("")
    parts = [p for p in rel.parts if p != "__init__"]
    return ".".join(["tadoru", *parts])


def room(module: str) -> str:
    """``tadoru.pages.mark`` → ``pages``; ``tadoru`` → the root."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else ROOT


def floor(module: str) -> int:
    r = room(module)
    if r == ROOT:
        return 3  # the root imports annotate
    for level, rooms in enumerate(FLOORS):
        if r in rooms:
            return level
    raise AssertionError(f"{module}: not on any floor of this test; add its room to FLOORS")


def _type_checking_lines(tree: ast.AST) -> set[int]:
    lines: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            for child in node.body:
                lines.update(range(child.lineno, (child.end_lineno or child.lineno) + 1))
    return lines


def imports_of(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    skip = _type_checking_lines(tree)
    found: set[str] = set()
    for node in ast.walk(tree):
        if getattr(node, "lineno", None) in skip:
            continue
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0 and node.module.split(".")[0] == "tadoru":
            for alias in node.names:  # ``from tadoru.service import api`` imports a module
                candidate = f"{node.module}.{alias.name}"
                found.add(candidate if candidate in MODULES else node.module)
        elif isinstance(node, ast.ImportFrom) and node.level:
            raise AssertionError(f"{path}: relative import; the package uses absolute imports")
        elif isinstance(node, ast.Import):
            found.update(a.name for a in node.names if a.name.split(".")[0] == "tadoru")
    found.discard(module_name(path))
    return found


MODULES = {module_name(p): p for p in PACKAGE.rglob("*.py")}
GRAPH = {name: imports_of(path) for name, path in MODULES.items()}


def test_every_import_names_a_module_that_exists():
    for name, targets in GRAPH.items():
        for target in targets:
            assert target in MODULES, f"{name} imports {target}, which does not exist"


def test_no_import_circles():
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(GRAPH.get(node, ())):
            if nxt == ROOT or nxt == "tadoru":
                continue  # the root only re-exports; importing a submodule runs it first, by design
            if state.get(nxt) == 1:
                cycle = stack[stack.index(nxt):] + [nxt]
                raise AssertionError("import circle: " + " → ".join(cycle))
            if nxt not in state:
                visit(nxt)
        stack.pop()
        state[node] = 2

    for name in sorted(GRAPH):
        if name not in state:
            visit(name)


@pytest.mark.parametrize("name", sorted(MODULES))
def test_imports_run_downward(name):
    if name == "tadoru":
        return
    for target in GRAPH[name]:
        if target == "tadoru":
            assert floor(name) >= 3, f"{name} imports the package root, which sits on the annotate floor"
            continue
        if room(target) == room(name):
            continue
        assert floor(target) < floor(name), (
            f"{name} (floor {floor(name)}, {room(name)}) imports {target} (floor {floor(target)}, {room(target)}): "
            "imports run from surfaces down to the engine, never up or sideways")


def test_the_engine_knows_no_web_or_command_line():
    for name, path in MODULES.items():
        if floor(name) <= 3:
            source = path.read_text(encoding="utf-8")
            for framework in ("flask", "click", "werkzeug", "gunicorn", "requests"):
                assert f"import {framework}" not in source and f"from {framework}" not in source, (name, framework)
