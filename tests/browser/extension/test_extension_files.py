"""Static checks of the extension's files (no browser): the manifest, the locales, the message
declarations, and the security rules (no remote code, no HTML built from strings)."""

from __future__ import annotations

import json
import re

import pytest

from harness.extension import EXTENSION_DIR

MANIFEST = json.loads((EXTENSION_DIR / "manifest.json").read_text(encoding="utf-8"))
LOCALES = {loc: json.loads((EXTENSION_DIR / "_locales" / loc / "messages.json").read_text(encoding="utf-8"))
           for loc in ("en", "ja")}
SOURCES = {p.relative_to(EXTENSION_DIR).as_posix(): p.read_text(encoding="utf-8")
           for p in EXTENSION_DIR.rglob("*") if p.suffix in (".js", ".html")}
JS = {name: text for name, text in SOURCES.items() if name.endswith(".js")}


def test_manifest_is_mv3_with_loopback_hosts_and_all_urls_content_script():
    assert MANIFEST["manifest_version"] == 3
    assert set(MANIFEST["host_permissions"]) == {"http://127.0.0.1/*", "http://localhost/*"}
    [script] = MANIFEST["content_scripts"]
    assert script["matches"] == ["<all_urls>"]
    assert MANIFEST["background"]["service_worker"] == "service-worker.js"
    assert MANIFEST["background"]["scripts"][-1] == "service-worker.js"  # Firefox's fallback
    assert MANIFEST["browser_specific_settings"]["gecko"]["id"]
    assert MANIFEST["default_locale"] == "en"
    assert "script-src 'self'" in MANIFEST["content_security_policy"]["extension_pages"]


def _manifest_files() -> list[str]:
    files = [MANIFEST["background"]["service_worker"], *MANIFEST["background"]["scripts"],
             MANIFEST["action"]["default_popup"], MANIFEST["options_ui"]["page"],
             *MANIFEST["icons"].values(), *MANIFEST["action"]["default_icon"].values()]
    for script in MANIFEST["content_scripts"]:
        files += script["js"] + script.get("css", [])
    return files


@pytest.mark.parametrize("path", sorted(set(_manifest_files())))
def test_every_file_the_manifest_names_exists(path):
    assert (EXTENSION_DIR / path).is_file()


def test_worker_imports_the_same_scripts_firefox_loads():
    imported = re.search(r"importScripts\(([^)]*)\)", JS["service-worker.js"]).group(1)
    assert re.findall(r'"([^"]+)"', imported) == MANIFEST["background"]["scripts"][:-1]


def test_pages_load_only_packaged_scripts():
    for name, text in SOURCES.items():
        if name.endswith(".html"):
            for src in re.findall(r'<script[^>]*src="([^"]+)"', text):
                assert not re.match(r"[a-z]+:", src), f"{name} loads remote script {src}"
            assert not re.search(r"<script(?![^>]*src=)[^>]*>", text), f"{name} has an inline script"


@pytest.mark.parametrize("name", sorted(JS))
def test_no_html_from_strings_and_no_eval(name):
    code = re.sub(r"/\*.*?\*/|//[^\n]*", "", JS[name], flags=re.DOTALL)
    for pattern in (r"\.innerHTML\s*=", r"\.outerHTML\s*=", r"insertAdjacentHTML", r"document\.write",
                    r"\beval\s*\(", r"new Function\s*\(", r"setTimeout\(\s*['\"]"):
        assert not re.search(pattern, code), f"{name}: {pattern}"


def test_locales_have_the_same_keys_each_with_a_description():
    assert set(LOCALES["en"]) == set(LOCALES["ja"])
    for loc, messages in LOCALES.items():
        for key, entry in messages.items():
            assert entry.get("message"), f"{loc}: {key} has no message"
            assert entry.get("description"), f"{loc}: {key} has no description"
            used = set(re.findall(r"\$([a-z_]+)\$", entry["message"]))
            assert used == set(entry.get("placeholders", {})), f"{loc}: {key} placeholders"


def test_every_message_key_used_exists():
    used = set(re.findall(r"__MSG_(\w+)__", json.dumps(MANIFEST)))
    for name, text in SOURCES.items():
        if name.endswith(".js"):
            text = re.sub(r"/\*.*?\*/", "", text, flags=re.DOTALL)
        used |= set(re.findall(r'data-i18n="(\w+)"', text))
        used |= set(re.findall(r'data-i18n-attr="[^"]*?:(\w+)"', text))
        used |= set(re.findall(r'\bt\("(\w+)"', text))
        used |= set(re.findall(r'getMessage\("(\w+)"', text))
    assert used, "found no message keys at all"
    missing = used - set(LOCALES["en"])
    assert not missing


def test_every_message_sent_is_declared_and_handled():
    declared = set(re.findall(r"^    (\w+): \{", JS["shared/messages.js"], re.MULTILINE))
    assert {"annotate", "term", "status", "knownAdd", "tooltipCss", "pageReport", "pageInfo"} <= declared
    sent = set()
    for text in JS.values():
        sent |= set(re.findall(r'\bsend\("(\w+)"', text))
        sent |= set(re.findall(r'sendToTab\([^,]+, "(\w+)"', text))
    assert sent <= declared, sent - declared
    worker = re.search(r"listen\(\{([^}]*)\}\)", JS["service-worker.js"]).group(1)
    content = re.search(r"listen\(\{([^}]*)\}\)", JS["content/content.js"]).group(1)
    handled = {x.strip() for x in (worker + "," + content).split(",") if x.strip()}
    assert handled == declared


def test_every_data_setting_is_a_setting():
    defaults = re.search(r"const DEFAULTS = Object\.freeze\(\{(.*?)\}\);", JS["shared/settings.js"], re.DOTALL).group(1)
    names = set(re.findall(r"^\s+(\w+):", defaults, re.MULTILINE))
    bound = set(re.findall(r'data-setting="(\w+)"', SOURCES["options/options.html"]))
    # version is the storage format's; placed is set by the placement page (Options redoes it with a button).
    assert bound == names - {"version", "placed"}
