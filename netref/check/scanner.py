"""Scan one file: legacy imports, Python 2 urllib attributes, the tutorial's porting bugs.

The same lexical scan serves Python 2 and Python 3 files (see :mod:`netref.check.lexer`): import
statements are found in code with strings and comments blanked out and parsed one by one. A cheap
byte-level pre-filter runs first and lets the scanner skip most files of a large tree unread; it
is built so that it never hides a finding (the tests compare runs with and without it).
"""

from __future__ import annotations

import ast
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass, field, replace

from netref.check import rules as patterns
from netref.check.codes import MODULE_CODES
from netref.check.lexer import Source, decode, offset_in
from netref.check.rules import Rules, Verdict


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
    python2: bool = False


@dataclass
class _Import:
    """One import statement found in the code: its parsed node and where it sits."""

    node: ast.Import | ast.ImportFrom
    start: int
    end: int
    text: str  # the statement as code (comments blanked)

    def offset(self, lineno: int, col: int) -> int:
        return self.start + offset_in(self.text, lineno, col)


def scan_path(path: str, rules: Rules, prefilter: bool = True) -> FileResult:
    """Read and scan one file; an unreadable file is a finding, never an exception."""
    try:
        with open(path, "rb") as handle:
            data = handle.read()
    except IsADirectoryError:  # a directory netref could not list (see files.python_files)
        reason = _listing_error(path)
        return FileResult(path, _only(rules, Finding(path, 1, 1, "NR900", f"cannot read the directory: {reason}")))
    except OSError as error:
        reason = error.strerror or str(error)
        return FileResult(path, _only(rules, Finding(path, 1, 1, "NR900", f"cannot read the file: {reason}")))
    return scan_bytes(data, path, rules, prefilter)


def _listing_error(path: str) -> str:
    try:
        os.listdir(path)
    except OSError as error:
        return error.strerror or str(error)
    return "is a directory"


def _only(rules: Rules, finding: Finding) -> tuple[Finding, ...]:
    return (finding,) if rules.wants(finding.code) else ()


def scan_bytes(data: bytes, path: str, rules: Rules, prefilter: bool = True) -> FileResult:
    if prefilter and not might_have_findings(data, rules):
        return FileResult(path, ())
    return _Scan(Source(decode(data)), path, rules).run()


# -- the pre-filter ---------------------------------------------------------------------------------


def might_have_findings(data: bytes, rules: Rules) -> bool:
    """False only when no check can find anything in ``data``: a few fast byte searches."""
    wants = rules.wants
    if rules.python3 and wants("NR201") and patterns.SEND_STR.search(data):
        return True
    if wants("NR202") and _bare_method_statement(data, rules):
        return True
    if rules.python3 and wants("NR301") and _has_marker(data, patterns.PY2_STRONG, patterns.PY2_AT_LINE_START) is not None:
        return True
    if any(wants(code) for code in MODULE_CODES):
        return _imports_mention(data, rules)
    return False


def _imports_mention(data: bytes, rules: Rules) -> bool:
    """Do the import statements (loosely read) name a module with a verdict or moved attributes?"""
    parts = b" ".join(b" ".join(pattern.findall(data)) for pattern in patterns.IMPORT_PARTS)
    if rules.words.intersection(patterns.NON_WORD.split(parts)):
        return True
    moved = _moved_module_bytes(rules)
    return bool(moved and moved.search(parts))


_cache: dict[tuple, re.Pattern] = {}


def _cached(key: tuple, build) -> re.Pattern:
    pattern = _cache.get(key)
    if pattern is None:
        pattern = _cache[key] = build()
    return pattern


def _bare_method_bytes(rules: Rules) -> re.Pattern[bytes]:
    return _cached(("bare", rules.methods), lambda: patterns.bare_method_pattern(rules.methods))


_DOTTED_NAME_BYTES = re.compile(rb"[ \t]*[A-Za-z_][\w. \t]*")


def _bare_method_statement(data: bytes, rules: Rules) -> bool:
    """A line that is only ``name.close`` (comment allowed): the scanner's NR202 candidates, loosely."""
    for match in _bare_method_bytes(rules).finditer(data):
        line_start = data.rfind(b"\n", 0, match.start()) + 1
        if _DOTTED_NAME_BYTES.fullmatch(data, line_start, match.start()):
            return True
    return False


def _moved_module_bytes(rules: Rules) -> re.Pattern[bytes] | None:
    if not rules.moved:
        return None
    names = b"|".join(re.escape(name.encode()) for name in rules.moved)
    return _cached(("moved", names), lambda: re.compile(rb"(?<![\w.])(?:" + names + rb")\b(?![ \t]*\.)"))


def _has_marker(data: bytes | str, markers: tuple[re.Pattern[bytes], ...], at_line_start: int = 0) -> int | None:
    """Offset of the first Python 2 marker in ``data`` (bytes, or code as str), else None.

    The first ``at_line_start`` markers count only where they begin a line (``print x``).
    """
    newline = b"\n" if isinstance(data, bytes) else "\n"
    first = None
    for index, marker in enumerate(markers):
        if not isinstance(data, bytes):
            marker = _str_pattern(marker)
        for match in marker.finditer(data):
            if index < at_line_start:
                if data[data.rfind(newline, 0, match.start()) + 1 : match.start()].strip():
                    continue
            first = match.start() if first is None else min(first, match.start())
            break
    return first


def _str_pattern(pattern: re.Pattern[bytes]) -> re.Pattern[str]:
    return _cached(("str", pattern.pattern), lambda: re.compile(pattern.pattern.decode(), re.ASCII))


# -- the scan of one file ---------------------------------------------------------------------------

_IMPORT_KEYWORDS = (re.compile(r"import\b"), re.compile(r"from\b"))
_DYNAMIC_IMPORT = re.compile(r"import(?:_module|__)[ \t]*\([ \t\r\n]*[rRuU]?(['\"])")
_PLAIN_NAME = re.compile(r"[A-Za-z_][\w.]*")
_FROM_MODULE = re.compile(r"from[ \t\\\r\n]+([\w.]+)")
_SEND_STR = re.compile(r"\.(send|sendall|sendto)[ \t]*\([ \t\r\n]*([rRuUfF]{0,2}(['\"]))")
_DEF_SEND = re.compile(r"\bdef[ \t]+(send|sendall|sendto)\b")
_SELF = re.compile(r"(?<![\w.])self$")
_EXPRESSION = re.compile(r"[ \t]*([A-Za-z_]\w*(?:[ \t]*\.[ \t]*[A-Za-z_]\w*)*)[ \t]*")


class _Scan:
    def __init__(self, source: Source, path: str, rules: Rules):
        self.source, self.path, self.rules = source, path, rules
        self.findings: list[Finding] = []
        self.imports = list(self._import_statements())

    def run(self) -> FileResult:
        rules = self.rules
        for statement in self.imports:
            self._judge(statement)
        self._dynamic_imports()
        if rules.moved:
            self._moved_attribute_uses()
        if rules.python3 and rules.wants("NR201") and self._imports_a_socket_module():
            self._str_sends()
        if rules.wants("NR202"):
            self._uncalled_methods()
        python2 = rules.python3 and rules.wants("NR301") and self._python2_syntax()
        wanted = [f for f in self.findings if rules.wants(f.code)]
        if python2:  # its syntax needs porting first: no mechanical fix is safe
            wanted = [replace(f, edits=()) for f in wanted]
        wanted.sort(key=lambda f: (f.line, f.col, f.code))
        return FileResult(self.path, tuple(wanted), python2)

    def add(self, offset: int, code: str, message: str, verdict: Verdict | None = None, **fields) -> None:
        line, col = self.source.position(offset)
        if verdict is not None:
            fields = dict(module=verdict.module, replacement=verdict.replacement, backport=verdict.backport,
                          pep=verdict.pep) | fields
        self.findings.append(Finding(self.path, line, col, code, message, **fields))

    # -- import statements --------------------------------------------------------------------------

    def _import_statements(self) -> Iterator[_Import]:
        source, code, skip_until = self.source, self.source.code, 0
        starts = sorted(m.start() for keyword in _IMPORT_KEYWORDS for m in keyword.finditer(code))
        for start in starts:
            if start < skip_until or (start and (code[start - 1].isalnum() or code[start - 1] in "_.")):
                continue
            before = code[source.line_start(start) : start].strip()
            if before and before[-1] not in ";:":
                continue
            end = source.statement_end(start)
            text = code[start:end]
            try:
                node = ast.parse(text).body[0]
            except (SyntaxError, ValueError, IndexError):
                continue
            if isinstance(node, (ast.Import, ast.ImportFrom)):
                skip_until = end
                yield _Import(node, start, end, text)

    def verdict(self, name: str) -> Verdict | None:
        """The verdict on ``name`` or on the package it lives in (``a.b.c``, ``a.b``, ``a``)."""
        verdicts, parts = self.rules.verdicts, name.split(".")
        for size in range(len(parts), 0, -1):
            found = verdicts.get(".".join(parts[:size]))
            if found:
                return found
        return None

    def _judge(self, statement: _Import) -> None:
        node = statement.node
        if isinstance(node, ast.Import):
            for alias in node.names:
                verdict = self.verdict(alias.name)
                if verdict:
                    edits = self._rename_alias(statement, alias, verdict)
                    self.add(statement.start, verdict.code, verdict.message, verdict, edits=edits)
            return
        if node.level or not node.module:
            return
        submodules = [a for a in node.names if f"{node.module}.{a.name}" in self.rules.verdicts]
        for alias in submodules:
            verdict = self.rules.verdicts[f"{node.module}.{alias.name}"]
            self.add(statement.start, verdict.code, verdict.message, verdict)
        verdict = self.verdict(node.module)
        moved = self.rules.moved.get(node.module, {})
        names = [a for a in node.names if a not in submodules]
        if verdict:
            self._judge_from(statement, verdict, names, moved)
        elif moved and any(a.name in moved for a in names):
            self._moved_from(statement, names, moved)

    def _judge_from(self, statement: _Import, verdict: Verdict, names: list[ast.alias], moved: dict[str, str]) -> None:
        message, replacement = verdict.message, verdict.replacement
        if moved and names and all(a.name in moved for a in names):
            homes = ", ".join(dict.fromkeys(f"{moved[a.name]}.{a.name}" for a in names))
            message, replacement = verdict.message_for(homes), homes
        edits: tuple[Edit, ...] = ()
        if verdict.renamed_to and statement.node.module == verdict.module:  # not a submodule of it
            edits = self._regroup(statement, names, moved, keep=None) if moved else self._rename_from(statement, verdict.renamed_to)
        self.add(statement.start, verdict.code, message, verdict, replacement=replacement, edits=edits)

    def _moved_from(self, statement: _Import, names: list[ast.alias], moved: dict[str, str]) -> None:
        module = statement.node.module
        used = [a for a in names if a.name in moved]
        old = ", ".join(f"{module}.{a.name}" for a in used)
        new = ", ".join(f"{moved[a.name]}.{a.name}" for a in used)
        edits = self._regroup(statement, names, moved, keep=module)
        pep = self.rules.moved_pep.get(module)
        self.add(statement.start, "NR104", f"{old} {'is' if len(used) == 1 else 'are'} Python 2{_pep(pep)}: use {new}",
                 module=module, replacement=new, pep=pep, edits=edits)

    # -- fixes for import statements ------------------------------------------------------------------

    def _rename_alias(self, statement: _Import, alias: ast.alias, verdict: Verdict) -> tuple[Edit, ...]:
        """``import httplib`` -> ``import http.client as httplib``: the local name stays bound."""
        if not verdict.renamed_to or alias.name != verdict.module:
            return ()
        if verdict.module in self.rules.moved:
            return self._moved_module_edits(statement, alias, verdict)
        bound = alias.asname or alias.name
        return (self._alias_edit(statement, alias, f"{verdict.renamed_to} as {bound}"),)

    def _alias_edit(self, statement: _Import, alias: ast.alias, new: str) -> Edit:
        start = statement.offset(alias.lineno, alias.col_offset)
        return Edit(start, statement.offset(alias.end_lineno, alias.end_col_offset), new)

    def _rename_from(self, statement: _Import, new_module: str) -> tuple[Edit, ...]:
        match = _FROM_MODULE.match(statement.text)
        if not match:
            return ()
        return (Edit(statement.start + match.start(1), statement.start + match.end(1), new_module),)

    def _regroup(self, statement: _Import, names: list[ast.alias], moved: dict[str, str], keep: str | None) -> tuple[Edit, ...]:
        """``from urllib import urlopen, quote`` -> one ``from HOME import ...`` per new home.

        Names without a known home stay with ``keep`` (a module that still exists), or make the
        statement a human's job when ``keep`` is None (the old module is gone).
        """
        groups: dict[str, list[str]] = {}
        for alias in names:
            home = moved.get(alias.name, keep)
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

    def _moved_module_edits(self, statement: _Import, alias: ast.alias, verdict: Verdict | None) -> tuple[Edit, ...]:
        """``import urllib2`` and its uses ``urllib2.urlopen`` -> ``urllib.request.urlopen``.

        Safe only when every use of the bound name is an attribute whose new home is known.
        """
        uses = self._module_uses(alias)
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

    def _module_uses(self, alias: ast.alias) -> list[tuple[int, int, str, str]] | None:
        """Every ``NAME.attr`` use of an imported module with moved attributes, or None if some
        use is anything else (then no rewrite is safe)."""
        bound = alias.asname or alias.name
        moved = self.rules.moved[alias.name]
        spans = [(s.start, s.end) for s in self.imports]
        uses = []
        word = re.compile(rf"(?<![\w.]){re.escape(bound)}\b(?:[ \t]*\.[ \t]*([A-Za-z_]\w*))?")
        for match in word.finditer(self.source.code):
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
            verdict = self.verdict(name)
            if verdict:
                edits = ()
                # __import__("a.b") returns package a, not a.b: rename only to a top-level name
                safe = verdict.renamed_to and (not dunder or "." not in verdict.renamed_to)
                if safe and name == verdict.module and name not in self.rules.moved:
                    edits = (Edit(quote + 1, end - 1, verdict.renamed_to),)
                self.add(call, verdict.code, verdict.message, verdict, edits=edits)

    def _moved_attribute_uses(self) -> None:
        """``urllib.urlopen`` after ``import urllib``: Python 2's layout of urllib and urllib2."""
        for statement in self.imports:
            node = statement.node
            if not isinstance(node, ast.Import):
                continue
            for alias in node.names:
                moved = self.rules.moved.get(alias.name)
                if not moved:
                    continue
                edits = self._moved_module_edits(statement, alias, self.verdict(alias.name))
                for start, _, home, attr in self._attribute_uses(alias, moved):
                    pep = self.rules.moved_pep.get(alias.name)
                    self.add(start, "NR104", f"{alias.name}.{attr} is Python 2{_pep(pep)}: use {home}.{attr}",
                             module=alias.name, replacement=f"{home}.{attr}", pep=pep, edits=edits)

    def _attribute_uses(self, alias: ast.alias, moved: dict[str, str]) -> Iterator[tuple[int, int, str, str]]:
        bound = alias.asname or alias.name
        word = re.compile(rf"(?<![\w.]){re.escape(bound)}[ \t]*\.[ \t]*([A-Za-z_]\w*)")
        for match in word.finditer(self.source.code):
            if match.group(1) in moved:
                yield match.start(), match.end(), moved[match.group(1)], match.group(1)

    # -- the tutorial's porting bugs ------------------------------------------------------------------

    def _imports_a_socket_module(self) -> bool:
        sockets = self.rules.socket_modules
        for statement in self.imports:
            node = statement.node
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else [node.module or ""]
            if any(name in sockets or name.split(".")[0] in sockets for name in names):
                return True
        return False

    def _str_sends(self) -> None:
        """``c.send('Thank you for connecting')``: Python 3 sockets take bytes, not str."""
        source = self.source
        own = set(_DEF_SEND.findall(source.code))  # self.send(...) calls the class's own method
        for match in _SEND_STR.finditer(source.code):
            if match.group(1) in own and _SELF.search(source.code, 0, match.start()):
                continue
            end = source.string_end(match.start(3))
            after = source.code[end : end + 200].lstrip(" \t\r\n\\")
            if after.startswith(".encode") or not (after[:1] in ("", ")", ",", "%", "+", "'", '"') or after.startswith(".format")):
                continue
            method = match.group(1)
            self.add(match.start(2), "NR201",
                     f"str literal passed to {method}(): Python 3 sockets send bytes, use b'...' or .encode()",
                     replacement="a bytes literal (b'...') or str.encode()")

    def _uncalled_methods(self) -> None:
        """``s.close`` as a statement names the method and does nothing; ``s.close()`` closes."""
        source, code = self.source, self.source.code
        pattern = _cached(("bare-str", self.rules.methods), lambda: re.compile(
            r"\.(?:" + "|".join(self.rules.methods) + r")[ \t\r]*(?=\n|\Z)"))
        for match in pattern.finditer(code):
            line_start = source.line_start(match.start())
            expression = _EXPRESSION.fullmatch(code, line_start, match.end())
            if not expression or source.depth(line_start) != 0 or _guarded(source.previous_code_line(line_start)):
                continue
            name = re.sub(r"[ \t]", "", expression.group(1))
            self.add(expression.start(1), "NR202", f"{name} names the method without calling it: write {name}()",
                     replacement=f"{name}()")

    # -- Python 2 syntax -------------------------------------------------------------------------------

    def _python2_syntax(self) -> bool:
        """Python 2 evidence in the code, confirmed by Python 3's compiler refusing the file."""
        code = self.source.code
        evidence = _has_marker(code, patterns.PY2_STRONG, patterns.PY2_AT_LINE_START)
        if evidence is None and any(self.rules.wants(f.code) for f in self.findings):
            evidence = _has_marker(code, patterns.PY2_WEAK)
        if evidence is None:
            return False
        error = compile_error(self.source.text, self.path)
        if error is None:
            return False
        line, col = error.lineno or 1, error.offset or 1
        self.findings.append(Finding(
            self.path, line, max(col, 1), "NR301",
            f"file is Python 2 syntax ({error.msg}); its imports were checked by a lexical scan",
            replacement="port the syntax to Python 3"))
        return True


def _guarded(previous_line: str) -> bool:
    """An attribute read on purpose: the first line of a ``try:`` or a ``with ... raises`` block."""
    return previous_line in ("try:",) or (previous_line.endswith(":") and "aises" in previous_line)


def compile_error(text: str, path: str) -> SyntaxError | None:
    """Python 3's verdict on ``text`` (compiled, never run): the SyntaxError, or None."""
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            compile(text, path, "exec", dont_inherit=True)
        except SyntaxError as error:
            return error
        except ValueError:  # null bytes
            return None
    return None


def _pep(pep: int | None) -> str:
    return f" (PEP {pep})" if pep else ""
