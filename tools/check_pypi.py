"""Check every PyPI name the catalogue records against the registry, and print what was found.

A maintenance script, not a test (the tests never touch the network). It collects the ``pypi``
projects of protocols and modules and every module's ``backport``, asks ``pip index versions``
for each (through pip, so pip's configured index and proxy apply), and prints one line per
name: the latest version, or why it was not found. Exit 1 if any name is missing.

    python tools/check_pypi.py [--data PATH] [--timeout SECONDS]
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from netref.catalog import Catalog, load_catalog

LATEST = re.compile(r"^(\S+) \(([^)]+)\)", re.MULTILINE)


def recorded_names(catalog: Catalog) -> dict[str, list[str]]:
    """Each PyPI name, with the catalogue entries that record it."""
    names: dict[str, list[str]] = defaultdict(list)
    for protocol in catalog.protocols.values():
        for name in protocol.pypi:
            names[name].append(f"protocols.{protocol.key}.pypi")
    for module in catalog.modules.values():
        for name in module.pypi:
            names[name].append(f"modules.{module.name}.pypi")
        if module.backport:
            names[module.backport].append(f"modules.{module.name}.backport")
    return dict(sorted(names.items(), key=lambda item: item[0].lower()))


def latest_version(name: str, timeout: float) -> tuple[str | None, str]:
    """(version, "") from ``pip index versions``, or (None, the reason)."""
    command = [sys.executable, "-m", "pip", "index", "versions", name, "--disable-pip-version-check"]
    try:
        run = subprocess.run(command, capture_output=True, text=True, timeout=timeout, check=False)
    except subprocess.TimeoutExpired:
        return None, f"no answer within {timeout:g} s"
    found = LATEST.search(run.stdout)
    if run.returncode == 0 and found:
        return found.group(2), ""
    errors = [line for line in run.stderr.splitlines() if line.startswith("ERROR")]
    return None, errors[-1] if errors else f"pip exited {run.returncode}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", help="catalogue file (default: the shipped one)")
    parser.add_argument("--timeout", type=float, default=60.0, help="seconds per name (default 60)")
    args = parser.parse_args()
    names = recorded_names(load_catalog(args.data))
    width = max(map(len, names), default=0)
    missing = 0
    for name, entries in names.items():
        version, problem = latest_version(name, args.timeout)
        missing += version is None
        verdict = f"found {version}" if version else f"NOT FOUND ({problem})"
        print(f"{name:<{width}}  {verdict:<24}  {', '.join(entries)}")
    print(f"\n{len(names) - missing} of {len(names)} PyPI names found on the registry")
    return 1 if missing else 0


if __name__ == "__main__":
    sys.exit(main())
