#!/usr/bin/env python3
"""See the next dependency break coming, before a new contributor hits it.

The README's test command installs through ``requirements/test.lock``, so a new release on the
package index cannot break it. This script asks the opposite question: *if* we took the newest
versions that ``pyproject.toml`` allows today, would the suite still pass, and if not, which
package's upgrade is to blame?

1. Make a throwaway virtual environment, install ``.[test]`` with the newest allowed versions
   (``--lift-bounds`` also drops the upper bounds we put on known-bad majors, to see whether one
   can be lifted), and run the suite (``--pytest-args`` narrows it).
2. Compare the installed versions with the lock: those are the candidate upgrades.
3. If tests failed: for each candidate, make a fresh environment from the lock, upgrade only that
   package, and rerun only the failed tests. Print which upgrade breaks which tests.

Run it by hand or on a schedule (see the README's Development section); it needs the network to
the package index and takes a few minutes per candidate on failure. Exit status: 0 all passed,
1 a break was found, 2 the tool itself could not run.
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
import tempfile
import tomllib
import venv
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
LOCK = REPO / "requirements" / "test.lock"
_PIN = re.compile(r"^([A-Za-z0-9_.\-]+)==([^\s;]+)\s*(?:;\s*(.+))?$")
_UPPER = re.compile(r",?\s*<[^,;\]]+")


def canonical(name: str) -> str:
    """PEP 503 name, so ``PyYAML`` in a lock and ``pyyaml`` in ``pip freeze`` are one package."""
    return re.sub(r"[-_.]+", "-", name).lower()


def read_pins(text: str) -> dict[str, str]:
    """``name -> version`` from a lock or ``pip freeze``; with markers, the first pin wins
    (the environments here run the Python the lock was first resolved for)."""
    pins: dict[str, str] = {}
    for raw in text.splitlines():
        line = raw.split("#", 1)[0].strip()
        match = _PIN.match(line)
        if match:
            pins.setdefault(canonical(match.group(1)), match.group(2))
    return pins


def upgrades(locked: dict[str, str], newest: dict[str, str]) -> dict[str, tuple[str | None, str]]:
    """Packages whose newest allowed version differs from the lock (``None``: new dependency)."""
    return {name: (locked.get(name), version) for name, version in sorted(newest.items())
            if locked.get(name) != version and name != "tadoru"}


def lifted_requirements(pyproject: dict) -> list[str]:
    """The test extra with every upper bound removed (``pytest>=8.0,<9`` → ``pytest>=8.0``)."""
    extra = pyproject["project"]["optional-dependencies"]["test"]
    return [_UPPER.sub("", req).rstrip(",") for req in extra]


@dataclass
class Env:
    path: Path

    @property
    def python(self) -> str:
        return str(self.path / "bin" / "python")

    def pip(self, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([self.python, "-m", "pip", "install", "--quiet", "--disable-pip-version-check", *args],
                              cwd=REPO, capture_output=True, text=True, check=False)

    def freeze(self) -> dict[str, str]:
        out = subprocess.run([self.python, "-m", "pip", "freeze", "--exclude-editable"], capture_output=True,
                             text=True, check=True).stdout
        return read_pins(out)

    def pytest(self, args: list[str], report: Path) -> tuple[int, list[str]]:
        """Run pytest; the failed test ids come from a JUnit report, not from scraping output."""
        proc = subprocess.run([self.python, "-m", "pytest", "-q", "-p", "no:cacheprovider", f"--junitxml={report}", *args],
                              cwd=REPO, check=False)
        return proc.returncode, failed_tests(report)


def failed_tests(report: Path) -> list[str]:
    import xml.etree.ElementTree as ET  # noqa: N817 - the usual short name

    if not report.exists():
        return []
    failed = []
    for case in ET.parse(report).iter("testcase"):
        if case.find("failure") is not None or case.find("error") is not None:
            path = case.get("file") or case.get("classname", "").replace(".", "/") + ".py"
            failed.append(f"{path}::{case.get('name')}")
    return failed


def make_env(root: Path, name: str) -> Env:
    env = Env(root / name)
    venv.EnvBuilder(with_pip=True, clear=True).create(env.path)
    return env


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--lift-bounds", action="store_true", help="Also drop upper bounds of the test extra.")
    parser.add_argument("--pytest-args", default="", help="Arguments for pytest (default: the whole suite).")
    args = parser.parse_args(argv)
    pytest_args = args.pytest_args.split()

    locked = read_pins(LOCK.read_text(encoding="utf-8"))
    with tempfile.TemporaryDirectory(prefix="tadoru-upgrades-") as tmp:
        root = Path(tmp)
        newest = make_env(root, "newest")
        reqs = lifted_requirements(tomllib.loads((REPO / "pyproject.toml").read_text())) if args.lift_bounds else []
        install = newest.pip("--upgrade", "--upgrade-strategy", "eager", "-e", ".[test]", *reqs)
        if install.returncode:
            print(f"could not install the newest allowed versions:\n{install.stderr[-3000:]}")
            return 1
        candidates = upgrades(locked, newest.freeze())
        print(f"{len(candidates)} packages newer than the lock:")
        for name, (old, new) in candidates.items():
            print(f"  {name:30} {old or '(new)':>12} -> {new}")
        code, failed = newest.pytest(pytest_args, root / "newest.xml")
        if code == 0:
            print("the suite passes with the newest allowed versions: the lock can be regenerated (scripts/lock)")
            return 0
        if not failed:
            print(f"pytest exited {code} without a failed test to blame (collection or set-up error, see above)")
            return 1
        print(f"{len(failed)} tests fail with the newest versions; finding the upgrade behind them")
        blame: dict[str, list[str]] = {}
        for name, (_old, new) in candidates.items():
            env = make_env(root, f"one-{name}")
            if env.pip("-c", str(LOCK), "-e", ".[test]").returncode:
                print("could not install the lock itself")
                return 2
            if env.pip(f"{name}=={new}").returncode:
                print(f"  {name} {new}: does not install beside the lock, skipped")
                continue
            _code, still = env.pytest(failed, root / f"one-{name}.xml")
            if still:
                blame[name] = still
                print(f"  {name} {new} breaks {len(still)}: {', '.join(still[:5])}{' …' if len(still) > 5 else ''}")
        if not blame:
            print("no single upgrade reproduces the failures: they need two upgrades together")
        return 1


if __name__ == "__main__":
    sys.exit(main())
