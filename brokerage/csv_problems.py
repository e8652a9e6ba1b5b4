"""A CSV upload's own problems (models/core/csv_files.py, and the size and empty-file checks
the imports share) in the reader's language (issue 21): each English wording is marked here,
read back into its values and worded again; a problem of no known shape is shown as it is.
Used by the indicators import (brokerage/admin/indicator_problems.py) and the suppliers'
returns upload."""

from __future__ import annotations

from flask_babel import gettext, ngettext

from brokerage.rule_messages import N_
from brokerage.stored_words import read_back

# The file's own problems.
FILE_PROBLEMS = (
    N_("The file must be smaller than 2 MB"),
    N_("The file has no lines after its header"),
    N_("The file is not UTF-8 text: save it from your spreadsheet as CSV UTF-8"),
    N_("The file is not a CSV: it contains binary data"),
    N_("The file is empty: the first line names the columns"),
    N_("A column is named twice"),
    N_("The file has more than %(num)s lines: split it"),
)


def _columns(problem: str) -> str | None:
    """"Unknown columns: a, b. The columns are: …" and "Missing column: a"."""
    for start in ("Unknown column", "Missing column"):
        for wording in (f"{start}: %(names)s. The columns are: %(columns)s", f"{start}s: %(names)s. The columns are: %(columns)s",
                        f"{start}: %(names)s", f"{start}s: %(names)s"):
            values = read_back(wording, problem)
            if values is None:
                continue
            count = len(values["names"].split(", "))
            if start == "Unknown column":
                text = ngettext("Unknown column: %(names)s.", "Unknown columns: %(names)s.", count, names=values["names"])
            else:
                text = ngettext("Missing column: %(names)s", "Missing columns: %(names)s", count, names=values["names"])
            if "columns" in values:
                text += " " + gettext("The columns are: %(columns)s", columns=values["columns"])
            return text
    return None


def known_problem(problem: str, wordings: tuple[str, ...]) -> str | None:
    """The problem in the page's language when it has one of these wordings' shapes."""
    for wording in wordings:
        if (values := read_back(wording, problem)) is not None:
            return gettext(wording, **values)
    return None


def csv_file_problem(problem: str) -> str:
    """A problem of the file itself (not of a line) in the page's language."""
    return known_problem(problem, FILE_PROBLEMS) or _columns(problem) or problem
