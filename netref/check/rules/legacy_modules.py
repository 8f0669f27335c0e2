"""NR101–NR105: imports of modules that are renamed, deprecated, removed or not yet there on the target,
and the Python 2 attributes of urllib/urllib2 that moved to other modules.

Every fact about a module (status, replacement, PEP, backport, moved attributes) comes from the
catalogue; this rule only turns those facts into verdicts, findings and the safe edits of ``--fix``
(module renames, and moved attributes with a known new home; never deprecated or removed modules).

Compatibility code is judged as it runs on the target (see :mod:`netref.check.compat` for version
branches). In ``try: import httplib / except ImportError: import http.client as httplib``, the
import that fails on the target is not reported when a handler imports a replacement under the
same name; when the handler has none (``telnetlib = None``), the finding says that the feature
silently disappears. A handler whose ``try`` body only imports modules that exist on the target
is dead code. A module's attribute uses are counted for the bindings that run, in their own scope
(a function's ``import urllib`` covers that function).
"""

from __future__ import annotations

import ast
import re
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cached_property, lru_cache

from netref.catalog import Catalog, Module, Status
from netref.check.blocks import Compound
from netref.check.compat import handlers
from netref.check.registry import Code, Rule, register
from netref.check.scanner import Edit, FileScan, ImportStatement
from netref.versions import Version, format_version

CODES = (
    Code("NR101", kind="renamed", title="module renamed on the target Python (Python 2 name)"),
    Code("NR102", kind="deprecated", title="module deprecated on the target Python"),
    Code("NR103", kind="removed", title="module removed on the target Python"),
    Code("NR104", kind="moved-attribute", title="Python 2 attribute of urllib/urllib2 that moved to another module"),
    Code("NR105", kind="not-yet", title="module does not exist yet on the target Python"),
)
CODE_FOR_STATUS = {code.kind: code.code for code in CODES}
FAILS_TO_IMPORT = frozenset({"renamed", "removed", "not-yet"})  # statuses that raise ImportError on the target


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


# What the pre-filter reads of import statements: the names after ``import``, the module of
# ``from X``, and the literal of ``import_module(...)``/``__import__(...)``.
IMPORT_PARTS = (
    re.compile(rb"import[ \t]+((?:[^\\\n]|\\\r?\n|\\.)*)"),  # backslash-continued lines included
    re.compile(rb"from[ \t]+([\w.]+)"),
    re.compile(rb"import(?:_module|__)[ \t]*(\([ \t\r\n]*[^\n]*)"),
)
NON_WORD = re.compile(rb"\W+")


@lru_cache(maxsize=2)
def import_parts(data: bytes) -> tuple[bytes, frozenset[bytes]]:
    """A file's import statements, loosely read, and their words: the pre-filter's view, shared by the
    rules that ask for it, so that a file's bytes are searched for it once."""
    parts = b" ".join(b" ".join(pattern.findall(data)) for pattern in IMPORT_PARTS)
    return parts, frozenset(NON_WORD.split(parts))


@register
class LegacyModules(Rule):
    codes = CODES

    def __init__(self, catalog: Catalog, target: Version) -> None:
        """Verdicts for every catalogue module that is not current on ``target``."""
        verdicts = {}
        for module in catalog.modules.values():
            status = module.status(target)
            code = CODE_FOR_STATUS.get(status.kind)
            if code:
                verdicts[module.name] = _verdict(catalog, module, status, code)
        moved = {m.name: dict(m.moved_attributes) for m in catalog.modules.values() if m.moved_attributes}
        self.verdicts = verdicts
        self.target = target
        # Modules known to exist on the target: the catalogue's current ones and the standard library's.
        self.known = frozenset(catalog.modules) | frozenset(sys.stdlib_module_names)
        self.moved: dict[str, dict[str, str]] = moved if target >= (3, 0) else {}  # module -> {attribute: new home}
        self.moved_pep = {m.name: m.pep for m in catalog.modules.values() if m.moved_attributes}
        # What to name for module.attribute (never a deprecated name: urllib.splitport -> urlsplit), and the
        # moves --fix may make (same function, new home, not deprecated there).
        self.advice, self.exact = _attribute_advice(catalog, moved)
        self.module_names = frozenset(catalog.modules)
        # Every dotted part of an imported name is a word, so a dotted module's last part finds its imports; its
        # first part is a word too unless it is a package that exists on the target (xml, for
        # xml.etree.cElementTree: every file importing xml.dom would pass the filter for nothing).
        self.words = frozenset(
            {name.rsplit(".", 1)[-1].encode() for name in verdicts}
            | {top.encode() for name in verdicts if (top := name.split(".")[0]) in verdicts or top not in self.known}
        )
        names = b"|".join(re.escape(name.encode()) for name in self.moved)
        self.moved_bytes = re.compile(rb"(?<![\w.])(?:" + names + rb")\b(?![ \t]*\.)") if self.moved else None

    def might_find(self, data: bytes) -> bool:
        """Do the import statements (loosely read) name a module with a verdict or moved attributes?"""
        parts, words = import_parts(data)
        if not self.words.isdisjoint(words):
            return True
        return bool(self.moved_bytes and self.moved_bytes.search(parts))

    def visit(self, scan: FileScan) -> None:
        _ModuleScan(self, scan).run()

    def verdict(self, name: str) -> Verdict | None:
        """The verdict on ``name`` or on the package it lives in (``a.b.c``, ``a.b``, ``a``)."""
        verdicts, parts = self.verdicts, name.split(".")
        for size in range(len(parts), 0, -1):
            found = verdicts.get(".".join(parts[:size]))
            if found:
                return found
        return None

    # -- what an import statement does on the target ------------------------------------------------

    def concerns(self, node: ast.Import | ast.ImportFrom) -> bool:
        """Does the statement import a module with a verdict, or a moved attribute?"""
        if isinstance(node, ast.Import):
            return any(self.verdict(alias.name) for alias in node.names)
        return bool(not node.level and node.module and (
            self.verdict(node.module) or node.module in self.moved
            or any(f"{node.module}.{alias.name}" in self.verdicts for alias in node.names)))

    def fails(self, node: ast.Import | ast.ImportFrom) -> bool:
        """Does the statement raise ImportError on the target (a renamed, removed or not-yet module,
        or ``from urllib import quote`` on Python 3)?"""
        if isinstance(node, ast.Import):
            return any(self._fails_module(alias.name) for alias in node.names)
        if node.level or not node.module:
            return False
        moved = self.moved.get(node.module, {})
        return self._fails_module(node.module) or any(
            alias.name in moved or self._fails_module(f"{node.module}.{alias.name}") for alias in node.names)

    def _fails_module(self, name: str) -> bool:
        found = self.verdict(name)
        return found is not None and found.kind in FAILS_TO_IMPORT

    def exists(self, node: ast.Import | ast.ImportFrom) -> bool:
        """Is every module the statement imports known to exist on the target?"""
        if self.fails(node):
            return False
        if isinstance(node, ast.Import):
            return all(self._known(alias.name) for alias in node.names)
        return not node.level and bool(node.module) and self._known(node.module or "")

    def _known(self, name: str) -> bool:
        return name in self.known or name.split(".")[0] in self.known

    def dead_handlers(self, scan: FileScan, guard: Compound) -> bool:
        """Can the ImportError handlers of ``guard`` never run on the target? True when its
        ``try`` body imports something, and only modules that exist there."""
        return bool(statements := tried(scan, guard)) and all(self.exists(node) for node in statements)


def tried(scan: FileScan, guard: Compound) -> list[ast.Import | ast.ImportFrom]:
    """The imports the ``try`` body of ``guard`` runs (not those of the functions it defines)."""
    body, compat = guard.clauses[0], scan.compat
    return [s.node for s in scan.imports
            if body.body_start <= s.start < body.body_end and compat.runs_in(s.start, body)]


_DYNAMIC_IMPORT = re.compile(r"import(?:_module|__)[ \t]*\([ \t\r\n]*[rRuU]?(['\"])")
_PLAIN_NAME = re.compile(r"[A-Za-z_][\w.]*")
_FROM_MODULE = re.compile(r"from[ \t\\\r\n]+([\w.]+)")


class _ModuleScan:
    """The rule's work on one file."""

    def __init__(self, rule: LegacyModules, scan: FileScan):
        self.rule, self.scan, self.source = rule, scan, scan.source
        self.moved = rule.moved
        self.advice, self.exact = rule.advice, rule.exact
        self.note = ""  # said after the headline of the statement being judged
        self.inactive: set[int] = set()  # starts of import statements whose binding does not happen on the target

    @cached_property
    def bindings(self) -> dict[str, list[ImportStatement]]:
        """The import statements of the file by the names they bind."""
        found: dict[str, list[ImportStatement]] = {}
        for statement in self.scan.imports:
            for name in _bound(statement.node):
                found.setdefault(name, []).append(statement)
        return found

    def run(self) -> None:
        for statement in self.scan.imports:
            if self.rule.concerns(statement.node):
                self._judge_in_context(statement)
        self._dynamic_imports()
        if self.moved:
            self._moved_attribute_uses()

    def _judge_in_context(self, statement: ImportStatement) -> None:
        """Judge a statement as it runs on the target: not at all in dead code, and inside
        ``try``/``except ImportError`` as the guard makes it behave."""
        scan = self.scan
        if scan.is_dead(statement.start):
            self.inactive.add(statement.start)
            return
        guard = scan.compat.guard_of(statement.start)
        if guard is None:
            self._judge(statement)
            return
        compound, in_body = guard
        if not in_body:
            if self.rule.dead_handlers(scan, compound):
                scan.dead_spans.extend((c.body_start, c.body_end) for c in handlers(compound))
                self.inactive.add(statement.start)
            else:
                self._judge(statement)
            return
        if not self.rule.fails(statement.node):
            self._judge(statement)
            return
        self.inactive.add(statement.start)  # it raises ImportError: its names are bound by the handler
        fallbacks = self._handler_imports(compound)
        replaced = set(scan.compat.stand_ins(compound))  # class Message: ..., def quote(...): ...
        for fallback in fallbacks:
            if not self.rule.fails(fallback.node):  # imported under the same name, existing on the target
                replaced |= _bound(fallback.node)
        if _bound(statement.node) & replaced or "*" in replaced:
            return  # the handler binds a replacement under the same name: a shim, not a loss
        if not fallbacks and not any(_RAISE.search(scan.source.code, c.body_start, c.body_end)
                                     for c in handlers(compound)):
            target = format_version(self.rule.target)
            self.note = (f"; its `except ImportError` imports no replacement, so on Python {target} "
                         "the feature silently disappears")
        self._judge(statement)
        self.note = ""

    def _handler_imports(self, guard: Compound) -> list[ImportStatement]:
        """The import statements of the ImportError handlers of ``guard``."""
        compat = self.scan.compat
        return [s for s in self.scan.imports for c in handlers(guard)
                if c.body_start <= s.start < c.body_end and compat.runs_in(s.start, c)]

    def add(self, offset: int, verdict: Verdict, message: str | None = None, replacement: str | None = None,
            edits: tuple[Edit, ...] = ()) -> None:
        if message is None:
            message = verdict.message
        if self.note and message.startswith(verdict.headline):
            message = verdict.headline + self.note + message[len(verdict.headline) :]
        self.scan.add(offset, verdict.code, message, module=verdict.module,
                      replacement=verdict.replacement if replacement is None else replacement,
                      backport=verdict.backport, pep=verdict.pep, edits=edits)

    def add_moved(self, offset: int, module: str, attributes: list[str], moved: dict[str, str],
                  edits: tuple[Edit, ...]) -> None:
        """NR104 for ``module.attribute`` (one or several) whose home is now ``moved[attribute]``."""
        pep = self.rule.moved_pep.get(module)
        old = ", ".join(f"{module}.{name}" for name in attributes)
        advice = self.advice.get(module, {})
        new = ", ".join(dict.fromkeys(advice.get(name, f"{moved[name]}.{name}") for name in attributes))
        verb = "is" if len(attributes) == 1 else "are"
        self.scan.add(offset, "NR104", f"{old} {verb} Python 2{_pep(pep)}: use {new}", module=module, replacement=new,
                      pep=pep, edits=edits)

    # -- import statements --------------------------------------------------------------------------

    def _judge(self, statement: ImportStatement) -> None:
        node = statement.node
        if isinstance(node, ast.Import):
            for alias in node.names:
                verdict = self.rule.verdict(alias.name)
                if verdict:
                    self.add(statement.start, verdict, edits=self._rename_alias(statement, alias, verdict))
            return
        if node.level or not node.module:
            return
        verdicts = self.rule.verdicts
        submodules = [a for a in node.names if f"{node.module}.{a.name}" in verdicts]
        for alias in submodules:
            self.add(statement.start, verdicts[f"{node.module}.{alias.name}"])
        verdict = self.rule.verdict(node.module)
        moved = self.moved.get(node.module, {})
        names = [a for a in node.names if a not in submodules]
        if verdict:
            self._judge_from(statement, node.module, verdict, names, moved)
        elif moved and any(a.name in moved for a in names):
            self._moved_from(statement, node.module, names, moved)

    def _judge_from(self, statement: ImportStatement, module: str, verdict: Verdict, names: list[ast.alias],
                    moved: dict[str, str]) -> None:
        message, replacement = verdict.message, verdict.replacement
        advice = self.advice.get(module, {})
        if advice and names and all(a.name in advice for a in names):
            homes = ", ".join(dict.fromkeys(advice[a.name] for a in names))
            # the attributes' own successors: the module's backport would not bring them back
            message, replacement = f"{verdict.headline}: use {homes}", homes
        edits: tuple[Edit, ...] = ()
        if verdict.renamed_to and module == verdict.module:  # not a submodule of it
            if moved:
                edits = self._regroup(statement, names, self.exact.get(module, {}), keep=None)
            else:
                edits = self._rename_from(statement, verdict.renamed_to)
        self.add(statement.start, verdict, message, replacement, edits)

    def _moved_from(self, statement: ImportStatement, module: str, names: list[ast.alias],
                    moved: dict[str, str]) -> None:
        used = [a.name for a in names if a.name in moved]
        edits = self._regroup(statement, names, self.exact.get(module, {}), keep=module)
        self.add_moved(statement.start, module, used, moved, edits)

    # -- fixes for import statements ------------------------------------------------------------------

    def _rename_alias(self, statement: ImportStatement, alias: ast.alias, verdict: Verdict) -> tuple[Edit, ...]:
        """``import httplib`` -> ``import http.client as httplib``: the local name stays bound."""
        if not verdict.renamed_to or alias.name != verdict.module:
            return ()
        if verdict.module in self.moved:
            return self._moved_module_edits(statement, alias, verdict)
        bound = alias.asname or alias.name
        return (self._alias_edit(statement, alias, f"{verdict.renamed_to} as {bound}"),)

    def _alias_edit(self, statement: ImportStatement, alias: ast.alias, new: str) -> Edit:
        start = statement.offset(alias.lineno, alias.col_offset)
        end = statement.offset(alias.end_lineno or alias.lineno, alias.end_col_offset or alias.col_offset)
        return Edit(start, end, new)

    def _rename_from(self, statement: ImportStatement, new_module: str) -> tuple[Edit, ...]:
        match = _FROM_MODULE.match(statement.text)
        if not match:
            return ()
        return (Edit(statement.start + match.start(1), statement.start + match.end(1), new_module),)

    def _regroup(self, statement: ImportStatement, names: list[ast.alias], moved: dict[str, str],
                 keep: str | None) -> tuple[Edit, ...]:
        """``from urllib import urlopen, quote`` -> one ``from HOME import ...`` per new home.

        Names without a known home stay with ``keep`` (a module that still exists), or make the
        statement a human's job when ``keep`` is None (the old module is gone).
        """
        groups: dict[str, list[str]] = {}
        for alias in names:
            # a name that did not move stays only if it is a submodule (from urllib import parse)
            stays = keep if keep and f"{keep}.{alias.name}" in self.rule.module_names else None
            home = moved.get(alias.name, stays)
            if home is None or alias.name == "*":
                return ()
            groups.setdefault(home, []).append(f"{alias.name} as {alias.asname}" if alias.asname else alias.name)
        if len(groups) == 1:
            return self._rename_from(statement, next(iter(groups)))
        source = self.source
        line_start = source.line_start(statement.start)
        own_line = not source.code[line_start : statement.start].strip()
        if not own_line or source.text[statement.start : statement.end].count("#"):
            return ()
        indent = source.text[line_start : statement.start]
        lines = [f"from {home} import {', '.join(items)}" for home, items in groups.items()]
        return (Edit(statement.start, statement.end, ("\n" + indent).join(lines)),)

    def _moved_module_edits(self, statement: ImportStatement, alias: ast.alias,
                            verdict: Verdict | None) -> tuple[Edit, ...]:
        """``import urllib2`` and its uses ``urllib2.urlopen`` -> ``urllib.request.urlopen``.

        Safe only when every use of the bound name is an attribute whose new home is known.
        """
        uses = self._module_uses(statement, alias)
        if uses is None:
            return ()
        if not uses:
            if verdict and verdict.renamed_to:
                return (self._alias_edit(statement, alias, f"{verdict.renamed_to} as {alias.asname or alias.name}"),)
            return ()
        homes = ", ".join(sorted({home for _, _, home, _ in uses}))
        edits = [self._alias_edit(statement, alias, homes)]
        edits += [Edit(start, end, f"{home}.{attr}") for start, end, home, attr in uses]
        return tuple(edits)

    def _module_uses(self, statement: ImportStatement, alias: ast.alias) -> list[tuple[int, int, str, str]] | None:
        """Every ``NAME.attr`` use of an imported module with moved attributes, or None if some
        use is anything else (then no rewrite is safe)."""
        bound = alias.asname or alias.name
        moved = self.exact.get(alias.name, {})
        spans = [(s.start, s.end) for s in self.scan.imports]
        uses = []
        word = re.compile(rf"(?<![\w.]){re.escape(bound)}\b(?:[ \t]*\.[ \t]*([A-Za-z_]\w*))?")
        for match in self._in_scope(word, statement, bound):
            if any(start <= match.start() < end for start, end in spans):
                continue
            attr = match.group(1)
            if attr not in moved:
                return None
            uses.append((match.start(), match.end(), moved[attr], attr))
        return uses

    # -- other forms of import ------------------------------------------------------------------------

    def _dynamic_imports(self) -> None:
        """``importlib.import_module("nntplib")`` and ``__import__("gopherlib")`` with a literal name."""
        source = self.source
        for match in _DYNAMIC_IMPORT.finditer(source.code):
            dunder = source.code[match.start() - 2 : match.start()] == "__"
            if dunder and match.group().startswith("import_module"):
                continue
            call = match.start() - 2 if dunder else match.start()
            quote = match.start(1)
            end = source.string_end(quote)
            literal = source.text[quote:end]
            name = literal[1:-1]
            if len(literal) < 2 or literal[-1] != literal[0] or not _PLAIN_NAME.fullmatch(name):
                continue
            verdict = self.rule.verdict(name)
            if verdict:
                edits: tuple[Edit, ...] = ()
                # __import__("a.b") returns package a, not a.b: rename only to a top-level name
                new = verdict.renamed_to
                if new and (not dunder or "." not in new) and name == verdict.module and name not in self.moved:
                    edits = (Edit(quote + 1, end - 1, new),)
                self.add(call, verdict, edits=edits)

    def _moved_attribute_uses(self) -> None:
        """``urllib.urlopen`` after ``import urllib``: Python 2's layout of urllib and urllib2."""
        for statement in self.scan.imports:
            node = statement.node
            if not isinstance(node, ast.Import) or statement.start in self.inactive:
                continue
            for alias in node.names:
                moved = self.moved.get(alias.name)
                if not moved or self.scan.is_dead(statement.start):
                    continue
                edits = self._moved_module_edits(statement, alias, self.rule.verdict(alias.name))
                for start, attr in self._attribute_uses(statement, alias, moved):
                    self.add_moved(start, alias.name, [attr], moved, edits)

    def _attribute_uses(self, statement: ImportStatement, alias: ast.alias,
                        moved: dict[str, str]) -> Iterator[tuple[int, str]]:
        """(offset, attribute) of each ``NAME.attribute`` whose attribute moved, in the statement's scope."""
        bound = alias.asname or alias.name
        word = re.compile(rf"(?<![\w.]){re.escape(bound)}[ \t]*\.[ \t]*([A-Za-z_]\w*)")
        for match in self._in_scope(word, statement, bound):
            if match.group(1) in moved:
                yield match.start(), match.group(1)

    def _in_scope(self, word: re.Pattern[str], statement: ImportStatement, bound: str) -> Iterator[re.Match[str]]:
        """Matches of ``word`` where ``statement``'s binding of ``bound`` is the one in force:
        inside its function, or, for a module-level import, outside the functions that import
        ``bound`` themselves."""
        code = self.source.code
        own = [s for s in self.bindings.get(bound, ()) if s is not statement]
        if not own and self.source.line_start(statement.start) == statement.start:
            yield from word.finditer(code)  # the common case: one import, at module level
            return
        blocks = self.scan.blocks
        scope = blocks.scope_of(statement.start)
        start, end = (scope.body_start, scope.body_end) if scope else (0, len(code))
        shadowing = []
        for other in own:
            inner = blocks.scope_of(other.start)
            live = other.start not in self.inactive
            if live and inner is not None and inner != scope and start <= inner.body_start < end:
                shadowing.append((inner.body_start, inner.body_end))
        for match in word.finditer(code, start, end):
            if not any(a <= match.start() < b for a, b in shadowing):
                yield match


_RAISE = re.compile(r"\braise\b")


def _bound(node: ast.Import | ast.ImportFrom) -> set[str]:
    """The names an import statement binds (``import a.b`` binds ``a``)."""
    if isinstance(node, ast.Import):
        return {alias.asname or alias.name.split(".")[0] for alias in node.names}
    return {alias.asname or alias.name for alias in node.names}


def _attribute_advice(catalog: Catalog, moved: dict[str, dict[str, str]]
                      ) -> tuple[dict[str, dict[str, str]], dict[str, dict[str, str]]]:
    """module -> {attribute: what to use} for every attribute-level entry of the catalogue (its advice,
    following a deprecated replacement to its own), and module -> {attribute: new home} for the moved
    attributes whose new name is exactly right (not deprecated): the only ones ``--fix`` rewrites."""
    advice: dict[str, dict[str, str]] = {}
    for api in catalog.apis.values():
        text = catalog.api_advice(api)
        if text and not api.params and api.kind != "behaviour" and "." not in api.name:
            advice.setdefault(api.module, {})[api.name] = text
    exact = {
        module: {name: home for name, home in homes.items() if advice.get(module, {}).get(name) == f"{home}.{name}"}
        for module, homes in moved.items()
    }
    return advice, exact


def _pep(pep: int | None) -> str:
    return f" (PEP {pep})" if pep else ""
