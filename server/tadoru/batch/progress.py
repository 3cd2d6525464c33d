"""The progress bar of a batch, on a terminal only."""

from __future__ import annotations

import os
from typing import Any, TextIO


class NoProgress:
    def update(self, n: int = 1) -> None:
        pass

    def close(self) -> None:
        pass


def progress_bar(total: int | None, done: int, show: bool, err: TextIO, *, unit: str) -> Any:
    """A progress bar (items done, items/s, time left) on a terminal; nothing otherwise."""
    if not show:
        return NoProgress()
    from tqdm import tqdm

    tqdm.monitor_interval = 0  # no monitor thread: the worker pool forks this process
    try:
        size = os.get_terminal_size(err.fileno())
        known_size = size.columns > 0 and size.lines > 0
    except (OSError, ValueError, AttributeError):
        known_size = False
    # A terminal that reports no size (a bare pty) would make tqdm hide the bar.
    width: dict[str, Any] = {"dynamic_ncols": True} if known_size else {"ncols": 80, "nrows": 24}
    return tqdm(total=total, initial=done, unit=unit, desc="annotating", file=err, smoothing=0.1,
                mininterval=0.2, **width)
