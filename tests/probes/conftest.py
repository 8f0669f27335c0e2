"""Fixtures of the probe tests, found by pytest here rather than imported by each test module."""

from __future__ import annotations

from probing import cert_files, ssh_catalog

__all__ = ["cert_files", "ssh_catalog"]
