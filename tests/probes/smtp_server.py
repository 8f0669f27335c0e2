"""A real SMTP server (aiosmtpd) on loopback for the probe tests: plain, STARTTLS, implicit TLS.

aiosmtpd's own ``Controller`` wants a fixed port and probes it with a trigger connection;
here the server listens on port 0 in a private event loop thread instead, so parallel tests
never collide. Every command the server receives is recorded (verb, argument, whether TLS
was up), which is how the tests prove that a probe never sends MAIL, RCPT or DATA.
"""

from __future__ import annotations

import asyncio
import socket
import ssl
import threading
from dataclasses import dataclass
from typing import Self

from aiosmtpd.smtp import SMTP

#: The verbs recorded; between them they cover everything smtplib can send.
RECORDED_VERBS = ("HELO", "EHLO", "STARTTLS", "AUTH", "MAIL", "RCPT", "DATA", "RSET", "NOOP",
                  "VRFY", "EXPN", "HELP", "QUIT")


@dataclass(frozen=True)
class SmtpCommand:
    verb: str
    argument: str | None
    secure: bool


class RecordingSMTP(SMTP):
    """aiosmtpd's SMTP protocol, keeping a log of the commands it receives."""

    def __init__(self, handler, *, command_log: list[SmtpCommand], **kwargs) -> None:
        super().__init__(handler, **kwargs)
        self.command_log = command_log

    def _record(self, verb: str, argument: str | None) -> None:
        secure = self.transport is not None and self.transport.get_extra_info("ssl_object") is not None
        self.command_log.append(SmtpCommand(verb, argument, secure))


def _recording(verb: str):
    parent = getattr(SMTP, f"smtp_{verb}")

    async def command(self: RecordingSMTP, arg):
        self._record(verb, arg)
        return await parent(self, arg)

    command.__name__ = f"smtp_{verb}"
    for attribute in ("__doc__", "__smtp_syntax__", "__smtp_syntax_extended__",
                      "__smtp_syntax_when__"):  # aiosmtpd's HELP and EHLO read these
        if hasattr(parent, attribute):
            setattr(command, attribute, getattr(parent, attribute))
    return command


for _verb in RECORDED_VERBS:
    setattr(RecordingSMTP, f"smtp_{_verb}", _recording(_verb))


class AcceptNothing:
    """The message handler: a probe must never get this far, so anything here is refused."""

    async def handle_DATA(self, server, session, envelope) -> str:
        return "554 netref test server accepts no mail"


class SmtpServer:
    """aiosmtpd on 127.0.0.1 (or ``host``), port 0, in its own thread; a context manager.

    ``starttls_context`` offers STARTTLS with that context; ``implicit_context`` makes the
    whole connection TLS (smtps, port 465 style).
    """

    def __init__(self, *, host: str = "127.0.0.1", starttls_context: ssl.SSLContext | None = None,
                 implicit_context: ssl.SSLContext | None = None,
                 ident: str = "netref-test ESMTP (aiosmtpd)") -> None:
        self.host = host
        self.starttls_context = starttls_context
        self.implicit_context = implicit_context
        self.ident = ident
        self.log: list[SmtpCommand] = []
        self.port = 0
        self._loop = asyncio.new_event_loop()
        self._server: asyncio.base_events.Server | None = None
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)

    @property
    def target(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{host}:{self.port}"

    def verbs(self) -> list[str]:
        return [command.verb for command in self.log]

    def _protocol(self) -> RecordingSMTP:
        return RecordingSMTP(AcceptNothing(), command_log=self.log, hostname="mail.netref.test",
                             ident=self.ident, tls_context=self.starttls_context,
                             loop=self._loop, timeout=10)

    async def _start(self) -> None:
        family = socket.AF_INET6 if ":" in self.host else socket.AF_INET
        self._server = await self._loop.create_server(
            self._protocol, self.host, 0, family=family, ssl=self.implicit_context)
        self.port = self._server.sockets[0].getsockname()[1]

    async def _stop(self) -> None:
        assert self._server is not None
        self._server.close()
        # Server.wait_closed() waits for open connections since 3.12; do not hang on them.
        await asyncio.wait([asyncio.ensure_future(self._server.wait_closed())], timeout=1)

    def __enter__(self) -> Self:
        self._thread.start()
        asyncio.run_coroutine_threadsafe(self._start(), self._loop).result(5)
        return self

    def __exit__(self, *exc_info) -> None:
        asyncio.run_coroutine_threadsafe(self._stop(), self._loop).result(5)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(5)
        self._loop.close()
