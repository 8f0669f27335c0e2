"""Every output format netref prints, in one place.

A command hands over a *view* and the name given to ``--format``; :func:`render` returns the text
to print. There are two kinds of view: :class:`Records`, many objects of one kind (``netref list``,
``port``, ``check``), and :class:`Card`, one object (``show``, ``module``, ``probe``); :class:`Findings`
are records that point into files (``check``). Each carries
the same facts in the shapes the formats need: a JSON document, rows or key/value pairs, and the
notes that follow the default table.

As in pypa/pip-audit, each format is one formatter, registered by name in :data:`FORMATTERS`:

- ``table`` (the default) is drawn here without tabulate: importing tabulate (and wcwidth) costs
  more than the rest of ``netref port 25`` put together, so it is imported only for its own formats;
- ``json`` prints the view's document, netref's documented schema (docs/json.md);
- ``csv`` prints every field of every row, or a card as ``field,value`` pairs;
- ``text`` prints one line per record (``netref check``'s ``path:line:col: CODE message``);
- ``github-actions`` and ``sarif`` place a linter's findings (:class:`Findings`) in files, for CI;
- every other name is one of tabulate's formats (github, grid, plain, ...).

A new format is one :class:`Formatter` subclass, with a method for each kind of view it can show,
and its entry in FORMATTERS (a formatter is an object, so one that needs settings, such as colour
or the terminal's width, takes them when it is made). A new kind of view is a class whose
``render_with`` calls its own Formatter method; that method's default on Formatter may fall back
to an existing form (a grid, say, to its records). ``netref probe --format nagios`` is not a
rendering of a view but a monitoring verdict with its own exit code: :func:`nagios_line`.

The views and formatters are plain classes: a NamedTuple, a dataclass or a typing.Protocol costs
five to forty times as much to define, and ``netref port 25`` imports this module (start-up is
benchmarked).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

# tabulate's format names, listed here so that validating --format needs no import of tabulate.
TABULATE_FORMATS = (
    "plain", "simple", "github", "grid", "simple_grid", "rounded_grid", "heavy_grid", "mixed_grid",
    "double_grid", "fancy_grid", "outline", "simple_outline", "rounded_outline", "heavy_outline",
    "mixed_outline", "double_outline", "fancy_outline", "pipe", "orgtbl", "asciidoc", "jira",
    "presto", "pretty", "psql", "rst", "mediawiki", "moinmoin", "youtrack", "html", "unsafehtml",
    "latex", "latex_raw", "latex_booktabs", "latex_longtable", "textile", "tsv",
)
# The formats every command accepts; a command may accept more of FORMATTERS (check: text).
FORMATS = ("table", "json", "csv", *TABULATE_FORMATS)


def check_format(fmt: str, extra: Sequence[str] = ()) -> str:
    """Return ``fmt`` if netref can render it, else raise ValueError with a one-line message."""
    if fmt in FORMATS or fmt in extra:
        return fmt
    choices = ", ".join(("table", "json", "csv", *extra, "github", "grid", "plain", "..."))
    raise ValueError(f"unknown format {fmt!r} (choose from {choices})")


def json_text(obj: Any) -> str:
    """Stable JSON: keys in the order the code builds them, two-space indent, UTF-8 kept."""
    import json

    return json.dumps(obj, indent=2, ensure_ascii=False)


# -- views: what a command hands over ------------------------------------------------------------


class Records:
    """Many objects of one kind, e.g. the protocols of ``netref list``.

    ``document`` is what ``json`` prints (a documented schema); ``rows``, one mapping per object,
    are the table's rows and CSV's records (CSV: every key, in order); ``columns`` are the columns
    the table formats show (default: every key); ``lines`` are what ``text`` prints, one per object;
    ``notes`` are lines for a reader, printed after the default table only (after a blank line).
    """

    def __init__(
        self,
        document: Any,
        rows: Sequence[Mapping[str, Any]],
        *,
        columns: Sequence[str] = (),
        lines: Sequence[str] = (),
        notes: Sequence[str] = (),
    ) -> None:
        self.document, self.rows, self.columns, self.lines, self.notes = document, rows, columns, lines, notes

    def render_with(self, formatter: Formatter) -> str:
        return formatter.records(self)


class Card:
    """One object, e.g. a protocol for ``netref show``: ``key: value`` lines in a table.

    ``document`` is what ``json`` prints (a documented schema); ``pairs`` are (field, value) in
    reading order, a value may be a list or hold line breaks; ``notes`` as for :class:`Records`.
    """

    def __init__(self, document: Any, pairs: Sequence[tuple[str, Any]], *, notes: Sequence[str] = ()) -> None:
        self.document, self.pairs, self.notes = document, pairs, notes

    def render_with(self, formatter: Formatter) -> str:
        return formatter.card(self)


class Findings(Records):
    """A linter's findings (``netref check``): records that tools place in files.

    Each row holds at least ``path``, ``line``, ``col`` (1-based, characters), ``code`` and
    ``message``; ``rules`` describes every code the tool has (``code``, ``kind``, ``title``), for
    formats that ship that description with the results (SARIF); ``tool`` and ``version`` name the
    program. Formats with no form of their own for findings show them as records.
    """

    def __init__(
        self,
        document: Any,
        rows: Sequence[Mapping[str, Any]],
        *,
        rules: Sequence[Mapping[str, str]],
        tool: str,
        version: str,
        columns: Sequence[str] = (),
        lines: Sequence[str] = (),
        notes: Sequence[str] = (),
    ) -> None:
        super().__init__(document, rows, columns=columns, lines=lines, notes=notes)
        self.rules, self.tool, self.version = rules, tool, version

    def render_with(self, formatter: Formatter) -> str:
        return formatter.findings(self)


View = Records | Card


class Formatter:
    """One output format: a method per kind of view, each returning the whole output, ending in a
    newline (or empty: nothing to print). A format without a form for some kind of view keeps the
    method here, which says so; a command offers only the formats that can show its view."""

    def records(self, view: Records) -> str:
        raise ValueError(f"{type(self).__name__} cannot show a list of records")

    def card(self, view: Card) -> str:
        raise ValueError(f"{type(self).__name__} cannot show a single object")

    def findings(self, view: Findings) -> str:
        return self.records(view)


def render(view: View, fmt: str) -> str:
    """``view`` in format ``fmt`` (a name in :data:`FORMATTERS`): the exact text to print."""
    try:
        formatter = FORMATTERS[fmt]
    except KeyError:
        raise ValueError(f"unknown format {fmt!r}") from None
    return view.render_with(formatter)


# -- formatters: one per format ------------------------------------------------------------------


class TableFormatter(Formatter):
    """The default: padded columns, multi-line cells; a card as aligned ``key: value`` lines."""

    def records(self, view: Records) -> str:
        columns = _columns(view)
        body = [[_cell(row.get(column), "\n") for column in columns] for row in view.rows]
        return _with_notes(_plain_table([column.upper() for column in columns], body), view.notes)

    def card(self, view: Card) -> str:
        width = max((len(key) for key, _ in view.pairs), default=0)
        return _with_notes("\n".join(_card_line(key, _cell(value), width) for key, value in view.pairs), view.notes)


class JsonFormatter(Formatter):
    """The view's document, as documented (docs/json.md)."""

    def records(self, view: Records) -> str:
        return json_text(view.document) + "\n"

    def card(self, view: Card) -> str:
        return json_text(view.document) + "\n"


class CsvFormatter(Formatter):
    """Every field of every row (a card: ``field,value``); lists joined with ``; ``."""

    def records(self, view: Records) -> str:
        columns = _keys(view.rows)
        return _csv([columns, *([_cell(row.get(column), "; ") for column in columns] for row in view.rows)])

    def card(self, view: Card) -> str:
        return _csv([["field", "value"], *([key, _cell(value)] for key, value in view.pairs)])


class TextFormatter(Formatter):
    """One line per object, nothing else: what compilers and linters print, for editors to read."""

    def records(self, view: Records) -> str:
        return "".join(line + "\n" for line in view.lines)


class TabulateFormatter(Formatter):
    """One of tabulate's formats; one line per cell, as markdown, TSV and most of them cannot
    hold a line break."""

    def __init__(self, tablefmt: str) -> None:
        self.tablefmt = tablefmt

    def records(self, view: Records) -> str:
        columns = _columns(view)
        return self._table([[_cell(row.get(column)) for column in columns] for row in view.rows], columns)

    def card(self, view: Card) -> str:
        return self._table([[key, _cell(value)] for key, value in view.pairs], ["field", "value"])

    def _table(self, body: list[list[str]], headers: list[str]) -> str:
        from tabulate import tabulate

        return tabulate(body, headers=headers, tablefmt=self.tablefmt, disable_numparse=True) + "\n"


class GithubActionsFormatter(Formatter):
    """GitHub Actions workflow commands: one ``::error file=...,line=...,col=...,title=CODE::message``
    per finding, which the Actions runner shows as an annotation on the line (``--format github``
    is tabulate's markdown table, hence the longer name)."""

    def findings(self, view: Findings) -> str:
        return "".join(
            f"::error file={_gha_property(row['path'])},line={row['line']},col={row['col']},"
            f"title={_gha_property(row['code'])}::{_gha_data(row['message'])}\n"
            for row in view.rows
        )


class SarifFormatter(Formatter):
    """SARIF 2.1.0 (OASIS), what GitHub code scanning and other tools import: one run, every code as a
    rule, every finding as a result at a physical location. A relative path becomes a URI relative to
    ``%SRCROOT%``, the working directory; columns are counted in characters (``unicodeCodePoints``)."""

    SCHEMA = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"

    def findings(self, view: Findings) -> str:
        index = {rule["code"]: number for number, rule in enumerate(view.rules)}
        rules = [
            {"id": rule["code"], "name": rule["kind"], "shortDescription": {"text": rule["title"]},
             "defaultConfiguration": {"level": "error"}}
            for rule in view.rules
        ]  # fmt: skip
        results = [
            {"ruleId": row["code"], "ruleIndex": index[row["code"]], "level": "error",
             "message": {"text": row["message"]},
             "locations": [{"physicalLocation": {"artifactLocation": _sarif_artifact(row["path"]),
                                                 "region": {"startLine": row["line"], "startColumn": row["col"]}}}]}
            for row in view.rows
        ]  # fmt: skip
        run = {
            "tool": {"driver": {"name": view.tool, "version": view.version, "rules": rules}},
            "originalUriBaseIds": {"%SRCROOT%": {"uri": _directory_uri()}},
            "columnKind": "unicodeCodePoints",
            "results": results,
        }
        return json_text({"$schema": self.SCHEMA, "version": "2.1.0", "runs": [run]}) + "\n"


FORMATTERS: dict[str, Formatter] = {
    "table": TableFormatter(),
    "json": JsonFormatter(),
    "csv": CsvFormatter(),
    "text": TextFormatter(),
    "github-actions": GithubActionsFormatter(),
    "sarif": SarifFormatter(),
    **{name: TabulateFormatter(name) for name in TABULATE_FORMATS},
}


# -- the pieces formatters share ----------------------------------------------------------------


def _keys(rows: Sequence[Mapping[str, Any]]) -> list[str]:
    return list(rows[0]) if rows else []


def _columns(view: Records) -> list[str]:
    return list(view.columns or _keys(view.rows))


def _with_notes(table: str, notes: Sequence[str]) -> str:
    if notes:
        table += "\n\n" + "\n".join(notes)
    return table + "\n"


def _card_line(key: str, value: str, width: int) -> str:
    indent = "\n" + " " * (width + 2)
    return f"{key + ':':<{width + 1}} {indent.join(value.splitlines()) or '-'}"


def _cell(value: Any, joiner: str = ", ") -> str:
    """A value as table text; lists become one line each in tables (``joiner``)."""
    if value is None or value == "":
        return "-"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, (list, tuple)):
        return joiner.join(_cell(item) for item in value) or "-"
    return str(value)


def _csv(table: list[list[str]]) -> str:
    import csv
    import io

    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerows(table)
    return buffer.getvalue().rstrip("\n") + "\n"


def _plain_table(headers: list[str], body: list[list[str]]) -> str:
    """Columns padded to their widest line, a dashed rule under the headers; multi-line cells."""
    split = [[cell.splitlines() or [""] for cell in row] for row in body]
    widths = [max([len(header)] + [len(line) for row in split for line in row[i]]) for i, header in enumerate(headers)]

    def line(cells: list[str]) -> str:
        return "  ".join(cell.ljust(width) for cell, width in zip(cells, widths, strict=True)).rstrip()

    out = [line(headers), line(["-" * width for width in widths])]
    for row in split:
        height = max(len(cell) for cell in row)
        out.extend(line([cell[i] if i < len(cell) else "" for cell in row]) for i in range(height))
    return "\n".join(out)


def _gha_data(text: str) -> str:
    """A workflow command's message, escaped as the Actions runner unescapes it."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _gha_property(text: str) -> str:
    """A workflow command's property value (``file=``, ``title=``): ``:`` and ``,`` are separators."""
    return _gha_data(text).replace(":", "%3A").replace(",", "%2C")


def _sarif_artifact(path: str) -> dict[str, str]:
    from pathlib import PurePath
    from urllib.parse import quote

    if PurePath(path).is_absolute():
        from pathlib import Path

        return {"uri": Path(path).as_uri()}
    return {"uri": quote(PurePath(path).as_posix()), "uriBaseId": "%SRCROOT%"}


def _directory_uri() -> str:
    from pathlib import Path

    return Path.cwd().as_uri() + "/"


# -- monitoring (netref probe --format nagios) ---------------------------------------------------


def nagios_line(service: str, state: str, summary: str, perfdata: Sequence[tuple[str, str]]) -> str:
    """The monitoring-plugins output line: ``SMTP OK - 12 ms | time=0.012000s;1;2;0 dns=...``.

    ``perfdata`` pairs are (label, ``value[UOM];warn;crit;min;max``). A ``|`` would start the
    perfdata early, so the summary cannot keep one; labels with odd characters are quoted.
    """
    text = " ".join(summary.replace("|", "/").split())
    perf = " ".join(f"{label if label.isidentifier() else repr(label)}={value}" for label, value in perfdata)
    return f"{service.upper()} {state} - {text}" + (f" | {perf}" if perf else "")
