"""NNTP family: nntp (119, STARTTLS with ``--starttls``) and nntps (563), as NNTP lines.

nntplib is deprecated since 3.11 and removed in 3.13 (PEP 594), so this family never
imports it, on any Python: it speaks RFC 3977 lines through the session's bounded reader,
and the core reports the substitution. Greeting, CAPABILITIES (MODE READER when a server
answers it with 500, as many do), STARTTLS when asked (RFC 4642), QUIT. Never POST.

STARTTLS does not depend on CAPABILITIES: many servers answer CAPABILITIES with 500 yet
accept STARTTLS, so with ``--starttls`` the command is sent and the server's answer
decides (382 go ahead; anything else is a ``tls`` failure, never silent plaintext).
"""

from __future__ import annotations

from netref.probes import replies
from netref.probes.session import Session
from netref.probes.values import ProbeFailure, printable

#: Greeting codes: 200 posting allowed, 201 posting prohibited (RFC 3977 §5.1.1).
_READY = {"200": True, "201": False}


def probe(session: Session) -> None:
    """Greet and CAPABILITIES (STARTTLS and CAPABILITIES again with ``--starttls``), QUIT."""
    result = session.result
    greeting = _read_line(session)
    result.greeting = printable(greeting)
    code = greeting[:3]
    if code not in _READY:
        raise _greeting_failure(greeting)
    result.details["posting_allowed"] = _READY[code]
    # STARTTLS is sent whatever CAPABILITIES said (see the module docstring).
    capabilities = replies.capabilities_around_tls(
        session, lambda: _capabilities(session), lambda _: _start_tls(session), _offers_starttls)
    if capabilities is None:
        result.details["capabilities_supported"] = False
        mode_reader = _command(session, "MODE READER")
        result.details["mode_reader"] = printable(mode_reader)
        if mode_reader[:3] in _READY:
            result.details["posting_allowed"] = _READY[mode_reader[:3]]
    else:
        result.details["capabilities_supported"] = True
    replies.name_software(session, result.capabilities)
    result.message = "answered, posting allowed" if result.details["posting_allowed"] else "answered, reading only"
    replies.leave(lambda: _quit(session))


def _read_line(session: Session) -> str:
    """One reply line without its CRLF; the connection closing is a ``protocol`` failure."""
    raw = session.readline()
    if not raw:
        raise ProbeFailure("protocol", "the server closed the connection")
    return raw.decode("utf-8", "replace").rstrip("\r\n")


def _command(session: Session, command: str) -> str:
    session.send(command.encode("ascii") + b"\r\n")
    return _read_line(session)


def _quit(session: Session) -> None:
    session.send(b"QUIT\r\n")
    session.readline()  # 205, or the server simply hangs up


def _greeting_failure(greeting: str) -> ProbeFailure:
    code = greeting[:3]
    if code in ("400", "502"):  # temporarily / permanently unavailable
        return replies.refuses_service(printable(greeting))
    return replies.unexpected_reply("NNTP", greeting)


def _capabilities(session: Session) -> list[str] | None:
    """CAPABILITIES' list (RFC 3977 §5.2), or None when the server does not know it."""
    reply = _command(session, "CAPABILITIES")
    if not reply.startswith("101"):
        return None
    return replies.capability_list(_multiline(session))


def _multiline(session: Session) -> list[str]:
    """A dot-terminated block, dot-unstuffed."""
    lines = []
    while (line := _read_line(session)) != ".":
        lines.append(line[1:] if line.startswith("..") else line)
    return lines


def _offers_starttls(capabilities: list[str]) -> bool:
    return replies.has_capability(capabilities, "STARTTLS")


def _start_tls(session: Session) -> None:
    reply = _command(session, "STARTTLS")
    if not reply.startswith("382"):
        raise replies.upgrade_refused("STARTTLS", printable(reply))
    session.start_tls()

