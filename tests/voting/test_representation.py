"""Who took part: the optional questions after voting, stored apart from the ballot; the
admin's census import (ONS Census 2021 ward tables by age and by sex, columns by header);
the representation page, with groups under ten suppressed and under-represented groups
flagged; and no page, export (Pabulib included) or API that ties an answer to a ballot.

The census tables here are TEST DATA: small tables in the ONS download's shape, made up for
these tests (no ward-level census file is in shared/data)."""

from __future__ import annotations

import io
import re

import pytest

from sqlalchemy import inspect, select

from models import DomainError, Event, Round, db, utcnow
from models.voting.count import count_round
from models.voting.representation import CensusPopulation, RepresentationAnswer, import_census, record_answers
from models.voting.setup import close_round, publish_results
from tests import factories
from tests.factories import post_form
from tests.voting.test_letters import HARLESDEN, Channels, channels, enter_code, vote_with  # noqa: F401

# TEST DATA in the shape of the ONS "create a custom dataset" download for electoral wards.
AGE_HEADER = "Electoral wards and divisions Code,Electoral wards and divisions,Age (6 categories) Code,Age (6 categories),Observation"
AGE_ROWS = [
    ("1", "Aged 15 years and under", 3000), ("2", "Aged 16 to 24 years", 2000), ("3", "Aged 25 to 34 years", 3000),
    ("4", "Aged 35 to 49 years", 3000), ("5", "Aged 50 to 64 years", 1000), ("6", "Aged 65 years and over", 1000),
]
SEX_HEADER = "Electoral wards and divisions Code,Electoral wards and divisions,Sex (2 categories) Code,Sex (2 categories),Observation"


def census_csv(ward_code: str, ward_name: str, sex: bool = False) -> str:
    if sex:
        return "\n".join([SEX_HEADER, f"{ward_code},{ward_name},1,Female,6600", f"{ward_code},{ward_name},2,Male,6400",
                          "E05999999,Somewhere else,1,Female,100"]) + "\n"
    return "\n".join([AGE_HEADER] + [f"{ward_code},{ward_name},{code},{label},{n}" for code, label, n in AGE_ROWS]) + "\n"


def harlesden(app):
    with app.app_context():
        ward = factories.ward_of(HARLESDEN)
        return ward.code, ward.name


def test_an_admin_imports_census_tables_by_age_and_by_sex(app, channels, work_jobs):
    with app.app_context():
        factories.user("admin@example.org", "Ada Admin", role=factories.Role.ADMIN)
        db.session.commit()
    admin = factories.signed_in(app, "admin@example.org")
    code, name = harlesden(app)
    for sex in (False, True):
        upload = (io.BytesIO(census_csv(code, name, sex).encode()), "census.csv")
        response = post_form(admin, "/admin/census", {"file": upload}, content_type="multipart/form-data")
        assert response.status_code == 302
        assert work_jobs() == 0
        page = admin.get(response.headers["Location"]).get_data(as_text=True)
        assert "for 1 wards" in page
    with app.app_context():
        rows = {(row.dimension, row.category): row.population for row in db.session.scalars(select(CensusPopulation))}
    assert rows[("age_band", "16 to 24")] == 2000 and rows[("sex", "Male")] == 6400 and len(rows) == 8
    assert "By sex: 1 ward, 13,000 residents" in admin.get("/admin/census").get_data(as_text=True)
    # Officers and residents cannot import.
    officer = factories.signed_in(app, "officer@example.org")
    assert officer.get("/admin/census").status_code == 403


def test_a_census_file_without_the_columns_is_refused(app, channels):
    with app.app_context():
        with pytest.raises(DomainError, match="needs a ward code column"):
            import_census("Ward,People\nE05013494,12\n")


def test_voters_may_answer_once_and_the_answers_are_kept_apart_from_the_ballot(app, channels):
    voter = app.test_client()
    assert voter.get(f"/rounds/{channels.round}/about-you").status_code == 302  # not before voting
    enter_code(voter, channels.codes[0])
    vote_with(voter, channels.options[:1])
    assert "Answer the questions about you" in voter.get("/vote/done").get_data(as_text=True)
    response = post_form(voter, f"/rounds/{channels.round}/about-you", {
        "age_band": "25 to 34", "sex": "Female", "ethnic_group": "Black, Black British, Black Welsh, Caribbean or African: Caribbean",
        "disability": "No", "first_language": "<script>", "action": "answer",
    })
    assert response.status_code == 302
    with app.app_context():
        [answer] = db.session.scalars(select(RepresentationAnswer)).all()
        assert (answer.age_band, answer.sex, answer.first_language) == ("25 to 34", "Female", None)
        assert answer.answered_on == utcnow().date()
        assert re.fullmatch(r"[0-9a-f]{32}", answer.id)
        columns = {column["name"] for column in inspect(db.engine).get_columns("representation_answers")}
    assert columns == {"id", "round_id", "answered_on", "age_band", "sex", "ethnic_group", "disability", "first_language"}
    # Once only.
    assert voter.get(f"/rounds/{channels.round}/about-you").status_code == 302


def answers(app, round_id: int, n: int, **values):
    with app.app_context():
        round_ = db.session.get(Round, round_id)
        for _ in range(n):
            record_answers(round_, values, utcnow().date())
        db.session.commit()


def test_the_representation_page_compares_with_the_ward_and_suppresses_small_groups(app, channels):
    code, name = harlesden(app)
    with app.app_context():
        import_census(census_csv(code, name))
        import_census(census_csv(code, name, sex=True))
        db.session.commit()
    answers(app, channels.round, 12, age_band="65 and over", sex="Female", disability="No")
    answers(app, channels.round, 9, age_band="16 to 24", sex="Male", disability="Yes, limited a lot")
    officer = factories.signed_in(app, "officer@example.org")
    page = officer.get(f"/officers/rounds/{channels.round}/representation").get_data(as_text=True)
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page))
    assert "21 people answered" in text
    assert "65 and over 12 57% 10%" in text  # 1,000 of the ward's 10,000 aged 16 and over
    assert "16 to 24 fewer than 10 – 20%" in text  # 9 of 21: shown only as fewer than ten
    assert "25 to 34 Under-represented fewer than 10 – 30%" in text  # nobody, against 30% of the ward
    assert "Male fewer than 10 – 49%" in text and "Female 12 57% 51%" in text
    assert "Yes, limited a lot fewer than 10" in text
    # Residents cannot see it.
    with app.app_context():
        factories.user("resident@example.org")
        db.session.commit()
    assert factories.signed_in(app, "resident@example.org").get(f"/officers/rounds/{channels.round}/representation").status_code == 403


def test_no_page_export_or_api_ties_an_answer_to_a_ballot(app, channels):
    distinctive = {"age_band": "50 to 64", "sex": "Male", "ethnic_group": "White: Roma", "disability": "Yes, limited a little",
                   "first_language": "Another language"}
    voter = app.test_client()
    enter_code(voter, channels.codes[0])
    vote_with(voter, channels.options[:1])
    post_form(voter, f"/rounds/{channels.round}/about-you", {**distinctive, "action": "answer"})
    answers(app, channels.round, 11, **distinctive)
    with app.app_context():
        round_ = db.session.get(Round, channels.round)
        close_round(round_, None, utcnow())
        count_round(round_.id)
        officer = db.session.scalar(select(factories.User).where(factories.User.email == "officer@example.org"))
        publish_results(db.session.get(Round, channels.round), officer)
        db.session.commit()
    officer = factories.signed_in(app, "officer@example.org")
    pages = [
        officer.get(f"/rounds/{channels.round}/round.pb"),
        app.test_client().get(f"/rounds/{channels.round}/round.pb"),
        app.test_client().get(f"/api/v1/rounds/{channels.round}"),
        app.test_client().get(f"/rounds/{channels.round}/results"),
        officer.get(f"/officers/rounds/{channels.round}"),
        officer.get(f"/officers/rounds/{channels.round}/channels"),
        officer.get("/officers/audit"),
    ]
    for response in pages:
        assert response.status_code == 200, response.request.path
        body = response.get_data(as_text=True)
        for value in ("Roma", "limited a little", "Another language", "50 to 64"):
            assert value not in body, (response.request.path, value)
    # Only the aggregate page shows answers, and only as totals.
    summary = officer.get(f"/officers/rounds/{channels.round}/representation").get_data(as_text=True)
    assert "Roma" in summary and "ballot" not in summary.lower().replace("ballots", "")
    with app.app_context():
        assert not db.session.scalars(select(Event).where(Event.subject_type == "representation_answers")).all()
        foreign = {fk["referred_table"] for fk in inspect(db.engine).get_foreign_keys("representation_answers")}
    assert foreign == {"rounds"}
