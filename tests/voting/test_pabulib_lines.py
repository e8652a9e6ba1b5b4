"""Every mistake in a .pb file is reported on a line the file has, the one to fix: not one past
its end (as a missing section or header once was), and in the votes, which are read in bulk,
the right line whatever blank lines or quoted line breaks come before."""

from __future__ import annotations

import pytest

from models.voting.pabulib import PabulibError, parse_pb

GOOD = """META
key;value
budget;100
vote_type;approval
PROJECTS
project_id;cost;name
p1;60;Park
p2;40;Library
VOTES
voter_id;vote
v1;p1,p2
v2;p2
v3;p1
"""


def error(text: str) -> PabulibError:
    with pytest.raises(PabulibError) as raised:
        parse_pb(text)
    return raised.value


def line_of_vote(text: str, row: str) -> int:
    return text[: text.index("\n" + row + "\n", text.index("VOTES"))].count("\n") + 2


@pytest.mark.parametrize(
    "text, line, message",
    [
        ("META\nkey;value\nbudget;100\nvote_type;approval\nPROJECTS\nproject_id;cost\np1;60\nVOTES\n", 8, "The VOTES section has no header row."),
        ("META\nkey;value\nbudget;100\nvote_type;approval\nPROJECTS\nproject_id;cost\np1;60\n", 7, "The file has no VOTES section."),
        ("META\nkey;value\nbudget;100\nvote_type;approval\nPROJECTS\nproject_id;cost\np1;60\n\n\n", 7, "The file has no VOTES section."),
        ("META\nkey;value\nbudget;100\nvote_type;approval\nPROJECTS", 5, "The PROJECTS section has no header row."),
        ("META\nkey;value\nbudget;100\nvote_type;approval", 4, "The file has no PROJECTS section."),
        ("META", 1, "The META section has no header row."),
    ],
)
def test_a_file_cut_short_is_reported_on_its_last_line_not_past_it(text, line, message):
    raised = error(text)

    assert (raised.line, raised.message) == (line, message)
    assert raised.line <= len(text.splitlines())


def test_an_empty_file_is_said_to_be_empty():
    assert (error("").line, error("\n \n").message) == (None, "The file is empty.")


# The votes section is read in bulk; a row found wrong still has its line.
BEFORE_VOTES = [
    ("", "nothing"),
    ("p3;10;\"Bench\nby the pond\"\n", "a name over two lines"),
    ("\n\n", "blank lines"),
]


@pytest.mark.parametrize("extra_project, _", BEFORE_VOTES, ids=[why for _, why in BEFORE_VOTES])
@pytest.mark.parametrize(
    "bad_row, message",
    [
        ("v2;p9", "Voter 'v2' votes for project 'p9', which is not in PROJECTS."),
        ("v2;p1,p1", "Voter 'v2' lists a project twice."),
        ("v1;p2", "The voter_id 'v1' is used twice."),
        (";p2", "A vote has no voter_id."),
        ("v2;p2;extra", "Expected 2 fields, as in the header, but found 3."),
        ("META", "The META section starts again here."),
    ],
)
def test_a_wrong_vote_is_reported_on_its_own_line(extra_project, _, bad_row, message):
    text = GOOD.replace("p2;40;Library\n", "p2;40;Library\n" + extra_project).replace("v2;p2\n", "\n  ;  \n" + bad_row + "\n")

    raised = error(text)

    assert raised.message == message
    assert raised.line == line_of_vote(text, bad_row) == len(text.splitlines()) - 1  # the row before v3


def test_blank_rows_among_the_votes_are_skipped():
    text = GOOD.replace("v2;p2\n", "\n;\n  ;  \nv2;p2\n\n")

    assert [vote.voter_id for vote in parse_pb(text).votes] == ["v1", "v2", "v3"]
