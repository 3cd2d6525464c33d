"""A plain ``pip install`` of the built wheel, in a new virtual environment, works on its own:
the lexicon and the shared tooltip ship inside the package (issue 2 §1); the wheel carries the
compiled matching core, and a machine without a C compiler still builds a working wheel that
runs on the pure-Python matcher and says so (issue 20 #2)."""

import json
import os
import subprocess
import sys
import tomllib
import zipfile
from email.parser import Parser
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

REPO = Path(__file__).resolve().parents[2]
REQUIRED = os.environ.get("TADORU_REQUIRE_COMPILED", "") not in ("", "0")
SEED = "We fine-tuned BERT with LoRA adapters on two GPUs."


def _normalized(requirements: list[str]) -> list[str]:
    """Requirements in one spelling (``flask<4,>=3.0`` and ``flask>=3.0,<4`` are the same)."""
    parsed = (Requirement(r) for r in requirements)
    return sorted(f"{canonicalize_name(r.name)}{r.specifier};{r.marker or ''}" for r in parsed)


def _declared_dependencies() -> list[str]:
    return tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]["dependencies"]


def _wheel_requirements(wheel: Path) -> list[str]:
    """The wheel's own ``Requires-Dist`` lines (its extras' requirements left out)."""
    with zipfile.ZipFile(wheel) as zf:
        name = next(n for n in zf.namelist() if n.endswith(".dist-info/METADATA"))
        metadata = Parser().parsestr(zf.read(name).decode("utf-8"))
    return [r for r in metadata.get_all("Requires-Dist") or [] if "extra ==" not in r]


@pytest.mark.slow
def test_wheel_installs_in_a_fresh_venv(tmp_path):
    # The wheel build and the new environment's set-up run side by side (two processes, two
    # cores): a fresh venv, with pip, gets the dependencies pyproject.toml declares while the
    # wheel is built; the wheel must then declare exactly those (checked below), so pip's install
    # of the wheel resolves the wheel's own metadata against them. --no-compile: byte-compiling
    # spaCy & co. up front took a quarter of the install; Python compiles what it imports.
    dist = tmp_path / "dist"
    env_dir = tmp_path / "venv"
    bin_dir = env_dir / "bin"
    build_log = tmp_path / "build.log"
    with open(build_log, "wb") as log:
        build = subprocess.Popen([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(dist), str(REPO)],
                                 stdout=log, stderr=subprocess.STDOUT)
    try:
        subprocess.run([sys.executable, "-m", "venv", str(env_dir)], check=True, timeout=300)
        subprocess.run([str(bin_dir / "pip"), "install", "-q", "--no-compile", *_declared_dependencies()],
                       check=True, timeout=900)
        assert build.wait(timeout=600) == 0, build_log.read_text(errors="replace")
    finally:
        if build.poll() is None:
            build.kill()
            build.wait()
    wheel = next(dist.glob("tadoru-*.whl"))
    assert _normalized(_wheel_requirements(wheel)) == _normalized(_declared_dependencies())
    core = [n for n in zipfile.ZipFile(wheel).namelist() if n.startswith("tadoru/fastcore/_scan.")]
    if REQUIRED:  # CI: the compiled core is in the wheel, and the wheel is tagged for this platform
        assert any(n.endswith((".so", ".pyd")) for n in core), core
        assert "-none-any" not in wheel.name
    subprocess.run([str(bin_dir / "pip"), "install", "-q", "--no-compile", str(wheel)], check=True, timeout=900)

    outside = tmp_path / "elsewhere"  # nowhere near the source tree
    outside.mkdir()
    stats = subprocess.run([str(bin_dir / "tadoru"), "lexicon", "stats", "--json"], cwd=outside,
                           capture_output=True, text=True, check=True, timeout=300)
    doc = json.loads(stats.stdout)
    assert doc["concepts"] >= 500 and doc["problems"]["errors"] == 0

    ann = subprocess.run([str(bin_dir / "tadoru"), "annotate", "--json", "-"], input=SEED, cwd=outside,
                         capture_output=True, text=True, check=True, timeout=300)
    assert [a["term"] for a in json.loads(ann.stdout)["annotations"]] == ["fine-tuning", "bert", "lora", "gpu"]

    probe = ("from tadoru.paths import lexicon_dir, tooltip_asset; import tadoru; "
             "print(lexicon_dir()); print(tooltip_asset('tooltip.js').stat().st_size); print(tadoru.__file__)")
    out = subprocess.run([str(bin_dir / "python"), "-c", probe], cwd=outside, capture_output=True, text=True,
                         check=True, timeout=120).stdout.splitlines()
    assert str(env_dir) in out[0] and str(env_dir) in out[2]
    assert int(out[1]) > 0


@pytest.mark.slow
def test_without_a_compiler_the_wheel_is_pure_python_and_works(tmp_path):
    """CC=/bin/false: the build warns and goes on; the package annotates the same, and says the fast path is off."""
    dist = tmp_path / "dist"
    env = {k: v for k, v in os.environ.items() if k != "TADORU_REQUIRE_COMPILED"}
    env["CC"] = "/bin/false"
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(dist), str(REPO)],
                   check=True, timeout=600, env=env)
    wheel = next(dist.glob("tadoru-*.whl"))
    assert wheel.name.endswith("-py3-none-any.whl")
    unpacked = tmp_path / "site"
    zipfile.ZipFile(wheel).extractall(unpacked)
    assert not list(unpacked.glob("tadoru/fastcore/_scan.*.so"))

    # This interpreter has every dependency; the unpacked wheel comes first on the path.
    run_env = dict(env, PYTHONPATH=str(unpacked))
    run_env.pop("CC")
    probe = ("import json, sys, tadoru\nfrom tadoru import fastcore\n"
             "print(json.dumps({'file': tadoru.__file__, 'status': fastcore.status()}))\n"
             "a = tadoru.Annotator()\nprint(json.dumps([x.term for x in a.annotate_text(sys.stdin.read())]))")
    out = subprocess.run([sys.executable, "-c", probe], input=SEED, cwd=tmp_path, capture_output=True, text=True,
                         check=True, timeout=300, env=run_env)
    where, terms = (json.loads(line) for line in out.stdout.splitlines())
    assert where["file"].startswith(str(unpacked))
    assert where["status"].startswith("pure-Python matcher (the compiled core was not built")
    assert terms == ["fine-tuning", "bert", "lora", "gpu"]
    assert "compiled matching core is not installed" in out.stderr
