"""The console examples of the README and of every page in docs/, for the test that holds them
to netref's real output (tests/test_doc_examples.py; the conventions are in docs/index.md)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).parent.parent
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
EXIT_CODE = "$ echo $?"
ENV_ASSIGNMENT = re.compile(r"\A[A-Z_][A-Z0-9_]*=")


@dataclass
class Example:
    """One ``$ command`` of a ``console`` block, the lines shown after it, and the exit code
    shown by a ``$ echo $?`` that follows it (None when the page does not show one)."""

    page: str
    line: int
    command: str
    shown: list[str] = field(default_factory=list)
    exit_code: int | None = None

    @property
    def id(self) -> str:
        return f"{self.page}:{self.line}"

    def argv(self) -> tuple[dict[str, str], list[str]]:
        """The environment assignments before the command, and its arguments (comment cut)."""
        import shlex

        words = shlex.split(self.command.split("  #")[0])
        env: dict[str, str] = {}
        while words and ENV_ASSIGNMENT.match(words[0]):
            name, value = words.pop(0).split("=", 1)
            env[name] = value
        return env, words


def console_examples(page: Path) -> list[Example]:
    """Each ``$ command`` in the ``console`` blocks of ``page``, in order."""
    examples: list[Example] = []
    in_console = False
    expecting_exit_code = False
    name = page.relative_to(ROOT).as_posix()
    for number, line in enumerate(page.read_text(encoding="utf-8").splitlines(), 1):
        if not in_console:
            in_console = line == "```console"
            continue
        if line == "```":
            in_console = False
        elif expecting_exit_code:
            examples[-1].exit_code = int(line)
            expecting_exit_code = False
        elif line == EXIT_CODE:
            assert examples, f"{name}:{number}: '$ echo $?' with no command before it"
            expecting_exit_code = True
        elif line.startswith("$ "):
            examples.append(Example(name, number, line[2:]))
        else:
            assert examples, f"{name}:{number}: output with no command before it"
            examples[-1].shown.append(line)
    for example in examples:  # blank lines between examples are layout
        while example.shown and not example.shown[-1]:
            example.shown.pop()
    return examples


def all_examples() -> list[Example]:
    """Every console example of every page."""
    return [example for page in PAGES for example in console_examples(page)]


def matches(printed: list[str], shown: list[str]) -> bool:
    """Whether ``printed`` is ``shown``, a ``...`` line in ``shown`` standing for any lines."""
    if "..." not in shown:
        return printed == shown
    cut = shown.index("...")
    head, rest = shown[:cut], shown[cut + 1 :]
    if printed[:cut] != head:
        return False
    return any(matches(printed[start:], rest) for start in range(cut, len(printed) + 1))
