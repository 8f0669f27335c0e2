"""Reading what line-protocol servers say: shared by the mail, news and file-transfer families.

SMTP, FTP, POP3, IMAP and NNTP all open with a one-line greeting. What the server
announces about its software is read the same way everywhere (the catalogue's ``software``
patterns first, then the greeting's text), and so are the verdicts these families share,
worded once: a greeting that is not one, a server that refuses service or closes before its
greeting, an in-band TLS upgrade that is not offered or is refused (and one offered but not
used), and the text of a stdlib client's exception. Which *other* protocol answered is not
a family's question: the core names it for every family (:mod:`netref.probes.mismatch`).
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Callable

from netref.probes.session import Session
from netref.probes.values import ProbeFailure, printable

#: An RFC 5322 date at the end of a greeting ("... at Mon, 23 Nov 2026 19:00:00 +0000").
_DATE = re.compile(r"\s+(?:at\s+)?(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d{1,2} \w{3} \d{4} .*$")

#: A multi-line capability or feature list longer than this is cut: a report is for people,
#: and a hostile server may list anything. (Memory is bounded by the core's byte budget.)
MAX_CAPABILITIES = 200


def unexpected_reply(label: str, line: bytes | str) -> ProbeFailure:
    """The ``protocol`` failure for a first line that is not a ``label`` (``"SMTP"``) greeting.

    When the line belongs to another catalogue protocol the core words the verdict instead,
    naming it (:mod:`netref.probes.mismatch`).
    """
    text = line.decode("latin-1") if isinstance(line, bytes) else line
    shown = printable(text, 120)
    if not shown:
        return ProbeFailure("protocol", f"no {label} greeting: the server sent an empty line")
    if _looks_binary(text):
        return ProbeFailure("protocol", f"no {label} greeting: the server sent binary data")
    return ProbeFailure("protocol", f"no {label} greeting: the server sent '{shown}'")


def _looks_binary(text: str) -> bool:
    """Whether a line is mostly bytes no text protocol sends (controls, non-ASCII, U+FFFD)."""
    sample = text[:200]
    odd = sum(1 for ch in sample if not (" " <= ch <= "~" or ch in "\t\r\n"))
    return odd * 4 > len(sample)


def server_software(
    session: Session, greeting: str | None, skip_host: bool = False, capabilities: list[str] | None = None
) -> str | None:
    """What the server says it runs: the ``IMPLEMENTATION`` capability where the protocol has
    one, else the catalogue's ``software`` patterns over the server's opening words
    (``vsFTPd 3.0.3``, ``Dovecot``, ``Gophernicus/3.1``), else the greeting's own text."""
    listed = implementation(capabilities or [])
    if listed:
        return printable(listed, 120)
    if session.catalog is not None:
        from netref.identify import software
        from netref.probes.mismatch import identify_facts

        named = software(bytes(session.opening).decode("latin-1"), identify_facts(session.catalog, session.protocol))
        if named:
            return printable(named, 120)
    return software_from_greeting(greeting, skip_host)


def software_from_greeting(text: str | None, skip_host: bool = False) -> str | None:
    """The server's self-description in a greeting line, or None.

    ``text`` is the greeting without its status (``220``, ``+OK``, ``* OK``); a leading
    ``[RESPONSE-CODE]`` and ``<apop@timestamp>`` are dropped, and with ``skip_host`` the
    first word too (SMTP greetings start with the server's host name). A leading
    ``ESMTP``/``SMTP`` word is dropped as well: it names the protocol, not the software; so
    are a trailing ``ready.`` and the parentheses around a greeting that is nothing else
    (vsftpd's ``(vsFTPd 3.0.3)``).
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
    text = re.sub(r"\s+(?:is\s+)?ready\.?$", "", text, flags=re.IGNORECASE).strip()
    if re.fullmatch(r"\([^()]*\)", text):
        text = text[1:-1].strip()
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
    offers: Callable[[list[str]], bool],
) -> list[str] | None:
    """Ask the capabilities; with ``--starttls``, ``upgrade`` and ask again.

    After STARTTLS a client must forget what it learnt in plaintext (RFC 3207, 2595, 9051,
    4642, 4217): the report's ``capabilities`` are the list asked over TLS, and the plaintext
    list is kept in ``details["capabilities_before_tls"]`` (it is also what a failed upgrade
    leaves in ``capabilities``). ``ask`` returns None for a server without the command.

    ``details["starttls_offered"]`` is what the server offered *before* TLS (``offers``
    reads the upgrade in a list; None when the server lists nothing), so an upgraded
    connection still says it was offered. One offered but not used is also a warning:
    whatever the client sends next, credentials included, travels in plaintext.
    """
    result = session.result
    capabilities = ask()
    in_band = session.protocol.tls != "implicit"
    if in_band:
        result.details["starttls_offered"] = offers(capabilities) if capabilities is not None else None
    if session.options.starttls:
        result.details["capabilities_before_tls"] = result.capabilities = capabilities or []
        upgrade(capabilities)
        capabilities = ask()
    elif in_band and result.details["starttls_offered"]:
        command = session.protocol.starttls or "STARTTLS"
        result.warnings.append(
            f"the server offers {command}, but this probe did not use it (--starttls): "
            "anything sent next, credentials included, would travel in plaintext"
        )
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
