"""The command line, run for real as a subprocess (issue 2 §6, issue 3)."""

import json
import os
import subprocess
import sys

import pytest

SEED_JA = "ファインチューニングとは、既に学習済みのモデルに新たな層を追加し、モデル全体を再学習する手法です。"
SEED_EN = "We fine-tuned BERT with LoRA adapters on two GPUs."


def tadoru(*args, stdin=None, env=None, timeout=120):
    result = subprocess.run([sys.executable, "-m", "tadoru", *args], input=stdin, capture_output=True, text=True,
                            timeout=timeout, env={**os.environ, **(env or {})}, check=False)
    assert "Traceback" not in result.stderr, result.stderr
    return result


def test_done_when_japanese_seed_sentence():
    result = tadoru("annotate", "--json", "-", stdin=SEED_JA)
    assert result.returncode == 0, result.stderr
    doc = json.loads(result.stdout)
    assert doc["lang"] == "ja"
    pairs = [(a["exact"], a["term"]) for a in doc["annotations"]]
    assert ("ファインチューニング", "fine-tuning") in pairs and ("層", "layer") in pairs
    assert ("再学習", "retraining") in pairs and ("学習済み", "pretrained-model") in pairs
    for a in doc["annotations"]:
        assert SEED_JA[a["start"]:a["end"]] == a["exact"]


def test_done_when_english_seed_sentence():
    doc = json.loads(tadoru("annotate", "--json", "-", stdin=SEED_EN).stdout)
    assert doc["lang"] == "en"
    assert [(a["exact"], a["term"]) for a in doc["annotations"]] == [
        ("fine-tuned", "fine-tuning"), ("BERT", "bert"), ("LoRA adapters", "lora"), ("GPUs", "gpu")]


def test_text_and_html_files(tmp_path):
    (tmp_path / "a.txt").write_text(SEED_EN, encoding="utf-8")
    (tmp_path / "a.html").write_text(f"<html><body><p>{SEED_EN}</p><pre>GPU</pre><code>LoRA</code></body></html>", encoding="utf-8")
    txt = json.loads(tadoru("annotate", "--json", str(tmp_path / "a.txt")).stdout)
    html = json.loads(tadoru("annotate", "--json", str(tmp_path / "a.html")).stdout)
    assert [a["term"] for a in txt["annotations"]] == [a["term"] for a in html["annotations"]]
    stdin_html = json.loads(tadoru("annotate", "--json", "--html", "-", stdin=(tmp_path / "a.html").read_text()).stdout)
    assert stdin_html == html


def test_shift_jis_text_file(tmp_path):
    (tmp_path / "sjis.txt").write_bytes(SEED_JA.encode("cp932"))
    doc = json.loads(tadoru("annotate", "--json", str(tmp_path / "sjis.txt")).stdout)
    assert ("ファインチューニング", "fine-tuning") in [(a["exact"], a["term"]) for a in doc["annotations"]]


def test_known_level_first_only_options(tmp_path):
    known = tmp_path / "known.json"
    known.write_text(json.dumps({"format": "tadoru-known", "version": 1, "known": ["gpu", "bert"]}), encoding="utf-8")
    doc = json.loads(tadoru("annotate", "--json", "--known", str(known), "-", stdin=SEED_EN).stdout)
    assert [a["term"] for a in doc["annotations"]] == ["fine-tuning", "lora"]
    doc = json.loads(tadoru("annotate", "--json", "--level", "3", "-", stdin=SEED_EN).stdout)
    assert {a["term"] for a in doc["annotations"]} <= {"lora"}


def test_density_options():
    text = "# LoRA notes\n\nLoRA adapts a model. LoRA is cheap.\n\n## More\n\nWe use LoRA again.\n"
    def marks(*args: str) -> list[str]:
        return [a["term"] for a in json.loads(tadoru("annotate", "--json", *args, "-", stdin=text).stdout)["annotations"]]
    assert marks().count("lora") == 2  # calm: once per section, never in the heading
    assert marks("--density", "first").count("lora") == 1  # (--first-only is its alias: tests/unit/test_density.py)
    assert marks("--density", "all").count("lora") == 4
    clash = tadoru("annotate", "--json", "--density", "all", "--first-only", "-", stdin=text)
    assert clash.returncode == 2 and "first_only" in clash.stderr and "Traceback" not in clash.stderr


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["annotate", "--json", "/no/such/file.txt"], "/no/such/file.txt: no such file"),
        (["annotate", "--json", "--known", "/no/known.json", "-"], "/no/known.json: cannot read known-terms file"),
        (["trace", "no-such-term-at-all"], "unknown term 'no-such-term-at-all'"),
    ],
)
def test_user_errors_are_one_clean_line(args, message):
    result = tadoru(*args, stdin="")
    assert result.returncode == 1
    assert message in result.stderr


def test_binary_input_is_refused_with_a_reason(tmp_path):
    (tmp_path / "x.txt").write_bytes(b"\x89PNG\x00\x00\x00\rIHDR" * 10)
    result = tadoru("annotate", "--json", str(tmp_path / "x.txt"))
    assert result.returncode == 1 and "binary data" in result.stderr and "x.txt" in result.stderr


def test_usage_error_exit_2():
    assert tadoru("annotate", "--level", "7", "--json", "-", stdin="").returncode == 2


def test_malformed_known_file(tmp_path):
    bad = tmp_path / "known.json"
    bad.write_text('{"known": [1, 2', encoding="utf-8")
    result = tadoru("annotate", "--json", "--known", str(bad), "-", stdin=SEED_EN)
    assert result.returncode == 1 and f"{bad}: not valid JSON (line 1" in result.stderr


def test_trace_tree_reaches_machine_learning():
    result = tadoru("trace", "lora")
    assert result.returncode == 0
    assert result.stdout.splitlines()[0].startswith("LoRA")
    assert "machine learning (機械学習)" in result.stdout and "Reading order" in result.stdout
    ja = tadoru("trace", "LoRA", "--lang", "ja").stdout
    assert "機械学習 (machine learning)" in ja


def test_trace_known_file_prunes(tmp_path):
    known = tmp_path / "k.json"
    known.write_text('["fine-tuning"]', encoding="utf-8")
    doc = json.loads(tadoru("trace", "lora", "--json", "--known", str(known)).stdout)
    assert doc["term"] == "lora" and "fine-tuning" not in doc["path"] and doc["path"][-1] == "lora"


def test_lexicon_stats_json():
    stats = json.loads(tadoru("lexicon", "stats", "--json").stdout)
    assert stats["concepts"] >= 500 and stats["problems"]["errors"] == 0
    assert stats["definitions"]["en"] == stats["definitions"]["ja"] == stats["concepts"]
    assert stats["longest_trace"]["length"] >= 5


def test_broken_user_lexicon_is_named_not_a_traceback(tmp_path):
    (tmp_path / "team.yaml").write_text("concepts:\n  - id: x\n    labels: {en: [a, ja: [b]}\n", encoding="utf-8")
    result = tadoru("lexicon", "check", env={"TADORU_LEXICON_PATH": str(tmp_path)})
    assert result.returncode == 1
    assert f"{tmp_path / 'team.yaml'}:3: invalid YAML" in result.stdout
    # annotating still works with the rest of the lexicon
    ok = tadoru("annotate", "--json", "-", stdin=SEED_EN, env={"TADORU_LEXICON_PATH": str(tmp_path)})
    assert ok.returncode == 0 and json.loads(ok.stdout)["annotations"]


def test_export_never_overwrites_without_force(tmp_path):
    target = tmp_path / "deck.tsv"
    target.write_text("precious", encoding="utf-8")
    result = tadoru("lexicon", "export", "--format", "anki", "--output", str(target))
    assert result.returncode == 1 and "already exists" in result.stderr
    assert target.read_text(encoding="utf-8") == "precious"
    assert tadoru("lexicon", "export", "--format", "anki", "--output", str(target), "--force").returncode == 0
    assert target.read_text(encoding="utf-8").startswith("#separator:tab")


def test_help_documents_exit_codes():
    out = tadoru("annotate", "--help").stdout
    assert "0 all pages done" in out and "1 some pages failed" in out and "2 usage error" in out
