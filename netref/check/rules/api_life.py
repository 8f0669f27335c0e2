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
from bisect import bisect_left, bisect_right
from collections.abc import Iterator
from dataclasses import dataclass
from typing import AnyStr

from netref.catalog import Api, Catalog
from netref.check.lexer import Source, offset_in
from netref.check.registry import Code, Rule, register
from netref.check.rules.legacy_modules import import_parts
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
        imported = import_parts(data)[1]
        return any(sign.search(data, imported) for top in self.signs.keys() & imported for sign in self.signs[top])

    def visit(self, scan: FileScan) -> None:
        code = scan.source.code
        binders = _binders(scan)
        hits = [offset for top, names in binders.items() for sign in self.signs.get(top.encode(), ())
                for offset in sign.offsets(code, names)]
        if not hits:
            return  # the names appear only in strings or comments: no need to parse the file
        try:
            tree = _parse_around(scan.source, hits)
        except (SyntaxError, ValueError, RecursionError, MemoryError):
            return  # not Python 3 (NR301 says so), or not parseable: the lexical rules still run
        line_starts = [0, *(match.end() for match in _NEWLINE.finditer(scan.source.text))]
        hit_lines = sorted({bisect_right(line_starts, hit) for hit in hits})
        _FileUses(self, scan, tree, hit_lines).run()


def _binders(scan: FileScan) -> dict[str, frozenset[str]]:
    """Per top-level module the file imports, the names through which its functions can be reached:
    ``ssl`` itself, an alias (``import ssl as s``), a submodule's name (``from urllib import request``,
    ``import urllib.request``: ``request``)."""
    binders: dict[str, set[str]] = {}
    for statement in scan.imports:
        node = statement.node
        if isinstance(node, ast.ImportFrom):
            if node.module and not node.level:
                names = binders.setdefault(node.module.split(".")[0], set())
                names.update(node.module.split("."))
                names.update(alias.asname or alias.name for alias in node.names)
            continue
        for alias in node.names:
            names = binders.setdefault(alias.name.split(".")[0], set())
            names.update(alias.name.split("."))
            if alias.asname:
                names.add(alias.asname)
    return {top: frozenset(names) for top, names in binders.items()}


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


def _statements(body: list[ast.stmt]) -> Iterator[ast.stmt]:
    """The statements of a scope's body, nested blocks included, nested scopes not entered."""
    for statement in body:
        yield statement
        if isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            continue
        for field in ("body", "orelse", "finalbody"):
            yield from _statements(getattr(statement, field, []))
        for handler in getattr(statement, "handlers", []):
            yield from _statements(handler.body)
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
    for node in ast.walk(target):
        if isinstance(node, ast.Name):
            yield node.id


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

    def run(self) -> None:
        self._bind(self.tree, None)
        self._visit(self.tree, self.scopes[self.tree], frozenset())

    def _holds_a_hit(self, node: ast.AST) -> bool:
        first, last = getattr(node, "lineno", 0), getattr(node, "end_lineno", None) or 10**9
        index = bisect_left(self.hit_lines, first)
        return index < len(self.hit_lines) and self.hit_lines[index] <= last

    # -- pass 1: what each scope binds ------------------------------------------------------------

    def _bind(self, node: ast.Module | ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef,
              parent: _Scope | None) -> None:
        scope = self.scopes[node] = _Scope(node, parent)
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            _bind_arguments(scope, node.args)
        nested: list[ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef] = []
        instances: list[tuple[str, ast.expr]] = []
        for statement in _statements(node.body):  # first what imports bind, and what anything else rebinds
            if isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
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
        for name, value in instances:  # then ``x = smtplib.SMTP(...)``, resolved with the imports known
            scope.bind(name, self._instance(value, scope))
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
        if isinstance(node, ast.stmt) and not self._holds_a_hit(node):
            return
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            scope = self.scopes.get(node, scope)
        elif isinstance(node, (ast.Lambda, ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)):
            scope = _expression_scope(node, scope)
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
    """A pattern whose match makes a use possible; with ``also``, only if that pattern matches too.

    Each pattern comes with the literal words one of which it cannot match without (a substring test
    is far cheaper than a regular expression), and is compiled for bytes (the pre-filter reads a
    file's bytes) and for text (the scan reads its code). With ``binder`` True, the name before the
    ``.`` must be one of the file's names for the module: a module function is reached through its
    module, an alias or a submodule's name, never through ``context.``; with ``binder`` False it must
    not be the module's own name: a method (``Task.current_task``) is not the module's function of
    the same name (``asyncio.current_task``).
    """

    def __init__(self, words: set[str], pattern: bytes, also_words: set[str] | None = None, also: bytes | None = None,
                 binder: bool | None = None, call: str | None = None, top: str = ""):
        self.words, self.pattern = tuple(w.encode() for w in sorted(words)), re.compile(pattern)
        self.text_words, self.text_pattern = tuple(sorted(words)), re.compile(pattern.decode())
        self.also_words = tuple(w.encode() for w in sorted(also_words or ()))
        self.also = re.compile(also) if also else None
        self.text_also_words = tuple(sorted(also_words or ()))
        self.text_also = re.compile(also.decode()) if also else None
        self.binder = binder
        self.call = call  # a keyword's sign: the callable whose call it must sit in (the text's view)
        self.top, self.top_bytes = top, top.encode()

    def search(self, data: bytes, imported: frozenset[bytes]) -> bool:
        """The cheap substring tests first, then the expressions."""
        if not any(word in data for word in self.words):
            return False
        if self.also_words and not any(word in data for word in self.also_words):
            return False
        if self.also is not None and self.also.search(data) is None:
            return False
        if self.binder is None:
            return self.pattern.search(data) is not None
        for match in self.pattern.finditer(data):
            before = _word_before(data, match.start(), _WORD_BEFORE_BYTES)
            if (before in imported) if self.binder else (before != self.top_bytes):
                return True
        return False

    def offsets(self, code: str, imported: frozenset[str]) -> list[int]:
        if not any(word in code for word in self.text_words):
            return []
        if self.text_also is not None and not (any(word in code for word in self.text_also_words)
                                               and self.text_also.search(code)):
            return []
        matches = self.text_pattern.finditer(code)
        if self.call is not None:
            return [match.start() for match in matches if _called(code, match.start()) in (self.call, None)]
        if self.binder is None:
            return [match.start() for match in matches]
        offsets = []
        for match in matches:
            before = _word_before(code, match.start(), _WORD_BEFORE)
            if (before in imported) if self.binder else (before != self.top):
                offsets.append(match.start())
        return offsets


_WORD_BEFORE = re.compile(r"(\w+)\s*\Z")
_WORD_BEFORE_BYTES = re.compile(rb"(\w+)\s*\Z")


def _word_before(text: AnyStr, offset: int, pattern: re.Pattern[AnyStr]) -> AnyStr | None:
    """The name right before the ``.`` at ``offset`` (``ssl`` in ``ssl.wrap_socket``), or None."""
    match = pattern.search(text, max(0, offset - 80), offset)
    return match.group(1) if match else None


def _called(code: str, offset: int, reach: int = 4000) -> str | None:
    """The name called by the parenthesis that holds ``offset`` (``starttls`` for ``s.starttls(keyfile=k)``;
    ``""`` for a definition's parameters or no call at all), or None when it is too far to tell."""
    depth, position, stop = 0, offset, max(0, offset - reach)
    while True:
        opening, closing = code.rfind("(", stop, position), code.rfind(")", stop, position)
        if opening < 0:
            return "" if stop == 0 else None
        if closing > opening:
            depth, position = depth + 1, closing
            continue
        if depth:
            depth, position = depth - 1, opening
            continue
        before = code[max(0, opening - 120) : opening]
        if _DEFINITION_BEFORE.search(before):
            return ""
        name = _WORD_BEFORE.search(before)
        return name.group(1) if name else ""


_DEFINITION_BEFORE = re.compile(r"\bdef\s+\w+\s*\Z")
_NEWLINE = re.compile(r"\n")
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
    """Per top-level module (``http`` for http.client): what a use of one of its APIs looks like in the text.

    ``.wrap_socket`` (an attribute: through the module, an alias or an instance), the bare name after a
    ``from MODULE import`` (the from-import, over several lines too), and ``keyfile=`` in a file that also
    names the callable (``SMTP_SSL``, ``starttls``). Loose on purpose: it must never hide a use.
    """
    functions: dict[str, set[str]] = {}  # reached through the module: ssl.wrap_socket
    members: dict[str, set[str]] = {}  # reached through an instance too: ctx.set_npn_protocols
    for qualname, verdict in names.items():
        top, leaf = qualname.split(".")[0], qualname.rsplit(".", 1)[-1]
        member = "." in qualname[len(verdict.module) + 1 :]
        (members if member else functions).setdefault(top, set()).add(leaf)
    signs: dict[bytes, list[_Sign]] = {}
    for top in functions.keys() | members.keys():
        words = functions.get(top, set()) | members.get(top, set())
        # the name inside the statement: parenthesized or backslash-continued over several lines too
        from_import = (rb"\bfrom[ \t]+" + re.escape(top.encode()) + rb"[\w.]*[ \t]+import[ \t]*"
                       rb"(?:\([^)]*?|(?:[^\n]*\\\r?\n)*[^\n]*?)\b(?:" + _alternatives(words) + rb")\b")
        found = signs.setdefault(top.encode(), [])
        found.append(_Sign(words, from_import))
        if top in functions:
            attribute = rb"\.\s*(?:" + _alternatives(functions[top]) + rb")\b"
            found.append(_Sign(functions[top], attribute, binder=True))
        if top in members:
            method = rb"\.\s*(?:" + _alternatives(members[top]) + rb")\b"
            found.append(_Sign(members[top], method, binder=False, top=top))
    for callee, by_param in params.items():
        top, leaf = callee.split(".")[0], callee.rsplit(".", 1)[-1]
        keyword = rb"\b(?:" + _alternatives(set(by_param)) + rb")\s*=(?!=)"
        also = rb"\b" + re.escape(leaf.encode()) + rb"\b"
        signs.setdefault(top.encode(), []).append(_Sign(set(by_param), keyword, {leaf}, also, call=leaf))
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
