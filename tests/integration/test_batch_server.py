"""``--server URL``: the same batch annotated by a running service gives the same outputs."""

from __future__ import annotations

import json
import secrets

from harness.service import start_server, stop_server

try:
    from . import batch_support as bs
except ImportError:  # tests/integration is not a package
    import batch_support as bs


def test_server_mode_gives_the_same_outputs_as_in_process(live_server, tmp_path):
    tree = bs.build_tree(tmp_path)
    inputs = [tree / "articles", tree / "saved", tree / "notes", tree / "encodings", tree / "broken"]
    local, remote = tmp_path / "local", tmp_path / "remote"
    here = bs.run_cli(*inputs, "--out", local, "--format", "both", "--jobs", "1")
    there = bs.run_cli(*inputs, "--out", remote, "--format", "both", "--jobs", "2", "--server", live_server.url)
    assert here.returncode == there.returncode == 1, there.stdout + there.stderr
    assert "Traceback" not in there.stderr + live_server.log()

    mine, theirs = bs.outputs(local), bs.outputs(remote)
    assert set(mine) == set(theirs)
    for name in sorted(mine):
        assert mine[name] == theirs[name], f"{name} differs between in-process and --server"
    annotations = json.loads(theirs["articles/en/lora-explained.jsonld"])["first"]["items"]
    assert {a["body"][0]["value"] for a in annotations} >= {"lora", "fine-tuning", "gpu"}
    reasons = {p["input"]: p.get("reason") for p in bs.report(remote)["pages"]}
    assert reasons["broken/deep.html"] == "too-deep"  # checked here, before the page is sent

    # The service's lexicon is part of the fingerprint: an unchanged service means nothing to redo.
    rerun = bs.run_cli(*inputs, "--out", remote, "--format", "both", "--server", live_server.url)
    counts = bs.summary_counts(rerun.stdout)
    assert counts["annotated"] == 0 and counts["up to date"] == len(bs.GOOD_PAGES)


def test_known_labels_are_resolved_by_the_service(live_server, tmp_path):
    tree = bs.build_tree(tmp_path)
    known = tmp_path / "known.json"
    known.write_text(json.dumps(["LoRA", "ファインチューニング", "not-a-term-at-all"]), encoding="utf-8")
    out = tmp_path / "out"
    proc = bs.run_cli(tree / "articles", "--out", out, "--known", known, "--server", live_server.url, "--jobs", "1")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "not-a-term-at-all" in proc.stderr  # named, then ignored
    assert bs.report(out)["options"]["known"] == ["fine-tuning", "lora"]
    html = (out / "en" / "lora-explained.html").read_text(encoding="utf-8")
    assert 'data-term="lora"' not in html and 'data-term="fine-tuning"' not in html


def test_the_service_token_from_the_environment_is_sent(tmp_path):
    """A service started with TADORU_TOKEN: the batch needs the same variable, and says so without it."""
    token = "batch-test-" + secrets.token_urlsafe(16)
    server = start_server(tmp_path, env={"TADORU_TOKEN": token})
    try:
        tree = bs.build_tree(tmp_path)
        without = bs.run_cli(tree / "articles", "--out", tmp_path / "a", "--server", server.url, "--jobs", "1",
                             env={"TADORU_TOKEN": ""})
        assert without.returncode == 2, without.stdout + without.stderr
        assert "401" in without.stderr and "unauthorized" in without.stderr and "Traceback" not in without.stderr
        with_token = bs.run_cli(tree / "articles", "--out", tmp_path / "b", "--server", server.url, "--jobs", "2",
                                env={"TADORU_TOKEN": token})
        assert with_token.returncode == 0, with_token.stdout + with_token.stderr
        assert 'data-term="lora"' in (tmp_path / "b" / "en" / "lora-explained.html").read_text(encoding="utf-8")
        assert token not in with_token.stdout + with_token.stderr + server.log()
    finally:
        stop_server(server.process)
