"""Every lexicon rule can fail: one broken fixture per rule, each problem named precisely."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tadoru import load_lexicon

BROKEN = Path(__file__).resolve().parent.parent / "fixtures" / "lexicon_broken"

CASES = {
    "yaml-syntax": "terms.yaml:15: invalid YAML: did not find expected ',' or ']'",
    "unknown-field": "extra-field: unknown field(s) ('colour' was unexpected)",
    "definition-too-long": "long-definition.definition.en: too long (299 characters → at most 220)",
    "missing-language": "no-japanese.labels: 'ja' is a required property",
    "dangling-id": "dangling.deeper: unknown id 'no-such-id'",
    "cycle": "deeper: cycle: chicken → egg → chicken",
    "level-needs-deeper": "no-deeper.deeper: level 2 concept needs at least one deeper term",
    "deeper-climbs": "climber.deeper: 'climb-target' is level 3, harder than this level-1 concept",
    "label-clash": "thief.labels: label 'Base Thing' is also a label of another concept (base, thief)",
    "case-sensitive-unknown": "wrong-case.case_sensitive: 'RIGHT' is not one of the concept's labels",
    "no-path-to-basics": "floating.deeper: no chain of deeper terms reaches a level-1 concept",
    "island": "island.deeper: island: no deeper or related link",
    "duplicate-id": "base.id: duplicate id",
    "not-utf8": "terms.yaml: not UTF-8 text (byte 38)",
}


def test_every_broken_fixture_has_a_case():
    assert sorted(p.name for p in BROKEN.iterdir() if p.is_dir()) == sorted(CASES)


@pytest.mark.parametrize(("folder", "expected"), sorted(CASES.items()))
def test_each_rule_reports_file_id_and_field(folder, expected):
    lexicon = load_lexicon([BROKEN / folder], shipped=False, use_env=False)
    messages = [str(p) for p in lexicon.errors]
    assert any(expected in m for m in messages), messages
    assert all(m.startswith(str(BROKEN / folder / "terms.yaml")) for m in messages)


def test_the_unit_fixture_lexicon_is_clean():
    lexicon = load_lexicon([BROKEN.parent / "lexicon_unit"], shipped=False, use_env=False)
    assert lexicon.problems == []


def test_cli_prints_every_problem_and_exits_1():
    folders = [str(BROKEN / name) for name in sorted(CASES)]
    result = subprocess.run([sys.executable, "-m", "tadoru", "lexicon", "check", "--only", *folders],
                            capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode == 1
    assert "Traceback" not in result.stdout + result.stderr
    for expected in CASES.values():
        assert expected in result.stdout


def test_cli_check_passes_on_a_clean_folder():
    result = subprocess.run([sys.executable, "-m", "tadoru", "lexicon", "check", "--only", str(BROKEN.parent / "lexicon_unit")],
                            capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 errors" in result.stdout


def test_user_lexicon_from_environment_overrides_and_adds(tmp_path, monkeypatch):
    (tmp_path / "team.yaml").write_text(
        """concepts:
  - id: lora
    labels: {en: [LoRA, low-rank adaptation], ja: [LoRA]}
    definition: {en: Our team's own explanation of LoRA for new hires., ja: 新人向けにチームで書いたLoRAの説明。}
    level: 3
    category: custom
    deeper: [fine-tuning]
    case_sensitive: [LoRA]
  - id: zork-pipeline
    labels: {en: [Zork pipeline], ja: [ゾークパイプライン]}
    definition: {en: The team's internal training pipeline for ranking models., ja: チーム内製のランキングモデル学習パイプライン。}
    level: 2
    category: custom
    deeper: [fine-tuning]
""",
        encoding="utf-8",
    )
    monkeypatch.setenv("TADORU_LEXICON_PATH", os.pathsep.join([str(BROKEN.parent / "lexicon_unit"), str(tmp_path)]))
    lexicon = load_lexicon(shipped=False)
    assert lexicon["lora"].definition["en"].startswith("Our team's own")
    assert "zork-pipeline" in lexicon
    assert lexicon.errors == []


def test_a_broken_user_file_is_reported_and_the_rest_still_loads(tmp_path):
    (tmp_path / "bad.yaml").write_text("concepts: [", encoding="utf-8")
    lexicon = load_lexicon([BROKEN.parent / "lexicon_unit", tmp_path], shipped=False, use_env=False)
    assert len(lexicon) == 18
    assert [p.file for p in lexicon.errors] == [str(tmp_path / "bad.yaml")]


def test_fingerprint_follows_the_cards_not_the_files(tmp_path):
    unit = BROKEN.parent / "lexicon_unit"
    base = load_lexicon([unit], shipped=False, use_env=False)
    assert base.fingerprint == load_lexicon([unit], shipped=False, use_env=False).fingerprint
    # An empty extra folder changes the files read, not a single card.
    assert load_lexicon([unit, tmp_path], shipped=False, use_env=False).fingerprint == base.fingerprint
    concept = base["lora"]
    (tmp_path / "override.yaml").write_text(
        "concepts:\n"
        "  - id: lora\n"
        f"    labels: {{en: [{concept.labels['en'][0]}], ja: [{concept.labels['ja'][0]}]}}\n"
        "    definition: {en: A reworded definition., ja: 言い換えた短い定義の文章です。}\n"
        f"    level: {concept.level}\n"
        f"    category: {concept.category}\n"
        f"    deeper: [{', '.join(concept.deeper)}]\n",
        encoding="utf-8",
    )
    changed = load_lexicon([unit, tmp_path], shipped=False, use_env=False)
    assert changed.errors == [] and changed["lora"].definition["en"] == "A reworded definition."
    assert changed.fingerprint != base.fingerprint
