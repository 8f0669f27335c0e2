"""check's own options and arguments: among them its rule-code options, as ruff's."""

from __future__ import annotations

from typing import Annotated, Any

from netref.options import OptionGroup, argument, option


def _codes(flag: str, help: str) -> Any:
    """A repeatable option of rule codes or code prefixes (``check --select NR1``), as ruff's."""
    return option(flag, metavar="CODE", help=help)


SelectOption = Annotated[
    list[str] | None, _codes("--select", "Report only these codes or prefixes (NR1, NR201, ...); repeatable.")
]
IgnoreOption = Annotated[list[str] | None, _codes("--ignore", "Do not report these codes or prefixes; repeatable.")]
ExtendSelectOption = Annotated[
    list[str] | None, _codes("--extend-select", "Report these codes too (NR401); repeatable.")
]
ExtendIgnoreOption = Annotated[
    list[str] | None, _codes("--extend-ignore", "Also do not report these codes (as --ignore).")
]



class RuleOptions(OptionGroup):
    """check's --select, --ignore, --extend-select and --extend-ignore: which rule codes it reports,
    as ruff's (--extend-ignore adds to --ignore)."""

    __slots__ = ("extend_select", "ignore", "select")

    def __init__(
        self, select: SelectOption = None, ignore: IgnoreOption = None, extend_select: ExtendSelectOption = None,
        extend_ignore: ExtendIgnoreOption = None,
    ) -> None:  # fmt: skip
        self.select, self.extend_select = tuple(select or ()), tuple(extend_select or ())
        self.ignore = (*(ignore or ()), *(extend_ignore or ()))


PathsArgument = Annotated[
    list[str] | None, argument("PATH...", "Python files, or directories to search for *.py; - reads stdin.")
]
ExitZeroOption = Annotated[
    bool, option("--exit-zero", help="Exit 0 even when there are findings (usage errors still exit 2).")
]
ExplainOption = Annotated[
    str | None, option("--explain", metavar="CODE", help="Say what CODE finds, why, an example and its fix; no PATH.")
]
ExcludeOption = Annotated[
    list[str] | None, option("--exclude", metavar="GLOB", help="Skip files and directories whose name or path"
                             " matches; repeatable."),
]  # fmt: skip
GitignoreOption = Annotated[
    bool | None, option("--respect-gitignore/--no-respect-gitignore", show_default=False,
                        help="Skip files that .gitignore ignores below a directory (default: yes, or [tool.netref])."),
]  # fmt: skip
IsolatedOption = Annotated[bool, option("--isolated", help="Ignore [tool.netref] tables in pyproject.toml files.")]
StdinFilenameOption = Annotated[
    str | None, option("--stdin-filename", metavar="PATH", help="The name of the file read from stdin (PATH -).")
]
FixOption = Annotated[bool, option("--fix", help="Rewrite renamed imports in place (only what is mechanically safe).")]
DiffOption = Annotated[bool, option("--diff", help="Show the fixes as a unified diff; write nothing.")]
StatisticsOption = Annotated[bool, option("--statistics", help="Count the findings per code instead of listing them.")]
WorkersOption = Annotated[
    int, option("--jobs", metavar="N", min=0, help="Worker processes for large trees (0: one per core).")
]
