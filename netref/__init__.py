"""netref: the classic Python networking tutorial, checked against today's Python.

The package is a library first; the ``netref`` command is a thin layer over it:

- :mod:`netref.catalog` loads and queries the protocol/port/module catalogue;
- :mod:`netref.probes` talks to live servers with standard-library clients;
- :mod:`netref.check` finds legacy network-module imports in Python source;
- :mod:`netref.render` turns results into tables, JSON or CSV.

Nothing heavy is imported here: ``netref port 25`` must start as fast as a bare Typer app.
"""

__version__ = "0.1.0"
