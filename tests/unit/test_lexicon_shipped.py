"""The shipped lexicon is product: a broken edit to it must fail CI."""

import csv
import io
import json

import pytest

from tadoru.lexicon.export import export
from tadoru.lexicon.stats import lexicon_stats

#: Ceiling for ``tadoru lexicon check --strict`` warnings; lower it as definitions improve.
MAX_STRICT_WARNINGS = 5


def test_no_problems_and_at_least_500_concepts(lexicon):
    assert [str(p) for p in lexicon.problems] == []
    assert len(lexicon) >= 500


def test_every_concept_is_bilingual(lexicon):
    for c in lexicon:
        for lang in ("en", "ja"):
            assert c.labels[lang] and c.definition[lang].strip(), (c.id, lang)


def test_stats_agree_with_the_lexicon(lexicon):
    stats = lexicon_stats(lexicon)
    assert stats["concepts"] == len(lexicon)
    assert stats["definitions"] == {"en": len(lexicon), "ja": len(lexicon)}
    assert stats["problems"]["errors"] == 0
    path = stats["longest_trace"]["path"]
    assert path and path == lexicon.trace(path[-1])


def test_lora_traces_down_to_machine_learning(lexicon):
    path = lexicon.trace("lora")
    assert path[-1] == "lora" and "machine-learning" in path and "fine-tuning" in path
    assert path.index("machine-learning") < path.index("fine-tuning") < path.index("lora")
    # a reader who knows fine-tuning skips it and everything below it
    assert "fine-tuning" not in lexicon.trace("lora", known=["fine-tuning"])


def test_every_trace_lists_prerequisites_first(lexicon):
    for c in lexicon:
        path = lexicon.trace(c.id)
        position = {cid: i for i, cid in enumerate(path)}
        for cid in path:
            for d in lexicon[cid].deeper:
                assert position[d] < position[cid], (c.id, cid, d)


def _sentence(lang, label):
    if lang == "en" or label.isascii():
        pre = "Machine learning and deep learning aside, this part is about "
        return pre, pre + label + " in practice."
    pre = "機械学習と深層学習の話として、ここでは"
    return pre, pre + label + "について説明する。"


def test_every_label_is_found_standing_alone(annotator):
    """Generated from the lexicon: each label, alone in a sentence of its language."""
    misses = []
    for c in annotator.lexicon:
        for lang, label in c.all_labels():
            pre, text = _sentence(lang, label)
            hits = [a for a in annotator.annotate_text(text, density="all") if a.start == len(pre)]
            if not hits or hits[0].end != len(pre) + len(label) or hits[0].term != c.id:
                misses.append((c.id, label, [(a.surface, a.term) for a in hits]))
    assert misses == []


def test_strict_warnings_stay_under_the_ceiling(annotator):
    from tadoru.review.strict import strict_warnings

    warnings = strict_warnings(annotator.lexicon, annotator)
    assert len(warnings) <= MAX_STRICT_WARNINGS, "\n".join(map(str, warnings[:50]))


def test_json_export_round_trips(lexicon):
    doc = json.loads(export(lexicon, "json"))
    assert len(doc["concepts"]) == len(lexicon)
    lora = next(c for c in doc["concepts"] if c["id"] == "lora")
    assert lora["deeper"] == list(lexicon["lora"].deeper)


def test_skos_export_parses_with_rdflib(lexicon):
    rdflib = pytest.importorskip("rdflib")
    from rdflib.namespace import RDF, SKOS

    graph = rdflib.Graph().parse(data=export(lexicon, "skos"), format="turtle")
    concepts = set(graph.subjects(RDF.type, SKOS.Concept))
    assert len(concepts) == len(lexicon)
    lora = rdflib.URIRef("https://tadoru.invalid/lexicon/lora")
    labels = {(str(o), o.language) for o in graph.objects(lora, SKOS.prefLabel)}
    assert ("LoRA", "en") in labels and any(lang == "ja" for _, lang in labels)
    builds_on = rdflib.URIRef("https://tadoru.invalid/lexicon/buildsOn")
    assert {str(o).rsplit("/", 1)[1] for o in graph.objects(lora, builds_on)} == set(lexicon["lora"].deeper)
    assert (builds_on, rdflib.RDFS.subPropertyOf, SKOS.semanticRelation) in graph


def test_anki_export_is_one_card_per_concept_and_language(lexicon):
    text = export(lexicon, "anki")
    rows = [r for r in csv.reader(io.StringIO(text), delimiter="\t", quoting=csv.QUOTE_NONE) if r and not r[0].startswith("#")]
    assert len(rows) == 2 * len(lexicon)
    assert all(len(r) == 3 and r[0] and r[1] for r in rows)
    assert {r[2].split()[-1] for r in rows} == {"tadoru::en", "tadoru::ja"}


def test_a_level_one_reading_list_stays_short_and_coverage_is_reported(lexicon):
    from tadoru.lexicon.stats import coverage, longest_reading_lists

    assert longest_reading_lists(lexicon)["1"]["length"] <= 12
    lists = coverage(lexicon)
    assert set(lists) == {"google-ml-glossary", "g-kentei", "genai-kentei"}
    assert all(v["terms"] > 50 and 0 < v["covered"] <= v["terms"] for v in lists.values())
