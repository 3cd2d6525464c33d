"""``python -m tadoru`` is the ``tadoru`` command."""

from tadoru.cli import main

main()
