"""Flags every headless Chromium of the tests and benchmarks starts with: no sandbox (root in CI), no
background networking (this machine's network is closed), no first-run or sync."""

CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage",
]
