"""What is wrong with a file as a whole, as ruff's E902 and E999 say it: not text, not in its
encoding, or not Python that parses (NR900, NR902, NR901).

These checks run on every file the scan reads, so each starts with a byte-level test that costs
microseconds, and the expensive verdict (Python's own parser) is asked only where that test
suspects something:

- **NR900 binary**: a NUL byte. No Python source holds one (the compiler refuses it).
- **NR902 encoding guessed**: bytes that are not valid in the file's encoding (its PEP 263 coding
  line or BOM, else UTF-8), or a coding line naming a codec Python does not know. The scan reads
  such a file as Latin-1 (Python 2 files often are Latin-1 without saying so) and says so: Python 3
  refuses the file as it is, and ``--fix`` leaves it alone.
- **NR901 syntax error**: Python's parser (``ast.parse``, for the target's grammar where the
  running interpreter knows it; targets 3.7 and later) refuses the file. It is asked about every
  file named on the command line, and, below a directory, about a file whose code leaves a bracket unclosed, or holds a
  merge-conflict marker — the signature of a truncated write or a bad merge.
  Parsing every file of a tree would cost more than the whole scan (about 2 ms a file); other
  syntax errors in files found by a walk are ruff's E999's to find.
"""

from __future__ import annotations

import ast
import re
import warnings

from netref.check.lexer import STRINGS_AND_COMMENTS
from netref.versions import Version, running_version

_BRACKETS = b"()[]{}"
_NOT_BRACKETS = bytes(byte for byte in range(256) if byte not in _BRACKETS)
_STRINGS_AND_COMMENTS_BYTES = re.compile(STRINGS_AND_COMMENTS.pattern.encode(), STRINGS_AND_COMMENTS.flags & ~re.U)
_CONFLICT_MARKER = re.compile(rb"^(?:<{7}|>{7}) ", re.MULTILINE)
# ast.parse(feature_version=...) accepts 3.7 and later (the lowest 3.13 documents): older targets get no
# NR901, since 3.7's grammar refuses what 3.6 accepted (async and await as names).
OLDEST_GRAMMAR = (3, 7)


def binary_line(data: bytes) -> int | None:
    """The line of the first NUL byte, or None: a file holding one is not Python source."""
    at = data.find(b"\0")
    return None if at < 0 else data.count(b"\n", 0, at) + 1


def unclosed(data: bytes) -> bool:
    """Whether the raw bytes open more brackets of a kind than they close (one C-speed pass; strings
    and comments may explain it). A file cut short leaves brackets open; a stray closing bracket is
    rarer, and brackets in docstrings would make the test fire on too many files to stay cheap."""
    kept = data.translate(None, _NOT_BRACKETS)
    return kept.count(b"(") > kept.count(b")") or kept.count(b"[") > kept.count(b"]") or (
        kept.count(b"{") > kept.count(b"}"))  # fmt: skip


def might_not_parse(data: bytes, code: str | None = None) -> bool:
    """Cheap evidence that a file does not parse: a bracket left unclosed outside strings and comments
    (``code`` is the file's blanked code when the scan has it), or a merge-conflict marker."""
    if (b"<<<<<<< " in data or b">>>>>>> " in data) and _CONFLICT_MARKER.search(data):  # a C search first
        return True
    if not unclosed(data):
        return False
    if code is not None:
        return any(code.count(opening) > code.count(closing) for opening, closing in ("()", "[]", "{}"))
    return unclosed(_STRINGS_AND_COMMENTS_BYTES.sub(b"", data))


def syntax_error(text: str, path: str, target: Version) -> tuple[int, int, str] | None:
    """(line, column, message) of Python's verdict on ``text`` for ``target``, or None if it parses.

    The grammar is the target's where the running Python knows it (``feature_version``); a target
    newer than the running Python is parsed with the running Python's grammar, so syntax newer than
    it is refused (run netref on a Python at least as new as the target). The message is the
    parser's own, the same whichever Python runs netref.
    """
    running = running_version()
    grammar = max(min(target, running), OLDEST_GRAMMAR)  # the scanner asks only for targets >= 3.7
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            ast.parse(text, path, feature_version=grammar)
        except SyntaxError as error:
            return error.lineno or 1, max(error.offset or 1, 1), error.msg
        except (ValueError, RecursionError, MemoryError) as error:  # null bytes; absurd nesting
            return 1, 1, str(error) or type(error).__name__
    return None


def guessed_encoding(problem: str, data: bytes) -> str:
    """The NR902 message for a file whose text is not its own (``decode_source``'s reason)."""
    try:
        read_as = "UTF-8" if not problem.startswith("line ") and data.decode("utf-8") is not None else "Latin-1"
    except UnicodeDecodeError:
        read_as = "Latin-1"
    return (
        f"encoding guessed: {problem}; read as {read_as} (Python refuses the file: declare its encoding, or save"
        " it as UTF-8)"
    )


__all__ = ["OLDEST_GRAMMAR", "binary_line", "guessed_encoding", "might_not_parse", "syntax_error", "unclosed"]
