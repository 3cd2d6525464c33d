"""What the tests and the benchmarks share, and nothing else: start ``tadoru serve`` on a free port
(``service``), launch Chromium with the extension (``extension``), and the evaluation set
(``evalset``). Not shipped in the wheel; benchmarks import this, never ``tests``."""
