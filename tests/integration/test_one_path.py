"""One reader, one known path: the same saved page and the same known list give the same highlights
through ``annotate --json``, the web upload, the API, local batch and ``--server`` batch."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest

try:
    from . import batch_support as bs
except ImportError:  # tests/integration is not a package
    import batch_support as bs

MHTML = Path(bs.FIXTURES) / "saved" / "transformer-single-file.mhtml"
PAGE = """<!doctype html><html><head><title>LoRA explained</title></head><body>
<h1>Fine-tuning with LoRA</h1>
<p>LoRA fine-tunes a large language model by training small low-rank matrices; the GPU memory it needs
is a fraction of full fine-tuning. Tokens pass through the transformer as before.</p>
<p>ファインチューニングでは、学習済みのモデルをGPUで再学習します。LoRAなら軽く済みます。</p>
</body></html>"""
#: Ids and labels, in both languages, as a reader's exported list may hold them.
KNOWN = ["lora", "GPU", "ファインチューニング", "large language model"]


def _spans(items: list[dict]) -> list[tuple[int, int, str]]:
    return [(a["start"], a["end"], a["term"]) for a in items]


def _jsonld_spans(path: Path) -> list[tuple[int, int, str]]:
    items = json.loads(path.read_text(encoding="utf-8"))["first"]["items"]
    out = []
    for item in items:
        position = next(s for s in item["target"]["selector"] if s["type"] == "TextPositionSelector")
        out.append((position["start"], position["end"], item["body"][0]["value"]))
    return out


def _post(url: str, body: dict) -> dict:
    request = urllib.request.Request(url + "/api/v1/annotate", json.dumps(body).encode(),
                                     {"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=60) as response:
        return json.loads(response.read())


def _cli_json(path: Path, *args: str) -> dict:
    proc = subprocess.run([sys.executable, "-m", "tadoru", "annotate", "--json", str(path), *args],
                          capture_output=True, text=True, timeout=120, check=False)
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


def test_known_ids_and_labels_give_the_same_highlights_everywhere(live_server, tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "lora.html").write_text(PAGE, encoding="utf-8")
    known_file = tmp_path / "known.json"
    known_file.write_text(json.dumps({"format": "tadoru-known", "version": 1, "known": KNOWN}), encoding="utf-8")

    api = _spans(_post(live_server.url, {"html": PAGE, "known": KNOWN})["annotations"])
    terms = {t for _s, _e, t in api}
    assert terms and not terms & {"lora", "gpu", "fine-tuning", "large-language-model"}
    assert {"low-rank-matrix", "transformer"} <= terms  # the rest of the page is still marked

    local = bs.run_cli(folder, "--out", tmp_path / "local", "--format", "json", "--jobs", "1",
                       "--known", known_file)
    remote = bs.run_cli(folder, "--out", tmp_path / "remote", "--format", "json", "--jobs", "1",
                        "--known", known_file, "--server", live_server.url)
    assert local.returncode == remote.returncode == 0, local.stderr + remote.stderr
    assert _jsonld_spans(tmp_path / "local" / "lora.jsonld") == api
    assert _jsonld_spans(tmp_path / "remote" / "lora.jsonld") == api
    assert _spans(_cli_json(folder / "lora.html", "--known", str(known_file))["annotations"]) == api


def test_one_saved_mhtml_page_reads_the_same_through_every_surface(live_server, tmp_path):
    """The MHTML bug: the CLI and the upload used to annotate the raw MIME archive, marking
    "attention" inside an ``img src`` and across ``=3D`` escapes."""
    cli = _cli_json(MHTML)
    spans = _spans(cli["annotations"])
    assert spans, "the saved page has terms"
    assert not any("=3D" in a["exact"] or "\n" in a["exact"] for a in cli["annotations"])

    batch = bs.run_cli(MHTML, "--out", tmp_path / "out", "--format", "json", "--jobs", "1")
    assert batch.returncode == 0, batch.stderr
    assert _jsonld_spans(tmp_path / "out" / "transformer-single-file.jsonld") == spans

    # The web upload: the same terms, in the same order, shown in the page it renders.
    boundary = "tadoruboundary"
    raw = MHTML.read_bytes()
    body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"text\"\r\n\r\n\r\n"
            f"--{boundary}\r\nContent-Disposition: form-data; name=\"level\"\r\n\r\n1\r\n"
            f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{MHTML.name}\"\r\n"
            "Content-Type: multipart/related\r\n\r\n").encode() + raw + f"\r\n--{boundary}--\r\n".encode()
    request = urllib.request.Request(live_server.url + "/", body,
                                     {"Content-Type": f"multipart/form-data; boundary={boundary}",
                                      "Origin": live_server.url})
    with urllib.request.urlopen(request, timeout=60) as response:
        page = response.read().decode("utf-8")
    marked = re.findall(r'<tadoru-term data-term="([^"]+)"', page)
    assert marked == [t for _s, _e, t in spans]


@pytest.mark.parametrize("path", [MHTML])
def test_annotate_json_reads_an_mhtml_archive_as_its_page(path):
    """Nothing from the archive's MIME headers or its images' data is annotated."""
    result = _cli_json(path)
    text_terms = [a["exact"] for a in result["annotations"]]
    assert all("Content-" not in t and "boundary" not in t for t in text_terms)
