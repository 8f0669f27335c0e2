"""Live probes: ``run_probe("smtp", ProbeOptions("mail.example.org", starttls=True))``.

The core here is shared by every protocol: it checks the request against the catalogue,
resolves and connects under one deadline, does implicit TLS, picks the module to speak
through (substituting where the tutorial's module is deprecated or gone on this Python),
hands a :class:`~netref.probes.session.Session` to the protocol family's ``probe`` function
and turns whatever happens into a verdict. Network trouble never raises; a wrong request
raises :class:`~netref.probes.values.ProbeUsageError`.

The layers, each importing only those below it: :mod:`~netref.probes.values` (the value
types), :mod:`~netref.probes.tls` and :mod:`~netref.probes.net` (handshake, resolution,
connecting), :mod:`~netref.probes.session` (one connection under the deadline),
:mod:`~netref.probes.family` (the family contract), this core with
:mod:`~netref.probes.mismatch` (which protocol and TLS mode answered, judged after every family
from the catalogue's ``identify`` facts), and on top one module per protocol family, sharing
:mod:`~netref.probes.clients` and :mod:`~netref.probes.replies`.
"""

from __future__ import annotations

import functools
import heapq
import importlib
import itertools
import sys
import threading
import time
from typing import TYPE_CHECKING

from netref.probes import datagram
from netref.probes.datagram import DatagramSession
from netref.probes.family import LoadedFamily, load_family
from netref.probes.session import Session
from netref.probes.values import (
    CATEGORIES,
    DEFAULT_TIMEOUT,
    Category,
    CertificateRefused,
    PlaintextAnswer,
    ProbeFailure,
    ProbeOptions,
    ProbeResult,
    ProbeUsageError,
    TlsDetails,
    is_ip_address,
    printable,
)

if TYPE_CHECKING:  # pragma: no cover - typing only
    from netref.catalog import Catalog, Protocol, Substitution
    from netref.versions import Version

__all__ = [
    "CATEGORIES",
    "DEFAULT_TIMEOUT",
    "Category",
    "ProbeFailure",
    "ProbeOptions",
    "ProbeResult",
    "ProbeUsageError",
    "Session",
    "TlsDetails",
    "password_needed",
    "resolve_protocol",
    "run_probe",
]


#: The longest deadline a probe takes (a day): beyond it, a timeout is a typo, and ``inf`` or
#: ``nan`` would reach the socket layer as errors about the server.
MAX_TIMEOUT = 86400.0

_CATALOGS: dict[str | None, Catalog] = {}


def default_catalog() -> Catalog:
    """``load_catalog()``, remembered per ``$NETREF_DATA``: finding the file (path
    resolution) costs more than a loopback probe's whole exchange, and a monitoring
    loop probes many times."""
    import os

    key = os.environ.get("NETREF_DATA")
    if key not in _CATALOGS:
        from netref.catalog import load_catalog

        _CATALOGS[key] = load_catalog()
    return _CATALOGS[key]


def resolve_protocol(name: str, catalog: Catalog | None = None) -> Protocol:
    """The catalogue protocol a probe request names, or a one-line usage error."""
    catalog = catalog or default_catalog()
    protocol = catalog.protocol(name)
    if protocol is None:
        known = ", ".join(key for key, proto in catalog.protocols.items() if proto.family)
        raise ProbeUsageError(f"unknown protocol {name!r} (probes exist for: {known})")
    if not protocol.family:
        raise ProbeUsageError(f"netref has no probe for {protocol.key}")
    return protocol


def check_request(protocol: Protocol, options: ProbeOptions) -> int:
    """Validate the options for ``protocol``; return the port to use."""
    if options.starttls and protocol.tls == "implicit":
        raise ProbeUsageError(f"--starttls does not apply to {protocol.key}: it starts with TLS already")
    if options.starttls and not protocol.starttls:
        raise ProbeUsageError(f"--starttls does not apply to {protocol.key}: it has no in-band TLS upgrade")
    if not isinstance(options.timeout, (int, float)) or not 0 < options.timeout <= MAX_TIMEOUT:
        raise ProbeUsageError(
            f"invalid timeout {options.timeout!r}: expected a number of seconds above 0 and at most {MAX_TIMEOUT:g}"
        )
    if options.family not in (0, 4, 6):
        raise ProbeUsageError(f"invalid address family {options.family!r}: expected 4 or 6")
    _check_address_family(options)
    _check_transport(protocol, options)
    if options.sni is not None:  # an impossible name is the user's mistake, TLS or not
        from netref.probes import tls

        tls.check_server_name(options.sni)
    if (protocol.tls == "implicit" or options.starttls) and not options.insecure:
        from netref.probes import tls

        tls.client_context(options)  # loads --cafile: one that cannot be loaded is a usage error
    family = _family(protocol)
    if options.user is not None and not family.logs_in:
        raise ProbeUsageError(f"--user does not apply to {protocol.key}: its probe never logs in")
    for name, flag in _FAMILY_OPTIONS:
        if getattr(options, name) != getattr(_DEFAULTS, name) and name not in family.takes:
            raise ProbeUsageError(f"{flag} does not apply to {protocol.key}")
    family.check_options(options)
    port = options.port if options.port is not None else protocol.default_port
    if port is None:
        raise ProbeUsageError(f"{protocol.key} has no default port: give HOST:PORT or --port")
    if not 0 < port < 65536:
        raise ProbeUsageError(f"invalid port {port}: expected a number from 1 to 65535")
    return port


#: Options only some families take (their ``TAKES``), with the flag that sets each.
_FAMILY_OPTIONS = (
    ("query", "--query"), ("qtype", "--type"), ("community", "--community"), ("path", "--path"),
    ("to", "--to"), ("mqtt_version", "--mqtt-version"), ("domain", "--domain"),
)  # fmt: skip
_DEFAULTS = ProbeOptions("")


def _check_address_family(options: ProbeOptions) -> None:
    """``-6 127.0.0.1`` asks for the impossible: a usage error, not a DNS failure."""
    if options.family and is_ip_address(options.host):
        version = 6 if ":" in options.host else 4
        if version != options.family:
            raise ProbeUsageError(f"-{options.family} does not apply to {options.host}: it is an IPv{version} address")


def password_needed(protocol: str, options: ProbeOptions, catalog: Catalog | None = None) -> bool:
    """Whether this request logs in with a secret, so a caller should get a password before
    :func:`run_probe`. Checks the request first (a :class:`ProbeUsageError` for a wrong
    one): nobody should type a password for a probe that cannot run."""
    proto = resolve_protocol(protocol, catalog)
    check_request(proto, options)
    return options.user is not None and _family(proto).needs_password(options.user)


def run_probe(protocol: str, options: ProbeOptions, catalog: Catalog | None = None) -> ProbeResult:
    """Probe one server and return its verdict. Raises only :class:`ProbeUsageError`.

    The deadline starts here: loading the catalogue and importing the client on a cold
    start are part of what the caller waits for. They happen before the connection, so
    they never count as the server's time in the phase timings.
    """
    started = time.monotonic()
    from netref.probes import mismatch, net
    from netref.versions import running_version

    catalog = catalog or default_catalog()
    proto = resolve_protocol(protocol, catalog)
    port = check_request(proto, options)
    host = net.ascii_host(options.host)
    substitution = _substitution(catalog, proto.key, running_version())
    result = ProbeResult(
        protocol=proto.key,
        host=options.host,
        port=port,
        module=substitution.used if substitution else proto.probe_module,
        substitution=substitution.message if substitution else None,
    )
    family = _family(proto)
    _preload(result.module)
    deadline = started + options.timeout
    session: Session | None = None
    outcome: ProbeFailure | None = None
    try:
        session = _connect(proto, options, result, host, port, deadline, catalog)
        result.details.update(transport_details(session))
        if not isinstance(session, DatagramSession):  # every datagram read is bounded by the deadline itself
            _WATCHDOG.watch(session)
        if proto.tls == "implicit":
            session.start_tls()
        session.begin_exchange()
        mismatch.set_silence_limit(session)
        mismatch.watch_opening(session)
        family.probe(session)
        if options.starttls and not session.tls_active:
            raise ProbeFailure("tls", "--starttls was asked for, but the connection was not upgraded")
    except ProbeFailure as failure:
        outcome = failure
    except ProbeUsageError:
        raise
    except Exception as exc:  # noqa: BLE001 - a stdlib client's own error about what the server sent
        outcome = classify(exc, session)
    finally:
        if session is not None:
            _WATCHDOG.forget(session)
            session.close()
            session.end_exchange()
    if session is not None and not isinstance(session, DatagramSession):  # a UDP reply was accepted by the family
        if isinstance(outcome, PlaintextAnswer) and not session.opening:
            _reread_plaintext(session)
        judged = mismatch.judge(session, outcome)
        if isinstance(judged, mismatch.Mismatch):
            judged.apply(result)
        outcome = judged or outcome
    if outcome is None and session is not None and result.server_software is None:
        _name_software(session)
    if outcome is None:
        result.verdict, result.category = "ok", None
        result.message = result.message or "answered"
    else:
        result.fail(outcome)
        if isinstance(outcome, CertificateRefused) and session is not None:
            result.tls = _refused_certificate(session, family, outcome)
    result.timings["total"] = (time.monotonic() - started) * 1000
    return result


def _name_software(session: Session) -> None:
    """The software the server named in its opening, by the catalogue's patterns, for a family
    that named none itself (a raw TCP read of an SSH version line): every family gets it."""
    from netref.probes.mismatch import identify_facts

    if session.catalog is None or not session.opening:
        return
    facts = identify_facts(session.catalog, session.protocol)
    if facts is None or not facts.software:  # no pattern to name it by (raw tcp): nothing to decode
        return
    from netref.identify import software

    named = software(bytes(session.opening).decode("latin-1"), facts, session.catalog)
    if named:
        session.result.server_software, session.result.software_source = printable(named, 120), facts.software_source


@functools.lru_cache(maxsize=256)
def _substitution(catalog: Catalog, key: str, version: Version) -> Substitution | None:
    """``catalog.substitution``, remembered per catalogue object (hashed by identity): the answer
    cannot change within a process, and a monitoring loop asks it on every probe."""
    return catalog.substitution(key, version)


def _family(protocol: Protocol) -> LoadedFamily:
    """The protocol's family, loaded and checked on first use (``netref.probes.<family>``)."""
    if not protocol.family:  # resolve_protocol refuses these
        raise ProbeUsageError(f"netref has no probe for {protocol.key}")
    return load_family(protocol.family)


def _preload(module: str | None) -> None:
    """Import the stdlib client before the clock starts, so that its import time (tens of
    milliseconds for http.client on a cold start) is not reported as the server's."""
    if module and module not in sys.modules and module.replace(".", "").isidentifier():
        try:
            importlib.import_module(module)
        except ImportError:  # a substitute the family does not import by that name
            pass


def _connect(
    proto: Protocol,
    options: ProbeOptions,
    result: ProbeResult,
    host: str,
    port: int,
    deadline: float,
    catalog: Catalog,
) -> Session:
    from netref.probes import net

    started = time.monotonic()
    try:
        infos = net.resolve(host, port, options.family, deadline)
    finally:
        result.timings["dns"] = (time.monotonic() - started) * 1000
    connecting = time.monotonic()
    result.addresses = list(dict.fromkeys(net.format_address(info[4]) for info in infos))
    udp = transport(proto, options) == "udp"
    try:
        sock, sockaddr = datagram.connect(infos) if udp else net.connect(infos, deadline)
    finally:
        result.timings["connect"] = (time.monotonic() - connecting) * 1000
    result.address_used = net.format_address(sockaddr)
    module = result.module or "socket"
    if udp:
        return DatagramSession(options, proto, result, sock, deadline, host, port, module, catalog)
    return Session(options, proto, result, sock, deadline, host, port, module, catalog)


def transport(protocol: Protocol, options: ProbeOptions) -> str:
    """``udp`` or ``tcp``: the one asked for (``53/udp``, ``--tcp``), else the catalogue's transport
    for the protocol's default port (DNS's 53 is listed for UDP first; DoT's 853 for TCP)."""
    if options.transport is not None:
        return options.transport
    return _catalogue_transport(protocol)


def _catalogue_transport(protocol: Protocol) -> str:
    """The catalogue's transport for the protocol's default port (see :func:`transport`)."""
    return datagram.transport([(port.number, port.transport) for port in protocol.ports], protocol.default_port)


def _check_transport(protocol: Protocol, options: ProbeOptions) -> None:
    """A transport the protocol's probe does not speak is the user's mistake (``smtp`` on
    ``25/udp``, ``ntp --tcp``): one line, before anything is sent."""
    asked = options.transport
    if asked is None:
        return
    if asked not in ("udp", "tcp"):
        raise ProbeUsageError(f"invalid transport {asked!r}: expected udp or tcp")
    if asked == "udp" and protocol.tls == "implicit":
        raise ProbeUsageError(f"{protocol.key} runs over TLS on TCP; netref has no UDP form of it (DTLS, QUIC)")
    known = {port.transport for port in protocol.ports}
    if (known or asked == "udp") and asked not in known:
        only = "TCP" if asked == "udp" else "UDP"
        raise ProbeUsageError(f"{protocol.key} runs over {only} only; it has no {asked.upper()} form to probe")


def transport_details(session: Session) -> dict[str, str]:
    """``details.transport`` for a protocol probed over UDP by default (DNS: ``udp``, or ``tcp`` with
    ``--tcp``); nothing for the others (https, whose 443/udp is QUIC), whose JSON stays as it was."""
    if isinstance(session, DatagramSession):
        return {"transport": "udp"}
    if _catalogue_transport(session.protocol) == "udp":  # not dataclasses.replace: it costs a probe's 10 µs
        return {"transport": "tcp"}
    return {}


def _refused_certificate(session: Session, family: LoadedFamily, refused: CertificateRefused) -> TlsDetails | None:
    """The certificate verification refused, for the report: read in a second handshake that
    does not verify (as ``openssl s_client`` shows a certificate it does not trust), on a new
    connection to the address that answered, under what is left of the same deadline.

    The family runs again up to its upgrade (STARTTLS and the like), logs in as nobody, and
    stops at the certificate. None when the second look fails: the verdict stands either way.
    """
    import dataclasses

    from netref.probes import tls

    options = dataclasses.replace(session.options, insecure=True, user=None, password=None)
    inspector = _second_connection(session, options, session.deadline)
    if inspector is None:
        return None
    scratch = inspector.result
    inspector.inspect_only = True
    _WATCHDOG.watch(inspector)
    try:
        if session.protocol.tls == "implicit":
            inspector.start_tls()
        else:
            family.probe(inspector)
    except Exception:  # noqa: BLE001 - CertificateSeen, or whatever the second look met
        pass
    finally:
        _WATCHDOG.forget(inspector)
        inspector.close()
    details = scratch.tls
    if details is None:
        return None
    details.insecure = False
    details.checked_name = tls.server_name(session.options, session.host)
    details.verify_error = refused.reason
    details.chain_verified = None if refused.name_mismatch else False
    details.hostname_verified = False if refused.name_mismatch else None
    return details


def _second_connection(session: Session, options: ProbeOptions, deadline: float) -> Session | None:
    """A new session to the address that answered ``session``, for a second look the verdict
    needs (its own scratch result; None when it cannot connect before ``deadline``)."""
    from netref.probes import net

    first = session.result
    try:
        infos = net.resolve(first.address_used or session.host, session.port, 0, deadline)
        sock, _ = net.connect(infos[:1], deadline)
    except (ProbeFailure, OSError):
        return None
    scratch = ProbeResult(protocol=first.protocol, host=first.host, port=first.port, module=first.module)
    return Session(options, session.protocol, scratch, sock, deadline, session.host, session.port, session.module)


#: How long the second look at a plaintext answer waits for it.
REREAD_WAIT = 1.0


def _reread_plaintext(session: Session) -> None:
    """OpenSSL read the start of a plaintext answer before the handshake could peek at it (the
    server greeted just as the ClientHello went out): read the greeting again, sending nothing,
    on a new connection, so that the verdict can name what answered."""
    again = _second_connection(session, session.options, min(session.deadline, time.monotonic() + REREAD_WAIT))
    if again is None:
        return
    _WATCHDOG.watch(again)
    try:
        data = again.read_some(4096)
    except (ProbeFailure, OSError):
        data = None
    finally:
        _WATCHDOG.forget(again)
        again.close()
    if data:
        session.opening += data


def classify(exc: BaseException, session: Session | None) -> ProbeFailure:
    """The verdict for an exception a family let through (usually a stdlib client's)."""
    import ssl

    if session is not None and session.expired:
        return session.timeout_failure("waiting for the server")
    if isinstance(exc, ssl.SSLCertVerificationError):
        return ProbeFailure("certificate", exc.verify_message or str(exc))
    if isinstance(exc, ssl.SSLError):
        return ProbeFailure("tls", f"TLS error: {exc.reason or exc}")
    if isinstance(exc, TimeoutError):
        return ProbeFailure("timeout", "the server stopped answering")
    if isinstance(exc, ConnectionRefusedError):
        return ProbeFailure("refused", "connection refused")
    if isinstance(exc, (ConnectionResetError, ConnectionAbortedError, BrokenPipeError)):
        return ProbeFailure("protocol", "the server reset the connection")
    if isinstance(exc, EOFError):
        return ProbeFailure("protocol", "the server closed the connection")
    detail = printable(str(exc), 160)
    return ProbeFailure("protocol", f"unexpected answer ({type(exc).__name__}{': ' + detail if detail else ''})")


class _Watchdog:
    """One daemon thread that expires sessions at their deadline.

    Every guarded read already waits no longer than the time left; the watchdog is the
    backstop for anything that waits outside them (a client blocked in its own read): it
    shuts the socket down, which wakes the blocked thread. The heap holds a one-item list
    per session, emptied when the probe ends, so a finished session is freed at once:
    watching costs a heap push, not a thread.

    A probe usually ends long before its deadline, so the watchdog must not wake for the
    deadlines of finished probes (in a monitoring loop that would be one thread switch, and
    a fight for the GIL, per probe): :meth:`forget` drops emptied entries from the top of
    the heap, and :meth:`watch` wakes the thread only for a deadline earlier than the one it
    sleeps until. It then wakes about once per deadline's length, whatever the probe rate.
    """

    def __init__(self) -> None:
        self._condition = threading.Condition()
        self._heap: list[tuple[float, int, list[Session | None]]] = []
        self._order = itertools.count()
        self._thread: threading.Thread | None = None
        self._wakes_at = float("inf")  # when the thread's current wait ends

    def watch(self, session: Session) -> None:
        with self._condition:
            session.watched = [session]
            heapq.heappush(self._heap, (session.deadline, next(self._order), session.watched))
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="netref-watchdog", daemon=True)
                self._thread.start()
            if session.deadline < self._wakes_at:  # otherwise the watchdog already wakes in time
                self._wakes_at = session.deadline
                self._condition.notify()

    def forget(self, session: Session) -> None:
        if session.watched is None:  # never watched (a datagram session): no lock to take
            return
        with self._condition:  # the watchdog thread reads the slot under the same lock
            session.watched[0] = None
            session.watched = None
            heap = self._heap
            while heap and heap[0][2][0] is None:
                heapq.heappop(heap)

    def _run(self) -> None:
        with self._condition:
            while True:
                if not self._heap:
                    self._wakes_at = float("inf")
                    self._condition.wait()
                    continue
                delay = self._heap[0][0] - time.monotonic()
                if delay > 0:
                    self._wakes_at = self._heap[0][0]
                    self._condition.wait(delay)
                    continue
                _, _, slot = heapq.heappop(self._heap)
                if slot[0] is not None:
                    slot[0].expire()


_WATCHDOG = _Watchdog()
