"""Each command's own options and arguments, one module a command (the catalogue commands share
one): what only that command takes.

netref.options holds what several commands share; these modules, the rest, so that a command's
signature in netref/cli.py is one line a parameter (``sni: probe.SniOption = None``). A module is
imported only when its command is built (cli.py reads it on demand): ``netref port 25`` is
benchmarked, and constructing every command's options on every start would cost more than netref
adds to a bare Typer app. Every option goes through :func:`netref.options.option` (the short
letter of :data:`netref.options.SHORT_LETTERS`), every argument through
:func:`netref.options.argument`.
"""
