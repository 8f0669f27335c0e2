"""``python -m netref`` is the same as the ``netref`` command; the console script runs :func:`run` too.

Importing the command (Typer, Click) takes a noticeable part of a second: a Ctrl-C then lands in
an import, outside the command group that turns it into ``netref: error: interrupted`` and exit 130.
:func:`run` gives it the same clean exit, so the entry point imports nothing heavy before it.
"""

import sys

from netref.exits import EXIT_INTERRUPTED


def run() -> None:
    """Import the command line and run it; Ctrl-C at any point of that is one line and exit 130."""
    try:
        from netref.cli import main

        main()
    except KeyboardInterrupt:
        sys.stderr.write("netref: error: interrupted\n")
        sys.stderr.flush()
        raise SystemExit(EXIT_INTERRUPTED) from None


if __name__ == "__main__":
    run()
