"""Probes for the protocols beyond the tutorial: offered only where a standard-library client is honest."""

from __future__ import annotations

import captures_ssh
import pytest
import servers
from captures_ssh import Replay

from netref.catalog import load_catalog
from netref.probes import ProbeOptions, ProbeUsageError, resolve_protocol, run_probe

CATALOG = load_catalog()


def test_ssh_is_read_through_a_socket_of_its_own():
    """SSH has no standard-library client, but its server speaks first (RFC 4253, 4.2) and sends its
    KEXINIT unencrypted: a plain socket reads the version line and the algorithms honestly."""
    with servers.serve(Replay(captures_ssh.OPENSSH_DEFAULT)) as server:
        result = run_probe("ssh", ProbeOptions(host="127.0.0.1", port=server.port, timeout=5.0))
    assert (result.verdict, result.module) == ("ok", "socket")
    assert result.greeting == "SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u10"


#: Probed with a socket of their own family although PyPI has the full clients: ssh (its banner),
#: and the UDP protocols, whose one request and answer netref encodes itself (issue 19).
OWN_SOCKET = {"ssh", "dns", "dot", "snmp", "ntp"}
NO_PROBE = sorted(key for key, protocol in CATALOG.protocols.items() if protocol.pypi and key not in OWN_SOCKET)


def test_every_protocol_spoken_only_through_pypi_but_the_socket_probed_ones_has_no_probe():
    assert {"ldap", "irc", "xmpp", "mqtt", "websocket", "socks"} <= set(NO_PROBE)
    assert all(CATALOG.protocols[key].family is None for key in NO_PROBE)
    assert all(CATALOG.protocols[key].family for key in OWN_SOCKET)


@pytest.mark.parametrize("key", NO_PROBE)
def test_protocols_without_an_honest_stdlib_probe_say_so(key):
    with pytest.raises(ProbeUsageError, match=f"netref has no probe for {key}"):
        resolve_protocol(key, CATALOG)
