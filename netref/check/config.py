"""``[tool.netref]`` in ``pyproject.toml``: a project's settings for ``netref check``, found as ruff finds its own.

Each file is checked with the settings of the nearest ``pyproject.toml`` above it that has a
``[tool.netref]`` table (a ``pyproject.toml`` without one is passed over, as ruff passes over one
without ``[tool.ruff]``); with none, netref's defaults. The keys (docs/check.md, "Configuration")::

    [tool.netref]
    python = "3.13"                    # the target Python
    select = ["NR1", "NR2"]            # codes or prefixes to report
    ignore = ["NR202"]                 # codes or prefixes not to report
    extend-select = ["NR401"]          # codes or prefixes to report besides select (or the defaults)
    exclude = ["vendor", "build/*"]    # globs, relative to the directory of pyproject.toml
    respect-gitignore = true           # skip files .gitignore ignores (the default)
    [tool.netref.per-file-ignores]
    "tests/*" = ["NR201"]              # glob (relative path or file name) = codes or prefixes

The target Python is ``python``, else the lowest Python that ``requires-python`` in the same
file's ``[project]`` table admits (``">=3.9"`` -> 3.9), else — where no ``[tool.netref]`` table is
found at all — the ``requires-python`` of the nearest ``pyproject.toml`` that has one, else the
running Python (ruff infers its ``target-version`` the same way).

Command-line flags win, layered as ruff layers them: ``--python`` replaces ``python``, ``--select``
replaces ``select``, ``ignore`` and ``extend-select`` (then only ``--ignore`` and ``--extend-select``
apply), ``--extend-select`` adds to ``extend-select``, ``--ignore`` adds to ``ignore``,
``--exclude`` replaces ``exclude``, ``--[no-]respect-gitignore`` replaces ``respect-gitignore``.

A ``pyproject.toml`` is parsed (tomllib) only if its bytes mention ``netref`` or
``requires-python``: walking up past other projects' files costs a read, not a parse.
"""

from __future__ import annotations

import os
import re
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from fnmatch import fnmatch
from typing import Any

from netref.versions import Version

KEYS = ("python", "select", "ignore", "extend-select", "exclude", "per-file-ignores", "respect-gitignore")


class ConfigError(ValueError):
    """A ``[tool.netref]`` table netref cannot use; the message is one line naming the file."""


@dataclass(frozen=True)
class Config:
    """One ``[tool.netref]`` table (``path`` None: no configuration was found, netref's defaults)."""

    path: str | None
    root: str  # the directory of ``path``: exclude and per-file-ignores globs are relative to it
    python: Version | None = None
    select: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    per_file_ignores: tuple[tuple[str, tuple[str, ...]], ...] = ()
    respect_gitignore: bool | None = None
    # Where ``python`` comes from when ``requires-python`` gave it (for messages), else "".
    python_from: str = ""
    extend_select: tuple[str, ...] = ()

    def relative(self, path: str) -> str:
        """``path`` below :attr:`root`, with ``/`` (the absolute path if it is not below it)."""
        absolute = os.path.abspath(path)
        below = absolute.startswith(self.root.rstrip(os.sep) + os.sep)
        relative = os.path.relpath(absolute, self.root) if below else absolute
        return relative.replace(os.sep, "/")

    def excludes(self, path: str) -> bool:
        """Whether an ``exclude`` glob matches the file or directory ``path`` (name or relative path)."""
        return bool(self.exclude) and _matches(self.relative(path), self.exclude)

    def ignored_in(self, path: str) -> tuple[str, ...]:
        """The code prefixes ``per-file-ignores`` ignores in ``path``."""
        if not self.per_file_ignores:
            return ()
        relative = self.relative(path)
        return tuple(code for glob, codes in self.per_file_ignores if _matches(relative, (glob,)) for code in codes)


def _matches(relative: str, globs: Sequence[str]) -> bool:
    """A glob matches the path below the project (``*`` crosses ``/``, as in ruff), or a name in it."""
    parts = relative.split("/")
    return any(
        fnmatch(relative, glob.rstrip("/")) or ("/" not in glob.rstrip("/") and any(fnmatch(p, glob) for p in parts))
        for glob in globs
    )


@dataclass
class ConfigFinder:
    """Finds the configuration of each directory, walking up once per directory (results are cached)."""

    by_directory: dict[str, Config] = field(default_factory=dict)

    def config_for(self, path: str, *, is_directory: bool = False) -> Config:
        """The configuration that applies to ``path`` (a file, or a directory)."""
        absolute = os.path.abspath(path)
        return self._for_directory(absolute if is_directory else os.path.dirname(absolute))

    def _for_directory(self, directory: str) -> Config:
        found = self.by_directory.get(directory)
        if found is None:
            candidate = os.path.join(directory, "pyproject.toml")
            found, requires = load_project(candidate) if os.path.isfile(candidate) else (None, None)
            if found is None:
                parent = os.path.dirname(directory)
                found = self._for_directory(parent) if parent != directory else Config(None, os.getcwd())
                if found.path is None and requires is not None:  # no [tool.netref] above: the nearest requires-python
                    found = replace(found, python=requires, python_from=f"requires-python in {candidate}")
            self.by_directory[directory] = found
        return found


def load_config(path: str) -> Config | None:
    """The ``[tool.netref]`` table of the ``pyproject.toml`` at ``path``, or None if it has none."""
    return load_project(path)[0]


def load_project(path: str) -> tuple[Config | None, Version | None]:
    """The ``[tool.netref]`` table of the ``pyproject.toml`` at ``path`` (None if it has none), and
    the lowest Python its ``[project] requires-python`` admits (None without one).

    A table without ``python`` takes the ``requires-python`` version. Raises :class:`ConfigError` for
    a file that cannot be read or parsed, an unknown key, a value of the wrong type or with an unknown
    code, or a ``requires-python`` that is not a version specifier.
    """
    try:
        with open(path, "rb") as handle:
            data = handle.read()
    except OSError as error:
        raise ConfigError(f"{path}: {error.strerror or error}") from None
    if b"netref" not in data and b"requires-python" not in data:
        return None, None
    import tomllib

    try:
        document = tomllib.loads(data.decode("utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
        raise ConfigError(f"{path}: not valid TOML: {error}") from None
    requires = _requires_python(path, document)
    tool = document.get("tool", {})
    table = tool.get("netref") if isinstance(tool, dict) else None
    if table is None:
        return None, requires
    if not isinstance(table, dict):
        raise ConfigError(f"{path}: [tool.netref] must be a table")
    config = _parse(path, table)
    if config.python is None and requires is not None:
        config = replace(config, python=requires, python_from=f"requires-python in {path}")
    return config, requires


def _requires_python(path: str, document: dict[str, Any]) -> Version | None:
    project = document.get("project")
    if not isinstance(project, dict) or "requires-python" not in project:
        return None
    specifier = project["requires-python"]
    if not isinstance(specifier, str):
        raise ConfigError(f'{path}: [project] requires-python must be a string (a version specifier such as ">=3.9")')
    try:
        return lowest_admitted(specifier)
    except ValueError as error:
        raise ConfigError(f"{path}: [project] requires-python: {error}") from None


# One clause of a PEP 440 version specifier (https://peps.python.org/pep-0440/#version-specifiers).
_CLAUSE = re.compile(r"\s*(~=|===|==|!=|<=|>=|<|>)\s*(\d+(?:\.\d+)*)(\.\*)?\s*")


def lowest_admitted(specifier: str) -> Version | None:
    """The lowest Python feature release (``(3, 9)``) that a PEP 440 specifier admits a release of:
    ``">=3.9"`` -> 3.9, ``">3.8"`` -> 3.8 (3.8.1 is above 3.8), ``"~=3.10"`` -> 3.10, ``"==3.11.*"`` ->
    3.11, ``">=3.8, !=3.8.*"`` -> 3.9. None when nothing bounds it from below (``"<4"``).
    Raises ValueError (one line) for text that is not a specifier, or one that admits no version.
    """
    lower: Version | None = None
    excluded: set[Version] = set()
    uppers: list[tuple[str, Version, bool]] = []
    for clause in specifier.split(","):
        match = _CLAUSE.fullmatch(clause)
        if not match:
            raise ValueError(f'not a version specifier: {specifier!r} (expected e.g. ">=3.9" or ">=3.8, <4")')
        operator, version, wildcard = match.group(1), match.group(2), bool(match.group(3))
        parts = [int(part) for part in version.split(".")]
        release = (parts[0], parts[1] if len(parts) > 1 else 0)
        if operator == "!=":
            if wildcard and len(parts) == 2:  # != 3.8.* leaves out a feature release; != 3.8.0 does not
                excluded.add(release)
            continue
        if operator in ("<", "<="):
            uppers.append((operator, release, len(parts) > 2 and any(parts[2:])))
            continue
        lower = release if lower is None else max(lower, release)
    if lower is None:
        return None
    while lower in excluded and lower[1] < 100:
        lower = (lower[0], lower[1] + 1)
    for operator, release, patch in uppers:
        if lower > release or (operator == "<" and lower == release and not patch):
            raise ValueError(f"{specifier!r} admits no Python release")
    return lower


def _parse(path: str, table: dict[str, Any]) -> Config:
    def fail(message: str) -> ConfigError:
        return ConfigError(f"{path}: [tool.netref] {message}")

    unknown = sorted(set(table) - set(KEYS))
    if unknown:
        raise fail(f"unknown key {unknown[0]!r} (keys: {', '.join(KEYS)})")
    python = None
    if "python" in table:
        from netref.versions import parse_version

        try:
            python = parse_version(_string(table["python"], "python", fail))
        except ValueError as error:
            raise fail(f"python: {error}") from None
    select, ignore = _strings(table, "select", fail), _strings(table, "ignore", fail)
    extend_select = _strings(table, "extend-select", fail)
    per_file = table.get("per-file-ignores", {})
    if not isinstance(per_file, dict):
        raise fail("per-file-ignores must be a table of glob = [codes]")
    per_file_ignores = tuple((glob, _strings(per_file, glob, fail)) for glob in per_file)
    from netref.check.codes import enabled_codes

    for key, codes in (("select", select), ("ignore", ignore), ("extend-select", extend_select), *per_file_ignores):
        try:
            enabled_codes(codes)
        except ValueError as error:
            raise fail(f"{key}: {error}") from None
    gitignore = table.get("respect-gitignore")
    if gitignore is not None and not isinstance(gitignore, bool):
        raise fail("respect-gitignore must be true or false")
    return Config(
        path, os.path.dirname(os.path.abspath(path)), python, select, ignore, _strings(table, "exclude", fail),
        tuple((glob, tuple(code.upper() for code in codes)) for glob, codes in per_file_ignores), gitignore,
        extend_select=extend_select,
    )  # fmt: skip


def _string(value: Any, key: str, fail: Any) -> str:
    if not isinstance(value, str):
        raise fail(f"{key} must be a string")
    return value


def _strings(table: dict[str, Any], key: str, fail: Any) -> tuple[str, ...]:
    value = table.get(key, [])
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise fail(f"{key} must be a list of strings")
    return tuple(value)
