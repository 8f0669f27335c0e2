"""The order a scan's jobs run in, how they split into shards, their rate, and what a resumed
scan skips.

A scan of T targets × P ports has ``T × P`` jobs, job ``j`` being target ``j // P`` and port
``j % P`` (the port itself stays opaque here: whatever the scan's port list holds). Jobs do not run
in that order, which would hit one host with every port and then its neighbour: position ``k`` of
the run is job ``j = a·k mod T·P``, with ``a`` the integer nearest ``T·P`` times the golden ratio's
fraction that is coprime with ``T·P``. Multiplication by a number coprime with the modulus is a
bijection, so every job comes exactly once; successive positions land about 0.62 of the space apart
(consecutive jobs fall on hosts far apart, and a host's next port comes a long while later).

``--shard K/N`` keeps the positions ``k ≡ K-1 (mod N)``: N disjoint slices that together are the
whole run, each interleaved the same way, computed independently by each machine from K, N and
the target and port lists alone (as zmap's ``--shards``/``--shard``).
"""

from __future__ import annotations

import json
import math
import re
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from netref.targets import ScanUsageError

#: A rate's burst bound: at most this many seconds' worth of connections at once.
BURST_SECONDS = 0.02
_GOLDEN = 6180339887498948  # (√5 - 1) / 2, times 10**16
_STATES = {"open", "closed", "filtered", "unresolved"}


@dataclass(frozen=True)
class Shard:
    """Slice ``index`` (1 to ``count``) of a run split ``count`` ways."""

    index: int = 1
    count: int = 1

    def __post_init__(self) -> None:
        if not 1 <= self.index <= self.count:
            raise ScanUsageError(f"--shard {self.index}/{self.count}: K must be 1 to N (K/N, shards count from 1)")


def parse_shard(text: str) -> Shard:
    """``K/N`` (``2/8``: the second of eight slices)."""
    match = re.fullmatch(r"\s*(\d+)\s*/\s*(\d+)\s*", text)
    if match is None:
        raise ScanUsageError(f"--shard: expected K/N (the K-th of N slices, 1 ≤ K ≤ N), not {text!r}")
    return Shard(int(match[1]), int(match[2]))


def spread(total: int) -> int:
    """The multiplier of the run's permutation: coprime with ``total``, near 0.618 × ``total``."""
    if total < 3:
        return 1
    multiplier = total * _GOLDEN // 10**16
    while math.gcd(multiplier, total) != 1:
        multiplier += 1
    return multiplier


class JobOrder:
    """The jobs of one shard of a run of ``total`` jobs, in run order (see the module docstring)."""

    def __init__(self, total: int, shard: Shard | None = None) -> None:
        self.total, self.shard = total, shard or Shard()
        self.multiplier = spread(total)
        first = self.shard.index - 1
        self.size = (total - first + self.shard.count - 1) // self.shard.count if total > first else 0

    def __iter__(self) -> Iterator[int]:
        total = self.total
        if not total:
            return
        job = self.multiplier * (self.shard.index - 1) % total
        step = self.multiplier * self.shard.count % total
        for _ in range(self.size):
            yield job
            job += step
            if job >= total:
                job -= total

    def owns(self, job: int) -> bool:
        """Whether ``job`` is in this shard."""
        position = job * pow(self.multiplier, -1, self.total) % self.total
        return position % self.shard.count == self.shard.index - 1


class Rate:
    """A token bucket: ``per_second`` new connections on average, at most ``burst`` at once."""

    def __init__(self, per_second: float, burst: int | None = None) -> None:
        if not per_second > 0 or math.isinf(per_second):
            raise ScanUsageError(f"--rate: expected new connections per second above 0, not {per_second:g}")
        self.per_second = per_second
        self.burst = burst or max(1, int(per_second * BURST_SECONDS))
        self.tokens = 1.0
        self.stamp = time.monotonic()

    def take(self, now: float) -> bool:
        """Spend a token if there is one."""
        self.tokens = min(self.burst, self.tokens + (now - self.stamp) * self.per_second)
        self.stamp = now
        if self.tokens < 1:
            return False
        self.tokens -= 1
        return True

    def wait(self, now: float) -> float:
        """Seconds until the next token."""
        return max((1 - self.tokens) / self.per_second - (now - self.stamp), 0.0)


def read_resume(name: str, lines: Iterable[str]) -> Iterator[tuple[str, int, str]]:
    """The (host, port number, transport) of every port a previous run's jsonl output finished.

    A line that is not one of netref scan's records is a usage error, except a last line cut short
    (the run was killed while writing it), which is scanned again. A host that did not resolve
    (``port`` null) is tried again too."""
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except ValueError:
            record = None
        if not _is_record(record):
            if not line.endswith("\n"):  # only the last line can lack one: cut short
                break
            _not_ours(name, number, line)
        assert isinstance(record, dict)
        if record["port"] is not None and record["state"] != "unresolved":
            yield record["host"], record["port"], record.get("transport") or "tcp"


def _is_record(record: object) -> bool:
    return (
        isinstance(record, dict) and isinstance(record.get("host"), str) and record.get("state") in _STATES
        and (record.get("port") is None or (isinstance(record["port"], int) and 0 < record["port"] < 65536))
    )  # fmt: skip


def _not_ours(name: str, number: int, line: str) -> None:
    sample = line.strip()[:40]
    raise ScanUsageError(f"--resume {name}: line {number} is not a record of netref scan's jsonl output: {sample!r}")
