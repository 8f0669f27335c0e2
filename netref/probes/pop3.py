"""POP3 family: pop3 (110, STLS with ``--starttls``) and pop3s (995), through poplib.

Greeting, CAPA (RFC 2449), STLS when asked (RFC 2595; then CAPA again), QUIT. No login:
a probe never reads mail, and QUIT in the AUTHORIZATION state deletes nothing.
"""

from __future__ import annotations

import poplib  # this module is imported only when a POP3-family probe runs

from netref.probes.base import GuardedSocket, ProbeFailure, Session, printable
from netref.probes.replies import (
    capabilities_around_tls,
    capability_list,
    has_capability,
    implementation,
    leave,
    software_from_greeting,
    unexpected_reply,
)


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
        capabilities = capabilities_around_tls(
            session, lambda: _capa(client), lambda listed: _start_tls(session, client, listed))
        result.details["capa_supported"] = capabilities is not None
        result.server_software = implementation(result.capabilities) or software_from_greeting(greeting[3:])
        leave(client.quit, poplib.error_proto)
    except poplib.error_proto as exc:
        raise ProbeFailure("protocol", f"bad reply: {_text(exc)}") from None


class _GuardedPOP3(poplib.POP3):
    """poplib speaking through the session's guarded socket (the recipe in base.py): never
    a connection of its own. Defined once, not per probe (a class costs to build)."""

    def __init__(self, guarded: GuardedSocket, host: str, port: int) -> None:
        self.guarded = guarded
        super().__init__(host, port)  # reads the greeting through _create_socket's socket

    def _create_socket(self, timeout):
        return self.guarded


def _greeting_failure(exc: Exception) -> ProbeFailure:
    raw = exc.args[0] if exc.args else b""
    text = _text(exc)
    if text.startswith("-ERR"):
        if text == "-ERR EOF":  # poplib's word for a connection closed before the greeting
            return ProbeFailure("protocol", "the server closed the connection before its greeting")
        return ProbeFailure("protocol", f"the server refuses service: {text}")
    if text == "line too long":
        return ProbeFailure("protocol", "the greeting is longer than a POP3 line may be")
    return unexpected_reply("POP3", raw if isinstance(raw, bytes) else text)


def _text(exc: Exception) -> str:
    detail = exc.args[0] if exc.args else ""
    return printable(detail.decode("latin-1") if isinstance(detail, bytes) else str(detail))


def _capa(client) -> list[str] | None:
    """CAPA's list as ``NAME args`` lines, or None for a server without CAPA (RFC 1939 only)."""
    try:
        capa = client.capa()
    except poplib.error_proto as exc:
        if _text(exc).startswith("-ERR"):
            return None
        raise
    return capability_list([" ".join([name, *args]) for name, args in capa.items()])


def _start_tls(session: Session, client, capabilities: list[str] | None) -> None:
    """STLS, unless CAPA answered and does not list it (a server without CAPA may still
    know STLS: its answer decides)."""
    if capabilities is not None and not has_capability(capabilities, "STLS"):
        leave(client.quit, poplib.error_proto)
        raise ProbeFailure("tls", f"server does not offer STLS (CAPA lists: {', '.join(capabilities) or 'nothing'})")
    try:
        client._shortcmd("STLS")
    except poplib.error_proto as exc:
        raise ProbeFailure("tls", f"server refused STLS: {_text(exc)}") from None
    session.start_tls()
    client._tls_established = True
