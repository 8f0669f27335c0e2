"""The value types the check's layers share: a finding, its edits, a file's result, the rule set.

The bottom of :mod:`netref.check` (it imports nothing of the package but nothing at all of the
scanner, the registry or noqa): the scanner makes findings, ``# noqa`` filters them and the rules
are listed in :class:`Rules`, each from this one definition, so no two of those modules need the
other (docs/architecture.md; ``tests/test_layers.py`` checks there is no import circle).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol

from netref.versions import Version


@dataclass(frozen=True, order=True)
class Edit:
    """Replace ``text[start:end]`` by ``new`` (offsets in the decoded text)."""

    start: int
    end: int
    new: str


@dataclass(frozen=True)
class Finding:
    path: str
    line: int
    col: int
    code: str
    message: str
    module: str | None = None
    replacement: str | None = None
    backport: str | None = None
    pep: int | None = None
    edits: tuple[Edit, ...] = field(default=(), compare=False)

    @property
    def fixable(self) -> bool:
        return bool(self.edits)

    def text(self) -> str:
        return f"{self.path}:{self.line}:{self.col}: {self.code} {self.message}"


@dataclass(frozen=True)
class FileResult:
    path: str
    findings: tuple[Finding, ...]
    python2: bool = False  # its syntax needs porting first: --fix leaves it alone


class Visitor(Protocol):
    """What the scanner asks of a rule (:class:`netref.check.registry.Rule` is one). The scan is
    ``Any`` here because its type, the scanner's FileScan, sits above this module."""

    def might_find(self, data: bytes) -> bool: ...

    def wanted(self, might_find: bool, scan: Any) -> bool: ...

    def visit(self, scan: Any) -> None: ...


@dataclass(frozen=True)
class Rules:
    """What one run checks: the target Python, the codes to report, and the rule objects that report them.

    Plain picklable data: worker processes receive it once.
    """

    target: Version
    codes: frozenset[str]
    active: tuple[Visitor, ...] = ()

    @property
    def python3(self) -> bool:
        return self.target >= (3, 0)

    def wants(self, code: str) -> bool:
        return code in self.codes
