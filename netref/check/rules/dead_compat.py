"""NR401 (opt-in): compatibility branches that cannot run on the target Python, which can be deleted.

Like pyupgrade's outdated-version-block, for a codebase that no longer supports old Pythons: the
``else`` of ``if PY3:``, the body of ``if six.PY2:`` or ``if sys.version_info < (3, 13):`` on 3.13,
and the ``except ImportError:`` fallback that imports a Python 2 name after a ``try`` whose imports
all exist on the target. Reported only when selected (``--select NR401``), for Python 3 targets;
only the outermost dead branch is reported. Nothing in a dead branch is reported by the other rules, selected or not.
"""

from __future__ import annotations

from netref.catalog import Catalog
from netref.check.compat import handlers
from netref.check.registry import Code, Rule, register
from netref.check.rules.legacy_modules import LegacyModules, tried
from netref.check.scanner import FileScan
from netref.versions import Version, format_version


@register
class DeadCompatibility(Rule):
    codes = (Code("NR401", kind="dead-compat", opt_in=True,
                  title="compatibility branch that cannot run on the target Python: delete it (opt-in)"),)
    order = 50  # after the module rule, which finds the dead ImportError handlers

    @classmethod
    def applies_to(cls, target: Version) -> bool:
        return target >= (3, 0)  # Python 2 compatibility code is dead weight only on Python 3

    def __init__(self, catalog: Catalog, target: Version) -> None:
        self.modules = LegacyModules(catalog, target)
        self.target = format_version(target)

    def visit(self, scan: FileScan) -> None:
        for dead in scan.compat.dead_branches():
            clause = dead.clause
            if clause.keyword == "else":
                branch = f"`else:` of `if {dead.condition}`"
            else:
                branch = f"`{clause.keyword} {clause.header}:`"
            scan.add(clause.start, "NR401", f"{branch} cannot run on Python {self.target}: delete this branch",
                     replacement="the code of the branch that runs")
        for guard in scan.compat.import_guards():
            fallbacks = handlers(guard)
            body = guard.clauses[0]
            imports = tried(scan, guard)
            if imports and all(self.modules.concerns(node) and self.modules.fails(node) for node in imports):
                caught = [s for s in scan.imports for c in fallbacks
                          if c.body_start <= s.start < c.body_end and not self.modules.fails(s.node)]
                if caught:  # a replacement is imported: the try's imports are the dead Python 2 side
                    scan.add(body.start, "NR401", f"the imports of this `try:` fail on Python {self.target} "
                             "(its `except ImportError` imports the replacement): keep only the replacement",
                             replacement="the except clause's imports, unguarded")
                continue
            legacy = [s for s in scan.imports for c in fallbacks
                      if c.body_start <= s.start < c.body_end and self.modules.concerns(s.node)]
            if legacy and self.modules.dead_handlers(scan, guard):
                for clause in fallbacks:
                    scan.dead_spans.append((clause.body_start, clause.body_end))
                    scan.add(clause.start, "NR401", f"`except {clause.header}:`".replace("except :", "except:")
                             + f" cannot run on Python {self.target} (every import of its try exists there): "
                             "delete this fallback", replacement="the try body's imports, unguarded")
