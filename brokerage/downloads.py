"""Big downloads, streamed: any text generator sent as an attachment. CSV text comes from
the one CSV writer, models/core/csv_files.py (cells a spreadsheet will not run as formulas)."""

from __future__ import annotations

from typing import Iterator

from flask import Response, stream_with_context

from models.core.csv_files import csv_string, csv_text  # noqa: F401  (the one writer, for views)


def attachment(chunks: Iterator[str], mimetype: str, filename: str) -> Response:
    """Stream the chunks as a file to save, reading the database as it goes."""
    return Response(
        stream_with_context(chunks),
        mimetype=mimetype,
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )
