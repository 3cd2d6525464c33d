"""Corpus pieces on their own: records, chunks, the compiled-lexicon cache, and count merging."""

from __future__ import annotations

import gzip
import json
import os
import pickle
from collections import Counter

import pytest

from tadoru.batch.corpus_inputs import MAX_RECORD_BYTES, corpus_kind, read_chunks
from tadoru.batch.corpus_run import part_name
from tadoru.batch.corpus_worker import ChunkStats, RecordError, parse_record
from tadoru.pages.reader import PageError


@pytest.mark.parametrize(("value", "message"), [
    ([1], "JSON object"),
    ({"text": "x"}, '"id" is missing'),
    ({"id": True, "text": "x"}, '"id" must be'),
    ({"id": "", "text": "x"}, "1–1000 characters"),
    ({"id": "a"}, 'no "text" or "html"'),
    ({"id": "a", "text": "x", "html": "<p>x</p>"}, "exactly one"),
    ({"id": "a", "text": 5}, '"text" must be a string, not a number'),
    ({"id": "a", "text": "x", "url": 3}, '"url" must be'),
    ({"id": "a", "text": "x", "lang": "fr"}, '"lang" must be one of'),
])
def test_a_malformed_record_says_what_is_wrong(value, message):
    with pytest.raises(RecordError, match=message):
        parse_record(value)


def test_a_record_takes_integer_ids_and_either_body():
    assert parse_record({"id": 7, "text": "LoRA"}).id == "7"
    record = parse_record({"id": "p", "html": "<p>x</p>", "url": "https://example.org", "lang": "ja"})
    assert (record.html, record.text, record.lang) == ("<p>x</p>", None, "ja")


def test_jsonl_chunks_are_fixed_by_line_and_skip_blank_lines(tmp_path):
    lines = [json.dumps({"id": n, "text": "x"}) for n in range(7)]
    lines.insert(3, "")
    path = tmp_path / "c.jsonl"
    path.write_text("\r\n".join(lines) + "\r\n", encoding="utf-8")
    chunks = list(read_chunks(path, "c.jsonl", 3))
    assert [(c.index, c.first, c.count) for c in chunks] == [(0, 1, 3), (1, 4, 2), (2, 7, 2)]
    assert chunks[1].lines[0] == b"" and chunks[0].lines[0] == lines[0].encode()  # \r\n stripped
    again = list(read_chunks(path, "c.jsonl", 3))
    assert [c.digest for c in again] == [c.digest for c in chunks]
    lines[5] = json.dumps({"id": 99, "text": "changed"})
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    changed = list(read_chunks(path, "c.jsonl", 3))
    assert [a.digest == b.digest for a, b in zip(changed, chunks, strict=True)] == [True, False, True]


def test_gzipped_jsonl_reads_like_plain(tmp_path):
    body = "".join(json.dumps({"id": n, "text": "LoRA"}) + "\n" for n in range(5)).encode()
    (tmp_path / "a.jsonl").write_bytes(body)
    (tmp_path / "b.jsonl.gz").write_bytes(gzip.compress(body))
    plain = list(read_chunks(tmp_path / "a.jsonl", "a", 2))
    packed = list(read_chunks(tmp_path / "b.jsonl.gz", "b", 2))
    assert [c.lines for c in plain] == [c.lines for c in packed]
    assert corpus_kind(tmp_path / "b.jsonl.gz") == "jsonl"


def test_an_oversized_line_is_skipped_not_held(tmp_path):
    path = tmp_path / "big.jsonl"
    with path.open("wb") as handle:
        handle.write(b'{"id": 1, "text": "ok"}\n')
        handle.write(b'{"id": 2, "text": "' + b"a" * (MAX_RECORD_BYTES + 10) + b'"}\n')
        handle.write(b'{"id": 3, "text": "ok"}\n')
    (chunk,) = read_chunks(path, "big.jsonl", 10)
    assert chunk.lines[1] is None and chunk.lines[2] == b'{"id": 3, "text": "ok"}' and chunk.count == 3


def test_a_file_that_is_not_parquet_is_refused_with_a_reason(tmp_path):
    pytest.importorskip("pyarrow")
    path = tmp_path / "fake.parquet"
    path.write_bytes(b"not parquet at all")
    with pytest.raises(PageError) as caught:
        list(read_chunks(path, "fake.parquet"))
    assert caught.value.reason == "unparsable"


def test_part_names_mirror_the_corpus_path():
    assert part_name("arxiv/cs.CL.jsonl.gz", 3, "parquet") == "annotations/arxiv/cs.CL/part-00003.parquet"
    assert part_name("wiki.parquet", 0, "jsonl") == "annotations/wiki/part-00000.jsonl"


def test_chunk_counts_merge_in_any_order():
    a, b = ChunkStats(), ChunkStats()
    a.add("en", Counter({"lora": 2, "fine-tuning": 1}))
    b.add("ja", Counter({"lora": 1, "gpu": 1}))
    b.add("en", Counter({"gpu": 3}))
    left, right = ChunkStats(), ChunkStats()
    left.merge(a.to_json())
    left.merge(b.to_json())
    right.merge(b.to_json())
    right.merge(a.to_json())
    assert left.to_json() == right.to_json()
    assert left.documents == 3 and left.documents_with["gpu"] == 2 and left.occurrences["gpu"] == 4
    assert left.pairs == Counter({"fine-tuning lora": 1, "gpu lora": 1})


# --------------------------------------------------------------------------- compiled-lexicon cache


def test_the_compiled_lexicon_cache_is_used_and_gives_the_same_annotations(tmp_path):
    from tadoru.annotate import Annotator
    from tadoru.compiled_cache import load_compiled

    cache = tmp_path / "cache"
    first, hit = load_compiled(cache_dir=cache)
    assert not hit and len(list(cache.glob("compiled-*.pickle"))) == 1
    second, hit = load_compiled(cache_dir=cache)
    assert hit
    text = "LoRAはファインチューニングの手法です。Transformers use self-attention and gradient descent."
    assert Annotator(compiled=second).annotate_text(text) == Annotator(compiled=first).annotate_text(text)


def test_a_changed_lexicon_layer_gets_a_new_cache_entry(tmp_path):
    from tadoru.compiled_cache import cache_key

    layer = tmp_path / "extra"
    layer.mkdir()
    (layer / "team.yaml").write_text("concepts: []\n", encoding="utf-8")
    before = cache_key([layer])
    (layer / "team.yaml").write_text("concepts: []\n# edited\n", encoding="utf-8")
    assert cache_key([layer]) != before != cache_key()


def test_the_cache_is_not_read_from_a_folder_others_can_write(tmp_path):
    from tadoru.compiled_cache import cache_key, load_compiled

    cache = tmp_path / "shared"
    cache.mkdir()
    os.chmod(cache, 0o777)
    # A pickle planted by someone else would run code when loaded: it must be ignored.
    (cache / f"compiled-{cache_key()}.pickle").write_bytes(pickle.dumps(("not", "ours", 0)))
    compiled, hit = load_compiled(cache_dir=cache)
    assert not hit and len(compiled.lexicon) > 1000


def test_a_damaged_cache_entry_is_rebuilt(tmp_path):
    from tadoru.compiled_cache import cache_key, load_compiled

    cache = tmp_path / "cache"
    cache.mkdir(mode=0o700)
    entry = cache / f"compiled-{cache_key()}.pickle"
    entry.write_bytes(b"\x80\x05truncated")
    compiled, hit = load_compiled(cache_dir=cache)
    assert not hit and len(compiled.lexicon) > 1000
    assert load_compiled(cache_dir=cache)[1]  # rewritten whole


def test_jsonl_rows_are_what_json_dumps_writes():
    import json as json_module

    from tadoru.batch.corpus_run import jsonl_rows
    from tadoru.batch.corpus_worker import ROW_COLUMNS

    columns = {"id": ["a", "a", 'q"uote'], "term": ["lora", "gpu", "lora"], "start": [0, 5, 10], "end": [4, 8, 14],
               "exact": ["LoRA", "ＧＰＵ", "x\u2028\\y"], "lang": ["en", "ja", "en"]}
    expected = "".join(json_module.dumps(dict(zip(ROW_COLUMNS, row, strict=True)), ensure_ascii=False) + "\n"
                       for row in zip(*(columns[c] for c in ROW_COLUMNS), strict=True))
    assert jsonl_rows(columns) == expected
    assert [json_module.loads(line)["exact"] for line in expected.split("\n")[:-1]] == columns["exact"]


def test_a_task_that_lost_the_scattered_config_is_sent_again_not_failed():
    """A worker killed while holding the scattered config cancels every task waiting on it ("lost
    dependencies"): those tasks are retried after a new scatter; a real failure is not retried."""
    from distributed.client import FutureCancelledError

    from tadoru.batch.cluster import DaskRunner

    assert DaskRunner._lost_config(FutureCancelledError("tadoru-7", "lost dependencies"))
    assert DaskRunner._lost_config(FutureCancelledError("tadoru-9", "already forgotten"))
    assert not DaskRunner._lost_config(FutureCancelledError("tadoru-9", "the client cancelled it"))
    assert not DaskRunner._lost_config(RuntimeError("lost dependencies"))
