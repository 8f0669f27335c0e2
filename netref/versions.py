"""Python versions as netref compares them: ``(major, minor)`` tuples.

Module lifetimes are decided per feature release (3.12, 3.13), so a patch level never matters and
is accepted but dropped: ``3.13.1`` is ``(3, 13)``.
"""

from __future__ import annotations

import re
import sys

Version = tuple[int, int]

_VERSION = re.compile(r"(\d+)(?:\.(\d+))?(?:\.\d+)?")


def parse_version(text: str) -> Version:
    """``"3.13"`` -> ``(3, 13)``; ``"3"`` -> ``(3, 0)``. Raises ValueError with a one-line message."""
    match = _VERSION.fullmatch(text.strip())
    if not match:
        raise ValueError(f"not a Python version: {text!r} (expected MAJOR.MINOR, e.g. 3.13)")
    major, minor = int(match.group(1)), int(match.group(2) or 0)
    if major not in (1, 2, 3, 4):
        raise ValueError(f"not a Python version: {text!r} (Python's major version is 1, 2 or 3)")
    return major, minor


def running_version() -> Version:
    """The interpreter netref runs on: the default target."""
    return sys.version_info[0], sys.version_info[1]


def format_version(version: Version) -> str:
    return f"{version[0]}.{version[1]}"
