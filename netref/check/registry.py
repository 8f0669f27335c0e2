"""Rules as registered objects, as pyupgrade's ``@register`` and flake8's plugins are.

A rule family is a :class:`Rule` subclass in its own module under :mod:`netref.check.rules`,
decorated with :func:`register`. It declares

- ``codes``: the finding codes it reports (``CODES`` and ``--select``/``--ignore`` learn them here);
- ``applies_to(target)``: whether it has anything to say for a target Python at all;
- ``__init__(catalog, target)``: what it derives once per run from the catalogue (picklable: worker
  processes receive the rule objects once);
- ``might_find(data)``: its share of the byte-level pre-filter, which must never hide a finding;
- ``visit(scan)``: the check of one file, reporting through ``scan.add``.

Nothing else needs to change for a new code: the package is searched for rule modules, and the
scanner runs every registered rule that a run's selected codes enable.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar, TypeVar

from netref.check.values import Rules
from netref.versions import Version

__all__ = ["Code", "Rule", "Rules", "build_rules", "register", "registered"]

if TYPE_CHECKING:
    from netref.catalog import Catalog
    from netref.check.scanner import FileScan


@dataclass(frozen=True)
class Code:
    """A finding code: stable, documented (docs/check.md), never reused."""

    code: str
    kind: str  # the JSON ``kind`` field
    title: str
    # Reported only when ``--select`` names it (or its family, ``NR4``), as pyupgrade's
    # outdated-version-block is a choice: advice for a codebase that has dropped old Pythons.
    opt_in: bool = False


class Rule:
    """One family of checks; see the module docstring for the contract."""

    codes: ClassVar[tuple[Code, ...]] = ()
    # Rules run in ascending ``order`` (then by module name). A rule that looks at the other
    # rules' findings (NR301 does) runs after them.
    order: ClassVar[int] = 0

    def __init__(self, catalog: Catalog, target: Version) -> None:
        """Derive what the rule needs from the catalogue and the target, once per run."""

    @classmethod
    def applies_to(cls, target: Version) -> bool:
        return True

    def might_find(self, data: bytes) -> bool:
        """False only when :meth:`visit` cannot report anything in ``data`` (a file's bytes).

        The scanner visits a rule only where its own pre-filter passed (see :meth:`wanted`):
        most files that reach the scan do so for one rule, and the others' visits cost more
        than the search that excused them.
        """
        return True

    def wanted(self, might_find: bool, scan: FileScan) -> bool:
        """Whether to visit ``scan``, given this rule's pre-filter verdict on its bytes.

        A rule whose findings depend on the earlier rules' (NR301 takes weaker evidence in a
        file that already has findings) says so here.
        """
        return might_find

    def visit(self, scan: FileScan) -> None:
        raise NotImplementedError


_REGISTERED: list[type[Rule]] = []
RuleType = TypeVar("RuleType", bound=type[Rule])


def register(rule: RuleType) -> RuleType:
    """Class decorator: make ``rule`` part of every run that selects one of its codes."""
    taken = {code.code for known in _REGISTERED for code in known.codes}
    clash = taken.intersection(code.code for code in rule.codes)
    if clash:
        raise ValueError(f"{rule.__name__}: code {', '.join(sorted(clash))} is already declared by another rule")
    if not rule.codes:
        raise ValueError(f"{rule.__name__} declares no codes")
    _REGISTERED.append(rule)
    return rule


def registered() -> tuple[type[Rule], ...]:
    """Every rule family, in the order they run (the rule modules are imported on first call)."""
    from netref.check.rules import load_all

    load_all()
    return tuple(sorted(_REGISTERED, key=lambda rule: rule.order))


def build_rules(catalog: Catalog, target: Version, codes: frozenset[str]) -> Rules:
    """The rules for ``target`` that can report one of ``codes``."""
    active = [
        rule(catalog, target)
        for rule in registered()
        if rule.applies_to(target) and any(code.code in codes for code in rule.codes)
    ]
    return Rules(target, codes, tuple(active))
