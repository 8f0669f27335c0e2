"""The catalogue's computed status, checked against every real Python interpreter on the machine.

For each interpreter found (the running one always; pyenv's 2.7 and 3.6-3.13 where installed), a
subprocess imports every catalogue module, from the standard library only (no site-packages), with
fresh module state, and records whether it imports and whether the import warns. The catalogue
must agree: importable exactly when the status is current or deprecated, and warning exactly when
``warns_on_import`` says so.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
from pythons import INTERPRETERS, STDLIB_ONLY

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




def test_more_than_the_running_interpreter_is_checked_where_pyenv_is_installed():
    if (Path.home() / ".pyenv" / "versions").is_dir():
        assert len(INTERPRETERS) > 1, "pyenv is installed but no other interpreter was found"


@pytest.mark.parametrize("python", INTERPRETERS)
def test_catalogue_agrees_with_a_real_interpreter(python):
    catalog = load_catalog()
    names = sorted(catalog.modules)
    command = [python, *STDLIB_ONLY, "-c", PROBE, *names]
    run = subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)
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
