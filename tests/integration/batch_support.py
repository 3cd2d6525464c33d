"""Shared by the batch tests: the input tree, running the real CLI, reading outputs.

The checked-in part of the tree lives in ``tests/fixtures/batch`` (UTF-8 pages, a saved page with
its ``_files`` folder, an MHTML archive, Markdown).  Files whose bytes matter — Shift_JIS and
EUC-JP pages, a binary file renamed ``.html``, an empty file, a page nested 10,000 deep, an
oversized file, a dangling link — are made here, so no editor or checkout can alter them.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
FIXTURES = REPO / "tests" / "fixtures" / "batch"

JA_PAGE = """<html><head>{meta}<title>機械学習の基礎</title></head>
<body><h1>ファインチューニング入門</h1>
<p>大規模言語モデルを特定の用途に合わせて調整することをファインチューニングと呼びます。
LoRA を使えば、GPU が一枚でも学習できます。</p>
<p>過学習を防ぐには、検証データで性能を確かめます。機械学習の基本を知っていると理解しやすいでしょう。</p>
</body></html>
"""
JA_NOTES = "読書メモ\n\n強化学習と教師あり学習の違いを整理する。\n埋め込みベクトルで文章の類似度を測る方法も調べる。\n"

#: What the broken files must be reported as.
EXPECTED_FAILURES = {
    "broken/binary.html": "binary",
    "broken/empty.html": "empty",
    "broken/deep.html": "too-deep",
    "broken/oversized.html": "oversized",
    "broken/dangling.html": "unreadable",
}
GOOD_PAGES = [
    "articles/en/lora-explained.html",
    "articles/ja/llm-nyumon.html",
    "encodings/eucjp.html",
    "encodings/sjis-meta.html",
    "encodings/sjis-nometa.html",
    "notes/ideas.txt",
    "notes/reading-list.md",
    "saved/transformer-single-file.mhtml",
]
PNG_BYTES = bytes.fromhex("89504e470d0a1a0a0000000d4948445200000001000000010806000000") + b"\x00" * 64


def build_tree(base: Path) -> Path:
    """The full input tree under ``base/in``; returns that folder."""
    root = base / "in"
    shutil.copytree(FIXTURES, root, ignore=shutil.ignore_patterns(".gitattributes"))
    (root / "encodings").mkdir()
    (root / "encodings" / "sjis-meta.html").write_bytes(
        JA_PAGE.format(meta='<meta http-equiv="Content-Type" content="text/html; charset=Shift_JIS">').encode("shift_jis"))
    (root / "encodings" / "sjis-nometa.html").write_bytes(JA_PAGE.format(meta="").encode("shift_jis"))
    (root / "encodings" / "eucjp.html").write_bytes(JA_PAGE.format(meta="").encode("euc_jp"))
    (root / "notes" / "ideas.txt").write_text(JA_NOTES, encoding="utf-8")
    broken = root / "broken"
    broken.mkdir()
    (broken / "binary.html").write_bytes(PNG_BYTES)
    (broken / "empty.html").write_bytes(b"")
    depth = 10_000
    (broken / "deep.html").write_text("<html><body>" + "<div>" * depth + "LoRA and fine-tuning" + "</div>" * depth
                                      + "</body></html>", encoding="utf-8")
    with open(broken / "oversized.html", "wb") as handle:
        handle.truncate(21 * 1024 * 1024)  # sparse: costs no disk
    os.symlink(base / "nowhere.html", broken / "dangling.html")
    (root / ".hidden.html").write_text("<p>LoRA</p>", encoding="utf-8")  # hidden files are not pages
    return root


def run_cli(*args: str | Path, timeout: float = 180, env: dict[str, str] | None = None,
            cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    """``python -m tadoru annotate ARGS`` as a reader would run it."""
    return subprocess.run([sys.executable, "-m", "tadoru", "annotate", *map(str, args)], capture_output=True,
                          text=True, timeout=timeout, env={**os.environ, **(env or {})}, cwd=cwd, check=False)


def tree_digest(root: Path) -> dict[str, str]:
    """Every file under ``root`` (links not followed) → sha256 of its bytes."""
    out: dict[str, str] = {}
    for path in sorted(root.rglob("*")):
        if path.is_symlink():
            out[str(path.relative_to(root))] = "link:" + os.readlink(path)
        elif path.is_file():
            out[str(path.relative_to(root))] = hashlib.sha256(path.read_bytes()).hexdigest()
    return out


def outputs(out: Path) -> dict[str, bytes]:
    """The files a batch wrote, without its bookkeeping folder."""
    return {str(p.relative_to(out)): p.read_bytes() for p in sorted(out.rglob("*"))
            if p.is_file() and ".tadoru" not in p.relative_to(out).parts}


def report(out: Path) -> dict:
    return json.loads((out / "report.json").read_text(encoding="utf-8"))


def embedded_data(html: str) -> dict:
    """The JSON the page carries in ``<script type="application/json" id="tadoru-data">``."""
    import lxml.html

    root = lxml.html.document_fromstring(html)
    (node,) = root.xpath('//script[@id="tadoru-data"]')
    return json.loads(node.text)


def summary_counts(stdout: str) -> dict[str, int]:
    """``annotated``/``up to date``/``failed`` from the summary table."""
    counts = {}
    for line in stdout.splitlines():
        for label in ("annotated", "up to date", "failed"):
            if line.strip().startswith(label) and line.strip()[len(label):].strip().isdigit():
                counts[label] = int(line.strip()[len(label):].strip())
    return counts


# --------------------------------------------------------------------------- generated articles

_EN_GLUE = ["In practice,", "Put simply,", "It helps to remember that", "Most tutorials skip this, but",
            "Researchers often note that", "For a beginner,"]
_JA_GLUE = ["実際には、", "簡単に言えば、", "覚えておきたいのは、", "入門書では省かれがちだが、", "研究者の間でもよく言われるように、"]


def write_articles(folder: Path, count: int, *, seed: int = 7) -> list[Path]:
    """``count`` article-sized pages (≈ 10–20 kB each) built from the lexicon's own definitions.

    Like the posts readers save: a title, a lede, sections with headings, links, a table, a
    list and a code block, in English or Japanese, about one term and the terms it builds on.
    """
    import html
    import random

    from tadoru import load_lexicon

    lexicon = load_lexicon()
    rng = random.Random(seed)
    specialist = sorted(c.id for c in lexicon if c.level >= 2 and c.deeper)
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for n in range(count):
        lang = "ja" if n % 2 else "en"
        topic = lexicon[rng.choice(specialist)]
        trace = [lexicon[cid] for cid in lexicon.trace(topic.id)][-10:]
        others = [lexicon[cid] for cid in rng.sample(sorted(lexicon.concepts), 6)]
        e = html.escape
        glue = _JA_GLUE if lang == "ja" else _EN_GLUE
        body = [f"<header><nav><a href='/'>Home</a> · <a href='/tags/{e(topic.category)}'>{e(topic.category)}</a></nav></header>",
                f"<article><h1>{e(topic.label(lang))}</h1>",
                f"<p class='lede'>{e(topic.definition[lang])}</p>"]
        for concept in trace + others:
            body.append(f"<h2 id='{e(concept.id)}'>{e(concept.label(lang))}</h2>")
            for _ in range(3):
                body.append(f"<p>{e(rng.choice(glue))} {e(concept.definition[lang])} "
                            f"<a href='https://example.org/{e(concept.id)}'>{e(concept.label('en'))}</a> "
                            f"{e(rng.choice(trace).definition[lang])}</p>")
        body.append("<table><thead><tr><th>term</th><th>level</th><th>category</th></tr></thead><tbody>")
        body += [f"<tr><td>{e(c.label(lang))}</td><td>{c.level}</td><td>{e(c.category)}</td></tr>" for c in trace]
        body.append("</tbody></table><ul>")
        body += [f"<li>{e(c.label(lang))}: {e(c.definition[lang][:80])}</li>" for c in others]
        body.append(f"</ul><pre><code>model = load('{e(topic.id)}')  # {e(topic.label('en'))} stays as code\n"
                    f"model.fit(dataset, epochs=3)</code></pre></article>")
        page = (f"<!DOCTYPE html><html lang='{lang}'><head><meta charset='utf-8'><title>{e(topic.label(lang))}"
                f"</title><style>body{{max-width:40rem;margin:auto}}</style><script>var tracking = 1;</script>"
                f"</head><body>{''.join(body)}</body></html>")
        path = folder / f"article-{n:03d}.html"
        path.write_text(page, encoding="utf-8")
        written.append(path)
    return written
