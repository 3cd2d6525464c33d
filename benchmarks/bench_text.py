"""Text matching: ``annotate_text`` against what a spaCy user would write, flashtext and ``re``.

Every figure is a ratio against baselines run in the same process on the same input (1 MB of
generated article prose per language); recall on our evaluation set stands next to speed,
because a faster matcher that misses terms is no win.  Tadoru's own pure-Python path (the
reference the compiled core must agree with, and the fallback where it is not built) is one
of the baselines, so the compiled core's gain is measured in the same run too.
"""

from __future__ import annotations

import re

from common import cold_and_warm, print_table
from corpus import prose

from harness.evalset import evaluate, load_paragraphs
from tadoru import Annotator, fastcore


class PhraseMatcherBaseline:
    """spaCy ``blank(lang)`` + ``PhraseMatcher(attr="LOWER")`` with every label, tokenising included."""

    def __init__(self, lexicon, lang: str) -> None:
        import spacy
        from spacy.matcher import PhraseMatcher

        self.nlp = spacy.blank(lang)
        self.matcher = PhraseMatcher(self.nlp.vocab, attr="LOWER")
        for c in lexicon:
            self.matcher.add(c.id, list(self.nlp.tokenizer.pipe([label for _, label in c.all_labels()])))

    def find(self, text: str):
        from spacy.tokens import Span
        from spacy.util import filter_spans

        out = []
        offset = 0
        for para in text.split("\n"):  # Sudachi refuses inputs over 49,149 bytes
            if para:
                doc = self.nlp.make_doc(para)
                spans = [Span(doc, s, e, label=m) for m, s, e in self.matcher(doc)]
                out.extend((offset + sp.start_char, offset + sp.end_char, sp.label_) for sp in filter_spans(spans))
            offset += len(para) + 1
        return out


class PurePythonPath:
    """Tadoru's reference path: the same lexicon and rules without the compiled core."""

    def __init__(self, annotator: Annotator) -> None:
        self.annotator = Annotator(compiled=annotator.compiled.pure_python())

    def find(self, text: str):
        return [(a.start, a.end, a.term) for a in self.annotator.annotate_text(text, density="all")]


class FlashTextBaseline:
    def __init__(self, lexicon) -> None:
        from flashtext import KeywordProcessor

        self.kp = KeywordProcessor(case_sensitive=False)
        for c in lexicon:
            for _, label in c.all_labels():
                self.kp.add_keyword(label, c.id)

    def find(self, text: str):
        return [(s, e, t) for t, s, e in self.kp.extract_keywords(text, span_info=True)]


class RegexBaseline:
    def __init__(self, lexicon) -> None:
        pairs = sorted(((label, c.id) for c in lexicon for _, label in c.all_labels()), key=lambda p: -len(p[0]))
        self.by_label = {label.lower(): cid for label, cid in pairs}
        self.pattern = re.compile(r"(?<!\w)(?:" + "|".join(re.escape(label) for label, _ in pairs) + r")(?!\w)", re.IGNORECASE)

    def find(self, text: str):
        return [(m.start(), m.end(), self.by_label.get(m.group().lower())) for m in self.pattern.finditer(text)]


def main() -> list[dict]:
    annotator = Annotator()
    annotator.warm_up()
    lexicon = annotator.lexicon
    paragraphs = load_paragraphs()
    rows, results = [], []
    for lang in ("en", "ja"):
        text = prose(lang, 1_000_000)
        mb = len(text.encode()) / 1e6
        fresh = Annotator(compiled=annotator.compiled)  # a new object: its first call is the cold one
        ours_cold, ours = cold_and_warm(lambda text=text, fresh=fresh: fresh.annotate_text(text, density="all"))
        pure = PurePythonPath(annotator)
        pm = PhraseMatcherBaseline(lexicon, lang)
        ft = FlashTextBaseline(lexicon)
        rx = RegexBaseline(lexicon)
        base = {
            "tadoru, pure-Python path": (pure, cold_and_warm(lambda pure=pure, text=text: pure.find(text))),
            "spaCy PhraseMatcher": (pm, cold_and_warm(lambda pm=pm, text=text: pm.find(text))),
            "flashtext": (ft, cold_and_warm(lambda ft=ft, text=text: ft.find(text))),
            "re alternation": (rx, cold_and_warm(lambda rx=rx, text=text: rx.find(text), repeat=3)),
        }
        subset = [p for p in paragraphs if p.lang == lang]
        ours_score = evaluate(lambda t: [(a.start, a.end, a.term) for a in annotator.annotate_text(t, density="all")], subset)[lang]
        rows.append([lang, "tadoru annotate_text", f"{mb / ours:.2f}", f"{mb / ours_cold:.2f}", "1.00", "1.00",
                     f"{ours_score.precision:.3f}", f"{ours_score.recall:.3f}"])
        for name, (impl, (cold, warm)) in base.items():
            score = evaluate(lambda t, impl=impl: impl.find(t), subset)[lang]
            rows.append([lang, name, f"{mb / warm:.2f}", f"{mb / cold:.2f}", f"{warm / ours:.2f}", f"{cold / ours_cold:.2f}",
                         f"{score.precision:.3f}", f"{score.recall:.3f}"])
            results.append({"lang": lang, "baseline": name, "speedup": warm / ours, "speedup_cold": cold / ours_cold,
                            "recall": score.recall, "mb_s": mb / warm, "mb_s_cold": mb / cold})
        results.append({"lang": lang, "ours_mb_s": mb / ours, "ours_mb_s_cold": mb / ours_cold,
                        "recall": ours_score.recall})
    print(f"Tadoru ran on the {fastcore.status()}.")
    print_table("Text matching, 1 MB of article prose: every method warm (median of 5 after a first call) and "
                "cold (that first call); speed-up = baseline time / tadoru time, warm vs warm and cold vs cold",
                ["lang", "method", "MB/s warm", "MB/s cold", "speed-up warm", "speed-up cold", "precision",
                 "recall (eval set)"], rows)
    return results


if __name__ == "__main__":
    main()
