"""Start-up cost of ``netref port 25``, side by side with a bare Typer app and ``import typer``.

Targets (issue #2): netref ≤ 1.10 × the bare one-command Typer app (netref itself adds almost
nothing), and ≤ 1.5 × ``python -c "import typer"``. The three commands run interleaved, round
after round, so that machine noise hits them alike; the figures are medians.

    python benchmarks/startup.py [--rounds 21] [--typer 0.28.0 --typer 0.29.2]

Without --typer it measures the environment it runs in (netref and Typer as installed there).
Each --typer VERSION builds a fresh venv with this checkout of netref and that Typer (from PyPI)
and measures there, so Typer versions can be compared in one run: 0.29 imports pydantic when an
app runs, which is why netref holds Typer below 0.29.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BARE_APP = '''
import typer

app = typer.Typer()


@app.command()
def main(port: int) -> None:
    print(port)


if __name__ == "__main__":
    app()
'''


def netref_command(python: str) -> list[str]:
    script = Path(python).with_name("netref")
    if script.exists():
        return [str(script), "port", "25"]
    found = shutil.which("netref")
    return [found, "port", "25"] if found else [python, "-m", "netref", "port", "25"]


# Bytecode may be written (the warm-up run compiles what pip did not): PYTHONDONTWRITEBYTECODE
# set to anything, even "0", would make every run compile netref from source.
_ENV = {name: value for name, value in os.environ.items() if name != "PYTHONDONTWRITEBYTECODE"}


def run_once(command: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL, env=_ENV)
    return time.perf_counter() - start


def measure(python: str, rounds: int) -> None:
    """Print the medians and ratios for the environment of interpreter ``python``."""
    with tempfile.TemporaryDirectory() as tmp:
        bare = Path(tmp) / "bare_app.py"
        bare.write_text(BARE_APP)
        commands = {
            "netref port 25": netref_command(python),
            "bare Typer app": [python, str(bare), "25"],
            "import typer": [python, "-c", "import typer"],
        }
        for command in commands.values():  # warm the page cache, bytecode and catalogue caches
            run_once(command)
        times: dict[str, list[float]] = {name: [] for name in commands}
        for _ in range(rounds):
            for name, command in commands.items():
                times[name].append(run_once(command))

    versions = subprocess.run(
        [python, "-c", "import sys; from importlib.metadata import version as v; "
         "print(sys.version.split()[0], v('typer'), v('tabulate'))"],
        capture_output=True, text=True, check=True,
    ).stdout.split()
    median = {name: statistics.median(values) * 1000 for name, values in times.items()}
    print(f"Python {versions[0]}, typer {versions[1]}, tabulate {versions[2]}: median of {rounds} runs")
    for name, ms in median.items():
        print(f"  {name:<16} {ms:7.1f} ms")
    vs_bare = median["netref port 25"] / median["bare Typer app"]
    vs_import = median["netref port 25"] / median["import typer"]
    print(f"  netref / bare app     = {vs_bare:.2f}  (target <= 1.10) {'OK' if vs_bare <= 1.10 else 'MISSED'}")
    print(f"  netref / import typer = {vs_import:.2f}  (target <= 1.50) {'OK' if vs_import <= 1.50 else 'MISSED'}")


def venv_with_typer(typer_version: str, where: Path) -> str:
    """A fresh venv holding this checkout of netref with ``typer_version`` forced in."""
    subprocess.run([sys.executable, "-m", "venv", str(where)], check=True)
    python = str(where / "bin" / "python")
    checkout = Path(__file__).resolve().parent.parent
    pip = [python, "-m", "pip", "install", "-q", "--disable-pip-version-check"]
    subprocess.run([*pip, str(checkout)], check=True)
    subprocess.run([*pip, "--no-deps", f"typer=={typer_version}"], check=True, stderr=subprocess.DEVNULL)
    subprocess.run([*pip, "pydantic"] if typer_version >= "0.29" else [python, "-c", "pass"], check=True)
    return python


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=21, help="runs of each command (median taken)")
    parser.add_argument(
        "--typer", action="append", default=[], metavar="VERSION",
        help="measure in a fresh venv with this Typer (repeatable)",
    )  # fmt: skip
    options = parser.parse_args()
    if not options.typer:
        measure(sys.executable, options.rounds)
        return
    with tempfile.TemporaryDirectory() as tmp:
        for typer_version in options.typer:
            measure(venv_with_typer(typer_version, Path(tmp) / typer_version), options.rounds)


if __name__ == "__main__":
    main()
