"""``netref check``: legacy network-module imports in Python source, judged for a target Python.

Library use::

    from netref.catalog import load_catalog
    from netref.check import check
    report = check(["server.py", "src/"], load_catalog(), target=(3, 13))
    for finding in report.findings:
        print(finding.text())

Codes are listed in :data:`netref.check.codes.CODES` and in docs/check.md. Findings are judged for the
target Python only, never for the interpreter netref runs on.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from netref.catalog import Catalog
from netref.check.codes import CODES, enabled_codes
from netref.check.files import python_files, scan_files
from netref.check.registry import Rules, build_rules
from netref.check.scanner import FileResult, Finding
from netref.versions import Version, format_version

if TYPE_CHECKING:
    from netref.check.fixer import FixedFile


@dataclass(frozen=True)
class Report:
    target: Version
    results: tuple[FileResult, ...]

    @property
    def findings(self) -> list[Finding]:
        return [finding for result in self.results for finding in result.findings]

    @property
    def files(self) -> int:
        return len(self.results)


def make_rules(catalog: Catalog, target: Version, select: Iterable[str] = (), ignore: Iterable[str] = ()) -> Rules:
    """Rules for ``target``; raises ValueError (one line) for an unknown code in select/ignore."""
    return build_rules(catalog, target, enabled_codes(select, ignore))


def check(
    paths: Iterable[str],
    catalog: Catalog,
    target: Version,
    *,
    select: Iterable[str] = (),
    ignore: Iterable[str] = (),
    exclude: Sequence[str] = (),
    jobs: int | None = None,
    prefilter: bool = True,
) -> Report:
    """Check files and directories (``*.py`` below them) and return every finding, in path order."""
    rules = make_rules(catalog, target, select, ignore)
    files = list(dict.fromkeys(python_files(paths, exclude)))
    return Report(target, tuple(scan_files(files, rules, jobs, prefilter)))


def finding_dict(finding: Finding, target: Version) -> dict[str, Any]:
    """One finding as netref's documented JSON object (docs/json.md): never rename a key."""
    return {
        "path": finding.path,
        "line": finding.line,
        "col": finding.col,
        "code": finding.code,
        "kind": CODES[finding.code].kind,
        "message": finding.message,
        "module": finding.module,
        "replacement": finding.replacement,
        "backport": finding.backport,
        "pep": finding.pep,
        "target": format_version(target),
        "fixable": finding.fixable,
    }


def fixes(report: Report) -> list[FixedFile]:
    """What ``--fix`` would write: one :class:`~netref.check.fixer.FixedFile` per file it changes."""
    from netref.check.fixer import fix_result

    return [fixed for result in report.results if (fixed := fix_result(result)) is not None]


def write_fixes(fixed_files: Iterable[FixedFile]) -> None:
    from netref.check.fixer import write

    for fixed in fixed_files:
        write(fixed)


__all__ = [
    "CODES", "FileResult", "Finding", "Report", "Rules", "check", "finding_dict", "fixes", "make_rules", "write_fixes",
]
