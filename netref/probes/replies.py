"""Reading what line-protocol servers say: shared by the mail, news and file-transfer families.

SMTP, FTP, POP3, IMAP and NNTP all open with a one-line greeting. What the server
announces about its software is read the same way everywhere (its ``IMPLEMENTATION``
capability, else the catalogue's ``software`` patterns: never a greeting's free text), and
so are the verdicts these families share,
worded once: a greeting that is not one, a server that refuses service or closes before its
greeting, an in-band TLS upgrade that is not offered or is refused (and one offered but not
used), and the text of a stdlib client's exception; for the protocols carried over HTTP (xmlrpc,
websocket), ``--path``, the HTTP answer's status line and Server header, and the verdict for a plain
HTTP answer where theirs was asked for. Which *other* protocol answered is not
a family's question: the core names it for every family (:mod:`netref.probes.mismatch`).
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from typing import TYPE_CHECKING

from netref.probes.session import Session
from netref.probes.values import ProbeFailure, ProbeUsageError, printable

if TYPE_CHECKING:  # pragma: no cover - typing only
    from http.client import HTTPResponse

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


def name_software(session: Session, capabilities: list[str] | None = None) -> None:
    """Fill ``server_software`` and ``software_source`` with what the server says it runs, and
    only that: the ``IMPLEMENTATION`` capability where the protocol has one (POP3 RFC 2449, NNTP
    RFC 3977), else the catalogue's ``software`` patterns over the server's opening words
    (``vsFTPd 3.0.3``, ``Dovecot (Debian)``, ``Gophernicus/3.1``). The rest of a greeting is no
    name: ``* OK IMAP4rev1 ready``, ``+OK POP3 Ready`` and ``220 mail.example.org ESMTP`` say
    which protocol, not which program, and leave the software unknown (None)."""
    result = session.result
    listed = implementation(capabilities or [])
    if listed:
        result.server_software, result.software_source = printable(listed, 120), "IMPLEMENTATION capability"
        return
    if session.catalog is None:
        return
    from netref.identify import software
    from netref.probes.mismatch import identify_facts

    facts = identify_facts(session.catalog, session.protocol)
    named = software(bytes(session.opening).decode("latin-1"), facts, session.catalog)
    if named and facts is not None:
        result.server_software, result.software_source = printable(named, 120), facts.software_source


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
        result.warnings.append(unused_upgrade(session.protocol.starttls or "STARTTLS"))
    result.capabilities = capabilities or []
    return capabilities


#: How :func:`unused_upgrade`'s warning reads, after the command: what marks it for a reader that
#: shows the upgrade elsewhere (the scan's TLS column says ``starttls``).
_UNUSED_UPGRADE = ", but this probe did not use it (--starttls): "


def unused_upgrade(command: str) -> str:
    """The warning for an in-band upgrade the server offers and the probe did not use."""
    return (f"the server offers {command}{_UNUSED_UPGRADE}"
            "anything sent next, credentials included, would travel in plaintext")  # fmt: skip


def is_unused_upgrade(warning: str) -> bool:
    """Whether ``warning`` is :func:`unused_upgrade`'s."""
    return _UNUSED_UPGRADE in warning


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


# -- protocols carried over HTTP (xmlrpc, websocket) ----------------------------------------------


def http_path(path: str | None, default: str) -> str:
    """``--path`` for a protocol carried over HTTP: ``default`` when not given; a usage error for
    one that is no absolute path (a space or a control character would break the request line)."""
    if path is None:
        return default
    if not path.startswith("/") or any(ch <= " " or ch == "\x7f" for ch in path) or len(path) > 2048:
        raise ProbeUsageError(f"--path: expected an absolute HTTP path such as {default}, not {path!r}")
    return path


def http_answer(session: Session, response: HTTPResponse) -> None:
    """Record an HTTP answer's status line (the greeting), the Server header (the software: the
    server named itself) and the status, for a family carried over HTTP."""
    version = {10: "HTTP/1.0", 11: "HTTP/1.1"}.get(response.version, "HTTP/0.9")
    result = session.result
    result.greeting = printable(f"{version} {response.status} {response.reason}", 120)
    result.server_software = printable(response.getheader("Server") or "", 120) or None
    result.software_source = "Server header" if result.server_software else None
    result.details["status"] = response.status


def not_served_here(label: str, path: str, shown: str, server: str | None) -> ProbeFailure:
    """A plain HTTP answer where a protocol carried over HTTP was asked for: what answered."""
    by = f" from {server}" if server else ""
    return ProbeFailure("protocol", f"no {label} at {printable(path, 80)}: the server answered '{shown}'{by}")
