"""The rule families of ``netref check``: one module each, registered with :func:`netref.check.registry.register`.

A new check is a new module here (see :mod:`netref.check.registry` for what a rule declares); it
is found and imported by :func:`load_all`, as pyupgrade finds its plugins. Modules whose name
starts with ``_`` are helpers, not rules.
"""

from __future__ import annotations

import importlib
import pkgutil
from functools import cache


@cache
def load_all() -> None:
    """Import every rule module of this package, once (importing one registers its rules)."""
    for module in sorted(pkgutil.iter_modules(__path__), key=lambda info: info.name):
        if not module.name.startswith("_"):
            importlib.import_module(f"{__name__}.{module.name}")
