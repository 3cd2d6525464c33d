"""Where a batch's work runs: in this process, in a pool of worker processes, or on a Dask cluster.

Every runner takes the same work items (a page, or a chunk of a corpus), runs the same task on
them (``process_page``, ``process_chunk``) in processes whose engine was set up once, and hands
back each item's result dict — in the order items finish, which is why nothing downstream
depends on that order.  ``drive`` keeps a bounded number of items in flight, so a corpus of
millions streams through without being held in memory.

A worker process that dies (a segfault in a C library, the OOM killer, a killed cluster node)
never loses an item: the process pool retries the items that were in flight one at a time in
a fresh worker, so only the culprit is reported (``died``); Dask reschedules the task on
another worker by itself and reports an item only when it killed workers repeatedly.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import sys
from collections import deque
from collections.abc import Callable, Iterable
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from typing import Any, Protocol

from tadoru.batch.worker import WorkerConfig, init_worker

Task = Callable[[Any], dict[str, Any]]
Died = Callable[[Any, str], dict[str, Any]]  # (item, "the worker process died") → the item's failed result


def default_jobs() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not Linux
        return max(1, os.cpu_count() or 1)


class Runner(Protocol):
    slots: int  # items worth keeping in flight

    def submit(self, item: Any) -> None: ...
    def pending(self) -> int: ...
    def next_result(self) -> dict[str, Any]: ...
    def close(self) -> None: ...


def drive(runner: Runner, items: Iterable[Any], record: Callable[[dict[str, Any]], None]) -> None:
    """Run every item, at most ``runner.slots`` at a time, and ``record`` each result as it comes."""
    for item in items:
        while runner.pending() >= runner.slots:
            record(runner.next_result())
        runner.submit(item)
    while runner.pending():
        record(runner.next_result())


class InProcess:
    """``--jobs 1``: each item runs as it is submitted, in this process."""

    slots = 1

    def __init__(self, task: Task, config: WorkerConfig, engine: Any) -> None:
        init_worker(config, engine)
        self.task = task
        self.done: deque[dict[str, Any]] = deque()

    def submit(self, item: Any) -> None:
        self.done.append(self.task(item))

    def pending(self) -> int:
        return len(self.done)

    def next_result(self) -> dict[str, Any]:
        return self.done.popleft()

    def close(self) -> None:
        pass


def _worker_init(config: WorkerConfig, parent: int) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the main process's to handle
    _die_with(parent)
    init_worker(config)


def _die_with(parent: int) -> None:
    """End this worker when the main process ends, even by SIGKILL (no orphans left working)."""
    if sys.platform.startswith("linux"):
        try:
            import ctypes

            pr_set_pdeathsig = 1
            ctypes.CDLL(None, use_errno=True).prctl(pr_set_pdeathsig, signal.SIGKILL)
        except (OSError, AttributeError):
            pass
    if os.getppid() != parent:  # it died before prctl took effect
        os._exit(1)


def pool_context() -> Any:
    """``fork`` on Linux: workers start at once with the main process's annotator (no second
    of set-up each, Sudachi's dictionary shared).  Safe here because the main process runs no
    other thread when the pool forks (the progress bar's monitor thread is switched off).
    Elsewhere (macOS, Windows) ``spawn``, and each worker builds its own."""
    if sys.platform.startswith("linux") and "fork" in multiprocessing.get_all_start_methods():
        return multiprocessing.get_context("fork")
    return multiprocessing.get_context("spawn")


class ProcessPool:
    """``--jobs N``: N worker processes, each with its engine set up once (not per item).

    Forked workers inherit the main process's annotator (built once, memory shared; see
    ``share_with_forked_workers``); spawned ones build their own in the initializer.
    """

    def __init__(self, task: Task, config: WorkerConfig, workers: int, died: Died) -> None:
        self.task, self.config, self.workers, self.died = task, config, workers, died
        self.slots = workers * 2
        self.context = pool_context()
        self.pool = self._new_pool(workers)
        self.in_flight: dict[Future[dict[str, Any]], Any] = {}
        self.done: deque[dict[str, Any]] = deque()

    def _new_pool(self, size: int) -> ProcessPoolExecutor:
        return ProcessPoolExecutor(size, mp_context=self.context, initializer=_worker_init,
                                   initargs=(self.config, os.getpid()))

    def submit(self, item: Any) -> None:
        try:
            self.in_flight[self.pool.submit(self.task, item)] = item
        except BrokenProcessPool:
            self._recover([item])

    def pending(self) -> int:
        return len(self.in_flight) + len(self.done)

    def next_result(self) -> dict[str, Any]:
        while not self.done:
            finished, _ = wait(self.in_flight, return_when=FIRST_COMPLETED)
            broken = False
            for future in finished:
                try:
                    result = future.result()
                except BrokenProcessPool:
                    broken = True
                    continue
                del self.in_flight[future]
                self.done.append(result)
            if broken:
                self._recover([])
        return self.done.popleft()

    def _recover(self, extra: list[Any]) -> None:
        """The pool broke: run what was in flight one at a time, so only the culprit fails."""
        suspects = [*self.in_flight.values(), *extra]
        self.in_flight.clear()
        self.pool.shutdown(wait=False, cancel_futures=True)
        for item in suspects:
            with self._new_pool(1) as single:
                try:
                    self.done.append(single.submit(self.task, item).result())
                except BrokenProcessPool:
                    self.done.append(self.died(item, "the worker process died"))
        self.pool = self._new_pool(self.workers)

    def close(self) -> None:
        self.pool.shutdown(wait=True, cancel_futures=True)


def make_runner(task: Task, config: WorkerConfig, *, jobs: int, dask: str | None, engine: Any, died: Died,
                warn: Callable[[str], None]) -> Runner:
    """The runner the options ask for; ``engine`` is this process's (``None`` under ``--dask``)."""
    if dask is not None:
        from tadoru.batch.cluster import DaskRunner

        return DaskRunner(dask, task, config, died, warn=warn, local_workers=default_jobs())
    if jobs <= 1:
        return InProcess(task, config, engine)
    from tadoru.batch.worker import LocalEngine, share_with_forked_workers

    if pool_context().get_start_method() == "fork" and isinstance(engine, LocalEngine):
        share_with_forked_workers(engine)
    return ProcessPool(task, config, jobs, died)


def run_all(task: Task, config: WorkerConfig, items: Iterable[Any], options: Any, *, workers: int, engine: Any,
            died: Died, record: Callable[[dict[str, Any]], None], progress: Any, summary: Any, err: Any) -> None:
    """Run ``task`` over ``items`` where the batch options say (this process, a pool, Dask);
    Ctrl-C stops cleanly with what is done kept (a rerun resumes)."""

    def warn(message: str) -> None:
        err.write(f"warning: {message}\n")

    runner = make_runner(task, config, jobs=workers, dask=options.dask, engine=engine, died=died, warn=warn)
    try:
        drive(runner, items, record)
    except KeyboardInterrupt:
        progress.close()
        err.write(f"\ninterrupted: {summary.done} {summary.unit}(s) done; run the same command again to resume\n")
        raise SystemExit(130) from None
    finally:
        progress.close()
        runner.close()
