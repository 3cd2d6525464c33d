"""``python -m tadoru`` is the ``tadoru`` command."""

from .cli import main

main()
