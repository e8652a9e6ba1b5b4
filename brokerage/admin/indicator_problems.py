"""The indicators CSV import's problems (models/places/indicators.py, and the file's own from
models/core/csv_files.py) in the reader's language (issue 21): each English wording the models
produce is marked here, read back into its values and worded again; a problem of no known
shape is shown as it is. tests/places/test_indicator_problems_welsh.py makes each problem with
the real import and checks it reads in Welsh."""

from __future__ import annotations

from flask_babel import gettext

from brokerage.csv_problems import csv_file_problem
from brokerage.csv_problems import known_problem as _known
from brokerage.rule_messages import N_

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


def indicator_problem(problem: str) -> str:
    """One problem in the page's language."""
    line, colon, rest = problem.partition(": ")
    if colon and line.startswith("Line ") and line[5:].isdigit():
        said = _known(rest, LINE_PROBLEMS)
        return gettext("Line %(num)s: %(problem)s", num=line[5:], problem=said) if said else problem
    return csv_file_problem(problem)
