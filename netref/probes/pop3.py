"""POP3 family: pop3 (110, STLS with ``--starttls``) and pop3s (995), through poplib.

Greeting, CAPA (RFC 2449), STLS when asked (RFC 2595; then CAPA again), QUIT. No login:
a probe never reads mail, and QUIT in the AUTHORIZATION state deletes nothing.
"""

from __future__ import annotations

import poplib  # this module is imported only when a POP3-family probe runs
from typing import TYPE_CHECKING

from netref.probes import replies
from netref.probes.clients import GuardedClient
from netref.probes.session import GuardedSocket, Session
from netref.probes.values import ProbeFailure, printable


def probe(session: Session) -> None:
    """Greet, CAPA (STLS and CAPA again with ``--starttls``), QUIT."""
    guarded = session.client_socket()
    result = session.result
    try:
        try:
            client = _GuardedPOP3(guarded, session.host, session.port)
        except poplib.error_proto as exc:
            raise _greeting_failure(exc) from None
        greeting = client.getwelcome().decode("latin-1")
        result.greeting = printable(greeting)
        capabilities = replies.capabilities_around_tls(
            session, lambda: _capa(client), lambda listed: _start_tls(session, client, listed), _offers_stls)
        result.details["capa_supported"] = capabilities is not None
        replies.name_software(session, result.capabilities)
        replies.leave(client.quit, poplib.error_proto)
    except poplib.error_proto as exc:
        raise ProbeFailure("protocol", f"bad reply: {replies.client_error_text(exc)}") from None


class _GuardedPOP3(GuardedClient, poplib.POP3):
    """poplib speaking through the session's guarded socket (see netref.probes.clients)."""

    _tls_established: bool  # poplib's own flag, set after our STLS (typeshed omits it)

    def __init__(self, guarded: GuardedSocket, host: str, port: int) -> None:
        super().__init__(guarded, host, port)  # reads the greeting through the guarded socket

    if TYPE_CHECKING:  # pragma: no cover - poplib's one-line command, which typeshed omits

        def _shortcmd(self, line: str) -> bytes: ...


def _greeting_failure(exc: Exception) -> ProbeFailure:
    raw = exc.args[0] if exc.args else b""
    text = replies.client_error_text(exc)
    if text.startswith("-ERR"):
        if text == "-ERR EOF":  # poplib's word for a connection closed before the greeting
            return replies.closed_before_greeting()
        return replies.refuses_service(text)
    if text == "line too long":
        return ProbeFailure("protocol", "the greeting is longer than a POP3 line may be")
    return replies.unexpected_reply("POP3", raw if isinstance(raw, bytes) else text)


def _capa(client: poplib.POP3) -> list[str] | None:
    """CAPA's list as ``NAME args`` lines, or None for a server without CAPA (RFC 1939 only)."""
    try:
        capa = client.capa()
    except poplib.error_proto as exc:
        if replies.client_error_text(exc).startswith("-ERR"):
            return None
        raise
    return replies.capability_list([" ".join([name, *args]) for name, args in capa.items()])


def _offers_stls(capabilities: list[str]) -> bool:
    return replies.has_capability(capabilities, "STLS")


def _start_tls(session: Session, client: _GuardedPOP3, capabilities: list[str] | None) -> None:
    """STLS, unless CAPA answered and does not list it (a server without CAPA may still
    know STLS: its answer decides)."""
    if capabilities is not None and not replies.has_capability(capabilities, "STLS"):
        replies.leave(client.quit, poplib.error_proto)
        raise replies.upgrade_not_offered("STLS", "CAPA", ", ".join(capabilities) or "nothing")
    try:
        client._shortcmd("STLS")
    except poplib.error_proto as exc:
        raise replies.upgrade_refused("STLS", replies.client_error_text(exc)) from None
    session.start_tls()
    client._tls_established = True
