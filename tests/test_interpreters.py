"""The catalogue's computed status, checked against every real Python interpreter on the machine.

For each interpreter found (the running one always; pyenv's 2.7 and 3.6-3.13 where installed), a
subprocess imports every catalogue module with fresh module state and records whether it imports
and whether the import warns. The catalogue must agree: importable exactly when the status is
current or deprecated, and warning exactly when ``warns_on_import`` says so.
"""

from __future__ import annotations

import glob
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from netref.catalog import load_catalog

# Runs under Python 2.7 too: no f-strings, no annotations.
PROBE = r"""
import json, sys, warnings
base = set(sys.modules)
result = {}
for name in sys.argv[1:]:
    for loaded in list(sys.modules):
        if loaded not in base:
            del sys.modules[loaded]
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            __import__(name)
            imported = True
        except ImportError:
            imported = False
    warned = any(issubclass(w.category, DeprecationWarning) for w in caught)
    result[name] = [imported, imported and warned]
sys.stdout.write(json.dumps({"version": list(sys.version_info[:2]), "modules": result}))
"""


def interpreters() -> list[str]:
    """The running interpreter plus every pyenv/system CPython found, one per feature version."""
    roots = [os.environ.get("PYENV_ROOT", ""), str(Path.home() / ".pyenv")]
    candidates = [sys.executable]
    for root in filter(None, roots):
        candidates += sorted(glob.glob(os.path.join(root, "versions", "*", "bin", "python")))
    candidates += sorted(glob.glob("/usr/bin/python[23].*[0-9]"))
    found: dict[str, str] = {}
    for path in candidates:
        if os.access(path, os.X_OK):
            version = subprocess.run([path, "-c", "import sys; print('%d.%d' % sys.version_info[:2])"],
                                     capture_output=True, text=True).stdout.strip()
            if version and version not in found:
                found[version] = path
    return list(found.values())


INTERPRETERS = interpreters()


def test_more_than_the_running_interpreter_is_checked_where_pyenv_is_installed():
    if (Path.home() / ".pyenv" / "versions").is_dir():
        assert len(INTERPRETERS) > 1, "pyenv is installed but no other interpreter was found"


@pytest.mark.parametrize("python", INTERPRETERS)
def test_catalogue_agrees_with_a_real_interpreter(python):
    catalog = load_catalog()
    names = sorted(catalog.modules)
    run = subprocess.run([python, "-c", PROBE, *names], capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    report = json.loads(run.stdout)
    target = tuple(report["version"])
    disagreements = []
    for name, (imported, warned) in report["modules"].items():
        status = catalog.modules[name].status(target)
        expect_import = status.kind in ("current", "deprecated")
        if imported != expect_import or warned != status.warns_on_import:
            disagreements.append(f"{name}: catalogue says {status.kind} (warns={status.warns_on_import}), "
                                 f"Python {target[0]}.{target[1]} imported={imported} warned={warned}")
    assert not disagreements, "\n".join(disagreements)
