"""Candidates beside the reader's annotations (issue 16, ``discover: true``): one scan, no overlap.

``Annotator.for_reader`` must give exactly what ``annotate_text(text, options)`` gives (the API
answers from it when discovery is on), and ``annotate_for_reader`` must never return a candidate
that overlaps an annotation, nor lose a term the reader should see.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tadoru import ReaderOptions
from tadoru.discover import annotate_for_reader
from tadoru.discover.evaluation import load_paragraphs

CANDIDATES = Path(__file__).resolve().parents[1] / "evaluation" / "candidates.yaml"
READERS = [
    ReaderOptions(),
    ReaderOptions(level=2),
    ReaderOptions(first_only=True),
    ReaderOptions(known=("model", "large-language-model", "強化学習"), first_only=True),
    ReaderOptions(level=3, known=("lora",)),
]


@pytest.fixture(scope="module")
def paragraphs():
    return load_paragraphs(CANDIDATES)


@pytest.mark.parametrize("options", READERS, ids=lambda o: f"level{o.level}-first{o.first_only}-known{len(o.known)}")
def test_for_reader_is_what_the_reader_would_have_been_given(annotator, paragraphs, options):
    for p in paragraphs:
        direct = annotator.annotate_text(p.text, options)
        filtered = annotator.for_reader(annotator.annotate_text(p.text, density="all"), options)
        assert filtered.annotations == direct.annotations, p.id
        assert filtered.known_found == direct.known_found and filtered.lang == direct.lang, p.id


@pytest.mark.parametrize("options", READERS[:4], ids=lambda o: f"level{o.level}-first{o.first_only}-known{len(o.known)}")
def test_candidates_never_overlap_annotations_and_lose_no_term(annotator, paragraphs, options):
    discovering = ReaderOptions(**{**options.to_json(), "known": tuple(options.known), "discover": True})
    total = 0
    for p in paragraphs:
        result, candidates = annotate_for_reader(lambda o, t=p.text: annotator.annotate_text(t, o), annotator,
                                                 discovering)
        total += len(candidates)
        plain = annotator.annotate_text(p.text, options)
        spans = [(a.start, a.end) for a in result]
        for c in candidates:
            assert p.text[c.start:c.end] == c.surface
            assert not any(s < c.end and c.start < e for s, e in spans), (p.id, c)
        # Every annotation the reader would have had is still there, or a compound on its head
        # took its place (and traces to that very concept).
        compounds = {(c.end, c.head) for c in candidates if c.kind == "compound"}
        for a in plain:
            assert a in result.annotations or (a.end, a.term) in compounds, (p.id, a)
    assert total > 40  # the set is full of candidates: this test looked at many


def test_a_compound_takes_the_place_of_its_head(annotator):
    text = ("We distil a large language model into a smaller one: the teacher model writes answers and the "
            "student copies them during fine-tuning with reinforcement learning from human feedback.")
    on = ReaderOptions(discover=True)
    result, candidates = annotate_for_reader(lambda o: annotator.annotate_text(text, o), annotator, on)
    teacher = [c for c in candidates if c.surface == "teacher model"]
    assert teacher and teacher[0].kind == "compound" and teacher[0].head == "model"
    assert not [a for a in result if a.start >= teacher[0].start and a.end <= teacher[0].end]
    plain = annotator.annotate_text(text)
    assert any(a.surface == "model" and a.end == teacher[0].end for a in plain)  # it was an annotation before


def test_without_discover_nothing_changes(annotator):
    text = "Kahneman-Tversky Optimization (KTO) tunes a language model; KTO needs no paired data."
    result, candidates = annotate_for_reader(lambda o: annotator.annotate_text(text, o), annotator,
                                             ReaderOptions(level=2))
    assert candidates == [] and result == annotator.annotate_text(text, level=2)
