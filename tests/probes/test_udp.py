"""The UDP probes (dns, ntp, snmp, syslog) against real daemons' datagrams, replayed, and hostile ones.

The captures in ``udp_captures/`` are what unbound, BIND and Knot (DNS), chronyd and ntpsec (NTP)
and net-snmp's snmpd (SNMP) answered to netref's own requests (``udp_replay.py`` says how; each
entry names the program, its Debian version and the command). With the capture's seed netref sends
the same bytes again, and the replay server answers those bytes only, with the daemon's own reply.
"""

from __future__ import annotations

import json
import random
import socket
import struct
import threading
import time

import pytest
from udp_replay import DotServer, ReplayServer, capture, load

from netref.probes import ProbeOptions, ProbeUsageError, datagram, dns, dnswire, ntp, run_probe, snmp, syslog


@pytest.fixture
def seeded(monkeypatch):
    """netref's random ids from ``random.Random(seed)``, as in the capturing run."""

    def seed(value: int) -> None:
        monkeypatch.setattr(datagram, "random_bytes", random.Random(value).randbytes)

    return seed


def replay(seeded, protocol: str, program: str, timeout: float = 3.0, **options: object):
    entry = capture(protocol, program)
    seeded(entry["options"]["seed"])
    with ReplayServer(entry["exchanges"]) as server:
        request = ProbeOptions("127.0.0.1", port=server.port, timeout=timeout, **options)  # type: ignore[arg-type]
        result = run_probe(protocol, request)
    assert server.unknown == [], "netref sent bytes the daemon was never sent"
    return result


def dns_options(program: str) -> dict[str, object]:
    saved = capture("dns", program)["options"]
    return {"query": saved["query"], "qtype": saved["qtype"]}


# -- DNS: three implementations ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("program", "software", "rcode", "answer"),
    [
        ("unbound", "unbound 1.17.1", "NOERROR", ". 86400 IN SOA a.root.test. nstld.test. 2026120400 1800 900 604800 86400"),  # noqa: E501
        ("unbound-mx", "unbound 1.17.1", "NOERROR", "example.test. 300 IN MX 10 mail.example.test."),
        ("bind-mx", "9.18.49-1~deb12u3-Debian", "NOERROR", "example.test. 300 IN MX 10 mail.example.test."),
        ("bind-aaaa", "9.18.49-1~deb12u3-Debian", "NOERROR", "www.example.test. 300 IN AAAA 2001:db8::1"),
        ("knotd", "Knot DNS 3.2.6", "NOERROR", "www.example.test. 300 IN A 192.0.2.1"),
        ("knotd-soa", "Knot DNS 3.2.6",  "NOERROR",
         "example.test. 300 IN SOA ns1.example.test. hostmaster.example.test. 2026120401 3600 900 604800 300"),
    ],
)  # fmt: skip
def test_dns_answers_of_three_implementations(seeded, program, software, rcode, answer):
    result = replay(seeded, "dns", program, **dns_options(program))
    assert result.ok, result.message
    assert result.server_software == software
    assert result.details["rcode"] == rcode and result.details["answers"] == [answer]
    assert result.details["transport"] == "udp" and result.details["response_bytes"] > 12
    assert "QR" in result.details["flags"] and result.details["edns_udp_size"] is not None
    assert set(result.timings) >= {"dns", "connect", "first_byte", "exchange", "total"}


def test_dns_authoritative_flags_and_identity(seeded):
    knot = replay(seeded, "dns", "knotd", **dns_options("knotd"))
    assert "AA" in knot.capabilities and "RA" not in knot.capabilities  # authoritative, no recursion
    bind = replay(seeded, "dns", "bind-mx", **dns_options("bind-mx"))
    assert bind.details["id_server"] is None  # BIND answers id.server with no record unless server-id is set
    unbound = replay(seeded, "dns", "unbound")
    assert unbound.details["id_server"] == "netref-test" and "RA" in unbound.capabilities


@pytest.mark.parametrize("program", ["bind-refused", "knotd-refused"])
def test_dns_refused_root_query_is_a_failed_verdict_saying_why(seeded, program):
    result = replay(seeded, "dns", program)
    assert not result.ok and result.category == "protocol"
    assert result.details["rcode"] == "REFUSED" and "refuses to answer" in result.message


def test_dns_nxdomain_is_an_answer(seeded):
    result = replay(seeded, "dns", "unbound-nxdomain", **dns_options("unbound-nxdomain"))
    assert result.ok and result.details["rcode"] == "NXDOMAIN" and result.details["answer_count"] == 0
    # unbound's built-in local zone for test. (RFC 6761) answers the negative with its own SOA
    assert result.details["authority"] == ["test. 10800 IN SOA localhost. nobody.invalid. 1 3600 1200 604800 10800"]


# -- DNS: hostile servers --------------------------------------------------------------------------


def _edited(seeded, program: str, edit, timeout: float = 1.5, **options: object):
    entry = capture("dns", program)
    seeded(entry["options"]["seed"])
    with ReplayServer(entry["exchanges"], edit=edit) as server:
        request = ProbeOptions("127.0.0.1", port=server.port, timeout=timeout, **options)  # type: ignore[arg-type]
        started = time.monotonic()
        result = run_probe("dns", request)
        return result, time.monotonic() - started, server


def test_dns_reply_with_a_wrong_id_is_ignored(seeded):
    def wrong_id(request: bytes, reply: bytes):
        return [(bytes([reply[0] ^ 0xFF]) + reply[1:], False)]

    result, elapsed, server = _edited(seeded, "unbound", wrong_id)
    assert result.category == "timeout" and "no answer (open or filtered)" in result.message
    assert elapsed < 1.5 + 0.5 and len(server.seen) >= 2  # retransmitted within the deadline


def test_dns_wrong_id_then_the_real_answer(seeded):
    def decoy_first(request: bytes, reply: bytes):
        return [(bytes([reply[0] ^ 0xFF]) + reply[1:], False), (reply, False)]

    result, _, _ = _edited(seeded, "unbound", decoy_first)
    assert result.ok and result.server_software == "unbound 1.17.1"


def test_dns_answer_from_another_address_is_ignored(seeded):
    """A stranger (another port) answers first with a forged record; only the peer's reply counts."""

    def spoof(request: bytes, reply: bytes):
        forged = reply.replace(b"a\x04root", b"x\x04root") if b"a\x04root" in reply else reply
        return [(forged, True), (reply, False)]

    result, _, _ = _edited(seeded, "unbound", spoof)
    assert result.ok and result.details["answers"][0].startswith(". 86400 IN SOA a.root.test.")


def test_dns_only_a_stranger_answers(seeded):
    result, _, _ = _edited(seeded, "unbound", lambda request, reply: [(reply, True)])
    assert result.category == "timeout" and "no answer" in result.message


@pytest.mark.parametrize("cut", [20, 40, 79])
def test_dns_truncated_answers_are_malformed(seeded, cut):
    result, _, _ = _edited(seeded, "unbound", lambda request, reply: [(reply[:cut], False)])
    assert result.category == "protocol" and "malformed DNS answer" in result.message


def test_dns_header_without_its_question_is_not_taken_for_the_answer(seeded):
    """12 bytes with our id that announce a question and carry none: nothing proves it answers ours."""
    result, _, _ = _edited(seeded, "unbound", lambda request, reply: [(reply[:12], False)])
    assert result.category == "timeout" and "no answer (open or filtered)" in result.message


def test_dns_compression_loop_is_refused(seeded):
    """The answer's owner name replaced by a pointer to itself."""

    def loop(request: bytes, reply: bytes):
        question_end = len(request) - 11  # the query's OPT record is 11 bytes
        owner = question_end
        return [(reply[:owner] + struct.pack("!H", 0xC000 | owner) + reply[owner + 1 :], False)]

    result, _, _ = _edited(seeded, "unbound", loop)
    assert result.category == "protocol" and "compression loop" in result.message


def test_dns_out_of_range_pointer_is_refused(seeded):
    def far(request: bytes, reply: bytes):
        owner = len(request) - 11
        return [(reply[:owner] + struct.pack("!H", 0xC000 | 0x3FFF) + reply[owner + 1 :], False)]

    result, _, _ = _edited(seeded, "unbound", far)
    assert result.category == "protocol" and "out-of-range pointer" in result.message


def test_dns_oversized_flood_gets_a_verdict_within_the_deadline(seeded):
    """Datagrams of 65,000 bytes with the wrong id, many of them: read, ignored, bounded."""

    def flood(request: bytes, reply: bytes):
        junk = bytes([reply[0] ^ 0xFF]) + reply[1:] + b"\0" * 65000
        return [(junk, False)] * 20

    result, elapsed, _ = _edited(seeded, "unbound", flood)
    assert result.category == "timeout" and elapsed < 2.5


def test_dns_truncated_udp_answer_falls_back_to_tcp(seeded):
    """TC set over UDP: the same question again over TCP (RFC 7766), to the same address and port."""
    entry = capture("dns", "unbound")
    seeded(entry["options"]["seed"])
    answers = {bytes.fromhex(item["request"]): bytes.fromhex(item["replies"][0]) for item in entry["exchanges"]}

    def truncate(request: bytes, reply: bytes):
        return [(reply[:2] + bytes([reply[2] | 0x02]) + reply[3:12] + reply[12:], False)]

    with ReplayServer(entry["exchanges"], edit=truncate) as server:
        listener = socket.create_server(("127.0.0.1", server.port))
        seen: list[bytes] = []

        def serve() -> None:
            conn, _ = listener.accept()
            with conn:
                length = struct.unpack("!H", conn.recv(2))[0]
                query = conn.recv(length)
                seen.append(query)
                conn.sendall(struct.pack("!H", len(answers[query])) + answers[query])
                # the CHAOS questions follow on the same connection
                while header := conn.recv(2):
                    query = conn.recv(struct.unpack("!H", header)[0])
                    seen.append(query)
                    conn.sendall(struct.pack("!H", len(answers[query])) + answers[query])

        threading.Thread(target=serve, daemon=True).start()
        result = run_probe("dns", ProbeOptions("127.0.0.1", port=server.port, timeout=3))
        listener.close()
    assert result.ok, result.message
    assert result.details["truncated_udp"] is True and result.details["transport"] == "tcp"
    assert result.details["answers"][0].startswith(". 86400 IN SOA")
    assert len(seen) == 3 and result.server_software == "unbound 1.17.1"  # CHAOS questions on the same connection


def test_dns_silence_is_open_or_filtered_after_retries():
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as silent:
        silent.bind(("127.0.0.1", 0))
        started = time.monotonic()
        result = run_probe("dns", ProbeOptions("127.0.0.1", port=silent.getsockname()[1], timeout=2.5))
        elapsed = time.monotonic() - started
        received = 0
        silent.setblocking(False)
        while True:
            try:
                silent.recv(512)
                received += 1
            except BlockingIOError:
                break
    assert result.category == "timeout" and result.message.startswith("no answer (open or filtered): 2 requests")
    assert received == 2 and 2.4 < elapsed < 3.0  # sent at 0 s and 1 s; the next would be at 3 s


def test_icmp_port_unreachable_is_closed():
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe_port:
        probe_port.bind(("127.0.0.1", 0))
        port = probe_port.getsockname()[1]
    for protocol in ("dns", "ntp", "snmp", "syslog"):
        result = run_probe(protocol, ProbeOptions("127.0.0.1", port=port, timeout=2))
        assert (result.category, result.message) == ("refused", "closed: ICMP port unreachable"), protocol
        assert result.timings["total"] < 1000


def test_dot_is_dns_framed_inside_verified_tls(server_ssl_context, ca_file):
    """RFC 7858: the two-byte framing of DNS over TCP, inside TLS verified as every TLS probe."""
    with DotServer(server_ssl_context) as server:
        result = run_probe("dot", ProbeOptions("127.0.0.1", port=server.port, timeout=5, cafile=str(ca_file)))
        insecure = run_probe("dot", ProbeOptions("127.0.0.1", port=server.port, timeout=5))
    assert result.ok, result.message
    assert result.tls is not None and result.tls.chain_verified and result.server_software == "unbound 1.17.1"
    assert result.details["answers"][0].startswith(". 86400 IN SOA") and "transport" not in result.details
    assert insecure.category == "certificate"  # the test CA is not the system's


def test_udp_phases_are_disjoint_and_sum_to_at_most_the_total(seeded):
    """The reply held back 0.2 s: first_byte holds the wait, and no phase counts it twice."""
    entry = capture("ntp", "chronyd")
    seeded(entry["options"]["seed"])

    def late(request: bytes, reply: bytes):
        time.sleep(0.2)
        return [(reply, False)]

    with ReplayServer(entry["exchanges"], edit=late) as server:
        result = run_probe("ntp", ProbeOptions("127.0.0.1", port=server.port, timeout=3))
    phases = {name: ms for name, ms in result.timings.items() if name != "total"}
    assert set(phases) == {"dns", "connect", "first_byte", "exchange"}
    assert sum(phases.values()) <= result.timings["total"] and result.timings["first_byte"] >= 190


# -- DNS wire format --------------------------------------------------------------------------------


def test_query_layout_and_edns():
    wire = dnswire.query(0x1234, "www.example.org.", dnswire.TYPES["MX"])
    assert wire[:12] == bytes.fromhex("123401000001000000000001")
    assert wire[12:29] == b"\x03www\x07example\x03org\x00"
    assert wire[29:33] == b"\x00\x0f\x00\x01"
    assert wire[33:] == b"\x00\x00\x29" + struct.pack("!H", 1232) + b"\x00" * 6  # OPT, no options


def test_names_are_compressed_when_written_and_read_back():
    writer = dnswire.Writer()
    writer.raw(b"\0" * 12)
    writer.name("mail.example.org.")
    writer.name("www.example.org.")
    writer.name("example.org.")
    assert bytes(writer.data[12:]).count(b"example") == 1
    first, after = dnswire.read_name(bytes(writer.data), 12)
    second, after = dnswire.read_name(bytes(writer.data), after)
    third, _ = dnswire.read_name(bytes(writer.data), after)
    assert (first, second, third) == ("mail.example.org.", "www.example.org.", "example.org.")


@pytest.mark.parametrize(
    ("data", "error"),
    [
        (b"\xc0\x00", "compression loop"),
        (b"\x03abc\xc0\x00", "compression loop"),
        (b"\xc0\x50", "out-of-range pointer"),
        (b"\x05ab", "label runs past"),
        (b"\x40abc", "unknown label type"),
        (
            b"\x3f" + b"a" * 63 + b"\x3f" + b"a" * 63 + b"\x3f" + b"a" * 63 + b"\x3f" + b"a" * 63 + b"\x00",
            "longer than 255",
        ),
    ],
)
def test_hostile_names_are_refused(data, error):
    with pytest.raises(dnswire.WireError, match=error):
        dnswire.read_name(data, 0)


def test_a_pointer_chain_ending_in_a_loop_is_refused():
    data = b"\x01a\x00" + b"\xc0\x05" + b"\xc0\x03"  # 3 -> 5 -> 3
    with pytest.raises(dnswire.WireError, match="compression loop"):
        dnswire.read_name(data, 3)


@pytest.mark.parametrize(
    ("name", "error"),
    [("not a name", "not a domain name"), ("a..b", "empty label"), ("x" * 64 + ".org", "longer than 63"),
     (".".join(["abcdefgh"] * 30), "longer than 255")],
)  # fmt: skip
def test_query_names_are_checked(name, error):
    with pytest.raises(ProbeUsageError, match=error):
        dns.check_options(ProbeOptions("h", query=name))


def test_query_name_and_type_accepted_forms():
    assert dns.request(ProbeOptions("h", query="bücher.example", qtype="aaaa")) == ("xn--bcher-kva.example.", 28)
    assert dns.request(ProbeOptions("h", query="_sip._tcp.example.org.", qtype="SRV"))[1] == 33
    assert dns.request(ProbeOptions("h", qtype="TYPE65")) == (".", 65)
    with pytest.raises(ProbeUsageError, match="unknown record type 'BOGUS'"):
        dns.request(ProbeOptions("h", qtype="BOGUS"))


# -- NTP: chronyd and ntpsec -------------------------------------------------------------------------


def test_ntp_chronyd_synchronised():
    result = _ntp_replay("chronyd")
    assert result.ok, result.message
    details = result.details
    assert (details["stratum"], details["reference_id"], details["leap"], details["version"]) == (
        8,
        "127.127.1.1",
        "none",
        4,
    )
    assert details["mode"] == "server" and isinstance(details["offset_ms"], float) and details["delay_ms"] is not None
    assert result.message.startswith("stratum 8, reference 127.127.1.1, offset ")


@pytest.mark.parametrize(("program", "code"), [("chronyd-unsynchronised", ""), ("ntpsec", "INIT")])
def test_ntp_unsynchronised_servers_say_so(program, code):
    result = _ntp_replay(program)
    assert result.category == "protocol" and result.message.startswith("not synchronised (stratum 0, leap indicator 3")
    assert result.details["kiss_code"] == code


def _ntp_replay(program: str, edit=None, timeout: float = 2.0):
    entry = capture("ntp", program)
    request = bytes.fromhex(entry["exchanges"][0]["request"])
    # The request's random transmit timestamp (its last 8 bytes) from the capture's seed.
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(datagram, "random_bytes", random.Random(entry["options"]["seed"]).randbytes)
        with ReplayServer(entry["exchanges"], edit=edit) as server:
            result = run_probe("ntp", ProbeOptions("127.0.0.1", port=server.port, timeout=timeout))
    assert request[:40] == ntp.request()[:40]
    return result


def test_ntp_kiss_o_death_deny():
    def deny(request: bytes, reply: bytes):
        return [(reply[:1] + b"\x00" + reply[2:12] + b"DENY" + reply[16:], False)]

    result = _ntp_replay("chronyd", deny)
    assert result.message == "kiss-o'-death DENY: access denied by the server" and result.details["kiss_code"] == "DENY"


def test_ntp_reply_with_another_origin_or_too_short_is_ignored():
    def stale(request: bytes, reply: bytes):
        return [(reply[:24] + b"\0" * 8 + reply[32:], False), (reply[:47], False)]

    result = _ntp_replay("chronyd", stale, timeout=1.2)
    assert result.category == "timeout" and "no answer (open or filtered)" in result.message


def test_ntp_offset_and_delay_from_the_four_timestamps():
    def stamp(seconds: float) -> int:
        return int((seconds + ntp.NTP_UNIX) * 2**32)

    t1, t2, t3, t4 = 1000.0, 1000.6, 1000.7, 1000.5  # server clock 0.4 s ahead, 0.4 s round trip
    packet = ntp.PACKET.pack(0x24, 2, 6, -20, 0, 0, bytes([192, 0, 2, 1]), 0, 0, stamp(t2), stamp(t3))
    facts = ntp.parse(packet, t1, t4)
    assert facts["offset_ms"] == pytest.approx(400.0, abs=0.01)
    assert facts["delay_ms"] == pytest.approx(400.0, abs=0.01)
    assert facts["reference_id"] == "192.0.2.1"


# -- SNMP: net-snmp ---------------------------------------------------------------------------------

COMMUNITY = "s3cret-ro"  # the test agent's read-only community (udp_captures/snmp.json's note)


def test_snmp_v2c_get_of_the_system_group(seeded):
    result = replay(seeded, "snmp", "snmpd", community=COMMUNITY)
    assert result.ok, result.message
    details = result.details
    assert details["answered"] == "v2c" and details["sysName"] == "netref-test-agent"
    assert details["sysObjectID"] == "1.3.6.1.4.1.8072.3.2.10"  # net-snmp's Linux agent
    assert details["sysDescr"].startswith("Linux ") and details["sysUpTime"].startswith("(")
    assert result.server_software == details["sysDescr"]
    assert result.message == "SNMPv2c answered (community accepted): netref-test-agent"


def test_snmp_community_is_never_shown(seeded):
    from netref.probes.report import card_pairs

    result = replay(seeded, "snmp", "snmpd", community=COMMUNITY)
    shown = json.dumps(result.to_dict()) + repr(card_pairs(result))
    options = ProbeOptions("h", community=COMMUNITY)
    assert COMMUNITY not in shown and COMMUNITY not in repr(options) and COMMUNITY not in json.dumps(options.to_dict())


def test_snmp_silence_on_v2c_then_v3_engine_discovery(seeded):
    result = replay(seeded, "snmp", "snmpd-v3", timeout=2.0)
    assert result.ok, result.message
    details = result.details
    assert details["answered"] == "v3" and details["engine_enterprise"] == "net-snmp (8072)"
    assert details["engine_id"].startswith("80001f8880") and details["engine_boots"] >= 1
    assert "v2c was silent" in result.message


def test_snmp_reply_with_another_community_or_request_id_is_ignored(seeded):
    entry = capture("snmp", "snmpd")
    seeded(entry["options"]["seed"])

    def forged(request: bytes, reply: bytes):
        other_community = reply.replace(COMMUNITY.encode(), b"s3cret-rw")
        return [(other_community, False), (reply[:-1], False)]  # and a truncated one

    with ReplayServer(entry["exchanges"], edit=forged) as server:
        result = run_probe("snmp", ProbeOptions("127.0.0.1", port=server.port, timeout=1.5, community=COMMUNITY))
    assert result.category == "timeout" and result.details["v2c"].startswith("no answer")


def test_snmp_values_as_snmpget_shows_them():
    from netref.probes import ber

    assert snmp.timeticks(123456) == "(123456) 0:20:34.56"
    assert snmp.timeticks(8640000 * 3 + 100) == "(25920100) 3 days, 0:00:01.00"
    assert snmp.value_text(ber.decode(ber.encode(ber.Class.APPLICATION, False, 0, bytes([10, 0, 0, 1])))) == "10.0.0.1"
    assert snmp.value_text(ber.decode(ber.encode(ber.Class.CONTEXT, False, 1, b""))) == "noSuchInstance"


# -- syslog -----------------------------------------------------------------------------------------


def test_syslog_sends_one_rfc5424_message_and_says_only_what_is_known():
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as collector:
        collector.bind(("127.0.0.1", 0))
        result = run_probe("syslog", ProbeOptions("127.0.0.1", port=collector.getsockname()[1], timeout=3))
        line = collector.recv(2048).decode()
    assert result.ok and result.message.startswith("sent; no ICMP error") and "answered" not in result.message
    ident = result.details["message_id"]
    assert line.startswith("<14>1 ") and f"netref syslog probe {ident}" in line
    assert " netref " in line and '[origin software="netref"' in line
    stamp = line.split()[1]
    assert stamp.endswith("Z") and "T" in stamp


def test_syslog_message_layout():
    import datetime

    moment = datetime.datetime(2026, 12, 4, 14, 0, 0, 123000, tzinfo=datetime.UTC)
    text = syslog.message("0123abcd", host="collector.example.org", now=moment).decode()
    header = text.split(" [", 1)[0].split(" ")
    assert header[:3] == ["<14>1", "2026-12-04T14:00:00.123Z", "collector"]
    assert header[3] == "netref" and header[5] == "probe"


# -- requests that cannot run ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("protocol", "options", "fragment"),
    [
        ("dns", {"qtype": "NOPE"}, "--type: unknown record type"),
        ("dns", {"query": "exa mple.org"}, "--query: 'exa mple.org' is not a domain name"),
        ("smtp", {"transport": "udp"}, "smtp runs over TCP only"),
        ("ntp", {"transport": "tcp"}, "ntp runs over UDP only"),
        ("dot", {"transport": "udp"}, "dot runs over TLS on TCP"),
        ("http", {"query": "example.org"}, "--query does not apply to http"),
        ("dns", {"community": "private"}, "--community does not apply to dns"),
    ],
)
def test_bad_requests_are_usage_errors(protocol, options, fragment):
    with pytest.raises(ProbeUsageError, match=fragment.replace(".", r"\.").replace("(", r"\(")):
        run_probe(protocol, ProbeOptions("127.0.0.1", **options))  # type: ignore[arg-type]


def test_every_capture_names_its_program_version_and_how():
    for protocol in ("dns", "ntp", "snmp"):
        entries = load(protocol)
        assert len({entry["version"].split()[1] for entry in entries if entry["version"].startswith("Debian")}) >= 1
        for entry in entries:
            assert entry["version"] and entry["captured"].startswith("20") and entry["exchanges"], entry["program"]


def test_cli_takes_the_community_from_the_environment_for_snmp_only(seeded, monkeypatch):
    from typer.testing import CliRunner

    from netref.cli import app

    entry = capture("snmp", "snmpd")
    seeded(entry["options"]["seed"])
    with ReplayServer(entry["exchanges"]) as server:
        shown = CliRunner().invoke(app, ["probe", "snmp", f"127.0.0.1:{server.port}", "-t", "3", "-f", "json"],
                                   env={"NETREF_COMMUNITY": COMMUNITY})  # fmt: skip
    assert shown.exit_code == 0, shown.output
    assert json.loads(shown.stdout)["details"]["sysName"] == "netref-test-agent" and COMMUNITY not in shown.output
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as closed:
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    other = CliRunner().invoke(app, ["probe", "dns", f"127.0.0.1:{port}", "-t", "1"], env={"NETREF_COMMUNITY": "x"})
    # not a usage error: refused, curl's 7 (netref.exits)
    assert other.exit_code == 7 and "closed: ICMP port unreachable" in other.output


def test_nagios_judges_a_udp_probe_as_any_other(seeded):
    from typer.testing import CliRunner

    from netref.cli import app

    entry = capture("dns", "knotd-refused")
    seeded(entry["options"]["seed"])
    with ReplayServer(entry["exchanges"]) as server:
        shown = CliRunner().invoke(app, ["probe", "dns", f"127.0.0.1:{server.port}", "-t", "3", "-f", "nagios"])
    assert shown.exit_code == 2 and shown.output.startswith("DNS CRITICAL") and "REFUSED" in shown.output
