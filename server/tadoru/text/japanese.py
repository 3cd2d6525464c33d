"""Where Japanese words start and end, decided by Sudachi through spaCy.

Japanese has no spaces, so a lexicon label found inside a longer word (``層`` inside ``富裕層``
or ``階層``) must be rejected.  Tokenising every request's whole text is the slow path
(about 0.8 MB/s measured here), so the matcher asks only about the few positions where the
characters on both sides are of the same script, and only the sentence around such a position
is tokenised, once per request.
"""

from __future__ import annotations

import bisect
import re
import threading
from functools import lru_cache
from typing import Any

# Split mode C keeps dictionary compounds whole (富裕層, 大規模言語モデル), which is exactly the
# question asked here: would a reader see this span as (part of) one word?
_SPACY_CONFIG = {"nlp": {"tokenizer": {"split_mode": "C"}}}
_SENTENCE_END = re.compile(r"[。．！？!?\n]")
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")
_MAX_WINDOW = 1000  # characters; far below Sudachi's 49,149-byte input limit
_MARGIN = 100


#: Guards the one Sudachi tokenizer of the process: SudachiPy tokenizers must not be entered from
#: two threads at once.
SUDACHI_LOCK = threading.Lock()


@lru_cache(maxsize=1)
def sudachi() -> tuple[Any, Any]:
    """The Sudachi tokenizer and split mode of spaCy's Japanese pipeline, one per process.

    spaCy's own ``JapaneseTokenizer.__call__`` also builds tags, lemmas and readings for
    every token — eight times the cost of the segmentation, which is all a word-edge
    question needs (measured: 280 µs vs 34 µs per sentence).  So the segmentation is asked
    of the very Sudachi tokenizer spaCy configured, with spaCy's split mode.  Word edges and
    label readings (``tadoru.text.readings``) share it: a second tokenizer maps the 200 MB
    dictionary a second time, and its pages count twice in the worker's memory (+134 MB).
    Use it under ``SUDACHI_LOCK``.
    """
    import spacy
    from sudachipy import SplitMode

    ja_tokenizer: Any = spacy.blank("ja", config=_SPACY_CONFIG).tokenizer  # spaCy's JapaneseTokenizer
    mode = {"A": SplitMode.A, "B": SplitMode.B, "C": SplitMode.C}[ja_tokenizer.split_mode or "A"]
    return ja_tokenizer.tokenizer, mode


class JapaneseTokenizer:
    """Word edges from the process's Sudachi tokenizer (``sudachi()``), safe to share between threads."""

    @property
    def _sudachi(self) -> tuple[Any, Any]:
        return sudachi()

    def load(self) -> None:
        """Load the dictionary now (it takes a moment) instead of on the first request."""
        self.word_edges("学習")

    def word_edges(self, text: str) -> set[int]:
        """Offsets in ``text`` where a word starts or ends."""
        if not text:
            return {0}
        tokenizer, mode = self._sudachi
        text = _LONE_SURROGATE.sub("\ufffd", text)  # Sudachi takes UTF-8 only; same length
        with SUDACHI_LOCK:
            morphemes = tokenizer.tokenize(text, mode)
            edges = {m.begin() for m in morphemes}
        edges.add(len(text))
        return edges


class WordEdges:
    """Word-edge questions about one document, answered sentence by sentence and cached."""

    def __init__(self, text: str, tokenizer: JapaneseTokenizer) -> None:
        self.text = text
        self.tokenizer = tokenizer
        self._cache: dict[tuple[int, int], set[int]] = {}
        self._ends: list[int] | None = None

    def is_edge(self, pos: int) -> bool:
        """Does a word start or end at ``pos`` (a code-point offset into the text)?"""
        start, end = self._window(pos)
        edges = self._cache.get((start, end))
        if edges is None:
            edges = {start + e for e in self.tokenizer.word_edges(self.text[start:end])}
            self._cache[(start, end)] = edges
        return pos in edges

    def _window(self, pos: int) -> tuple[int, int]:
        if self._ends is None:
            self._ends = [m.end() for m in _SENTENCE_END.finditer(self.text)]
        k = bisect.bisect_right(self._ends, pos - 1)
        seg_start = self._ends[k - 1] if k > 0 else 0
        seg_end = self._ends[k] if k < len(self._ends) else len(self.text)
        if seg_end - seg_start <= _MAX_WINDOW:
            return seg_start, seg_end
        # An unpunctuated run: fixed windows with overlapping margins, so every position is
        # judged with at least _MARGIN characters of context on both sides.
        step = _MAX_WINDOW - 2 * _MARGIN
        idx = max(0, (pos - seg_start - _MARGIN)) // step
        start = seg_start + idx * step
        return start, min(seg_end, start + _MAX_WINDOW)
