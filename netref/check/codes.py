"""The finding codes of ``netref check``: stable, documented (README, "netref check"), never reused.

NR1xx are about modules (one code per catalogue status, plus Python 2 attributes that moved),
NR2xx the two porting bugs of tutorial socket code, NR3xx the file's syntax, NR9xx the file itself.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class Code:
    code: str
    kind: str
    title: str


CODES: dict[str, Code] = {
    code.code: code
    for code in (
        Code("NR101", "renamed", "module renamed on the target Python (Python 2 name)"),
        Code("NR102", "deprecated", "module deprecated on the target Python"),
        Code("NR103", "removed", "module removed on the target Python"),
        Code("NR104", "moved-attribute", "Python 2 attribute of urllib/urllib2 that moved to another module"),
        Code("NR105", "not-yet", "module does not exist yet on the target Python"),
        Code("NR201", "str-send", "str literal passed to a socket's send/sendall/sendto (Python 3 sends bytes)"),
        Code("NR202", "uncalled-method", "method named but not called, as a statement (s.close)"),
        Code("NR301", "python2-syntax", "file is Python 2 syntax (does not parse as Python 3)"),
        Code("NR900", "unreadable", "file could not be read"),
    )
}

CODE_FOR_STATUS = {code.kind: code.code for code in CODES.values() if code.code.startswith("NR1")}
MODULE_CODES = tuple(code for code in CODES if code.startswith("NR1"))


def enabled_codes(select: Iterable[str] = (), ignore: Iterable[str] = ()) -> frozenset[str]:
    """The codes to report. Entries are code prefixes, as linters take them (``NR1`` = NR101..NR105).

    Raises ValueError (one line) for an entry that is no prefix of any code.
    """
    select, ignore = _prefixes(select), _prefixes(ignore)
    chosen = {code for code in CODES if not select or code.startswith(tuple(select))}
    return frozenset(code for code in chosen if not code.startswith(tuple(ignore)))


def _prefixes(entries: Iterable[str]) -> list[str]:
    prefixes = [part.strip().upper() for entry in entries for part in entry.split(",") if part.strip()]
    for prefix in prefixes:
        if not any(code.startswith(prefix) for code in CODES):
            raise ValueError(f"unknown code {prefix!r} (codes: {', '.join(CODES)}; prefixes such as NR1 work too)")
    return prefixes
