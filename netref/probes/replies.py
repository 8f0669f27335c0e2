"""Reading what line-protocol servers say: shared by the mail, news and file-transfer families.

SMTP, FTP, POP3, IMAP and NNTP all open with a one-line greeting. Two questions about it
are the same everywhere, so they are answered once here: is this the protocol we expected
at all (an HTTP or SSH server on the port is a common mistake, and deserves a verdict that
says so rather than a parser's complaint), and what does the server announce about its
software. So are the verdicts these families share, worded once: a server that refuses
service or closes before its greeting, an in-band TLS upgrade that is not offered or is
refused, and the text of a stdlib client's exception.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Callable
from typing import NamedTuple

from netref.probes.session import Session
from netref.probes.values import ProbeFailure, printable


class Signature(NamedTuple):
    """First bytes that give a protocol away, and how a verdict names what answered."""

    prefix: str
    protocol: str  # a catalogue protocol key, or "tls" for any TLS server
    description: str


#: Protocols recognised by their first bytes (compared case-insensitively).
SIGNATURES = (
    Signature("HTTP/", "http", "an HTTP server"),
    Signature("<!DOCTYPE", "http", "an HTTP server"),
    Signature("<HTML", "http", "an HTTP server"),
    Signature("SSH-", "ssh", "an SSH server"),
    Signature("* OK", "imap", "an IMAP server"),
    Signature("+OK", "pop3", "a POP3 server"),
    Signature("RFB ", "vnc", "a VNC server"),
    Signature("\x16\x03", "tls", "a TLS server (try the implicit-TLS protocol)"),
)


def identify(text: str, expected: str) -> Signature | None:
    """Which other protocol a first line comes from, when its first bytes give it away.

    The one place that names what answered instead of the ``expected`` protocol (a label
    such as ``"SMTP"``): a server of the expected protocol is never "another" one.
    """
    for signature in SIGNATURES:
        if text.upper().startswith(signature.prefix.upper()) and expected not in signature.description:
            return signature
    return None

#: An RFC 5322 date at the end of a greeting ("... at Mon, 23 Nov 2026 19:00:00 +0000").
_DATE = re.compile(r"\s+(?:at\s+)?(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d{1,2} \w{3} \d{4} .*$")

#: A multi-line capability or feature list longer than this is cut: a report is for people,
#: and a hostile server may list anything. (Memory is bounded by the core's byte budget.)
MAX_CAPABILITIES = 200


def unexpected_reply(label: str, line: bytes | str) -> ProbeFailure:
    """The ``protocol`` failure for a first line that is not a ``label`` (``"SMTP"``) greeting.

    Names the protocol that did answer when its first bytes give it away.
    """
    text = line.decode("latin-1") if isinstance(line, bytes) else line
    shown = printable(text, 120)
    if not shown:
        return ProbeFailure("protocol", f"no {label} greeting: the server sent an empty line")
    other = identify(text, label)
    if other is not None:
        return ProbeFailure("protocol", f"no {label} greeting: {other.description} answered ('{shown}')")
    if _looks_binary(text):
        return ProbeFailure("protocol", f"no {label} greeting: the server sent binary data")
    return ProbeFailure("protocol", f"no {label} greeting: the server sent '{shown}'")


def _looks_binary(text: str) -> bool:
    """Whether a line is mostly bytes no text protocol sends (controls, non-ASCII, U+FFFD)."""
    sample = text[:200]
    odd = sum(1 for ch in sample if not (" " <= ch <= "~" or ch in "\t\r\n"))
    return odd * 4 > len(sample)


def software_from_greeting(text: str | None, skip_host: bool = False) -> str | None:
    """The server's self-description in a greeting line, or None.

    ``text`` is the greeting without its status (``220``, ``+OK``, ``* OK``); a leading
    ``[RESPONSE-CODE]`` and ``<apop@timestamp>`` are dropped, and with ``skip_host`` the
    first word too (SMTP greetings start with the server's host name). A leading
    ``ESMTP``/``SMTP`` word is dropped as well: it names the protocol, not the software.
    """
    if not text:
        return None
    text = re.sub(r"^\[[^\]]*\]\s*", "", text.strip())
    text = re.sub(r"<[^<>@\s]*@[^<>\s]*>", "", text).strip()
    if skip_host:
        text = text.partition(" ")[2].strip()
    text = re.sub(r"^E?SMTP\b\s*", "", text, flags=re.IGNORECASE)
    text = text.split(";")[0].strip()
    text = _DATE.sub("", text).strip()  # Exim and Exchange append the date
    return printable(text, 120) or None


def capability_list(lines: list[str]) -> list[str]:
    """Capability lines as reported: stripped, empty ones dropped, at most MAX_CAPABILITIES."""
    cleaned = [printable(line.strip(), 200) for line in lines if line.strip()]
    return cleaned[:MAX_CAPABILITIES]


def has_capability(capabilities: list[str], name: str) -> bool:
    """Whether ``name`` (a keyword such as ``STARTTLS`` or ``STLS``) is announced."""
    wanted = name.upper()
    return any(capability.upper().split(" ")[0] == wanted for capability in capabilities)


def implementation(capabilities: list[str]) -> str | None:
    """The ``IMPLEMENTATION`` capability's text (POP3 RFC 2449, NNTP RFC 3977), if listed."""
    for capability in capabilities:
        name, _, value = capability.partition(" ")
        if name.upper() == "IMPLEMENTATION" and value.strip():
            return value.strip()
    return None


def leave(say_goodbye: Callable[[], object], *client_errors: type[Exception]) -> None:
    """QUIT or LOGOUT without letting it fail the probe.

    Everything the probe asked is known by then, and a server that hangs up before
    answering goodbye has done nothing wrong. A passed deadline still fails the probe.
    """
    with contextlib.suppress(OSError, EOFError, *client_errors):
        say_goodbye()


def capabilities_around_tls(
    session: Session,
    ask: Callable[[], list[str] | None],
    upgrade: Callable[[list[str] | None], None],
) -> list[str] | None:
    """Ask the capabilities; with ``--starttls``, ``upgrade`` and ask again.

    After STARTTLS a client must forget what it learnt in plaintext (RFC 3207, 2595, 9051,
    4642, 4217): the report's ``capabilities`` are the list asked over TLS, and the plaintext
    list is kept in ``details["capabilities_before_tls"]`` (it is also what a failed upgrade
    leaves in ``capabilities``). ``ask`` returns None for a server without the command.
    """
    result = session.result
    capabilities = ask()
    if session.options.starttls:
        result.details["capabilities_before_tls"] = result.capabilities = capabilities or []
        upgrade(capabilities)
        capabilities = ask()
    result.capabilities = capabilities or []
    return capabilities


def refuses_service(shown: str) -> ProbeFailure:
    """A greeting that turns the client away (SMTP 421/554, POP3 -ERR, IMAP BYE, FTP 421,
    NNTP 400/502); ``shown`` is the reply as display text."""
    return ProbeFailure("protocol", f"the server refuses service: {shown}")


def closed_before_greeting() -> ProbeFailure:
    """A connection that ended before the server said a word of its protocol."""
    return ProbeFailure("protocol", "the server closed the connection before its greeting")


def upgrade_not_offered(command: str, asked: str, listed: str) -> ProbeFailure:
    """``--starttls`` against a server whose ``asked`` list (EHLO, CAPA, ...) lacks ``command``."""
    return ProbeFailure("tls", f"server does not offer {command} ({asked} lists: {listed})")


def upgrade_refused(command: str, reply: str) -> ProbeFailure:
    """``--starttls`` against a server that answered ``command`` with anything but go-ahead."""
    return ProbeFailure("tls", f"server refused {command}: {reply}")


def client_error_text(exc: BaseException) -> str:
    """A stdlib client's exception as one display line: its first argument (bytes decoded
    as Latin-1, as these protocols' replies are read), or its class name when it has none."""
    if not exc.args:
        return printable(type(exc).__name__)
    detail = exc.args[0]
    return printable(detail.decode("latin-1") if isinstance(detail, bytes) else str(detail))
