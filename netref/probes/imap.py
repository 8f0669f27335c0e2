"""IMAP family: imap (143, STARTTLS with ``--starttls``) and imaps (993), through imaplib.

Greeting, CAPABILITY, STARTTLS when asked (then CAPABILITY again: RFC 9051 says the client
must discard what it learnt before TLS), LOGOUT. No login, no mailbox selected.

Memory: imaplib reads a literal of whatever size the server announces (``{99999999999}``)
in one ``read``; the guarded socket's file refuses a read beyond the byte budget, so a
hostile server gets a ``protocol`` verdict instead of the probe's memory.
"""

from __future__ import annotations

import imaplib  # this module is imported only when an IMAP-family probe runs

from netref.probes import replies
from netref.probes.clients import GuardedClient
from netref.probes.session import GuardedSocket, Session
from netref.probes.values import ProbeFailure, printable


def probe(session: Session) -> None:
    """Greet and CAPABILITY (STARTTLS and CAPABILITY again with ``--starttls``), LOGOUT."""
    guarded = session.client_socket()
    result = session.result
    # Created, then initialised (imaplib greets and asks CAPABILITY in __init__), so that a
    # failed greeting can still be read from the half-made client.
    client = _GuardedIMAP4.__new__(_GuardedIMAP4)
    try:
        try:
            _GuardedIMAP4.__init__(client, guarded, session.host, session.port)
        except imaplib.IMAP4.error as exc:  # abort is a subclass
            if client.first_line:
                result.greeting = printable(client.first_line)
            raise _greeting_failure(client.first_line, exc) from None
        greeting = client.welcome.decode("latin-1")
        result.greeting = printable(greeting)
        replies.name_software(session)
        result.details["preauth"] = client.state == "AUTH"
        # imaplib asked CAPABILITY while greeting, and asks again itself after STARTTLS.
        replies.capabilities_around_tls(
            session, lambda: list(client.as_sent), lambda _: _start_tls(session, client), _offers_starttls)
        replies.leave(client.logout)
    except imaplib.IMAP4.error as exc:
        raise ProbeFailure("protocol", f"bad reply: {replies.client_error_text(exc)}") from None


#: The tag prefixes a probe's commands carry. imaplib draws one of 61,440 for each connection and
#: compiles the pattern of tagged responses for it: some 160 µs, more than a loopback exchange's
#: whole time. Kept to one of these (still picked by imaplib's draw), each pattern is compiled once
#: per process and then found in ``re``'s own cache.
TAG_PREFIXES = tuple(imaplib.Int2AP(number) for number in range(0xA000, 0xA010))


class _GuardedIMAP4(GuardedClient, imaplib.IMAP4):
    """imaplib speaking through the session's guarded socket (see netref.probes.clients)."""

    first_line: bytes | None = None
    as_sent: tuple[str, ...] = ()  # the capabilities as the server spelt them (imaplib upper-cases)
    _tls_established: bool  # imaplib's own flag, set after our STARTTLS (typeshed omits it)
    _tag_prefix = TAG_PREFIXES[0]

    @property  # type: ignore[override]  # typeshed says str; imaplib's prefix is bytes
    def tagpre(self) -> bytes:
        return self._tag_prefix

    @tagpre.setter
    def tagpre(self, drawn: bytes) -> None:
        """imaplib's random prefix, mapped onto :data:`TAG_PREFIXES` (see there)."""
        self._tag_prefix = TAG_PREFIXES[drawn[-1] % len(TAG_PREFIXES)]

    def __init__(self, guarded: GuardedSocket, host: str, port: int) -> None:
        super().__init__(guarded, host, port)  # greets and asks CAPABILITY

    def readline(self) -> bytes:  # below imaplib's own checks: sees even an unterminated line
        line = super().readline()
        if self.first_line is None:
            self.first_line = line
        return line

    def _get_capabilities(self) -> None:
        """imaplib's own, keeping the list as the server spelt it for the report
        (``IMAP4rev1``); imaplib's upper-cased copy stays what its own checks read."""
        _, data = self.capability()
        if data == [None] or not isinstance(data[-1], bytes):
            raise self.error("no CAPABILITY response from server")
        self.as_sent = tuple(data[-1].decode("latin-1").split())
        self.capabilities = tuple(word.upper() for word in self.as_sent)


def _greeting_failure(first_line: bytes | None, exc: Exception) -> ProbeFailure:
    if first_line is None or not first_line.strip():
        if "EOF" in str(exc):  # imaplib's "socket error: EOF"
            return replies.closed_before_greeting()
        return ProbeFailure("protocol", f"bad greeting: {replies.client_error_text(exc)}")  # e.g. a line over 1 MB
    line = first_line.decode("latin-1").rstrip("\r\n")
    if line.upper().startswith("* BYE"):
        return replies.refuses_service(printable(line))
    if not line.startswith("* "):
        return replies.unexpected_reply("IMAP", line)
    if "not IMAP4 compliant" in str(exc):
        return ProbeFailure("protocol", "the server does not announce IMAP4rev1 in CAPABILITY")
    return ProbeFailure("protocol", f"bad reply: {replies.client_error_text(exc)}")


def _offers_starttls(capabilities: list[str]) -> bool:
    return replies.has_capability(capabilities, "STARTTLS")


def _start_tls(session: Session, client: _GuardedIMAP4) -> None:
    if not replies.has_capability(list(client.capabilities), "STARTTLS"):
        replies.leave(client.logout)
        raise replies.upgrade_not_offered("STARTTLS", "CAPABILITY", " ".join(client.capabilities))
    try:
        status, data = client._simple_command("STARTTLS")
    except imaplib.IMAP4.error as exc:  # BAD, or a PREAUTH connection (no STARTTLS possible)
        raise replies.upgrade_refused("STARTTLS", replies.client_error_text(exc)) from None
    if status != "OK":
        raise replies.upgrade_refused("STARTTLS", f"{status} {printable(data[-1] or b'')}")
    session.start_tls()
    client._tls_established = True
    client._get_capabilities()
