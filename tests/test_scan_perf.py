"""What makes a scan's open port cheap (issue 22 item 5), as behaviour: the port's own probe runs
on the connection the stage made (one connection a port), the families load before the examiners
start, identifications and the port's protocol are remembered, a target is looked up once a job,
the switch interval is raised while a scan runs, and results still stream while the stage sleeps.
Everything stays on 127.0.0.1."""

from __future__ import annotations

import contextlib
import socket
import threading
import time

import pytest
from servers import banner, serve

from netref import identify, targets
from netref import scan as scanner
from netref.probes import default_catalog, net
from netref.probes.values import ProbeFailure
from netref.scan import ScanOptions, scan


def counted_http() -> tuple[list[int], object]:
    """An HTTP server that counts its connections."""
    accepted: list[int] = []

    def handle(conn: socket.socket) -> None:
        accepted.append(1)
        conn.settimeout(3)
        if conn.recv(1024):
            conn.sendall(b"HTTP/1.0 200 OK\r\nServer: nginx/1.24.0\r\n\r\n")

    return accepted, handle


def test_the_ports_own_probe_runs_on_the_stages_connection(monkeypatch):
    """An HTTP port (as 8080 is) is connected once: by the stage; its probe speaks on that
    connection, and the row is what it was with two (protocol, software, module, verdict)."""
    accepted, handle = counted_http()
    with serve(handle) as server:
        monkeypatch.setattr(scanner, "expected_protocol", lambda catalog, port: catalog.protocols["http"])
        [result] = list(scan(["127.0.0.1"], ScanOptions(ports=[server.port], timeout=3)))
    assert result.state == "open" and result.protocol == "http" and result.verdict == "ok", result
    assert result.software == "nginx/1.24.0" and result.python and "http.client" in result.python
    assert accepted == [1]


def test_a_probe_of_another_protocol_connects_for_itself(monkeypatch):
    """Where the port's own probe meets something else (a banner where SMTP was expected), the
    identified protocol's probe is not handed the used connection: it connects anew."""
    with serve(banner(b"SSH-2.0-OpenSSH_9.2p1 Debian-2\r\n")) as server:
        monkeypatch.setattr(scanner, "expected_protocol", lambda catalog, port: catalog.protocols["smtp"])
        [result] = list(scan(["127.0.0.1"], ScanOptions(ports=[server.port], timeout=3)))
    assert result.protocol == "ssh" and result.software == "OpenSSH_9.2p1", result


def test_a_lent_connection_is_taken_once_and_closed_when_nobody_takes_it():
    with serve(banner(b"hi\r\n")) as server:
        infos = net.resolve("127.0.0.1", server.port, 0, time.monotonic() + 3)
        sock = socket.create_connection(("127.0.0.1", server.port))
        with net.Handed(sock):
            taken, _ = net.connect(infos, time.monotonic() + 3)
            again, _ = net.connect(infos, time.monotonic() + 3)  # a second connect connects
        assert taken is sock and again is not sock and sock.fileno() != -1
        for each in (taken, again):
            each.close()
        unused = socket.create_connection(("127.0.0.1", server.port))
        with net.Handed(unused):
            pass
        assert unused.fileno() == -1
        other = socket.create_connection(("127.0.0.1", server.port))
        with net.Handed(other):  # a connect to another peer does not take it
            elsewhere = net.resolve("127.0.0.2", server.port, 0, time.monotonic() + 3)
            with contextlib.suppress(ProbeFailure):  # refused: nobody listens on 127.0.0.2
                net.connect(elsewhere, time.monotonic() + 2)[0].close()
        assert other.fileno() == -1


def test_the_families_load_before_the_examiners_start(monkeypatch):
    """The family of the ports' protocol is loaded in the scanning thread, before any examiner."""
    from netref.probes import family

    loaded: list[str] = []
    load = family.load_family

    def recording(name: str):
        loaded.append(threading.current_thread().name)
        return load(name)

    monkeypatch.setattr(family, "load_family", recording)
    monkeypatch.setattr(scanner, "expected_protocol", lambda catalog, port: catalog.protocols["http"])
    _, handle = counted_http()
    with serve(handle) as server:
        list(scan(["127.0.0.1"], ScanOptions(ports=[server.port], timeout=3)))
    assert loaded and loaded[0] == threading.current_thread().name


def test_identifications_are_remembered_and_the_same():
    catalog = default_catalog()
    greeting = b"220 mail.example.test ESMTP Postfix\r\n"
    first = identify.candidates(greeting, catalog)
    assert identify.candidates(bytearray(greeting), catalog) == first == identify._candidates(greeting, catalog)
    first.clear()  # a caller's list is its own
    assert identify.candidates(greeting, catalog)[0].protocol == "smtp"
    long = b"HTTP/1.1 200 OK\r\n" + b"X: " + b"y" * identify.MEMO_BYTES + b"\r\n"
    assert identify.candidates(long, catalog)[0].protocol == "http"
    assert long not in identify._MEMOS[id(catalog)][1]
    for number in range(identify.MEMO_ENTRIES + 5):  # bounded: a fleet of distinct banners
        identify.candidates(b"220 host%d ESMTP\r\n" % number, catalog)
    assert len(identify._MEMOS[id(catalog)][1]) <= identify.MEMO_ENTRIES


def test_a_target_entry_is_its_host_and_whether_it_is_a_name():
    hosts = targets.Targets(["127.0.0.1-2", "example.invalid", "::1"])
    assert [hosts.entry(index) for index in range(hosts.count)] == [
        ("127.0.0.1", False), ("127.0.0.2", False), ("example.invalid", True), ("::1", False)]
    assert all(hosts.entry(index) == (hosts.host(index), hosts.is_name(index)) for index in range(hosts.count))


def test_results_stream_while_the_stage_sleeps():
    """Examiners wake the sleeping stage (once per sleep, not once per result): every result of a
    scan of refused and open ports arrives, none waits for a deadline."""
    with serve(banner(b"SSH-2.0-OpenSSH_9.2p1\r\n")) as fast:
        started = time.monotonic()
        found = list(scan(["127.0.0.1-40"], ScanOptions(ports=[fast.port], timeout=4, concurrency=8)))
        elapsed = time.monotonic() - started
    opened = [result for result in found if result.state == "open"]
    assert len(found) == 40 and len(opened) == 1 and opened[0].protocol == "ssh"
    assert elapsed < 2, elapsed  # a lost wake would sit out the 4 s deadline (or the 1.5 s greeting wait)


def test_the_switch_interval_is_raised_while_scans_run_and_put_back(monkeypatch):
    """Raised for the examiners' sake while any scan runs; the caller's own setting afterwards,
    also when two scans overlap and when one is stopped half-way."""
    import sys

    monkeypatch.setattr(sys, "setswitchinterval", sys.setswitchinterval)  # restored after the test
    before = sys.getswitchinterval()
    with serve(banner(b"SSH-2.0-OpenSSH_9.2p1\r\n")) as server:
        first = iter(scan(["127.0.0.1-3"], ScanOptions(ports=[server.port], timeout=3)))
        next(first)
        assert sys.getswitchinterval() == pytest.approx(max(before, scanner.SWITCH_INTERVAL))
        assert len(list(scan(["127.0.0.1"], ScanOptions(ports=[server.port], timeout=3)))) == 1
        assert sys.getswitchinterval() == pytest.approx(max(before, scanner.SWITCH_INTERVAL))  # the first still runs
        first.close()  # stopped half-way (as Ctrl-C in the consumer)
    assert sys.getswitchinterval() == before
