"""A lexical view of Python source that works for Python 2 and Python 3 alike.

The scanner must read Python 2 files (``print "x"``, backticks) that no Python 3 parser accepts,
and must be fast on large trees, so it never parses a whole file. Instead :class:`Source` blanks
out every string and comment — keeping quotes, newlines and offsets — which leaves "code" in which
a regex can find ``import`` statements and method calls without being fooled by docstrings.
Single statements found there are then parsed on their own with :mod:`ast`.
"""

from __future__ import annotations

import io
import re

# Comments and string literals (any prefix, single or triple quoted). An unterminated string
# ends at its line (or the file), as tokenizers recover.
STRINGS_AND_COMMENTS = re.compile(
    r"""
      \#[^\n]*
    | '''[^'\\]*(?:(?:\\.|'(?!''))[^'\\]*)*(?:'''|\Z)
    | \"\"\"[^"\\]*(?:(?:\\.|"(?!""))[^"\\]*)*(?:\"\"\"|\Z)
    | '[^'\\\n]*(?:\\.[^'\\\n]*)*(?:'|(?=\n)|\Z)
    | "[^"\\\n]*(?:\\.[^"\\\n]*)*(?:"|(?=\n)|\Z)
    """,
    re.VERBOSE | re.DOTALL,
)
_NOT_NEWLINE = re.compile(r"[^\n]")


def decode(data: bytes) -> str:
    """Source bytes as text: the PEP 263 cookie or BOM, else UTF-8, else Latin-1 (never fails).

    Python 2 files often are Latin-1 without saying so; reading them anyway beats reporting them.
    """
    return decode_source(data)[0]


def decode_source(data: bytes) -> tuple[str, str | None]:
    """The text of :func:`decode`, and why it is not the file's own text (None when it is): an
    unknown codec in the coding cookie, or bytes that are invalid in the file's encoding. Such a
    file is read for the check, but cannot be written back faithfully, so ``--fix`` leaves it alone.
    """
    from tokenize import detect_encoding

    try:
        encoding, _ = detect_encoding(io.BytesIO(data).readline)
    except SyntaxError as error:  # "unknown encoding: bogus-codec", or a BOM that contradicts the cookie
        message = str(error.msg)
        if message.startswith("unknown encoding: "):
            problem = f"its coding cookie names an unknown encoding, {message.split(': ', 1)[1]!r}"
        elif message.startswith("invalid or missing encoding declaration"):  # no cookie, not UTF-8 up front
            problem = f"{_first_invalid_utf8(data)} is not valid UTF-8 and no coding line declares another one"
        else:
            problem = f"its encoding declaration is unusable ({message})"
        return _lenient(data), problem
    try:
        return data.decode(encoding), None
    except (UnicodeDecodeError, LookupError) as error:
        start = error.start if isinstance(error, UnicodeDecodeError) else 0
        line = data.count(b"\n", 0, start) + 1
        if encoding == "utf-8":
            return data.decode("latin-1"), f"line {line} is not valid UTF-8 and no coding line declares another one"
        return data.decode("latin-1"), f"line {line} is not valid {encoding}, the encoding its coding line declares"


def _first_invalid_utf8(data: bytes) -> str:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as error:
        line = data.count(b"\n", 0, error.start) + 1
        return f"line {line}"
    return "line 1"


def _lenient(data: bytes) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("latin-1")


def _blank(match: re.Match[str]) -> str:
    token = match.group()
    first, size = token[0], len(token)
    if first == "#":
        return " " * size
    if size >= 2 and token[-1] == first and token[:3] != first * 3 and "\n" not in token:
        return first + " " * (size - 2) + first  # the common case: a closed one-line string
    quote = token[:3] if token[:3] in ("'''", '"""') else token[0]
    closed = len(token) >= 2 * len(quote) and token.endswith(quote)
    inner = token[len(quote) : len(token) - len(quote) if closed else len(token)]
    blank = " " * len(inner) if "\n" not in inner else _NOT_NEWLINE.sub(" ", inner)
    return quote + blank + (quote if closed else "")


class Source:
    """Text plus its ``code``: the same text with string contents and comments replaced by spaces."""

    def __init__(self, text: str):
        self.text = text
        self.code = STRINGS_AND_COMMENTS.sub(_blank, text)

    def position(self, offset: int) -> tuple[int, int]:
        """1-based line and column (in characters) of ``offset``."""
        line_start = self.text.rfind("\n", 0, offset) + 1
        return self.text.count("\n", 0, offset) + 1, offset - line_start + 1

    def line_start(self, offset: int) -> int:
        return self.code.rfind("\n", 0, offset) + 1

    def line_end(self, offset: int) -> int:
        end = self.code.find("\n", offset)
        return len(self.code) if end < 0 else end

    def depth(self, offset: int) -> int:
        """How many brackets are open at ``offset`` (strings and comments do not count)."""
        code = self.code
        return sum(code.count(o, 0, offset) - code.count(c, 0, offset) for o, c in ("()", "[]", "{}"))

    def previous_code_line(self, offset: int) -> str:
        """The nearest non-blank line of code before the line holding ``offset``, stripped."""
        end = self.line_start(offset) - 1
        while end > 0:
            start = self.code.rfind("\n", 0, end) + 1
            line = self.code[start:end].strip()
            if line:
                return line
            end = start - 1
        return ""

    def string_end(self, offset: int) -> int:
        """End of the string literal whose opening quote is at ``offset``."""
        match = STRINGS_AND_COMMENTS.match(self.text, offset)
        return match.end() if match else offset + 1

    def statement_end(self, start: int, limit: int = 20_000) -> int:
        """End of the simple statement starting at ``start``: newline or ``;`` outside brackets."""
        code, depth, i = self.code, 0, start
        stop = min(len(code), start + limit)
        while i < stop:
            char = code[i]
            if char in "([{":
                depth += 1
            elif char in ")]}":
                depth -= 1
            elif char == "\\" and code.startswith("\n", i + 1 + (code[i + 1 : i + 2] == "\r")):
                i += 3 if code[i + 1] == "\r" else 2
                continue
            elif char in "\n;" and depth <= 0:
                break
            i += 1
        return i


def offset_in(text: str, lineno: int, byte_col: int) -> int:
    """Offset in ``text`` of an :mod:`ast` position (1-based line, UTF-8 byte column)."""
    start = 0
    for _ in range(lineno - 1):
        start = text.index("\n", start) + 1
    end = text.find("\n", start)
    line = text[start : len(text) if end < 0 else end]
    if line.isascii():
        return start + byte_col
    return start + len(line.encode("utf-8")[:byte_col].decode("utf-8", "ignore"))
