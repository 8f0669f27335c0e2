"""What a host answers on, what it really is, and which Python module speaks to it.

``scan(["127.0.0.1"], ScanOptions(ports=(25, 80)))`` yields one :class:`PortResult` per port as
it finishes (the CLI sorts them into input order unless it streams). For each port:

1. Where the catalogue has a probe for the protocol the port number suggests (SMTP on 25), that
   probe runs first, through the same :func:`netref.probes.run_probe` as ``netref probe``. If it
   could not connect, the port is ``closed`` (refused) or ``filtered`` (no answer). If it succeeded
   and what the server said is that protocol (:func:`netref.identify.identify` on its greeting), or
   says nothing of another one while the family's own exchange succeeded, that is the answer: one
   connection, one probe, and a slow server is waited for once.
2. Otherwise — no probe for the port, or the probe met something else — the port is **identified
   from what the server says** on a connection of its own: its greeting, or its answer to a
   catalogue ``hello`` (:func:`netref.identify.hellos`), read in plaintext or, when the port's
   protocol starts with TLS or a silent server answers a handshake, inside TLS. The identified
   protocol is then probed through ``run_probe`` (in its TLS form when it spoke inside TLS).

Concurrency: ``concurrency`` workers, each with at most one socket open at a time, clamped below
the process's open-file limit. Workers are daemon threads; :meth:`Scan.stop` (or Ctrl-C in the
consumer) shuts the identification sockets at once, and probes in flight end at their deadline
(or with the process).
"""

from __future__ import annotations

import ipaddress
import queue
import socket
import threading
import time
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from netref import identify as ident
from netref.catalog import legacy_modules, python_text
from netref.probes import ProbeOptions, ProbeResult, ProbeUsageError, default_catalog, net, run_probe
from netref.probes.values import ProbeFailure, is_ip_address, printable

if TYPE_CHECKING:  # pragma: no cover - typing only
    import ssl

    from netref.catalog import Catalog, Protocol
    from netref.versions import Version

#: States of a port, and the one state of a host that could not be scanned at all.
OPEN, CLOSED, FILTERED, UNRESOLVED = "open", "closed", "filtered", "unresolved"
UNKNOWN = "unknown"
DEFAULT_SCAN_TIMEOUT = 5.0
DEFAULT_CONCURRENCY = 100
DEFAULT_MAX_HOSTS = 4096
#: How long a silent server may take to greet before netref speaks first (sends the hellos).
GREETING_WAIT = 1.5
#: After the first complete line, how long to wait for the rest of a multi-line answer.
REST_WAIT = 0.1
#: File descriptors kept free for everything that is not a scan socket.
RESERVED_FILES = 64


class ScanUsageError(ProbeUsageError):
    """A target, port list or option the scan cannot take: one line, exit 2."""


@dataclass
class ScanOptions:
    """What to scan and how. ``ports`` None: every TCP port in the catalogue."""

    ports: Sequence[int] | None = None
    timeout: float = DEFAULT_SCAN_TIMEOUT  # per connection attempt and per probe
    concurrency: int = DEFAULT_CONCURRENCY
    target: Version | None = None  # judge modules for this Python (default: the running one)
    family: int = 0  # 0 any, 4 or 6
    insecure: bool = False
    cafile: str | None = None
    max_hosts: int = DEFAULT_MAX_HOSTS


@dataclass
class PortResult:
    """One port of one host. ``to_dict`` is the documented JSON (docs/json.md, "scan")."""

    host: str
    port: int | None
    state: str
    address: str | None = None
    protocol: str | None = None  # catalogue key, "unknown", or None when not open
    name: str | None = None
    confidence: float | None = None
    software: str | None = None
    software_source: str | None = None  # where the server named it (ProbeResult.software_source)
    tls: str | None = None  # "implicit", "starttls" (offered), "none"
    cert_days: int | None = None
    banner: str | None = None  # first printable line the server sent
    python: str | None = None  # what to import today on the target Python
    legacy: str | None = None  # the tutorial's module, where it is not current: "telnetlib: removed in 3.13 ..."
    verdict: str | None = None  # the family probe's verdict
    category: str | None = None
    message: str = ""
    elapsed_ms: float = 0.0
    order: tuple[int, int] = field(default=(0, 0), repr=False)  # (target, port) input order

    def to_dict(self) -> dict[str, Any]:
        return {
            "host": self.host,
            "address": self.address,
            "port": self.port,
            "state": self.state,
            "protocol": self.protocol,
            "name": self.name,
            "confidence": self.confidence,
            "software": self.software,
            "software_source": self.software_source,
            "tls": self.tls,
            "cert_days": self.cert_days,
            "banner": self.banner,
            "python": self.python,
            "legacy": self.legacy,
            "verdict": self.verdict,
            "category": self.category,
            "message": self.message,
            "elapsed_ms": round(self.elapsed_ms, 3),
        }


# -- targets and ports ---------------------------------------------------------------------------


def parse_ports(text: str) -> list[int]:
    """``25,80,8000-8100`` as a list of ports in the order given, each once."""
    ports: list[int] = []
    for item in text.split(","):
        low, _, high = item.strip().partition("-")
        try:
            first, last = int(low), int(high or low)
        except ValueError:
            raise ScanUsageError(f"--ports: {item.strip()!r} is not a port or a range (25,80,8000-8100)") from None
        if not 0 < first <= last < 65536:
            raise ScanUsageError(f"--ports: {item.strip()!r} is not within 1-65535 (low to high)")
        ports.extend(range(first, last + 1))
    return list(dict.fromkeys(ports))


def catalogue_ports(catalog: Catalog) -> list[int]:
    """Every TCP port in the catalogue (plain, TLS and alternative), ascending."""
    return sorted({port.number for protocol in catalog.protocols.values() for port in protocol.ports
                   if port.transport == "tcp" and port.number > 0})  # fmt: skip


def read_targets(lines: Iterable[str]) -> list[str]:
    """Targets from a file, one a line; blank lines and ``#`` comments skipped."""
    return [line.split("#", 1)[0].strip() for line in lines if line.split("#", 1)[0].strip()]


def expand_targets(texts: Iterable[str], max_hosts: int = DEFAULT_MAX_HOSTS) -> list[str]:
    """Host names and addresses, ``[v6]`` unwrapped, CIDR blocks expanded to their hosts."""
    hosts: list[str] = []
    for given in texts:
        text = given.strip()
        if "/" in text:
            hosts.extend(_network_hosts(text, max_hosts - len(hosts)))
        else:
            hosts.append(_one_host(text))
        if len(hosts) > max_hosts:
            raise ScanUsageError(f"more than {max_hosts} hosts to scan (raise the limit with --max-hosts N)")
    if not hosts:
        raise ScanUsageError("no targets to scan")
    return hosts


def _one_host(text: str) -> str:
    host = text[1:-1] if text.startswith("[") and text.endswith("]") else text
    if not host or any(ch.isspace() for ch in host) or ("[" in host or "]" in host):
        raise ScanUsageError(f"invalid target {text!r}: expected a host name, an address, [v6] or a CIDR block")
    if ":" in host and not is_ip_address(host):
        raise ScanUsageError(f"invalid target {text!r}: give a host without a port (use --ports)")
    return host


def _network_hosts(text: str, room: int) -> list[str]:
    try:
        network = ipaddress.ip_network(text, strict=False)
    except ValueError as error:
        raise ScanUsageError(f"invalid target {text!r}: {error}") from None
    if network.num_addresses > room + 2:
        raise ScanUsageError(
            f"{text} holds {network.num_addresses} addresses, more than the {room} left to scan "
            "(raise the limit with --max-hosts N)"
        )
    return [str(address) for address in network.hosts()]


def effective_concurrency(requested: int) -> tuple[int, str | None]:
    """``requested``, clamped below the process's open-file limit; the note says when it was."""
    if requested < 1:
        raise ScanUsageError(f"--concurrency: expected a number above 0, not {requested}")
    try:
        import resource

        limit = resource.getrlimit(resource.RLIMIT_NOFILE)[0]
    except (ImportError, OSError, ValueError):  # pragma: no cover - not on Windows
        return requested, None
    ceiling = max(limit - RESERVED_FILES, 1) if limit != resource.RLIM_INFINITY else requested
    if requested <= ceiling:
        return requested, None
    return ceiling, f"--concurrency {requested} lowered to {ceiling} (open-file limit {limit})"


# -- the scan ------------------------------------------------------------------------------------


class Scan:
    """A running scan: iterate it for the results as they finish; :meth:`stop` ends it at once.

    ``total`` counts the ports to scan (it shrinks when a host does not resolve).
    """

    def __init__(self, targets: Sequence[str], options: ScanOptions, catalog: Catalog | None = None) -> None:
        from netref.versions import running_version

        if not options.timeout or not 0 < options.timeout <= 86400:
            raise ScanUsageError(f"--timeout: expected seconds above 0, not {options.timeout!r}")
        if options.family not in (0, 4, 6):
            raise ScanUsageError(f"invalid address family {options.family!r}: expected 4 or 6")
        if options.cafile and not options.insecure:  # a file that cannot be loaded: before any connection
            from netref.probes import tls

            tls.client_context(ProbeOptions("localhost", cafile=options.cafile))
        self.catalog = catalog or default_catalog()
        self.options = options
        self.target = options.target or running_version()
        self.hosts = list(targets)
        self.ports = list(options.ports) if options.ports is not None else catalogue_ports(self.catalog)
        self.total = len(self.hosts) * len(self.ports)
        self.concurrency, self.note = effective_concurrency(options.concurrency)
        self._jobs: queue.SimpleQueue[tuple[int, str, str | None, int] | None] = queue.SimpleQueue()
        self._results: queue.SimpleQueue[PortResult | None] = queue.SimpleQueue()
        self._sockets: set[socket.socket] = set()
        self._lock = threading.Lock()
        self._stopped = threading.Event()
        self._started = False

    def __iter__(self) -> Iterator[PortResult]:
        if self._started:
            raise RuntimeError("a Scan runs once")
        self._started = True
        if not self.hosts or not self.ports:
            return
        # Every worker is started before there is work: a thread's start waits for it to run, which
        # is quick while the others sleep on the empty queue and slow once they are busy probing
        # (200 starts took 0.4 s behind busy workers, longer than a whole wave of probes).
        for _ in range(min(self.concurrency, self.total)):
            threading.Thread(target=self._work, name="netref-scan", daemon=True).start()
        for index, host in enumerate(self.hosts):
            self._jobs.put((index, host, None, -1))
        hosts_left, ports_left = len(self.hosts), 0
        try:
            while hosts_left or ports_left:
                result = self._results.get()
                if result is None:  # a host resolved: its ports are on their way
                    hosts_left, ports_left = hosts_left - 1, ports_left + len(self.ports)
                    continue
                if result.state == UNRESOLVED:
                    hosts_left -= 1
                    self.total -= len(self.ports)
                else:
                    ports_left -= 1
                yield result
        finally:
            self.stop()

    def stop(self) -> None:
        """End the scan: no new connections, every open socket shut down."""
        self._stopped.set()
        with self._lock:
            sockets = list(self._sockets)
        for sock in sockets:
            _shut(sock)
        for _ in range(self.concurrency):
            self._jobs.put(None)

    # -- workers ------------------------------------------------------------------------------

    def _work(self) -> None:
        while not self._stopped.is_set():
            job = self._jobs.get()
            if job is None or self._stopped.is_set():
                return
            index, host, address, port_index = job
            if address is None:
                self._resolve(index, host)
                continue
            result = self._examine(host, address, self.ports[port_index])
            result.order = (index, port_index)
            self._results.put(result)

    def _resolve(self, index: int, host: str) -> None:
        """A host's first address (all are tried by the probes); its port jobs queued behind."""
        try:
            deadline = time.monotonic() + self.options.timeout
            infos = net.resolve(net.ascii_host(host), 0, self.options.family, deadline)
        except (ProbeFailure, ProbeUsageError) as failure:
            failed = PortResult(host=host, port=None, state=UNRESOLVED, message=str(failure), order=(index, -1))
            self._results.put(failed)
            return
        address = net.format_address(infos[0][4])
        self._results.put(None)
        for port_index in range(len(self.ports)):
            self._jobs.put((index, host, address, port_index))

    def _examine(self, host: str, address: str, port: int) -> PortResult:
        started = time.monotonic()
        result = PortResult(host=host, port=port, state=OPEN, address=address)
        try:
            Examination(self, host, address, port, result).run()
        except _Stopped:
            result.message = "interrupted"
        except Exception as error:  # noqa: BLE001 - one port's bug must not hang the whole scan
            result.message = f"netref could not examine this port: {type(error).__name__}: {error}"
        result.elapsed_ms = (time.monotonic() - started) * 1000
        return result

    @property
    def stopped(self) -> bool:
        return self._stopped.is_set()

    def track(self, sock: socket.socket) -> None:
        with self._lock:
            self._sockets.add(sock)
        if self._stopped.is_set():
            _shut(sock)
            raise _Stopped

    def retrack(self, old: socket.socket, new: socket.socket) -> None:
        """``old`` became ``new`` (wrapped in TLS): track the one that owns the descriptor now."""
        with self._lock:
            self._sockets.discard(old)
        self.track(new)

    def forget(self, sock: socket.socket) -> None:
        with self._lock:
            self._sockets.discard(sock)
        sock.close()


class _Stopped(Exception):
    """The scan was stopped while this port was being examined."""


def _shut(sock: socket.socket) -> None:
    try:
        sock.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass


# -- one port ------------------------------------------------------------------------------------


@dataclass
class Heard:
    """What a server said: its first bytes, what they identify it as, and the TLS mode spoken."""

    data: bytes = b""
    found: ident.Identification | None = None
    tls: str = "none"
    cert_days: int | None = None


class Examination:
    """Connect, identify, probe: the life of one port in a scan (see the module's docstring)."""

    def __init__(self, scan: Scan, host: str, address: str, port: int, result: PortResult) -> None:
        self.scan, self.host, self.address, self.port, self.result = scan, host, address, port, result
        self.catalog = scan.catalog
        self.timeout = scan.options.timeout
        self.expected = expected_protocol(self.catalog, port)
        self.deadline = time.monotonic() + self.timeout

    def run(self) -> None:
        expected, probe = self.expected, None
        if expected is not None and expected.family:
            probe = self.probe(expected.key)
            if probe.address_used is None:
                self.unreachable(probe)
                return
            heard = heard_by(probe, self.best(probe.greeting.encode("latin-1", "replace") if probe.greeting else b""))
            if accepts(self.catalog, expected, probe, heard):
                self.name_it(heard)
                self.result.confidence = heard.found.confidence if heard.found else ident.CERTAIN
                self.judge(expected.key, heard, probe)
                return
        sock = self.connect()
        if sock is None:
            return
        heard = self.identify(sock)
        self.name_it(heard)
        key = probe_key(self.catalog, heard, self.port, expected)
        if key is not None and self.catalog.protocols[key].family and (probe is None or probe.protocol != key):
            probe = self.probe(key)
        self.judge(key, heard, probe if key is not None and probe is not None and probe.protocol == key else None)

    def unreachable(self, probe: ProbeResult) -> None:
        """The port's own probe could not connect: refused is ``closed``, no answer ``filtered``."""
        self.result.state = CLOSED if probe.category == "refused" else FILTERED
        self.result.message = probe.message

    # -- connecting ---------------------------------------------------------------------------

    def connect(self) -> socket.socket | None:
        """A connected socket; None with the state set when the port is closed or filtered.
        Each attempt has the whole ``timeout``: the identification's own clock starts after it."""
        family = socket.AF_INET6 if ":" in self.address else socket.AF_INET
        sock = socket.socket(family, socket.SOCK_STREAM)
        self.scan.track(sock)
        sock.settimeout(self.timeout)
        try:
            sock.connect((self.address, self.port))
        except TimeoutError:
            self.scan.forget(sock)
            self.result.state, self.result.message = FILTERED, f"no answer to the connection within {self.timeout:g} s"
            return None
        except OSError as error:
            self.scan.forget(sock)
            if self.scan.stopped:
                raise _Stopped from None
            self.result.state = CLOSED
            self.result.message = (error.strerror or str(error)).lower()
            return None
        self.deadline = time.monotonic() + self.timeout
        return sock

    def connect_again(self) -> socket.socket | None:
        """A fresh connection for another try (a different hello, or TLS), within the deadline."""
        if time.monotonic() >= self.deadline:
            return None
        family = socket.AF_INET6 if ":" in self.address else socket.AF_INET
        sock = socket.socket(family, socket.SOCK_STREAM)
        self.scan.track(sock)
        try:
            sock.settimeout(max(self.deadline - time.monotonic(), 0.001))
            sock.connect((self.address, self.port))
        except OSError:
            self.scan.forget(sock)
            return None
        return sock

    # -- identifying --------------------------------------------------------------------------

    def identify(self, sock: socket.socket) -> Heard:
        """What the server is, from what it says: inside TLS first where the port's protocol starts
        with it; else in plaintext, and inside TLS when the server says nothing in plaintext (or
        answers in TLS records), with a third of the time left."""
        expected = self.expected
        if expected is not None and expected.tls == "implicit":
            heard = self.inside_tls(sock)
            if heard is not None:
                return heard
            again = self.connect_again()
            if again is None:
                return Heard()
            return self.listen(again, "none", self.deadline)
        heard = self.listen(sock, "none", time.monotonic() + (self.deadline - time.monotonic()) * 2 / 3)
        if not heard.data or (heard.found is not None and heard.found.protocol == ident.TLS):
            again = self.connect_again()
            inside = self.inside_tls(again) if again is not None else None
            if inside is not None:
                return inside
        return heard

    def inside_tls(self, sock: socket.socket) -> Heard | None:
        """Handshake (nothing verified: the probe verifies) and identify what speaks inside;
        None (the socket closed) when the server does not speak TLS."""
        from netref.probes import tls

        wrapped = self.wrap(sock)
        if wrapped is None:
            return None
        details = tls.describe(wrapped, insecure=True)
        heard = self.listen(wrapped, "implicit", self.deadline)
        heard.cert_days = details.days_left
        return heard

    def listen(self, sock: socket.socket, tls_mode: str, until: float) -> Heard:
        """The server's greeting, or (when it says nothing) its answer to each catalogue hello in
        turn, the port's own protocol's first, each after the first on a new connection; all
        before ``until``."""
        heard = Heard(tls=tls_mode)
        expected = self.expected
        if not (expected and expected.identify and expected.identify.first == "client"):
            heard.data = self.read(sock, min(GREETING_WAIT, (until - time.monotonic()) / 2))
            heard.found = self.best(heard.data)
            if heard.data:
                self.scan.forget(sock)
                return heard
        hellos = self.hellos()
        for number, hello in enumerate(hellos):
            if number:
                fresh = self.connect_again()
                if fresh is None or (tls_mode == "implicit" and (fresh := self.wrap(fresh)) is None):
                    break
                sock = fresh
            try:
                sock.sendall(hello)
                data = self.read(sock, (until - time.monotonic()) / (len(hellos) - number))
            except OSError:
                data = b""
            self.scan.forget(sock)
            if data:
                heard.data, heard.found = data, self.best(data)
                if heard.found is not None:
                    break
        else:
            self.scan.forget(sock)
        return heard

    def wrap(self, sock: socket.socket) -> ssl.SSLSocket | None:
        """``sock`` after a TLS handshake (any certificate accepted), or None (closed)."""
        name = None if is_ip_address(self.host) else net.ascii_host(self.host)
        try:
            wrapped = _identification_context().wrap_socket(sock, server_hostname=name, do_handshake_on_connect=False)
            wrapped.settimeout(max(self.deadline - time.monotonic(), 0.001))
            wrapped.do_handshake()
        except (OSError, ValueError):
            self.scan.forget(sock)
            return None
        self.scan.retrack(sock, wrapped)
        return wrapped

    def hellos(self) -> list[bytes]:
        """The catalogue's hello plan: the port's own protocol's first, then the blind ones by
        their ``order`` (:func:`netref.identify.hello_plan`)."""
        return ident.hello_plan(self.catalog, self.expected.key if self.expected else None)

    def read(self, sock: socket.socket, wait: float) -> bytes:
        """Bytes until they identify a protocol for certain, a line is complete (and a moment
        more has passed), the server closes, or ``wait`` (capped by the deadline) runs out."""
        data = b""
        until = min(time.monotonic() + wait, self.deadline)
        while len(data) < ident.PEEK_BYTES:
            left = until - time.monotonic()
            if left <= 0:
                break
            try:
                sock.settimeout(left)
                chunk = sock.recv(ident.PEEK_BYTES)
            except (OSError, ValueError):
                break
            if not chunk:
                break
            data += chunk
            found = ident.identify(data, self.catalog)
            if found is not None and found.certain:
                break
            if b"\n" in data:
                until = min(until, time.monotonic() + REST_WAIT)
        if self.scan.stopped:
            raise _Stopped
        return data

    def best(self, data: bytes) -> ident.Identification | None:
        """The identification of ``data``; among equal guesses, the port's own protocol."""
        if not data:
            return None
        found = ident.candidates(data, self.catalog)
        if not found:
            return None
        if not found[0].certain and self.expected is not None:
            for candidate in found:
                if ident.speaks(self.catalog, self.expected.key, candidate.protocol):
                    return candidate
        return found[0]

    # -- probing ------------------------------------------------------------------------------

    def probe(self, key: str) -> ProbeResult:
        return run_probe(key, self.probe_options(), self.catalog)

    def probe_options(self) -> ProbeOptions:
        options = self.scan.options
        return ProbeOptions(
            host=self.address, port=self.port, timeout=self.timeout,
            sni=None if is_ip_address(self.host) else net.ascii_host(self.host),
            cafile=options.cafile, insecure=options.insecure,
        )  # fmt: skip

    # -- the row ------------------------------------------------------------------------------

    def name_it(self, heard: Heard) -> None:
        result = self.result
        result.tls, result.cert_days = heard.tls, heard.cert_days
        result.banner = printable(heard.data.split(b"\n", 1)[0].decode("latin-1"), 120) if heard.data else None
        found = heard.found
        if found is None or found.protocol == ident.TLS:
            result.protocol, result.name = UNKNOWN, None
            result.message = "nothing netref knows" if heard.data else "the server said nothing"
            return
        result.protocol, result.confidence, result.software = found.protocol, found.confidence, found.software
        result.software_source = found.software_source

    def judge(self, key: str | None, heard: Heard, probe: ProbeResult | None) -> None:
        result, catalog = self.result, self.catalog
        if key is None:
            return
        protocol = catalog.protocols[key]
        result.protocol, result.name = key, protocol.name
        result.python, result.legacy = python_for(catalog, protocol, self.scan.target)
        if probe is None:
            result.message = result.message or f"identified; netref has no probe for {key}"
            return
        result.verdict, result.category, result.message = probe.verdict, probe.category, probe.message
        if probe.server_software:
            result.software, result.software_source = probe.server_software, probe.software_source
        if probe.tls is not None and probe.tls.days_left is not None:
            result.cert_days = probe.tls.days_left
        if protocol.tls == "implicit":  # identified by its complaint about plaintext (nginx's 400 page)
            result.tls = "implicit"
        if heard.tls == "none" and protocol.starttls:
            from netref.probes.replies import has_capability

            if probe.details.get("starttls_offered") or has_capability(probe.capabilities, protocol.starttls):
                result.tls = "starttls"


def heard_by(probe: ProbeResult, found: ident.Identification | None) -> Heard:
    """What the port's own probe heard: its greeting (or status line) and TLS."""
    tls = probe.tls
    mode = "implicit" if tls is not None and not tls.starttls else "none"
    data = probe.greeting.encode("latin-1", "replace") if probe.greeting else b""
    return Heard(data, found, mode, tls.days_left if tls is not None else None)


def accepts(catalog: Catalog, expected: Protocol, probe: ProbeResult, heard: Heard) -> bool:
    """Whether the port's own probe proves what the server is: it succeeded, and what the server
    said is that protocol (or says nothing of any other: a gopher menu line, a telnet prompt,
    where the family's exchange itself is the proof). A raw TCP probe accepts any banner, so for
    a protocol probed that way (ssh) the banner must identify it."""
    if not probe.ok:
        return False
    if heard.found is not None:
        return heard.found.protocol != ident.TLS and ident.speaks(catalog, expected.key, heard.found.protocol)
    return expected.family != "tcp"


_CONTEXT: list[ssl.SSLContext] = []


def _identification_context() -> ssl.SSLContext:
    """A context that accepts any certificate: identification only needs the server to talk."""
    if not _CONTEXT:
        import ssl

        context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
        _CONTEXT.append(context)
    return _CONTEXT[0]


def expected_protocol(catalog: Catalog, port: int) -> Protocol | None:
    """The catalogue protocol the port number suggests (one with a probe first): only a first
    guess, for what to say first and which probe to start early; never the answer."""
    matches = [match.protocol for match in catalog.by_port(port, "tcp") if match.protocol is not None]
    matches.sort(key=lambda protocol: (protocol.family is None, protocol.identify is None))
    return matches[0] if matches else None


def probe_key(catalog: Catalog, heard: Heard, port: int, expected: Protocol | None = None) -> str | None:
    """The protocol to probe: the identified one, in its TLS form when it spoke inside TLS; the
    port's own protocol when it is that dialect in that TLS mode (``submission`` on 587 is SMTP)."""
    found = heard.found
    if found is None or found.protocol == ident.TLS:
        return None
    implicit = heard.tls == "implicit"
    same_mode = expected is not None and (expected.tls == "implicit") == implicit
    if expected is not None and same_mode and ident.speaks(catalog, expected.key, found.protocol):
        return expected.key
    protocol = catalog.protocols[found.protocol]
    if not implicit or protocol.tls == "implicit":
        return protocol.key
    forms = [other for other in catalog.protocols.values() if other.plain == protocol.key and other.tls == "implicit"]
    forms.sort(key=lambda other: all(item.number != port for item in other.ports))
    return forms[0].key if forms else protocol.key


@lru_cache(maxsize=256)
def python_for(catalog: Catalog, protocol: Protocol, target: Version) -> tuple[str, str | None]:
    """What to import for ``protocol`` on ``target``, and the legacy names that are not current
    there (the tutorial's modules and the probe's), each with its status. Remembered: a scan
    asks the same question for every port that speaks the protocol."""
    return python_text(catalog, protocol, target), "; ".join(legacy_modules(catalog, protocol, target)) or None


def scan(targets: Iterable[str], options: ScanOptions | None = None, catalog: Catalog | None = None) -> Scan:
    """Scan ``targets`` (host names, addresses, ``[v6]``, CIDR blocks): iterate the returned
    :class:`Scan` for one :class:`PortResult` per port as it finishes."""
    options = options or ScanOptions()
    return Scan(expand_targets(targets, options.max_hosts), options, catalog)


def probe_each(
    protocol: str,
    requests: Sequence[ProbeOptions],
    catalog: Catalog | None = None,
    concurrency: int = DEFAULT_CONCURRENCY,
) -> list[ProbeResult]:
    """``run_probe(protocol, request)`` for every request, ``concurrency`` at a time (daemon threads,
    as a scan runs), the results in the order of ``requests``. Every request is checked before any
    probe starts: a usage error is raised before anything is sent."""
    from netref.probes import password_needed

    catalog = catalog or default_catalog()
    for request in requests:
        password_needed(protocol, request, catalog)
    results: list[ProbeResult | None] = [None] * len(requests)
    jobs: queue.SimpleQueue[int] = queue.SimpleQueue()
    for index in range(len(requests)):
        jobs.put(index)
    finished = threading.Semaphore(0)

    def work() -> None:
        while True:
            try:
                index = jobs.get_nowait()
            except queue.Empty:
                return
            try:
                results[index] = run_probe(protocol, requests[index], catalog)
            finally:
                finished.release()

    workers, _ = effective_concurrency(concurrency)
    for _ in range(min(workers, len(requests))):
        threading.Thread(target=work, name="netref-probe", daemon=True).start()
    for _ in requests:
        finished.acquire()
    return [result for result in results if result is not None]
