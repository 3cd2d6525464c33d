"""Tadoru (辿る, "to trace"): find the AI/ML jargon a reader does not know yet, and trace it.

Data flows one way: lexicon files → ``Lexicon`` → ``CompiledLexicon`` (matcher) → ``Annotator``
→ surfaces (HTTP API, web pages, command line).
"""

from .annotate import Annotation, Annotator, detect_lang
from .lexicon import Concept, Lexicon, Problem, load_lexicon

__all__ = ["Annotation", "Annotator", "Concept", "Lexicon", "Problem", "detect_lang", "load_lexicon"]
__version__ = "0.1.0"
