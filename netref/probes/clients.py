"""Handing the connection to a standard-library client: the one mixin every client class uses.

Every stdlib client must read and write through :meth:`Session.client_socket`, a
:class:`~netref.probes.session.GuardedSocket` that enforces the deadline and the byte
budget on *every* read, even inside the client's own ``readline``. Never give a client the
host and port: it would open its own connection, outside the deadline.

Subclass the client once, at module level (building a class per probe costs more than a
loopback exchange), with :class:`GuardedClient` first, and construct it with the guarded
socket followed by the client's own arguments::

    class _GuardedPOP3(GuardedClient, poplib.POP3): ...
    client = _GuardedPOP3(session.client_socket(), session.host, session.port)

- **smtplib**: construct with ``local_hostname`` and no host (so it does not connect), then
  ``code, greeting = client.connect(session.host, session.port)``: ``connect`` reads the
  greeting through the guarded socket (the mixin's ``_get_socket``).
- **poplib**, **imaplib**: ``POP3.__init__``/``IMAP4.__init__`` connect through the mixin's
  ``_create_socket`` and read the greeting. Use ``POP3``/``IMAP4`` even for pop3s/imaps:
  the session has already done the TLS. imaplib reads a literal of whatever size the server
  announces in one ``file.read(size)``; the guarded socket's file refuses a read larger than
  the byte budget, so a hostile ``{99999999999}`` costs nothing.
- **ftplib**: construct with no host (no connection), set what ``FTP.connect`` would
  (``host``, ``port``, ``sock``, ``af``, ``file`` from the guarded socket's ``makefile``),
  then read the welcome with ``getresp()``.
- **http.client**: ``conn = http.client.HTTPConnection(session.host, session.port)`` then
  ``conn.sock = session.client_socket()`` before ``conn.request(...)``: a connection with a
  socket never calls ``connect``. Use ``HTTPConnection`` even for https.

STARTTLS and friends (SMTP ``STARTTLS``, POP3 ``STLS``, IMAP ``STARTTLS``, FTP ``AUTH TLS``,
NNTP ``STARTTLS``): send the command through the client, check the positive reply, then
call :meth:`Session.start_tls`. Do **not** call the client's own ``starttls()``/``stls()``/
``auth()``: they wrap the socket themselves, outside the deadline. The guarded socket and
the client's file keep working after the upgrade: they read and write through the session,
which holds the connection's only read buffer, so plaintext sent behind the go-ahead (the
STARTTLS injection attack) is seen and refused by ``start_tls``. Reset what the client
learnt in plaintext (smtplib: ``ehlo_resp``, ``esmtp_features``, ``does_esmtp``, as
``SMTP.starttls`` does). A server that does not offer or refuses the upgrade is a ``tls``
failure (:func:`netref.probes.replies.upgrade_not_offered`, :func:`~netref.probes.replies.upgrade_refused`):
``--starttls`` never degrades to plaintext (the core also checks that TLS really started).

Socket-level families (tcp, telnet, gopher, and NNTP where nntplib is gone) need no client:
they use the session's own bounded reader, :meth:`Session.readline`, :meth:`Session.read_some`
and :meth:`Session.send` — the same buffer a stdlib client's file reads from.
"""

from __future__ import annotations

import socket
from typing import TYPE_CHECKING, Any, cast

if TYPE_CHECKING:  # pragma: no cover - typing only
    from netref.probes.session import GuardedSocket


class GuardedClient:
    """A stdlib client's connection hooks, answered with the session's guarded socket.

    Mixed in before the client class; this module imports no client, so a family that
    speaks through none (or through one a Python no longer has) costs nothing here.
    """

    def __init__(self, guarded: GuardedSocket, *args: Any, **kwargs: Any) -> None:
        self.guarded = guarded  # before the client's __init__, which may connect at once
        super().__init__(*args, **kwargs)

    def _guarded_socket(self) -> socket.socket:
        """The guarded socket where a client expects a socket: it has every method the
        clients call (the one place that says so to the type checker)."""
        return cast(socket.socket, self.guarded)

    def _create_socket(self, timeout: float | None = None) -> socket.socket:  # poplib, imaplib
        return self._guarded_socket()

    def _get_socket(self, host: str, port: int, timeout: float) -> socket.socket:  # smtplib
        return self._guarded_socket()
