"""Text matching: ``annotate_text`` against what a spaCy user would write, flashtext and ``re``.

Every figure is a ratio against baselines run in the same process on the same input (1 MB of
generated article prose per language); recall on our evaluation set stands next to speed,
because a faster matcher that misses terms is no win.
"""

from __future__ import annotations

import re

from common import best_of, print_table
from corpus import prose

from harness.evalset import evaluate, load_paragraphs
from tadoru import Annotator


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
        ours = best_of(lambda text=text: annotator.annotate_text(text))
        pm = PhraseMatcherBaseline(lexicon, lang)
        base = {
            "spaCy PhraseMatcher": (pm, best_of(lambda pm=pm, text=text: pm.find(text), repeat=1)),
            "flashtext": (ft := FlashTextBaseline(lexicon), best_of(lambda ft=ft, text=text: ft.find(text))),
            "re alternation": (rx := RegexBaseline(lexicon), best_of(lambda rx=rx, text=text: rx.find(text), repeat=1)),
        }
        subset = [p for p in paragraphs if p.lang == lang]
        ours_score = evaluate(lambda t: [(a.start, a.end, a.term) for a in annotator.annotate_text(t)], subset)[lang]
        ours_recall = ours_score.recall
        rows.append([lang, "tadoru annotate_text", f"{mb / ours:.2f}", "1.00", f"{ours_score.precision:.3f}", f"{ours_recall:.3f}"])
        for name, (impl, seconds) in base.items():
            score = evaluate(lambda t, impl=impl: impl.find(t), subset)[lang]
            recall = score.recall
            rows.append([lang, name, f"{mb / seconds:.2f}", f"{seconds / ours:.2f}", f"{score.precision:.3f}", f"{recall:.3f}"])
            results.append({"lang": lang, "baseline": name, "speedup": seconds / ours, "recall": recall})
        results.append({"lang": lang, "ours_mb_s": mb / ours, "recall": ours_recall})
    print_table("Text matching, 1 MB of article prose (speed-up = baseline time / tadoru time)",
                ["lang", "method", "MB/s", "tadoru speed-up", "precision", "recall (eval set)"], rows)
    return results


if __name__ == "__main__":
    main()
