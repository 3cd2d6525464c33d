"""Stale outputs are rebuilt when the code that shapes them changes, with no list to keep by hand."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tadoru.batch.journal import OUTPUT_SOURCES, code_fingerprint

PACKAGE = Path(__file__).resolve().parents[2] / "server" / "tadoru"


@pytest.fixture(scope="module")
def copy(tmp_path_factory) -> Path:
    target = tmp_path_factory.mktemp("pkg") / "tadoru"
    shutil.copytree(PACKAGE, target, ignore=shutil.ignore_patterns("__pycache__"))
    return target


def _output_modules(package: Path) -> list[Path]:
    out: list[Path] = []
    for entry in OUTPUT_SOURCES:
        path = package / entry
        out.extend(sorted(path.rglob("*.py")) if path.is_dir() else [path])
    return out


def test_editing_any_output_shaping_module_invalidates_the_outputs(copy):
    before = code_fingerprint(copy)
    modules = _output_modules(copy)
    assert len(modules) > 25  # the walk found the packages, not an empty list
    for module in modules:
        original = module.read_bytes()
        module.write_bytes(original + b"\n# edited\n")
        try:
            assert code_fingerprint(copy) != before, f"editing {module.relative_to(copy)} left the fingerprint alone"
        finally:
            module.write_bytes(original)
    assert code_fingerprint(copy) == before


def test_a_new_module_under_a_package_counts_without_editing_any_list(copy):
    before = code_fingerprint(copy)
    added = copy / "pages" / "newly_added.py"
    added.write_text("X = 1\n")
    try:
        assert code_fingerprint(copy) != before
    finally:
        added.unlink()


def test_a_missing_output_source_is_an_error_not_a_silent_none(copy):
    target = copy / "matcher.py"
    saved = target.read_bytes()
    target.unlink()
    try:
        with pytest.raises(OSError):
            code_fingerprint(copy)
    finally:
        target.write_bytes(saved)


def test_the_service_and_the_cli_do_not_shape_batch_outputs(copy):
    before = code_fingerprint(copy)
    api = copy / "service" / "api.py"
    original = api.read_bytes()
    api.write_bytes(original + b"\n# edited\n")
    try:
        assert code_fingerprint(copy) == before
    finally:
        api.write_bytes(original)
