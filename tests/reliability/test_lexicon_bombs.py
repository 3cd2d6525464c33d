"""Issue 18, item 5: a user lexicon that crashes or empties the service (round-2 outside attack).

A few hundred bytes of nested YAML anchors ("billion laughs") took 54 s and 5.8 GB before the
validator gave up; a 3,000-term ``deeper`` chain hit Python's recursion limit while loading (level
3) or on every trace (level 1: the trace API, the term page, trace.svg and ``tadoru trace``).  The
promise tested here: a bad file is skipped and named, the rest loads, and every trace answers.
"""

from __future__ import annotations

import itertools
import json
import os
import subprocess
import sys
import tracemalloc
from pathlib import Path

import pytest
import requests

from tadoru.lexicon.load import MAX_DEPTH, MAX_NODES, load_lexicon
from tadoru.lexicon.trace import MAX_TREE_DEPTH, render_trace_tree, trace_payload
from tadoru.service.trace_svg import MAX_DRAWN_ROWS, render_trace_svg

GOOD = """concepts:
  - id: team-widget
    labels: {en: [team widget], ja: [チームウィジェット]}
    definition: {en: A widget our team uses for everything we build., ja: チームで使う部品のことです。}
    level: 1
    category: custom
"""
CHAIN = 3000


def billion_laughs(levels: int = 9) -> str:
    """Nine anchors, each a list of nine aliases to the one before: 9**9 strings once expanded."""
    lines = ["concepts:", '  - &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for prev, name in itertools.pairwise("abcdefghijklmnopqrstuvwxyz"[:levels]):
        lines.append(f"  - &{name} [" + ",".join([f"*{prev}"] * 9) + "]")
    return "\n".join(lines) + "\n"


def chain_yaml(prefix: str, length: int, level: int) -> str:
    """``prefix-0`` builds on ``prefix-1`` … on ``prefix-{length-1}``, which builds on a level-1 base."""
    out = ["concepts:"]
    for i in range(length + 1):
        base = i == length
        cid = f"{prefix}-base" if base else f"{prefix}-{i}"
        out.append(f"  - id: {cid}\n    labels: {{en: [{prefix} term {i}], ja: [{prefix}連鎖{i}]}}\n"
                   f"    definition: {{en: Link number {i} of a very long chain of terms., ja: とても長い用語の連鎖の{i}番目。}}\n"
                   f"    level: {1 if base else level}\n    category: custom")
        if not base:
            out.append(f"    deeper: [{prefix}-{'base' if i + 1 == length else i + 1}]")
    return "\n".join(out) + "\n"


def _folder(tmp_path: Path, files: dict[str, str]) -> Path:
    folder = tmp_path / "team"
    folder.mkdir()
    for name, text in files.items():
        (folder / name).write_text(text, encoding="utf-8")
    return folder


def _tadoru(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "tadoru", *args], capture_output=True, text=True, timeout=240,
                          check=False, env={**os.environ, **(env or {})})


def _tadoru_started(*args: str, env: dict[str, str]) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, "-m", "tadoru", *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, env={**os.environ, **env})


def _finished(proc: subprocess.Popen[str]) -> subprocess.CompletedProcess[str]:
    try:
        stdout, stderr = proc.communicate(timeout=240)
    except subprocess.TimeoutExpired:
        proc.kill()
        raise
    return subprocess.CompletedProcess(proc.args, proc.returncode, stdout, stderr)


# --------------------------------------------------------------------------- YAML bombs


def test_a_billion_laughs_file_is_refused_in_little_memory_and_the_good_file_loads(tmp_path):
    folder = _folder(tmp_path, {"good.yaml": GOOD, "laughs.yaml": billion_laughs()})
    tracemalloc.start()
    try:
        lexicon = load_lexicon([folder], shipped=False, use_env=False)
        _size, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 100 * 1024 * 1024, f"{peak / 1e6:.0f} MB allocated"
    assert list(lexicon.concepts) == ["team-widget"]
    [problem] = lexicon.problems
    assert problem.file == str(folder / "laughs.yaml")
    assert "aliases expand past" in problem.message and f"{MAX_NODES:,}" in problem.message


@pytest.mark.parametrize(("text", "reason"), [
    ("concepts: &c\n  - *c\n", "alias inside its own anchor"),
    ("concepts:\n  - id: x\n    links: " + "[" * 900 + "]" * 900 + "\n", f"nested deeper than {MAX_DEPTH} levels"),
    ("concepts: [" + "1," * MAX_NODES + "1]\n", f"more than {MAX_NODES:,} YAML nodes"),
    ("concepts:\n  - id: x\n    level: 2024-13-45\n", "invalid YAML value: month must be in 1..12"),
    ("concepts:\n  - id: x\n    level: " + "9" * 5000 + "\n", "invalid YAML value: Exceeds the limit"),
], ids=["self-alias", "deep-nesting", "too-many-nodes", "bad-date", "huge-int"])
def test_a_yaml_structure_python_cannot_hold_skips_only_its_file(tmp_path, text, reason):
    """Each of these raised out of the loader (RecursionError, ValueError) and emptied the lexicon."""
    folder = _folder(tmp_path, {"good.yaml": GOOD, "bad.yaml": text})
    lexicon = load_lexicon([folder], shipped=False, use_env=False)
    assert list(lexicon.concepts) == ["team-widget"]
    assert [(p.file, reason in p.message) for p in lexicon.problems] == [(str(folder / "bad.yaml"), True)], \
        [str(p) for p in lexicon.problems]


def test_no_problem_message_quotes_a_whole_value(tmp_path):
    items = ", ".join(f"'{'x' * 50}{i}'" for i in range(2000))
    fields = ", ".join(f"field{i}: 1" for i in range(2000))
    folder = _folder(tmp_path, {"good.yaml": GOOD, "bad.yaml": f"concepts:\n  - [{items}]\n  - {{id: [{items}]}}\n"
                                                                 f"  - {{id: x, {fields}}}\n"})
    lexicon = load_lexicon([folder], shipped=False, use_env=False)
    assert lexicon.problems and all(len(p.message) <= 200 for p in lexicon.problems)


def test_repeated_deeper_ids_are_still_refused(tmp_path):
    """``uniqueItems`` is checked in linear time now (the validator's own check compares every
    pair once the items do not sort); it must still catch a repeat, also among mixed types."""
    text = GOOD.replace("category: custom", "category: custom\n    deeper: [a, b, 1, a]")
    folder = _folder(tmp_path, {"good.yaml": text})
    problems = [str(p) for p in load_lexicon([folder], shipped=False, use_env=False).problems]
    assert any("deeper: has non-unique elements ('a' repeats)" in p for p in problems), problems


def test_lexicon_check_names_the_bomb_and_exits_1_without_a_traceback(tmp_path):
    folder = _folder(tmp_path, {"good.yaml": GOOD, "laughs.yaml": billion_laughs()})
    result = _tadoru("lexicon", "check", str(folder))
    out = result.stdout + result.stderr
    assert result.returncode == 1, out
    assert "Traceback" not in out and "MemoryError" not in out
    assert f"{folder / 'laughs.yaml'}: YAML aliases expand past" in result.stdout


# --------------------------------------------------------------------------- a 3,000-term deeper chain


@pytest.mark.parametrize("level", [1, 3])
def test_a_3000_term_chain_loads_and_traces(tmp_path, level):
    """Level 3 broke loading (the reaches-the-basics rule recursed), level 1 broke every trace."""
    folder = _folder(tmp_path, {"chain.yaml": chain_yaml("chain", CHAIN, level)})
    lexicon = load_lexicon([folder], shipped=False, use_env=False)
    assert lexicon.problems == [] and len(lexicon) == CHAIN + 1
    payload = trace_payload(lexicon, "chain-0")
    assert payload["path"][0] == "chain-base" and payload["path"][-1] == "chain-0"
    assert len(payload["path"]) == CHAIN + 1 and len(payload["graph"]["edges"]) == CHAIN
    tree = render_trace_tree(lexicon, "chain-0")
    assert f"not drawn past {MAX_TREE_DEPTH} levels" in tree
    assert "  1. chain term 3000" in tree and f"{CHAIN + 1}. chain term 0 " in tree  # every step is listed
    assert max(len(line) for line in tree.splitlines()) < 8 * MAX_TREE_DEPTH
    svg = render_trace_svg(payload)
    assert svg.count('class="trace-node trace-level') == MAX_DRAWN_ROWS
    assert f'data-hidden="{CHAIN + 1 - MAX_DRAWN_ROWS}"' in svg


def test_a_cycle_through_a_long_chain_is_reported_briefly(tmp_path):
    text = chain_yaml("loop", CHAIN, 1).replace("deeper: [loop-base]", "deeper: [loop-0]")
    folder = _folder(tmp_path, {"loop.yaml": text})
    lexicon = load_lexicon([folder], shipped=False, use_env=False)
    cycles = [p for p in lexicon.problems if "cycle:" in p.message]
    assert len(cycles) == 1 and f"({CHAIN + 1 - 10} more)" in cycles[0].message
    assert len(cycles[0].message) < 300
    assert len(trace_payload(lexicon, "loop-0")["path"]) == CHAIN


@pytest.mark.slow
def test_the_service_and_tadoru_trace_answer_for_a_3000_term_chain(tmp_path):
    from harness.service import start_server, stop_server

    folder = _folder(tmp_path, {"chain-1.yaml": chain_yaml("flat", CHAIN, 1),
                                "chain-3.yaml": chain_yaml("steep", CHAIN, 3)})
    env = {"TADORU_LEXICON_PATH": str(folder)}
    # ``tadoru trace`` runs on the other core while the service starts (each loads the lexicon).
    traces = [_tadoru_started("trace", "flat-0", env=env), _tadoru_started("trace", "steep-0", "--json", env=env)]
    server = start_server(tmp_path, env=env, timeout=180)
    try:
        health = requests.get(server.url + "/api/v1/health", timeout=30).json()
        assert health["lexicon"]["errors"] == 0, health
        for prefix in ("flat", "steep"):
            r = requests.get(f"{server.url}/api/v1/trace/{prefix}-0", timeout=60)
            assert r.status_code == 200
            assert len(r.json()["path"]) == CHAIN + 1
            page = requests.get(f"{server.url}/terms/{prefix}-0", timeout=60)
            assert page.status_code == 200 and 'class="trace-more"' in page.text
            svg = requests.get(f"{server.url}/terms/{prefix}-0/trace.svg", timeout=60)
            assert svg.status_code == 200 and svg.headers["content-type"].startswith("image/svg+xml")
            assert svg.text.count('class="trace-node trace-level') == MAX_DRAWN_ROWS
    finally:
        stop_server(server.process)
    assert "Traceback" not in server.log()

    tree, as_json = (_finished(proc) for proc in traces)
    assert tree.returncode == 0 and "Traceback" not in tree.stdout + tree.stderr, tree.stderr
    assert "not drawn past" in tree.stdout and f"{CHAIN + 1}. flat term 0 " in tree.stdout
    assert as_json.returncode == 0, as_json.stderr
    assert len(json.loads(as_json.stdout)["path"]) == CHAIN + 1
