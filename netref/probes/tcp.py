"""Plain TCP: connect and read the banner — the tutorial's own ``client.py``.

Many services speak first (SMTP, FTP, SSH, the tutorial's "Thank you for connecting");
many do not (HTTP). A silent service is still an open port, so the banner is optional:
the probe waits :data:`BANNER_WAIT` seconds for it (never past the deadline).
"""

from __future__ import annotations

from netref.probes.session import Session
from netref.probes.values import counted, printable

#: How long to wait for a banner before calling the port open and silent.
BANNER_WAIT = 2.0

#: The tutorial reads ``s.recv(1024)``; a little more shows a multi-line banner.
BANNER_BYTES = 4096


def probe(session: Session) -> None:
    """Read whatever the server sends first, up to :data:`BANNER_BYTES`."""
    banner = session.read_some(BANNER_BYTES, wait=min(BANNER_WAIT, session.options.timeout / 2))
    result = session.result
    if banner is None:
        result.message = "connected; the server sent no banner"
        return
    if not banner:
        result.message = "connected; the server closed the connection without a word"
        return
    lines = [printable(line) for line in banner.splitlines() if line.strip()]
    result.greeting = lines[0] if lines else printable(banner)
    result.details["banner_bytes"] = len(banner)
    result.details["banner"] = lines[:20]
    result.message = f"connected; banner of {counted(len(banner), 'byte')}"
