"""The static checks CI runs, run by the test suite so that the README's one test command checks them too.

mypy (strict, on ``netref/``) and ruff (on the whole repository) are configured in pyproject.toml and
pinned in the ``test`` extra. Each runs in a subprocess of the interpreter under test, so every
interpreter CI covers also type-checks and lints the code as that interpreter sees it.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def run_tool(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", *args], cwd=ROOT, capture_output=True, text=True, check=False)


def test_mypy_is_clean_on_netref() -> None:
    result = run_tool("mypy", "--cache-dir", str(ROOT / ".mypy_cache"))
    assert result.returncode == 0, result.stdout + result.stderr


def test_ruff_is_clean_on_the_repository() -> None:
    result = run_tool("ruff", "check", "--no-cache", ".")
    assert result.returncode == 0, result.stdout + result.stderr
