"""Draw the docs' screenshots of netref's coloured views as SVG: what a terminal shows.

A maintenance script, not a test. It runs netref with ``--color always`` at 80 columns — the
matrix, and a probe of a local banner server that answers after a short pause (so that the
waterfall has something to show) — and has rich (installed with Typer) turn the colour codes
into SVG terminal pictures, in docs/images/.

    python tools/screenshots.py
"""

from __future__ import annotations

import io
import os
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
IMAGES = ROOT / "docs" / "images"


def netref(*args: str) -> str:
    env = {**os.environ, "COLUMNS": "80", "PYTHONPATH": str(ROOT)}
    env.pop("NO_COLOR", None)
    run = subprocess.run([sys.executable, "-m", "netref", *args, "--color", "always"], capture_output=True,
                         text=True, env=env, check=False)
    return run.stdout


def banner_server() -> int:
    """A server that greets after 20 ms, as a slow banner would: its port."""
    listener = socket.create_server(("127.0.0.1", 0))

    def serve() -> None:
        connection, _ = listener.accept()
        with connection:
            time.sleep(0.02)
            connection.sendall(b"220 netref.test ESMTP\r\n")
            time.sleep(0.01)

    threading.Thread(target=serve, daemon=True).start()
    return int(listener.getsockname()[1])


def save_svg(text: str, title: str, path: Path) -> None:
    from rich.console import Console
    from rich.text import Text

    console = Console(record=True, width=80, file=io.StringIO(), force_terminal=True)
    console.print(Text.from_ansi(text.rstrip("\n")))
    path.write_text(console.export_svg(title=title), encoding="utf-8")
    print(f"wrote {path.relative_to(ROOT)}")


def main() -> None:
    IMAGES.mkdir(exist_ok=True)
    save_svg("$ netref matrix --python 3.13\n" + netref("matrix", "--python", "3.13"), "netref matrix",
             IMAGES / "matrix.svg")
    port = banner_server()
    probe = netref("probe", "tcp", f"127.0.0.1:{port}").replace(str(port), "34337")
    save_svg("$ netref probe tcp 127.0.0.1:34337\n" + probe, "netref probe", IMAGES / "waterfall.svg")


if __name__ == "__main__":
    main()
