"""SMTP family: smtp (25), submission (587) and smtps (465), through smtplib.

Greeting, EHLO, STARTTLS when asked (then EHLO again: RFC 3207 says the client must forget
what it learnt before TLS), QUIT. Never MAIL, RCPT or DATA: a probe must not be able to
send mail, even by accident, so those commands appear nowhere in this module.
"""

from __future__ import annotations

import smtplib  # this module is imported only when an SMTP-family probe runs
from io import BufferedReader
from typing import TYPE_CHECKING, cast

from netref.probes import replies
from netref.probes.clients import GuardedClient
from netref.probes.session import GuardedSocket, Session
from netref.probes.values import ProbeFailure, printable

if TYPE_CHECKING:  # pragma: no cover - typing only
    from netref.probes.session import _SessionFile


def probe(session: Session) -> None:
    """Greet, EHLO (STARTTLS and EHLO again with ``--starttls``), QUIT."""
    guarded = session.client_socket()
    client = _GuardedSMTP(guarded)
    result = session.result
    try:
        code, _ = client.connect(session.host, session.port)
        result.greeting = printable(client.first_line)
        if code != 220:
            raise _greeting_failure(code, client.first_line)
        replies.name_software(session)
        replies.capabilities_around_tls(
            session, lambda: _ehlo(client), lambda listed: _start_tls(session, client, listed), _offers_starttls)
        replies.leave(client.quit, smtplib.SMTPException)
    except smtplib.SMTPServerDisconnected as exc:  # smtplib's word for EOF and for a reset
        how = "reset" if "reset" in str(exc).lower() else "closed"
        raise ProbeFailure("protocol", f"the server {how} the connection") from None
    except smtplib.SMTPResponseException as exc:  # smtplib's own "Line too long." and the like
        raise ProbeFailure("protocol", f"bad reply: {exc.smtp_code} {printable(exc.smtp_error)}") from None


class _GuardedSMTP(GuardedClient, smtplib.SMTP):
    """smtplib speaking through the session's guarded socket (see netref.probes.clients)."""

    first_line = b""  # the raw greeting line: smtplib's reply drops its first 4 bytes

    def __init__(self, guarded: GuardedSocket) -> None:
        super().__init__(guarded, local_hostname=_helo_name(guarded.getsockname()))  # no host: no connection

    def getreply(self) -> tuple[int, bytes]:
        if self.file is None:
            self.file = cast(BufferedReader, _FirstLineRecorder(self.guarded.makefile("rb"), self))
        return super().getreply()


class _FirstLineRecorder:
    """smtplib's reply file, keeping the first line whole for the report and the verdict."""

    def __init__(self, file: _SessionFile, client: _GuardedSMTP) -> None:
        self._file, self._client = file, client

    def readline(self, size: int = -1) -> bytes:
        line = cast(bytes, self._file.readline(size))  # a binary file
        if not self._client.first_line:
            self._client.first_line = line.rstrip(b"\r\n")
        return line

    def close(self) -> None:
        self._file.close()


def _helo_name(local_address: tuple[str, int] | tuple[str, int, int, int]) -> str:
    """The EHLO argument: our address as an RFC 5321 address literal.

    smtplib would call ``socket.getfqdn()``, a reverse DNS lookup that no deadline bounds.
    """
    address = local_address[0]
    return f"[IPv6:{address}]" if ":" in address else f"[{address}]"


def _greeting_failure(code: int, first_line: bytes) -> ProbeFailure:
    if code < 0:  # not even a three-digit code: another protocol, or garbage
        return replies.unexpected_reply("SMTP", first_line)
    text = printable(first_line)
    if 400 <= code < 600:  # 421 busy, 554 no service here
        return replies.refuses_service(f"{code} {text}")
    return ProbeFailure("protocol", f"unexpected SMTP greeting: {text}")  # the line holds its code


def _offers_starttls(capabilities: list[str]) -> bool:
    return replies.has_capability(capabilities, "STARTTLS")


def _ehlo(client: smtplib.SMTP) -> list[str]:
    """EHLO's extension lines, read whole (``250-STARTTLS`` may sit on any line).

    A server that refuses EHLO (pre-ESMTP) gets HELO, and then has no extensions.
    """
    code, reply = client.ehlo()
    if code == 250:
        return replies.capability_list(reply.decode("latin-1").split("\n")[1:])
    code, reply = client.helo()
    if code != 250:
        raise ProbeFailure("protocol", f"the server refused EHLO and HELO: {code} {printable(reply)}")
    return []


def _start_tls(session: Session, client: smtplib.SMTP, capabilities: list[str] | None) -> None:
    if not replies.has_capability(capabilities or [], "STARTTLS"):
        replies.leave(client.quit, smtplib.SMTPException)
        raise replies.upgrade_not_offered("STARTTLS", "EHLO", ", ".join(capabilities or []) or "no extensions")
    code, reply = client.docmd("STARTTLS")
    if code != 220:
        raise replies.upgrade_refused("STARTTLS", f"{code} {printable(reply)}")
    session.start_tls()
    # smtplib's own state from before TLS must go (as SMTP.starttls does it); its file reads
    # through the session, which start_tls has checked for plaintext behind the go-ahead.
    client.helo_resp = client.ehlo_resp = None
    client.esmtp_features = {}
    client.does_esmtp = False
