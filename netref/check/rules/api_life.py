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
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass

from netref.catalog import Api, Catalog
from netref.check.lexer import offset_in
from netref.check.registry import Code, Rule, register
from netref.check.rules.legacy_modules import IMPORT_PARTS, NON_WORD
from netref.check.scanner import FileScan
from netref.versions import Version

CODES = (
    Code("NR111", kind="deprecated-api",
         title="function, class, constant, method or parameter deprecated on the target Python"),
    Code("NR112", kind="removed-api", title="function, class, constant or method removed on the target Python"),
    Code("NR113", kind="removed-parameter", title="keyword argument the target Python no longer accepts"),
)
# The exceptions whose handler makes a guarded use compatibility code.
_NAME_GUARDS = frozenset({"ImportError", "ModuleNotFoundError", "AttributeError", "Exception", "BaseException"})
_PARAM_GUARDS = frozenset({"TypeError", "Exception", "BaseException"})


@dataclass(frozen=True)
class ApiVerdict:
    """An API entry worth a finding on the target, with everything the finding says."""

    api: str  # the qualified name: ssl.wrap_socket, smtplib.SMTP.starttls
    module: str
    code: str
    message: str
    replacement: str | None


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
        warning = " (it warns)" if status.warns else ""
        removal = f" and removed in {status.removal}" if status.removal else ""
        headline = f"{subject} is deprecated since Python {status.since}{warning}{removal}"
    advice = status.replacement
    message = f"{headline}: use {advice}" if advice else headline
    return ApiVerdict(callee, api.module, code, message, advice)


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
        self.signs = _signs(names, params)

    def might_find(self, data: bytes) -> bool:
        """A module with verdicts is imported, and the file shows a use of one of its APIs (loosely read)."""
        parts = b" ".join(b" ".join(pattern.findall(data)) for pattern in IMPORT_PARTS)
        imported = self.signs.keys() & set(NON_WORD.split(parts))
        return any(sign.search(data) for top in imported for sign in self.signs[top])

    def visit(self, scan: FileScan) -> None:
        if not self.might_find(scan.source.code.encode("utf-8", "surrogateescape")):
            return  # the names appear only in strings or comments: no need to parse the file
        try:
            tree = ast.parse(scan.source.text)
        except (SyntaxError, ValueError, RecursionError, MemoryError):
            return  # not Python 3 (NR301 says so), or not parseable: the lexical rules still run
        _FileUses(self, scan, tree).run()


# -- name resolution -------------------------------------------------------------------------------------

_SCOPES = (ast.Module, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)
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


def _own_nodes(scope: ast.AST) -> Iterator[ast.AST]:
    """The nodes of a scope's body in source order, parents before children, not descending into
    nested scopes (their names are their own; only their decorators run here)."""
    queue: deque[ast.AST] = deque([scope.body] if isinstance(scope, ast.Lambda) else getattr(scope, "body", []))
    while queue:
        node = queue.popleft()
        yield node
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            queue.extend(node.decorator_list)
            continue
        if isinstance(node, ast.Lambda):
            continue
        queue.extend(ast.iter_child_nodes(node))


class _FileUses:
    """The rule's work on one parsed file."""

    def __init__(self, rule: ApiLife, scan: FileScan, tree: ast.Module):
        self.rule, self.scan, self.tree = rule, scan, tree
        self.scopes: dict[ast.AST, _Scope] = {}
        self.reported: set[tuple[int, int, str]] = set()

    def run(self) -> None:
        self._bind(self.tree, None)
        self._visit(self.tree, self.scopes[self.tree], frozenset())

    # -- pass 1: what each scope binds ------------------------------------------------------------

    def _bind(self, node: ast.AST, parent: _Scope | None) -> None:
        scope = self.scopes[node] = _Scope(node, parent)
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
            for arg in (*node.args.posonlyargs, *node.args.args, *node.args.kwonlyargs, node.args.vararg,
                        node.args.kwarg):
                if arg is not None:
                    scope.bind(arg.arg, _UNKNOWN)
        nested: list[ast.AST] = []
        instances: list[tuple[ast.Name, ast.AST]] = []
        targets: set[int] = set()
        for child in _own_nodes(node):  # first what imports bind, and which names anything else rebinds
            if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)):
                nested.append(child)
                if not isinstance(child, ast.Lambda):
                    scope.bind(child.name, _UNKNOWN)
            elif isinstance(child, ast.Import):
                for alias in child.names:
                    if alias.asname:
                        scope.bind(alias.asname, alias.name)
                    else:
                        top = alias.name.split(".")[0]
                        scope.bind(top, top)
            elif isinstance(child, ast.ImportFrom):
                for alias in child.names:
                    if alias.name != "*":
                        imported = f"{child.module}.{alias.name}" if child.module and not child.level else _UNKNOWN
                        scope.bind(alias.asname or alias.name, imported)
            elif isinstance(child, (ast.Global, ast.Nonlocal)):
                for name in child.names:
                    scope.bind(name, _UNKNOWN)
            elif isinstance(child, ast.withitem) and isinstance(child.optional_vars, ast.Name):
                instances.append((child.optional_vars, child.context_expr))
                targets.add(id(child.optional_vars))
            elif isinstance(child, ast.Assign) and len(child.targets) == 1 and isinstance(child.targets[0], ast.Name):
                instances.append((child.targets[0], child.value))
                targets.add(id(child.targets[0]))
            elif isinstance(child, ast.Name) and not isinstance(child.ctx, ast.Load) and id(child) not in targets:
                scope.bind(child.id, _UNKNOWN)  # for targets, augmented assignments, del, walrus ...
        for target, value in instances:  # then ``x = smtplib.SMTP(...)``, resolved with the imports known
            scope.bind(target.id, self._instance(value, scope))
        for child in nested:
            self._bind(child, scope)

    def _instance(self, value: ast.AST, scope: _Scope) -> str:
        """``smtplib.SMTP(...)``: the name is an instance of smtplib.SMTP; anything else is unknown."""
        if isinstance(value, ast.Call):
            callee = self._resolve(value.func, scope)
            return callee or _UNKNOWN
        return _UNKNOWN

    def _resolve(self, node: ast.AST, scope: _Scope) -> str | None:
        """The qualified name an expression stands for (an instance counts as its class), or None."""
        if isinstance(node, ast.Name):
            return scope.lookup(node.id)
        if isinstance(node, ast.Attribute):
            base = self._resolve(node.value, scope)
            return f"{base}.{node.attr}" if base else None
        if isinstance(node, ast.Call):
            return self._resolve(node.func, scope)
        return None

    # -- pass 2: the uses -----------------------------------------------------------------------------

    def _visit(self, node: ast.AST, scope: _Scope, guarded: frozenset[str]) -> None:
        if node is not self.tree and isinstance(node, _SCOPES):
            scope = self.scopes.get(node, scope)
        if isinstance(node, ast.Try):
            caught = _caught(node)
            for statement in node.body:
                self._visit(statement, scope, guarded | caught)
            for other in (*node.handlers, *node.orelse, *node.finalbody):
                self._visit(other, scope, guarded)
            return
        if isinstance(node, ast.If):
            checked = self._hasattr_names(node.test, scope)
            for statement in node.body:
                self._visit(statement, scope, guarded | checked)
            self._visit(node.test, scope, guarded)
            # the else of a feature test is the fallback for Pythons without the feature: compatibility code
            fallback = guarded | {"AttributeError"} if checked else guarded
            for statement in node.orelse:
                self._visit(statement, scope, fallback)
            return
        if isinstance(node, ast.ImportFrom):
            self._from_import(node, guarded)
        elif isinstance(node, ast.Attribute) and isinstance(node.ctx, ast.Load):
            self._attribute(node, scope, guarded)
        elif isinstance(node, ast.Call):
            self._keywords(node, scope, guarded)
        for child in ast.iter_child_nodes(node):
            self._visit(child, scope, guarded)

    def _from_import(self, node: ast.ImportFrom, guarded: frozenset[str]) -> None:
        if node.level or not node.module or guarded & _NAME_GUARDS:
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

    def _keywords(self, node: ast.Call, scope: _Scope, guarded: frozenset[str]) -> None:
        """One finding per call and code, at its first affected keyword, naming every one of them."""
        callee = self._resolve(node.func, scope)
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
    """A pattern whose match makes a use possible; with ``also``, only if that pattern matches too."""

    def __init__(self, pattern: bytes, also: bytes | None = None):
        self.pattern, self.also = re.compile(pattern), re.compile(also) if also else None

    def search(self, data: bytes) -> bool:
        return bool(self.pattern.search(data) and (self.also is None or self.also.search(data)))


def _signs(names: dict[str, ApiVerdict], params: dict[str, dict[str, ApiVerdict]]) -> dict[bytes, list[_Sign]]:
    """Per top-level module (``http`` for http.client): what a use of one of its APIs looks like in the text.

    ``.wrap_socket`` (an attribute: through the module, an alias or an instance), the bare name after a
    ``from MODULE import`` (the from-import, over several lines too), and ``keyfile=`` in a file that also
    names the callable (``SMTP_SSL``, ``starttls``). Loose on purpose: it must never hide a use.
    """
    leaves: dict[str, set[str]] = {}
    for qualname in names:
        leaves.setdefault(qualname.split(".")[0], set()).add(qualname.rsplit(".", 1)[-1])
    signs: dict[bytes, list[_Sign]] = {}
    for top, words in leaves.items():
        alternatives = _alternatives(words)
        from_import = rb"\bfrom[ \t]+" + re.escape(top.encode()) + rb"[\w.]*[ \t]+import\b"
        signs.setdefault(top.encode(), []).extend([
            _Sign(rb"\.\s*(?:" + alternatives + rb")\b"),
            _Sign(from_import, rb"\b(?:" + alternatives + rb")\b"),
        ])
    for callee, by_param in params.items():
        top, leaf = callee.split(".")[0], callee.rsplit(".", 1)[-1]
        keyword = rb"\b(?:" + _alternatives(set(by_param)) + rb")\s*=(?!=)"
        signs.setdefault(top.encode(), []).append(_Sign(keyword, rb"\b" + re.escape(leaf.encode()) + rb"\b"))
    return signs


def _plural(verdict: ApiVerdict, names: list[str]) -> ApiVerdict:
    """``keyfile=, certfile= of smtplib.SMTP.starttls were removed ...`` for one call passing both."""
    single = f"{names[0]}= of "
    listed = ", ".join(f"{name}=" for name in names) + " of "
    message = verdict.message.replace(single, listed, 1).replace(" was removed", " were removed", 1)
    message = message.replace(" is deprecated", " are deprecated", 1).replace("(it warns)", "(they warn)", 1)
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


__all__ = ["CODES", "ApiLife"]
