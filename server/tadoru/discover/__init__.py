"""Discovery: jargon the lexicon does not have yet, found in the text being read (issue 16).

However large the lexicon grows, the field coins words faster.  Three sources, each tuned to be
precise before it is plentiful:

* **definitions** the text gives itself — "Direct Preference Optimization (DPO)",
  "DPO (Direct Preference Optimization)", 検索拡張生成（RAG）, RAG（Retrieval-Augmented
  Generation）— by Schwartz–Hearst as a spaCy component (``tadoru.discover.definitions``);
* **acronyms and mixed-case names** that are not general language (``tadoru.discover.acronyms``);
* **compounds** whose head is a known concept (``tadoru.discover.compounds``).

``discover(text, annotations, annotator, lang)`` returns ``Candidate`` objects; it reads the
annotations the annotator made for the same text (never overlapping them, and only trusting
places the annotator found to be about AI).  ``annotate_for_reader`` is what the surfaces call
(``discover: true``): the reader's annotations and the candidates fitted around them.
"""

from tadoru.discover.core import KINDS, Candidate, discover
from tadoru.discover.onpage import annotate_for_reader

__all__ = ["KINDS", "Candidate", "annotate_for_reader", "discover"]
