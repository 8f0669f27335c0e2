"""NR111–NR113: uses of functions, classes, constants, methods and parameters that are deprecated or
removed on the target Python (``ssl.wrap_socket``, ``starttls(keyfile=...)``, ``cgi.escape``).

The facts are the catalogue's API entries (``[modules.NAME.api]``); this rule finds their uses and
judges them for the target. It reads the file with :mod:`ast` (a file that is not Python 3 syntax
is left to the module-level rules) and resolves names the way Python binds them, scope by scope:

- ``ssl.wrap_socket`` after ``import ssl`` or ``import ssl as s`` (``s.wrap_socket``), and dotted
  packages (``http.client.HTTPSConnection``, ``from http import client``);
- ``from ssl import wrap_socket``: reported at the import (that is where it fails);
- keyword arguments of calls whose callee resolves to the affected callable:
  ``smtplib.SMTP_SSL(host, keyfile=k)``, and ``server.starttls(keyfile=k)`` where ``server`` was bound
  from ``smtplib.SMTP(...)`` (or ``with smtplib.SMTP(...) as server``) in the same scope.

Precision first: a name bound more than once in a scope, or by anything but an import or such a
call, resolves to nothing, and a use that cannot be resolved says nothing. Uses inside a ``try:``
whose handler catches the failure (ImportError/AttributeError for names, TypeError for parameters),
inside ``if hasattr(module, "name"):`` and in the ``else:`` of such a feature test are compatibility
code and are not reported. There is no
``--fix``: none of these changes is a rename. Behaviours (``SSLContext()`` without a protocol,
``asyncio.get_event_loop()`` without a loop) are in the catalogue for ``netref module`` only.
"""

from __future__ import annotations

import ast
import re
import sys
from bisect import bisect_left
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import cache, lru_cache
from typing import AnyStr

from netref.catalog import Api, Catalog
from netref.check.lexer import Source, offset_in
from netref.check.registry import Code, Rule, register
from netref.check.rules.legacy_modules import import_parts
from netref.check.scanner import FileScan
from netref.versions import Version, format_version

CODES = (
    Code("NR111", kind="deprecated-api",
         title="function, class, constant, method or parameter deprecated on the target Python"),
    Code("NR112", kind="removed-api", title="function, class, constant or method removed on the target Python"),
    Code("NR113", kind="removed-parameter", title="keyword argument the target Python no longer accepts"),
    Code("NR114", kind="hidden-removal",
         title="removed API imported in a try whose except ImportError binds no replacement: the failure is silent"),
)
# The exceptions whose handler makes a guarded use compatibility code.
_NAME_GUARDS = frozenset({"ImportError", "ModuleNotFoundError", "AttributeError", "Exception", "BaseException",
                          "AttributeError:feature-test"})
_PARAM_GUARDS = frozenset({"TypeError", "Exception", "BaseException"})
_IMPORT_GUARDS = frozenset({"ImportError", "ModuleNotFoundError", "Exception", "BaseException"})
# Put in the guards of the ``else:`` of ``if hasattr(module, "name")``: the fallback for Pythons without
# the feature. Unlike a caught exception it holds inside the functions defined there (they exist only there).
_FEATURE_FALLBACK = "AttributeError:feature-test"


@dataclass(frozen=True)
class ApiVerdict:
    """An API entry worth a finding on the target, with everything the finding says."""

    api: str  # the qualified name: ssl.wrap_socket, smtplib.SMTP.starttls
    module: str
    code: str
    message: str
    replacement: str | None


_GONE = ApiVerdict("", "", "", "", None)  # the verdict of a name without one


def _verdict(catalog: Catalog, api: Api, target: Version, param: str | None = None) -> ApiVerdict | None:
    status = catalog.api_status(api, target)
    if status.kind not in ("deprecated", "removed"):
        return None
    callee = f"{api.module}.{api.callee}"
    subject = f"{param}= of {callee}" if param else callee
    if status.kind == "removed":
        code = "NR113" if param else "NR112"
        headline = f"{subject} was removed in Python {status.since}"
        if param:
            headline += " (a TypeError)"
    else:
        code = "NR111"
        warning = _warning(status.since, status.warns_from, status.warns)
        removal = f" and removed in {status.removal}" if status.removal else ""
        headline = f"{subject} is deprecated since Python {status.since}{warning}{removal}"
    advice = status.replacement
    message = f"{headline}: use {advice}" if advice else headline
    return ApiVerdict(callee, api.module, code, message, advice)


def _warning(since: str | None, warns_from: str | None, warns: bool) -> str:
    """`` (it warns)`` when it has warned since it was deprecated; `` (it warns from 3.10)`` when the
    docs deprecated it earlier (``ssl.PROTOCOL_SSLv23``: 3.6) than it began to warn, whatever the target."""
    if not warns_from:
        return ""
    if warns and warns_from == since:
        return " (it warns)"
    return f" (it warns from {warns_from})"


@register
class ApiLife(Rule):
    codes = CODES
    order = 10  # after the module-level rules, whose verdicts come first on a line

    @classmethod
    def applies_to(cls, target: Version) -> bool:
        return target >= (3, 0)  # the API entries are Python 3's; Python 2 names are NR101-NR104

    def __init__(self, catalog: Catalog, target: Version) -> None:
        """Verdicts for the entries that are deprecated or removed on ``target``, in modules that
        still exist there (a removed or renamed module is the module rules' finding)."""
        names: dict[str, ApiVerdict] = {}
        params: dict[str, dict[str, ApiVerdict]] = {}
        for api in catalog.apis.values():
            module = catalog.modules.get(api.module)
            if api.moved or api.kind == "behaviour" or module is None:
                continue
            if module.status(target).kind not in ("current", "deprecated"):
                continue
            if api.params:
                for param in api.params:
                    verdict = _verdict(catalog, api, target, param)
                    if verdict:
                        params.setdefault(verdict.api, {})[param] = verdict
            elif verdict := _verdict(catalog, api, target):
                names[verdict.api] = verdict
        self.names, self.params = names, params
        self.target = format_version(target)
        # What an import needs to succeed on the target: its module exists there (the standard library's
        # or the catalogue's), and the names it takes from it are neither removed nor Python 2's.
        gone = {m.name for m in catalog.modules.values() if m.status(target).kind in ("renamed", "removed", "not-yet")}
        self.gone = frozenset(gone)
        self.known = frozenset((set(sys.stdlib_module_names) | set(catalog.modules)) - gone)
        self.moved = {m.name: frozenset(m.moved_attributes) for m in catalog.modules.values() if m.moved_attributes}
        self.signs = _signs(names, params)
        self.uses = _Uses(names, params)

    def imports_succeed(self, node: ast.Try) -> bool:
        """Does every import of the ``try`` body succeed on the target (so that its ImportError handlers
        never run)? False when it imports nothing, or anything netref cannot vouch for (a PyPI module)."""
        imports = [s for s in _statements(node.body) if isinstance(s, (ast.Import, ast.ImportFrom))]
        return bool(imports) and all(self._succeeds(statement) for statement in imports)

    def first_failure(self, node: ast.Try) -> int | None:
        """The index of the first statement of the ``try`` body that is an import certain to fail on the
        target (a gone module, a removed name); None if none is (one inside an ``if`` may not run)."""
        for index, statement in enumerate(node.body):
            if isinstance(statement, (ast.Import, ast.ImportFrom)) and self._fails(statement):
                return index
        return None

    def _fails(self, statement: ast.Import | ast.ImportFrom) -> bool:
        if isinstance(statement, ast.Import):
            return any(self._gone(alias.name) for alias in statement.names)
        module = statement.module
        if statement.level or not module:
            return False
        return self._gone(module) or any(
            self.names.get(f"{module}.{alias.name}", _GONE).code == "NR112" or f"{module}.{alias.name}" in self.gone
            or alias.name in self.moved.get(module, ()) for alias in statement.names)

    def _gone(self, module: str) -> bool:
        parts = module.split(".")
        return any(".".join(parts[:n]) in self.gone for n in range(1, len(parts) + 1))

    def _succeeds(self, statement: ast.Import | ast.ImportFrom) -> bool:
        if isinstance(statement, ast.Import):
            return all(self._exists(alias.name) for alias in statement.names)
        module = statement.module
        if statement.level or not module or not self._exists(module):
            return False
        names = [f"{module}.{alias.name}" for alias in statement.names]
        return not any(self.names.get(name, _GONE).code == "NR112" or name in self.gone for name in names) \
            and not any(alias.name in self.moved.get(module, ()) for alias in statement.names)

    def _exists(self, module: str) -> bool:
        parts = module.split(".")
        return parts[0] in self.known and not any(".".join(parts[:n]) in self.gone for n in range(1, len(parts) + 1))

    def hidden(self, verdict: ApiVerdict, name: str) -> ApiVerdict:
        """NR114's verdict on a removed name whose ImportError guard binds no replacement."""
        advice = f": use {verdict.replacement}" if verdict.replacement else ""
        headline = verdict.message.removesuffix(advice)
        message = (f"{headline}; its `except ImportError` binds no replacement, so on Python {self.target} "
                   f"`{name}` is silently missing{advice}")
        return ApiVerdict(verdict.api, verdict.module, "NR114", message, verdict.replacement)

    def might_find(self, data: bytes) -> bool:
        """A module with verdicts is imported, and the file shows a use of one of its APIs (loosely read)."""
        imported = import_parts(data)[1]
        return any(sign.search(data) for top in self.signs.keys() & imported for sign in self.signs[top])

    def visit(self, scan: FileScan) -> None:
        hits = self.uses.hits(scan)
        if not hits:
            return  # no use can resolve to an API with a verdict: no need to parse the file
        try:
            tree = _parse_around(scan.source, hits)
        except (SyntaxError, ValueError, RecursionError, MemoryError):
            return  # not Python 3 (NR301 says so), or not parseable: the lexical rules still run
        _FileUses(self, scan, tree, _lines(scan.source.text, hits)).run()


def _lines(text: str, offsets: list[int]) -> list[int]:
    """The sorted, distinct 1-based lines of ``offsets`` (counted incrementally: a file has few hits)."""
    lines, line, previous = set(), 1, 0
    for offset in sorted(offsets):
        line += text.count("\n", previous, offset)
        lines.add(line)
        previous = offset
    return sorted(lines)


def _binders(scan: FileScan, submodules: dict[str, frozenset[str]]) -> dict[str, frozenset[str]]:
    """Per top-level module the file imports, the names an expression reaching one of its APIs can end
    with before the ``.``: what an import binds (``ssl`` of ``import ssl`` or ``import ssl.x``, ``s`` of
    ``import ssl as s``, ``request`` of ``from urllib import request``) and the names of the submodules
    with an API (``urllib.request.X`` after ``import urllib.request``, ``urllib.parse.X``). A name bound
    otherwise resolves to nothing: after ``ssl = load("ssl")`` and ``from ssl import X``, ``ssl.Y`` is
    not the module's."""
    binders: dict[str, set[str]] = {}
    for statement in scan.imports:
        node = statement.node
        if isinstance(node, ast.ImportFrom):
            if node.module and not node.level:
                names = binders.setdefault(node.module.split(".")[0], set())
                names.update(alias.asname or alias.name for alias in node.names)
            continue
        for alias in node.names:
            names = binders.setdefault(alias.name.split(".")[0], set())
            names.add(alias.asname or alias.name.split(".")[0])
    return {top: frozenset(names | submodules.get(top, frozenset())) for top, names in binders.items()}


# -- name resolution -------------------------------------------------------------------------------------

_UNKNOWN = ""  # a name bound to something the rule does not follow


class _Scope:
    """The names one scope binds: qualified names (``ssl``, ``smtplib.SMTP``), or _UNKNOWN."""

    def __init__(self, node: ast.AST, parent: _Scope | None):
        self.node, self.parent = node, parent
        self.bindings: dict[str, str] = {}

    def bind(self, name: str, value: str) -> None:
        if self.bindings.get(name, value) != value:
            value = _UNKNOWN  # bound twice, differently: nothing certain
        self.bindings[name] = value

    def lookup(self, name: str) -> str | None:
        scope: _Scope | None = self
        while scope is not None:
            if name in scope.bindings:
                return scope.bindings[name] or None
            scope = scope.parent
            while scope is not None and isinstance(scope.node, ast.ClassDef):
                scope = scope.parent  # a class body's names are not visible in its methods
        return None


def _statements(body: list[ast.stmt], dead: Callable[[ast.stmt], object] = lambda _: None) -> Iterator[ast.stmt]:
    """The statements of a scope's body, nested blocks included, nested scopes not entered; not those
    ``dead`` says never run on the target (see :meth:`_FileUses._dead`)."""
    for statement in body:
        yield statement
        if isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            continue
        side = dead(statement) if isinstance(statement, ast.Try) else None  # the side of the try that cannot run
        for field in ("body", "orelse", "finalbody"):
            branch = getattr(statement, field, [])
            if field == "body" and isinstance(side, int) and not isinstance(side, bool):
                branch = branch[:side]  # up to the import that fails: nothing after it runs
            if branch and not (isinstance(statement, ast.If) and dead(branch[0])):
                yield from _statements(branch, dead)
        for handler in getattr(statement, "handlers", []):
            if not (side == "handlers" and _catches(handler, _IMPORT_GUARDS)):
                yield from _statements(handler.body, dead)
        for case in getattr(statement, "cases", []):
            yield from _statements(case.body)


def _rebound(statement: ast.stmt) -> Iterator[str]:
    """The names a statement binds other than by import or ``x = call()``: all of them unknown."""
    if isinstance(statement, ast.Assign):
        for target in statement.targets:
            yield from _target_names(target)
    elif isinstance(statement, (ast.AugAssign, ast.AnnAssign, ast.For, ast.AsyncFor)):
        yield from _target_names(statement.target)
    elif isinstance(statement, ast.Delete):
        for target in statement.targets:
            yield from _target_names(target)
    elif isinstance(statement, (ast.Global, ast.Nonlocal)):
        yield from statement.names
    elif isinstance(statement, ast.Try | ast.TryStar):
        yield from (handler.name for handler in statement.handlers if handler.name)
    expression = getattr(statement, "test", None) or getattr(statement, "value", None)
    for node in ast.walk(expression) if isinstance(expression, ast.expr) else ():
        if isinstance(node, ast.NamedExpr) and isinstance(node.target, ast.Name):
            yield node.target.id  # a walrus in a condition or a value


def _target_names(target: ast.AST) -> Iterator[str]:
    """The names an assignment target binds: ``a``, ``a, (b, *c)``; not those of ``d[ssl.X]`` or ``ssl.x``
    (an item or attribute is set, the names in it are only read)."""
    if isinstance(target, ast.Name):
        yield target.id
    elif isinstance(target, (ast.Tuple, ast.List)):
        for element in target.elts:
            yield from _target_names(element)
    elif isinstance(target, ast.Starred):
        yield from _target_names(target.value)


def _bind_targets(scope: _Scope, target: ast.AST) -> None:
    for name in _target_names(target):
        scope.bind(name, _UNKNOWN)


def _bind_arguments(scope: _Scope, args: ast.arguments) -> None:
    for arg in (*args.posonlyargs, *args.args, *args.kwonlyargs, args.vararg, args.kwarg):
        if arg is not None:
            scope.bind(arg.arg, _UNKNOWN)


def _expression_scope(node: ast.AST, parent: _Scope) -> _Scope:
    """A lambda's parameters and a comprehension's variables shadow the names around them."""
    scope = _Scope(node, parent)
    if isinstance(node, ast.Lambda):
        _bind_arguments(scope, node.args)
    else:
        for generator in getattr(node, "generators", []):
            _bind_targets(scope, generator.target)
    return scope


class _FileUses:
    """The rule's work on one parsed file (or the parts of it that can hold a use: see _parse_around).

    Only scopes and statements whose lines hold a possible use (``hits``) are bound and visited: in a
    large file, most are not.
    """

    def __init__(self, rule: ApiLife, scan: FileScan, tree: ast.Module, hit_lines: list[int]):
        self.rule, self.scan, self.tree = rule, scan, tree
        self.hit_lines = hit_lines
        self.scopes: dict[ast.AST, _Scope] = {}
        self.reported: set[tuple[int, int, str]] = set()
        self.replaced: list[set[str] | None] = []  # per try guarding imports being visited: what its handlers bind

    def run(self) -> None:
        self._bind(self.tree, None)
        self._visit(self.tree, self.scopes[self.tree], frozenset())

    def _holds_a_hit(self, node: ast.AST) -> bool:
        first, last = getattr(node, "lineno", 0), getattr(node, "end_lineno", None) or 10**9
        for decorator in getattr(node, "decorator_list", ()):  # above the ``def`` line, part of the statement
            first = min(first, decorator.lineno)
        index = bisect_left(self.hit_lines, first)
        return index < len(self.hit_lines) and self.hit_lines[index] <= last

    # -- pass 1: what each scope binds ------------------------------------------------------------

    def _bind(self, node: ast.Module | ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef,
              parent: _Scope | None) -> None:
        scope = self.scopes[node] = _Scope(node, parent)
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            _bind_arguments(scope, node.args)
            self._bind_self(node, scope)
        nested: list[ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef] = []
        instances: list[tuple[str, ast.expr]] = []
        classes: list[ast.ClassDef] = []
        # A handler of a ``try`` whose imports succeed on the target never runs: ``ssl = None`` there
        # binds nothing (the interpreter never executes it), so ``ssl`` stays the module.
        for statement in _statements(node.body, self._dead):
            if isinstance(statement, ast.ClassDef):
                classes.append(statement)  # bound below, with the imports known: it may subclass an API's class
                if self._holds_a_hit(statement):
                    nested.append(statement)
            elif isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef)):
                scope.bind(statement.name, _UNKNOWN)
                if self._holds_a_hit(statement):
                    nested.append(statement)
            elif isinstance(statement, ast.Import):
                for alias in statement.names:
                    top = alias.name.split(".")[0]
                    scope.bind(alias.asname or top, alias.name if alias.asname else top)
            elif isinstance(statement, ast.ImportFrom):
                for alias in statement.names:
                    if alias.name != "*":
                        module = statement.module if not statement.level else None
                        scope.bind(alias.asname or alias.name, f"{module}.{alias.name}" if module else _UNKNOWN)
            elif isinstance(statement, ast.Assign) and len(statement.targets) == 1 \
                    and isinstance(statement.targets[0], ast.Name):
                instances.append((statement.targets[0].id, statement.value))
            elif isinstance(statement, (ast.With, ast.AsyncWith)):
                for item in statement.items:
                    if isinstance(item.optional_vars, ast.Name):
                        instances.append((item.optional_vars.id, item.context_expr))
                    elif item.optional_vars is not None:
                        _bind_targets(scope, item.optional_vars)
            else:
                for name in _rebound(statement):
                    scope.bind(name, _UNKNOWN)
        for definition in classes:  # ``class Conn(http.client.HTTPSConnection)``: what it inherits
            scope.bind(definition.name, self._subclass(definition, scope))
        for name, value in instances:  # then ``x = smtplib.SMTP(...)``, resolved with the imports known
            scope.bind(name, self._instance(value, scope))
        for child in nested:
            self._bind(child, scope)

    def _dead(self, statement: ast.stmt) -> str | int | bool | None:
        """What never runs on the target, so that the interpreter never binds what it binds. For a ``try``:
        ``"handlers"`` when every import of its body succeeds there (its ImportError handlers never run),
        the index of the first statement of its body that is an import certain to fail there (nothing from
        it on runs; the handler binds the names), else None.
        For the first statement of a branch of an ``if``: is it a dead version branch (``else:`` of ``if PY3:``)?"""
        if isinstance(statement, ast.Try):
            if not any(_catches(handler, _IMPORT_GUARDS) for handler in statement.handlers):
                return None
            if self.rule.imports_succeed(statement):
                return "handlers"
            return self.rule.first_failure(statement)
        offset = offset_in(self.scan.source.text, statement.lineno, statement.col_offset)
        return self.scan.compat.is_dead(offset)

    def _subclass(self, definition: ast.ClassDef, scope: _Scope) -> str:
        """A class with one base (``object`` aside) that resolves: the base, with the names the class body
        defines itself, which it does not inherit (see :func:`_inherits`); anything else is unknown."""
        bases = [b for b in definition.bases if not (isinstance(b, ast.Name) and b.id == "object")]
        if len(bases) != 1 or definition.keywords:
            return _UNKNOWN
        base = self._resolve(bases[0], scope)
        if not base:
            return _UNKNOWN
        own = {name for statement in definition.body for name in _defined(statement)}
        inherited = _split_subclass(base)
        if inherited:
            base, more = inherited
            own |= more
        return _inherits(base, own)

    def _bind_self(self, node: ast.FunctionDef | ast.AsyncFunctionDef, scope: _Scope) -> None:
        """``self`` in a method of a class that subclasses an API's class is an instance of it."""
        owner = scope.parent
        if owner is None or not isinstance(owner.node, ast.ClassDef) or not node.args.args or node.args.posonlyargs:
            return
        if any(isinstance(d, ast.Name) and d.id in ("staticmethod", "classmethod") for d in node.decorator_list):
            return
        outer = owner.parent
        value = outer.bindings.get(owner.node.name) if outer else None
        if value and _split_subclass(value):
            scope.bindings[node.args.args[0].arg] = value

    def _instance(self, value: ast.AST, scope: _Scope) -> str:
        """``smtplib.SMTP(...)``: the name is an instance of smtplib.SMTP; anything else is unknown."""
        if isinstance(value, ast.Call):
            callee = self._resolve(value.func, scope)
            return callee or _UNKNOWN
        return _UNKNOWN

    def _resolve(self, node: ast.AST, scope: _Scope) -> str | None:
        """The qualified name an expression stands for (an instance counts as its class), or None.

        A subclass of an API's class stands for what it inherits: ``Conn.attr`` is the base's attribute
        unless the class defines ``attr`` itself, and ``super().attr`` in its methods is the base's."""
        if isinstance(node, ast.Name):
            return scope.lookup(node.id)
        if isinstance(node, ast.Attribute):
            base = self._super(node.value, scope) or self._resolve(node.value, scope)
            inherited = _split_subclass(base) if base else None
            if inherited:
                base, own = inherited
                if node.attr in own:
                    return None
            return f"{base}.{node.attr}" if base else None
        if isinstance(node, ast.Call):
            return self._resolve(node.func, scope)
        return None

    def _super(self, node: ast.AST, scope: _Scope) -> str | None:
        """``super()`` (or ``super(C, self)``) in a method of a class whose base resolves: that base."""
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "super"):
            return None
        owner = scope.parent
        if scope.lookup("super") is not None or owner is None or not isinstance(owner.node, ast.ClassDef):
            return None
        value = owner.parent.bindings.get(owner.node.name) if owner.parent else None
        inherited = _split_subclass(value) if value else None
        if not inherited:
            return None
        bases = [b for b in owner.node.bases if not (isinstance(b, ast.Name) and b.id == "object")]
        return self._resolve(bases[0], owner.parent) if owner.parent else None

    # -- pass 2: the uses -----------------------------------------------------------------------------

    def _visit(self, node: ast.AST, scope: _Scope, guarded: frozenset[str]) -> None:
        if isinstance(node, ast.stmt) and not self._holds_a_hit(node):
            return
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            scope = self.scopes.get(node, scope)
        elif isinstance(node, (ast.Lambda, ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)):
            scope = _expression_scope(node, scope)
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
            # its body runs when called, after any ``try`` around the definition has finished: no exception
            # caught there guards it (a feature test still does: the function exists only where it passed)
            guarded = frozenset(name for name in guarded if "." in name or name == _FEATURE_FALLBACK)
        if isinstance(node, ast.Try):
            caught = _caught(node)
            guards_imports = bool(caught & _IMPORT_GUARDS)
            if guards_imports:
                self.replaced.append(_replaced(node))
            for statement in node.body:
                self._visit(statement, scope, guarded | caught)
            if guards_imports:
                self.replaced.pop()
            for other in (*node.handlers, *node.orelse, *node.finalbody):
                self._visit(other, scope, guarded)
            return
        if isinstance(node, ast.If):
            checked = self._hasattr_names(node.test, scope)
            for statement in node.body:
                self._visit(statement, scope, guarded | checked)
            self._visit(node.test, scope, guarded)
            # the else of a feature test is the fallback for Pythons without the feature: compatibility code
            fallback = guarded | {_FEATURE_FALLBACK} if checked else guarded
            for statement in node.orelse:
                self._visit(statement, scope, fallback)
            return
        if isinstance(node, ast.ImportFrom):
            self._from_import(node, guarded)
        elif isinstance(node, ast.Attribute) and isinstance(node.ctx, ast.Load):
            self._attribute(node, scope, guarded)
        elif isinstance(node, ast.Call):
            self._keywords(node, scope, guarded)
            self._getattr(node, scope, guarded)
        for child in ast.iter_child_nodes(node):
            self._visit(child, scope, guarded)

    def _from_import(self, node: ast.ImportFrom, guarded: frozenset[str]) -> None:
        if node.level or not node.module:
            return
        if guarded & _NAME_GUARDS:
            if guarded & _IMPORT_GUARDS and _FEATURE_FALLBACK not in guarded:
                self._hidden_removals(node, guarded)
            return
        for alias in node.names:
            verdict = self.rule.names.get(f"{node.module}.{alias.name}")
            if verdict and verdict.api not in guarded:
                self._report(alias, verdict)

    def _attribute(self, node: ast.Attribute, scope: _Scope, guarded: frozenset[str]) -> None:
        qualname = self._resolve(node, scope)
        verdict = self.rule.names.get(qualname) if qualname else None
        if verdict and verdict.api not in guarded and not guarded & _NAME_GUARDS:
            self._report(node, verdict)

    def _hidden_removals(self, node: ast.ImportFrom, guarded: frozenset[str]) -> None:
        """NR114: ``try: from ssl import wrap_socket / except ImportError: pass`` on a Python without it.
        The import fails, the handler binds no replacement and raises nothing, so the name is missing (or
        None) for the code that follows: the guard hides the removal. A handler that imports, defines or
        assigns the name (``def match_hostname(...)``, a backport) is a shim, and an import that runs only
        where ``hasattr(ssl, "match_hostname")`` holds cannot fail: they say nothing."""
        replaced = self.replaced[-1] if self.replaced else None
        if replaced is None or "*" in replaced:
            return  # a handler raises, or may bind anything
        for alias in node.names:
            verdict = self.rule.names.get(f"{node.module}.{alias.name}")
            name = alias.asname or alias.name
            if verdict and verdict.code == "NR112" and verdict.api not in guarded and name not in replaced:
                self._report(alias, self.rule.hidden(verdict, name))

    def _getattr(self, node: ast.Call, scope: _Scope, guarded: frozenset[str]) -> None:
        """``getattr(ssl, "wrap_socket")`` is ``ssl.wrap_socket``: an AttributeError where it is gone. With a
        default (``getattr(ssl, "wrap_socket", None)``) it is a feature test, and says nothing."""
        if not (isinstance(node.func, ast.Name) and node.func.id == "getattr" and len(node.args) == 2
                and not node.keywords and isinstance(node.args[1], ast.Constant)
                and isinstance(node.args[1].value, str) and scope.lookup("getattr") is None):
            return
        base = self._resolve(node.args[0], scope)
        verdict = self.rule.names.get(f"{base}.{node.args[1].value}") if base else None
        if verdict and verdict.api not in guarded and not guarded & _NAME_GUARDS:
            self._report(node, verdict)

    def _keywords(self, node: ast.Call, scope: _Scope, guarded: frozenset[str]) -> None:
        """One finding per call and code, at its first affected keyword, naming every one of them."""
        callee = self._resolve(node.func, scope)
        inherited = _split_subclass(callee) if callee else None
        if inherited:  # a subclass called: its base's __init__ takes the arguments, unless it has its own
            callee = None if {"__init__", "__new__"} & inherited[1] else inherited[0]
        elif callee and callee.endswith(".__init__"):  # Base.__init__(self, ...): the class's parameters
            callee = callee.removesuffix(".__init__")
        by_param = self.rule.params.get(callee) if callee else None
        if not by_param or guarded & _PARAM_GUARDS:
            return
        found: dict[str, list[ast.keyword]] = {}
        for keyword in node.keywords:
            verdict = by_param.get(keyword.arg or "")
            if verdict:
                found.setdefault(verdict.code, []).append(keyword)
        for keywords in found.values():
            names = [keyword.arg or "" for keyword in keywords]
            verdict = by_param[names[0]]
            if len(names) > 1:
                verdict = _plural(verdict, names)
            self._report(keywords[0], verdict)

    def _hasattr_names(self, test: ast.AST, scope: _Scope) -> frozenset[str]:
        """``hasattr(ssl, "wrap_socket")`` in an ``if`` test: ssl.wrap_socket is checked for in its body."""
        names = set()
        for node in ast.walk(test):
            if (isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "hasattr"
                    and len(node.args) == 2 and isinstance(node.args[1], ast.Constant)):
                base = self._resolve(node.args[0], scope)
                if base is None and isinstance(node.args[0], ast.Name):
                    base = node.args[0].id  # bound twice (``ssl = None`` in a live handler): still its module
                if base and isinstance(node.args[1].value, str):
                    names.add(f"{base}.{node.args[1].value}")
        return frozenset(names)

    def _report(self, node: ast.AST, verdict: ApiVerdict) -> None:
        line, col = getattr(node, "lineno", 1), getattr(node, "col_offset", 0)
        if (line, col, verdict.code) in self.reported:
            return
        self.reported.add((line, col, verdict.code))
        offset = offset_in(self.scan.source.text, line, col)
        self.scan.add(offset, verdict.code, verdict.message, module=verdict.module, replacement=verdict.replacement)


def _alternatives(words: list[str] | set[str]) -> bytes:
    return b"|".join(re.escape(word.encode()) for word in sorted(words))


class _Sign:
    """The pre-filter's view of a use: a pattern whose match in a file's bytes makes a use possible.

    Loose on purpose (it must never hide a use that :class:`_Uses` finds), and cheap: no pattern begins
    with ``\b`` (that defeats the regular expression engine's search for a literal prefix, and costs
    ~15x); with ``boundary``, a match preceded by a word character is skipped by hand instead. With
    ``need``, the file must hold that word too (the class of a method). With ``binder`` True, the name
    before the ``.`` must be one an import of the module can bind (see :func:`_binds`); with ``binder``
    False it must not be the module's own name (``Task.current_task`` is not ``asyncio.current_task``).
    """

    def __init__(self, pattern: bytes, *, need: str | None = None, boundary: bool = False,
                 binder: bool | None = None, top: str = "", submodules: frozenset[str] = frozenset()):
        self.pattern = re.compile(pattern)
        self.need = need.encode() if need else None
        self.boundary, self.binder, self.top = boundary, binder, top.encode()
        self.submodules = frozenset(name.encode() for name in submodules)

    def search(self, data: bytes) -> bool:
        if self.need is not None and self.need not in data:
            return False
        for match in self.pattern.finditer(data):
            start = match.start()
            if self.boundary and start and data[start - 1 : start] in _WORD_BYTES:
                continue
            if self.binder is None:
                return True
            before = _word_before(data, start, _WORD_BEFORE_BYTES)
            if not self.binder:
                if before != self.top:  # ``C().set_npn_protocols``: no name before the dot at all
                    return True
            elif before is not None and _binds(data, self.top, before, self.submodules):
                return True
        return False


class _CallSign(_Sign):
    """``keyfile=`` passed to a call of its callable (``SMTP_SSL(``, ``.starttls(``), at the call's own
    level of parentheses: the bytes' view of :func:`_keywords_in_calls`. Strings on one line are stepped
    over; where a call holds anything harder to read (a comment, a triple-quoted or f-string), it passes."""

    def __init__(self, keywords: bytes, *, leaf: str, member: bool, top: str, submodules: frozenset[str]):
        super().__init__(keywords, need=leaf, boundary=True, top=top, submodules=submodules)
        self.leaf, self.member = leaf.encode(), member
        self.call = re.compile(re.escape(self.leaf) + rb"\s*\(")
        self.alias = re.compile(re.escape(self.leaf) + rb"[ \t]+as[ \t]+(\w+)")

    def search(self, data: bytes) -> bool:
        if self.leaf not in data or not self.pattern.search(data):
            return False
        if not self.member:  # a subclass may pass the keyword on (super().__init__, Base.__init__, Conn(...))
            classes = _subclass_headers(data, self.leaf, _CLASS_WITH_BASES_BYTES, b")")
            for name in (b"__init__", *sorted({name for _, name in classes})) if classes else ():
                for found in re.finditer(re.escape(name) + rb"\s*\(", data):
                    before = data[found.start() - 1 : found.start()]
                    if not (found.start() and before in _WORD_BYTES) and self._keyword_in(data, found.end() - 1):
                        return True
        calls = [self.call]
        if not self.member:  # from smtplib import SMTP_SSL as S
            calls += [re.compile(re.escape(alias) + rb"\s*\(") for alias in self.alias.findall(data)]
        for call in calls:
            for match in call.finditer(data):
                start = match.start()
                if start and data[start - 1 : start] in _WORD_BYTES:
                    continue
                if self._callee_resolves(data, start, match.group().rstrip(b"( \t\r\n\x0b\x0c")) \
                        and self._keyword_in(data, match.end() - 1):
                    return True
        return False

    def _callee_resolves(self, data: bytes, start: int, name: bytes) -> bool:
        window = data[max(0, start - 120) : start].rstrip()
        if window.endswith(b"."):
            if self.member:
                return True
            before = _WORD_BEFORE_BYTES.search(window, 0, len(window) - 1)
            return before is not None and _binds(data, self.top, before.group(1), self.submodules)
        return not self.member and _binds(data, self.top, name, self.submodules)

    def _keyword_in(self, data: bytes, opening: int) -> bool:
        """Is one of the keywords passed at the level of the call whose ``(`` is at ``opening``? True when unsure."""
        spans, depth, start, position = [], 1, opening + 1, opening + 1
        while True:
            token = _CALL_TOKENS.search(data, position)
            if token is None or token.group() == b"#":
                return True
            at = token.start()
            if token.group() == b"(":
                if depth == 1:
                    spans.append((start, at))
                depth += 1
            elif token.group() == b")":
                depth -= 1
                if depth == 0:
                    spans.append((start, at))
                    break
                if depth == 1:
                    start = at + 1
            else:
                end = _string_end(data, at)
                if end is None:
                    return True
                if depth == 1:
                    spans.append((start, at))
                    start = end
                position = end
                continue
            position = at + 1
        for first, last in spans:
            for match in self.pattern.finditer(data, first, last):
                if not (match.start() and data[match.start() - 1 : match.start()] in _WORD_BYTES):
                    return True
        return False


_CALL_TOKENS = re.compile(rb"""[()'"#]""")
_ONE_LINE_STRING = {b"'": re.compile(rb"(?:[^'\\\n]|\\.)*'"), b'"': re.compile(rb'(?:[^"\\\n]|\\.)*"')}
_STRING_PREFIX = re.compile(rb"[A-Za-z]*\Z")


def _string_end(data: bytes, quote: int) -> int | None:
    """The end of the one-line string whose opening quote is at ``quote``; None for anything else
    (a triple-quoted string, an f-string, a string continued by a backslash)."""
    mark = data[quote : quote + 1]
    prefix = _STRING_PREFIX.search(data, max(0, quote - 3), quote)
    if data.startswith(mark * 3, quote) or (prefix and b"f" in prefix.group().lower()):
        return None
    end = _ONE_LINE_STRING[mark].match(data, quote + 1)
    return end.end() if end else None


def _binds(data: bytes, top: bytes, word: bytes, submodules: frozenset[bytes]) -> bool:
    """Could an import in ``data`` bind ``word`` to (a part of) module ``top``? Loosely: ``import top``,
    one of its submodules with an API, ``import top... as word``, ``from top... import word``."""
    return word in submodules or word in _bound_names(data, top)


@lru_cache(maxsize=16)
def _bound_names(data: bytes, top: bytes) -> frozenset[bytes]:
    """The names the imports of ``top`` in ``data`` can bind, loosely read (once per file and module)."""
    imports, aliases, from_imports = _binding_patterns(top)
    names = set(aliases.findall(data))
    for body in from_imports.findall(data):
        names.update(_NON_WORD.split(body))
    if imports.search(data):
        names.add(top)
    return frozenset(names)


@cache
def _binding_patterns(top: bytes) -> tuple[re.Pattern[bytes], re.Pattern[bytes], re.Pattern[bytes]]:
    """``import top`` (``import os, ssl`` too), ``top... as NAME``, and the names after ``from top... import``."""
    module = re.escape(top)
    return (re.compile(rb"import[ \t]+(?:[\w. \t]*,[ \t\\\r\n]*)*" + module + rb"\b"),
            re.compile(module + rb"[\w.]*[ \t]+as[ \t]+(\w+)"),
            re.compile(rb"from[ \t]+" + module + rb"[\w.]*[ \t]+import[ \t]*(\([^)]*|(?:[^\n]*\\\r?\n)*[^\n]*)"))


_NON_WORD = re.compile(rb"\W+")
_WORD_BYTES = frozenset(bytes([byte]) for byte in b"0123456789_abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ")
_WORD_BEFORE = re.compile(r"(\w+)\s*\Z")
_WORD_BEFORE_BYTES = re.compile(rb"(\w+)\s*\Z")
_DOT_BEFORE = re.compile(r"\.\s*\Z")


def _word_before(text: AnyStr, offset: int, pattern: re.Pattern[AnyStr]) -> AnyStr | None:
    """The name right before the ``.`` at ``offset`` (``ssl`` in ``ssl.wrap_socket``), or None."""
    match = pattern.search(text, max(0, offset - 80), offset)
    return match.group(1) if match else None


def _is_word(char: str) -> bool:
    return char.isalnum() or char == "_"


@dataclass(frozen=True)
class _Callable:
    """A callable with parameters that have verdicts: a keyword sign, read in its calls only."""

    leaf: str  # the name it is called by: SMTP_SSL, starttls
    member: bool  # a method: called on an instance (``server.starttls(...)``), never bare
    keywords: re.Pattern[str]  # keyfile= or certfile=, not keyfile==


class _Uses:
    """Where in a file's code a use of an API with a verdict can be, for :class:`_FileUses` to resolve.

    Tight where that cannot hide a use, as resolution needs the same: a function is reached through a
    name an import binds (see :func:`_binders`); a method only in a file naming its class (an instance
    is bound from a call of the class); a keyword only inside a call of its callable, at its own
    level of parentheses; a from-import is one of the file's import statements.
    """

    def __init__(self, names: dict[str, ApiVerdict], params: dict[str, dict[str, ApiVerdict]]):
        functions, members = _functions_and_members(names)
        self.functions = {top: re.compile(_attribute(leaves)) for top, leaves in functions.items()}
        self.getattrs = {top: re.compile(_getattr_call("|".join(map(re.escape, sorted(leaves)))))
                         for top, leaves in functions.items()}
        self.members: dict[str, list[tuple[str, re.Pattern[str]]]] = {}
        for (top, owner_name), leaves in sorted(members.items()):
            self.members.setdefault(top, []).append((owner_name, re.compile(_attribute(leaves))))
        self.callables: dict[str, list[_Callable]] = {}
        self.callees: dict[str, str] = {}  # qualified name -> leaf, for aliases (from smtplib import SMTP_SSL as S)
        for callee, by_param in sorted(params.items()):
            module = next(iter(by_param.values())).module
            top, leaf = callee.split(".")[0], callee.rsplit(".", 1)[-1]
            member = "." in callee[len(module) + 1 :]
            keywords = re.compile(r"\b(?:" + "|".join(map(re.escape, sorted(by_param))) + r")\s*=(?!=)")
            self.callables.setdefault(top, []).append(_Callable(leaf, member, keywords))
            if not member:
                self.callees[callee] = leaf
        self.submodules = _submodules(names, params)
        self.names = frozenset(names)

    def hits(self, scan: FileScan) -> list[int]:
        """Offsets in the code where a use may be: parsing starts from these."""
        code = scan.source.code
        binders = _binders(scan, self.submodules)
        hits = self._from_imports(scan)
        aliases = self._aliases(scan)
        for top, names in binders.items():
            function = self.functions.get(top)
            if function is not None:
                hits += [match.start() for match in function.finditer(code)
                         if _word_before(code, match.start(), _WORD_BEFORE) in names]
            for owner, method in self.members.get(top, ()):
                if owner in code:
                    hits += [match.start() for match in method.finditer(code)
                             if _word_before(code, match.start(), _WORD_BEFORE) != top]
            for callable_ in self.callables.get(top, ()):
                hits += _keywords_in_calls(code, callable_, names, aliases.get(callable_.leaf, ()))
                hits += _through_subclasses(code, callable_)
            getter = self.getattrs.get(top)
            if getter is not None and "getattr" in code:  # the name is a string: read in the text, not the code
                hits += [match.start() for match in getter.finditer(scan.source.text) if match.group(1) in names]
        return hits

    def _from_imports(self, scan: FileScan) -> list[int]:
        """``from ssl import wrap_socket``: reported at the import."""
        return [statement.start for statement in scan.imports
                if isinstance(node := statement.node, ast.ImportFrom) and node.module and not node.level
                and any(f"{node.module}.{alias.name}" in self.names for alias in node.names)]

    def _aliases(self, scan: FileScan) -> dict[str, set[str]]:
        """``from smtplib import SMTP_SSL as S``: S calls SMTP_SSL."""
        aliases: dict[str, set[str]] = {}
        for statement in scan.imports:
            node = statement.node
            if isinstance(node, ast.ImportFrom) and node.module and not node.level:
                for alias in node.names:
                    leaf = self.callees.get(f"{node.module}.{alias.name}")
                    if leaf and alias.asname:
                        aliases.setdefault(leaf, set()).add(alias.asname)
        return aliases


def _functions_and_members(names: dict[str, ApiVerdict]) -> tuple[dict[str, set[str]], dict[tuple[str, str], set[str]]]:
    """The names with verdicts, by how they are reached: per top-level module, the functions, classes and
    constants reached through the module (ssl.wrap_socket); per (top-level module, class), the methods
    reached through an instance (ssl.SSLContext: set_npn_protocols)."""
    functions: dict[str, set[str]] = {}
    members: dict[tuple[str, str], set[str]] = {}
    for qualname, verdict in names.items():
        top, leaf = qualname.split(".")[0], qualname.rsplit(".", 1)[-1]
        owner = qualname[len(verdict.module) + 1 :].split(".")
        if len(owner) > 1:
            members.setdefault((top, owner[-2]), set()).add(leaf)
        else:
            functions.setdefault(top, set()).add(leaf)
    return functions, members


def _submodules(names: dict[str, ApiVerdict], params: dict[str, dict[str, ApiVerdict]]) -> dict[str, frozenset[str]]:
    """Per top-level module, the names of its submodules with an API (urllib: parse, request)."""
    submodules: dict[str, set[str]] = {}
    for verdict in (*names.values(), *(next(iter(by.values())) for by in params.values())):
        top, *inner = verdict.module.split(".")
        submodules.setdefault(top, set()).update(inner)
    return {top: frozenset(inner) for top, inner in submodules.items()}


def _getattr_call(alternatives: str) -> str:
    """``getattr(NAME, "leaf")`` without a default (group 1: NAME)."""
    return r"getattr\s*\(\s*(\w+)\s*,\s*['\"](?:" + alternatives + r")['\"]\s*\)"


def _attribute(leaves: set[str]) -> str:
    return r"\.\s*(?:" + "|".join(map(re.escape, sorted(leaves))) + r")\b"


def _keywords_in_calls(code: str, callable_: _Callable, binders: frozenset[str],
                       aliases: set[str] | tuple[()]) -> list[int]:
    """The offsets of ``callable_``'s keywords passed to a call of it (``s.starttls(keyfile=k)``) whose
    callee can resolve to it: a method called on something (``.starttls(``), a function through a name
    an import binds (``smtplib.SMTP_SSL(`` or ``SMTP_SSL(`` after ``from smtplib import SMTP_SSL``)."""
    offsets: list[int] = []
    for name in (callable_.leaf, *sorted(aliases)):
        if name not in code:
            continue
        position = code.find(name)
        while position >= 0:
            after = position + len(name)
            opening = after + len(code[after : after + 40]) - len(code[after : after + 40].lstrip())
            called = code.startswith("(", opening) and not (position and _is_word(code[position - 1]))
            if called and _callee_resolves(code, position, name, callable_, binders):
                closing = _closing(code, opening)
                for match in callable_.keywords.finditer(code, opening + 1, closing):
                    start = match.start()
                    if code.count("(", opening + 1, start) == code.count(")", opening + 1, start):
                        offsets.append(start)
            position = code.find(name, after)
    return offsets


_CLASS_WITH_BASES = re.compile(r"class[ \t]+(\w+)[ \t]*\(")  # a literal prefix: no leading \b (see _Sign)
_CLASS_WITH_BASES_BYTES = re.compile(rb"class[ \t]+(\w+)[ \t]*\(")


def _subclass_headers(code: AnyStr, leaf: AnyStr, pattern: re.Pattern[AnyStr],
                      close: AnyStr) -> list[tuple[int, AnyStr]]:
    """(offset, name) of the ``class`` statements naming ``leaf`` among their bases (``class
    Conn(httplib.HTTPSConnection):``): the word ``leaf`` between the ``(`` and the next ``)``."""
    found = []
    for match in pattern.finditer(code):
        closing = code.find(close, match.end())
        at = code.find(leaf, match.end(), closing if closing >= 0 else len(code))
        if at >= 0 and (match.start() == 0 or not code[match.start() - 1 : match.start()].isalnum()):
            found.append((match.start(), match.group(1)))
    return found


def _through_subclasses(code: str, callable_: _Callable) -> list[int]:
    """Where a subclass of ``callable_``'s class may pass it a keyword: each such ``class`` statement, and
    the keywords passed at their own level to a call of ``__init__`` (``super().__init__(key_file=k)``,
    ``Base.__init__(self, key_file=k)``) or of the subclass (``Conn(h, key_file=k)``)."""
    if callable_.member or callable_.leaf not in code:
        return []
    classes = _subclass_headers(code, callable_.leaf, _CLASS_WITH_BASES, ")")
    if not classes:
        return []
    hits = [offset for offset, _ in classes]
    for name in ("__init__", *sorted({name for _, name in classes})):
        for call in re.finditer(re.escape(name) + r"\s*\(", code):
            if call.start() and _is_word(code[call.start() - 1]):
                continue
            opening = call.end() - 1
            for match in callable_.keywords.finditer(code, opening + 1, _closing(code, opening)):
                if code.count("(", opening + 1, match.start()) == code.count(")", opening + 1, match.start()):
                    hits.append(match.start())
    return hits


def _callee_resolves(code: str, position: int, name: str, callable_: _Callable, binders: frozenset[str]) -> bool:
    window = code[max(0, position - 120) : position]
    if _DOT_BEFORE.search(window):
        if callable_.member:
            return True
        dot = window.rstrip()[:-1]
        return _word_before(dot, len(dot), _WORD_BEFORE) in binders
    return not callable_.member and name in binders and not _DEFINITION_BEFORE.search(window + name)


_PARENTHESES = re.compile(r"[()]")


def _closing(code: str, opening: int) -> int:
    """The offset of the parenthesis closing the one at ``opening`` (the end of the code if none does)."""
    depth = 0
    for match in _PARENTHESES.finditer(code, opening):
        depth += 1 if match.group() == "(" else -1
        if not depth:
            return match.start()
    return len(code)


_DEFINITION_BEFORE = re.compile(r"\bdef\s+\w+\s*\Z")
_CONTINUATIONS = frozenset({"else", "elif", "except", "finally"})
_DEFINITIONS = frozenset({"def", "class", "async"})
_FIRST_WORD = re.compile(r"[A-Za-z_]\w*")


_LINE_START = re.compile(r"^[^ \t\r\n\x0c]", re.MULTILINE)


def _top_level_blocks(code: str) -> list[tuple[int, int, int, bool]]:
    """(start, end, line, is_definition) of each top-level statement of ``code`` (strings and comments
    blanked), a decorated definition and an ``if``/``try`` with its ``else``/``except`` being one.

    Cheap, not exact: a piece cut wrong does not parse, and then the whole file is parsed."""
    blocks: list[list[int]] = []
    kinds: list[bool] = []
    depth, counted, decorated = 0, 0, False
    line = 1
    for match in _LINE_START.finditer(code):
        start = match.start()
        between = code[counted:start]
        depth += sum(between.count(o) - between.count(c) for o, c in ("()", "[]", "{}"))
        line += between.count("\n")
        counted = start
        if depth > 0 or code[max(0, start - 3) : start].rstrip("\r\n").endswith("\\"):
            continue
        if blocks and code[start] in "\"'" and _inside_triple_quotes(code[blocks[-1][0] : start]):
            continue  # the closing quotes of a docstring that began the block
        word = _FIRST_WORD.match(code, start)
        first = word.group() if word else ""
        if blocks and (decorated or first in _CONTINUATIONS):
            decorated = code.startswith("@", start)
            continue
        if blocks:
            blocks[-1][1] = start
        blocks.append([start, len(code), line])
        kinds.append(first in _DEFINITIONS or code.startswith("@", start))
        decorated = code.startswith("@", start)
    return [(start, end, number, kind) for (start, end, number), kind in zip(blocks, kinds, strict=True)]


def _inside_triple_quotes(code: str) -> bool:
    """An odd number of triple quotes: the text ends inside a triple-quoted string (contents are blanked)."""
    return code.count('"""') % 2 == 1 or code.count("'''") % 2 == 1


def _parse_around(source: Source, hits: list[int]) -> ast.Module:
    """The file's module-level statements and the definitions holding a possible use, parsed: the
    definitions without one (most of a large file) are skipped, as their bindings are their own.

    Raises SyntaxError when a piece does not parse; then the whole file is parsed, and must."""
    body: list[ast.stmt] = []
    try:
        for start, end, line, definition in _top_level_blocks(source.code):
            if definition and not any(start <= hit < end for hit in hits):
                continue
            piece = ast.parse("\n" * (line - 1) + source.text[start:end])  # blank lines keep the numbers
            body.extend(piece.body)
    except SyntaxError:
        return ast.parse(source.text)
    return ast.Module(body=body, type_ignores=[])


def _signs(names: dict[str, ApiVerdict], params: dict[str, dict[str, ApiVerdict]]) -> dict[bytes, list[_Sign]]:
    """Per top-level module (``http`` for http.client): what a use of one of its APIs looks like in the bytes.

    ``.wrap_socket`` (an attribute: through the module, an alias or an instance), the bare name after a
    ``from MODULE import`` (the from-import, over several lines too), and ``keyfile=`` in a file that also
    names the callable (``SMTP_SSL``, ``starttls``). Looser than :class:`_Uses`: it must never hide a use.
    """
    functions, members = _functions_and_members(names)
    submodules = _submodules(names, params)
    signs: dict[bytes, list[_Sign]] = {}
    for top in sorted(functions.keys() | {top for top, _ in members}):
        words = functions.get(top, set()).union(*(leaves for (on, _), leaves in members.items() if on == top))
        # the name inside the statement: parenthesized or backslash-continued over several lines too
        from_import = (rb"from[ \t]+" + re.escape(top.encode()) + rb"[\w.]*[ \t]+import[ \t]*"
                       rb"(?:\([^)]*?|(?:[^\n]*\\\r?\n)*[^\n]*?)\b(?:" + _alternatives(words) + rb")\b")
        found = signs.setdefault(top.encode(), [])
        found.append(_Sign(from_import, boundary=True))
        if top in functions:
            attribute = rb"\.\s*(?:" + _alternatives(functions[top]) + rb")\b"
            found.append(_Sign(attribute, binder=True, top=top, submodules=submodules.get(top, frozenset())))
            found.append(_Sign(_getattr_call(_alternatives(functions[top]).decode()).encode()))
    for (top, owner_name), leaves in sorted(members.items()):
        method = rb"\.\s*(?:" + _alternatives(leaves) + rb")\b"
        signs.setdefault(top.encode(), []).append(_Sign(method, need=owner_name, binder=False, top=top))
    for callee, by_param in sorted(params.items()):
        module = next(iter(by_param.values())).module
        top, leaf = callee.split(".")[0], callee.rsplit(".", 1)[-1]
        keyword = rb"(?:" + _alternatives(set(by_param)) + rb")\s*=(?!=)"
        sign = _CallSign(keyword, leaf=leaf, member="." in callee[len(module) + 1 :], top=top,
                         submodules=submodules.get(top, frozenset()))
        signs.setdefault(top.encode(), []).append(sign)
    return signs


def _plural(verdict: ApiVerdict, names: list[str]) -> ApiVerdict:
    """``keyfile=, certfile= of smtplib.SMTP.starttls were removed ...`` for one call passing both."""
    single = f"{names[0]}= of "
    listed = ", ".join(f"{name}=" for name in names) + " of "
    message = verdict.message.replace(single, listed, 1).replace(" was removed", " were removed", 1)
    message = message.replace(" is deprecated", " are deprecated", 1).replace("(it warns", "(they warn", 1)
    return ApiVerdict(verdict.api, verdict.module, verdict.code, message, verdict.replacement)


def _caught(node: ast.Try) -> frozenset[str]:
    """The exception names a ``try`` handles (a bare ``except:`` handles everything)."""
    names: set[str] = set()
    for handler in node.handlers:
        if handler.type is None:
            names.add("BaseException")
        for expression in handler.type.elts if isinstance(handler.type, ast.Tuple) else [handler.type]:
            if isinstance(expression, ast.Name):
                names.add(expression.id)
            elif isinstance(expression, ast.Attribute):
                names.add(expression.attr)
    return frozenset(names)


def _catches(handler: ast.ExceptHandler, names: frozenset[str]) -> bool:
    """Does ``handler`` catch one of ``names`` (a bare ``except:`` catches everything)?"""
    if handler.type is None:
        return True
    caught = handler.type.elts if isinstance(handler.type, ast.Tuple) else [handler.type]
    return any((e.id if isinstance(e, ast.Name) else e.attr if isinstance(e, ast.Attribute) else "") in names
               for e in caught)


_NOTHING = (None, False, 0, "")


def _replaced(node: ast.Try) -> set[str] | None:
    """The names the ImportError handlers of ``node`` bind to a replacement; None if one raises."""
    replaced: set[str] = set()
    for handler in node.handlers:
        if _catches(handler, _IMPORT_GUARDS):
            for statement in _statements(handler.body):
                if isinstance(statement, ast.Raise):
                    return None
                replaced.update(_defined(statement, stand_ins_only=True))
    return replaced


def _defined(statement: ast.stmt, stand_ins_only: bool = False) -> Iterator[str]:
    """The names a statement defines: ``def``/``class``, an assignment, an import (``*`` for a star import).
    With ``stand_ins_only``, ``name = None`` (or False, 0, "") is no definition: it replaces nothing."""
    if isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
        yield statement.name
    elif isinstance(statement, (ast.Import, ast.ImportFrom)):
        for alias in statement.names:
            yield alias.asname or alias.name.split(".")[0]
    elif isinstance(statement, (ast.Assign, ast.AnnAssign)):
        value = statement.value
        if stand_ins_only and (value is None or (isinstance(value, ast.Constant) and value.value in _NOTHING)):
            return
        for target in statement.targets if isinstance(statement, ast.Assign) else [statement.target]:
            if isinstance(target, ast.Name):
                yield target.id


# A subclass of an API's class, as a binding: ``base<own,names`` (``<`` is in no qualified name).
def _inherits(base: str, own: set[str]) -> str:
    return f"{base}<{','.join(sorted(own))}"


def _split_subclass(value: str) -> tuple[str, set[str]] | None:
    if "<" not in value:
        return None
    base, own = value.split("<", 1)
    return base, set(filter(None, own.split(",")))


__all__ = ["CODES", "ApiLife"]
