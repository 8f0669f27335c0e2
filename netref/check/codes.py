"""The finding codes of ``netref check``: stable, documented (docs/check.md), never reused.

NR1xx are about modules (one code per catalogue status, plus Python 2 attributes that moved),
NR2xx the two porting bugs of tutorial socket code, NR3xx the file's syntax, NR9xx the file itself.
Each rule family declares its own codes (see :mod:`netref.check.rules`); only the scanner's own
codes, NR900-NR902, are declared here.
"""

from __future__ import annotations

from collections.abc import Iterable

from netref.check.registry import Code, registered

# The scanner's own codes, about a file as a whole (netref.check.filelevel), as ruff's E902 and E999.
UNREADABLE = Code("NR900", kind="unreadable", title="file could not be read, or is binary (not Python source)")
SYNTAX_ERROR = Code("NR901", kind="syntax-error", title="file does not parse as Python")
ENCODING_GUESSED = Code("NR902", kind="encoding-guessed", title="file is not valid in its encoding: netref guessed one")
FILE_CODES = (UNREADABLE, SYNTAX_ERROR, ENCODING_GUESSED)

CODES: dict[str, Code] = {
    code.code: code
    for code in sorted((*FILE_CODES, *(code for rule in registered() for code in rule.codes)), key=lambda c: c.code)
}


def enabled_codes(
    select: Iterable[str] = (), ignore: Iterable[str] = (), extend_select: Iterable[str] = ()
) -> frozenset[str]:
    """The codes to report. Entries are code prefixes, as linters take them (``NR1`` = NR101..NR105).

    ``select`` replaces the default codes; ``extend_select`` adds to them (or to ``select``), as
    ruff's ``--extend-select`` does; ``ignore`` takes codes away from both. An opt-in code is
    reported only when an entry at least as narrow as its family (``NR4``, ``NR401``) selects it:
    ``--select NR`` keeps to the default codes. Raises ValueError (one line) for an entry that is
    no prefix of any code.
    """
    selected, ignored, extended = tuple(_prefixes(select)), tuple(_prefixes(ignore)), tuple(_prefixes(extend_select))
    chosen = _chosen(selected, default=not selected) | (_chosen(extended, default=False) if extended else set())
    return frozenset(code for code in chosen if not code.startswith(ignored))


def _chosen(prefixes: tuple[str, ...], default: bool) -> set[str]:
    """The codes ``prefixes`` select (every default code when ``default``)."""
    narrow = tuple(prefix for prefix in prefixes if len(prefix) >= len("NR4"))
    return {
        code for code, declared in CODES.items()
        if (code.startswith(narrow) if declared.opt_in else default or code.startswith(prefixes))
    }  # fmt: skip


def _prefixes(entries: Iterable[str]) -> list[str]:
    prefixes = [part.strip().upper() for entry in entries for part in entry.split(",") if part.strip()]
    for prefix in prefixes:
        if not any(code.startswith(prefix) for code in CODES):
            raise ValueError(f"unknown code {prefix!r} (codes: {', '.join(CODES)}; prefixes such as NR1 work too)")
    return prefixes
