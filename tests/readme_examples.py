"""The README's console examples, for the tests that hold them to netref's real output."""

from __future__ import annotations

from pathlib import Path

README = Path(__file__).parent.parent / "README.md"


def console_examples(heading: str) -> list[tuple[str, list[str]]]:
    """Each ``$ command`` in the ``console`` blocks of the README section ``## heading``, with
    the lines shown after it (up to the next command or the end of the block)."""
    readme = README.read_text(encoding="utf-8")
    section = readme.split(f"\n## {heading}", 1)[1].split("\n## ", 1)[0]
    examples: list[tuple[str, list[str]]] = []
    for block in section.split("```console\n")[1:]:
        for line in block.split("\n```", 1)[0].splitlines():
            if line.startswith("$ "):
                examples.append((line[2:], []))
            elif examples:
                examples[-1][1].append(line)
    return examples
