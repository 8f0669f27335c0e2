"""``python -m netref`` is the same as the ``netref`` command."""

from netref.cli import main

main()
