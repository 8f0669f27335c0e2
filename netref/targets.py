"""What ``netref scan`` scans: targets written as nmap users write them, expanded lazily.

A target is a host name, an address, ``[v6]``, a CIDR block (``10.0.0.0/16``: its hosts, without
the network and broadcast addresses, as :meth:`ipaddress.IPv4Network.hosts`), an address range
(``10.0.0.1-50``, ``10.0.0.1-10.0.0.50``) or nmap's octet ranges (``10.0-3.1,7.*``: each octet a
list of numbers and ranges, ``*`` and an open end meaning the rest). Files (``-i``) hold targets
separated by white space, ``#`` comments allowed. ``--exclude`` takes the same forms.

Nothing is expanded into a list: :class:`Targets` keeps each address block as ascending intervals of
integers (a /8 is one interval) and computes the ``i``-th host when asked, so a scan's memory does
not grow with its size. Targets that overlap (an address given twice, a range inside another) are a
usage error: a scan counts each (target, port) exactly once, which is what shards and resumes rely on.
"""

from __future__ import annotations

import bisect
import ipaddress
import itertools
import re
import socket
from array import array
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from netref.probes import ProbeUsageError
from netref.probes.values import is_ip_address

#: An octet spec broken into more separate address intervals than this is refused (memory).
MAX_INTERVALS = 1 << 20
_OCTETS = re.compile(r"^[0-9*,-]+(\.[0-9*,-]+){3}$")


class ScanUsageError(ProbeUsageError):
    """A target, port list or option the scan cannot take: one line, exit 2."""


# -- one block of addresses --------------------------------------------------------------------


@dataclass
class _Span:
    """Addresses of one IP version as intervals ``[start, start + size)`` in the order given; the
    ``offsets`` are the running counts (the index of each interval's first address)."""

    version: int
    starts: list[int] | array[int] = field(default_factory=list)
    sizes: list[int] | array[int] = field(default_factory=list)
    offsets: list[int] | array[int] = field(default_factory=list)
    count: int = 0

    def __post_init__(self) -> None:
        if self.version == 4 and isinstance(self.starts, list) and not self.starts:
            self.starts, self.sizes, self.offsets = array("Q"), array("Q"), array("Q")

    def add(self, start: int, size: int) -> None:
        if size <= 0:
            return
        if self.starts and self.starts[-1] + self.sizes[-1] == start:  # adjacent: one interval
            self.sizes[-1] += size
        else:
            self.starts.append(start)
            self.sizes.append(size)
            self.offsets.append(self.count)
        self.count += size

    def address(self, index: int) -> int:
        where = bisect.bisect_right(self.offsets, index) - 1
        return self.starts[where] + index - self.offsets[where]

    def intervals(self) -> Iterator[tuple[int, int]]:
        """``(first, last)`` of each interval, inclusive."""
        for start, size in zip(self.starts, self.sizes, strict=True):
            yield start, start + size - 1


def _text(version: int, value: int) -> str:
    if version == 4:
        return socket.inet_ntoa(value.to_bytes(4, "big"))
    return str(ipaddress.IPv6Address(value))


# -- parsing -----------------------------------------------------------------------------------


def _octet(text: str, spec: str) -> list[tuple[int, int]]:
    """One octet of an nmap octet range: ``1,3-5,200-`` as ascending, disjoint ranges."""
    ranges: list[tuple[int, int]] = []
    for part in text.split(","):
        low, dash, high = part.partition("-")
        if part == "*":
            low, dash, high = "0", "-", "255"
        if not (low or dash) or not (low or "0").isdigit() or not (high or "255").isdigit():
            raise ScanUsageError(f"invalid target {spec!r}: {part!r} is not an octet, a range or *")
        first = int(low or "0")
        last = int(high or "255") if dash else first
        if last > 255 or first > 255:
            raise ScanUsageError(f"invalid target {spec!r}: {part!r} is beyond 255")
        if first > last:
            raise ScanUsageError(f"invalid target {spec!r}: the range {part!r} runs backwards")
        ranges.append((first, last))
    ranges.sort()
    for (_, end), (start, _) in itertools.pairwise(ranges):
        if start <= end:
            raise ScanUsageError(f"invalid target {spec!r}: the octet {text!r} names a number twice")
    return ranges


def _octet_intervals(spec: str) -> Iterator[tuple[int, int]]:
    """``(start, size)`` intervals of an octet spec, in address order; the trailing octets that
    are whole (``.*``) make each interval longer rather than more numerous."""
    octets = [_octet(part, spec) for part in spec.split(".")]
    whole = 0
    while whole < 4 and octets[3 - whole] == [(0, 255)]:
        whole += 1
    if whole == 4:
        yield 0, 1 << 32
        return
    head, last = octets[: 3 - whole], octets[3 - whole]
    pieces = len(last)
    for ranges in head:
        pieces *= sum(end - start + 1 for start, end in ranges)
    if pieces > MAX_INTERVALS:
        raise ScanUsageError(f"invalid target {spec!r}: {pieces} separate ranges, more than {MAX_INTERVALS}")
    shift = 8 * whole

    def walk(level: int, prefix: int) -> Iterator[tuple[int, int]]:
        if level == len(head):
            for start, end in last:
                yield ((prefix << 8) | start) << shift, (end - start + 1) << shift
            return
        for start, end in head[level]:
            for value in range(start, end + 1):
                yield from walk(level + 1, (prefix << 8) | value)

    yield from walk(0, 0)


def _v4(text: str) -> int | None:
    try:
        return int(ipaddress.IPv4Address(text))
    except ValueError:
        return None


def parse_block(text: str) -> tuple[int, list[tuple[int, int]]] | str:
    """An address block as ``(version, [(start, size), ...])``, or the host name it is."""
    spec = text.strip()
    if spec.startswith("[") and spec.endswith("]"):
        spec = spec[1:-1]
    if not spec or any(ch.isspace() for ch in spec) or "[" in spec or "]" in spec:
        raise ScanUsageError(f"invalid target {text!r}: expected a host name, an address, [v6], a block or a range")
    if "/" in spec:
        return _network(spec, text)
    if (single := _v4(spec)) is not None:
        return 4, [(single, 1)]
    if ":" in spec:
        if not is_ip_address(spec):
            raise ScanUsageError(f"invalid target {text!r}: give a host without a port (use --ports)")
        if "%" in spec:  # scoped: the kernel needs the scope, keep the text
            return spec
        return 6, [(int(ipaddress.IPv6Address(spec)), 1)]
    low, dash, high = spec.partition("-")
    if dash and _v4(low) is not None and _v4(high) is not None:  # 10.0.0.1-10.0.0.50
        first, last = _v4(low), _v4(high)
        assert first is not None and last is not None
        if first > last:
            raise ScanUsageError(f"invalid target {text!r}: the range runs backwards")
        return 4, [(first, last - first + 1)]
    if _OCTETS.match(spec) and not spec.replace(".", "").isdigit():
        return 4, list(_octet_intervals(spec))
    if spec.replace(".", "").isdigit() or _OCTETS.match(spec):
        raise ScanUsageError(f"invalid target {text!r}: not an IPv4 address or range")
    if spec.startswith("-") or spec.endswith("-") or ".." in spec:
        raise ScanUsageError(f"invalid target {text!r}: not a host name")
    return spec


def _network(spec: str, text: str) -> tuple[int, list[tuple[int, int]]]:
    try:
        network = ipaddress.ip_network(spec, strict=False)
    except ValueError as error:
        raise ScanUsageError(f"invalid target {text!r}: {error}") from None
    first, size = int(network.network_address), network.num_addresses
    if network.version == 4 and network.prefixlen < 31:
        first, size = first + 1, size - 2  # no network, no broadcast address
    elif network.version == 6 and network.prefixlen < 127:
        first, size = first + 1, size - 1  # no Subnet-Router anycast address
    return network.version, [(first, size)]


def read_targets(lines: Iterable[str]) -> list[str]:
    """Targets from a file: separated by white space (one a line, or several), ``#`` comments."""
    return [word for line in lines for word in line.split("#", 1)[0].split()]


def split_excludes(values: Iterable[str]) -> list[str]:
    """``--exclude`` values as nmap takes them: comma-separated, except that a value which is one
    octet spec as a whole (``10.0.0.1,3``) is kept whole."""
    found: list[str] = []
    for value in values:
        whole = value.strip()
        if _OCTETS.match(whole):
            found.append(whole)
        else:
            found.extend(part.strip() for part in whole.split(",") if part.strip())
    return found


# -- the lazy target list ----------------------------------------------------------------------


class Targets:
    """The hosts to scan, in the order given (addresses ascending within a block), minus the
    excluded ones: ``count`` of them, the ``i``-th computed by :meth:`host` on demand."""

    def __init__(self, specs: Iterable[str], exclude: Iterable[str] = (), max_hosts: int | None = None) -> None:
        self._blocks: list[_Span | list[str]] = []
        self._offsets: list[int] = []
        self.count = 0
        self._names: dict[str, int] | None = None
        self._sorted: dict[int, tuple[list[int], list[int], list[int]]] | None = None
        excluded, excluded_names = _exclusions(exclude)
        seen_names: set[str] = set()
        for text in specs:
            block = parse_block(text)
            if isinstance(block, str):
                if block.lower() in excluded_names:
                    continue
                if block.lower() in seen_names:
                    raise ScanUsageError(f"targets overlap: {block} is given twice")
                seen_names.add(block.lower())
                self._names_block().append(block)
                self.count += 1
            else:
                version, pieces = block
                span = self._span(version)
                before = span.count
                for start, size in pieces:
                    for piece in _subtract(start, size, excluded.get(version, ([], []))):
                        span.add(*piece)
                self.count += span.count - before
                if "/" in text and max_hosts is not None and self.count > max_hosts:
                    left = max_hosts - (self.count - span.count + before)
                    held = ipaddress.ip_network(text.strip().strip("[]"), strict=False).num_addresses
                    raise ScanUsageError(
                        f"{text.strip()} holds {held} addresses, more than the {left} "
                        "left to scan (raise the limit with --max-hosts N)"
                    )
            if max_hosts is not None and self.count > max_hosts:
                raise ScanUsageError(f"more than {max_hosts} hosts to scan (raise the limit with --max-hosts N)")
        self._check_overlaps()

    @classmethod
    def of(cls, hosts: Iterable[str]) -> Targets:
        return cls(hosts)

    def _names_block(self) -> list[str]:
        if not self._blocks or not isinstance(self._blocks[-1], list):
            self._offsets.append(self.count)
            self._blocks.append([])
        block = self._blocks[-1]
        assert isinstance(block, list)
        return block

    def _span(self, version: int) -> _Span:
        last = self._blocks[-1] if self._blocks else None
        if not isinstance(last, _Span) or last.version != version:
            self._offsets.append(self.count)
            last = _Span(version)
            self._blocks.append(last)
        return last

    def _check_overlaps(self) -> None:
        for version in (4, 6):
            intervals = sorted(
                piece for block in self._blocks if isinstance(block, _Span) and block.version == version
                for piece in block.intervals()
            )  # fmt: skip
            for (_, end), (start, _) in itertools.pairwise(intervals):
                if start <= end:
                    raise ScanUsageError(f"targets overlap: {_text(version, start)} is given twice")

    def _locate(self, index: int) -> tuple[_Span | list[str], int]:
        if not 0 <= index < self.count:
            raise IndexError(index)
        where = bisect.bisect_right(self._offsets, index) - 1
        return self._blocks[where], index - self._offsets[where]

    def host(self, index: int) -> str:
        """The ``index``-th host: its address, or the name given."""
        block, inner = self._locate(index)
        if isinstance(block, list):
            return block[inner]
        return _text(block.version, block.address(inner))

    def entry(self, index: int) -> tuple[str, bool]:
        """The ``index``-th host and whether it is a name: :meth:`host` and :meth:`is_name` in one
        look-up (the scan asks both for every job)."""
        block, inner = self._locate(index)
        if isinstance(block, list):
            return block[inner], True
        return _text(block.version, block.address(inner)), False

    def is_name(self, index: int) -> bool:
        """Whether the ``index``-th host is a name (to be resolved) rather than an address."""
        return isinstance(self._locate(index)[0], list)

    def __iter__(self) -> Iterator[str]:
        for index in range(self.count):
            yield self.host(index)

    def index_of(self, host: str) -> int | None:
        """Where ``host`` (as :meth:`host` writes it) is in the list, or None (for resuming)."""
        if not is_ip_address(host) or "%" in host:
            if self._names is None:
                self._names = {}
                for offset, block in zip(self._offsets, self._blocks, strict=True):
                    if isinstance(block, list):
                        self._names.update((name, offset + inner) for inner, name in enumerate(block))
            return self._names.get(host)
        address = ipaddress.ip_address(host)
        starts, ends, firsts = self._sorted_intervals(address.version)
        where = bisect.bisect_right(starts, int(address)) - 1
        if where < 0 or int(address) > ends[where]:
            return None
        return firsts[where] + int(address) - starts[where]

    def _sorted_intervals(self, version: int) -> tuple[list[int], list[int], list[int]]:
        if self._sorted is None:
            self._sorted = {}
        if version not in self._sorted:
            rows = sorted(
                (start, start + size - 1, offset + inner)
                for offset, block in zip(self._offsets, self._blocks, strict=True)
                if isinstance(block, _Span) and block.version == version
                for start, size, inner in zip(block.starts, block.sizes, block.offsets, strict=True)
            )  # fmt: skip
            self._sorted[version] = ([row[0] for row in rows], [row[1] for row in rows], [row[2] for row in rows])
        return self._sorted[version]


def _exclusions(texts: Iterable[str]) -> tuple[dict[int, tuple[list[int], list[int]]], set[str]]:
    """Excluded addresses as merged ascending intervals per IP version (starts, ends), and names."""
    pieces: dict[int, list[tuple[int, int]]] = {4: [], 6: []}
    names: set[str] = set()
    for text in texts:
        block = parse_block(text)
        if isinstance(block, str):
            names.add(block.lower())
            continue
        version, intervals = block
        pieces[version].extend((start, start + size - 1) for start, size in intervals)
    merged: dict[int, tuple[list[int], list[int]]] = {}
    for version, found in pieces.items():
        starts: list[int] = []
        ends: list[int] = []
        for start, end in sorted(found):
            if ends and start <= ends[-1] + 1:
                ends[-1] = max(ends[-1], end)
            else:
                starts.append(start)
                ends.append(end)
        merged[version] = (starts, ends)
    return merged, names


def _subtract(start: int, size: int, excluded: tuple[list[int], list[int]]) -> Iterator[tuple[int, int]]:
    """``[start, start + size)`` without the excluded intervals, as ``(start, size)`` pieces."""
    starts, ends = excluded
    end = start + size - 1
    where = max(bisect.bisect_right(starts, start) - 1, 0)
    cursor = start
    while where < len(starts) and starts[where] <= end:
        if ends[where] >= cursor:
            if starts[where] > cursor:
                yield cursor, starts[where] - cursor
            cursor = max(cursor, ends[where] + 1)
        where += 1
    if cursor <= end:
        yield cursor, end - cursor + 1
