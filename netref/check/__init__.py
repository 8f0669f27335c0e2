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

import os
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from netref.catalog import Catalog
from netref.check.codes import CODES, enabled_codes
from netref.check.files import named_files, python_files, scan_files
from netref.check.noqa import without
from netref.check.registry import Rules, build_rules
from netref.check.scanner import FileResult, Finding, scan_bytes
from netref.versions import Version, format_version, running_version

if TYPE_CHECKING:
    from netref.check.config import Config
    from netref.check.fixer import FixedFile


@dataclass(frozen=True)
class Report:
    target: Version
    results: tuple[FileResult, ...]
    # Files judged for another target than ``target`` (their [tool.netref] table names one).
    targets: Mapping[str, Version] = field(default_factory=dict)

    @property
    def findings(self) -> list[Finding]:
        return [finding for result in self.results for finding in result.findings]

    @property
    def files(self) -> int:
        return len(self.results)

    def target_for(self, path: str) -> Version:
        return self.targets.get(path, self.target)


def make_rules(
    catalog: Catalog, target: Version, select: Iterable[str] = (), ignore: Iterable[str] = (),
    extend_select: Iterable[str] = (),
) -> Rules:
    """Rules for ``target``; raises ValueError (one line) for an unknown code in select/ignore."""
    return build_rules(catalog, target, enabled_codes(select, ignore, extend_select))


def check(
    paths: Sequence[str],
    catalog: Catalog,
    target: Version | None = None,
    *,
    select: Iterable[str] = (),
    ignore: Iterable[str] = (),
    extend_select: Iterable[str] = (),
    exclude: Sequence[str] = (),
    jobs: int | None = None,
    prefilter: bool = True,
    config: bool = False,
    respect_gitignore: bool | None = None,
    stdin: bytes | None = None,
) -> Report:
    """Check files and directories (``*.py`` below them) and return every finding, in path order.

    ``target`` defaults to the running Python. With ``config``, each file is checked with the
    settings of its project's ``[tool.netref]`` table (:mod:`netref.check.config`), which the
    arguments given here override as command-line flags do (``extend_select`` adds codes to the
    selection, ruff's ``--extend-select``); ``respect_gitignore`` (default: on with
    ``config``, else off) leaves out what git ignores below a directory. ``stdin`` is the content of
    one file, checked under the name ``paths[0]`` (``-``, or a name that need not exist).
    Raises ValueError (one line) for an unknown code, ConfigError for a broken ``[tool.netref]``.
    """
    if config:
        project = _Project(catalog, target, tuple(select), tuple(ignore), tuple(exclude), tuple(extend_select))
        return project.check(paths, jobs, prefilter, respect_gitignore, stdin)
    rules = make_rules(catalog, target or running_version(), select, ignore, extend_select)
    if stdin is not None:
        return Report(rules.target, (scan_bytes(stdin, paths[0], rules, prefilter, named=True),))
    files = list(dict.fromkeys(python_files(paths, exclude, gitignore=bool(respect_gitignore))))
    return Report(rules.target, tuple(scan_files(files, rules, jobs, prefilter, named_files(paths))))


class _Project:
    """One run under ``[tool.netref]`` tables: which files, and each file's rules and ignores."""

    def __init__(self, catalog: Catalog, target: Version | None, select: tuple[str, ...], ignore: tuple[str, ...],
                 exclude: tuple[str, ...], extend_select: tuple[str, ...] = ()) -> None:
        from netref.check.config import ConfigFinder

        self.catalog, self.target, self.select, self.ignore, self.exclude = catalog, target, select, ignore, exclude
        self.extend_select = extend_select
        self.finder = ConfigFinder()
        self._rules: dict[tuple[Version, tuple[str, ...], tuple[str, ...], tuple[str, ...]], Rules] = {}

    def rules_for(self, config: Config) -> Rules:
        """Flags win: --select replaces select and ignore; --ignore adds to ignore; --extend-select adds
        to whichever selection applies (as in ruff)."""
        target = self.target or config.python or running_version()
        if self.select:
            select, ignore, extend = self.select, self.ignore, self.extend_select
        else:
            select, ignore = config.select, config.ignore + self.ignore
            extend = config.extend_select + self.extend_select
        key = (target, select, ignore, extend)
        if key not in self._rules:
            self._rules[key] = make_rules(self.catalog, target, select, ignore, extend)
        return self._rules[key]

    def excluded(self, path: str, is_directory: bool) -> bool:
        return self.finder.config_for(path).excludes(path)

    def files(self, paths: Sequence[str], respect_gitignore: bool | None) -> list[str]:
        skip = None if self.exclude else self.excluded  # --exclude replaces the tables' exclude
        found: list[str] = []
        for path in paths:
            gitignore = respect_gitignore
            if gitignore is None:
                gitignore = self.finder.config_for(path, is_directory=os.path.isdir(path)).respect_gitignore
            found.extend(python_files([path], self.exclude, skip, gitignore=gitignore is not False))
        return list(dict.fromkeys(found))

    def check(self, paths: Sequence[str], jobs: int | None, prefilter: bool, respect_gitignore: bool | None,
              stdin: bytes | None) -> Report:
        files = paths[:1] if stdin is not None else self.files(paths, respect_gitignore)
        configs = {path: self.finder.config_for(path) for path in files}
        groups: dict[int, tuple[Rules, list[str]]] = {}
        for path in files:
            rules = self.rules_for(configs[path])
            groups.setdefault(id(rules), (rules, []))[1].append(path)
        results: dict[str, FileResult] = {}
        for rules, group in groups.values():
            scanned = [scan_bytes(stdin, group[0], rules, prefilter, named=True)] if stdin is not None else (
                scan_files(group, rules, jobs, prefilter, named_files(paths)))
            for result in scanned:
                results[result.path] = _per_file_ignores(result, configs[result.path])
        target = self.rules_for(configs[files[0]]).target if files else (self.target or running_version())
        targets = {path: rules.target for rules, group in groups.values() for path in group if rules.target != target}
        return Report(target, tuple(results[path] for path in files), targets)


def _per_file_ignores(result: FileResult, config: Config) -> FileResult:
    ignored = config.ignored_in(result.path)
    if not ignored or not result.findings:
        return result
    return replace(result, findings=tuple(without(result.findings, lambda finding: finding.code.startswith(ignored))))


def statistics(report: Report) -> list[dict[str, Any]]:
    """Findings counted per code, most frequent first (``--statistics``; docs/json.md)."""
    from collections import Counter

    counts = Counter(finding.code for finding in report.findings)
    fixable = Counter(finding.code for finding in report.findings if finding.fixable)
    return [
        {"code": code, "kind": CODES[code].kind, "title": CODES[code].title, "count": count, "fixable": fixable[code]}
        for code, count in sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    ]


def code_descriptions() -> list[dict[str, str]]:
    """Every code as tools describe their rules (SARIF's ``rules``): code, kind and title."""
    return [{"code": code.code, "kind": code.kind, "title": code.title} for code in CODES.values()]


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


def fixes(report: Report, stdin: bytes | None = None) -> list[FixedFile]:
    """What ``--fix`` would write: one :class:`~netref.check.fixer.FixedFile` per file it changes.

    ``stdin``: the source a stdin report was made from (``check(..., stdin=...)``): its fix is
    computed from these bytes, and is the caller's to print, as ``ruff check --fix -`` prints it.
    """
    from netref.check.fixer import fix_result

    return [fixed for result in report.results if (fixed := fix_result(result, stdin)) is not None]


def write_fixes(fixed_files: Iterable[FixedFile]) -> None:
    from netref.check.fixer import write

    for fixed in fixed_files:
        write(fixed)


__all__ = [
    "CODES", "FileResult", "Finding", "Report", "Rules", "check", "code_descriptions", "finding_dict", "fixes",
    "make_rules", "statistics", "write_fixes",
]
