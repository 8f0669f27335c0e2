"""Probes for the protocols beyond the tutorial: offered only where a standard-library client is honest."""

from __future__ import annotations

import captures_ssh
import pytest
import servers
from captures_ssh import Replay

from netref.catalog import Catalog, load_catalog
from netref.probes import ProbeOptions, ProbeUsageError, resolve_protocol, run_probe

CATALOG = load_catalog()


def test_ssh_is_read_through_a_socket_of_its_own():
    """SSH has no standard-library client, but its server speaks first (RFC 4253, 4.2) and sends its
    KEXINIT unencrypted: a plain socket reads the version line and the algorithms honestly."""
    with servers.serve(Replay(captures_ssh.OPENSSH_DEFAULT)) as server:
        result = run_probe("ssh", ProbeOptions(host="127.0.0.1", port=server.port, timeout=5.0))
    assert (result.verdict, result.module) == ("ok", "socket")
    assert result.greeting == "SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u10"


#: Probed with a socket of their own family although PyPI has the full clients: ssh (its banner
#: and KEXINIT), the UDP protocols, whose one request and answer netref encodes itself (issue 19),
#: and the families of issue 18 that encode their few messages themselves: LDAP's BER, MQTT's
#: CONNECT/CONNACK, SOCKS5's method negotiation, IRC's registration, XMPP's stream, WebSocket
#: (http.client's Upgrade, then one Close frame netref frames itself).
OWN_SOCKET = {"ssh", "dns", "dot", "snmp", "ntp", "ldap", "ldaps", "mqtt", "mqtts", "socks", "websocket", "wss",
              "irc", "ircs", "xmpp", "xmpps"}  # fmt: skip


def test_every_protocol_spoken_through_pypi_is_probed_by_a_socket_family_of_its_own():
    assert {key for key, protocol in CATALOG.protocols.items() if protocol.pypi} == OWN_SOCKET
    assert all(CATALOG.protocols[key].family for key in OWN_SOCKET)


def test_a_protocol_without_a_family_says_so():
    """A catalogue (``--data``) may list a protocol netref cannot probe: the request says so."""
    shipped = load_catalog()  # remembered per file: build a new one, leave it as it is
    protocols = {**shipped.protocols, "gopher": shipped.protocols["gopher"]._replace(family=None)}
    catalog = Catalog(shipped.path, protocols, shipped.modules)
    with pytest.raises(ProbeUsageError, match="netref has no probe for gopher"):
        resolve_protocol("gopher", catalog)
