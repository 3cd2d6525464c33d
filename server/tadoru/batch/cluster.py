"""``--dask ADDRESS``: the batch's work on a Dask cluster (docs/ARCHITECTURE.md, "Corpus scale").

The same items and tasks as the process pool (``tadoru.batch.runners``) go to Dask workers.
Each worker sets up its engine once, when it joins, through a ``WorkerPlugin`` — from the
compiled lexicon cached on its disk when there is one (``tadoru.compiled_cache``) — and runs
one task at a time (the work holds the GIL, so more threads would only queue).  Results come
back to this process, which writes every corpus output itself: workers need no shared file
system for corpora.  Saved pages are read and written by the workers, so for them every worker
must see the input and output folders at the same paths.

When a worker dies mid-task, the scheduler runs the task on another worker; an item that kills
workers repeatedly comes back as failed (``KilledWorker``), and the rest of the run goes on.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from tadoru.batch.inputs import BatchError
from tadoru.batch.worker import WorkerConfig, init_worker, is_initialised

INSTALL_HINT = "--dask needs Dask's distributed scheduler: pip install 'tadoru[dask]'"


def parse_address(address: str) -> tuple[str, int | None]:
    """``("local", N or None)`` for ``local`` / ``local:N``, else ``("remote", None)``."""
    if address == "local" or address.startswith("local:"):
        count = address.partition(":")[2]
        if count and (not count.isdigit() or not 1 <= int(count) <= 256):
            raise BatchError(f"--dask {address}: local:N takes a number of workers from 1 to 256")
        return "local", int(count) if count else None
    if "://" not in address:
        raise BatchError(f"--dask {address}: give a scheduler address such as tcp://host:8786, or local[:N]")
    return "remote", None


def run_on_worker(task: Callable[[Any], dict[str, Any]], config: WorkerConfig, item: Any) -> dict[str, Any]:
    """The task as a Dask worker runs it (the plugin set the engine up; this is the fallback)."""
    if not is_initialised():
        init_worker(config)
    return task(item)


#: Times one task may be sent again after losing the scattered config with a worker.
MAX_CONFIG_RETRIES = 3


class DaskRunner:
    """Items as Dask tasks, results in the order they finish."""

    def __init__(self, address: str, task: Callable[[Any], dict[str, Any]], config: WorkerConfig,
                 died: Callable[[Any, str], dict[str, Any]], *, warn: Callable[[str], None], local_workers: int) -> None:
        try:
            from distributed import Client, LocalCluster, as_completed

            from tadoru.batch.dask_plugin import EnginePlugin
        except ImportError:
            raise BatchError(INSTALL_HINT) from None
        kind, count = parse_address(address)
        logging.getLogger("distributed").setLevel(logging.ERROR)
        self.cluster: Any = None
        try:
            if kind == "local":
                self.cluster = LocalCluster(n_workers=count or local_workers, threads_per_worker=1, processes=True,
                                            dashboard_address=None, silence_logs=logging.ERROR)
                self.client = Client(self.cluster)
            else:
                self.client = Client(address, timeout="15s")
        except (OSError, TimeoutError) as exc:
            self._close_cluster()
            raise BatchError(f"--dask {address}: cannot reach the scheduler ({exc})") from None
        self.client.register_plugin(EnginePlugin(config), name=EnginePlugin.name)
        threads = self.client.nthreads()
        if not threads:
            self.close()
            raise BatchError(f"--dask {address}: the scheduler has no workers; start some with "
                             f"'dask worker {address} --nthreads 1'")
        if any(n > 1 for n in threads.values()):
            warn("some Dask workers run several threads; the annotator holds the GIL, so start workers "
                 "with --nthreads 1 (and as many processes as cores) for full speed")
        self.slots = sum(threads.values()) * 2 + 2
        self.task, self.died = task, died
        # Sent once to every worker, not with each task (under --server it holds every card).
        self._config = config
        self.config = self.client.scatter(config, broadcast=True, hash=False)
        self.retried: dict[int, int] = {}  # id(item) → times its task lost the scattered config
        self.finished = as_completed()
        self.items: dict[str, Any] = {}
        self.count = 0

    def submit(self, item: Any) -> None:
        self.count += 1
        future = self.client.submit(run_on_worker, self.task, self.config, item, pure=False,
                                    key=f"tadoru-{self.count}")
        self.items[str(future.key)] = item
        self.finished.add(future)

    def pending(self) -> int:
        return len(self.items)

    def next_result(self) -> dict[str, Any]:
        while True:
            future = next(self.finished)
            item = self.items.pop(str(future.key))
            try:
                result: dict[str, Any] = future.result()
            except Exception as exc:  # noqa: BLE001 - KilledWorker, a lost connection: the item failed, not the run
                future.release()
                if self._lost_config(exc) and self.retried.get(id(item), 0) < MAX_CONFIG_RETRIES:
                    # The worker holding the scattered config died (or joined after the scatter):
                    # every task waiting on it is cancelled, not failed. Send it again and retry.
                    self.retried[id(item)] = self.retried.get(id(item), 0) + 1
                    self.config = self.client.scatter(self._config, broadcast=True, hash=False)
                    self.submit(item)
                    continue
                return self.died(item, f"the Dask workers failed ({type(exc).__name__}: {exc})")
            future.release()
            return result

    @staticmethod
    def _lost_config(exc: Exception) -> bool:
        from distributed.client import FutureCancelledError

        reason = str(exc)
        return isinstance(exc, FutureCancelledError) and ("lost dependencies" in reason or "forgotten" in reason)

    def close(self) -> None:
        try:
            self.client.close()
        finally:
            self._close_cluster()

    def _close_cluster(self) -> None:
        if self.cluster is not None:
            self.cluster.close()
            self.cluster = None
