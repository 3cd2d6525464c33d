"""What the annotations already say about a text: which spans are taken, and where it is about AI.

Discovery never marks a span the annotator marked, and it only trusts its guesses where the
annotator found the text to be about AI, by the annotator's own rule for ambiguous words
(``tadoru.annotate``: two distinct terms within ``CONTEXT_WINDOW`` characters).  A finance or
cooking page has acronyms and compounds too; they are not this project's jargon.
"""

from __future__ import annotations

import bisect
from collections.abc import Sequence

from tadoru.annotate import CONTEXT_MIN_TERMS, CONTEXT_WINDOW, Annotation


class AnnotationIndex:
    """The annotations of one text, sorted, for overlap and context questions in O(log n)."""

    __slots__ = ("annotations", "ends", "starts", "terms")

    def __init__(self, annotations: Sequence[Annotation]) -> None:
        # ``Annotated`` keeps its list in ``.annotations``; iterating the Sequence itself goes
        # through ``__getitem__`` once per item, five times slower.
        inner = getattr(annotations, "annotations", annotations)
        anns = list(inner)
        starts = [a.start for a in anns]
        if starts != sorted(starts):
            anns.sort(key=lambda a: (a.start, a.end))
            starts = [a.start for a in anns]
        self.annotations = anns
        self.starts = starts
        self.ends = [a.end for a in anns]
        self.terms = [a.term for a in anns]

    def __len__(self) -> int:
        return len(self.annotations)

    def overlaps(self, start: int, end: int) -> bool:
        """Does any annotation share a character with ``[start, end)``?"""
        k = bisect.bisect_right(self.ends, start)
        return k < len(self.starts) and self.starts[k] < end

    def overlapping(self, start: int, end: int) -> list[Annotation]:
        """The annotations that share a character with ``[start, end)``."""
        k = bisect.bisect_right(self.ends, start)
        out: list[Annotation] = []
        while k < len(self.starts) and self.starts[k] < end:
            out.append(self.annotations[k])
            k += 1
        return out

    def about_ai(self, start: int, end: int, besides: str | None = None, needed: int = CONTEXT_MIN_TERMS) -> bool:
        """Do ``needed`` distinct terms (other than ``besides``) stand within ``CONTEXT_WINDOW``
        characters of ``[start, end)``?"""
        lo = bisect.bisect_left(self.starts, start - CONTEXT_WINDOW)
        hi = bisect.bisect_right(self.starts, end + CONTEXT_WINDOW)
        distinct: set[str] = set()
        for term in self.terms[lo:hi]:
            if term != besides:
                distinct.add(term)
                if len(distinct) >= needed:
                    return True
        return False
