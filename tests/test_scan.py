"""``netref scan`` and ``netref.scan``: real servers on loopback, closed and filtered ports,
servers that speak another protocol than their port's, IPv6, stdin targets, Ctrl-C and the
progress bar. Nothing here leaves 127.0.0.1 / ::1."""

from __future__ import annotations

import contextlib
import json
import os
import pty
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import captures_ssh
import pytest
from captures_ssh import Replay
from line_servers import imap_server, nntp_server, pop3_server
from servers import HttpServer, banner, gopher_menu, serve, silent, telnet_login
from smtp_server import SmtpServer
from typer.testing import CliRunner

from netref import scan as scanner
from netref.cli import app
from netref.identify import GUESS
from netref.scan import ScanOptions, ScanUsageError, scan

runner = CliRunner()


def results(targets: list[str], ports: list[int], **options) -> dict[int, scanner.PortResult]:
    found = list(scan(targets, ScanOptions(ports=ports, timeout=options.pop("timeout", 3), **options)))
    return {result.port: result for result in found if result.port is not None}


def http_answer(conn: socket.socket) -> None:
    conn.recv(1024)
    conn.sendall(b"HTTP/1.0 200 OK\r\nServer: nginx/1.24.0\r\n\r\n")


@contextlib.contextmanager
def filtered_port() -> Iterator[int]:
    """A listener whose accept queue is full: a new SYN gets no answer (no accept, backlog 0)."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(0)
    port = listener.getsockname()[1]
    filler = socket.create_connection(("127.0.0.1", port))
    try:
        yield port
    finally:
        filler.close()
        listener.close()


def test_each_protocol_identified_from_what_its_server_says(server_ssl_context):
    with SmtpServer(starttls_context=server_ssl_context) as smtp, pop3_server() as pop3, imap_server() as imap, \
            nntp_server() as nntp, HttpServer() as http, serve(telnet_login()) as telnet, \
            serve(gopher_menu()) as gopher, serve(Replay(captures_ssh.OPENSSH_DEFAULT)) as ssh:
        found = results(["127.0.0.1"], [s.port for s in (smtp, pop3, imap, nntp, http, telnet, gopher, ssh)])
    assert found[smtp.port].protocol == "smtp" and found[smtp.port].tls == "starttls"
    assert found[smtp.port].python == "smtplib" and found[smtp.port].verdict == "ok"
    assert found[pop3.port].protocol == "pop3" and found[pop3.port].python == "poplib"
    assert found[imap.port].protocol == "imap" and found[imap.port].python == "imaplib"
    assert found[nntp.port].protocol == "nntp"
    assert found[http.port].protocol == "http" and found[http.port].software.startswith("netref-test/1.0")
    assert found[telnet.port].protocol == "telnet" and found[telnet.port].verdict == "ok"
    assert found[gopher.port].protocol == "gopher" and found[gopher.port].verdict == "ok"
    assert found[ssh.port].protocol == "ssh" and found[ssh.port].software == "OpenSSH_9.2p1"
    assert found[ssh.port].verdict == "ok"  # version line and KEXINIT read
    assert all(result.state == "open" and result.address == "127.0.0.1" for result in found.values())


def test_the_probes_warnings_reach_the_scan_and_its_note():
    """An sshd offering legacy algorithms (the real capture): ok, with ssh-audit's warnings in
    JSON's ``warnings`` and the first of them, counted, in the table's NOTE."""
    with serve(Replay(captures_ssh.OPENSSH_LEGACY)) as ssh:
        found = results(["127.0.0.1"], [ssh.port])[ssh.port]
        table = CliRunner().invoke(app, ["scan", "127.0.0.1", "--ports", str(ssh.port), "--wide"])
    assert found.verdict == "ok" and len(found.warnings) > 1
    assert found.to_dict()["warnings"] == found.warnings and "diffie-hellman-group1-sha1" in " ".join(found.warnings)
    assert f"{found.warnings[0]} (+{len(found.warnings) - 1} more)" in table.output


def test_legacy_module_flagged_and_substitution_named_for_the_target_python():
    with serve(telnet_login()) as telnet:
        on_311 = results(["127.0.0.1"], [telnet.port], target=(3, 11))[telnet.port]
        on_313 = results(["127.0.0.1"], [telnet.port], target=(3, 13))[telnet.port]
    assert on_311.python == "socket" and on_311.legacy.startswith("telnetlib: deprecated in 3.11")
    assert on_313.legacy.startswith("telnetlib: removed in 3.13") and "→ socket" in on_313.legacy


def test_implicit_tls_detected_and_the_protocol_inside_identified(server_ssl_context, ca_file):
    with SmtpServer(implicit_context=server_ssl_context) as smtps, HttpServer(server_ssl_context) as https:
        found = results(["127.0.0.1"], [smtps.port, https.port], cafile=str(ca_file))
    assert found[smtps.port].protocol in ("smtps", "submissions") and found[smtps.port].tls == "implicit"
    assert found[https.port].protocol == "https" and found[https.port].verdict == "ok"
    assert found[https.port].cert_days is not None and found[https.port].cert_days > 0


def test_a_server_of_another_protocol_is_reported_as_what_it_is(monkeypatch):
    """An HTTP server where the catalogue expects SMTP (as on port 25), an SMTP greeting where
    it expects HTTP: named from what they say, probed as that, not as broken SMTP or HTTP."""
    with serve(http_answer) as http, SmtpServer() as smtp:
        monkeypatch.setattr(scanner, "expected_protocol", lambda catalog, port: catalog.protocols[
            {http.port: "smtp", smtp.port: "http"}[port]])
        found = results(["127.0.0.1"], [http.port, smtp.port])
    assert found[http.port].protocol == "http" and found[http.port].software == "nginx/1.24.0"
    assert found[http.port].verdict == "ok"
    assert found[smtp.port].protocol == "smtp" and found[smtp.port].verdict == "ok"


def test_unknown_service_shows_its_banner_and_silence_is_unknown():
    with serve(banner(b"\x1b[31mhello\x07 there\r\nsecond line\r\n")) as odd, serve(silent) as mute:
        found = results(["127.0.0.1"], [odd.port, mute.port], timeout=1.5)
    assert found[odd.port].protocol == "unknown" and found[odd.port].banner == "\\x1b[31mhello\\x07 there"
    assert found[mute.port].protocol == "unknown" and found[mute.port].banner is None


def test_closed_and_filtered_ports(closed_port):
    with filtered_port() as filtered:
        started = time.monotonic()
        found = results(["127.0.0.1"], [closed_port, filtered], timeout=1)
        assert time.monotonic() - started < 2.5
    assert found[closed_port].state == "closed" and found[closed_port].protocol is None
    assert found[filtered].state == "filtered"


def test_ipv6_loopback():
    if not socket.has_ipv6:
        pytest.skip("no IPv6 on this machine")
    try:
        server = SmtpServer(host="::1")
        server.__enter__()
    except OSError:
        pytest.skip("no ::1 on this machine")
    try:
        found = results(["[::1]"], [server.port])
    finally:
        server.__exit__(None, None, None)
    assert found[server.port].protocol == "smtp" and found[server.port].address == "::1"


def test_a_guess_prefers_the_protocol_of_the_port():
    """A bare ``220`` is SMTP's or FTP's: on an SMTP port it is SMTP, a guess."""
    with serve(banner(b"220 ready\r\n")) as server:
        scan_ = scanner.Scan(["127.0.0.1"], ScanOptions(ports=[server.port], timeout=2))
        examination = scanner.Examination(scan_, "127.0.0.1", "127.0.0.1", server.port, scanner.PortResult(
            "127.0.0.1", server.port, "open"))
        examination.expected = scan_.catalog.protocols["smtp"]
        assert examination.best(b"220 ready\r\n").protocol == "smtp"
        examination.expected = scan_.catalog.protocols["ftp"]
        assert examination.best(b"220 ready\r\n").protocol == "ftp"
        assert examination.best(b"220 ready\r\n").confidence < GUESS


def test_targets_ports_and_limits():
    assert scanner.parse_ports("25,80,8000-8002,25") == [25, 80, 8000, 8001, 8002]
    assert scanner.expand_targets(["127.0.0.0/29", "[::1]", "example.invalid"]) == [
        *(f"127.0.0.{n}" for n in range(1, 7)), "::1", "example.invalid"]
    assert scanner.read_targets(["# a comment", "", "127.0.0.1  # me", "  ::1"]) == ["127.0.0.1", "::1"]
    for bad in ("0", "70000", "x", "90-80"):
        with pytest.raises(ScanUsageError):
            scanner.parse_ports(bad)
    with pytest.raises(ScanUsageError, match="--max-hosts"):
        scanner.expand_targets(["10.0.0.0/8"])
    assert len(scanner.expand_targets(["127.0.0.0/20"], max_hosts=5000)) == 4094
    with pytest.raises(ScanUsageError):
        scanner.expand_targets(["host:25"])
    assert 8080 in scanner.catalogue_ports(scanner.default_catalog())
    assert 8443 in scanner.catalogue_ports(scanner.default_catalog())


def test_concurrency_clamped_below_the_open_file_limit():
    """Beyond the hard limit (the soft one is raised up to it: tests/test_scan_fleet.py)."""
    import resource

    hard = resource.getrlimit(resource.RLIMIT_NOFILE)[1]
    if hard == resource.RLIM_INFINITY:
        pytest.skip("no hard open-file limit")
    allowed, note = scanner.effective_concurrency(hard * 2)
    assert allowed < hard and note and "lowered" in note
    assert scanner.effective_concurrency(10) == (10, None)


def test_concurrency_bounds_open_sockets(monkeypatch):
    """Twenty silent servers, concurrency 4: never more than four of the scan's sockets open at once."""
    peak = [0]
    track = scanner.Scan.track

    def counting(self, sock):
        track(self, sock)
        peak[0] = max(peak[0], len(self._sockets))

    monkeypatch.setattr(scanner.Scan, "track", counting)
    servers = [serve(silent) for _ in range(20)]
    with contextlib.ExitStack() as stack:
        for server in servers:
            stack.enter_context(server)
        list(scan(["127.0.0.1"], ScanOptions(ports=[s.port for s in servers], timeout=0.3, concurrency=4)))
    assert 2 <= peak[0] <= 4


# -- the command -------------------------------------------------------------------------------


def test_cli_table_json_csv_and_stream(server_ssl_context, closed_port):
    with SmtpServer() as smtp:
        ports = f"{smtp.port},{closed_port}"
        table = runner.invoke(app, ["scan", "127.0.0.1", "--ports", ports])
        document = json.loads(runner.invoke(app, ["scan", "127.0.0.1", "--ports", ports, "-f", "json"]).stdout)
        csv_out = runner.invoke(app, ["scan", "127.0.0.1", "--ports", ports, "-f", "csv"]).stdout
        streamed = runner.invoke(app, ["scan", "127.0.0.1", "--ports", ports, "--stream"]).stdout
    assert table.exit_code == 0, table.output
    assert table.stdout.startswith("127.0.0.1: 1 open of 2\nPORT")
    assert f"{smtp.port}/tcp" in table.stdout and "smtplib" in table.stdout
    # input order, not the order they finished in
    assert table.stdout.index(f"{smtp.port}/tcp") < table.stdout.index(f"{closed_port}/tcp")
    [host] = document["hosts"]
    assert [port["state"] for port in host["ports"]] == ["open", "closed"]
    assert host["ports"][0]["protocol"] == "smtp"
    assert csv_out.splitlines()[0].startswith("host,address,port,state,protocol")
    lines = [json.loads(line) for line in streamed.splitlines()]
    assert sorted(line["port"] for line in lines) == sorted([smtp.port, closed_port])


def test_cli_exit_codes_and_usage_errors(tmp_path, closed_port):
    not_pem = tmp_path / "not.pem"
    not_pem.write_text("not a certificate\n")
    unresolved = runner.invoke(app, ["scan", "127.0.0.1", "nothing.invalid", "--ports", str(closed_port)])
    assert unresolved.exit_code == 6  # curl's code for a name that does not resolve
    assert "nothing.invalid: not scanned: cannot resolve" in unresolved.stdout
    for args in (["10.0.0.0/8"], ["127.0.0.1", "--ports", "0"], [], ["127.0.0.1", "-4", "-6"],
                 ["127.0.0.1", "--concurrency", "0"], ["127.0.0.1", "-i", "/nonexistent"],
                 ["127.0.0.1", "--cafile", str(not_pem)], ["127.0.0.1", "--timeout", "0"]):
        result = runner.invoke(app, ["scan", *args])
        assert result.exit_code == 2, (args, result.output)
        assert result.stderr.startswith("netref: error:") and len(result.stderr.splitlines()) == 1


def test_cli_targets_from_stdin():
    with SmtpServer() as smtp:
        result = runner.invoke(app, ["scan", "-i", "-", "--ports", str(smtp.port), "-f", "json"],
                               input="# targets\n127.0.0.1\nlocalhost  # also me\n")
    hosts = json.loads(result.stdout)["hosts"]
    assert [host["host"] for host in hosts] == ["127.0.0.1", "localhost"]
    assert all(host["ports"][0]["protocol"] == "smtp" for host in hosts)


def _command(*args: str) -> list[str]:
    return [sys.executable, "-m", "netref", "scan", *args]


@contextlib.contextmanager
def default_sigint() -> Iterator[None]:
    """Children started in the block get SIGINT's default action whatever this process has: a test
    run as a background job without job control ignores SIGINT, its children inherit that, and a
    Python started so (rightly) keeps ignoring it: the scan under test then ran to its timeout.
    A handler, unlike SIG_IGN, is reset to the default on exec."""
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


def read_until(fd: int, wanted: bytes, seconds: float = 30) -> bytes:
    """What ``fd`` (a pty's leader) shows until ``wanted`` appears (the child's readiness signal)."""
    import select

    shown, until = b"", time.monotonic() + seconds
    while wanted not in shown:
        left = until - time.monotonic()
        assert left > 0, f"no {wanted!r} in {shown!r}"
        if select.select([fd], [], [], left)[0]:
            shown += os.read(fd, 4096)
    return shown


def test_ctrl_c_prints_what_finished_and_exits_130(closed_port):
    # Ready means the closed port's result is in (the progress line on a terminal's stderr says
    # "1/2 ports") and the silent one is being waited for: then Ctrl-C, at no fixed time.
    with serve(silent) as mute, default_sigint():
        leader, follower = pty.openpty()
        process = subprocess.Popen(_command("127.0.0.1", "--ports", f"{closed_port},{mute.port}", "--timeout", "30"),
                                   stdout=subprocess.PIPE, stderr=follower, text=True)
        os.close(follower)
        try:
            read_until(leader, b"1/2 ports")
            process.send_signal(signal.SIGINT)
            started = time.monotonic()
            out, _ = process.communicate(timeout=10)
            elapsed = time.monotonic() - started
            err = b""
            with contextlib.suppress(OSError):
                while chunk := os.read(leader, 4096):
                    err += chunk
        finally:
            process.kill()
            os.close(leader)
    assert elapsed < 3
    assert process.returncode == 130
    assert f"{closed_port}/tcp  closed" in out and f"{mute.port}/tcp" not in out
    assert err.decode().rpartition("\x1b[K")[2].strip() == "netref: error: interrupted"


def test_sigint_is_an_interrupt_of_the_scan_and_the_handler_comes_back(closed_port):
    with serve(silent) as mute, default_sigint():
        running = scan(["127.0.0.1"], ScanOptions(ports=[closed_port, mute.port], timeout=30))
        before = signal.getsignal(signal.SIGINT)
        seen, started = [], time.monotonic()
        for result in scanner.until_sigint(running):  # no KeyboardInterrupt reaches the loop
            seen.append(result)
            signal.raise_signal(signal.SIGINT)
        assert time.monotonic() - started < 5
        assert signal.getsignal(signal.SIGINT) is before
    assert running.interrupted and running.stopped
    assert [(result.port, result.state) for result in seen] == [(closed_port, "closed")]


@pytest.mark.parametrize("entry", ["module", "script"])
def test_ctrl_c_while_importing_is_a_clean_exit_130(tmp_path, entry):
    # A "typer" that is Ctrl-C'd as it is imported: the moment the command line is imported.
    (tmp_path / "typer").mkdir()
    (tmp_path / "typer" / "__init__.py").write_text("import signal\nsignal.raise_signal(signal.SIGINT)\n")
    env = {**os.environ, "PYTHONPATH": str(tmp_path)}
    script = str(Path(sys.executable).with_name("netref"))
    command = _command("127.0.0.1") if entry == "module" else [script, "scan", "127.0.0.1"]
    if entry == "script" and not Path(script).exists():
        pytest.skip(f"no console script next to {sys.executable}")
    with default_sigint():
        done = subprocess.run(command, capture_output=True, text=True, env=env, timeout=30, check=False)
    assert (done.returncode, done.stderr) == (130, "netref: error: interrupted\n")


def test_progress_bar_on_a_terminal_and_not_when_piped(closed_port):
    with serve(silent) as mute:
        args = _command("127.0.0.1", "--ports", f"{closed_port},{mute.port}", "--timeout", "0.6")
        piped = subprocess.run(args, capture_output=True, text=True, timeout=20, check=False)
        leader, follower = pty.openpty()
        process = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=follower)
        os.close(follower)
        process.wait(timeout=20)
        shown = b""
        with contextlib.suppress(OSError):
            while chunk := os.read(leader, 4096):
                shown += chunk
        os.close(leader)
    assert piped.returncode == 0 and piped.stderr == ""
    assert b"1/2 ports, 0 open" in shown and b"ETA" in shown


# -- netref probe with several hosts -------------------------------------------------------------


def test_probe_several_hosts_concurrently_in_input_order(closed_port):
    def slow(conn: socket.socket) -> None:
        time.sleep(0.6)
        conn.sendall(b"220 slow.test ESMTP Postfix\r\n")
        silent(conn)

    with serve(slow) as first, serve(slow) as second:
        targets = [f"127.0.0.1:{first.port}", f"127.0.0.1:{closed_port}", f"127.0.0.1:{second.port}"]
        started = time.monotonic()
        result = runner.invoke(app, ["probe", "tcp", *targets, "-f", "json"])
        elapsed = time.monotonic() - started
        piped = runner.invoke(app, ["probe", "tcp", "-i", "-", "-f", "json"], input="\n".join(targets) + "\n")
    assert elapsed < 1.1  # concurrently: not 2 × 0.6 s
    document = json.loads(result.stdout)
    assert [item["port"] for item in document] == [first.port, closed_port, second.port]
    assert [item["verdict"] for item in document] == ["ok", "failed", "ok"]
    assert result.exit_code == 7  # one failed: refused (netref.exits)
    assert [item["port"] for item in json.loads(piped.stdout)] == [first.port, closed_port, second.port]


def test_probe_several_hosts_table_and_nagios_refused():
    with serve(banner()) as one, serve(banner()) as two:
        table = runner.invoke(app, ["probe", "tcp", f"127.0.0.1:{one.port}", f"localhost:{two.port}"])
        nagios = runner.invoke(app, ["probe", "tcp", f"127.0.0.1:{one.port}", f"127.0.0.1:{two.port}", "-f", "nagios"])
    assert table.exit_code == 0
    assert table.stdout.splitlines()[0].split() == ["TARGET", "VERDICT", "SERVER", "TLS", "MESSAGE"]
    assert f"localhost:{two.port}" in table.stdout
    assert nagios.exit_code == 3 and "judges one HOST" in nagios.stdout


def test_a_family_loaded_from_two_threads_at_once_is_loaded_whole(monkeypatch):
    """A scan's threads load probe families concurrently: one must not find a family in
    sys.modules half imported (it has no probe() yet) and call it "not a probe family"."""
    import importlib
    import threading
    import types

    from netref.probes import family

    def slow_import(name: str):
        module = types.ModuleType(name)
        sys.modules[name] = module  # as the import system does, before running the module's code
        time.sleep(0.3)
        module.probe = lambda session: None
        return module

    monkeypatch.setattr(importlib, "import_module", slow_import)
    monkeypatch.delitem(family._LOADED, "slowfamily", raising=False)
    errors: list[BaseException] = []

    def load() -> None:
        try:
            family.load_family("slowfamily")
        except BaseException as error:  # noqa: BLE001 - collected for the assertion
            errors.append(error)

    threads = [threading.Thread(target=load) for _ in range(2)]
    threads[0].start()
    time.sleep(0.1)
    threads[1].start()
    for thread in threads:
        thread.join()
    sys.modules.pop("netref.probes.slowfamily", None)
    family._LOADED.pop("slowfamily", None)
    assert errors == []


# -- netref port: the module to use, judged for --python, in every format -----------------------------


@pytest.mark.parametrize("fmt", ["table", "csv", "github", "json"])
def test_port_names_the_module_for_the_target_python_in_every_format(fmt):
    on_313 = runner.invoke(app, ["port", "23", "--python", "3.13", "-f", fmt])
    on_310 = runner.invoke(app, ["port", "23", "--python", "3.10", "-f", fmt])
    assert on_313.exit_code == on_310.exit_code == 0
    if fmt == "json":
        new, old = json.loads(on_313.stdout), json.loads(on_310.stdout)
        assert (new["target"], old["target"]) == ("3.13", "3.10")
        assert new["matches"][0]["modules"] == ["socket"]
        assert new["matches"][0]["legacy"] == ["telnetlib: removed in 3.13 (PEP 594) → socket"]
        assert old["matches"][0]["modules"] == ["telnetlib", "socket"] and old["matches"][0]["legacy"] == []
    else:
        assert "socket (legacy: telnetlib: removed in 3.13 (PEP 594) → socket)" in on_313.stdout
        assert "telnetlib, socket" in on_310.stdout and "legacy" not in on_310.stdout
    smtp = runner.invoke(app, ["port", "25", "-f", fmt]).stdout
    assert "smtplib" in smtp
    assert runner.invoke(app, ["port", "25", "--python", "4.x"]).exit_code == 2


def test_syslog_tls_with_an_unverified_certificate_is_named_and_sent_no_fallback_hello(monkeypatch, server_ssl_context):
    """A collector on the syslog-tls port whose certificate does not verify (no --cafile, no
    --insecure): the protocol sends no reply, so nothing inside TLS could name it, and a fallback
    hello there (GET /, an empty line) would be logged by the collector as junk messages. The
    port's own probe failing only on the certificate is the answer: syslog-tls, failed on it."""
    received: list[bytes] = []

    def collector(conn: socket.socket) -> None:
        with contextlib.suppress(OSError):
            tls = server_ssl_context.wrap_socket(conn, server_side=True)
            tls.settimeout(3)
            while data := tls.recv(4096):
                received.append(data)

    with serve(collector) as server:
        monkeypatch.setattr(scanner, "expected_protocol",
                            lambda catalog, port: catalog.protocols["syslog-tls"])  # fmt: skip
        row = results(["127.0.0.1"], [server.port])[server.port]
        time.sleep(0.2)
    assert (row.protocol, row.verdict, row.category) == ("syslog-tls", "failed", "certificate"), row.message
    assert received == []  # nothing was sent inside TLS: no message, no hello


def _unbound_over_tcp(asked: list[bytes]) -> Callable[[socket.socket], None]:
    """A DNS server over TCP answering with unbound's captured answers (tests/probes/udp_captures/
    dns.json), with the query's ID; ``asked`` collects the questions."""
    import udp_replay

    exchanges = udp_replay.capture("dns", "unbound")["exchanges"]
    answers = {bytes.fromhex(x["request"])[2:]: bytes.fromhex(x["replies"][0]) for x in exchanges}
    # the scan's hello asks the same (the root's SOA) without EDNS: the first exchange's answer
    answers[b"\x01\x00\x00\x01" + bytes(8) + b"\x06\x00\x01"] = bytes.fromhex(exchanges[0]["replies"][0])

    def handle(conn: socket.socket) -> None:
        conn.settimeout(3)
        with contextlib.suppress(OSError):
            while (size := conn.recv(2)) and len(size) == 2:
                query = conn.recv(int.from_bytes(size, "big"))
                asked.append(query)
                if (answer := answers.get(query[2:])) is None:
                    return
                conn.sendall(len(answer).to_bytes(2, "big") + query[:2] + answer[2:])

    return handle


def test_dns_on_a_tcp_port_is_probed_over_tcp(monkeypatch):
    """DNS on a TCP port of the scan (53/tcp): its probe speaks TCP there, not the UDP it uses by
    default, so a server answering over TCP only is named DNS (and a UDP answer never names a TCP
    port)."""
    with serve(_unbound_over_tcp([])) as server:
        monkeypatch.setattr(scanner, "expected_protocol", lambda catalog, port: catalog.protocols["dns"])
        [row] = scan(["127.0.0.1"], ScanOptions(ports=[server.port], timeout=3))
    assert (row.state, row.protocol, row.verdict) == ("open", "dns", "ok"), row.message
    assert row.software == "unbound 1.17.1"


def test_dot_with_an_unverified_certificate_is_still_identified_inside_tls(monkeypatch, server_ssl_context):
    """Unlike syslog-tls, DoT can be named from inside TLS (DNS's TCP hello): a certificate that does
    not verify does not stop the scan from asking, and naming it from the answer."""
    asked: list[bytes] = []
    with serve(_unbound_over_tcp(asked), ssl_context=server_ssl_context) as server:
        monkeypatch.setattr(scanner, "expected_protocol", lambda catalog, port: catalog.protocols["dot"])
        [row] = scan(["127.0.0.1"], ScanOptions(ports=[server.port], timeout=3))
    assert (row.protocol, row.verdict, row.category, row.tls) == ("dot", "failed", "certificate", "implicit")
    assert any(query.startswith(b"nr") for query in asked)  # the scan's own question, inside TLS
