"""FTP family: ftp (21; explicit TLS with ``--starttls`` = AUTH TLS) and ftps (990, implicit).

Greeting, FEAT (RFC 2389), AUTH TLS when asked (RFC 4217; then FEAT again), a login only
when ``--user`` is given, QUIT. No data connection is ever opened. The password is sent
only over TLS unless ``allow_plaintext_auth``; an anonymous login (no password of its own)
may go in the clear.
"""

from __future__ import annotations

import ftplib  # this module is imported only when an FTP-family probe runs (or asks for --user)
from typing import TextIO, cast

from netref.probes import replies
from netref.probes.clients import GuardedClient
from netref.probes.session import GuardedSocket, Session
from netref.probes.values import ProbeFailure, printable

#: User names that log in without a secret (RFC 1635): their "password" is a courtesy.
ANONYMOUS_USERS = ("anonymous", "ftp")


def needs_password(user: str) -> bool:
    """Whether logging in as ``user`` takes a secret (so the CLI asks for one).

    A family that can log in defines this; ``--user`` on any other family is a usage error.
    """
    return user.lower() not in ANONYMOUS_USERS


def probe(session: Session) -> None:
    """Greet, FEAT (AUTH TLS and FEAT again with ``--starttls``), log in with ``--user``, QUIT."""
    client = _GuardedFTP(session.client_socket(), session.host, session.port)
    result = session.result
    try:
        welcome = _greeting(client)
        first_line = welcome.split("\n")[0]
        result.greeting = printable(first_line)
        replies.name_software(session)
        features = replies.capabilities_around_tls(
            session, lambda: _feat(client), lambda listed: _auth_tls(session, client, listed), _offers_auth_tls)
        result.details["feat_supported"] = features is not None
        if session.options.user is not None:
            _login(session, client)
        replies.leave(client.quit, ftplib.Error)
    except ftplib.Error as exc:
        raise ProbeFailure("protocol", f"bad reply: {_scrub(str(exc), session)}") from None


class _GuardedFTP(GuardedClient, ftplib.FTP):
    """ftplib speaking through the session's guarded socket (see netref.probes.clients)."""

    def __init__(self, guarded: GuardedSocket, host: str, port: int) -> None:
        super().__init__(guarded)  # no host: it must not open a connection of its own
        self.host, self.port = host, port  # what FTP.connect would set, without connecting
        self.sock, self.af = self._guarded_socket(), guarded.family
        # errors="replace": binary garbage from a broken server becomes a verdict, not a crash.
        self.file = cast(TextIO, guarded.makefile("r", encoding=self.encoding, errors="replace"))


def _greeting(client: ftplib.FTP) -> str:
    """The 220 welcome, after any ``120 ready in N minutes`` preliminaries."""
    while True:
        try:
            reply = client.getresp()
        except EOFError:
            raise replies.closed_before_greeting() from None
        except (ftplib.error_temp, ftplib.error_perm) as exc:  # 421 too many users, 530 ...
            if not _is_reply(str(exc)):  # ftplib judges by the first character alone
                raise replies.unexpected_reply("FTP", str(exc)) from None
            raise replies.refuses_service(printable(str(exc))) from None
        except ftplib.error_proto as exc:  # no 1xx-3xx code at all
            raise replies.unexpected_reply("FTP", str(exc)) from None
        except ftplib.Error as exc:  # ftplib's "got more than 8192 bytes"
            raise ProbeFailure("protocol", f"bad greeting: {printable(str(exc))}") from None
        if not reply.startswith("1"):
            break
    if not reply.startswith("220") or not _is_reply(reply):
        raise replies.unexpected_reply("FTP", reply)
    client.welcome = reply
    return reply


def _is_reply(text: str) -> bool:
    """An FTP reply line: three digits, then a space or a hyphen (RFC 959 §4.2)."""
    return len(text) >= 4 and text[:3].isdigit() and text[3] in " -"


def _feat(client: ftplib.FTP) -> list[str] | None:
    """FEAT's feature lines, or None for a server without FEAT (RFC 959 only)."""
    try:
        reply = client.sendcmd("FEAT")
    except (ftplib.error_perm, ftplib.error_temp):
        return None
    return replies.capability_list(reply.split("\n")[1:-1])


def _auth_tls(session: Session, client: ftplib.FTP, features: list[str] | None) -> None:
    """AUTH TLS, unless FEAT answered and lists no AUTH TLS (a server without FEAT may
    still know AUTH: its answer decides)."""
    if features is not None and not _offers_auth_tls(features):
        replies.leave(client.quit, ftplib.Error)
        raise replies.upgrade_not_offered("AUTH TLS", "FEAT", ", ".join(features) or "nothing")
    try:
        reply = client.sendcmd("AUTH TLS")
    except ftplib.Error as exc:
        raise replies.upgrade_refused("AUTH TLS", printable(str(exc))) from None
    if not reply.startswith("234"):
        raise replies.upgrade_refused("AUTH TLS", printable(reply))
    session.start_tls()


def _offers_auth_tls(features: list[str]) -> bool:
    """``AUTH TLS`` as FEAT lists it: alone, or among others (``AUTH TLS;TLS-C;SSL``)."""
    for feature in features:
        name, _, mechanisms = feature.upper().partition(" ")
        if name == "AUTH" and "TLS" in mechanisms.replace(";", " ").replace(",", " ").split():
            return True
    return False


def _login(session: Session, client: ftplib.FTP) -> None:
    """USER/PASS, but never a password in the clear unless the user allowed it."""
    options = session.options
    user = options.user or "anonymous"
    password = options.password or ""
    anonymous = not needs_password(user) and not options.password
    if not (session.tls_active or anonymous or options.allow_plaintext_auth):
        raise ProbeFailure(
            "tls",
            "refusing to send a password without TLS: use --starttls (AUTH TLS) or ftps, "
            "or --allow-plaintext-auth",
        )
    try:
        reply = client.login(user, password)
    except ftplib.Error as exc:
        raise ProbeFailure("protocol", f"login refused: {_scrub(str(exc), session)}") from None
    session.result.details["login"] = {"user": user, "reply": _scrub(reply, session)}
    session.result.message = f"logged in as {user}"


def _scrub(text: str, session: Session) -> str:
    """One display line with the password blanked out, in case a server echoes it."""
    password = session.options.password
    if password:
        text = text.replace(password, "******")
    return printable(text.split("\n")[0])
