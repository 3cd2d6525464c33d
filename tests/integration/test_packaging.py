"""A plain ``pip install`` of the built wheel, in a new virtual environment, works on its own:
the lexicon and the shared tooltip ship inside the package (issue 2 §1)."""

import json
import subprocess
import sys
import venv
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


@pytest.mark.slow
def test_wheel_installs_in_a_fresh_venv(tmp_path):
    dist = tmp_path / "dist"
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(dist), str(REPO)],
                   check=True, timeout=600)
    wheel = next(dist.glob("tadoru-*.whl"))
    env_dir = tmp_path / "venv"
    venv.create(env_dir, with_pip=True)
    bin_dir = env_dir / "bin"
    subprocess.run([str(bin_dir / "pip"), "install", "-q", str(wheel)], check=True, timeout=900)

    outside = tmp_path / "elsewhere"  # nowhere near the source tree
    outside.mkdir()
    stats = subprocess.run([str(bin_dir / "tadoru"), "lexicon", "stats", "--json"], cwd=outside,
                           capture_output=True, text=True, check=True, timeout=300)
    doc = json.loads(stats.stdout)
    assert doc["concepts"] >= 500 and doc["problems"]["errors"] == 0

    seed = "We fine-tuned BERT with LoRA adapters on two GPUs."
    ann = subprocess.run([str(bin_dir / "tadoru"), "annotate", "--json", "-"], input=seed, cwd=outside,
                         capture_output=True, text=True, check=True, timeout=300)
    assert [a["term"] for a in json.loads(ann.stdout)["annotations"]] == ["fine-tuning", "bert", "lora", "gpu"]

    probe = ("from tadoru.paths import lexicon_dir, tooltip_asset; import tadoru; "
             "print(lexicon_dir()); print(tooltip_asset('tooltip.js').stat().st_size); print(tadoru.__file__)")
    out = subprocess.run([str(bin_dir / "python"), "-c", probe], cwd=outside, capture_output=True, text=True,
                         check=True, timeout=120).stdout.splitlines()
    assert str(env_dir) in out[0] and str(env_dir) in out[2]
    assert int(out[1]) > 0
