"""Tadoru (辿る, "to trace"): find the AI/ML jargon a reader does not know yet, and trace it.

Data flows one way: lexicon files → ``Lexicon`` → ``CompiledLexicon`` (matcher) → ``Annotator``
→ pages → surfaces (HTTP API, web pages, command line, batch). docs/ARCHITECTURE.md walks the tree.
"""

from tadoru.annotate import Annotated, Annotation, Annotator, detect_lang
from tadoru.lexicon.load import load_lexicon
from tadoru.lexicon.model import Concept, Lexicon, Problem
from tadoru.options import OptionError, ReaderOptions
from tadoru.version import __version__

__all__ = ["Annotated", "Annotation", "Annotator", "Concept", "Lexicon", "OptionError", "Problem", "ReaderOptions",
           "__version__", "detect_lang", "load_lexicon"]
