"""The command-line tools, through Flask's CLI runner."""

from __future__ import annotations

from sqlalchemy import func, select

from brokerage.demo import DEMO_PASSWORD, DEMO_USERS
from models import Event, Measure, Membership, Organisation, Postcode, Theme, User, Ward, db
from models.places.themes import BRENT_THEMES
from tests.factories import DATA, count, login

WARDS_FILE = DATA / "drkane_wards_WD25_E09000005.geojson"
POSTCODES_FILE = DATA / "codepoint_open_2025-10_postcode_to_ward_brent_E09000005.csv"


def test_places_import_wards(app, runner):
    result = runner.invoke(args=["places", "import-wards", str(WARDS_FILE)])

    assert result.exit_code == 0, result.output
    assert result.output.strip() == "Wards: 22 created, 0 updated, 0 skipped"
    assert count(app, Ward) == 22

    again = runner.invoke(args=["places", "import-wards", str(WARDS_FILE)])
    assert again.output.strip() == "Wards: 0 created, 0 updated, 0 skipped"
    assert count(app, Ward) == 22


def test_places_import_wards_refuses_a_bad_file(app, runner, tmp_path):
    broken = tmp_path / "broken.geojson"
    broken.write_text('{"type": "FeatureCollection", "features": [')
    latin1 = tmp_path / "latin1.geojson"
    latin1.write_bytes('{"name": "Br\u00e9nt"}'.encode("latin-1"))

    for path, message in ((broken, "The file is not valid GeoJSON"), (latin1, "The file is not UTF-8 text")):
        result = runner.invoke(args=["places", "import-wards", str(path)])
        assert result.exit_code == 1
        assert f"Error: {message}" in result.output
    assert runner.invoke(args=["places", "import-wards", str(tmp_path / "missing.geojson")]).exit_code == 2
    assert count(app, Ward) == 0


def test_places_import_postcodes(app, runner):
    refused = runner.invoke(args=["places", "import-postcodes", str(POSTCODES_FILE)])
    assert refused.exit_code == 1
    assert "Error: Import the wards before the postcodes" in refused.output
    assert count(app, Postcode) == 0

    runner.invoke(args=["places", "import-wards", str(WARDS_FILE)])
    result = runner.invoke(args=["places", "import-postcodes", str(POSTCODES_FILE)])

    assert result.exit_code == 0, result.output
    assert result.output.strip() == "Postcodes: 5902 created, 0 updated, 0 skipped"
    assert count(app, Postcode) == 5902
    with app.app_context():
        assert db.session.get(Postcode, "NW10 8AB").ward.name == "Harlesden & Kensal Green"

    again = runner.invoke(args=["places", "import-postcodes", str(POSTCODES_FILE)])
    assert again.output.strip() == "Postcodes: 0 created, 0 updated, 0 skipped"
    assert count(app, Postcode) == 5902


def test_places_import_postcodes_skips_other_councils(app, runner, tmp_path):
    from tests.factories import SHARED_DATA

    runner.invoke(args=["places", "import-wards", str(WARDS_FILE)])
    tower_hamlets = SHARED_DATA / "postcodes" / "codepoint_open_2025-10_postcode_to_ward_towerhamlets_E09000030.csv"

    result = runner.invoke(args=["places", "import-postcodes", str(tower_hamlets)])

    assert result.exit_code == 0, result.output
    assert result.output.strip() == "Postcodes: 0 created, 0 updated, 5888 skipped (ward not in this council: 5888)"
    assert count(app, Postcode) == 0


def test_themes_seed_is_idempotent(app, runner):
    first = runner.invoke(args=["themes", "seed"])
    second = runner.invoke(args=["themes", "seed"])

    assert first.exit_code == 0 and second.exit_code == 0
    assert first.output.strip() == "Themes: 5 added."
    assert second.output.strip() == "Themes: 0 added."
    with app.app_context():
        names = db.session.scalars(select(Theme.name).order_by(Theme.position)).all()
        assert names == [name for name, _description, _measures in BRENT_THEMES]
        assert names[0] == "Good jobs and fair work"
        assert db.session.scalar(select(func.count()).select_from(Measure)) == sum(
            len(measures) for _name, _description, measures in BRENT_THEMES
        )
        community = db.session.scalar(select(Measure).where(Measure.name == "Community investment"))
        assert (community.unit, community.proxy_value_pence, community.need_kind) == ("£", 100, "cash")


def _row_counts(app) -> dict[str, int]:
    return {
        model.__name__: count(app, model)
        for model in (User, Organisation, Membership, Ward, Postcode, Theme, Measure, Event)
    }


def test_demo_load_is_idempotent_and_its_logins_work(app, runner):
    first = runner.invoke(args=["demo", "load"])
    assert first.exit_code == 0, first.output
    counts = _row_counts(app)
    second = runner.invoke(args=["demo", "load"])
    assert second.exit_code == 0, second.output

    assert _row_counts(app) == counts
    assert counts["User"] == len(DEMO_USERS)
    assert counts["Organisation"] == 6  # five demo organisations and the council, employer of its apprentices
    assert counts["Ward"] == 22 and counts["Postcode"] == 5902 and counts["Theme"] == 5
    assert "Users: 6 added" in first.output and "Organisations: 5 added" in first.output
    assert "Users: 0 added" in second.output and "Organisations: 0 added" in second.output
    assert f"password for all: {DEMO_PASSWORD}" in second.output
    with app.app_context():
        statuses = dict(db.session.execute(select(Organisation.name, Organisation.status)).all())
        assert statuses["Wembley Park Repair Cafe"] == "pending"
        assert statuses["Harlesden Community Food Hub"] == "verified"
        resident = db.session.scalar(select(User).where(User.email == "resident@example.org"))
        assert (resident.postcode, resident.ward.name) == ("NW10 8AB", "Harlesden & Kensal Green")

    officer = app.test_client()
    assert login(officer, "officer@example.org", DEMO_PASSWORD).status_code == 302
    dashboard = officer.get("/officers/")
    assert dashboard.status_code == 200
    assert "1 organisation to verify" in dashboard.get_data(as_text=True)
    admin = app.test_client()
    assert login(admin, "admin@example.org", DEMO_PASSWORD).status_code == 302
    assert admin.get("/admin/").status_code == 200
    wrong = app.test_client()
    assert login(wrong, "officer@example.org", "not-the-demo-password").status_code == 200


def test_demo_load_if_empty_leaves_a_used_database_alone(app, runner, make_user):
    make_user("someone@example.org")

    result = runner.invoke(args=["demo", "load-if-empty"])

    assert result.exit_code == 0
    assert "demo not loaded" in result.output
    assert count(app, Ward) == 0 and count(app, User) == 1


def test_users_create_admin(app, runner):
    result = runner.invoke(
        args=["users", "create-admin", "--email", "Chief@Example.org", "--name", "Chief Admin"],
        input="correct-horse-battery-staple\ncorrect-horse-battery-staple\n",
    )

    assert result.exit_code == 0, result.output
    assert "chief@example.org is an administrator." in result.output
    with app.app_context():
        user = db.session.scalar(select(User))
        assert (user.email, user.role, user.email_verified) == ("chief@example.org", "admin", True)
