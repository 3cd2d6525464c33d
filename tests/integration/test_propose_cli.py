"""``tadoru lexicon propose`` end to end on the fixture corpus (tests/fixtures/propose/).

The fixture holds seven short AI articles (English and Japanese, .txt, .md, .html) and one
page about bread.  The command must rank the terms they share that the lexicon lacks, write
drafts that ``tadoru lexicon check`` accepts as proposed, and those drafts must not be served.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from tadoru.cli import main

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "propose"
#: Terms of the fixture a maintainer would want a card for; none is a lexicon label.
EXPECTED_TOP = {"semantic cache", "DSPy", "プロンプト圧縮", "エピソード記憶", "episodic memory", "prompt optimizer"}


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    out = tmp_path_factory.mktemp("drafts")
    result = CliRunner().invoke(main, ["lexicon", "propose", str(FIXTURE), "--json", "--top", "20", "--out", str(out)])
    return result, out


def test_the_expected_terms_lead_the_ranking(run):
    result, _ = run
    assert result.exit_code == 0, result.output
    answer = json.loads(result.stdout)
    assert answer["documents"] == 8 and answer["failed"] == []
    terms = [p["term"] for p in answer["proposals"]]
    assert EXPECTED_TOP <= set(terms[:15]), terms
    assert terms[0] == "semantic cache"  # the one term two articles share
    first = answer["proposals"][0]
    assert first["df"] == 2 and len(first["contexts"]) == 3 and first["deeper"]
    dspy = next(p for p in answer["proposals"] if p["term"] == "DSPy")
    assert "acronym" in dspy["sources"]


def test_nothing_comes_from_the_page_about_bread(run):
    answer = json.loads(run[0].stdout)
    text = json.dumps(answer, ensure_ascii=False).lower()
    assert "sourdough" not in text and "proofing basket" not in text


def test_the_drafts_pass_lexicon_check_as_proposed(run):
    result, out = run
    files = sorted(out.glob("proposed-*.yaml"))
    assert len(files) == 1 and "wrote 20 drafts" in result.stderr
    drafts = yaml.safe_load(files[0].read_text(encoding="utf-8"))["concepts"]
    assert len(drafts) == 20 and all(d["status"] == "proposed" for d in drafts)
    assert all(d["definition"]["en"].startswith("TODO:") for d in drafts)
    check = CliRunner().invoke(main, ["lexicon", "check", str(out)])
    assert check.exit_code == 0, check.output
    assert "(+20 proposed, not served)" in check.output and " 0 errors" in check.output


def test_a_proposed_entry_is_not_served(run):
    from tadoru import Annotator

    _, out = run
    annotator = Annotator(extra_paths=[str(out)])
    assert "semantic-cache" in annotator.lexicon.proposed
    assert annotator.lexicon.resolve("semantic cache") is None
    text = "A semantic cache in front of the large language model cut our LLM costs; DSPy tuned the prompts."
    marked = {a.surface for a in annotator.annotate_text(text)}
    assert "large language model" in marked  # the served lexicon still works
    assert not {"semantic cache", "DSPy"} & marked


def test_an_existing_proposal_file_is_never_replaced(run, tmp_path):
    _, out = run
    folder = tmp_path / "out"
    shutil.copytree(out, folder)
    before = {p.name: p.read_bytes() for p in folder.iterdir()}
    result = CliRunner().invoke(main, ["lexicon", "propose", str(FIXTURE / "dspy-prompt-optimizers.txt"),
                                       "--top", "3", "--out", str(folder), "--lexicon", str(folder)])
    assert result.exit_code == 0, result.output
    after = {p.name for p in folder.iterdir()}
    assert len(after) == 2 and any(name.endswith("-2.yaml") for name in after - set(before))
    assert all((folder / name).read_bytes() == data for name, data in before.items())
    # the drafts already waiting in the --lexicon folder are not proposed again
    assert "DSPy" not in result.stdout and "prompt optimizer" not in result.stdout


def test_unreadable_inputs_are_named_with_a_reason(tmp_path):
    (tmp_path / "broken.html").write_bytes(b"\x00\x01\x02binary\x00" * 50)
    (tmp_path / "empty.txt").write_text("", encoding="utf-8")
    shutil.copy(FIXTURE / "agent-memory.txt", tmp_path / "agent-memory.txt")
    result = CliRunner().invoke(main, ["lexicon", "propose", str(tmp_path), "--top", "5"])
    assert result.exit_code == 1
    assert "Traceback" not in result.output
    assert f"{tmp_path / 'broken.html'}: " in result.stderr and f"{tmp_path / 'empty.txt'}: " in result.stderr
    assert "episodic memory" in result.stdout  # the readable page still counts


def test_usage_errors_exit_2(tmp_path):
    missing = CliRunner().invoke(main, ["lexicon", "propose", str(tmp_path / "nowhere")])
    assert missing.exit_code == 2 and "no such file or folder" in missing.output
    assert CliRunner().invoke(main, ["lexicon", "propose"]).exit_code == 2
    (tmp_path / "file").write_text("x", encoding="utf-8")
    clash = CliRunner().invoke(main, ["lexicon", "propose", str(FIXTURE), "--out", str(tmp_path / "file")])
    assert clash.exit_code == 2
