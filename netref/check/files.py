"""Which files ``netref check PATH...`` reads, and reading many of them on every core."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Iterator, Sequence
from fnmatch import fnmatch
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from multiprocessing.context import BaseContext

from netref.check.registry import Rules
from netref.check.scanner import FileResult, scan_path

# Below this many files, starting worker processes costs more than it saves.
PARALLEL_THRESHOLD = 200


# Whether to leave out a path: (path, is_directory) -> bool. netref check's configuration
# (exclude globs relative to pyproject.toml, .gitignore) decides through one.
Skip = Callable[[str, bool], bool]


def named_files(paths: Iterable[str]) -> frozenset[str]:
    """The paths given that are not directories: files named on the command line."""
    return frozenset(path for path in paths if not os.path.isdir(path))


def python_files(
    paths: Iterable[str], exclude: Sequence[str] = (), skip: Skip | None = None, *, gitignore: bool = False
) -> Iterator[str]:
    """Files named on the command line (whatever their suffix), and ``*.py`` under directories.

    ``exclude`` globs match a file's or directory's name, its path, or its path below the directory
    given (``tests/*``), as flake8's do; ``skip`` is asked about every path as well. With
    ``gitignore``, what git ignores below a directory is left out too (:func:`gitignored`); a path
    named here is read all the same. A path that does not exist is yielded anyway: the scanner
    reports it as unreadable.
    """
    for path in paths:
        if os.path.isdir(path):
            ignored = gitignored(path) if gitignore else frozenset()
            yield from _walk(path, exclude, path, skip, ignored)
        elif not _excluded(path, exclude) and not (skip and skip(path, False)):
            yield path


def gitignored(directory: str) -> frozenset[str]:
    """Absolute paths of the untracked files and directories git ignores below ``directory``.

    Asks git itself (``git ls-files --others --ignored --exclude-standard --directory``), once per
    directory named: its answer is exact — nested .gitignore files, negations, ``**``,
    .git/info/exclude, core.excludesFile — where a reimplementation of its matching would drift, and
    it costs one process (a few ms) with no new dependency. A tracked file is never ignored, as git
    has it. Outside a git work tree, or without git, nothing is ignored.
    """
    import subprocess

    command = ["git", "-C", directory, "ls-files", "-z", "--others", "--ignored", "--exclude-standard", "--directory"]
    try:
        listing = subprocess.run(command, capture_output=True, check=False, timeout=60)
    except (OSError, subprocess.SubprocessError):
        return frozenset()
    if listing.returncode != 0:
        return frozenset()
    top = os.path.abspath(directory)
    names = [name for name in os.fsdecode(listing.stdout).split("\0") if name]
    if "./" in names:  # the directory itself is ignored: named on the command line, it is read all the same
        return frozenset()
    return frozenset(os.path.normpath(os.path.join(top, name)) for name in names)


def _walk(
    directory: str, exclude: Sequence[str], top: str, skip: Skip | None, ignored: frozenset[str]
) -> Iterator[str]:
    try:
        entries = sorted(os.scandir(directory), key=lambda entry: entry.name)
    except OSError:
        yield directory  # reported as unreadable
        return
    for entry in entries:
        if exclude and _excluded(entry.path, exclude, entry.path[len(top) :].lstrip(os.sep)):
            continue
        if ignored and os.path.abspath(entry.path) in ignored:
            continue
        if entry.is_dir(follow_symlinks=False):
            if not _skipped_directory(entry) and not (skip and skip(entry.path, True)):
                yield from _walk(entry.path, exclude, top, skip, ignored)
        elif entry.name.endswith(".py") and (entry.is_file() or entry.is_symlink()) and not (
            skip and skip(entry.path, False)
        ):
            yield entry.path  # a dangling link is reported as unreadable, not skipped


def _skipped_directory(entry: os.DirEntry[str]) -> bool:
    """Not the user's own code: hidden directories (.git, .venv, .tox), __pycache__, and virtual
    environments (they hold pyvenv.cfg), whose third-party packages would bury the findings.
    A directory named on the command line is searched all the same."""
    name = entry.name
    return name.startswith(".") or name == "__pycache__" or os.path.exists(os.path.join(entry.path, "pyvenv.cfg"))


def _excluded(path: str, exclude: Sequence[str], relative: str | None = None) -> bool:
    if not exclude:
        return False
    name = os.path.basename(path.rstrip("/\\")) or path
    candidates = {name, path, os.path.normpath(path), relative or name}
    return any(fnmatch(candidate, glob) for glob in exclude for candidate in candidates)


def scan_files(files: Sequence[str], rules: Rules, jobs: int | None = None, prefilter: bool = True,
               named: frozenset[str] = frozenset()) -> list[FileResult]:
    """Scan ``files`` in order; with many files, on ``jobs`` processes (default: every core).

    ``named``: the files named on the command line (Python's parser is asked about each of them).
    """
    jobs = jobs or usable_cores()
    if jobs <= 1 or len(files) < PARALLEL_THRESHOLD:
        return [scan_path(path, rules, prefilter, path in named) for path in files]
    from concurrent.futures import ProcessPoolExecutor

    chunk = max(16, len(files) // (jobs * 8))
    pool = ProcessPoolExecutor(
        max_workers=jobs, mp_context=_start_method(), initializer=_set_worker_rules, initargs=(rules, prefilter)
    )
    try:
        results = list(pool.map(_scan_in_worker, files, [path in named for path in files], chunksize=chunk))
    except BaseException:  # Ctrl-C included: drop the queued work instead of finishing it
        pool.shutdown(wait=True, cancel_futures=True)
        raise
    pool.shutdown()
    return results


def _start_method() -> BaseContext | None:
    """How to start the workers: ``fork`` while this process runs a single thread (the
    cheapest start, and safe), else ``forkserver``. Forking a process whose other threads
    may hold a lock can deadlock the child (Python 3.12 warns of it): a program that embeds
    ``netref.check`` next to threads of its own gets workers forked from a clean server."""
    import multiprocessing
    import threading

    methods = multiprocessing.get_all_start_methods()
    if "fork" in methods and threading.active_count() == 1:
        return multiprocessing.get_context("fork")
    if "forkserver" in methods:
        return multiprocessing.get_context("forkserver")
    return None  # the platform's default (spawn on Windows and macOS)


def usable_cores() -> int:
    """Cores this process may run on (a container or taskset may allow fewer than the machine has)."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0)) or 1
    return os.cpu_count() or 1


_worker: list[tuple[Rules, bool]] = []  # (rules, prefilter) in a worker process


def _set_worker_rules(rules: Rules, prefilter: bool) -> None:
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle, once
    _worker[:] = [(rules, prefilter)]


def _scan_in_worker(path: str, named: bool) -> FileResult:
    rules, prefilter = _worker[0]
    return scan_path(path, rules, prefilter, named)
