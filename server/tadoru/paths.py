"""Where the shipped data lives, in a source checkout and in an installed wheel.

The wheel carries the lexicon and the shared tooltip assets under ``tadoru/_data`` (see
``pyproject.toml``); an editable install or a plain checkout reads them from the repository
instead, so there is exactly one copy of each file in the source tree.
"""

from __future__ import annotations

from pathlib import Path

_PACKAGE_DIR = Path(__file__).resolve().parent
_INSTALLED_DATA = _PACKAGE_DIR / "_data"
_REPO_ROOT = _PACKAGE_DIR.parent.parent


def _first_existing(*candidates: Path) -> Path:
    for candidate in candidates:
        if candidate.exists():
            return candidate
    return candidates[-1]


def lexicon_dir() -> Path:
    """The shipped lexicon folder (holds ``schema.json`` and ``concepts/*.yaml``)."""
    return _first_existing(_INSTALLED_DATA / "lexicon", _REPO_ROOT / "lexicon")


def lexicon_schema_path() -> Path:
    return lexicon_dir() / "schema.json"


def tooltip_asset(name: str) -> Path:
    """``tooltip.js`` or ``tooltip.css``: one file shared by the extension and the service."""
    return _first_existing(_INSTALLED_DATA / "tooltip" / name, _REPO_ROOT / "extension" / "shared" / name)
