"""``--server URL``: the same batch annotated by a running service gives the same outputs."""

from __future__ import annotations

import json

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
