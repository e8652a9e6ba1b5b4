"""Reading and writing participatory budgeting elections in the Pabulib `.pb` format
(pabulib.org/format), the one PB researchers share results in. Pure: no Flask, no session.

A file has three sections, META, PROJECTS and VOTES, in that order; each is a `;`-separated
table whose first row is its header (fields may be quoted, as in CSV). A vote lists project ids
separated by commas; cumulative and scoring votes give the points in a `points` column in the
same order; ordinal votes list projects in order of preference.

Costs and budgets are amounts, whole (`400000`) or with decimals (`400000.0`, `12500.50`), as
published files have: they are read exactly, as int or Decimal, never as floats, so that no
rounding can change a count. Points are whole numbers.

Mistakes are reported as PabulibError with the line of the file they are on, so that whoever
made the file can find and fix it.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from decimal import Decimal
from itertools import chain, islice, repeat
from operator import contains, itemgetter
from typing import Collection, Iterable, Iterator, Union

MAX_PB_BYTES = 50 * 1024 * 1024
SECTIONS = ("meta", "projects", "votes")
VOTE_TYPES = ("approval", "cumulative", "ordinal", "scoring")
# ASCII digits only: \d alone would take other scripts' digits too ("١٠٠"), and int() reads them.
WHOLE_NUMBER = re.compile(r"[+-]?[0-9]+")
AMOUNT = re.compile(r"\+?[0-9]+(?:\.[0-9]+)?")

Amount = Union[int, Decimal]  # a cost or budget as written: 400000 is an int, 12500.50 a Decimal


class PabulibError(ValueError):
    """What is wrong with a .pb file, and on which line (None when it is about the whole file)."""

    def __init__(self, message: str, line: int | None = None):
        super().__init__(f"line {line}: {message}" if line is not None else message)
        self.message = message
        self.line = line


@dataclass(frozen=True)
class PbProject:
    project_id: str
    cost: Amount
    name: str = ""
    extra: dict[str, str] = field(default_factory=dict)  # the file's other columns, as written
    line: int | None = field(default=None, compare=False, repr=False)  # where the file gives it


# Not frozen, unlike the others: a frozen dataclass is three times slower to build, and a
# city's file holds tens of thousands of votes. Treat it as read-only all the same.
@dataclass(slots=True)
class PbVote:
    voter_id: str
    projects: list[str]  # in the file's order: the order of preference for ordinal votes
    points: list[int] | None = None  # cumulative and scoring votes, one per project
    extra: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class PbElection:
    meta: dict[str, str]
    projects: list[PbProject]
    votes: list[PbVote]
    meta_lines: dict[str, int] = field(default_factory=dict, compare=False, repr=False)  # META key -> line

    @property
    def budget(self) -> Amount:
        return parse_amount(self.meta["budget"], "The budget", self.meta_lines.get("budget"))

    @property
    def vote_type(self) -> str:
        return self.meta["vote_type"]

    def costs(self) -> dict[str, Amount]:
        return {project.project_id: project.cost for project in self.projects}

    def approval_ballots(self) -> list[set[str]]:
        """Each vote as the set of projects it lists: what an approval rule counts, whatever the
        vote type (a ranking or a share of points still says "I want these")."""
        return [set(vote.projects) for vote in self.votes]


def parse_pb(data: bytes | str) -> PbElection:
    """The election in a .pb file, or a PabulibError that says what is wrong and where."""
    if isinstance(data, bytes):
        if len(data) > MAX_PB_BYTES:
            raise PabulibError(f"The file is too large: Pabulib files must be {MAX_PB_BYTES // (1024 * 1024)} MB or smaller.")
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError as error:
            raise PabulibError("The file is not UTF-8 text.", data[: error.start].count(b"\n") + 1) from None
    else:
        if len(data.encode("utf-8")) > MAX_PB_BYTES:
            raise PabulibError(f"The file is too large: Pabulib files must be {MAX_PB_BYTES // (1024 * 1024)} MB or smaller.")
        text = data.removeprefix("\ufeff")

    tables = _sections(text)
    meta_header = tables["meta"].header
    _require(meta_header, ("key", "value"), "META")
    meta: dict[str, str] = {}
    meta_line: dict[str, int] = {}
    for line, row in tables["meta"].numbered():
        if len(row) < 2:
            raise PabulibError("A META row needs a key and a value.", line)
        key = row[0].strip()
        if key in meta:
            raise PabulibError(f"The META key {key!r} is given twice.", line)
        meta[key] = row[1].strip()
        meta_line[key] = line
    for key in ("budget", "vote_type"):
        if key not in meta:
            raise PabulibError(f"META has no {key!r}.", meta_header.line)
    parse_amount(meta["budget"], "The budget", meta_line["budget"])
    if meta["vote_type"] not in VOTE_TYPES:
        raise PabulibError(f"Unknown vote_type {meta['vote_type']!r}: expected one of {', '.join(VOTE_TYPES)}.", meta_line["vote_type"])

    projects_header = tables["projects"].header
    _require(projects_header, ("project_id", "cost"), "PROJECTS")
    projects: list[PbProject] = []
    project_ids: set[str] = set()
    for line, row in tables["projects"].numbered():
        fields = _fields(projects_header, row, line)
        project_id = fields.pop("project_id")
        if not project_id:
            raise PabulibError("A project has no project_id.", line)
        if project_id in project_ids:
            raise PabulibError(f"The project_id {project_id!r} is used twice.", line)
        project_ids.add(project_id)
        cost = parse_amount(fields.pop("cost"), f"The cost of project {project_id!r}", line)
        projects.append(PbProject(project_id, cost, fields.pop("name", ""), fields, line))

    votes = _votes(tables["votes"], meta["vote_type"], project_ids)

    for key, found in (("num_projects", len(projects)), ("num_votes", len(votes))):
        if key in meta and _whole_number(meta[key], key, meta_line[key]) != found:
            raise PabulibError(f"META says {key} is {meta[key]} but the file has {found}.", meta_line[key])
    return PbElection(meta, projects, votes, meta_line)


def _votes(table: _Table, vote_type: str, project_ids: set[str]) -> list[PbVote]:
    """The VOTES section. The largest files have tens of thousands of votes and hundreds of
    thousands of project ids in them, so the section is checked a column at a time, in bulk;
    only a row found wrong is looked at alone, and its line worked out, to say where it is."""
    header = table.header
    _require(header, ("voter_id", "vote"), "VOTES")
    scored = vote_type in ("cumulative", "scoring")
    if scored and "points" not in header.columns:
        raise PabulibError(f"{vote_type.capitalize()} votes need a 'points' column.", header.line)
    columns = header.columns
    width = len(columns)
    at_voter, at_vote = columns.index("voter_id"), columns.index("vote")
    at_points = columns.index("points") if scored else None
    others = [(at, column) for at, column in enumerate(columns) if at not in (at_voter, at_vote, at_points)]

    rows = table.rows
    if any(length != width for length in set(map(len, rows))) and table.drop_blank_rows():
        rows = table.rows
    if any(length != width for length in set(map(len, rows))):
        k = next(k for k, row in enumerate(rows) if len(row) != width)
        name = rows[k][0].strip().lower() if len(rows[k]) == 1 else ""
        if name in SECTIONS:
            raise PabulibError(f"The {name.upper()} section starts again here.", table.line(k))
        _fields(header, rows[k], table.line(k))  # raises, naming the line

    voter_ids = list(map(str.strip, map(itemgetter(at_voter), rows)))
    if "" in voter_ids and table.drop_blank_rows():
        rows = table.rows
        voter_ids = list(map(str.strip, map(itemgetter(at_voter), rows)))
    if "" in voter_ids:
        raise PabulibError("A vote has no voter_id.", table.line(voter_ids.index("")))
    if len(set(voter_ids)) < len(voter_ids):
        seen: set[str] = set()
        for k, voter_id in enumerate(voter_ids):
            if voter_id in seen:
                raise PabulibError(f"The voter_id {voter_id!r} is used twice.", table.line(k))
            seen.add(voter_id)

    texts = list(map(itemgetter(at_vote), rows))
    listed = list(map(str.split, texts, repeat(",")))
    # Spaces, or any character strip() would remove, are rare: only the votes that have one
    # have their ids stripped. Then empty ids ("a,,b", "") are dropped.
    if _may_strip("".join(texts)):
        listed = [[item.strip() for item in ids] if _may_strip(text) else ids for text, ids in zip(texts, listed)]
    if any(map(contains, listed, repeat(""))):
        listed = [[item for item in ids if item] if "" in ids else ids for ids in listed]
    if not project_ids.issuperset(chain.from_iterable(listed)):
        for k, ids in enumerate(listed):
            unknown = next((project_id for project_id in ids if project_id not in project_ids), None)
            if unknown is not None:
                raise PabulibError(f"Voter {voter_ids[k]!r} votes for project {unknown!r}, which is not in PROJECTS.", table.line(k))
    sizes = list(map(len, listed))
    if sizes != list(map(len, map(set, listed))):
        k = next(k for k, ids in enumerate(listed) if len(set(ids)) < len(ids))
        raise PabulibError(f"Voter {voter_ids[k]!r} lists a project twice.", table.line(k))

    points: list[list[int] | None] = [None] * len(rows)
    if at_points is not None:
        for k, row in enumerate(rows):
            given = [item.strip() for item in row[at_points].split(",") if item.strip()]
            if len(given) != sizes[k]:
                raise PabulibError(f"Voter {voter_ids[k]!r} lists {sizes[k]} projects but {len(given)} points.", table.line(k))
            if not all(map(WHOLE_NUMBER.fullmatch, given)):
                bad = next(item for item in given if not WHOLE_NUMBER.fullmatch(item))
                raise PabulibError(f"The points of voter {voter_ids[k]!r} must be a whole number, not {bad!r}.", table.line(k))
            points[k] = list(map(int, given))
    extras = [{column: row[at].strip() for at, column in others} for row in rows] if others else [{} for _ in rows]
    return list(map(PbVote, voter_ids, listed, points, extras))


_ASCII_SPACES = " \t\n\r\x0b\x0c\x1c\x1d\x1e\x1f"  # what str.strip() removes, of ASCII


def _may_strip(text: str) -> bool:
    """Whether str.strip() could remove anything from a piece of the text: a space of any kind
    (none is printable but the plain space). Plain ASCII, the usual case, is checked fast."""
    if text.isascii():
        return any(space in text for space in _ASCII_SPACES)
    return " " in text or not text.isprintable()


def parse_amount(text: str, what: str = "The amount", line: int | None = None) -> Amount:
    """A cost or budget, exactly as written: an int for `400000`, a Decimal for `400000.0` or
    `12500.50`. Anything else (a sign, an exponent, a comma for the decimal point) is refused:
    `1,000` means a thousand to some and one to others."""
    text = text.strip()
    if not AMOUNT.fullmatch(text):
        raise PabulibError(f"{what} must be a number of at least 0, such as 12500 or 12500.50, not {text!r}.", line)
    return Decimal(text) if "." in text else int(text)


def write_pb(election: PbElection, selected: Collection[str] | None = None) -> str:
    """The election as a .pb file, with each project's number of votes. Voter ids are written as
    given: the caller passes anonymised ones. The counts in META are set from the election, so
    the file always reads back with parse_pb. Amounts are written as given (`12500.50` stays).

    `selected` is the official outcome (Pabulib's `selected` column, 1 or 0): given, it is
    written for every project; left out, a project's own `selected` (in `extra`, as an imported
    file published it) is written as it is, and a file with none has no such column, since no
    outcome is official until it is published."""
    for project in election.projects:
        if "," in project.project_id:
            raise ValueError(f"project id {project.project_id!r} contains a comma, which votes use to separate ids")
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\n")
    meta = {**election.meta, "num_projects": str(len(election.projects)), "num_votes": str(len(election.votes))}
    writer.writerow(["META"])
    writer.writerow(["key", "value"])
    writer.writerows(meta.items())

    counts = {project.project_id: 0 for project in election.projects}
    for vote in election.votes:
        for project_id in vote.projects:
            counts[project_id] += 1
    extra_columns = _extra_columns(project.extra for project in election.projects)
    project_columns = ["project_id", "cost", "votes", "name"]
    if selected is not None or "selected" in extra_columns:
        project_columns.append("selected")
    project_columns += sorted(extra_columns - set(project_columns))
    writer.writerow(["PROJECTS"])
    writer.writerow(project_columns)
    chosen = None if selected is None else set(selected)
    for project in election.projects:
        row = {
            **project.extra,
            "project_id": project.project_id,
            "cost": str(project.cost),
            "votes": str(counts[project.project_id]),
            "name": project.name,
        }
        if chosen is not None:
            row["selected"] = "1" if project.project_id in chosen else "0"
        writer.writerow([row.get(column, "") for column in project_columns])

    scored = any(vote.points is not None for vote in election.votes)
    vote_columns = ["voter_id", "vote", *(["points"] if scored else [])]
    vote_columns += sorted(_extra_columns(vote.extra for vote in election.votes) - set(vote_columns))
    writer.writerow(["VOTES"])
    writer.writerow(vote_columns)
    for vote in election.votes:
        row = {**vote.extra, "voter_id": vote.voter_id, "vote": ",".join(vote.projects)}
        if scored:
            row["points"] = ",".join(str(points) for points in vote.points or [])
        writer.writerow([row.get(column, "") for column in vote_columns])
    return out.getvalue()


@dataclass(frozen=True)
class _Header:
    columns: list[str]
    line: int


@dataclass
class _Table:
    """A section: its header and its non-blank rows. `lines` holds the line each row starts on;
    for a section read in bulk it is None, and a row's line is found when it is asked for."""

    header: _Header
    rows: list[list[str]]
    lines: list[int] | None
    text: str

    def numbered(self) -> Iterator[tuple[int, list[str]]]:
        return zip(self.lines if self.lines is not None else map(self.line, range(len(self.rows))), self.rows)

    def drop_blank_rows(self) -> bool:
        """Drop rows with nothing but spaces (a section read in bulk keeps them until a row of
        the wrong length, or with no voter id, makes it look); say whether there were any."""
        kept = [row for row in self.rows if (row and row[0].strip()) or any(item.strip() for item in row)]
        dropped = len(kept) < len(self.rows)
        self.rows = kept
        return dropped

    def line(self, k: int) -> int:
        if self.lines is not None:
            return self.lines[k]
        # The k-th row after the header: read the file again, counting lines (errors only).
        after = (line for line, _ in _rows(self.text) if line > self.header.line)
        return next(islice(after, k, None))


def _sections(text: str) -> dict[str, _Table]:
    """Each section's header and rows, in file order. Rows are read one by one, with their
    lines, up to the header of the last section, VOTES, the bulk of any file: its rows are
    read all at once, and their lines found only if one of them is wrong."""
    tables: dict[str, _Table] = {}
    current: _Table | None = None
    expecting_header: str | None = None
    section_line = 0
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=";")
    for line, row in _rows(text, reader):
        if len(row) == 1 and row[0].strip().lower() in SECTIONS:
            name = row[0].strip().lower()
            if name in tables or expecting_header:
                raise PabulibError(f"The {name.upper()} section starts again here.", line)
            wanted = SECTIONS[len(tables)]
            if name != wanted:
                raise PabulibError(f"Expected the {wanted.upper()} section before {name.upper()}.", line)
            expecting_header, section_line = name, line
            continue
        if expecting_header:
            current = _Table(_Header([column.strip() for column in row], line), [], [], text)
            tables[expecting_header] = current
            if expecting_header == SECTIONS[-1]:
                try:
                    current.rows = list(reader)
                except csv.Error as error:
                    raise PabulibError(f"The file is not a valid table: {error}.", reader.line_num) from None
                current.lines = None
                if [] in current.rows:  # empty lines; rows of spaces are dropped when found
                    current.rows = [row for row in current.rows if row]
                break
            expecting_header = None
            continue
        if current is None:
            raise PabulibError("The file must start with the META section.", line)
        current.rows.append(row)
        current.lines.append(line)
    if expecting_header and expecting_header not in tables:
        raise PabulibError(f"The {expecting_header.upper()} section has no header row.", section_line)
    for name in SECTIONS:
        if name not in tables:
            if not text.strip():
                raise PabulibError("The file is empty.")
            # Reported on the file's last line (not one past it), where the section is missing.
            raise PabulibError(f"The file has no {name.upper()} section.", text.rstrip().count("\n") + 1)
    return tables


def _rows(text: str, reader=None) -> Iterator[tuple[int, list[str]]]:
    """The non-blank rows with the line number each starts on (a quoted field may span lines)."""
    reader = reader or csv.reader(io.StringIO(text, newline=""), delimiter=";")
    start = reader.line_num + 1
    try:
        for row in reader:
            if (row and row[0].strip()) or any(item.strip() for item in row):
                yield start, row
            start = reader.line_num + 1
    except csv.Error as error:
        raise PabulibError(f"The file is not a valid table: {error}.", reader.line_num) from None


def _require(header: _Header, columns: tuple[str, ...], section: str) -> None:
    missing = [column for column in columns if column not in header.columns]
    if missing:
        raise PabulibError(f"The {section} header has no {', '.join(repr(column) for column in missing)} column.", header.line)
    if len(set(header.columns)) < len(header.columns):
        raise PabulibError(f"The {section} header names a column twice.", header.line)


def _fields(header: _Header, row: list[str], line: int) -> dict[str, str]:
    if len(row) != len(header.columns):
        raise PabulibError(f"Expected {len(header.columns)} fields, as in the header, but found {len(row)}.", line)
    return {column: value.strip() for column, value in zip(header.columns, row)}


def _whole_number(text: str, what: str, line: int, signed: bool = False) -> int:
    if not WHOLE_NUMBER.fullmatch(text.strip()) or (not signed and text.strip().startswith("-")):
        raise PabulibError(f"{what} must be a whole number{'' if signed else ' of at least 0'}, not {text!r}.", line)
    return int(text)


def _extra_columns(extras: Iterable[dict[str, str]]) -> set[str]:
    return {column for extra in extras for column in extra}
