"""Administrators configure the council: its name, themes and measures, wards and
postcodes (uploaded, imported by a job), and roles. Officers and residents are kept out."""

from __future__ import annotations

import html
import io
import re
from pathlib import Path

import pytest
from sqlalchemy import select

from models import Event, Measure, Postcode, Role, Task, Theme, User, Ward, db
from tests.factories import DATA, count, post_form, signed_in

WARDS_FILE = DATA / "drkane_wards_WD25_E09000005.geojson"
POSTCODES_FILE = DATA / "codepoint_open_2025-10_postcode_to_ward_brent_E09000005.csv"


@pytest.fixture
def admin(app, make_user):
    make_user("admin@example.org", "Ada Admin", role=Role.ADMIN)
    return signed_in(app, "admin@example.org")


def field_error(page: str, field: str) -> str | None:
    match = re.search(rf'<p id="{field}-error" class="govuk-error-message">(.*?)</p>', page, re.S)
    if not match:
        return None
    return html.unescape(re.sub(r"<[^>]+>", "", match.group(1))).replace("Error:", "").strip()


def upload(client, url: str, content: bytes, filename: str, form_url: str = "/admin/wards", **kwargs):
    return post_form(
        client,
        url,
        {"file": (io.BytesIO(content), filename)},
        form_url=form_url,
        content_type="multipart/form-data",
        **kwargs,
    )


# Settings ------------------------------------------------------------------


SETTINGS = {
    "council_name": "Brent Council",
    "live_need_cap": "5",
    "tier_basic_from": "215,000",
    "tier_kpi_from": "1,000,000",
    "tier_strategic_over": "5,000,000",
    "at_risk_days": "60",
    "at_risk_percent": "75",
    "return_months_none": "12",
    "return_months_basic": "12",
    "return_months_kpi": "6",
    "return_months_strategic": "3",
    "return_due_days": "30",
    "return_remind_days": "14",
    "rating_good_percent": "100",
    "rating_approaching_percent": "85",
    "rating_requires_improvement_percent": "60",
}


def test_council_name_is_shown_in_the_header(app, client, admin):
    assert ">Brent Council</a>" in client.get("/").get_data(as_text=True)

    response = post_form(admin, "/admin/settings", {**SETTINGS, "council_name": "  London Borough of Brent  ", "live_need_cap": "7"})

    assert response.status_code == 302
    page = client.get("/").get_data(as_text=True)
    assert '<a class="app-header__council" href="/">London Borough of Brent</a>' in page
    assert "– London Borough of Brent</title>" in page
    with app.app_context():
        event = db.session.scalar(select(Event).where(Event.action == "settings.changed"))
        assert event.detail["council_name"] == "London Borough of Brent"
        assert event.detail["live_need_cap"] == "7"
        from models.needs.rules import live_need_cap

        assert live_need_cap() == 7


@pytest.mark.parametrize("value", ["0", "-3", "101", "many", ""])
def test_live_need_cap_must_be_a_sensible_whole_number(app, admin, value):
    response = post_form(admin, "/admin/settings", {**SETTINGS, "live_need_cap": value})
    assert response.status_code == 200
    assert field_error(response.get_data(as_text=True), "live_need_cap")
    with app.app_context():
        from models.needs.rules import live_need_cap

        assert live_need_cap() == 5


def test_how_early_suppliers_are_reminded_of_a_return_is_the_councils_to_set(app, admin):
    from models.returns.reminders import REMIND_DAYS, remind_days

    with app.app_context():
        assert remind_days() == REMIND_DAYS == 14
    assert 'name="return_remind_days" type="text" value="14"' in admin.get("/admin/settings").get_data(as_text=True)
    response = post_form(admin, "/admin/settings", {**SETTINGS, "return_remind_days": "30"})
    assert response.status_code == 302
    with app.app_context():
        assert remind_days() == 30
        event = db.session.scalar(select(Event).where(Event.action == "settings.changed"))
        assert event.detail["return_remind_days"] == "30"


@pytest.mark.parametrize("value", ["0", "91", "soon", ""])
def test_the_return_reminder_days_must_be_a_sensible_whole_number(app, admin, value):
    response = post_form(admin, "/admin/settings", {**SETTINGS, "return_remind_days": value})
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert field_error(page, "return_remind_days")
    assert f'name="return_remind_days" type="text" value="{value}"' in page  # what they typed is kept
    with app.app_context():
        from models.returns.reminders import remind_days

        assert remind_days() == 14


def test_tier_thresholds_and_at_risk_rule_are_the_councils_to_set(app, admin, make_user, make_organisation):
    from datetime import date, timedelta

    from models import OrganisationKind, Role, User
    from models.contracts.rules import CommitmentDetails, ContractDetails, add_commitment, record_contract
    from models.places.themes import Measure, seed_themes
    from models.contracts.tiers import Tier

    seller = make_user("seller@example.org")
    supplier = make_organisation(seller, kind=OrganisationKind.SUPPLIER, name="Builders Ltd")
    with app.app_context():
        seed_themes()
        officer = db.session.scalar(select(User).where(User.role == Role.ADMIN.value))
        contract = record_contract(ContractDetails("T-1", "Roads", None, supplier, 300_000_00, None, None), officer)
        measure_id = db.session.scalar(select(Measure.id))
        commitment = add_commitment(contract, officer, CommitmentDetails(measure_id, 100, date.today() + timedelta(days=90)))
        db.session.commit()
        contract_id, commitment_id = contract.id, commitment.id
        assert contract.tier() == Tier.BASIC and commitment.status().value == "on_track"

    response = post_form(admin, "/admin/settings", {**SETTINGS, "tier_basic_from": "400,000", "at_risk_days": "120"})
    assert response.status_code == 302
    with app.app_context():
        from models import Commitment, Contract

        assert db.session.get(Contract, contract_id).tier() == Tier.NONE
        assert db.session.get(Commitment, commitment_id).status().value == "at_risk"


@pytest.mark.parametrize(
    "field,value,message",
    [
        ("tier_kpi_from", "100,000", "The thresholds must rise"),
        ("tier_basic_from", "-5", "The threshold cannot be negative"),
        ("tier_strategic_over", "lots", "Enter an amount in pounds"),
        ("at_risk_percent", "150", "Enter a percentage between 1 and 100"),
    ],
)
def test_settings_refuse_thresholds_that_make_no_sense(app, admin, field, value, message):
    response = post_form(admin, "/admin/settings", {**SETTINGS, field: value})
    assert response.status_code == 200
    assert message in response.get_data(as_text=True)
    with app.app_context():
        from models.contracts.models import council_thresholds

        assert council_thresholds().basic_from_pence == 215_000_00


def test_council_name_is_required(app, client, admin):
    response = post_form(admin, "/admin/settings", {**SETTINGS, "council_name": ""})

    assert response.status_code == 200
    assert field_error(response.get_data(as_text=True), "council_name") == "Enter the council's name"
    assert ">Brent Council</a>" in client.get("/").get_data(as_text=True)


# Themes and measures -------------------------------------------------------


def test_admin_creates_and_edits_a_theme(app, admin):
    response = post_form(
        admin, "/admin/themes/new", {"name": "Digital inclusion", "description": "Laptops and skills", "active": "y"}
    )
    assert response.status_code == 302
    with app.app_context():
        theme = db.session.scalar(select(Theme).where(Theme.name == "Digital inclusion"))
        assert (theme.slug, theme.description, theme.active) == ("digital-inclusion", "Laptops and skills", True)
        theme_id = theme.id
    assert "Digital inclusion" in admin.get("/admin/themes").get_data(as_text=True)

    # Unticking "active" and renaming.
    response = post_form(admin, f"/admin/themes/{theme_id}", {"name": "Digital skills", "description": "Skills"})
    assert response.status_code == 302
    with app.app_context():
        theme = db.session.get(Theme, theme_id)
        assert (theme.name, theme.slug, theme.description, theme.active) == (
            "Digital skills",
            "digital-skills",
            "Skills",
            False,
        )
        actions = db.session.scalars(select(Event.action).where(Event.subject_type == "themes").order_by(Event.id)).all()
        assert actions == ["theme.created", "theme.updated"]
    assert admin.get("/admin/themes/999999").status_code == 404


def test_duplicate_theme_name_is_refused(app, admin):
    post_form(admin, "/admin/themes/new", {"name": "Digital inclusion", "description": "", "active": "y"})
    post_form(admin, "/admin/themes/new", {"name": "Green spaces", "description": "", "active": "y"})

    response = post_form(admin, "/admin/themes/new", {"name": "digital INCLUSION", "description": "", "active": "y"})
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert field_error(page, "name") == "A theme with this name already exists"
    assert 'value="digital INCLUSION"' in page
    assert count(app, Theme) == 2

    # Renaming one theme to another's name is refused too.
    with app.app_context():
        green = db.session.scalar(select(Theme.id).where(Theme.name == "Green spaces"))
    response = post_form(admin, f"/admin/themes/{green}", {"name": "Digital inclusion", "description": "", "active": "y"})
    assert field_error(response.get_data(as_text=True), "name") == "A theme with this name already exists"
    with app.app_context():
        assert db.session.get(Theme, green).name == "Green spaces"


@pytest.fixture
def theme_id(app, admin):
    post_form(admin, "/admin/themes/new", {"name": "Good jobs", "description": "", "active": "y"})
    with app.app_context():
        return db.session.scalar(select(Theme.id))


def measure_form(theme_id: int, **overrides) -> dict:
    return {
        "theme_id": str(theme_id),
        "name": "Volunteer hours",
        "unit": "hours",
        "proxy_value": "15.50",
        "need_kind": "volunteering",
        "active": "y",
        **overrides,
    }


def test_measure_proxy_value_is_stored_in_pence(app, admin, theme_id):
    response = post_form(admin, "/admin/measures/new", measure_form(theme_id))

    assert response.status_code == 302
    with app.app_context():
        measure = db.session.scalar(select(Measure))
        assert (measure.theme_id, measure.name, measure.unit, measure.proxy_value_pence, measure.need_kind) == (
            theme_id,
            "Volunteer hours",
            "hours",
            1550,
            "volunteering",
        )
        measure_id = measure.id
    assert "£15.50" in admin.get("/admin/themes").get_data(as_text=True)
    # The edit form shows it back in pounds; clearing it removes the proxy value.
    assert 'value="15.50"' in admin.get(f"/admin/measures/{measure_id}").get_data(as_text=True)
    response = post_form(admin, f"/admin/measures/{measure_id}", measure_form(theme_id, proxy_value="", need_kind=""))
    assert response.status_code == 302
    with app.app_context():
        measure = db.session.get(Measure, measure_id)
        assert (measure.proxy_value_pence, measure.need_kind) == (None, None)


@pytest.mark.parametrize(
    "value, message",
    [
        ("-1", "The proxy value cannot be negative"),
        ("-0.01", "The proxy value cannot be negative"),
        ("abc", "Enter an amount in pounds, like 15.50"),
        ("1.234", "Enter pounds and pence only, like 15.50"),
        ("2000000", "The proxy value must be £1,000,000 or less"),
        ("NaN", "Enter an amount in pounds, like 15.50"),
        ("Infinity", "Enter an amount in pounds, like 15.50"),
    ],
)
def test_bad_proxy_values_are_explained_beside_the_field(app, admin, theme_id, value, message):
    response = post_form(admin, "/admin/measures/new", measure_form(theme_id, proxy_value=value))

    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert field_error(page, "proxy_value") == message
    assert f'value="{value}"' in page
    assert 'value="Volunteer hours"' in page
    assert count(app, Measure) == 0


def test_proxy_value_accepts_pound_sign_and_commas(app, admin, theme_id):
    response = post_form(admin, "/admin/measures/new", measure_form(theme_id, proxy_value="£1,250.5"))

    assert response.status_code == 302
    with app.app_context():
        assert db.session.scalar(select(Measure.proxy_value_pence)) == 125050


def test_duplicate_measure_name_in_a_theme_is_refused(app, admin, theme_id):
    post_form(admin, "/admin/measures/new", measure_form(theme_id))

    response = post_form(admin, "/admin/measures/new", measure_form(theme_id, name="VOLUNTEER hours"))

    assert field_error(response.get_data(as_text=True), "name") == "This theme already has a measure with this name"
    assert count(app, Measure) == 1


# Wards and postcodes -------------------------------------------------------


def test_ward_upload_is_imported_by_a_job(app, admin, work_jobs):
    response = upload(admin, "/admin/wards", WARDS_FILE.read_bytes(), "brent_wards.geojson")

    assert response.status_code == 302
    task_id = response.headers["Location"].rsplit("/", 1)[1]
    with app.app_context():
        task = db.session.get(Task, task_id)
        assert (task.name, task.status, task.description) == ("wards_import", "queued", "Wards from brent_wards.geojson")
    assert count(app, Ward) == 0
    waiting = admin.get(f"/admin/tasks/{task_id}").get_data(as_text=True)
    assert "The import is queued" in waiting
    assert 'http-equiv="refresh"' not in waiting and "Check progress" in waiting

    assert work_jobs() == 0

    assert count(app, Ward) == 22
    with app.app_context():
        task = db.session.get(Task, task_id)
        assert task.status == "finished"
        assert task.result == {"created": 22, "updated": 0, "skipped": 0, "reasons": {}}
        alperton = db.session.scalar(select(Ward).where(Ward.code == "E05013496"))
        assert alperton.name == "Alperton"
        assert alperton.geometry["type"] in ("Polygon", "MultiPolygon")
    page = admin.get(f"/admin/tasks/{task_id}").get_data(as_text=True)
    assert "Import finished" in page
    assert "22 created, 0 updated, 0 skipped" in page
    assert 'http-equiv="refresh"' not in page
    wards_page = admin.get("/admin/wards").get_data(as_text=True)
    assert "22 wards" in wards_page and "Harlesden &amp; Kensal Green" in wards_page
    # The uploaded file is removed once imported.
    assert list((Path(app.config["UPLOAD_DIR"]) / "imports").glob("*")) == []


def test_malformed_ward_file_fails_the_task_with_a_clear_message(app, admin, work_jobs):
    response = upload(admin, "/admin/wards", b'{"type": "FeatureCollection", "features": [', "broken.geojson")
    task_id = response.headers["Location"].rsplit("/", 1)[1]

    work_jobs()

    with app.app_context():
        task = db.session.get(Task, task_id)
        assert task.status == "failed"
        assert task.error.startswith("The file is not valid GeoJSON")
    assert count(app, Ward) == 0
    page = admin.get(f"/admin/tasks/{task_id}").get_data(as_text=True)
    assert "The import failed" in page
    assert "The file is not valid GeoJSON" in page
    assert "Nothing was changed." in page


def test_ward_file_that_is_not_utf8_fails_the_task(app, admin, work_jobs):
    content = '{"type": "FeatureCollection", "features": [], "name": "Br\u00e9nt"}'.encode("latin-1")
    response = upload(admin, "/admin/wards", content, "latin1.geojson")
    task_id = response.headers["Location"].rsplit("/", 1)[1]

    work_jobs()

    with app.app_context():
        task = db.session.get(Task, task_id)
        assert task.status == "failed"
        assert "UTF-8" in task.error
    assert "The import failed" in admin.get(f"/admin/tasks/{task_id}").get_data(as_text=True)


def test_ward_upload_must_be_geojson(app, admin):
    response = upload(admin, "/admin/wards", WARDS_FILE.read_bytes(), "wards.txt")

    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert field_error(page, "file") == "The file must be GeoJSON (.geojson or .json)"
    assert count(app, Task) == 0

    response = post_form(admin, "/admin/wards", {}, content_type="multipart/form-data")
    assert field_error(response.get_data(as_text=True), "file") == "Select a GeoJSON file"
    assert count(app, Task) == 0


def test_postcode_upload_after_wards(app, admin, work_jobs):
    upload(admin, "/admin/wards", WARDS_FILE.read_bytes(), "wards.geojson")
    work_jobs()
    lines = POSTCODES_FILE.read_bytes().splitlines(keepends=True)
    # The first 200 Brent postcodes and a Tower Hamlets one, which is skipped.
    content = b"".join(lines[:201]) + b"E1 0AA,10,535267,181084,E92000001,E19000003,E18000007,,E09000030,E05009332,Tower Hamlets,Shadwell,51.512497,-0.052098\n"

    response = upload(admin, "/admin/postcodes", content, "postcodes.csv")

    assert response.status_code == 302
    task_id = response.headers["Location"].rsplit("/", 1)[1]
    work_jobs()
    with app.app_context():
        task = db.session.get(Task, task_id)
        assert task.status == "finished", task.error
        assert task.result == {"created": 200, "updated": 0, "skipped": 1, "reasons": {"ward not in this council": 1}}
        assert db.session.get(Postcode, "HA0 1AB").ward.name == "Alperton"
    assert count(app, Postcode) == 200
    page = admin.get(f"/admin/tasks/{task_id}").get_data(as_text=True)
    assert "200 created, 0 updated, 1 skipped" in page
    assert "ward not in this council: 1" in page
    assert "200 postcodes" in admin.get("/admin/").get_data(as_text=True)


def test_postcode_upload_before_wards_fails_clearly(app, admin, work_jobs):
    response = upload(admin, "/admin/postcodes", POSTCODES_FILE.read_bytes()[:2000], "postcodes.csv")
    task_id = response.headers["Location"].rsplit("/", 1)[1]

    work_jobs()

    with app.app_context():
        task = db.session.get(Task, task_id)
        assert (task.status, task.error) == ("failed", "Import the wards before the postcodes")
    assert count(app, Postcode) == 0


def test_postcode_upload_must_be_csv(app, admin):
    response = upload(admin, "/admin/postcodes", b"pcds,ward_code\n", "postcodes.xlsx")

    assert response.status_code == 400
    assert field_error(response.get_data(as_text=True), "file") == "The file must be a CSV"
    assert count(app, Task) == 0


def test_unknown_task_is_404(admin):
    assert admin.get("/admin/tasks/not-a-task").status_code == 404


# Roles ---------------------------------------------------------------------


def test_the_list_of_people_shows_their_memberships(app, make_user, make_organisation, admin):
    from models import OrganisationKind

    owner = make_user("owner@example.org", "Olu Owner")
    make_organisation(owner, name="Harlesden Food Hub")
    seller = make_user("seller@example.org", "Sid Seller")
    make_organisation(seller, kind=OrganisationKind.SUPPLIER, name="Northwest Facilities", registration_number="09000001")
    make_user("resident@example.org", "Rae Resident")
    page = admin.get("/admin/users").get_data(as_text=True)
    assert "Owner of Harlesden Food Hub (community group)" in page
    assert "Owner of Northwest Facilities (supplier)" in page
    assert page.count(">Resident</td>") == 1  # only the one who belongs to no organisation


def test_admin_changes_a_role(app, make_user, admin):
    person = make_user("person@example.org", "Pat Person")
    person_client = signed_in(app, "person@example.org")
    assert person_client.get("/officers/").status_code == 403

    assert "Pat Person" in admin.get("/admin/users?q=pat").get_data(as_text=True)
    response = post_form(admin, f"/admin/users/{person}", {"role": "officer"})

    assert response.status_code == 302
    with app.app_context():
        user = db.session.get(User, person)
        assert user.role == "officer"
        event = db.session.scalar(select(Event).where(Event.action == "user.role_changed"))
        assert (event.subject_id, event.from_state, event.to_state) == (str(person), "resident", "officer")
    # The role change signs the person out everywhere (their session id rotates).
    assert person_client.get("/officers/").status_code == 302
    assert signed_in(app, "person@example.org").get("/officers/").status_code == 200


def test_admin_cannot_remove_their_own_admin_role(app, admin):
    with app.app_context():
        me = db.session.scalar(select(User.id).where(User.email == "admin@example.org"))

    response = post_form(admin, f"/admin/users/{me}", {"role": "officer"})

    assert response.status_code == 200
    assert field_error(response.get_data(as_text=True), "role") == "You cannot remove your own administrator role"
    with app.app_context():
        assert db.session.get(User, me).role == "admin"
    assert admin.get("/admin/").status_code == 200


def test_unknown_role_is_refused(app, make_user, admin):
    person = make_user("person@example.org")

    response = post_form(admin, f"/admin/users/{person}", {"role": "superuser"})

    assert response.status_code == 200
    with app.app_context():
        assert db.session.get(User, person).role == "resident"


ADMIN_PAGES = [
    ("get", "/admin/", None),
    ("get", "/admin/settings", None),
    ("post", "/admin/settings", {"council_name": "Hacked Council"}),
    ("get", "/admin/wards", None),
    ("post", "/admin/wards", {"file": "wards"}),
    ("post", "/admin/postcodes", {"file": "postcodes"}),
    ("get", "/admin/themes", None),
    ("get", "/admin/themes/new", None),
    ("post", "/admin/themes/new", {"name": "Hacked theme"}),
    ("get", "/admin/measures/new", None),
    ("get", "/admin/users", None),
    ("get", "/admin/users/{me}", None),
    ("post", "/admin/users/{me}", {"role": "admin"}),
]


@pytest.mark.parametrize("role", [Role.OFFICER, Role.RESIDENT])
def test_officers_and_residents_cannot_administer(app, client, make_user, role):
    me = make_user("officer@example.org", role=role)
    intruder = signed_in(app, "officer@example.org")

    for method, url, data in ADMIN_PAGES:
        url = url.format(me=me)
        if method == "get":
            response = intruder.get(url)
        elif "file" in data:
            response = upload(intruder, url, WARDS_FILE.read_bytes()[:100], f"{data['file']}.csv", form_url="/organisations/")
        else:
            response = post_form(intruder, url, data, form_url="/organisations/")
        assert response.status_code == 403, (method, url)

    with app.app_context():
        assert db.session.get(User, me).role == role.value
    assert count(app, Task) == 0
    assert count(app, Theme) == 0
    assert ">Brent Council</a>" in client.get("/").get_data(as_text=True)
    # And anonymous people are sent to sign in.
    assert client.get("/admin/").status_code == 302
