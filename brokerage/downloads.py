"""Big downloads, streamed: CSV written a few hundred rows at a time (with cells a
spreadsheet will not run as formulas), and any text generator sent as an attachment."""

from __future__ import annotations

import csv
import io
from typing import Any, Iterable, Iterator

from flask import Response, stream_with_context


FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: Any) -> str:
    """Text a spreadsheet will not run as a formula."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def csv_text(header: Iterable[str], rows: Iterable[Iterable[Any]], every: int = 500) -> Iterator[str]:
    """The header and rows as CSV text, yielded every `every` rows."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    for count, row in enumerate(rows, start=1):
        writer.writerow(row)
        if count % every == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


def attachment(chunks: Iterator[str], mimetype: str, filename: str) -> Response:
    """Stream the chunks as a file to save, reading the database as it goes."""
    return Response(
        stream_with_context(chunks),
        mimetype=mimetype,
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )
