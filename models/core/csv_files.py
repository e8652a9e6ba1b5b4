"""The one CSV writer: every CSV the platform writes (the ledger, the 360Giving grants, the
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
