"""Every output format netref prints, in one place.

A command hands over a *view* and the name given to ``--format``; :func:`render` returns the text
to print. There are two kinds of view: :class:`Records`, many objects of one kind (``netref list``,
``port``, ``check``), and :class:`Card`, one object (``show``, ``module``, ``probe``); :class:`Findings`
are records that point into files (``check``), a :class:`Grid` records drawn as a matrix
(``matrix``). Each carries
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

Two views are drawn rather than listed, by the table format only:

- :class:`Grid` (``netref matrix``): rows × columns of symbols, with a legend; every other
  format falls back to its records (the same grid as data);
- :class:`Timeline`, a card *value* (``netref probe``'s timings): the table draws it as a
  waterfall, one bar per phase on one time axis; every other format prints its numbers.

Only these drawings follow the :class:`Terminal` (colour, width): :func:`render` takes one and
the table formatter is made for it; a narrow terminal gets a plain fallback, never wrapped bars.
Colour is ANSI SGR, written here: rich could draw it, but importing rich.console (~65 ms here)
would nearly double ``netref matrix``, which now starts as fast as ``netref port 25``; and the
piped output must be the same text as the coloured one, without the colour codes.

The views and formatters are plain classes: a NamedTuple, a dataclass or a typing.Protocol costs
five to forty times as much to define, and ``netref port 25`` imports this module (start-up is
benchmarked).
"""

from __future__ import annotations

import sys
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
    ``notes`` are lines for a reader, printed after the default table only (after a blank line);
    ``drop`` names the columns a table that cannot fit the terminal hides first, in that order
    (default: the last column first, the first one never).
    """

    def __init__(
        self,
        document: Any,
        rows: Sequence[Mapping[str, Any]],
        *,
        columns: Sequence[str] = (),
        lines: Sequence[str] = (),
        notes: Sequence[str] = (),
        drop: Sequence[str] = (),
    ) -> None:
        self.document, self.rows, self.columns, self.lines, self.notes = document, rows, columns, lines, notes
        self.drop = drop  # the columns a too narrow table hides first (default: the last first)

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
        # Too narrow a table gives up a finding's column first, then its line and code: never its
        # file or its message.
        super().__init__(document, rows, columns=columns, lines=lines, notes=notes, drop=("col", "line", "code"))
        self.rules, self.tool, self.version = rules, tool, version

    def render_with(self, formatter: Formatter) -> str:
        return formatter.findings(self)


class Grid(Records):
    """Rows × columns of states drawn as symbols (``netref matrix``: modules × Python versions).

    As :class:`Records` for every format but the table (``document``, ``rows``: the same grid as
    data). For the table: ``headings`` are the columns as (group, label) pairs, the group shown
    above the first column of each (``("3.", "13")``); ``labels`` and ``tails`` are the text
    before and after each row's cells, under ``label_heading`` and ``tail_heading``; ``cells``
    hold one state per column; ``states`` maps each state to (symbol, colour, legend text);
    ``marked`` is the index of a column to point at, ``mark_legend`` says why. A terminal too
    narrow for the grid gets each row's runs of one state instead (``3.0-3.13``).
    """

    def __init__(
        self,
        document: Any,
        rows: Sequence[Mapping[str, Any]],
        *,
        headings: Sequence[tuple[str, str]],
        labels: Sequence[str],
        cells: Sequence[Sequence[str]],
        tails: Sequence[str],
        states: Mapping[str, tuple[str, str, str]],
        label_heading: str = "",
        tail_heading: str = "",
        marked: int | None = None,
        mark_legend: str = "",
    ) -> None:
        super().__init__(document, rows)
        self.headings, self.labels, self.cells, self.tails = headings, labels, cells, tails
        self.states, self.label_heading, self.tail_heading = states, label_heading, tail_heading
        self.marked, self.mark_legend = marked, mark_legend

    def render_with(self, formatter: Formatter) -> str:
        return formatter.grid(self)


class Timeline:
    """Phases that ran one after another, as (name, milliseconds) in order, and the total: a card
    value (``netref probe``'s timings). The table draws it as a waterfall; as text it is the numbers,
    ``dns 0.1  connect 0.3  total 6.0``."""

    def __init__(self, phases: Sequence[tuple[str, float]], total: float | None = None) -> None:
        self.phases, self.total = phases, total

    def __str__(self) -> str:
        every = [*self.phases, *([("total", self.total)] if self.total is not None else [])]
        return "  ".join(f"{name} {ms:.1f}" for name, ms in every)


class Terminal:
    """Where the output goes: whether it may carry colour, how many columns wide it is, and whether
    tables are fitted to that width (``fit``: wrapped and folded; else full rows, as for a pipe);
    ``wide`` (``--wide``): full rows asked for, so a grid is drawn however wide it is."""

    def __init__(self, color: bool = False, width: int = 80, fit: bool = False, wide: bool = False) -> None:
        self.color, self.width, self.fit, self.wide = color, width, fit, wide

    @classmethod
    def detect(cls, color: str = "auto", stream: Any = None, wide: bool = False) -> Terminal:
        """``--color auto`` colours a terminal only, and never when ``NO_COLOR`` is set (to anything
        but the empty string, as no-color.org says); ``always`` and ``never`` decide (a command-line
        choice overrides the environment). The width is ``COLUMNS``, else the terminal's, else 80.

        Tables are fitted to a terminal, or to a ``COLUMNS`` set by hand; piped output keeps full
        rows for the programs that read it, as does ``wide`` (``--wide``)."""
        import os

        if color not in COLOR_CHOICES:
            raise ValueError(f"unknown colour choice {color!r} (choose from {', '.join(COLOR_CHOICES)})")
        stream = sys.stdout if stream is None else stream
        try:
            tty = stream.isatty()
        except (AttributeError, ValueError):  # a closed or fake stream
            tty = False
        colored = color == "always" or (color == "auto" and tty and not os.environ.get("NO_COLOR"))
        asked = os.environ.get("COLUMNS", "").strip().isdigit()
        return cls(colored, _terminal_width(tty, stream), fit=(tty or asked) and not wide, wide=wide)


COLOR_CHOICES = ("auto", "always", "never")


def _terminal_width(tty: bool, stream: Any) -> int:
    import os

    columns = os.environ.get("COLUMNS", "")
    if columns.strip().isdigit() and int(columns) > 0:
        return int(columns)
    if tty:
        try:
            return os.get_terminal_size(stream.fileno()).columns or 80
        except (AttributeError, ValueError, OSError):
            pass
    return 80



class Sections:
    """Records in titled groups, e.g. ``netref scan``'s ports under each host.

    The default table prints each group under its title; every other format shows the groups'
    rows as one list of records (``rows`` keep the group's key, so CSV loses nothing), and
    ``json`` prints ``document``. ``columns`` and ``notes`` as for :class:`Records`.
    """

    def __init__(
        self,
        document: Any,
        sections: Sequence[tuple[str, Sequence[Mapping[str, Any]]]],
        *,
        columns: Sequence[str] = (),
        notes: Sequence[str] = (),
        titled: Sequence[str] = (),
    ) -> None:
        self.document, self.sections, self.columns, self.notes = document, sections, columns, notes
        self.titled = titled  # columns the default table leaves to the section titles (scan's host)

    def flat(self) -> Records:
        rows = [row for _, group in self.sections for row in group]
        return Records(self.document, rows, columns=self.columns, notes=self.notes)

    def render_with(self, formatter: Formatter) -> str:
        return formatter.sections(self)



View = Records | Card | Sections


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

    def grid(self, view: Grid) -> str:
        """A grid is drawn by the table format only; every other format shows its records."""
        return self.records(view)

    def sections(self, view: Sections) -> str:
        return self.records(view.flat())


    def for_terminal(self, terminal: Terminal) -> Formatter:
        """This format drawn for ``terminal``: the same formatter unless it draws."""
        return self


def render(view: View, fmt: str, terminal: Terminal | None = None) -> str:
    """``view`` in format ``fmt`` (a name in :data:`FORMATTERS`): the exact text to print, drawn for
    ``terminal`` (default: no colour, 80 columns)."""
    try:
        formatter = FORMATTERS[fmt]
    except KeyError:
        raise ValueError(f"unknown format {fmt!r}") from None
    return view.render_with(formatter.for_terminal(terminal) if terminal else formatter)


# -- formatters: one per format ------------------------------------------------------------------


class TableFormatter(Formatter):
    """The default: padded columns, multi-line cells; a card as aligned ``key: value`` lines; a
    grid as symbols and a timeline as a waterfall, drawn for the terminal it is made for."""

    def __init__(self, terminal: Terminal | None = None) -> None:
        self.terminal = terminal or Terminal()

    def for_terminal(self, terminal: Terminal) -> Formatter:
        return TableFormatter(terminal)

    def records(self, view: Records) -> str:
        columns = _columns(view)
        body = [[_cell(row.get(column), "\n") for column in columns] for row in view.rows]
        hidden: list[str] = []
        table = self._table([column.upper() for column in columns], body, _drop_order(columns, view.drop), hidden)
        return _with_notes(table, self._notes([*view.notes, *_hidden_note(hidden)]))

    def _notes(self, notes: Sequence[str]) -> list[str]:
        """Notes folded to the terminal; a note of several lines is ``show``'s example, code:
        :func:`_fold_code`."""
        room = self.terminal.width if self.terminal.fit else None
        return [_fold_code(note, room) if "\n" in note else _fold(note, room) for note in notes]

    def _table(
        self, headers: list[str], body: list[list[str]], drop: Sequence[int] = (), hidden: list[str] | None = None
    ) -> str:
        """The plain table, fitted to the terminal when it is one; the headings of the columns it
        had to hide are added to ``hidden``."""
        return _plain_table(headers, body, self.terminal.width if self.terminal.fit else None, drop, hidden)

    def card(self, view: Card) -> str:
        width = max((len(key) for key, _ in view.pairs), default=0)
        room = self.terminal.width - width - 2 if self.terminal.fit else None
        lines = [_card_line(key, _fold(self._value(value, width + 2), room), width) for key, value in view.pairs]
        return _with_notes("\n".join(lines), self._notes(view.notes))

    def grid(self, view: Grid) -> str:
        return _draw_grid(view, self.terminal)

    def _value(self, value: Any, indent: int) -> str:
        if isinstance(value, Timeline):
            return _draw_waterfall(value, self.terminal, self.terminal.width - indent)
        return _cell(value)

    def sections(self, view: Sections) -> str:
        columns = [column for column in view.columns if column not in view.titled]
        headers = [column.upper() for column in columns]
        drop, hidden = _drop_order(columns, ()), list[str]()  # the last column first
        parts = []
        for title, rows in view.sections:
            body = [[_cell(row.get(column), "\n") for column in columns] for row in rows]
            parts.append(title + ("\n" + self._table(headers, body, drop, hidden) if rows else ""))
        notes = [*view.notes, *_hidden_note(list(dict.fromkeys(hidden)))]
        return _with_notes("\n\n".join(parts), self._notes(notes))


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


def _plain_table(
    headers: list[str],
    body: list[list[str]],
    room: int | None = None,
    drop: Sequence[int] = (),
    hidden: list[str] | None = None,
) -> str:
    """Columns padded to their widest line, a dashed rule under the headers; multi-line cells.

    With ``room`` (a terminal's width) a table too wide is fitted (:func:`_fit_columns`): cells
    wrap between words, then inside dotted names and paths; what cannot fit so loses columns, in
    the order ``drop`` gives (their headings go to ``hidden``). A word is broken only where it is
    wider than the room itself."""
    split = [[cell.splitlines() or [""] for cell in row] for row in body]
    widths = [max([len(header)] + [len(line) for row in split for line in row[i]]) for i, header in enumerate(headers)]
    if room is not None and _span(widths) > room:
        kept, widths = _fit_columns(headers, split, widths, room, drop)
        if hidden is not None:
            hidden.extend(header for i, header in enumerate(headers) if i not in kept)
        headers = [headers[i] for i in kept]
        split = [[[piece for line in row[i] for piece in _wrap(line, width)]
                  for i, width in zip(kept, widths, strict=True)] for row in split]  # fmt: skip

    def line(cells: list[str]) -> str:
        return "  ".join(cell.ljust(width) for cell, width in zip(cells, widths, strict=True)).rstrip()

    out = [line(headers), line(["-" * width for width in widths])]
    for row in split:
        height = max(len(cell) for cell in row)
        out.extend(line([cell[i] if i < len(cell) else "" for cell in row]) for i in range(height))
    return "\n".join(out)


#: A column is not narrowed below this (or its heading, if longer), unless nothing else fits.
MIN_COLUMN = 4


def _span(widths: Sequence[int]) -> int:
    """How wide columns of these widths are, two spaces between each."""
    return sum(widths) + 2 * (len(widths) - 1)


def _fit_columns(
    headers: list[str], split: list[list[list[str]]], widths: list[int], room: int, drop: Sequence[int]
) -> tuple[list[int], list[int]]:
    """The columns to show (indices) and their widths, for a table wider than ``room``.

    Tried in turn, the first that fits wins: every column, narrowed no further than its longest
    word (cells wrap between words), then than its longest piece of a word (dotted names and
    paths wrap after ``.``, ``/`` and ``,``); the same with the next column of ``drop`` hidden,
    and so on. With only what ``drop`` leaves, too wide even so, words break (at the heading's
    width, :data:`MIN_COLUMN` at least): a word wider than the terminal cannot do otherwise."""
    words = [_longest(headers[i], split, i, str.split) for i in range(len(headers))]
    pieces = [_longest(headers[i], split, i, _pieces) for i in range(len(headers))]
    kept = list(range(len(headers)))
    for hide in [None, *drop]:
        if hide is not None:
            kept.remove(hide)
        for floors in (words, pieces):
            least = [min(widths[i], floors[i]) for i in kept]
            if _span(least) <= room:
                return kept, _narrow([widths[i] for i in kept], least, room)
    least = [min(widths[i], max(len(headers[i]), MIN_COLUMN)) for i in kept]
    return kept, _narrow([widths[i] for i in kept], least, room)


def _longest(header: str, split: list[list[list[str]]], column: int, parts: Any) -> int:
    """The width a column cannot go below without breaking what ``parts`` splits a line into."""
    return max([len(header)] + [len(part) for row in split for line in row[column] for part in parts(line)])


def _narrow(widths: list[int], floors: list[int], room: int) -> list[int]:
    """Column widths that fit ``room`` where the ``floors`` allow: one column at a time, the one
    with the most to spare narrows (the first column, a row's name, last of all)."""
    fitted = list(widths)
    excess = _span(fitted) - room
    while excess > 0:
        narrowable = [i for i in range(len(fitted)) if fitted[i] > floors[i]]
        if not narrowable:
            break
        pick = max(narrowable, key=lambda i: (fitted[i] - floors[i], i != 0, i))
        others = [fitted[i] - floors[i] for i in narrowable if i != pick] or [0]
        step = min(excess, max(1, fitted[pick] - floors[pick] - max(others)))
        fitted[pick] -= step
        excess -= step
    return fitted


def _drop_order(columns: Sequence[str], drop: Sequence[str]) -> list[int]:
    """The indices of the columns a narrow table hides, first first: ``drop``'s, else the last
    column first; never the first column (what a row is about)."""
    named = [columns.index(name) for name in drop if name in columns[1:]]
    return named or list(range(len(columns) - 1, 0, -1))


def _hidden_note(hidden: Sequence[str]) -> list[str]:
    if not hidden:
        return []
    count = f"{len(hidden)} column{'s' if len(hidden) > 1 else ''}"
    return [f"{count} hidden to fit the terminal ({', '.join(hidden)}); --wide shows all."]


def _pieces(text: str) -> list[str]:
    """``text``'s words cut where a dotted name, a path or an address may wrap: after ``,``, ``-``
    and ``#``, after a ``/`` not following a digit (``443/tcp`` stays whole), and after a ``.``
    followed by a letter (``urllib.`` ``request``; ``3.13`` stays whole)."""
    import re  # already loaded by the command line; a cached pattern

    piece = re.compile(r".+?(?:[,#-]|(?<!\d)/|\.(?=[A-Za-z_])|$)")
    return [part for word in text.split() for part in piece.findall(word)]


def _wrap(line: str, width: int) -> list[str]:
    """``line`` in pieces of at most ``width`` characters: broken between words; a word longer than
    the width after its dots, slashes and commas (:func:`_pieces`); a piece longer still, anywhere."""
    if len(line) <= width:
        return [line]
    lines: list[str] = []
    current = ""
    for word in line.split():
        if current and len(current) + 1 + len(word) <= width:
            current += " " + word
            continue
        if current:
            lines.append(current)
        current = ""
        if len(word) <= width:
            current = word
            continue
        for piece in _pieces(word):
            rest = piece
            while len(rest) > width:  # a piece wider than the room: the only break inside a word
                if current:
                    lines.append(current)
                lines.append(rest[:width])
                current, rest = "", rest[width:]
            if current and len(current) + len(rest) > width:
                lines.append(current)
                current = ""
            current += rest
    return [*lines, current] if current or not lines else lines


def _fold(text: str, room: int | None) -> str:
    """A card value's lines wrapped to ``room`` columns (None: as they are)."""
    if room is None or room < MIN_COLUMN:
        return text
    return "\n".join(piece for line in text.splitlines() for piece in _wrap(line, room)) if text else text


def _fold_code(text: str, room: int | None) -> str:
    """Python source fitted to ``room`` where that keeps it the same program: a long comment
    wraps onto more comment lines at its indentation; any other line stays as it is."""
    if room is None:
        return text
    lines = []
    for line in text.splitlines():
        body = line.lstrip()
        indent = " " * (len(line) - len(body))
        if len(line) <= room or not body.startswith("# ") or room - len(indent) - 2 < MIN_COLUMN:
            lines.append(line)
            continue
        lines.extend(f"{indent}# {piece}" for piece in _wrap(body[2:], room - len(indent) - 2))
    return "\n".join(lines)


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


# -- drawings: a grid and a waterfall (the table format only) --------------------------------------

#: ANSI SGR codes for the colours views name.
_SGR = {
    "green": "32", "cyan": "36", "yellow": "33", "bold yellow": "1;33", "red": "31", "dim": "2",
    "blue": "34", "magenta": "35", "reverse": "7", "bold": "1",
}


def _paint(text: str, colour: str, terminal: Terminal) -> str:
    """``text`` in ``colour`` when the terminal takes colour (spaces stay plain)."""
    if not terminal.color or not colour or not text.strip():
        return text
    return f"\x1b[{_SGR[colour]}m{text}\x1b[0m"


_CELL = 2  # a grid cell: two characters (a symbol under a two-digit heading), then a space


def _draw_grid(view: Grid, terminal: Terminal) -> str:
    """The grid with its legend; when it does not fit the terminal, each row's runs instead (unless
    ``--wide`` asked for the grid)."""
    label_width = max([len(view.label_heading), *(len(label) for label in view.labels)])
    tail_width = max([len(view.tail_heading), *(len(tail) for tail in view.tails)])
    cells_width = len(view.headings) * (_CELL + 1)
    # A tail longer than its heading may run past the edge: it is one row's last word, not a bar.
    too_wide = label_width + 2 + cells_width + 1 + min(tail_width, len(view.tail_heading)) > terminal.width
    if too_wide and not terminal.wide:
        return _grid_runs(view, terminal)
    groups = [group if i == 0 or view.headings[i - 1][0] != group else "" for i, (group, _) in enumerate(view.headings)]
    top = "".join(group.rjust(_CELL) + " " for group in groups)
    heads = "".join(label.rjust(_CELL) + " " for _, label in view.headings)
    rule = "".join(("^" if i == view.marked else "-") * _CELL + " " for i in range(len(view.headings)))
    if view.marked is not None:
        start = view.marked * (_CELL + 1)
        heads = heads[:start] + _paint(heads[start : start + _CELL], "reverse", terminal) + heads[start + _CELL :]
    lines = [
        " " * (label_width + 2) + top.rstrip(),
        f"{view.label_heading:<{label_width}}  {heads} {view.tail_heading}".rstrip(),
        f"{'-' * label_width}  {rule} {'-' * len(view.tail_heading)}".rstrip(),
    ]
    for label, cells, tail in zip(view.labels, view.cells, view.tails, strict=True):
        drawn = "".join(_symbol(view, state, terminal) + " " for state in cells)
        lines.append(f"{label:<{label_width}}  {drawn} {tail}".rstrip())
    return "\n".join(lines) + "\n\n" + _legend(view, terminal)


def _symbol(view: Grid, state: str, terminal: Terminal) -> str:
    symbol, colour, _ = view.states[state]
    return _paint(symbol.rjust(_CELL), colour, terminal)


def _grid_runs(view: Grid, terminal: Terminal) -> str:
    """The narrow fallback: a row's label, then one line per run of one state (``3.0-3.13``); no
    column to mark, so no mark."""
    lines = []
    for label, cells, tail in zip(view.labels, view.cells, view.tails, strict=True):
        lines.append(f"{label}{' → ' + tail if tail else ''}")
        start = 0
        for end in range(1, len(cells) + 1):
            if end == len(cells) or cells[end] != cells[start]:
                symbol, colour, legend = view.states[cells[start]]
                first, last = _heading_text(view, start), _heading_text(view, end - 1)
                span = first if start == end - 1 else f"{first}-{last}"
                lines.append(f"  {_paint(symbol, colour, terminal)} {span} {legend.split(' (')[0]}")
                start = end
    return "\n".join(lines) + "\n"


def _heading_text(view: Grid, index: int) -> str:
    group, label = view.headings[index]
    return f"{group}{label}"


def _legend(view: Grid, terminal: Terminal) -> str:
    """The states' symbols and meanings, as many to a line as the terminal holds."""
    items = [f"{_paint(symbol, colour, terminal)} {text}" for symbol, colour, text in view.states.values()]
    widths = [len(symbol) + 1 + len(text) for symbol, _, text in view.states.values()]
    lines: list[str] = []
    line: list[str] = []
    used = 0
    for item, width in zip(items, widths, strict=True):
        if line and used + 2 + width > terminal.width:
            lines.append("  ".join(line))
            line, used = [], 0
        used += width + (2 if line else 0)
        line.append(item)
    lines.append("  ".join(line))
    if view.mark_legend:
        lines.append(view.mark_legend)
    return "\n".join(lines) + "\n"


_BAR, _THIN, _AXIS = "█", "▏", "─"
#: Colours of a waterfall's bars, phase after phase.
_PHASE_COLOURS = ("cyan", "blue", "magenta", "green", "yellow", "red")
_MIN_BARS = 10  # fewer columns than this for the bars: the numbers alone


def _draw_waterfall(timeline: Timeline, terminal: Terminal, width: int) -> str:
    """One line per phase: name, milliseconds, and a bar that starts where the phase before it
    ended, all on one time axis (the longer of the total and the phases' sum); the total's line
    is the axis itself. Too narrow for bars: the numbers on one line."""
    rows = [*timeline.phases, *([("total", timeline.total)] if timeline.total is not None else [])]
    if not rows:
        return "-"
    name_width = max(len(name) for name, _ in rows)
    ms_width = max(len(f"{ms:.1f}") for _, ms in rows)
    columns = width - name_width - ms_width - 3
    if columns < _MIN_BARS:
        return str(timeline)
    span = max(sum(ms for _, ms in timeline.phases), timeline.total or 0.0)
    scale = columns / span if span > 0 else 0.0
    lines, elapsed = [], 0.0
    for index, (name, ms) in enumerate(timeline.phases):
        start, end = round(elapsed * scale), round((elapsed + ms) * scale)
        bar = _BAR * (end - start) or (_THIN if ms > 0 else "")
        colour = _PHASE_COLOURS[index % len(_PHASE_COLOURS)]
        lines.append(f"{name:<{name_width}} {ms:>{ms_width}.1f}  {' ' * start}{_paint(bar, colour, terminal)}".rstrip())
        elapsed += ms
    if timeline.total is not None:
        axis = _paint(_AXIS * round(timeline.total * scale), "bold", terminal)
        lines.append(f"{'total':<{name_width}} {timeline.total:>{ms_width}.1f}  {axis}".rstrip())
    return "\n".join(lines)


# -- lines as they happen (netref scan --stream, the progress bar) -------------------------------


def json_line(obj: Any) -> str:
    """One JSON object on one line (JSON Lines), for ``--stream``."""
    import json

    return json.dumps(obj, ensure_ascii=False, separators=(",", ":")) + "\n"


def progress_line(done: int, total: int, found: int, elapsed: float, width: int = 24) -> str:
    """``[#######.........] 120/340 ports, 5 open, 85/s, ETA 3 s`` (for stderr on a terminal)."""
    share = done / total if total else 1.0
    bar = "#" * int(share * width)
    rate = done / elapsed if elapsed > 0 else 0.0
    eta = f"{(total - done) / rate:.0f} s" if rate > 0 else "?"
    return f"[{bar:.<{width}}] {done}/{total} ports, {found} open, {rate:.0f}/s, ETA {eta}"


# -- monitoring (netref probe --format nagios) ---------------------------------------------------


def nagios_line(service: str, state: str, summary: str, perfdata: Sequence[tuple[str, str]]) -> str:
    """The monitoring-plugins output line: ``SMTP OK - 12 ms | time=0.012000s;1;2;0 dns=...``.

    ``perfdata`` pairs are (label, ``value[UOM];warn;crit;min;max``). A ``|`` would start the
    perfdata early, so the summary cannot keep one; labels with odd characters are quoted.
    """
    text = " ".join(summary.replace("|", "/").split())
    perf = " ".join(f"{label if label.isidentifier() else repr(label)}={value}" for label, value in perfdata)
    return f"{service.upper()} {state} - {text}" + (f" | {perf}" if perf else "")
