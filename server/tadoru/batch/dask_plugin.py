"""The Dask worker plugin that sets up a worker's engine once, when the worker starts.

A module of its own because it imports ``distributed`` at the top (the class must subclass
``WorkerPlugin``): only ``--dask`` runs import it, and a worker unpickles it by name.
"""

from __future__ import annotations

from typing import Any

from distributed import WorkerPlugin

from tadoru.batch.worker import WorkerConfig, init_worker


class EnginePlugin(WorkerPlugin):
    """``init_worker`` on every worker that joins, including one that restarts after a crash.

    Building the engine takes about a second (less from the compiled-lexicon cache); doing it
    here instead of in the first task keeps that second out of every chunk's time.
    """

    name = "tadoru-engine"

    def __init__(self, config: WorkerConfig) -> None:
        self.config = config

    def setup(self, worker: Any) -> None:
        init_worker(self.config)
