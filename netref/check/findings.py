"""The values ``netref check`` hands out: codes, findings, the edits ``--fix`` applies, a file's result.

A leaf module (it imports nothing of netref), so that rules, the scanner, the fixer and the
renderers share these types without importing each other.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Code:
    """A finding code: stable, documented (README, "netref check"), never reused."""

    code: str
    kind: str  # the JSON ``kind`` field
    title: str


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
