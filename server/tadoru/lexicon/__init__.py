"""The curated bilingual lexicon: its model, loading and checks, known-terms files, the trace graph
and exports. Everything here works on data alone; nothing matches text."""

from tadoru.lexicon.load import load_lexicon
from tadoru.lexicon.model import LANGS, Concept, Lexicon, Problem

__all__ = ["LANGS", "Concept", "Lexicon", "Problem", "load_lexicon"]
