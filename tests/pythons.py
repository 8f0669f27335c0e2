"""The CPython interpreters on this machine, for tests that compare the catalogue with real ones."""

from __future__ import annotations

import glob
import os
import subprocess
import sys
from pathlib import Path

# -S: no site-packages, so a PyPI backport (pyasyncore, standard-telnetlib ...) installed in a venv
# cannot pass for the standard library; -E -s: ignore PYTHON* variables and the user site.
STDLIB_ONLY = ["-S", "-E", "-s"]


def interpreters() -> list[str]:
    """The running interpreter plus every pyenv/system CPython found, one per feature version, oldest first."""
    roots = [os.environ.get("PYENV_ROOT", ""), str(Path.home() / ".pyenv")]
    candidates = [sys.executable]
    for root in filter(None, roots):
        candidates += sorted(glob.glob(os.path.join(root, "versions", "*", "bin", "python")))
    candidates += sorted(glob.glob("/usr/bin/python[23].*[0-9]"))
    found: dict[str, str] = {}
    for path in candidates:
        if os.access(path, os.X_OK):
            command = [path, *STDLIB_ONLY, "-c", "import sys; print('%d.%d' % sys.version_info[:2])"]
            version = subprocess.run(command, capture_output=True, text=True, check=False).stdout.strip()
            if version and version not in found:
                found[version] = path
    return [found[version] for version in sorted(found, key=lambda v: tuple(map(int, v.split("."))))]


INTERPRETERS = interpreters()
