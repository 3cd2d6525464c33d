"""Set-up stays reproducible: the lock covers and satisfies pyproject.toml, CI uses a fresh
environment, and the upgrade checker's pieces read locks and bounds correctly."""

from __future__ import annotations

import importlib.util
import sys
import tomllib
from pathlib import Path

from packaging.requirements import Requirement

REPO = Path(__file__).resolve().parents[2]
PYPROJECT = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))


def _load_script():
    spec = importlib.util.spec_from_file_location("check_upgrades", REPO / "scripts" / "check_upgrades.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


check_upgrades = _load_script()


def _lock(name: str) -> dict[str, str]:
    return check_upgrades.read_pins((REPO / "requirements" / name).read_text(encoding="utf-8"))


def _requirements(*extras: str) -> list[Requirement]:
    """The runtime requirements and those of ``extras``, with ``tadoru[x]`` (an extra naming
    another extra of ours) expanded."""
    found = [Requirement(r) for r in PYPROJECT["project"]["dependencies"]]
    todo, seen = list(extras), set()
    while todo:
        extra = todo.pop()
        if extra in seen:
            continue
        seen.add(extra)
        for text in PYPROJECT["project"]["optional-dependencies"][extra]:
            req = Requirement(text)
            if req.name == "tadoru":
                todo.extend(req.extras)
            else:
                found.append(req)
    return found


def test_test_lock_pins_every_requirement_within_its_range():
    pins = _lock("test.lock")
    for req in _requirements("test"):
        name = check_upgrades.canonical(req.name)
        assert name in pins, f"{req.name} is not in requirements/test.lock: run scripts/lock"
        assert req.specifier.contains(pins[name], prereleases=True), f"lock pins {name}=={pins[name]} outside {req}"


def test_service_lock_pins_the_runtime_dependencies_only():
    pins = _lock("service.lock")
    for req_text in PYPROJECT["project"]["dependencies"]:
        assert check_upgrades.canonical(Requirement(req_text).name) in pins
    assert "pytest" not in pins and "playwright" not in pins


def test_pytest_is_held_below_9_with_a_reason():
    text = (REPO / "pyproject.toml").read_text(encoding="utf-8")
    assert '"pytest>=8.0,<9"' in text
    reason = text.split('"pytest>=8.0,<9"')[0].rsplit("\n", 3)
    assert any("schemathesis" in line for line in reason)


def test_ci_makes_a_fresh_environment_with_an_empty_cache_for_two_pythons():
    ci = (REPO / ".ci" / "run").read_text(encoding="utf-8")
    assert "-m venv --clear" in ci and "PIP_CACHE_DIR" in ci
    assert "find_python 3.11" in ci and "find_python 3.13" in ci
    assert "python -m mypy" in ci


def test_read_pins_understands_locks_with_markers_and_freeze_output():
    text = """# header
numpy==2.4.6 ; python_full_version < '3.12'
numpy==2.5.5 ; python_full_version >= '3.12'
    # via spacy
PyYAML==6.0.2
tadoru @ file:///x
"""
    assert check_upgrades.read_pins(text) == {"numpy": "2.4.6", "pyyaml": "6.0.2"}


def test_upgrades_lists_changed_and_new_packages_but_not_tadoru():
    locked = {"pytest": "8.4.2", "click": "8.1.0"}
    newest = {"pytest": "9.2.0", "click": "8.1.0", "newdep": "1.0", "tadoru": "0.1.0"}
    assert check_upgrades.upgrades(locked, newest) == {"newdep": (None, "1.0"), "pytest": ("8.4.2", "9.2.0")}


def test_lift_bounds_drops_upper_bounds_only():
    lifted = check_upgrades.lifted_requirements(
        {"project": {"optional-dependencies": {"test": ["pytest>=8.0,<9", "schemathesis>=4.0,<5", "rdflib>=7.0",
                                                        "playwright==1.65.2"]}}})
    assert lifted == ["pytest>=8.0", "schemathesis>=4.0", "rdflib>=7.0", "playwright==1.65.2"]
