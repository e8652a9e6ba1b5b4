"""Pabulib files as rounds: real elections import as counted rounds (CLI and the
officer's upload, as a job), malformed files are refused with their line and nothing
saved, and any round exports as a .pb file that reads back, with anonymised voters."""

from __future__ import annotations

import io
import json
from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from models import Ballot, BallotChoice, DomainError, Role, Round, User, db, utcnow
from models.voting.pabulib import parse_pb
from models.voting.pb_rules import tally
from models.voting.round_pabulib import export_round_pb, import_pb_round
from models.voting.setup import RoundFields, add_item_option, create_round
from models.voting.count import count_round
from tests.factories import SHARED_DATA, TEST_DATA, login, post_form

PB = SHARED_DATA / "pb"
CHICAGO = PB / "US_Stanford_Dataset_PB_Chicago_33rd_Ward_2020_vote_approvals.pb"
ASSEN = PB / "Netherlands_Assen_2024.pb"

CUMULATIVE = """META
key;value
description;Points election
num_projects;3
num_votes;2
budget;100
vote_type;cumulative
PROJECTS
project_id;cost;name
a;60;Alpha
b;50;Beta
c;40;Gamma
VOTES
voter_id;vote;points
v1;a,b;3,2
v2;c,a;4,1
"""


@pytest.fixture
def officer(make_user):
    return make_user("officer@example.org", "Oona Officer", role=Role.OFFICER)


def _import(app, officer: int, path_or_text) -> int:
    data = path_or_text.read_bytes() if hasattr(path_or_text, "read_bytes") else path_or_text.encode()
    with app.app_context():
        report = import_pb_round(data, db.session.get(User, officer))
        count_round(report.round_id)
        db.session.commit()
        return report.round_id


def test_a_real_election_imports_as_a_counted_round_that_agrees_with_the_rules(app, officer):
    round_id = _import(app, officer, CHICAGO)
    election = parse_pb(CHICAGO.read_bytes())
    with app.app_context():
        round_ = db.session.get(Round, round_id)
        assert (round_.state, round_.source, round_.currency) == ("closed", "pabulib", "USD")
        assert round_.budget_pence == election.budget * 100
        assert len(round_.options) == len(election.projects) == 8
        assert db.session.scalar(select(func.count()).select_from(Ballot).where(Ballot.round_id == round_id)) == 713
        expected = tally("equal-shares-add1", election.budget, election.costs(), election.approval_ballots())
        assert sorted(option.external_id for option in round_.options if option.selected_add1) == sorted(expected.selected)
        votes = {option.external_id: option.votes for option in round_.options}
        assert votes == expected.votes


def test_the_export_reads_back_with_the_same_votes_and_the_file_s_own_selected(app, officer):
    round_id = _import(app, officer, ASSEN)
    original = parse_pb(ASSEN.read_bytes())
    with app.app_context():
        exported = parse_pb(export_round_pb(db.session.get(Round, round_id), "secret"))
        round_ = db.session.get(Round, round_id)
        winners = {option.external_id for option in round_.options if option.won}
    assert [project.project_id for project in exported.projects] == [project.project_id for project in original.projects]
    assert sorted(sorted(vote.projects) for vote in exported.votes) == sorted(sorted(vote.projects) for vote in original.votes)
    # `selected` is the outcome Assen published, not our recount: the recount under its rule
    # (equal shares with add-one, as pabutools computes it) also funds project 7.
    published = {project.project_id for project in original.projects if project.extra["selected"] == "1"}
    assert {project.project_id for project in exported.projects if project.extra["selected"] == "1"} == published
    assert exported.meta["rule"] == original.meta["rule"] == "equalshares/add1"
    reference = json.loads((TEST_DATA / "pb_reference.json").read_text())
    assert winners == set(reference["instances"][ASSEN.name]["equal-shares-add1"]["selected"]) == published | {"7"}
    assert {vote.voter_id for vote in exported.votes} == {str(number) for number in range(1, len(original.votes) + 1)}


def test_cumulative_votes_keep_their_points(app, officer):
    round_id = _import(app, officer, CUMULATIVE)
    with app.app_context():
        points = db.session.execute(select(BallotChoice.points).order_by(BallotChoice.ballot_id, BallotChoice.option_id)).scalars().all()
        assert points == [3, 2, 1, 4]
        exported = parse_pb(export_round_pb(db.session.get(Round, round_id), "secret"))
    assert exported.vote_type == "cumulative"
    assert sorted((vote.projects, vote.points) for vote in exported.votes) == [(["a", "b"], [3, 2]), (["a", "c"], [1, 4])]


@pytest.mark.parametrize(
    "text, message",
    [
        (CUMULATIVE.replace("PROJECTS\n", ""), "line"),
        (CUMULATIVE.replace("num_votes;2", "num_votes;3"), "line 5"),
        (CUMULATIVE.replace("a;60;Alpha", "a;sixty;Alpha"), "line 10"),
        (CUMULATIVE.replace("v2;c,a", "v2;c,z"), "line 16"),
        (CUMULATIVE.replace("a;60;Alpha", "a;0;Alpha"), "costs nothing"),
    ],
)
def test_malformed_files_are_refused_with_the_line_and_nothing_is_saved(app, officer, text, message):
    with app.app_context():
        with pytest.raises(DomainError) as raised:
            import_pb_round(text.encode(), db.session.get(User, officer))
        db.session.rollback()
        assert message in raised.value.message
        assert db.session.scalar(select(func.count()).select_from(Round)) == 0


def test_only_officers_import(app, make_user):
    resident = make_user("resident@example.org", "Rae Resident")
    with app.app_context():
        from models import PermissionDenied

        with pytest.raises(PermissionDenied):
            import_pb_round(CHICAGO.read_bytes(), db.session.get(User, resident))


def test_an_officer_uploads_a_file_and_a_job_imports_and_counts_it(app, client, officer, work_jobs):
    login(client, "officer@example.org")
    response = post_form(
        client,
        "/officers/rounds/import",
        {"file": (io.BytesIO(CHICAGO.read_bytes()), "chicago.pb")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 302
    assert work_jobs() == 0
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "8 options and 713 ballots" in page
    with app.app_context():
        round_ = db.session.scalar(select(Round))
        assert round_.counted_at is not None


def test_a_malformed_upload_fails_its_task_with_the_line(app, client, officer, work_jobs):
    login(client, "officer@example.org")
    response = post_form(
        client,
        "/officers/rounds/import",
        {"file": (io.BytesIO(CUMULATIVE.replace("v2;c,a", "v2;c,z").encode()), "bad.pb")},
        content_type="multipart/form-data",
    )
    work_jobs()
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "The import failed" in page and "line 16" in page and "not in PROJECTS" in page
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Round)) == 0


def test_uploads_must_be_pb_files_and_residents_cannot_upload(app, client, officer, make_user):
    login(client, "officer@example.org")
    wrong = post_form(
        client, "/officers/rounds/import", {"file": (io.BytesIO(b"x"), "ballots.csv")}, content_type="multipart/form-data"
    )
    assert wrong.status_code == 400 and "must be a Pabulib .pb file" in wrong.get_data(as_text=True)
    make_user("resident@example.org", "Rae Resident")
    other = app.test_client()
    login(other, "resident@example.org")
    assert other.get("/officers/rounds/import").status_code == 403


def test_a_file_over_50_mb_is_refused(app, officer):
    huge = b"META\nkey;value\n" + b"x" * (50 * 1024 * 1024)
    with app.app_context():
        with pytest.raises(DomainError, match="too large"):
            import_pb_round(huge, db.session.get(User, officer))


def test_a_platform_round_exports_its_amounts_exactly_with_its_rule(app, officer):
    with app.app_context():
        user = db.session.get(User, officer)
        now = utcnow()
        round_ = create_round(
            user,
            RoundFields("Park", "", None, 1_000_50, now - timedelta(days=2), now - timedelta(days=1), "approval", 1, None, "greedy"),
        )
        add_item_option(round_, user, "Benches", "", 400_25)
        add_item_option(round_, user, "Bins", "", 300_00)
        db.session.commit()
        exported = parse_pb(export_round_pb(round_, "secret"))
    assert exported.meta["rule"] == "greedy" and exported.meta["max_length"] == "1"
    # Pence are written as exact decimals of a pound, not rounded to whole pounds.
    assert exported.budget == Decimal("1000.50") and [project.cost for project in exported.projects] == [Decimal("400.25"), 300]
    assert "comment" not in exported.meta


def test_the_cli_imports_and_counts_a_file(app, runner, officer):
    result = runner.invoke(args=["pb", "import", str(ASSEN)])
    assert result.exit_code == 0, result.output
    assert "14 options and 84 ballots, counted" in result.output
    with app.app_context():
        round_ = db.session.scalar(select(Round))
        assert round_.counted_at is not None and round_.created_by_id == officer


def test_the_cli_reports_a_malformed_file_with_its_line(app, runner, officer, tmp_path):
    bad = tmp_path / "bad.pb"
    bad.write_text(CUMULATIVE.replace("v2;c,a", "v2;c,z"))
    result = runner.invoke(args=["pb", "import", str(bad)])
    assert result.exit_code != 0 and "line 16" in result.output
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Round)) == 0
