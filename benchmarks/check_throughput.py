"""Throughput of ``netref check`` on a large tree: the standard library's own Lib/ directory.

Targets: at least 2,000 files/s on one core, and the run uses every core when there are many
files (issue #4); at least ruff's throughput on the same tree, ``ruff check --select UP,E9`` (issue
#20: pyupgrade's rules and syntax errors, the nearest of ruff's rules to netref's). The script
prints, side by side in one run: one core with the pre-filter (what ``netref check -j 1`` does),
every core (what ``netref check`` does), one core without the pre-filter (every file lexed — what
the pre-filter saves), and the two commands, ``netref check`` and ``ruff check --select UP,E9
--no-cache`` (ruff on every core, as it runs by default; the netref command, too), with their
ratio. Each figure is the best of --rounds runs after one warm-up read, so the files are in the
page cache for all of them; the findings of the three in-process runs must be identical, or the
script fails.

    python benchmarks/check_throughput.py [LIB_DIR] [--python 3.13] [--rounds 3] [--ruff PATH]

LIB_DIR defaults to the running interpreter's standard library; site-packages is excluded.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import sysconfig
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from netref.catalog import load_catalog
from netref.check import check
from netref.check.files import python_files, usable_cores
from netref.versions import format_version, parse_version, running_version

TARGET_FILES_PER_SECOND = 2000
EXCLUDE = ("site-packages", "dist-packages")


def best_run(lib: str, target, rounds: int, **options):
    """(seconds, report) of the fastest of ``rounds`` runs."""
    best = None
    for _ in range(rounds):
        started = time.perf_counter()
        report = check([lib], load_catalog(), target, exclude=EXCLUDE, **options)
        elapsed = time.perf_counter() - started
        if best is None or elapsed < best[0]:
            best = (elapsed, report)
    return best


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("lib", nargs="?", default=sysconfig.get_paths()["stdlib"])
    parser.add_argument("--python", default=None, help="target Python (default: the running one)")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--ruff", default=shutil.which("ruff") or str(Path(sys.executable).with_name("ruff")),
                        help="the ruff to compare with (default: on PATH, else beside this Python)")
    args = parser.parse_args()
    target = parse_version(args.python) if args.python else running_version()

    files = list(python_files([args.lib], EXCLUDE))
    lines = sum(Path(path).read_bytes().count(b"\n") for path in files)  # also warms the page cache
    cores = usable_cores()
    print(f"tree:    {args.lib}  ({len(files):,} files, {lines:,} lines)")
    print(f"target:  Python {format_version(target)}; running Python {sys.version.split()[0]}; {cores} core(s)")

    runs = {
        "1 core, pre-filter": best_run(args.lib, target, args.rounds, jobs=1),
        f"{cores} cores, pre-filter": best_run(args.lib, target, args.rounds, jobs=cores),
        "1 core, no pre-filter": best_run(args.lib, target, 1, jobs=1, prefilter=False),
    }
    print(f"\n{'run':<24} {'seconds':>8} {'files/s':>9} {'lines/s':>11} {'findings':>9}")
    for name, (seconds, report) in runs.items():
        rates = f"{len(files) / seconds:9,.0f} {lines / seconds:11,.0f}"
        print(f"{name:<24} {seconds:8.3f} {rates} {len(report.findings):9}")

    one, every, _ = (seconds for seconds, _ in runs.values())
    reports = [report.findings for _, report in runs.values()]
    saved = runs["1 core, no pre-filter"][0] / one
    print(f"\nspeed-up on {cores} cores: {one / every:.2f}x; pre-filter saves {saved:.1f}x")
    single = len(files) / one
    verdict = "meets" if single >= TARGET_FILES_PER_SECOND else "MISSES"
    print(f"one core: {single:,.0f} files/s {verdict} the target of {TARGET_FILES_PER_SECOND:,} files/s "
          f"({single / TARGET_FILES_PER_SECOND:.2f}x)")
    faster = compare_with_ruff(args, target, len(files))
    if any(findings != reports[0] for findings in reports):
        print("error: the runs disagree on the findings", file=sys.stderr)
        return 1
    return 0 if single >= TARGET_FILES_PER_SECOND and faster is not False else 1


def best_command(command: list[str], rounds: int) -> float:
    """Wall seconds of the fastest of ``rounds`` runs of ``command`` (its output discarded)."""
    best = float("inf")
    for _ in range(rounds):
        started = time.perf_counter()
        subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
        best = min(best, time.perf_counter() - started)
    return best


def compare_with_ruff(args: argparse.Namespace, target, files: int) -> bool | None:
    """netref's command against ``ruff check --select UP,E9`` on the same tree; None without ruff."""
    if not Path(args.ruff).exists():
        print("\nruff: not found (--ruff PATH): no side-by-side run")
        return None
    version = subprocess.run([args.ruff, "--version"], capture_output=True, text=True, check=False).stdout.strip()
    excludes = [part for name in EXCLUDE for part in ("--extend-exclude", name)]
    ruff = [args.ruff, "check", "--isolated", "--no-cache", "--exit-zero", "--quiet", "--select", "UP,E9",
            f"--target-version=py{target[0]}{target[1]}", *excludes, args.lib]
    netref = [sys.executable, "-m", "netref", "check", args.lib, "--python", format_version(target), "--isolated",
              *(part for name in EXCLUDE for part in ("--exclude", name))]
    runs = {f"ruff check --select UP,E9 ({version})": best_command(ruff, args.rounds),
            "netref check (command)": best_command(netref, args.rounds)}
    print(f"\n{'command, same tree':<40} {'seconds':>8} {'files/s':>9}")
    for name, seconds in runs.items():
        print(f"{name:<40} {seconds:8.3f} {files / seconds:9,.0f}")
    ruff_seconds, netref_seconds = runs.values()
    ratio = ruff_seconds / netref_seconds
    verdict = "meets" if ratio >= 1 else "MISSES"
    print(f"netref/ruff throughput: {ratio:.2f}x {verdict} the target of ruff's throughput (>= 1.00x)")
    return ratio >= 1


if __name__ == "__main__":
    sys.exit(main())
