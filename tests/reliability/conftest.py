"""Reliability tests: hostile input, fuzzing, nothing executed, faults (issue 8).

The helpers in ``hostile.py`` are shared with ``benchmarks/reliability.py``, which reruns the
measurements and prints the table of docs/RELIABILITY.md; this folder goes on ``sys.path`` so the
test modules can import them.
"""

from __future__ import annotations

import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
if str(HERE) not in sys.path:
    sys.path.insert(0, str(HERE))
