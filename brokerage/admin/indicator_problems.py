"""The indicators CSV import's problems (models/places/indicators.py, and the file's own from
models/core/csv_files.py) in the reader's language (issue 21): each English wording the models
produce is marked here, read back into its values and worded again; a problem of no known
shape is shown as it is. tests/places/test_indicator_problems_welsh.py makes each problem with
the real import and checks it reads in Welsh."""

from __future__ import annotations

from flask_babel import gettext, ngettext

from brokerage.rule_messages import N_
from brokerage.stored_words import read_back

# A line's problem, after "Line 3: ".
LINE_PROBLEMS = (
    N_("it has more cells than the header has columns"),
    N_("“%(code)s” is not a ward code like E05013494"),
    N_("the ward %(code)s is not one of this council's wards"),
    N_("the indicator must be named, in 120 characters or fewer"),
    N_("the source must be given, in 200 characters or fewer"),
    N_("%(code)s's %(indicator)s for %(year)s is already on an earlier line"),
    N_("the value “%(text)s” is not a number a ward could have"),
    N_("the value “%(text)s” is not a number"),
    N_("the year “%(text)s” must be a year like 2024"),
    N_("the file's quoting is broken (%(error)s)"),
)
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


def _known(problem: str, wordings: tuple[str, ...]) -> str | None:
    for wording in wordings:
        if (values := read_back(wording, problem)) is not None:
            return gettext(wording, **values)
    return None


def indicator_problem(problem: str) -> str:
    """One problem in the page's language."""
    line, colon, rest = problem.partition(": ")
    if colon and line.startswith("Line ") and line[5:].isdigit():
        said = _known(rest, LINE_PROBLEMS)
        return gettext("Line %(num)s: %(problem)s", num=line[5:], problem=said) if said else problem
    return _known(problem, FILE_PROBLEMS) or _columns(problem) or problem
