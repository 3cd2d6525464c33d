"""Breaks from the round-2 outside attack (issue 18), each reproduced against the real service or CLI.

Covered here: foreign Host headers (DNS rebinding), a 404 whose language links left the service,
query parameters steering the term-page redirect, an integer past CPython's digit limit, a
non-UTF-8 file name and terminal escapes in a batch, control characters in a page title, and
the paste form posted from another site.
"""

from __future__ import annotations

import http.client
import json
import os
import re
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlencode, urlsplit

import pytest

pytestmark = pytest.mark.slow


def _request(url: str, method: str, path: str, *, host: str | None = None, body: bytes | None = None,
             headers: dict[str, str] | None = None) -> tuple[int, dict[str, str], bytes]:
    parts = urlsplit(url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
    all_headers = {"Host": host or parts.netloc, **(headers or {})}
    conn.request(method, path, body=body, headers=all_headers)
    response = conn.getresponse()
    data = response.read()
    conn.close()
    return response.status, {k.lower(): v for k, v in response.getheaders()}, data


@pytest.mark.parametrize("path", ["/api/v1/health", "/api/v1/terms/lora", "/terms/lora", "/"])
def test_a_foreign_host_is_refused_before_anything_is_read(live_server, path):
    status, _headers, body = _request(live_server.url, "GET", path, host="evil.example")
    assert status == 421
    if path.startswith("/api/"):
        assert json.loads(body)["error"]["code"] == "misdirected_request"
    assert b"lora" not in body.lower() or b"evil.example" in body  # no card, no page content leaked


@pytest.mark.parametrize("host", ["localhost", "127.0.0.1", "127.0.0.2", "[::1]"])
def test_loopback_names_on_any_port_are_answered(live_server, host):
    port = urlsplit(live_server.url).port
    status, _headers, _body = _request(live_server.url, "GET", "/api/v1/health", host=f"{host}:{port}")
    assert status == 200


def test_an_annotate_post_from_a_rebound_name_is_refused(live_server):
    status, _h, body = _request(live_server.url, "POST", "/api/v1/annotate", host="attacker.example:8765",
                                body=b'{"text": "LoRA"}', headers={"Content-Type": "application/json"})
    assert status == 421 and b"lora" not in body.lower().replace(b"attacker", b"")


def test_language_links_of_a_404_stay_on_the_service(live_server):
    status, _h, body = _request(live_server.url, "GET", "/%5Cevil.example")
    assert status == 404
    links = re.findall(rb'href="([^"]*lang=[^"]*)"', body)
    assert links
    for link in links:
        assert not link.startswith((b"//", b"/\\", b"http")) and b"evil.example" not in link


@pytest.mark.parametrize("query", ["?_external=1", "?term_id=x", "?_method=POST", "?_anchor=x&_scheme=https"])
@pytest.mark.parametrize("page", ["/terms/LoRA", "/terms/LoRA/trace.svg"])
def test_the_label_redirect_ignores_url_for_parameters(live_server, page, query):
    port = urlsplit(live_server.url).port
    status, headers, _body = _request(live_server.url, "GET", page + query, host=f"localhost:{port}")
    assert status == 302
    location = headers["location"]
    assert location.startswith("/terms/lora") and "evil" not in location and "_external" not in location


def test_an_integer_past_the_digit_limit_is_a_400_not_a_500(live_server):
    body = b'{"text": "LoRA", "level": ' + b"9" * 5000 + b"}"
    status, _h, data = _request(live_server.url, "POST", "/api/v1/annotate", body=body,
                                headers={"Content-Type": "application/json"})
    assert status == 400 and json.loads(data)["error"]["code"] == "invalid_json"


def test_a_shift_jis_file_name_and_terminal_escapes_do_not_stop_a_batch(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "ok.html").write_text("<p>LoRA fine-tunes a model on a GPU.</p>", encoding="utf-8")
    with open(os.path.join(os.fsencode(folder), "テスト".encode("shift_jis") + b".html"), "w") as handle:
        handle.write("<p>LoRA</p>")
    (folder / "\x1b]0;pwned\x07.html").write_text("<h1>\x07</h1><p>LoRA</p>", encoding="utf-8")
    proc = subprocess.run([sys.executable, "-m", "tadoru", "annotate", str(folder), "--out", str(tmp_path / "out"),
                           "--jobs", "1", "-q"], capture_output=True, timeout=180, check=False)
    out = proc.stdout + proc.stderr
    assert b"Traceback" not in out and proc.returncode == 1, out.decode(errors="replace")
    assert b"\x1b" not in out and b"\x07" not in out  # the escape is shown, not sent to the terminal
    assert b"bad-name" in proc.stdout
    report = json.loads((tmp_path / "out" / "report.json").read_text(encoding="utf-8"))
    status = {p["input"]: p["status"] for p in report["pages"]}
    assert status["ok.html"] == "done" and status["\x1b]0;pwned\x07.html"] == "done"
    assert [p["reason"] for p in report["pages"] if p["status"] == "failed"] == ["bad-name"]
    assert (tmp_path / "out" / "ok.html").is_file()


def test_a_control_character_in_an_untitled_page_heading_is_annotated(tmp_path):
    page = tmp_path / "bell.html"
    page.write_text("<html><body><h1>Bell \x07 LoRA</h1><p>LoRA on a GPU</p></body></html>", encoding="utf-8")
    proc = subprocess.run([sys.executable, "-m", "tadoru", "annotate", str(page), "--out", str(tmp_path / "out"),
                           "--jobs", "1", "-q"], capture_output=True, text=True, timeout=180, check=False)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    html = Path(tmp_path / "out" / "bell.html").read_text(encoding="utf-8")
    assert "<title>Bell \ufffd LoRA</title>" in html


# --------------------------------------------------------------------------- #2 the paste form from another site


@pytest.mark.parametrize("headers", [
    {"Sec-Fetch-Site": "cross-site", "Origin": "https://evil.example"},
    {"Sec-Fetch-Site": "same-site", "Origin": "http://127.0.0.1:1"},
    {"Origin": "https://evil.example"},  # an older browser: Origin alone
    {"Origin": "null"},  # a sandboxed frame or a file:// page
])
def test_the_paste_form_refuses_a_post_another_site_made(live_server, headers):
    body = urlencode({"text": "LoRA " * 1000, "level": "1"}).encode()
    status, _h, page = _request(live_server.url, "POST", "/?lang=en", body=body,
                                headers={"Content-Type": "application/x-www-form-urlencoded", **headers})
    assert status == 403
    assert b"tadoru-term" not in page and b"own page" in page


@pytest.mark.parametrize("headers", [{"Sec-Fetch-Site": "same-origin"}, {"Sec-Fetch-Site": "none"}, {}])
def test_the_paste_form_answers_its_own_page_and_non_browser_clients(live_server, headers):
    origin = {"Origin": live_server.url} if headers.get("Sec-Fetch-Site") == "same-origin" else {}
    body = urlencode({"text": "LoRA adapts a model.", "level": "1"}).encode()
    status, answer_headers, _page = _request(live_server.url, "POST", "/?lang=en", body=body,
                                             headers={"Content-Type": "application/x-www-form-urlencoded", **headers,
                                                      **origin})
    assert status == 303  # Post/Redirect/Get (issue 15): the result has a page of its own
    status, _h, page = _request(live_server.url, "GET", urlsplit(answer_headers["location"]).path)
    assert status == 200 and b'data-term="lora"' in page


# --------------------------------------------------------------------------- #10 symlinks out of an input folder


def test_a_symlink_out_of_the_input_folder_is_listed_not_read(tmp_path):
    secret = tmp_path / "private" / "secret.txt"
    secret.parent.mkdir()
    secret.write_text("SECRET-CONTENT about LoRA", encoding="utf-8")
    folder = tmp_path / "in"
    (folder / "sub").mkdir(parents=True)
    (folder / "ok.html").write_text("<p>LoRA adapts a model.</p>", encoding="utf-8")
    (folder / "host.txt").symlink_to(secret)
    (folder / "sub" / "inside.txt").symlink_to(folder / "sub" / "note.txt")  # a link that stays inside is read
    (folder / "sub" / "note.txt").write_text("GPUs", encoding="utf-8")
    (folder / "linked-dir").symlink_to(secret.parent, target_is_directory=True)
    out = tmp_path / "out"
    proc = subprocess.run([sys.executable, "-m", "tadoru", "annotate", str(folder), "--out", str(out), "--jobs", "1"],
                          capture_output=True, text=True, timeout=120, check=False)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "host.txt" in proc.stdout and "outside-input" in proc.stdout
    written = "".join(p.read_text(encoding="utf-8", errors="replace") for p in out.rglob("*") if p.is_file())
    assert "SECRET-CONTENT" not in written and "secret.txt" not in written and str(secret.parent) not in written
    report = json.loads((out / "report.json").read_text(encoding="utf-8"))
    pages = {p["input"]: p for p in report["pages"]}
    assert pages["host.txt"]["reason"] == "outside-input" and pages["ok.html"]["status"] == "done"
    assert any(pages.get(f"sub/{name}", {}).get("status") == "done" for name in ("inside.txt", "note.txt"))
    assert "linked-dir/secret.txt" not in pages

    # Asked for explicitly, the link is followed.
    again = subprocess.run([sys.executable, "-m", "tadoru", "annotate", str(folder), "--out", str(out), "--jobs", "1",
                            "--follow-symlinks"], capture_output=True, text=True, timeout=120, check=False)
    assert again.returncode == 0, again.stdout + again.stderr
    assert "SECRET-CONTENT" in (out / "host.html").read_text(encoding="utf-8")


# --------------------------------------------------------------------------- found again: a pipe in an input folder


def test_a_pipe_named_like_a_page_fails_alone_instead_of_hanging_the_batch(tmp_path):
    """Found while re-attacking (issue 18): hashing or reading a FIFO blocked the batch forever."""
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "ok.html").write_text("<p>LoRA adapts a model.</p>", encoding="utf-8")
    os.mkfifo(folder / "pipe.html")
    out = tmp_path / "out"
    proc = subprocess.run([sys.executable, "-m", "tadoru", "annotate", str(folder), "--out", str(out), "--jobs", "1"],
                          capture_output=True, text=True, timeout=60, check=False)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "pipe.html" in proc.stdout and "not a regular file" in proc.stdout and "Traceback" not in proc.stderr
    assert (out / "ok.html").is_file()
    single = subprocess.run([sys.executable, "-m", "tadoru", "annotate", "--json", str(folder / "pipe.html")],
                            capture_output=True, text=True, timeout=60, check=False)
    assert single.returncode == 1 and "not a regular file" in single.stderr
