# ruff: noqa: E501  (each reply as one line, as the server sent it)
"""Bytes real IRC and XMPP servers sent, captured for the irc and xmpp family tests (issue 18).

Captured on Debian 12 (bookworm) on 2026-12-04 with a plain ``socket`` (and ``ssl`` for the TLS
steps, any certificate accepted) from each daemon, started by hand on 127.0.0.1 from its Debian
package with a minimal configuration:

- ngIRCd 26.1 (ngircd 26.1-1+deb12u1): ``Name = irc.netref.test``, ``Network = NetrefNet``,
  ``MotdPhrase``, ``Ident``/``DNS``/``PAM`` off; a second one with ``Password = s3cret``;
- InspIRCd 3.15.0 (inspircd 3.15.0-1): ``<server name="irc.netref.test" network="NetrefNet">``,
  one ``<connect allow="*" useident="no">`` (a second one with ``password="s3cret"``), a MOTD file;
- Prosody 0.12.3 (prosody 0.12.3-1+deb12u1): ``VirtualHost "localhost"``,
  ``c2s_require_encryption = true``, ``c2s_direct_tls_ports``, a self-signed localhost certificate;
- ejabberd 23.01 (ejabberd 23.01-1): ``hosts: [localhost]``, one ``ejabberd_c2s`` listener with
  ``starttls: true`` and one with ``tls: true``, mod_register, the same certificate.

Each capture is a conversation: a list of ``(sent, received, closed)`` steps — the bytes the
client sent (``b""``: nothing yet, the server spoke first; ``"TLS"``: a TLS handshake), every byte
the server sent until the reply was complete or it was silent for two seconds, and whether it then
closed the connection. After ``<proceed/>`` the client and the server shook hands in TLS before
the next step (in the captures, the steps after it travelled inside TLS). The IRC client's nick was ``nr1a2b3c`` (the tests make the probe use it);
stream ids and dates are as sent. Nothing was edited.
"""

from __future__ import annotations

Step = tuple[bytes, bytes, bool]

#: ngIRCd: registration (silent until NICK/USER), the welcome burst through the MOTD, then QUIT.
NGIRCD_REGISTRATION: list[Step] = [
    (b'NICK nr1a2b3c\r\nUSER netref 0 * :netref probe\r\n',
     b':irc.netref.test 001 nr1a2b3c :Welcome to the Internet Relay Network nr1a2b3c!~netref@127.0.0.1\r\n'
     b':irc.netref.test 002 nr1a2b3c :Your host is irc.netref.test, running version ngircd-26.1 (x86_64/pc/linux-gnu)\r\n'
     b':irc.netref.test 003 nr1a2b3c :This server has been started Fri Dec 04 2026 at 18:33:45 (UTC)\r\n'
     b':irc.netref.test 004 nr1a2b3c irc.netref.test ngircd-26.1 abBcCFiIoqrRswx abehiIklmMnoOPqQrRstvVz\r\n'
     b':irc.netref.test 005 nr1a2b3c NETWORK=NetrefNet :is my network name\r\n'
     b':irc.netref.test 005 nr1a2b3c RFC2812 IRCD=ngIRCd CHARSET=UTF-8 CASEMAPPING=ascii PREFIX=(qaohv)~&@%+ CHANTYPES=#&+ CHANMODES=beI,k,l,imMnOPQRstVz CHANLIMIT=#&+:10 :are supported on this server\r\n'
     b':irc.netref.test 005 nr1a2b3c CHANNELLEN=50 NICKLEN=9 TOPICLEN=490 AWAYLEN=127 KICKLEN=400 MODES=5 MAXLIST=beI:50 EXCEPTS=e INVEX=I PENALTY FNC :are supported on this server\r\n'
     b':irc.netref.test 251 nr1a2b3c :There are 1 users and 0 services on 1 servers\r\n'
     b':irc.netref.test 254 nr1a2b3c 1 :channels formed\r\n'
     b':irc.netref.test 255 nr1a2b3c :I have 1 users, 0 services and 0 servers\r\n'
     b':irc.netref.test 265 nr1a2b3c 1 1 :Current local users: 1, Max: 1\r\n'
     b':irc.netref.test 266 nr1a2b3c 1 1 :Current global users: 1, Max: 1\r\n'
     b':irc.netref.test 250 nr1a2b3c :Highest connection count: 2 (6 connections received)\r\n'
     b':irc.netref.test 375 nr1a2b3c :- irc.netref.test message of the day\r\n'
     b':irc.netref.test 372 nr1a2b3c :- "netref capture"\r\n'
     b':irc.netref.test 376 nr1a2b3c :End of MOTD command\r\n', False),
    (b'QUIT :netref probe\r\n',
     b':irc.netref.test NOTICE nr1a2b3c :Connection statistics: client 0.1 kb, server 1.4 kb.\r\n'
     b'ERROR :"netref probe"\r\n', True),
]

#: InspIRCd: its hostname-lookup notices before anything is sent, registration, then QUIT.
INSPIRCD_REGISTRATION: list[Step] = [
    (b'',
     b':irc.netref.test NOTICE * :*** Looking up your hostname...\r\n'
     b':irc.netref.test NOTICE * :*** Could not resolve your hostname: Domain not found; using your IP address (127.0.0.1) instead.\r\n', False),
    (b'NICK nr1a2b3c\r\nUSER netref 0 * :netref probe\r\n',
     b':irc.netref.test 001 nr1a2b3c :Welcome to the NetrefNet IRC Network nr1a2b3c!netref@127.0.0.1\r\n'
     b':irc.netref.test 002 nr1a2b3c :Your host is irc.netref.test, running version InspIRCd-3\r\n'
     b':irc.netref.test 003 nr1a2b3c :This server was created 18:46:59 Dec 04 2026\r\n'
     b':irc.netref.test 004 nr1a2b3c irc.netref.test InspIRCd-3 iosw biklmnopstv :bklov\r\n'
     b':irc.netref.test 005 nr1a2b3c AWAYLEN=200 CASEMAPPING=rfc1459 CHANLIMIT=#:20 CHANMODES=b,k,l,imnpst CHANNELLEN=64 CHANTYPES=# ELIST=CMNTU HOSTLEN=64 KEYLEN=32 KICKLEN=255 LINELEN=512 MAXLIST=b:100 :are supported by this server\r\n'
     b':irc.netref.test 005 nr1a2b3c MAXTARGETS=20 MODES=20 NAMELEN=128 NETWORK=NetrefNet NICKLEN=30 PREFIX=(ov)@+ SAFELIST STATUSMSG=@+ TOPICLEN=307 USERLEN=10 USERMODES=,,s,iow WHOX :are supported by this server\r\n'
     b':irc.netref.test 251 nr1a2b3c :There are 0 users and 0 invisible on 1 servers\r\n'
     b':irc.netref.test 253 nr1a2b3c 1 :unknown connections\r\n'
     b':irc.netref.test 254 nr1a2b3c 0 :channels formed\r\n'
     b':irc.netref.test 255 nr1a2b3c :I have 0 clients and 0 servers\r\n'
     b':irc.netref.test 265 nr1a2b3c :Current local users: 0  Max: 0\r\n'
     b':irc.netref.test 266 nr1a2b3c :Current global users: 0  Max: 0\r\n'
     b':irc.netref.test 375 nr1a2b3c :irc.netref.test message of the day\r\n'
     b':irc.netref.test 372 nr1a2b3c :netref capture\r\n'
     b':irc.netref.test 376 nr1a2b3c :End of message of the day.\r\n', False),
    (b'QUIT :netref probe\r\n',
     b'ERROR :Closing link: (netref@127.0.0.1) [netref probe]\r\n', True),
]

#: ngIRCd to ``GET / HTTP/1.0`` (the scan's HTTP hello): the reply the issue quotes.
NGIRCD_TO_GET: list[Step] = [
    (b'GET / HTTP/1.0\r\n\r\n',
     b'ERROR :"Oops, HTTP request received? This is IRC!"\r\n', True),
]

#: InspIRCd to a client that says nothing for 1.5 s: the notices it speaks first.
INSPIRCD_SILENT_WAIT: list[Step] = [
    (b'',
     b':irc.netref.test NOTICE * :*** Looking up your hostname...\r\n'
     b':irc.netref.test NOTICE * :*** Could not resolve your hostname: Domain not found; using your IP address (127.0.0.1) instead.\r\n', False),
]

#: Prosody: stream to localhost (STARTTLS required), <starttls/>, <proceed/>, TLS, the stream again, close.
PROSODY_STARTTLS: list[Step] = [
    (b"<?xml version='1.0'?><stream:stream to='localhost' version='1.0' xml:lang='en' xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams'>",
     b"<?xml version='1.0'?><stream:stream xmlns='jabber:client' from='localhost' xml:lang='en' version='1.0' xmlns:stream='http://etherx.jabber.org/streams' id='680efe4f-5343-48b9-9b2f-e8382789b069'><stream:features><starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'><required/></starttls></stream:features>", False),
    (b"<starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>",
     b"<proceed xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>", False),
    (b"<?xml version='1.0'?><stream:stream to='localhost' version='1.0' xml:lang='en' xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams'>",
     b"<?xml version='1.0'?><stream:stream xmlns='jabber:client' from='localhost' xml:lang='en' version='1.0' xmlns:stream='http://etherx.jabber.org/streams' id='55a84f4f-4d4f-488e-b554-1c9d29a59ca9'><stream:features><mechanisms xmlns='urn:ietf:params:xml:ns:xmpp-sasl'><mechanism>PLAIN</mechanism><mechanism>SCRAM-SHA-1</mechanism></mechanisms></stream:features>", False),
    (b'</stream:stream>',
     b'</stream:stream>', False),
]

#: Prosody: a stream to 127.0.0.1, a domain it does not serve.
PROSODY_HOST_UNKNOWN: list[Step] = [
    (b"<?xml version='1.0'?><stream:stream to='127.0.0.1' version='1.0' xml:lang='en' xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams'>",
     b"<?xml version='1.0'?><stream:stream xmlns='jabber:client' from='127.0.0.1' xml:lang='en' version='1.0' xmlns:stream='http://etherx.jabber.org/streams' id='1e97949f-dd48-4bd2-9a1b-fa1e9ec08121'><stream:error><host-unknown xmlns='urn:ietf:params:xml:ns:xmpp-streams'/><text xmlns='urn:ietf:params:xml:ns:xmpp-streams'>This server does not serve 127.0.0.1</text></stream:error></stream:stream>", True),
]

#: Prosody to ``GET / HTTP/1.0``.
PROSODY_TO_GET: list[Step] = [
    (b'GET / HTTP/1.0\r\n\r\n',
     b"<?xml version='1.0'?><stream:stream xmlns='jabber:client' id='' xml:lang='en' xmlns:stream='http://etherx.jabber.org/streams'><stream:error><not-well-formed xmlns='urn:ietf:params:xml:ns:xmpp-streams'/></stream:error></stream:stream>", True),
]

#: Prosody on its c2s_direct_tls_ports port (xmpps, TLS first): the stream, close.
PROSODY_DIRECT_TLS: list[Step] = [
    (b"<?xml version='1.0'?><stream:stream to='localhost' version='1.0' xml:lang='en' xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams'>",
     b"<?xml version='1.0'?><stream:stream xmlns='jabber:client' from='localhost' xml:lang='en' version='1.0' xmlns:stream='http://etherx.jabber.org/streams' id='eee6dcd5-e335-4496-9b47-ca05e6518415'><stream:features><mechanisms xmlns='urn:ietf:params:xml:ns:xmpp-sasl'><mechanism>PLAIN</mechanism><mechanism>SCRAM-SHA-1</mechanism></mechanisms></stream:features>", False),
    (b'</stream:stream>',
     b'</stream:stream>', False),
]

#: ejabberd: stream to localhost (STARTTLS offered, SASL, register), <starttls/>, TLS, again, close.
EJABBERD_STARTTLS: list[Step] = [
    (b"<?xml version='1.0'?><stream:stream to='localhost' version='1.0' xml:lang='en' xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams'>",
     b"<?xml version='1.0'?><stream:stream id='9888820772116197774' version='1.0' xml:lang='en' xmlns:stream='http://etherx.jabber.org/streams' from='localhost' xmlns='jabber:client'><stream:features><mechanisms xmlns='urn:ietf:params:xml:ns:xmpp-sasl'><mechanism>DIGEST-MD5</mechanism><mechanism>PLAIN</mechanism><mechanism>SCRAM-SHA-512</mechanism><mechanism>SCRAM-SHA-256</mechanism><mechanism>SCRAM-SHA-1</mechanism><mechanism>X-OAUTH2</mechanism></mechanisms><starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'/><register xmlns='http://jabber.org/features/iq-register'/></stream:features>", False),
    (b"<starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>",
     b"<proceed xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>", False),
    (b"<?xml version='1.0'?><stream:stream to='localhost' version='1.0' xml:lang='en' xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams'>",
     b"<?xml version='1.0'?><stream:stream id='4830714763743159682' version='1.0' xml:lang='en' xmlns:stream='http://etherx.jabber.org/streams' from='localhost' xmlns='jabber:client'><stream:features><mechanisms xmlns='urn:ietf:params:xml:ns:xmpp-sasl'><mechanism>DIGEST-MD5</mechanism><mechanism>PLAIN</mechanism><mechanism>SCRAM-SHA-512-PLUS</mechanism><mechanism>SCRAM-SHA-512</mechanism><mechanism>SCRAM-SHA-256-PLUS</mechanism><mechanism>SCRAM-SHA-256</mechanism><mechanism>SCRAM-SHA-1-PLUS</mechanism><mechanism>SCRAM-SHA-1</mechanism><mechanism>X-OAUTH2</mechanism></mechanisms><register xmlns='http://jabber.org/features/iq-register'/></stream:features>", False),
    (b'</stream:stream>',
     b'</stream:stream>', False),
]

#: ejabberd: a stream to 127.0.0.1, a domain it does not serve.
EJABBERD_HOST_UNKNOWN: list[Step] = [
    (b"<?xml version='1.0'?><stream:stream to='127.0.0.1' version='1.0' xml:lang='en' xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams'>",
     b"<?xml version='1.0'?><stream:stream id='17099505412031872054' version='1.0' xml:lang='en' xmlns:stream='http://etherx.jabber.org/streams' from='127.0.0.1' xmlns='jabber:client'><stream:error><host-unknown xmlns='urn:ietf:params:xml:ns:xmpp-streams'/></stream:error></stream:stream>", True),
]

#: ejabberd to ``GET / HTTP/1.0``.
EJABBERD_TO_GET: list[Step] = [
    (b'GET / HTTP/1.0\r\n\r\n',
     b"<?xml version='1.0'?><stream:stream id='6543474471747676364' version='1.0' xml:lang='en' xmlns:stream='http://etherx.jabber.org/streams' xmlns='jabber:client'><stream:error><not-well-formed xmlns='urn:ietf:params:xml:ns:xmpp-streams'/><text xml:lang='en' xmlns='urn:ietf:params:xml:ns:xmpp-streams'>syntax error</text></stream:error></stream:stream>", True),
]

#: ejabberd on its ``tls: true`` listener (xmpps): the stream, close.
EJABBERD_DIRECT_TLS: list[Step] = [
    (b"<?xml version='1.0'?><stream:stream to='localhost' version='1.0' xml:lang='en' xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams'>",
     b"<?xml version='1.0'?><stream:stream id='2343432423315210662' version='1.0' xml:lang='en' xmlns:stream='http://etherx.jabber.org/streams' from='localhost' xmlns='jabber:client'><stream:features><mechanisms xmlns='urn:ietf:params:xml:ns:xmpp-sasl'><mechanism>DIGEST-MD5</mechanism><mechanism>PLAIN</mechanism><mechanism>SCRAM-SHA-512-PLUS</mechanism><mechanism>SCRAM-SHA-512</mechanism><mechanism>SCRAM-SHA-256-PLUS</mechanism><mechanism>SCRAM-SHA-256</mechanism><mechanism>SCRAM-SHA-1-PLUS</mechanism><mechanism>SCRAM-SHA-1</mechanism><mechanism>X-OAUTH2</mechanism></mechanisms><register xmlns='http://jabber.org/features/iq-register'/></stream:features>", False),
    (b'</stream:stream>',
     b'</stream:stream>', False),
]
