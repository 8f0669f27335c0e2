"""scan's own options."""

from __future__ import annotations

from typing import Annotated

from netref.options import deprecated, option, seconds_option

PortsOption = Annotated[
    str | None, option("--ports", metavar="LIST", help="Ports: 25,80,8000-8100, 80- (to 65535), -1024 (from 1),"
                       " - (all), U:53,161,T:80 (default: the catalogue's)."),
]  # fmt: skip
OpenOption = Annotated[bool, option("--open", help="Show only open ports (and how many others there were).")]
UdpOption = Annotated[
    bool, option("--udp", help="Scan UDP: the catalogue's UDP ports, or --ports without T:/U: as UDP.")
]
TimeoutOption = Annotated[float, seconds_option("--timeout", "Per connection attempt and per probe.")]
OldConcurrencyOption = Annotated[int | None, deprecated("scan", "-c")]
MaxHostsOption = Annotated[int, option("--max-hosts", metavar="N", help="Refuse to scan more hosts than this.")]
StreamOption = Annotated[bool, option("--stream", help="Write one JSON object a line as each port finishes.")]
ExcludeOption = Annotated[
    list[str] | None, option("--exclude", metavar="TARGETS", help="Do not scan these (comma-separated; repeatable).")
]
ExcludeFileOption = Annotated[
    str | None, option("--exclude-file", metavar="FILE", help="Do not scan the targets in FILE.")
]
RateOption = Annotated[float | None, option("--rate", metavar="N", help="New connections a second at most.")]
ShardOption = Annotated[str | None, option("--shard", metavar="K/N", help="Scan only the K-th of N disjoint slices.")]
ResumeOption = Annotated[
    str | None, option("--resume", metavar="FILE", help="Skip the ports a previous run's -f jsonl output FILE holds.")
]
