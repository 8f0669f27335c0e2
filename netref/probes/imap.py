"""IMAP family: imap (143, STARTTLS with ``--starttls``) and imaps (993), through imaplib.

Greeting, CAPABILITY, STARTTLS when asked (then CAPABILITY again: RFC 9051 says the client
must discard what it learnt before TLS), LOGOUT. No login, no mailbox selected.

Memory: imaplib reads a literal of whatever size the server announces (``{99999999999}``)
in one ``read``; the guarded socket's file refuses a read beyond the byte budget, so a
hostile server gets a ``protocol`` verdict instead of the probe's memory.
"""

from __future__ import annotations

import imaplib  # this module is imported only when an IMAP-family probe runs

from netref.probes.base import GuardedSocket, ProbeFailure, Session, printable
from netref.probes.replies import (
    capabilities_around_tls,
    has_capability,
    leave,
    software_from_greeting,
    unexpected_reply,
)


def probe(session: Session) -> None:
    """Greet and CAPABILITY (STARTTLS and CAPABILITY again with ``--starttls``), LOGOUT."""
    guarded = session.client_socket()
    result = session.result
    # Created, then initialised (imaplib greets and asks CAPABILITY in __init__), so that a
    # failed greeting can still be read from the half-made client.
    client = _GuardedIMAP4.__new__(_GuardedIMAP4)
    try:
        try:
            client.__init__(guarded, session.host, session.port)
        except imaplib.IMAP4.error as exc:  # abort is a subclass
            if client.first_line:
                result.greeting = printable(client.first_line)
            raise _greeting_failure(client.first_line, exc) from None
        greeting = client.welcome.decode("latin-1")
        result.greeting = printable(greeting)
        result.server_software = software_from_greeting(greeting[4:])
        result.details["preauth"] = client.state == "AUTH"
        # imaplib asked CAPABILITY while greeting, and asks again itself after STARTTLS.
        capabilities_around_tls(
            session, lambda: list(client.capabilities), lambda _: _start_tls(session, client))
        result.details["starttls_offered"] = has_capability(result.capabilities, "STARTTLS")
        leave(client.logout)
    except imaplib.IMAP4.error as exc:
        raise ProbeFailure("protocol", f"bad reply: {_text(exc)}") from None


class _GuardedIMAP4(imaplib.IMAP4):
    """imaplib speaking through the session's guarded socket (the recipe in base.py): never
    a connection of its own. Defined once, not per probe (a class costs to build)."""

    first_line: bytes | None = None

    def __init__(self, guarded: GuardedSocket, host: str, port: int) -> None:
        self.guarded = guarded
        super().__init__(host, port)  # greets and asks CAPABILITY

    def _create_socket(self, timeout):
        return self.guarded

    def readline(self):  # below imaplib's own checks: sees even an unterminated line
        line = super().readline()
        if self.first_line is None:
            self.first_line = line
        return line


def _text(exc: Exception) -> str:
    return printable(str(exc.args[0]) if exc.args else type(exc).__name__)


def _greeting_failure(first_line: bytes | None, exc: Exception) -> ProbeFailure:
    if first_line is None or not first_line.strip():
        if "EOF" in str(exc):  # imaplib's "socket error: EOF"
            return ProbeFailure("protocol", "the server closed the connection before its greeting")
        return ProbeFailure("protocol", f"bad greeting: {_text(exc)}")  # e.g. a line over 1 MB
    line = first_line.decode("latin-1").rstrip("\r\n")
    if line.upper().startswith("* BYE"):
        return ProbeFailure("protocol", f"the server refuses service: {printable(line)}")
    if not line.startswith("* "):
        return unexpected_reply("IMAP", line)
    if "not IMAP4 compliant" in str(exc):
        return ProbeFailure("protocol", "the server does not announce IMAP4rev1 in CAPABILITY")
    return ProbeFailure("protocol", f"bad reply: {_text(exc)}")


def _start_tls(session: Session, client) -> None:
    if not has_capability(list(client.capabilities), "STARTTLS"):
        leave(client.logout)
        raise ProbeFailure("tls", f"server does not offer STARTTLS (CAPABILITY lists: {' '.join(client.capabilities)})")
    try:
        status, data = client._simple_command("STARTTLS")
    except imaplib.IMAP4.error as exc:  # BAD, or a PREAUTH connection (no STARTTLS possible)
        raise ProbeFailure("tls", f"server refused STARTTLS: {_text(exc)}") from None
    if status != "OK":
        raise ProbeFailure("tls", f"server refused STARTTLS: {status} {printable(data[-1] or b'')}")
    session.start_tls()
    client._tls_established = True
    client._get_capabilities()
