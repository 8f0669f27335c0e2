"""Bytes real MQTT brokers and SOCKS proxies sent, captured for the mqtt and socks tests (issue 18).

Captured on Debian 12 (bookworm) on 2026-12-04 with a plain ``socket`` on 127.0.0.1: each daemon
started by hand from its package on a free port with the minimal configuration named, then sent the
very bytes netref's probe sends (``netref.probes.mqtt.connect_packet`` with the client id
``netref00c0ffee0001``, ``netref.probes.socks.GREETING`` and ``connect_request``) or the catalogue's
identification hello, reading each answer until the server closed or was silent for a second.
Nothing was edited; ``b""`` after an answer means the server then closed the connection.

- mosquitto 2.0.11 (Debian ``mosquitto`` 2.0.11-1.2+deb12u2): ``listener PORT 127.0.0.1``,
  ``persistence false`` and ``allow_anonymous true`` (anon), ``allow_anonymous false`` (auth), or
  anon plus ``max_qos 1``, ``retain_available false``, ``max_packet_size 2048``, ``max_keepalive 30``,
  ``max_topic_alias 5`` (limits).
- amqtt 0.12.1 (PyPI ``amqtt``, a pure-Python broker: the second implementation, as EMQX, VerneMQ and
  NanoMQ are not in Debian), ``AnonymousAuthPlugin`` with ``allow_anonymous: true`` or ``false``.
  It speaks MQTT 3.1.1 only.
- ejabberd 23.01 (Debian ``ejabberd`` 23.01-1), ``mod_mqtt`` on a ``listen`` entry of its own, run
  with ``ejabberdctl -n NODE ... foreground``: Debian's second MQTT broker (mod_mqtt logs clients in
  as XMPP accounts, so a CONNECT without credentials is refused even with ``auth_method: [anonymous]``).
- Dante 1.4.2 (Debian ``dante-server`` 1.4.2+dfsg-7+b8, ``danted``): ``socksmethod: none`` (or
  ``username``), ``client pass`` from 127.0.0.0/8, ``socks pass`` to 127.0.0.0/8 for CONNECT,
  ``socks block`` for the rest. Debian's build has no GSSAPI (``socksmethod: gssapi`` is refused).
- microsocks 1.0.3 (Debian ``microsocks`` 1.0.3-2): ``-i 127.0.0.1 -p PORT``, and with
  ``-u bob -P secret`` (auth). SOCKS5 only.
- OpenSSH 9.2p1 (Debian ``openssh-client`` 1:9.2p1-2+deb12u10) ``ssh -N -D 127.0.0.1:PORT`` to a
  local sshd: its dynamic forwarding speaks SOCKS4 and 5 without authentication.
"""

# -- MQTT: CONNACKs --------------------------------------------------------------------------

#: mosquitto anon to the probe's 3.1.1 CONNECT: accepted (then, after DISCONNECT, it closes).
MOSQUITTO_311_ACCEPTED = b" \x02\x00\x00"
#: mosquitto anon to the probe's 5.0 CONNECT: success, topic alias maximum 10, receive maximum 20.
MOSQUITTO_5_ACCEPTED = b' \t\x00\x00\x06"\x00\n!\x00\x14'
#: mosquitto anon to a 5.0 CONNECT with an empty client id: the assigned client identifier.
MOSQUITTO_5_ASSIGNED_ID = b' 5\x00\x002"\x00\n\x12\x00)auto-D3719A08-B0C4-002A-CBB2-21010AED0CD1!\x00\x14'
#: mosquitto auth (allow_anonymous false), 3.1.1: not authorised, then it closes.
MOSQUITTO_311_NOT_AUTHORISED = b" \x02\x00\x05"
#: mosquitto auth, 5.0: not authorized (0x87), an empty property list, then it closes.
MOSQUITTO_5_NOT_AUTHORIZED = b" \x03\x00\x87\x00"
#: mosquitto limits, 5.0: topic alias maximum 5, server keep alive 30, retain not available,
#: maximum packet size 2048, receive maximum 20, maximum QoS 1.
MOSQUITTO_5_LIMITS = b" \x15\x00\x00\x12\"\x00\x05\x13\x00\x1e%\x00'\x00\x00\x08\x00!\x00\x14$\x01"
#: mosquitto limits, 3.1.1: the limits are 5.0 properties; a 3.1.1 client gets a plain accept.
MOSQUITTO_311_LIMITS = b" \x02\x00\x00"

#: amqtt anon, 3.1.1: accepted.
AMQTT_311_ACCEPTED = b" \x02\x00\x00"
#: amqtt (anon and auth alike) to a 5.0 CONNECT: a 3.1.1 CONNACK, unacceptable protocol version; closes.
AMQTT_5_UNACCEPTABLE_VERSION = b" \x02\x00\x01"
#: amqtt auth, 3.1.1: not authorised; closes.
AMQTT_311_NOT_AUTHORISED = b" \x02\x00\x05"

#: ejabberd mod_mqtt, 3.1.1 and 5.0 (and to the catalogue's hello): not authorised, then it closes.
EJABBERD_311_NOT_AUTHORISED = b" \x02\x00\x05"
EJABBERD_5_NOT_AUTHORIZED = b" \x03\x00\x87\x00"

#: The catalogue's MQTT hello (3.1.1 CONNECT, empty client id) to mosquitto anon and amqtt anon.
MOSQUITTO_HELLO_ANSWER = b" \x02\x00\x00"
AMQTT_HELLO_ANSWER = b" \x02\x00\x00"

# -- SOCKS ------------------------------------------------------------------------------------

#: The method every no-auth proxy selected for the probe's greeting (and for the catalogue's hello):
#: dante (socksmethod none), microsocks, ssh -D.
SOCKS5_NO_AUTH = b"\x05\x00"
#: dante (socksmethod username) and microsocks -u/-P: username/password.
SOCKS5_USERNAME = b"\x05\x02"
#: microsocks to a SOCKS4 request: SOCKS5's "no acceptable methods", then it closes.
MICROSOCKS_TO_SOCKS4 = b"\x05\xff"

#: dante, CONNECT to 127.0.0.1 where something listens: succeeded, bound 127.0.0.1:49893.
DANTE_CONNECT_OK = b"\x05\x00\x00\x01\x7f\x00\x00\x01\xc2\xe5"
#: dante, CONNECT to 127.0.0.1:1 (nothing listens): connection refused, then it closes.
DANTE_CONNECT_REFUSED = b"\x05\x05\x00\x01\x7f\x00\x00\x01\xdes"
#: dante, CONNECT to 10.1.2.3:80 (outside its socks pass rule): not allowed by ruleset; closes.
DANTE_CONNECT_BLOCKED = b"\x05\x02\x00\x01\n\x01\x02\x03\x00P"
#: dante, CONNECT to [::1]:1 (its external address is IPv4): address type not supported; closes.
DANTE_CONNECT_IPV6 = b"\x05\x08\x00\x04" + b"\x00" * 15 + b"\x01\x00\x01"
#: dante (socksmethod none) to a SOCKS4 CONNECT to 127.0.0.1: request rejected or failed; closes.
DANTE_SOCKS4_REJECTED = b"\x00[\xb0k\x7f\x00\x00\x01"

#: microsocks, CONNECT to 127.0.0.1 where something listens: succeeded, bound 0.0.0.0:0.
MICROSOCKS_CONNECT_OK = b"\x05\x00\x00\x01\x00\x00\x00\x00\x00\x00"
#: microsocks, CONNECT to 127.0.0.1:1 and to [::1]:1: connection refused, bound 0.0.0.0:0; closes.
MICROSOCKS_CONNECT_REFUSED = b"\x05\x05\x00\x01\x00\x00\x00\x00\x00\x00"

#: ssh -D, CONNECT to 127.0.0.1 where something listens: succeeded, bound 0.0.0.0:0.
SSH_D_CONNECT_OK = b"\x05\x00\x00\x01\x00\x00\x00\x00\x00\x00"
#: ssh -D, CONNECT to 127.0.0.1:1: no reply at all; it closes the connection.
SSH_D_CONNECT_REFUSED = b""
