"""Compatibility code, understood: version branches judged on the target, ``try``/``except ImportError`` found.

Libraries that supported Python 2 and 3 at once import the legacy module in the branch that runs
on Python 2 only::

    if PY3:                                   if sys.version_info[0] == 2:
        import urllib.parse as urllib_parse       import httplib
    else:                                     else:
        import urllib as urllib_parse             import http.client as httplib

A branch whose condition cannot hold on the target Python is *dead*: nothing in it is reported.
Conditions are read in the spellings libraries use: ``sys.version_info`` compared whole
(``< (3,)``, ``>= (3, 0)``), by index or slice (``[0] == 2``, ``[:2] >= (3, 12)``) or by field
(``.major >= 3``), ``sys.hexversion``, ``six.PY2``/``six.PY3`` and flags named like them (``PY2``,
``is_py3``, ``IS_PY3``, ``PY3K``) whether imported from a compat module or defined at module level
(``PY3 = sys.version_info[0] == 3``, ``_ver = sys.version_info; is_py2 = _ver[0] == 2``, bottle's
``py3k = py >= (3, 0, 0)``), combined with ``not``, ``and``, ``or``.

``try``/``except ImportError`` statements are only found here; which branch runs depends on
the modules, which the rules judge (see :mod:`netref.check.rules.legacy_modules`).
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass
from functools import cached_property

from netref.check.blocks import Blocks, Clause, Compound
from netref.versions import Version

# Flags named for the Python they stand for: PY2, PY3, is_py2, IS_PY3, PY3K, _PY3, PYTHON3, py3k.
_FLAG = re.compile(r"_*(?:is_?)?py(?:thon)?_?([23])k?", re.IGNORECASE)
_VERSION_WORDS = frozenset({"version_info", "hexversion"})
_IMPORT_ERRORS = frozenset({"ImportError", "ModuleNotFoundError"})
_ASSIGNMENT = re.compile(r"([A-Za-z_]\w*)[ \t]*=(?!=)")
_WORD = re.compile(r"[A-Za-z_]\w*")


class _Unknown:
    def __repr__(self) -> str:
        return "UNKNOWN"


UNKNOWN = _Unknown()


@dataclass(frozen=True)
class _VersionInfo:
    """``sys.version_info`` on the target: (major, minor, unknown micro, ...)."""

    major: int
    minor: int

    def compare(self, other: object) -> int | _Unknown:
        """-1, 0 or 1 as ``self`` compares to the tuple ``other``, or UNKNOWN."""
        if not isinstance(other, tuple) or not all(isinstance(item, int) for item in other):
            return UNKNOWN
        mine = (self.major, self.minor)[: len(other)]
        theirs = other[:2]
        if mine != theirs:
            return -1 if mine < theirs else 1
        return 1 if len(other) <= 2 else UNKNOWN  # (3, 13, micro, ...) > (3, 13) and > (3,)


@dataclass(frozen=True)
class _HexVersion:
    value: int  # major << 24 | minor << 16


@dataclass
class _Evaluation:
    env: dict[str, object]
    target: Version
    used_version: bool = False


def _compare(left: object, op: ast.cmpop, right: object) -> object:
    if left is UNKNOWN or right is UNKNOWN:
        return UNKNOWN
    order: object
    if isinstance(left, _VersionInfo) or isinstance(right, _VersionInfo):
        if isinstance(right, _VersionInfo):
            left, right, op = right, left, _MIRROR.get(type(op), op)
        assert isinstance(left, _VersionInfo)
        order = left.compare(right)
    elif isinstance(left, _HexVersion) or isinstance(right, _HexVersion):
        if isinstance(right, _HexVersion):
            left, right, op = right, left, _MIRROR.get(type(op), op)
        assert isinstance(left, _HexVersion)
        if not isinstance(right, int) or right >> 16 == left.value >> 16:
            return UNKNOWN
        order = -1 if left.value < right else 1
    elif isinstance(left, (int, tuple)) and isinstance(right, (int, tuple)) and type(left) is type(right):
        order = (left > right) - (left < right)  # type: ignore[operator]
    else:
        return UNKNOWN
    if order is UNKNOWN or not isinstance(order, int):
        return UNKNOWN
    checks = {ast.Lt: order < 0, ast.LtE: order <= 0, ast.Gt: order > 0, ast.GtE: order >= 0,
              ast.Eq: order == 0, ast.NotEq: order != 0}
    return checks.get(type(op), UNKNOWN)


_MIRROR: dict[type[ast.cmpop], ast.cmpop] = {
    ast.Lt: ast.Gt(), ast.Gt: ast.Lt(), ast.LtE: ast.GtE(), ast.GtE: ast.LtE(),
    ast.Eq: ast.Eq(), ast.NotEq: ast.NotEq(),
}


def _value(node: ast.expr, state: _Evaluation) -> object:
    """The value of a version test on the target, or UNKNOWN."""
    major, minor = state.target[0], state.target[1]
    if isinstance(node, ast.Constant):
        return node.value if isinstance(node.value, (int, bool)) else UNKNOWN
    if isinstance(node, ast.Tuple):
        items = [_value(item, state) for item in node.elts]
        return UNKNOWN if any(item is UNKNOWN for item in items) else tuple(items)
    if isinstance(node, (ast.Name, ast.Attribute)):
        name = node.id if isinstance(node, ast.Name) else node.attr
        if isinstance(node, ast.Name) and name in state.env:
            value = state.env[name]
            state.used_version |= value is not UNKNOWN
            return value
        if isinstance(node, ast.Attribute) and name in ("major", "minor"):
            base = _value(node.value, state)
            if isinstance(base, _VersionInfo):
                return base.major if name == "major" else base.minor
            return UNKNOWN
        if name in _VERSION_WORDS:
            state.used_version = True
            return _VersionInfo(major, minor) if name == "version_info" else _HexVersion(major << 24 | minor << 16)
        flag = _FLAG.fullmatch(name)
        if flag:
            state.used_version = True
            return major == 2 if flag.group(1) == "2" else major >= 3
        return UNKNOWN
    if isinstance(node, ast.Subscript):
        base = _value(node.value, state)
        if not isinstance(base, _VersionInfo):
            return UNKNOWN
        whole = (base.major, base.minor)
        index = node.slice
        if isinstance(index, ast.Constant) and isinstance(index.value, int) and index.value in (0, 1):
            return whole[index.value]
        if isinstance(index, ast.Slice) and index.lower is None and index.step is None:
            upper = _value(index.upper, state) if index.upper is not None else UNKNOWN
            return whole[:upper] if isinstance(upper, int) and 0 < upper <= 2 else UNKNOWN
        return UNKNOWN
    if isinstance(node, ast.Compare):
        left, result = _value(node.left, state), True
        for op, comparator in zip(node.ops, node.comparators, strict=True):
            right = _value(comparator, state)
            outcome = _compare(left, op, right)
            if outcome is False:
                return False
            if outcome is UNKNOWN:
                result = UNKNOWN  # type: ignore[assignment]
            left = right
        return result
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "hasattr" \
            and len(node.args) == 2 and isinstance(node.args[1], ast.Constant) \
            and isinstance(node.args[1].value, str) and _FLAG.fullmatch(node.args[1].value):
        return True  # ``hasattr(six, "PY3") and six.PY3``: a compat module has its flags (the flag decides)
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
        operand = _value(node.operand, state)
        return UNKNOWN if operand is UNKNOWN else not operand
    if isinstance(node, ast.BoolOp):
        values = [_value(value, state) for value in node.values]
        decisive = isinstance(node.op, ast.Or)  # True decides an or, False an and
        if any(value is not UNKNOWN and bool(value) is decisive for value in values):
            return decisive
        return UNKNOWN if any(value is UNKNOWN for value in values) else not decisive
    return UNKNOWN


def _parse(expression: str) -> ast.expr | None:
    try:
        return ast.parse(expression.replace("\\\n", " ").strip(), mode="eval").body
    except (SyntaxError, ValueError):
        return None


@dataclass(frozen=True)
class DeadBranch:
    """A clause of a version test whose body cannot run on the target."""

    clause: Clause
    condition: str  # as written: "PY2", "sys.version_info < (3, 13)"; for an else, the tests before it


# Without one of these words a file has no version test and no import guard: its blocks are never
# read. Plain substring tests (much faster than one regex over the file); flags such as is_py2,
# IS_PY3, PY3K, six.PY2, PYTHON3 all contain one of them.
_HINTS = ("version_info", "hexversion", "ImportError", "ModuleNotFoundError", "except:", "except :",
          *(f"{py}{sep}{n}" for py in ("py", "Py", "PY", "python", "Python", "PYTHON") for sep in ("", "_")
            for n in "23"))


def might_have_compat(code: str) -> bool:
    """Can ``code`` hold a version test or an import guard? (False: certainly not.)"""
    return any(hint in code for hint in _HINTS)


# A binding at the start of a line of a handler: ``class NAME``, ``def NAME``, ``NAME = [NAME = ...] value``.
_STAND_IN = re.compile(r"(?:^|(?<=[:;]))[ \t]*(?:(?:async[ \t]+)?(?:class|def)[ \t]+(?P<defined>[A-Za-z_]\w*)"
                       r"|(?P<assigned>[A-Za-z_]\w*(?:[ \t]*=[ \t]*[A-Za-z_]\w*(?=[ \t]*=(?!=)))*)[ \t]*=(?!=))",
                       re.MULTILINE)
_NO_REPLACEMENT = frozenset({"None", "False", "0", "()", "[]", "{}", ""})
_IF_HEADER = re.compile(r"^[ \t]*if\b", re.MULTILINE)
_TRY_HEADER = re.compile(r"^[ \t]*try\b", re.MULTILINE)


class Compat:
    """The compatibility code of one file, judged for the target on demand (see the module docstring)."""

    def __init__(self, blocks: Blocks | None, target: Version):
        self.blocks, self.target = blocks, target  # no blocks: the file has no compatibility code
        self._judged: dict[int, list[DeadBranch] | None] = {}

    @cached_property
    def env(self) -> dict[str, object]:
        return _module_flags(self.blocks, self.target) if self.blocks else {}

    def _enclosing(self, offset: int) -> list[tuple[Clause, Compound]]:
        blocks = self.blocks
        return [(clause, blocks.compound(clause)) for clause in blocks.enclosing(offset)] if blocks else []

    def judge(self, compound: Compound) -> list[DeadBranch] | None:
        """The dead clauses of an if/elif/else chain, or None if it is no version test."""
        if compound.start not in self._judged:
            self._judged[compound.start] = _judge_test(compound, self.env, self.target)
        return self._judged[compound.start]

    def is_dead(self, offset: int) -> bool:
        """Is ``offset`` in a branch of a version test that cannot run on the target?"""
        for clause, compound in self._enclosing(offset):
            if compound.clauses[0].keyword == "if" and clause.keyword in ("if", "elif", "else"):
                dead = self.judge(compound)
                if dead and any(branch.clause == clause for branch in dead):
                    return True
        return False

    def guard_of(self, offset: int) -> tuple[Compound, bool] | None:
        """The innermost ``try`` with an ImportError handler around ``offset``, and whether
        ``offset`` is in its body (True) or in one of its ImportError handlers (False).

        A function body runs when it is called, long after the ``try`` that surrounds its
        *definition* has finished: past a ``def``, no ``try`` body guards ``offset``. A handler still
        holds it (the function exists only where the handler ran), and a ``class`` body runs where
        it stands, inside the ``try``."""
        in_function = False
        for clause, compound in self._enclosing(offset):
            in_function |= clause.keyword == "def"
            if compound.clauses[0].keyword != "try" or not handlers(compound):
                continue
            if clause.keyword == "try":
                if in_function:
                    continue
                return compound, True
            if clause in handlers(compound):
                return compound, False
        return None

    def runs_in(self, offset: int, clause: Clause) -> bool:
        """Does the statement at ``offset`` run when ``clause``'s body runs? Not inside a ``def`` of it
        (a function body runs when called)."""
        for around in self.blocks.enclosing(offset) if self.blocks else ():
            if around == clause:
                return True
            if around.keyword == "def":
                return False
        return False

    def stand_ins(self, guard: Compound) -> frozenset[str]:
        """The names the ImportError handlers of ``guard`` bind to a replacement of their own: a
        ``class`` or ``def`` (``class Message: ...``, ``def quote(s): ...``) or an assignment of
        something (``quote = _quote``); ``name = None`` or ``= False`` replaces nothing (the feature
        disappears). Imports are the rules' to judge (a fallback import may fail too)."""
        blocks, found = self.blocks, set[str]()
        if blocks is None:
            return frozenset()
        code = blocks.code
        for clause in handlers(guard):
            for match in _STAND_IN.finditer(code, clause.body_start, clause.body_end):
                name = "defined" if match.group("defined") else "assigned"
                if not self.runs_in(match.start(name), clause):
                    continue
                if match.group("defined"):
                    found.add(match.group("defined"))
                    continue
                value = code[match.end() : blocks.source.statement_end(match.end())].strip()
                if value not in _NO_REPLACEMENT:
                    found.update(name.strip() for name in match.group("assigned").split("="))
        return frozenset(found)

    def protects(self, offset: int) -> bool:
        """Is ``offset`` inside compatibility code (which ``--fix`` must leave alone)?"""
        for _, compound in self._enclosing(offset):
            head = compound.clauses[0].keyword
            if (head == "try" and handlers(compound)) or (head == "if" and self.judge(compound) is not None):
                return True
        return False

    def dead_branches(self) -> list[DeadBranch]:
        """Every dead branch of the file's version tests (for NR401, which reads the whole file)."""
        blocks, found = self.blocks, list[DeadBranch]()
        if blocks is None:
            return []
        for match in _IF_HEADER.finditer(blocks.code):
            clause = blocks.clause_at(match.end() - 2)
            if clause is not None:
                found.extend(self.judge(blocks.compound(clause)) or ())
        return sorted(set(found), key=lambda branch: branch.clause.start)

    def import_guards(self) -> list[Compound]:
        """Every ``try`` of the file with an ImportError handler (for NR401, which reads the whole file)."""
        blocks, found = self.blocks, []
        if blocks is None:
            return []
        for match in _TRY_HEADER.finditer(blocks.code):
            clause = blocks.clause_at(match.end() - 3)
            if clause is not None and handlers(compound := blocks.compound(clause)):
                found.append(compound)
        return found


def handlers(guard: Compound) -> list[Clause]:
    """The ``except`` clauses of a ``try`` that catch ImportError (by name, in a tuple, or bare)."""
    return [c for c in guard.clauses if c.keyword == "except" and catches_import_error(c.header)]


def catches_import_error(header: str) -> bool:
    """``except:``, ``except ImportError as e``, ``except (ImportError, AttributeError)``, Python 2's ``, e``."""
    caught = header.split(" as ", 1)[0]
    return not caught.strip() or any(word in _IMPORT_ERRORS for word in _WORD.findall(caught))


def _might_test_version(condition: str, names: frozenset[str]) -> bool:
    return any(word in names or _FLAG.fullmatch(word) for word in _WORD.findall(condition))


def _judge_test(compound: Compound, env: dict[str, object], target: Version) -> list[DeadBranch] | None:
    """The clauses of an if/elif/else chain that cannot run on the target; None if no clause
    tests the version in a way that can be decided."""
    names = frozenset(env) | _VERSION_WORDS
    if not any(c.keyword != "else" and _might_test_version(c.header, names) for c in compound.clauses):
        return None
    decided, earlier_true, conditions, dead = False, False, list[str](), list[DeadBranch]()
    for clause in compound.clauses:
        if clause.keyword == "else":
            if earlier_true:
                dead.append(DeadBranch(clause, " / ".join(conditions)))
            continue
        conditions.append(clause.header)
        if earlier_true:
            dead.append(DeadBranch(clause, clause.header))
            continue
        node = _parse(clause.header)
        state = _Evaluation(env, target)
        value = _value(node, state) if node is not None else UNKNOWN
        if value is UNKNOWN or not state.used_version:
            continue
        decided = True
        if value:
            earlier_true = True
        else:
            dead.append(DeadBranch(clause, clause.header))
    return dead if decided else None


_MODULE_ASSIGNMENT = re.compile(r"^([A-Za-z_]\w*)[ \t]*=(?!=)", re.MULTILINE)


def _module_flags(blocks: Blocks, target: Version) -> dict[str, object]:
    """Names defined at module level from version tests: ``PY3 = sys.version_info[0] == 3``,
    ``_ver = sys.version_info``, ``py3k = py >= (3, 0, 0)``; a flag-like name defined from
    something else is unknown."""
    env: dict[str, object] = {}
    source = blocks.source
    for match in _MODULE_ASSIGNMENT.finditer(source.code):
        name, expression = match.group(1), source.text[match.end() : source.statement_end(match.end())]
        words = set(_WORD.findall(expression))
        flags = _FLAG.fullmatch(name) or any(_FLAG.fullmatch(word) for word in words)
        if not (flags or words & (_VERSION_WORDS | env.keys())):
            continue
        node = _parse(expression)
        state = _Evaluation(env, target)
        value = _value(node, state) if node is not None else UNKNOWN
        env[name] = value if state.used_version else UNKNOWN
    return env
