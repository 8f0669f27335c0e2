"""``[tool.netref]`` in ``pyproject.toml``: a project's settings for ``netref check``, found as ruff finds its own.

Each file is checked with the settings of the nearest ``pyproject.toml`` above it that has a
``[tool.netref]`` table (a ``pyproject.toml`` without one is passed over, as ruff passes over one
without ``[tool.ruff]``); with none, netref's defaults. The keys (docs/check.md, "Configuration")::

    [tool.netref]
    python = "3.13"                    # the target Python
    select = ["NR1", "NR2"]            # codes or prefixes to report
    ignore = ["NR202"]                 # codes or prefixes not to report
    exclude = ["vendor", "build/*"]    # globs, relative to the directory of pyproject.toml
    respect-gitignore = true           # skip files .gitignore ignores (the default)
    [tool.netref.per-file-ignores]
    "tests/*" = ["NR201"]              # glob (relative path or file name) = codes or prefixes

Command-line flags win, layered as ruff layers them: ``--python`` replaces ``python``, ``--select``
replaces ``select`` and ``ignore`` (then only ``--ignore`` applies), ``--ignore`` adds to ``ignore``,
``--exclude`` replaces ``exclude``, ``--[no-]respect-gitignore`` replaces ``respect-gitignore``.

A ``pyproject.toml`` is parsed (tomllib) only if its bytes mention ``netref``: walking up past
other projects' files costs a read, not a parse.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from fnmatch import fnmatch
from typing import Any

from netref.versions import Version

KEYS = ("python", "select", "ignore", "exclude", "per-file-ignores", "respect-gitignore")


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
            found = load_config(candidate) if os.path.isfile(candidate) else None
            if found is None:
                parent = os.path.dirname(directory)
                found = self._for_directory(parent) if parent != directory else Config(None, os.getcwd())
            self.by_directory[directory] = found
        return found


def load_config(path: str) -> Config | None:
    """The ``[tool.netref]`` table of the ``pyproject.toml`` at ``path``, or None if it has none.

    Raises :class:`ConfigError` for a file that cannot be read or parsed, an unknown key, or a value
    of the wrong type or with an unknown code.
    """
    try:
        with open(path, "rb") as handle:
            data = handle.read()
    except OSError as error:
        raise ConfigError(f"{path}: {error.strerror or error}") from None
    if b"netref" not in data:
        return None
    import tomllib

    try:
        document = tomllib.loads(data.decode("utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
        raise ConfigError(f"{path}: not valid TOML: {error}") from None
    table = document.get("tool", {}).get("netref")
    if table is None:
        return None
    if not isinstance(table, dict):
        raise ConfigError(f"{path}: [tool.netref] must be a table")
    return _parse(path, table)


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
    per_file = table.get("per-file-ignores", {})
    if not isinstance(per_file, dict):
        raise fail("per-file-ignores must be a table of glob = [codes]")
    per_file_ignores = tuple((glob, _strings(per_file, glob, fail)) for glob in per_file)
    from netref.check.codes import enabled_codes

    for key, codes in (("select", select), ("ignore", ignore), *per_file_ignores):
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
