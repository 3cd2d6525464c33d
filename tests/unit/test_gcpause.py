"""The cyclic collector is paused only inside annotation calls and always comes back."""

import gc
import threading

import pytest

from tadoru.gcpause import cyclic_gc_paused


def test_paused_inside_nested_blocks_and_back_after():
    assert gc.isenabled()
    with cyclic_gc_paused():
        assert not gc.isenabled()
        with cyclic_gc_paused():
            assert not gc.isenabled()
        assert not gc.isenabled()  # the outer block still runs
    assert gc.isenabled()


def test_back_on_after_an_exception():
    with pytest.raises(ValueError), cyclic_gc_paused():
        raise ValueError("boom")
    assert gc.isenabled()


def test_a_program_that_turned_it_off_keeps_it_off():
    gc.disable()
    try:
        with cyclic_gc_paused():
            pass
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_overlapping_blocks_in_threads_end_with_the_collector_on():
    inside, release = threading.Barrier(3), threading.Event()

    def work():
        with cyclic_gc_paused():
            inside.wait()
            release.wait()

    threads = [threading.Thread(target=work) for _ in range(2)]
    for t in threads:
        t.start()
    inside.wait()
    assert not gc.isenabled()
    release.set()
    for t in threads:
        t.join()
    assert gc.isenabled()


def test_annotation_leaves_the_collector_on(annotator):
    annotator.annotate_text("LoRA で fine-tuning")
    annotator.annotate_html("<p>LoRA</p>")
    assert gc.isenabled()
