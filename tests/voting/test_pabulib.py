"""Reading and writing Pabulib .pb files (models/pabulib.py): every real file in shared/data/pb
reads, every kind of mistake is reported on its line, and what we write reads back the same."""

from __future__ import annotations

import pytest

from models.voting.pabulib import MAX_PB_BYTES, PabulibError, PbElection, PbProject, PbVote, parse_pb, write_pb
from tests.factories import SHARED_DATA

PB_DATA = SHARED_DATA / "pb"

# name: (vote type, projects, votes, budget), from shared/data/pb/README.md
REAL_FILES = {
    "Netherlands_Assen_2024.pb": ("approval", 14, 84, 100_000),
    "US_Stanford_Dataset_PB_Chicago_33rd_Ward_2020_vote_approvals.pb": ("approval", 8, 713, 1_000_000),
    "US_Stanford_Dataset_2022_Jersey_City_Ward_B_vote_knapsacks.pb": ("approval", 7, 127, 50_000),
    "Poland_Swiecie_2023.pb": ("approval", 22, 2553, 1_070_000),
    "Poland_Warszawa_2023_Mokotow.pb": ("approval", 81, 11067, 8_697_250),
    "Netherlands_Amsterdam_309.pb": ("approval", 58, 14411, 300_000),
    "Poland_Krakow_2022.pb": ("ordinal", 93, 42965, 7_600_000),
}

GOOD = """META
key;value
num_projects;2
num_votes;2
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
"""


def test_every_real_file_reads():
    assert {path.name for path in PB_DATA.glob("*.pb")} == set(REAL_FILES)
    for name, (vote_type, projects, votes, budget) in REAL_FILES.items():
        election = parse_pb((PB_DATA / name).read_bytes())

        assert (election.vote_type, len(election.projects), len(election.votes), election.budget) == (vote_type, projects, votes, budget), name


def test_a_real_file_reads_column_by_column():
    election = parse_pb((PB_DATA / "Poland_Warszawa_2023_Mokotow.pb").read_bytes())

    first = election.projects[0]
    assert (first.project_id, first.cost) == ("1794", 750000)
    assert first.name.startswith("Ratujemy staw")
    assert first.extra["selected"] == "1"
    assert election.votes[0] == PbVote("21", ["1255", "1648"], None, {"age": "67", "sex": "F", "voting_method": "internet"})
    # The file's own vote counts are the number of ballots listing each project.
    ballots = election.approval_ballots()
    assert all(sum(project.project_id in ballot for ballot in ballots) == int(project.extra["votes"]) for project in election.projects)


def test_an_ordinal_file_keeps_the_order_of_preference_and_counts_as_approval_of_the_listed():
    election = parse_pb((PB_DATA / "Poland_Krakow_2022.pb").read_bytes())

    assert election.votes[0].projects == ["69", "60", "158"]
    assert election.approval_ballots()[0] == {"69", "60", "158"}


def test_cumulative_votes_have_their_points():
    text = GOOD.replace("approval", "cumulative").replace("voter_id;vote\nv1;p1,p2\nv2;p2", 'voter_id;vote;points\nv1;p1,p2;3,2\nv2;p2;"5"')

    election = parse_pb(text)

    assert [(vote.projects, vote.points) for vote in election.votes] == [(["p1", "p2"], [3, 2]), (["p2"], [5])]
    assert election.approval_ballots() == [{"p1", "p2"}, {"p2"}]


def test_quoted_fields_and_a_byte_order_mark_read():
    text = GOOD.replace("p1;60;Park", 'p1;60;"Park; with a pond"')

    election = parse_pb(("\ufeff" + text).encode("utf-8"))

    assert election.projects[0].name == "Park; with a pond"
    assert election.meta["budget"] == "100"


@pytest.mark.parametrize(
    "text,line,message",
    [
        # A missing section is reported on the file's last line, not one past it.
        (GOOD.replace("VOTES\nvoter_id;vote\nv1;p1,p2\nv2;p2\n", ""), 10, "no VOTES section"),
        (GOOD.replace("META\n", "", 1), 1, "must start with the META section"),
        (GOOD.replace("PROJECTS\nproject_id;cost;name\np1;60;Park\np2;40;Library\n", ""), 7, "Expected the PROJECTS section before VOTES"),
        (GOOD.replace("project_id;cost;name", "project_id;price;name"), 8, "no 'cost' column"),
        (GOOD.replace("project_id;cost;name", "id;cost;name"), 8, "no 'project_id' column"),
        (GOOD.replace("voter_id;vote\n", "voter_id;ballot\n"), 12, "no 'vote' column"),
        (GOOD.replace("voter_id;vote\n", "voter;vote\n"), 12, "no 'voter_id' column"),
        (GOOD.replace("num_projects;2", "num_projects;3"), 3, "num_projects is 3 but the file has 2"),
        (GOOD.replace("num_votes;2", "num_votes;1"), 4, "num_votes is 1 but the file has 2"),
        (GOOD.replace("p2;40;Library", "p2;forty;Library"), 10, "cost of project 'p2' must be a number of at least 0, such as 12500 or 12500.50"),
        (GOOD.replace("p2;40;Library", "p2;-40;Library"), 10, "cost of project 'p2' must be a number of at least 0"),
        (GOOD.replace("p2;40;Library", "p2;40,5;Library"), 10, "cost of project 'p2' must be a number"),
        (GOOD.replace("budget;100", "budget;1e6"), 5, "budget must be a number"),
        (GOOD.replace("budget;100\n", ""), 2, "META has no 'budget'"),
        (GOOD.replace("vote_type;approval", "vote_type;borda"), 6, "Unknown vote_type 'borda'"),
        (GOOD.replace("v2;p2", "v2;p3"), 14, "votes for project 'p3', which is not in PROJECTS"),
        (GOOD.replace("p2;40;Library", "p1;40;Library"), 10, "project_id 'p1' is used twice"),
        (GOOD.replace("v2;p2", "v1;p2"), 14, "voter_id 'v1' is used twice"),
        (GOOD.replace("v1;p1,p2", "v1;p1,p1"), 13, "lists a project twice"),
        (GOOD.replace("p2;40;Library", "p2;40"), 10, "Expected 3 fields"),
        (GOOD.replace("approval", "cumulative").replace("voter_id;vote\nv1;p1,p2\nv2;p2", "voter_id;vote;points\nv1;p1,p2;3,x\nv2;p2;1"), 13, "points of voter 'v1' must be a whole number"),
        (GOOD.replace("approval", "cumulative").replace("voter_id;vote\nv1;p1,p2\nv2;p2", "voter_id;vote;points\nv1;p1,p2;3\nv2;p2;1"), 13, "lists 2 projects but 1 points"),
        (GOOD.replace("approval", "cumulative"), 12, "Cumulative votes need a 'points' column"),
        # A quoted name running over two lines: the error after it is still on the right line.
        (GOOD.replace("p1;60;Park", 'p1;60;"Park\nand pond"').replace("v2;p2", "v2;p3"), 15, "not in PROJECTS"),
    ],
)
def test_mistakes_are_reported_on_their_line(text, line, message):
    with pytest.raises(PabulibError) as raised:
        parse_pb(text.encode("utf-8"))

    assert raised.value.line == line
    assert message in raised.value.message
    assert str(raised.value).startswith(f"line {line}: ")


def test_a_file_that_is_not_utf8_is_refused_at_the_line_of_the_first_bad_byte():
    data = GOOD.replace("Library", "Biblioth\u00e8que").encode("latin-1")

    with pytest.raises(PabulibError) as raised:
        parse_pb(data)

    assert (raised.value.line, raised.value.message) == (10, "The file is not UTF-8 text.")


def test_a_file_over_50_mb_is_refused_before_it_is_read():
    data = GOOD.encode() + b"\xff" * (MAX_PB_BYTES - len(GOOD) + 1)  # not UTF-8 either: size comes first

    with pytest.raises(PabulibError, match="too large") as raised:
        parse_pb(data)

    assert raised.value.line is None


def test_write_then_read_gives_the_same_election():
    election = PbElection(
        meta={"description": "Harlesden ward priorities; 2026", "budget": "5000000", "vote_type": "approval", "currency": "GBP"},
        projects=[
            PbProject("1", 2500000, "Community fridge", {"ward": "Harlesden"}),
            PbProject("2", 1000000, 'Repair "the" benches', {"ward": "Harlesden"}),
            PbProject("3", 4000000, "Youth club\nevery Friday", {"ward": "Harlesden"}),
        ],
        votes=[PbVote("a1", ["1", "2"]), PbVote("a2", ["2"]), PbVote("a3", [])],
    )

    text = write_pb(election, selected={"1", "2"})
    again = parse_pb(text)

    assert again.meta == {**election.meta, "num_projects": "3", "num_votes": "3"}
    assert [(p.project_id, p.cost, p.name) for p in again.projects] == [(p.project_id, p.cost, p.name) for p in election.projects]
    assert [p.extra for p in again.projects] == [
        {"votes": "1", "selected": "1", "ward": "Harlesden"},
        {"votes": "2", "selected": "1", "ward": "Harlesden"},
        {"votes": "0", "selected": "0", "ward": "Harlesden"},
    ]
    assert again.votes == election.votes
    assert write_pb(again, selected={"1", "2"}) == text


def test_write_keeps_points_and_real_files_round_trip():
    cumulative = PbElection(
        meta={"budget": "100", "vote_type": "cumulative"},
        projects=[PbProject("p1", 60), PbProject("p2", 40)],
        votes=[PbVote("v1", ["p1", "p2"], [3, 2]), PbVote("v2", ["p2"], [5])],
    )
    assert parse_pb(write_pb(cumulative)).votes == cumulative.votes

    for name in ("Poland_Krakow_2022.pb", "Netherlands_Assen_2024.pb"):
        election = parse_pb((PB_DATA / name).read_bytes())
        selected = {project.project_id for project in election.projects if project.extra.get("selected") == "1"}
        again = parse_pb(write_pb(election, selected))
        assert again == election, name


def test_write_refuses_a_project_id_a_vote_could_not_name():
    election = PbElection({"budget": "10", "vote_type": "approval"}, [PbProject("a,b", 5)], [])

    with pytest.raises(ValueError, match="comma"):
        write_pb(election)
