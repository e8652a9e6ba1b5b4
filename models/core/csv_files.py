"""The one CSV writer and reader: every CSV the platform writes (the ledger, the 360Giving grants, the
officers' KPI data) is written here, so none can forget what a spreadsheet does with a cell.

A spreadsheet runs a cell that starts with =, +, -, @ (or a tab or a carriage return before
one) as a formula: a supplier named `=HYPERLINK(...)` would put a live link, or worse, in an
officer's spreadsheet. Such a cell is written as text, with a leading apostrophe (OWASP's
advice for CSV injection), whatever column it is in; a number stays a number. Pure: no Flask,
no session, so views, jobs and the CLI write the same CSV."""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from decimal import Decimal
from itertools import chain
from typing import Any, Iterable, Iterator

# The characters that start a formula, and their full-width forms (some spreadsheets read
# U+FF1D as =). Leading white space is skipped first: importers that trim it would
# otherwise run what follows.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\n", "＝", "＋", "－", "＠")
PLAIN_NUMBER = re.compile(r"[+-]?\d+(?:\.\d+)?")


def safe_cell(value: Any) -> Any:
    """The value as a spreadsheet should see it: numbers as they are, and text that a
    spreadsheet would run as a formula with an apostrophe first."""
    if value is None:
        return ""
    if isinstance(value, (int, float, Decimal)) and not isinstance(value, bool):
        return value
    text = str(value)
    if PLAIN_NUMBER.fullmatch(text):
        return text  # "-12.50" is an amount, not a formula
    if text.startswith(FORMULA_STARTS) or text.lstrip(" \t\r\n").startswith(FORMULA_STARTS):
        return "'" + text
    return text


def csv_rows(rows: Iterable[Iterable[Any]], every: int = 500) -> Iterator[str]:
    """The rows as CSV text, every cell made safe, yielded every `every` rows (so a big
    download streams without holding the whole file)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    count = 0
    for count, row in enumerate(rows, start=1):
        writer.writerow([safe_cell(cell) for cell in row])
        if count % every == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


def csv_text(header: Iterable[str], rows: Iterable[Iterable[Any]], every: int = 500) -> Iterator[str]:
    """The header and rows as CSV text, yielded every `every` rows."""
    return csv_rows(chain([header], rows), every)


def csv_string(rows: Iterable[Iterable[Any]]) -> str:
    """The rows (a header first, if any) as one CSV string."""
    return "".join(csv_rows(rows))


MAX_UPLOAD_LINES = 5_000


@dataclass
class CsvUpload:
    """An uploaded CSV read as a table: each data line as {column: text} with its line
    number in the file, or the problems with the file as a whole."""

    lines: list[tuple[int, dict[str, str]]]
    problems: list[str]


def read_csv_upload(data: bytes, columns: tuple[str, ...], required: tuple[str, ...]) -> CsvUpload:
    """Read a CSV (UTF-8, with or without a byte order mark) whose header names its columns
    in any order. Unknown or missing required columns, a file that is not UTF-8 text, too many
    lines or broken quoting are problems with the file; cells are stripped, and a cell this
    module's writer made safe (an apostrophe before a formula character) is read back as it
    was. Blank lines are skipped."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return CsvUpload([], ["The file is not UTF-8 text: save it from your spreadsheet as CSV UTF-8"])
    if "\x00" in text:
        return CsvUpload([], ["The file is not a CSV: it contains binary data"])
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = [cell.strip().lower() for cell in next(reader, [])]
        if not any(header):
            return CsvUpload([], ["The file is empty: the first line names the columns"])
        unknown = [name for name in header if name not in columns]
        missing = [name for name in required if name not in header]
        problems = []
        if unknown:
            problems.append(f"Unknown column{'s' if len(unknown) > 1 else ''}: {', '.join(unknown)}. "
                            f"The columns are: {', '.join(columns)}")
        if missing:
            problems.append(f"Missing column{'s' if len(missing) > 1 else ''}: {', '.join(missing)}")
        if len(set(header)) != len(header):
            problems.append("A column is named twice")
        if problems:
            return CsvUpload([], problems)
        lines = []
        for row in reader:
            if not any(cell.strip() for cell in row):
                continue
            if len(lines) >= MAX_UPLOAD_LINES:
                return CsvUpload([], [f"The file has more than {MAX_UPLOAD_LINES:,} lines: split it"])
            cells = [_read_back(cell.strip()) for cell in row]
            lines.append((reader.line_num, dict(zip(header, cells + [""] * (len(header) - len(cells))))))
            if len(cells) > len(header):
                lines[-1][1]["__extra__"] = "yes"
    except csv.Error as error:
        return CsvUpload([], [f"Line {reader.line_num}: the file's quoting is broken ({error})"])
    return CsvUpload(lines, [])


def _read_back(cell: str) -> str:
    """A cell written safe ("'=A1") read back as it was ("=A1")."""
    if cell.startswith("'") and cell[1:].lstrip(" \t\r\n").startswith(FORMULA_STARTS):
        return cell[1:]
    return cell
