"""The two blank spaCy pipelines discovery runs its abbreviation component on.

Neither has a statistical model (none is installed and none may be downloaded): English is
``spacy.blank("en")``, whose rule tokenizer and stop words are all the rules here need; Japanese
is a blank ``ja`` pipeline whose tokenizer is *the process's one Sudachi tokenizer*
(``tadoru.text.japanese.sudachi``), so no second 200 MB dictionary is mapped (see that module).
spaCy's own ``JapaneseTokenizer`` would load its own dictionary; the registered tokenizer below
replaces it.

Pipelines are only ever run on small windows (the sentence around a parenthesis, the few words
before a head term), never on a whole page: tokenising 50 KB costs more than annotating it.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

from tadoru.text.japanese import SUDACHI_LOCK, sudachi

_LONE_SURROGATE = re.compile("[\ud800-\udfff]")

#: Sudachi's first part-of-speech level → the Universal POS tag spaCy uses (``token.pos_``).
_UPOS = {
    "名詞": "NOUN", "代名詞": "PRON", "形状詞": "ADJ", "連体詞": "DET", "副詞": "ADV",
    "接続詞": "CCONJ", "感動詞": "INTJ", "動詞": "VERB", "形容詞": "ADJ", "助動詞": "AUX",
    "助詞": "ADP", "接頭辞": "NOUN", "接尾辞": "NOUN", "記号": "SYM", "補助記号": "PUNCT",
    "空白": "SPACE",
}

TOKENIZER_NAME = "tadoru.discover.SharedSudachi.v1"


class SharedSudachiTokenizer:
    """A spaCy tokenizer for Japanese that asks the shared Sudachi tokenizer, under its lock.

    Each morpheme becomes one token with ``tag_`` set to Sudachi's part of speech joined by
    ``-`` (``名詞-普通名詞-一般``) and ``pos_`` to the matching Universal tag, which is what
    the abbreviation component and the compound rules read.  The tokens' texts concatenate
    back to the input exactly, so character offsets into a window stay offsets into the page.
    """

    def __init__(self, vocab: Any) -> None:
        self.vocab = vocab

    def __call__(self, text: str) -> Any:
        from spacy.tokens import Doc

        tokenizer, mode = sudachi()
        safe = _LONE_SURROGATE.sub("\ufffd", text)  # Sudachi takes UTF-8 only; same length
        with SUDACHI_LOCK:
            morphemes = [(m.begin(), m.end(), m.part_of_speech()) for m in tokenizer.tokenize(safe, mode)]
        words = [text[b:e] for b, e, _ in morphemes]
        tags = ["-".join(p for p in pos[:4] if p != "*") for _, _, pos in morphemes]
        upos = [_UPOS.get(pos[0], "X") for _, _, pos in morphemes]
        if not words:
            return Doc(self.vocab, words=[], spaces=[])
        return Doc(self.vocab, words=words, spaces=[False] * len(words), tags=tags, pos=upos)

    # spaCy serialises tokenizers with the pipeline; this one has no state of its own.
    def to_bytes(self, **_: Any) -> bytes:
        return b""

    def from_bytes(self, _data: bytes, **__: Any) -> SharedSudachiTokenizer:
        return self

    def to_disk(self, _path: Any, **_: Any) -> None:
        return None

    def from_disk(self, _path: Any, **_: Any) -> SharedSudachiTokenizer:
        return self


@lru_cache(maxsize=1)
def _register() -> None:
    import spacy

    @spacy.registry.tokenizers(TOKENIZER_NAME)
    def create_shared_sudachi() -> Any:  # pragma: no cover - called by spaCy
        def make(nlp: Any) -> SharedSudachiTokenizer:
            return SharedSudachiTokenizer(nlp.vocab)

        return make


@lru_cache(maxsize=1)
def english() -> Any:
    """``spacy.blank("en")`` with the abbreviation component, one per process."""
    import spacy

    from tadoru.discover.definitions import COMPONENT_NAME

    nlp = spacy.blank("en")
    nlp.add_pipe(COMPONENT_NAME)
    return nlp


@lru_cache(maxsize=1)
def japanese() -> Any:
    """A blank Japanese pipeline on the shared Sudachi tokenizer, with the abbreviation component."""
    import spacy

    from tadoru.discover.definitions import COMPONENT_NAME

    _register()
    nlp = spacy.blank("ja", config={"nlp": {"tokenizer": {"@tokenizers": TOKENIZER_NAME}}})
    nlp.add_pipe(COMPONENT_NAME)
    return nlp


def pipeline(lang: str) -> Any:
    """The blank pipeline for ``lang`` (``"ja"`` or anything else, which reads as English)."""
    return japanese() if lang == "ja" else english()
