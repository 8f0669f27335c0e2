"""What ``netref check`` looks for, derived once from the catalogue and the target Python.

Every fact about a module (status, replacement, PEP, backport, moved attributes) comes from the
catalogue; this module only turns those facts into verdicts and into the cheap byte patterns that
let the scanner skip files with nothing to report. A :class:`Rules` is plain picklable data, so
worker processes receive it once.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from netref.catalog import Catalog, Module, Status
from netref.check.codes import CODE_FOR_STATUS
from netref.versions import Version, format_version

# The protocol whose modules hand out sockets; the str-send check runs in files importing one.
_SOCKET_PROTOCOL = "tcp"


@dataclass(frozen=True)
class Verdict:
    """A module that is worth a finding on the target Python, with everything the finding says."""

    module: str
    code: str
    kind: str
    headline: str  # e.g. "httplib was renamed in Python 3.0 (PEP 3108)"
    replacement: str | None
    backport: str | None
    pep: int | None
    renamed_to: str | None  # set only for renamed modules: what ``--fix`` may rewrite to

    @property
    def message(self) -> str:
        return self.message_for(self.replacement)

    def message_for(self, replacement: str | None) -> str:
        """The finding's text, naming ``replacement`` (and the PyPI backport, if any). A module
        with no successor (cgitb, xdrlib) still names its backport."""
        if not replacement:
            if self.backport and self.kind in ("deprecated", "removed"):
                return f"{self.headline}: no standard-library successor; the PyPI backport is {self.backport}"
            return self.headline
        backport = f", or the PyPI backport {self.backport}" if self.backport else ""
        return f"{self.headline}: use {replacement}{backport}"


@dataclass(frozen=True)
class Rules:
    target: Version
    codes: frozenset[str]
    verdicts: dict[str, Verdict]
    moved: dict[str, dict[str, str]]  # module -> {Python 2 attribute: Python 3 home}
    moved_pep: dict[str, int | None]
    socket_modules: frozenset[str]
    methods: tuple[str, ...]  # socket and file methods: ``s.close`` as a statement is a bug
    words: frozenset[bytes] = field(default=frozenset())

    @property
    def python3(self) -> bool:
        return self.target >= (3, 0)

    def wants(self, code: str) -> bool:
        return code in self.codes


def build_rules(catalog: Catalog, target: Version, codes: frozenset[str]) -> Rules:
    """Verdicts for every catalogue module that is not current on ``target``."""
    verdicts = {}
    for module in catalog.modules.values():
        status = module.status(target)
        code = CODE_FOR_STATUS.get(status.kind)
        if code:
            verdicts[module.name] = _verdict(catalog, module, status, code)
    moved = {m.name: dict(m.moved_attributes) for m in catalog.modules.values() if m.moved_attributes}
    protocol = catalog.protocol(_SOCKET_PROTOCOL)
    sockets = frozenset(protocol.modules if protocol else ())
    words = {name.rsplit(".", 1)[-1].encode() for name in verdicts} | {name.split(".")[0].encode() for name in verdicts}
    return Rules(
        target=target,
        codes=codes,
        verdicts=verdicts,
        moved=moved if target >= (3, 0) else {},
        moved_pep={m.name: m.pep for m in catalog.modules.values() if m.moved_attributes},
        socket_modules=sockets,
        methods=_io_methods(),
        words=frozenset(words),
    )


def _verdict(catalog: Catalog, module: Module, status: Status, code: str) -> Verdict:
    name, pep = module.name, f" (PEP {status.pep})" if status.pep else ""
    replacement = status.advice
    if status.kind == "renamed":
        headline = f"{name} was renamed in Python {status.since}{pep}"
    elif status.kind == "removed":
        headline = f"{name} was removed in Python {status.since}{pep}"
    elif status.kind == "deprecated":
        removal = f" and removed in {status.removal}" if status.removal else ""
        headline = f"{name} is deprecated since Python {status.since}{removal}{pep}"
    else:  # not-yet: the target predates the module; name what that Python called it
        headline = f"{name} does not exist in Python {format_version(status.target)} (new in {status.since})"
        replacement = ", ".join(catalog.renamed_from(name)) or None
    return Verdict(
        module=name,
        code=code,
        kind=status.kind,
        headline=headline,
        replacement=replacement,
        backport=status.backport if status.kind in ("deprecated", "removed") else None,
        pep=status.pep,
        renamed_to=module.renamed_to if status.kind == "renamed" else None,
    )


def _io_methods() -> tuple[str, ...]:
    """Public methods of sockets and file objects, read from the running Python, not listed by hand."""
    import io
    import socket

    classes = (socket.socket, io.IOBase, io.RawIOBase, io.BufferedIOBase, io.TextIOBase)
    names = {name for cls in classes for name in dir(cls) if not name.startswith("_") and callable(getattr(cls, name))}
    return tuple(sorted(names, key=lambda name: (-len(name), name)))


# -- byte patterns for the pre-filter and the scanner -------------------------------------------------

SEND_STR = re.compile(rb"\.send(?:all|to)?[ \t]*\([ \t\r\n]*[rRuUfF]{0,2}['\"]")
NON_WORD = re.compile(rb"\W+")


def bare_method_pattern(methods: tuple[str, ...]) -> re.Pattern[bytes]:
    """``.close`` (any listed method) ending a line, a comment allowed after it."""
    names = b"|".join(name.encode() for name in methods)
    return re.compile(rb"\.(?:" + names + rb")[ \t]*(?:#[^\n]*)?(?:\r?\n|\Z)")


# Evidence of Python 2 syntax, each pattern led by a literal so that a search is fast. Strong
# markers (a print or exec statement, ``except E, e:``, ``raise E, "text"``) make a file worth a
# look by themselves; weak ones (backticks, ``<>``) also haunt docstrings and reStructuredText, so
# they count only in a file that has another finding. The scanner applies the same patterns to code whose strings
# and comments are blanked out, so whatever it reports, the pre-filter has let through.
PY2_STRONG = (
    re.compile(rb"print(?:[ \t]+[\w\"'>`]|[ \t]*[\"'])"),  # at the start of a line
    re.compile(rb"exec[ \t]+[\w\"']"),  # at the start of a line
    re.compile(rb"except[ \t]+[\w.]+[ \t]*,[ \t]*\w+[ \t]*:"),
    re.compile(rb"raise[ \t]+[\w.]+[ \t]*,"),
)
PY2_AT_LINE_START = 2  # the first two strong patterns must start their line
PY2_WEAK = (
    re.compile(rb"`[^`\n]+`"),
    re.compile(rb"<>"),
)

# What the pre-filter reads of import statements: the names after ``import``, the module of
# ``from X``, and the literal of ``import_module(...)``/``__import__(...)``.
IMPORT_PARTS = (
    re.compile(rb"import[ \t]+([^\n]*(?:\\\r?\n[^\n]*)*)"),
    re.compile(rb"from[ \t]+([\w.]+)"),
    re.compile(rb"import(?:_module|__)[ \t]*(\([ \t\r\n]*[^\n]*)"),
)
