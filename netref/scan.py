"""What a host answers on, what it really is, and which Python module speaks to it.

``scan(["127.0.0.1"], ScanOptions(ports=(25, 80)))`` yields one :class:`PortResult` per port as
it finishes (the CLI sorts them into input order unless it streams). For each port:

1. Where the catalogue has a probe for the protocol the port number suggests (SMTP on 25), that
   probe runs first, through the same :func:`netref.probes.run_probe` as ``netref probe``, on the
   connection the scan's connection stage made (:class:`netref.probes.net.Handed`). If it
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
(or with the process). Ctrl-C is best turned into :meth:`Scan.interrupt` (:func:`until_sigint`):
a ``KeyboardInterrupt`` can land anywhere in the iterating thread, while it holds a lock or between
a job's start and its bookkeeping; the interrupt is a flag the stage reads at its next turn.
"""

from __future__ import annotations

import bisect
import collections
import contextlib
import dataclasses
import errno
import functools
import os
import queue
import selectors
import socket
import sys
import threading
import time
from array import array
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING

from netref import identify as ident
from netref import jobs, scan_udp
from netref import targets as targets_module
from netref.catalog import legacy_modules, python_text
from netref.probes import ProbeOptions, ProbeResult, ProbeUsageError, default_catalog, net, run_probe
from netref.probes.values import ProbeFailure, is_ip_address, printable
from netref.scan_values import CLOSED, FILTERED, OPEN, UNKNOWN, UNRESOLVED, PortResult, scan_warnings
from netref.targets import ScanUsageError as ScanUsageError  # re-exported: the scan's usage error
from netref.targets import Targets

if TYPE_CHECKING:  # pragma: no cover - typing only
    import ssl

    from netref.catalog import Catalog, Protocol
    from netref.versions import Version

DEFAULT_SCAN_TIMEOUT = 5.0
DEFAULT_CONCURRENCY = 100
DEFAULT_MAX_HOSTS = 4096
#: How long a silent server may take to greet before netref speaks first (sends the hellos).
GREETING_WAIT = 1.5
#: After the first complete line, how long to wait for the rest of a multi-line answer.
REST_WAIT = 0.1
#: File descriptors kept free for everything that is not a scan socket.
RESERVED_FILES = 64
#: The interpreter's thread switch interval while a scan runs (seconds; Python's default is 0.005).
SWITCH_INTERVAL = 0.05
#: Examiner threads at most (identify and probe the ports that accept; the rest need no thread).
MAX_EXAMINERS = 256


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
    exclude: Sequence[str] = ()  # targets not to scan (--exclude)
    rate: float | None = None  # new connections a second (--rate); None: as fast as concurrency allows
    shard: jobs.Shard | None = None  # this run's slice of the jobs (--shard K/N); None: all of them
    resume: Iterable[tuple[str, int, str]] | None = None  # (host, port, transport) finished before (--resume)
    udp_ports: Sequence[int] = ()  # examined by netref.scan_udp (U:53,161; --udp)


# -- targets and ports ---------------------------------------------------------------------------


def parse_ports(text: str) -> list[int]:
    """``25,80,8000-8100`` (``80-``, ``-1024``, ``-``: nmap's open ranges) as the TCP ports in the
    order given, each once; :func:`parse_port_list` for lists with UDP ports."""
    return parse_port_list(text)[0]


def parse_port_list(text: str | None, udp: bool = False, catalog: Catalog | None = None) -> tuple[list[int], list[int]]:
    """``--ports`` in nmap's syntax (:mod:`netref.ports`): the TCP ports and the UDP ports. Without a
    list, the catalogue's TCP ports, or with ``udp`` (``--udp``, as ``nmap -sU``) its UDP ports;
    with ``udp`` a port written without ``T:``/``U:``//udp is UDP."""
    from netref import ports

    if text is None:
        if not udp:
            return catalogue_ports(catalog or default_catalog()), []
        return [], catalogue_udp_ports(catalog or default_catalog())
    try:
        return ports.split(ports.parse_ports(text, "udp" if udp else "tcp"))
    except ports.PortSpecError as error:
        raise ScanUsageError(str(error)) from None


def catalogue_ports(catalog: Catalog) -> list[int]:
    """Every TCP port in the catalogue (plain, TLS and alternative), ascending."""
    return sorted({port.number for protocol in catalog.protocols.values() for port in protocol.ports
                   if port.transport == "tcp" and port.number > 0})  # fmt: skip


def catalogue_udp_ports(catalog: Catalog) -> list[int]:
    """Every UDP port in the catalogue, ascending (what ``--udp`` scans without ``--ports``)."""
    return sorted({port.number for protocol in catalog.protocols.values() for port in protocol.ports
                   if port.transport == "udp" and port.number > 0})  # fmt: skip


def read_targets(lines: Iterable[str]) -> list[str]:
    """Targets from a file: separated by white space, ``#`` comments (:mod:`netref.targets`)."""
    return targets_module.read_targets(lines)


def expand_targets(texts: Iterable[str], max_hosts: int = DEFAULT_MAX_HOSTS) -> list[str]:
    """Host names and addresses, ``[v6]`` unwrapped, blocks and ranges expanded to their hosts
    (a list: for small target lists; a scan keeps its :class:`~netref.targets.Targets` lazy)."""
    hosts = list(targets_module.Targets(texts, max_hosts=max_hosts))
    if not hosts:
        raise ScanUsageError("no targets to scan")
    return hosts


def effective_concurrency(requested: int) -> tuple[int, str | None]:
    """``requested``, within the process's open-file limit: the soft limit is raised (up to the
    hard one) when it is too low, and the concurrency lowered when even that is not enough; the
    note says which, in one line."""
    if requested < 1:
        raise ScanUsageError(f"--concurrency: expected a number above 0, not {requested}")
    try:
        import resource

        soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    except (ImportError, OSError, ValueError):  # pragma: no cover - not on Windows
        return requested, None
    infinity = resource.RLIM_INFINITY
    if soft == infinity or requested + RESERVED_FILES <= soft:
        return requested, None
    wanted = requested + RESERVED_FILES if hard == infinity else min(requested + RESERVED_FILES, hard)
    try:
        resource.setrlimit(resource.RLIMIT_NOFILE, (wanted, hard))
    except (OSError, ValueError):
        wanted = soft
    if requested + RESERVED_FILES <= wanted:
        return requested, f"open-file limit raised from {soft} to {wanted} for --concurrency {requested}"
    ceiling = max(wanted - RESERVED_FILES, 1)
    return ceiling, f"--concurrency {requested} lowered to {ceiling} (open-file limit {wanted}, hard limit {hard})"


def port_key(port: object) -> tuple[int, str]:
    """A port of the scan's list as (number, transport), whatever type the list holds (an
    ``int`` is a TCP port; a port value with ``number`` and ``transport`` is itself)."""
    number = getattr(port, "number", port)
    transport = getattr(port, "transport", "tcp")
    assert isinstance(number, int) and isinstance(transport, str)
    return number, transport


# -- the scan ------------------------------------------------------------------------------------


class Scan:
    """A running scan: iterate it for the results as they finish; :meth:`stop` ends it at once.

    One thread runs the **connection stage** (the iterating one): non-blocking connects for every
    job in the run's order (:class:`netref.jobs.JobOrder`, one shard of it), at most ``concurrency``
    in flight and ``rate`` new ones a second, watched by one selector. A refused connection is
    ``closed`` and an unanswered one ``filtered`` there and then. A port that accepts is handed to
    a pool of examiner threads (:class:`Examination`: identify and probe), with the connected
    socket when the examination will read it: the stage first waits there for the server's first
    bytes, so a slow greeter occupies no thread. ``total`` counts the ports to scan (it shrinks
    when a host does not resolve).
    """

    def __init__(self, targets: Targets | Sequence[str], options: ScanOptions, catalog: Catalog | None = None) -> None:
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
        self.targets = targets if isinstance(targets, Targets) else Targets(targets)
        self.ports = list(options.ports) if options.ports is not None else catalogue_ports(self.catalog)
        self.ports += [scan_udp.UdpPort(number) for number in options.udp_ports]
        self.rate = jobs.Rate(options.rate) if options.rate is not None else None
        self.order = jobs.JobOrder(self.targets.count * len(self.ports), options.shard)
        self._skip = self._resumed(options.resume or ())
        self.total = self.order.size - len(self._skip)
        self.concurrency, self.note = effective_concurrency(options.concurrency)
        self.examiners = min(self.concurrency, MAX_EXAMINERS)
        self._expected = [expected_protocol(self.catalog, port_key(port)[0]) for port in self.ports]
        self._results: collections.deque[PortResult | tuple[int, str | None, str]] = collections.deque()
        self._sockets: set[socket.socket] = set()
        self._lock = threading.Lock()
        self._stopped = threading.Event()
        self.interrupted = False  # set by interrupt(): the iteration ends at the stage's next turn
        self._started = False
        self._wake: socket.socket | None = None
        self._sleeping = False  # the stage waits in its selector (set before it looks at _results)
        self._woken = False  # a wake byte is on its way

    @property
    def hosts(self) -> Targets:
        return self.targets

    def _resumed(self, done: Iterable[tuple[str, int, str]]) -> array[int]:
        """The jobs of this shard a previous run finished, ascending (8 bytes each)."""
        where = {port_key(port): index for index, port in enumerate(self.ports)}
        found = array("Q")
        for host, number, transport in done:
            target, port = self.targets.index_of(host), where.get((number, transport))
            if target is not None and port is not None:
                job = target * len(self.ports) + port
                if self.order.owns(job):
                    found.append(job)
        return array("Q", sorted(set(found)))

    def __iter__(self) -> Iterator[PortResult]:
        if self._started:
            raise RuntimeError("a Scan runs once")
        self._started = True
        if self.total <= 0:
            return
        _warm(self._expected)
        stage = _Stage(self)
        _SWITCHING.enter()
        try:
            yield from stage.run()
        finally:
            _SWITCHING.leave()
            self.stop()
            stage.close()

    def stop(self) -> None:
        """End the scan: no new connections, every open socket shut down."""
        self._stopped.set()
        with self._lock:
            sockets = list(self._sockets)
        for sock in sockets:
            _shut(sock)
        self.wake()

    def interrupt(self) -> None:
        """End the iteration at the stage's next turn, keeping what finished: safe in a signal
        handler, which runs between any two bytecodes of the iterating thread (so no lock here:
        :meth:`stop`'s lock may be the one the interrupted code holds; the iteration calls it)."""
        self.interrupted = True
        self.wake()

    def wake(self) -> None:
        """Interrupt the stage's wait (a result is ready, or the scan stopped)."""
        wake = self._wake
        if wake is not None:
            with contextlib.suppress(OSError):
                wake.send(b"\0")

    def finish(self, item: PortResult | tuple[int, str | None, str]) -> None:
        """An examiner's result (or a name's resolution) for the stage: the stage is woken only
        when it sleeps and nobody has woken it yet (a fleet finishes thousands of ports a second:
        a wake each would cost a system call and a thread switch each)."""
        self._results.append(item)
        if self._sleeping and not self._woken:
            self._woken = True
            self.wake()

    # -- examiners ----------------------------------------------------------------------------

    def examine(self, order: tuple[int, int], host: str, address: str, started: float, handed: _Handoff | None) -> None:
        """Identify and probe one port that accepted a connection (in an examiner thread)."""
        port = self.ports[order[1]]
        result = PortResult(host=host, port=port_key(port)[0], state=OPEN, address=address, order=order)
        try:
            if self._stopped.is_set():
                raise _Stopped
            if handed is None:
                Examination(self, host, address, port, result).run()
            else:
                _Handed(self, host, address, port, result, handed).run()
        except _Stopped:
            result.message = "interrupted"
        except Exception as error:  # noqa: BLE001 - one port's bug must not hang the whole scan
            result.message = f"netref could not examine this port: {type(error).__name__}: {error}"
        finally:
            if handed is not None and handed.sock is not None:
                handed.sock.close()
        result.elapsed_ms = (time.monotonic() - started) * 1000
        self.finish(result)

    def examine_udp(self, order: tuple[int, int], host: str, address: str, started: float) -> None:
        """Send one UDP port its protocol's payload and judge the reply (in an examiner thread)."""
        port = self.ports[order[1]]
        try:
            if self._stopped.is_set():
                raise _Stopped
            result = scan_udp.examine(self, host, address, port)
        except _Stopped:
            result = PortResult(host=host, port=port_key(port)[0], state=OPEN, address=address, message="interrupted")
        except Exception as error:  # noqa: BLE001 - one port's bug must not hang the whole scan
            message = f"netref could not examine this port: {type(error).__name__}: {error}"
            result = PortResult(host=host, port=port_key(port)[0], state=OPEN, address=address, message=message)
        result.transport, result.order = "udp", order
        result.elapsed_ms = (time.monotonic() - started) * 1000
        self.finish(result)

    def resolve(self, index: int, host: str) -> None:
        """A host's first address (all are tried by the probes), or why there is none."""
        try:
            deadline = time.monotonic() + self.options.timeout
            infos = net.resolve(net.ascii_host(host), 0, self.options.family, deadline)
        except (ProbeFailure, ProbeUsageError) as failure:
            self.finish((index, None, str(failure)))
            return
        self.finish((index, net.format_address(infos[0][4]), ""))

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


class _SwitchInterval:
    """The interpreter's thread switch interval, raised to :data:`SWITCH_INTERVAL` while any scan
    runs (the first scan in raises it, the last one out puts it back).

    Hundreds of examiner threads each want the interpreter lock for a moment between socket
    calls; at the default 5 ms the waiting ones force it from whichever holds it, a thread switch
    each time. A longer interval lets a holder reach its next socket call (which releases the
    lock anyway): measured on 4,096 open ports, a third fewer switches and some 10 % less CPU. The
    stage loses nothing: its own waits are in the selector, which releases the lock."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._running = 0
        self._saved = 0.0

    def enter(self) -> None:
        with self._lock:
            if not self._running:
                self._saved = sys.getswitchinterval()
                sys.setswitchinterval(max(self._saved, SWITCH_INTERVAL))
            self._running += 1

    def leave(self) -> None:
        with self._lock:
            self._running -= 1
            if not self._running:
                sys.setswitchinterval(self._saved)


_SWITCHING = _SwitchInterval()


def _warm(expected: Iterable[Protocol | None]) -> None:
    """Load the families of the ports' usual protocols (and the clients they import) once, here:
    left to the first probes, hundreds of examiner threads would queue on the import lock at once.
    A family that cannot load is the examination's to report, port by port."""
    from netref.probes.family import load_family

    for name in dict.fromkeys(protocol.family for protocol in expected if protocol is not None and protocol.family):
        with contextlib.suppress(Exception):
            load_family(name)


class _Stopped(Exception):
    """The scan was stopped while this port was being examined."""


def _shut(sock: socket.socket) -> None:
    try:
        sock.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass


@dataclass
class _Handoff:
    """A connection the stage made for an examination: the socket (None once closed), when the
    job started and when it connected, and whether the server stayed silent while the stage
    waited for its first bytes (the examination then does not wait again)."""

    sock: socket.socket | None
    started: float
    connected: float
    silent: bool = False


CONNECTING, LISTENING, HANDED = range(3)  # an attempt's phases in the stage


class _Attempt:
    """One job in the connection stage."""

    __slots__ = ("address", "connected", "deadline", "host", "order", "phase", "sock", "started")

    def __init__(self, order: tuple[int, int], host: str, address: str, sock: socket.socket, now: float) -> None:
        self.order, self.host, self.address, self.sock = order, host, address, sock
        self.started = self.connected = now
        self.deadline = now
        self.phase = CONNECTING


class _Pool:
    """Daemon threads that run examinations (a scan stopped by Ctrl-C does not wait for them)."""

    def __init__(self, size: int) -> None:
        self._tasks: queue.SimpleQueue[Callable[[], None] | None] = queue.SimpleQueue()
        self._threads = [threading.Thread(target=self._work, name="netref-scan", daemon=True) for _ in range(size)]
        # Every thread is started before there is work: a start waits for the thread to run, which
        # is quick while the others sleep on the empty queue and slow once they are busy probing.
        for thread in self._threads:
            thread.start()

    def _work(self) -> None:
        while (task := self._tasks.get()) is not None:
            task()

    def submit(self, task: Callable[[], None]) -> None:
        self._tasks.put(task)

    def close(self) -> None:
        for _ in self._threads:
            self._tasks.put(None)


class _Stage:
    """The connection stage of one run of a :class:`Scan` (see its docstring)."""

    def __init__(self, scan: Scan) -> None:
        self.scan = scan
        self.timeout = scan.options.timeout
        self.greeting = min(GREETING_WAIT, self.timeout / 3)
        self.selector = selectors.DefaultSelector()
        self.wake_in, wake_out = socket.socketpair()
        for end in (self.wake_in, wake_out):
            end.setblocking(False)
        scan._wake = wake_out
        self.selector.register(self.wake_in, selectors.EVENT_READ)
        self.pool = _Pool(min(scan.examiners, scan.total))
        self.jobs = iter(scan.order)
        self.connecting: collections.deque[_Attempt] = collections.deque()
        self.listening: collections.deque[_Attempt] = collections.deque()
        self.ready: collections.deque[tuple[int, int]] = collections.deque()  # jobs whose host has resolved
        self.parked: dict[int, list[int]] = {}  # host index -> ports waiting for its name to resolve
        self.addresses: dict[int, str | None] = {}
        self.busy = 0  # jobs begun and not finished: each holds at most one socket
        self.exhausted = False

    def run(self) -> Iterator[PortResult]:
        scan = self.scan
        while not scan.stopped:
            if scan.interrupted:  # what finished meanwhile is kept; the rest is stopped
                yield from self.finished()
                return
            now = time.monotonic()
            self.begin(now)
            while scan._results:
                item = scan._results.popleft()
                if isinstance(item, PortResult):
                    self.busy -= 1
                    yield item
                elif (failed := self.resolved(*item)) is not None:
                    yield failed
            if self.exhausted and not (self.busy or self.ready or self.parked or scan._results):
                return
            scan._sleeping = True  # before the look at _results: an examiner finishing now wakes us
            ready = self.selector.select(0.0 if scan._results else self.wait(time.monotonic()))
            scan._sleeping = scan._woken = False
            for key, events in ready:
                if key.data is None:
                    with contextlib.suppress(OSError):
                        self.wake_in.recv(4096)
                elif events & selectors.EVENT_WRITE:
                    self.connected(key.data)
                else:
                    self.hand(key.data, silent=False)
            self.expire(time.monotonic())

    def finished(self) -> Iterator[PortResult]:
        """The results already in, taken one by one (examiners may still add to the queue: it is
        never iterated over while it can change)."""
        results = self.scan._results
        while results:
            item = results.popleft()
            if isinstance(item, PortResult):
                yield item

    def wait(self, now: float) -> float | None:
        """How long the selector may sleep: until the first deadline, or the next token."""
        waits = [line[0].deadline - now for line in (self.connecting, self.listening) if line]
        rate = self.scan.rate
        if self.busy < self.scan.concurrency and (self.ready or not self.exhausted):  # more to start
            waits.append(rate.wait(now) if rate is not None else 0.0)
        return max(min(waits), 0.0) if waits else None

    # -- starting jobs ------------------------------------------------------------------------

    def begin(self, now: float) -> None:
        scan, rate = self.scan, self.scan.rate
        while self.busy < scan.concurrency and not scan.stopped:
            if rate is not None and not rate.take(now):
                return
            job = self.next_job()
            if job is None:
                return
            self.start(*job, now)

    def next_job(self) -> tuple[int, int] | None:
        if self.ready:
            return self.ready.popleft()
        scan, count = self.scan, len(self.scan.ports)
        skip = scan._skip
        for job in self.jobs:
            if skip and (place := bisect.bisect_left(skip, job)) < len(skip) and skip[place] == job:
                continue
            return divmod(job, count)
        self.exhausted = True
        return None

    def start(self, target: int, port: int, now: float) -> None:
        scan = self.scan
        host, is_name = scan.targets.entry(target)
        address = self.address(target, port, host, is_name)
        if address is None:
            return
        number, transport = port_key(scan.ports[port])
        self.busy += 1
        if transport != "tcp":  # a UDP port needs no connection stage: netref.scan_udp examines it
            self.pool.submit(functools.partial(scan.examine_udp, (target, port), host, address, now))
            return
        try:
            sock = socket.socket(socket.AF_INET6 if ":" in address else socket.AF_INET, socket.SOCK_STREAM)
        except OSError as failure:  # out of descriptors after all: try again when one is free
            self.busy -= 1
            self.ready.appendleft((target, port))
            scan.concurrency = max(self.busy, 1)
            scan.note = f"--concurrency lowered to {scan.concurrency}: {failure.strerror or failure}"
            return
        sock.setblocking(False)
        attempt = _Attempt((target, port), host, address, sock, now)
        error = sock.connect_ex((address, number))
        if error == 0:
            self.on_connect(attempt, now)
        elif error in (errno.EINPROGRESS, errno.EAGAIN, errno.EWOULDBLOCK):
            attempt.deadline = now + self.timeout
            self.selector.register(sock, selectors.EVENT_WRITE, attempt)
            self.connecting.append(attempt)
        else:
            self.refused(attempt, error, now)

    def address(self, target: int, port: int, host: str, is_name: bool) -> str | None:
        """The address to connect to for this job (``host``, the target's, when it is an
        address), or None when the job waits for (or was dropped with) its host's name."""
        scan = self.scan
        family = scan.options.family
        if not is_name and (not family or (":" in host) == (family == 6)):
            return host
        if target in self.addresses:
            address = self.addresses[target]
            if address is None:
                scan.total -= 1
            return address
        waiting = self.parked.setdefault(target, [])
        waiting.append(port)
        if len(waiting) == 1:
            self.pool.submit(functools.partial(scan.resolve, target, host))
        return None

    def resolved(self, target: int, address: str | None, why: str) -> PortResult | None:
        """A name resolved: its parked jobs are ready; or not: one ``unresolved`` row for it."""
        self.addresses[target] = address
        waiting = self.parked.pop(target, [])
        if address is not None:
            self.ready.extend((target, port) for port in waiting)
            return None
        self.scan.total -= len(waiting) - 1
        return PortResult(self.scan.targets.host(target), None, UNRESOLVED, message=why, order=(target, -1))

    # -- connections --------------------------------------------------------------------------

    def connected(self, attempt: _Attempt) -> None:
        error = attempt.sock.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
        self.selector.unregister(attempt.sock)
        now = time.monotonic()
        if error:
            attempt.phase = HANDED
            self.refused(attempt, error, now)
        else:
            self.on_connect(attempt, now)

    def on_connect(self, attempt: _Attempt, now: float) -> None:
        """The port accepted: to an examiner with this connection, on which the port's own probe
        speaks (or the client's first words are said), or after its first bytes where the
        examination reads this connection's greeting (no probe of the port's protocol comes first)."""
        attempt.connected, attempt.phase = now, HANDED
        expected = self.scan._expected[attempt.order[1]]
        probe_first = expected is not None and bool(expected.family)  # the probe speaks on this connection
        client_first = expected is not None and expected.identify is not None and expected.identify.first == "client"
        if probe_first or client_first:
            self.examine(attempt, _Handoff(attempt.sock, attempt.started, now))
        else:
            attempt.phase, attempt.deadline = LISTENING, now + self.greeting
            self.selector.register(attempt.sock, selectors.EVENT_READ, attempt)
            self.listening.append(attempt)

    def hand(self, attempt: _Attempt, silent: bool) -> None:
        attempt.phase = HANDED
        self.selector.unregister(attempt.sock)
        self.examine(attempt, _Handoff(attempt.sock, attempt.started, attempt.connected, silent))

    def examine(self, attempt: _Attempt, handed: _Handoff | None) -> None:
        scan = self.scan
        self.pool.submit(functools.partial(scan.examine, attempt.order, attempt.host, attempt.address, attempt.started,
                                           handed))  # fmt: skip

    def refused(self, attempt: _Attempt, error: int, now: float) -> None:
        """A connection that failed: ``closed``, with the system's reason."""
        attempt.sock.close()
        self.row(attempt, CLOSED, os.strerror(error).lower(), now)

    def row(self, attempt: _Attempt, state: str, message: str, now: float) -> None:
        """The stage's own result for a job (no thread to wake: the stage reads it next)."""
        number = port_key(self.scan.ports[attempt.order[1]])[0]
        elapsed = (now - attempt.started) * 1000
        row = PortResult(attempt.host, number, state, attempt.address, message=message, elapsed_ms=elapsed)
        row.order = attempt.order
        self.scan._results.append(row)

    def expire(self, now: float) -> None:
        """Connections past their deadline are ``filtered``; greetings past theirs, silent."""
        while self.connecting and (self.connecting[0].phase != CONNECTING or self.connecting[0].deadline <= now):
            attempt = self.connecting.popleft()
            if attempt.phase == CONNECTING:
                attempt.phase = HANDED
                self.selector.unregister(attempt.sock)
                attempt.sock.close()
                self.row(attempt, FILTERED, f"no answer to the connection within {self.timeout:g} s", now)
        while self.listening and (self.listening[0].phase != LISTENING or self.listening[0].deadline <= now):
            attempt = self.listening.popleft()
            if attempt.phase == LISTENING:
                self.hand(attempt, silent=True)

    def close(self) -> None:
        """Every socket still in the stage closed; the examiners told to stop."""
        for attempt in (*self.connecting, *self.listening):
            if attempt.phase != HANDED:
                attempt.sock.close()
        self.pool.close()
        self.selector.close()
        self.scan._wake = None
        self.wake_in.close()


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
        options, ports = self.probe_options(), self.catalog.protocols[key].ports
        if any(port.transport == "udp" for port in ports) and any(port.transport == "tcp" for port in ports):
            options = dataclasses.replace(options, transport="tcp")  # a TCP port: DNS over TCP, not its UDP default
        return run_probe(key, options, self.catalog)

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
        result.warnings = scan_warnings(probe)
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


class _Handed(Examination):
    """An examination whose first connection the connection stage made, and waited on for the
    server's first bytes: the protocol logic is :class:`Examination`'s, only that connect differs."""

    def __init__(self, scan: Scan, host: str, address: str, port: int, result: PortResult, handed: _Handoff) -> None:
        super().__init__(scan, host, address, port, result)
        self.handed = handed

    def connect(self) -> socket.socket | None:
        handed = self.handed
        sock, handed.sock = handed.sock, None
        if sock is None:
            return super().connect()
        self.scan.track(sock)
        sock.setblocking(True)
        sock.settimeout(self.timeout)
        self.deadline = handed.connected + self.timeout
        return sock

    def probe(self, key: str) -> ProbeResult:
        """The port's own probe runs on the stage's connection (one connection a port, not two);
        any other probe, or one after the connection was used, connects for itself."""
        handed = self.handed
        sock = handed.sock
        if sock is None or self.expected is None or key != self.expected.key:
            return super().probe(key)
        handed.sock = None
        with net.Handed(sock, (self.address, self.port)):  # closed if the probe does not take it
            return super().probe(key)

    def read(self, sock: socket.socket, wait: float) -> bytes:
        if self.handed.silent:  # the stage has waited for a greeting already
            self.handed.silent, wait = False, 0.0
        return super().read(sock, wait)


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
    a protocol probed that way (ssh) the banner must identify it. A TLS-first protocol that no
    identify table can name (syslog-tls: it never replies) is accepted when its probe failed only
    on the certificate: the handshake is all a scan could learn, and fallback hellos inside TLS
    would reach the collector as messages."""
    if not probe.ok:
        return probe.category == "certificate" and expected.tls == "implicit" and not _nameable(catalog, expected)
    if heard.found is not None:
        return heard.found.protocol != ident.TLS and ident.speaks(catalog, expected.key, heard.found.protocol)
    return expected.family != "tcp"



def _nameable(catalog: Catalog, protocol: Protocol) -> bool:
    """Whether what speaks inside TLS could name the protocol: an identify table of its own or of
    its plain form (DoT by DNS's); syslog-tls has neither."""
    plain = catalog.protocols.get(protocol.plain or "")
    return protocol.identify is not None or (plain is not None and plain.identify is not None)


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


@lru_cache(maxsize=1024)
def expected_protocol(catalog: Catalog, port: int) -> Protocol | None:
    """The catalogue protocol the port number suggests (one with a probe first): only a first
    guess, for what to say first and which probe to start early; never the answer. Remembered:
    every open port of a fleet asks it (the catalogue lists every protocol's ports)."""
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
    """Scan ``targets`` (host names, addresses, ``[v6]``, CIDR blocks, ranges: see
    :mod:`netref.targets`): iterate the returned :class:`Scan` for one :class:`PortResult` per
    port as it finishes. The targets are not expanded into a list."""
    options = options or ScanOptions()
    hosts = Targets(targets, options.exclude, options.max_hosts)
    if not hosts.count:
        raise ScanUsageError("no targets to scan")
    return Scan(hosts, options, catalog)


def until_sigint(running: Scan) -> Iterator[PortResult]:
    """``running``'s results, with Ctrl-C (SIGINT) turned into :meth:`Scan.interrupt` instead of a
    ``KeyboardInterrupt`` while they come; the previous handler is back once the iteration ends
    (or is dropped). Left alone where SIGINT is ignored (a background job without job control
    inherits that, and a program keeps it so) or off the main thread (only there can a handler
    be set): a ``KeyboardInterrupt`` still ends the scan there."""
    import signal

    previous = signal.getsignal(signal.SIGINT)
    if previous == signal.SIG_IGN or threading.current_thread() is not threading.main_thread():
        yield from running
        return
    signal.signal(signal.SIGINT, lambda number, frame: running.interrupt())
    try:
        yield from running
    finally:
        signal.signal(signal.SIGINT, previous)


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
