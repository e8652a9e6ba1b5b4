"""The planning obligations register from the planning data standard's developer
contributions files (issue 18): three councils' real files in /work/shared/data; only this
council's agreements come in; each bad line is reported by number; importing twice changes
nothing; dd/mm/yyyy, dd/mm/yy and ISO dates."""

from __future__ import annotations

import io
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import func, select

from models import Role, Task, db
from models.planning.imports import import_developer_file, is_councils
from models.planning.models import DeveloperAgreement, DeveloperContribution, DeveloperTransaction
from models.planning.parsing import parse_date, parse_file, purpose_code
from models.contracts.council_buyer import CouncilBuyer
from tests.contracts.ocds_files import council_is
from tests.factories import login, post_form

DATA = Path("/work/shared/data/developer-contributions")
if not DATA.exists():  # the repository's copy of the shared data
    DATA = Path(__file__).resolve().parents[1] / "data" / "developer-contributions"

SOUTH_HAMS = "GB-LAE-SHA"


def real(name: str) -> bytes:
    return (DATA / name).read_bytes()


def counts() -> tuple[int, int, int]:
    return tuple(
        db.session.scalar(select(func.count()).select_from(model))
        for model in (DeveloperAgreement, DeveloperContribution, DeveloperTransaction)
    )


# Test data standing in for a file we lack: transactions against South Hams's real
# contributions (the real transaction files are two unnamed councils', for other agreements).
SOUTH_HAMS_TRANSACTIONS = b"""developer-agreement-transaction,developer-agreement-contribution,contribution-funding-status,amount,units,entry-date,start-date,end-date
1,0146/18/FUL,received,12920,,20/12/2019,2020-01-15,
2,0146/18/FUL,spent,5000.50,,20/12/2019,03/03/2021,
3,0146/18/FUL,received,-40,,20/12/2019,2020-01-15,
4,0146/18/FUL,received,lots,,20/12/2019,2020-01-15,
5,9999/99/FUL,received,100,,20/12/2019,2020-01-15,
6,0146/18/FUL,paid,100,,20/12/2019,2020-01-15,
"""


def test_dates_in_both_forms_and_two_digit_years():
    assert parse_date("20/12/2019") == parse_date("2019-12-20") == parse_date("20/12/19") == date(2019, 12, 20)
    assert parse_date("") is None
    with pytest.raises(ValueError):
        parse_date("December 2019")


def test_purposes_as_councils_write_them():
    assert purpose_code("OSSR ") == "open-space-and-leisure"
    assert purpose_code("Health care ") == "health"
    assert purpose_code("open-space-and-leisure") == "open-space-and-leisure"
    assert purpose_code("Affordable Housing - Units On Site") == "affordable-housing"
    assert purpose_code("Tramway Interpretation") == "other"


def test_a_planning_organisation_is_the_council_by_its_identifier():
    council = CouncilBuyer(ids=("GB-LAE-SHA",))
    assert is_councils("local-authority-eng:SHA", council)
    assert not is_councils("local-authority-eng:WDE", council)
    assert not is_councils("", council)


def test_real_files_import_once_and_another_councils_agreements_are_reported(ctx):
    council_is(ids=[SOUTH_HAMS])
    report = import_developer_file(real("south_hams_developer-agreement.csv"))
    db.session.commit()
    assert report.created == 13 and report.skipped == 0
    # West Devon's agreements are another council's: each is reported, none imported.
    other = import_developer_file(real("west_devon_developer-agreement.csv"))
    assert other.created == 0 and other.skipped == 7
    assert "local-authority-eng:WDE" in other.problems[0].message and other.problems[0].line == 2
    contributions = import_developer_file(real("south_hams_developer-agreement-contribution.csv"))
    db.session.commit()
    assert contributions.created == 23 and contributions.skipped == 0
    before = counts()
    again = [import_developer_file(real(name)) for name in
             ("south_hams_developer-agreement.csv", "south_hams_developer-agreement-contribution.csv")]
    db.session.commit()
    assert counts() == before
    assert [r.created for r in again] == [0, 0] and [r.unchanged for r in again] == [13, 23]
    # Open space and leisure ("OSSR", "Off Site Play Contribution") is social value.
    play = db.session.scalar(select(DeveloperContribution).where(DeveloperContribution.reference == "0146/18/FUL"))
    assert play.is_social and play.amount_pence == 12_920_00
    agreement = db.session.scalar(select(DeveloperAgreement).where(DeveloperAgreement.reference == "0146/18/FUL-IFSDA"))
    assert agreement.entry_date == agreement.start_date == date(2019, 12, 20)


def test_contributions_for_unknown_agreements_and_bad_transactions_are_reported_by_line(ctx):
    council_is(ids=[SOUTH_HAMS])
    # West Devon's contributions refer to agreements that were not imported.
    orphans = import_developer_file(real("west_devon_developer-agreement-contribution.csv"))
    assert orphans.created == 0 and orphans.skipped == 12
    assert "1484/17/OPA-IFSDA, which has not been imported" in orphans.problems[0].message
    import_developer_file(real("south_hams_developer-agreement.csv"))
    import_developer_file(real("south_hams_developer-agreement-contribution.csv"))
    report = import_developer_file(SOUTH_HAMS_TRANSACTIONS)
    db.session.commit()
    assert report.created == 2
    reasons = {problem.line: problem.message for problem in report.problems}
    assert "negative" in reasons[4]
    assert "not a number" in reasons[5]
    assert "9999/99/FUL, which has not been imported" in reasons[6]
    assert "funding status" in reasons[7]
    # The same transactions again: nothing new.
    again = import_developer_file(SOUTH_HAMS_TRANSACTIONS)
    db.session.commit()
    assert again.created == 0 and again.unchanged == 2
    assert counts()[2] == 2


def test_the_real_transaction_files_have_negative_amounts_reported(ctx):
    parsed = parse_file(real("unknown_council_b_developer-agreement-transaction.csv"))
    assert [problem.line for problem in parsed.problems if "negative" in problem.message][:3] == [10, 11, 12]


def test_a_file_that_is_not_developer_contributions_is_refused(ctx):
    with pytest.raises(ValueError, match="not a developer contributions file"):
        import_developer_file(b"name,amount\nx,1\n")


@pytest.fixture
def officer(app, make_user):
    make_user("officer@example.org", "Oona Officer", role=Role.OFFICER)
    with app.app_context():
        council_is(ids=[SOUTH_HAMS])
    client = app.test_client()
    assert login(client, "officer@example.org").status_code == 302
    return client


def upload(client, data: bytes, filename: str):
    return post_form(client, "/officers/planning-obligations/import", {"file": (io.BytesIO(data), filename)},
                     form_url="/officers/planning-obligations/import", content_type="multipart/form-data")


def test_an_officer_imports_the_files_as_jobs_on_the_low_queue(app, officer, work_jobs):
    response = upload(officer, real("south_hams_developer-agreement.csv"), "agreements.csv")
    assert response.status_code == 302
    task_id = response.headers["Location"].rsplit("/", 1)[1]
    work_jobs()
    page = officer.get(f"/officers/planning-obligations/import/{task_id}").get_data(as_text=True)
    assert "13 created, 0 already there, 0 skipped" in page
    upload(officer, real("south_hams_developer-agreement-contribution.csv"), "contributions.csv")
    upload(officer, SOUTH_HAMS_TRANSACTIONS, "transactions.csv")
    work_jobs()
    with app.app_context():
        assert counts() == (13, 23, 2)
        task = db.session.scalar(select(Task).order_by(Task.created_at.desc(), Task.id.desc()).limit(1))
        assert task.status == "finished"
    register = officer.get("/officers/planning-obligations").get_data(as_text=True)
    assert "0146/18/FUL-IFSDA" in register and "Social value" in register and "£12,920" in register


def test_the_upload_form_keeps_its_messages_beside_the_field(officer):
    response = upload(officer, b"x", "agreements.txt")
    assert response.status_code == 400
    assert "The file must be a CSV (.csv)" in response.get_data(as_text=True)


def test_residents_cannot_import(app, make_user):
    make_user("resident@example.org", "Rita Resident")
    client = app.test_client()
    login(client, "resident@example.org")
    assert client.get("/officers/planning-obligations/import").status_code in (302, 403)
