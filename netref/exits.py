"""The exit codes netref's commands leave with, in one place (README.md, "Exit codes").

``probe`` and ``scan`` tell failures apart as curl does, so that a script can branch on the cause:
the codes are curl's for the same causes (6 could not resolve host, 7 failed to connect, 8 weird
server reply, 28 operation timed out, 35 TLS connect error, 60 peer certificate cannot be
authenticated). A probe's failure category (:data:`netref.probes.values.CATEGORIES`) maps to one
of them here and nowhere else; with several hosts a command leaves with the code of the first
host, in input order, that failed. ``--format nagios`` keeps the monitoring-plugin codes 0-3.

Imports nothing: the CLI reads it on every start.
"""

from __future__ import annotations

from collections.abc import Iterable

EXIT_OK = 0
EXIT_FAILED = 1  # nothing found, findings, or a failure without a code of its own
EXIT_USAGE = 2
EXIT_UNKNOWN = 3  # --format nagios: UNKNOWN
EXIT_DNS = 6
EXIT_CONNECT = 7
EXIT_PROTOCOL = 8
EXIT_TIMEOUT = 28
EXIT_TLS = 35
EXIT_CERTIFICATE = 60
EXIT_INTERRUPTED = 130  # 128 + SIGINT, as shells report Ctrl-C

#: A probe's failure category → its exit code (curl's code for the same cause).
BY_CATEGORY: dict[str, int] = {
    "dns": EXIT_DNS,
    "refused": EXIT_CONNECT,
    "protocol": EXIT_PROTOCOL,
    "timeout": EXIT_TIMEOUT,
    "tls": EXIT_TLS,
    "certificate": EXIT_CERTIFICATE,
}

#: (code, meaning) for ``--help`` and the docs: what probe and scan leave with.
PROBE_CODES: tuple[tuple[int, str], ...] = (
    (EXIT_OK, "ok"),
    (EXIT_FAILED, "other failure"),
    (EXIT_USAGE, "usage error"),
    (EXIT_DNS, "name resolution"),
    (EXIT_CONNECT, "connection refused or unreachable"),
    (EXIT_PROTOCOL, "protocol: the server answered wrongly"),
    (EXIT_TIMEOUT, "timeout"),
    (EXIT_TLS, "TLS handshake"),
    (EXIT_CERTIFICATE, "certificate verification"),
)


def failure_code(category: str | None) -> int:
    """The exit code of a failure of ``category`` (1 for one without a category of its own)."""
    return BY_CATEGORY.get(category or "", EXIT_FAILED)


def first_failure(outcomes: Iterable[tuple[bool, str | None]]) -> int:
    """0 when every (ok, category) is ok, else the code of the first that is not, in the order given."""
    for ok, category in outcomes:
        if not ok:
            return failure_code(category)
    return EXIT_OK


def codes_text() -> str:
    """The codes as one sentence, for a command's ``--help``."""
    return "; ".join(f"{code} {meaning}" for code, meaning in PROBE_CODES)
