"""Fixtures shared by the real-daemon tests (the helpers themselves: realdaemon.py)."""

from __future__ import annotations

from pathlib import Path

import pytest
from realdaemon import write_pem_files


@pytest.fixture
def pem_files(server_cert, tmp_path: Path) -> tuple[Path, Path]:
    """The test server certificate (its chain) and key as PEM files in ``tmp_path``."""
    return write_pem_files(server_cert, tmp_path)
