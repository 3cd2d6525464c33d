"""Schemathesis hooks for Tadoru's API (the suite's fuzz test and ``benchmarks/fuzz_api.py``,
which loads this module through ``SCHEMATHESIS_HOOKS``).

The PDF route's body is bytes: it is sent as generated (random binary, which must be refused with
a documented 4xx, never a 500), the way ``application/octet-stream`` is.
"""

import schemathesis

schemathesis.serializer.alias("application/pdf", "application/octet-stream")
