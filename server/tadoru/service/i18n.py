"""The web pages' words in Japanese and English, and which of the two a reader gets.

The browser's ``Accept-Language`` picks; ``?lang=ja|en`` overrides and is remembered in a
cookie so the choice follows the reader from page to page.  Two languages and a few dozen
strings do not call for gettext catalogs: one dict per language keeps every string and its
translation side by side, and a unit test checks that both dicts have the same keys.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote, urlencode

from flask import g, request

UI_LANGS = ("ja", "en")
COOKIE = "tadoru_lang"

MESSAGES: dict[str, dict[str, str]] = {
    "en": {
        "tagline": "Trace the AI jargon you don't know yet, down to the basics.",
        "nav_home": "Annotate",
        "nav_glossary": "Glossary",
        "nav_read": "Read a PDF",
        "reader_title": "Read a PDF",
        "reader_heading": "Read a paper (PDF)",
        "reader_help": "Open a PDF — a research paper, say — or drop it here. It is drawn page by page with the AI/ML terms highlighted in place; hover or focus one to read what it means. The file stays on this computer: it goes only to this Tadoru service.",
        "reader_file": "Open a PDF",
        "reader_drop": "…or drop a PDF anywhere on this page",
        "reader_loading": "Reading {name}…",
        "reader_done": "{name}: {pages} pages, {marks} highlights, {terms} different terms.",
        "reader_no_text": "{name} has no text layer (a scan?): there is nothing to highlight.",
        "reader_not_pdf": "This is not a PDF.",
        "reader_failed": "Tadoru could not read this PDF: {message}",
        "reader_page": "Page {page}",
        "error_pdf_upload": "This is a PDF: open it in the PDF reader instead.",
        "nav_api": "API",
        "switch_label": "Language",
        "paste_heading": "Paste an article",
        "paste_help": "Paste Japanese or English text, or choose a saved web page (.html) or a text file. Tadoru marks the AI/ML terms; hover or focus one to read what it means.",
        "text_label": "Text",
        "text_placeholder": "e.g. ファインチューニングとは、既に学習済みのモデルに新たな層を追加し…",
        "file_label": "…or a saved page / text file",
        "level_label": "Show terms from level",
        "level_1": "1 – everything",
        "level_2": "2 – skip everyday terms",
        "level_3": "3 – specialist terms only",
        "density_label": "How often to mark a term",
        "density_calm": "Calm: once per section, not in headings or menus",
        "density_first": "Once per page",
        "density_all": "Every time it appears",
        "discover_label": "Also underline words Tadoru does not know yet (dashed)",
        "submit": "Highlight terms",
        "known_count": "Terms you marked as known are not highlighted:",
        "known_forget": "Forget them",
        "result_heading": "Result",
        "result_summary": "{marks} highlights, {terms} different terms",
        "result_none": "No terms from the lexicon were found in this text.",
        "result_file": "File",
        "terms_found": "Terms in this text",
        "error_both": "Give either text or a file, not both.",
        "error_neither": "Paste some text or choose a file first.",
        "error_level": "The level must be 1, 2 or 3.",
        "error_binary": "This file is not text (an image or archive?).",
        "error_encoding": "Could not tell this file's text encoding.",
        "error_too_deep": "This page nests its elements too deeply to read.",
        "error_too_long": "This text grows too long when normalised (some characters expand to 18) to annotate.",
        "error_cross_site": "This form only accepts text sent from its own page. Open the service and paste it there.",
        "result_truncated": "This text holds more terms than one request annotates: highlights stop at character {at}.",
        "glossary_heading": "Glossary",
        "glossary_count": "{shown} of {total} terms",
        "search_label": "Search",
        "search_placeholder": "LoRA, 過学習, token…",
        "filter_level": "Level",
        "filter_category": "Category",
        "filter_language": "Labels",
        "any": "Any",
        "language_all": "Japanese and English",
        "language_ja": "Japanese",
        "language_en": "English",
        "filter_apply": "Filter",
        "glossary_empty": "No terms match.",
        "glossary_more": "…and {count} more: press Enter to list them all.",
        "result_missing_title": "Result not found",
        "result_missing_heading": "This result is no longer kept",
        "result_missing_help": "The service keeps only its most recent results, and none once it restarts. Paste the text or choose the file again.",
        "result_missing_back": "Back to the form",
        "level": "Level {level}",
        "level_name_1": "everyday",
        "level_name_2": "practitioner",
        "level_name_3": "specialist",
        "category": "Category",
        "aliases": "Also written",
        "definition_ja": "Definition (Japanese)",
        "definition_en": "Definition (English)",
        "deeper_heading": "Builds on (deeper terms)",
        "deeper_none": "This is a starting point: it builds on no other term.",
        "related_heading": "Related terms",
        "used_by_heading": "Used in the definitions of",
        "trace_heading": "Learning path",
        "trace_help": "Read from the bottom up: the basics first, this term last. Arrows point from a term to what it builds on.",
        "trace_steps": "{count} terms, prerequisites first:",
        "links_heading": "Read more",
        "wikipedia_en": "Wikipedia (English)",
        "wikipedia_ja": "Wikipedia (Japanese)",
        "arxiv": "Original paper (arXiv)",
        "official": "Official page",
        "as_json": "This term as JSON",
        "not_found_term": "There is no term “{name}” in the lexicon.",
        "did_you_mean": "Did you mean:",
        "error_heading": "Something went wrong",
        "error_back": "Back to the start page",
        "error_404": "This page does not exist.",
        "error_405": "This page cannot be used that way.",
        "error_413": "What you sent is larger than this service accepts.",
        "error_500": "The service failed to handle this request. The error has been logged.",
        "error_generic": "The request could not be handled.",
        "cat_basics": "Basics",
        "cat_training": "Learning and training",
        "cat_neural-networks": "Neural networks",
        "cat_language-models": "Language models",
        "cat_generative-images": "Generative images",
        "cat_vision": "Vision",
        "cat_speech": "Speech and audio",
        "cat_data-evaluation": "Data and evaluation",
        "cat_math": "Math for ML",
        "cat_classic-ml": "Classic machine learning",
        "cat_tools-products": "Tools and products",
        "cat_infrastructure-mlops": "Infrastructure and MLOps",
        "cat_safety-ethics": "Safety and ethics",
        "cat_reinforcement-learning": "Reinforcement learning",
        "cat_agents": "AI agents",
        "cat_retrieval": "Search and retrieval",
        "cat_nlp": "Natural language processing",
        "cat_classic-ai": "Classic AI",
        "cat_law-policy": "Law and policy",
        "cat_custom": "Your own terms",
    },
    "ja": {
        "tagline": "まだ知らないAI用語を、基礎までたどる。",
        "nav_home": "注釈をつける",
        "nav_glossary": "用語集",
        "nav_read": "PDF を読む",
        "reader_title": "PDF を読む",
        "reader_heading": "論文（PDF）を読む",
        "reader_help": "論文などの PDF を開くか、ここにドロップしてください。ページごとに表示され、AI・機械学習の用語がその場所に強調されます。用語にカーソルを合わせるかフォーカスすると意味が表示されます。ファイルはこのパソコンの Tadoru サービスにだけ送られます。",
        "reader_file": "PDF を開く",
        "reader_drop": "…またはこのページに PDF をドロップ",
        "reader_loading": "{name} を読み込んでいます…",
        "reader_done": "{name}：{pages} ページ、強調 {marks} か所、用語 {terms} 種類。",
        "reader_no_text": "{name} にはテキストがありません（スキャン画像？）。強調できる用語はありません。",
        "reader_not_pdf": "PDF ではありません。",
        "reader_failed": "この PDF を読めませんでした：{message}",
        "reader_page": "{page} ページ",
        "error_pdf_upload": "これは PDF です。PDF リーダーで開いてください。",
        "nav_api": "API",
        "switch_label": "表示言語",
        "paste_heading": "記事を貼り付ける",
        "paste_help": "日本語か英語の文章を貼り付けるか、保存したウェブページ（.html）やテキストファイルを選んでください。AI・機械学習の用語に印がつき、カーソルを合わせるかフォーカスすると意味が表示されます。",
        "text_label": "文章",
        "text_placeholder": "例：ファインチューニングとは、既に学習済みのモデルに新たな層を追加し…",
        "file_label": "…または保存したページ・テキストファイル",
        "level_label": "表示する用語のレベル",
        "level_1": "1 – すべて",
        "level_2": "2 – 一般的な用語は除く",
        "level_3": "3 – 専門用語のみ",
        "density_label": "印をつける頻度",
        "density_calm": "控えめ：節ごとに1回、見出しやメニューには付けない",
        "density_first": "ページ全体で1回",
        "density_all": "出てくるたびに毎回",
        "discover_label": "Tadoru がまだ知らない語にも点線の下線を引く",
        "submit": "用語に印をつける",
        "known_count": "「知っている」にした用語には印をつけません：",
        "known_forget": "リセット",
        "result_heading": "結果",
        "result_summary": "{marks}か所、{terms}種類の用語",
        "result_none": "用語集にある用語は見つかりませんでした。",
        "result_file": "ファイル",
        "terms_found": "この文章に出てくる用語",
        "error_both": "文章かファイルのどちらか一方だけを指定してください。",
        "error_neither": "文章を貼り付けるか、ファイルを選んでください。",
        "error_level": "レベルは1、2、3のいずれかです。",
        "error_binary": "このファイルはテキストではありません（画像や圧縮ファイル？）。",
        "error_encoding": "このファイルの文字コードを判別できませんでした。",
        "error_too_deep": "要素の入れ子が深すぎて、このページは読めません。",
        "error_too_long": "正規化すると長くなりすぎるため（1文字が最大18文字に展開されます）、このテキストは処理できません。",
        "error_cross_site": "このフォームは、このサービス自身のページから送られたテキストだけを受け付けます。サービスを開いて、そこに貼り付けてください。",
        "result_truncated": "用語が多すぎるため、ハイライトは{at}文字目までです。",
        "glossary_heading": "用語集",
        "glossary_count": "{total}語中{shown}語",
        "search_label": "検索",
        "search_placeholder": "LoRA、過学習、トークン…",
        "filter_level": "レベル",
        "filter_category": "分野",
        "filter_language": "見出し語",
        "any": "すべて",
        "language_all": "日本語と英語",
        "language_ja": "日本語",
        "language_en": "英語",
        "filter_apply": "絞り込む",
        "glossary_empty": "該当する用語はありません。",
        "glossary_more": "…ほか{count}語。すべて表示するには Enter キーを押してください。",
        "result_missing_title": "結果が見つかりません",
        "result_missing_heading": "この結果はもう保存されていません",
        "result_missing_help": "サービスが保存するのは最近の結果だけで、再起動すると消えます。もう一度文章を貼り付けるか、ファイルを選んでください。",
        "result_missing_back": "入力フォームへ戻る",
        "level": "レベル{level}",
        "level_name_1": "一般",
        "level_name_2": "実務",
        "level_name_3": "専門",
        "category": "分野",
        "aliases": "別の表記",
        "definition_ja": "定義（日本語）",
        "definition_en": "定義（英語）",
        "deeper_heading": "前提となる用語",
        "deeper_none": "出発点となる用語です（前提となる用語はありません）。",
        "related_heading": "関連する用語",
        "used_by_heading": "この用語を定義に使う用語",
        "trace_heading": "学習の道すじ",
        "trace_help": "下から上へ読みます：基礎が先、この用語が最後。矢印は、ある用語からその前提となる用語へ向かいます。",
        "trace_steps": "{count}語（前提から順に）：",
        "links_heading": "さらに読む",
        "wikipedia_en": "Wikipedia（英語）",
        "wikipedia_ja": "Wikipedia（日本語）",
        "arxiv": "原論文（arXiv）",
        "official": "公式ページ",
        "as_json": "この用語のJSON",
        "not_found_term": "「{name}」という用語は用語集にありません。",
        "did_you_mean": "もしかして：",
        "error_heading": "エラーが発生しました",
        "error_back": "最初のページへ戻る",
        "error_404": "このページは存在しません。",
        "error_405": "このページはその方法では使えません。",
        "error_413": "送信された内容が大きすぎます。",
        "error_500": "リクエストを処理できませんでした。エラーは記録されています。",
        "error_generic": "リクエストを処理できませんでした。",
        "cat_basics": "基礎",
        "cat_training": "学習・訓練",
        "cat_neural-networks": "ニューラルネットワーク",
        "cat_language-models": "言語モデル",
        "cat_generative-images": "画像生成",
        "cat_vision": "画像認識",
        "cat_speech": "音声",
        "cat_data-evaluation": "データと評価",
        "cat_math": "機械学習の数学",
        "cat_classic-ml": "古典的な機械学習",
        "cat_tools-products": "ツールと製品",
        "cat_infrastructure-mlops": "インフラとMLOps",
        "cat_safety-ethics": "安全性と倫理",
        "cat_reinforcement-learning": "強化学習",
        "cat_agents": "AIエージェント",
        "cat_retrieval": "検索と情報取得",
        "cat_nlp": "自然言語処理",
        "cat_classic-ai": "古典的なAI",
        "cat_law-policy": "法律と政策",
        "cat_custom": "独自の用語",
    },
}


def ui_lang() -> str:
    """``?lang=`` first, then the remembered choice, then the browser's ``Accept-Language``."""
    cached = g.get("tadoru_ui_lang")
    if cached:
        return cached
    lang = request.args.get("lang")
    if lang not in UI_LANGS:
        lang = request.cookies.get(COOKIE)
    if lang not in UI_LANGS:
        lang = request.accept_languages.best_match(UI_LANGS, default="en")
    g.tadoru_ui_lang = lang
    return lang  # type: ignore[return-value]


def translate(key: str, lang: str | None = None, **values: Any) -> str:
    """The message ``key`` in the reader's language (English, then the key, as fallbacks)."""
    table = MESSAGES.get(lang or ui_lang(), MESSAGES["en"])
    text = table.get(key) or MESSAGES["en"].get(key) or key
    return text.format(**values) if values else text


def switch_url(lang: str) -> str:
    """This page's URL (for a GET) with ``lang`` swapped, for the language switch."""
    args = [(k, v) for k, vs in request.args.lists() if k != "lang" for v in vs]
    args.append(("lang", lang))
    path = request.path if request.method in ("GET", "HEAD") else "/"
    # A path such as "/\\evil.example" would read as the protocol-relative "//evil.example" in
    # the browser: the switch link must stay on this service, so only a plain path is kept.
    if not path.startswith("/") or path[1:2] in ("/", "\\") or "\\" in path:
        path = "/"
    return quote(path, safe="/-._~") + "?" + urlencode(args)


def page_context() -> dict[str, Any]:
    """What every page template needs: the language, ``_()`` and the switch links."""
    lang = ui_lang()
    return {
        "ui_lang": lang,
        "other_lang": "en" if lang == "ja" else "ja",
        "_": lambda key, **values: translate(key, lang, **values),
        "switch_url": switch_url,
    }
