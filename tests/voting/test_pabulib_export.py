"""What a round's Pabulib export says (pabulib.org/format): `selected` is the official outcome and
nothing else; `category` is the subject (the theme), not the group that asked; a knapsack
round's minimum spend is `min_sum_cost`; an imported file's own columns come back as published."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from models import Organisation, Role, Round, User, db, utcnow
from models.needs.rules import NeedDetails, create_need, publish_need, submit_need
from models.places.themes import Theme, seed_themes
from models.voting.ballots import enter_paper_batch
from models.voting.count import count_round
from models.voting.pabulib import parse_pb
from models.voting.round_pabulib import export_round_pb, import_pb_round
from models.voting.setup import RoundFields, add_item_option, add_need_options, close_round, create_round, open_round, publish_results
from tests.factories import SHARED_DATA

PB_DATA = SHARED_DATA / "pb"
ASSEN = PB_DATA / "Netherlands_Assen_2024.pb"
MOKOTOW = PB_DATA / "Poland_Warszawa_2023_Mokotow.pb"
SWIECIE = PB_DATA / "Poland_Swiecie_2023.pb"
CHICAGO = PB_DATA / "US_Stanford_Dataset_PB_Chicago_33rd_Ward_2020_vote_approvals.pb"


@pytest.fixture
def officer(make_user):
    return make_user("officer@example.org", "Oona Officer", role=Role.OFFICER)


def _import(app, officer: int, path, count: bool = True) -> int:
    with app.app_context():
        report = import_pb_round(path.read_bytes(), db.session.get(User, officer))
        if count:
            count_round(report.round_id)
        db.session.commit()
        return report.round_id


def _export(app, round_id: int):
    with app.app_context():
        return parse_pb(export_round_pb(db.session.get(Round, round_id), "secret"))


def _selected(election) -> set[str]:
    return {project.project_id for project in election.projects if project.extra.get("selected") == "1"}


# Imported files ---------------------------------------------------------------------------------


@pytest.mark.parametrize("path, recount", [(ASSEN, "equal-shares-add1"), (SWIECIE, "greedy")], ids=["assen", "swiecie"])
def test_an_imported_file_exports_its_own_selected_and_rule_not_our_recount(app, officer, path, recount):
    """Assen published 9 projects under equal shares with add-one, which, recounted, funds 10;
    Świecie used equal shares with add-one, and greedy would fund another set. The round holds
    those recounts; the export shows what was published."""
    original = parse_pb(path.read_bytes())
    round_id = _import(app, officer, path)
    with app.app_context():
        recounted = {o.external_id for o in db.session.get(Round, round_id).options if o.selected_under(recount)}

    exported = _export(app, round_id)

    assert exported.meta["rule"] == original.meta["rule"] == "equalshares/add1"
    assert _selected(exported) == _selected(original)
    assert recounted != _selected(original)


def test_a_file_that_published_no_outcome_exports_none(app, officer):
    round_id = _import(app, officer, CHICAGO)  # "rule;unknown", no selected column

    exported = _export(app, round_id)

    assert exported.meta["rule"] == "unknown"
    assert all("selected" not in project.extra for project in exported.projects)
    assert "selected" not in export_text(app, round_id).split("VOTES")[0]


def export_text(app, round_id: int) -> str:
    with app.app_context():
        return export_round_pb(db.session.get(Round, round_id), "secret")


@pytest.mark.parametrize("path", [ASSEN, MOKOTOW], ids=["assen", "mokotow"])
def test_every_project_column_survives_a_round_trip(app, officer, path):
    """Assen's descriptions, Mokotów's categories, beneficiaries and coordinates: as published."""
    original = parse_pb(path.read_bytes())
    round_id = _import(app, officer, path, count=False)

    exported = _export(app, round_id)

    assert [(p.project_id, p.cost, p.name, p.extra) for p in exported.projects] == [
        (p.project_id, p.cost, p.name, p.extra) for p in original.projects
    ]
    assert {key: value for key, value in exported.meta.items()} == original.meta
    first = exported.projects[0].extra
    assert ("description" in first) if path == ASSEN else (first["category"] == "public space,urban greenery,environmental protection")


def test_an_imported_category_is_not_shown_as_the_group_that_asked(app, officer):
    round_id = _import(app, officer, PB_DATA / "Netherlands_Amsterdam_309.pb", count=False)
    with app.app_context():
        round_ = db.session.get(Round, round_id)
        assert {option.group_name for option in round_.options} == {""}
        assert round_.options[0].source_fields["category"] == "Groen en Duurzaam"


# Platform rounds --------------------------------------------------------------------------------


@pytest.fixture
def platform_round(app, officer, make_user, make_organisation):
    """A borough-wide round: two needs from a group (under a theme) and an officer's own item,
    with three paper ballots."""
    owner = make_user("group@example.org", "Gita Group")
    group = make_organisation(owner, name="Harlesden Food Hub", officer_id=officer)
    with app.app_context():
        seed_themes()
        theme = db.session.scalar(select(Theme).order_by(Theme.position))
        officer_user, owner_user = db.session.get(User, officer), db.session.get(User, owner)
        needs = []
        for title, pounds in (("Community fridge", 3_000), ("Allotment tools", 5_000)):
            details = NeedDetails(
                title=title,
                summary=f"{title} for the community",
                description=f"{title}: what it pays for.",
                kind="cash",
                quantity=pounds,
                unit="pounds",
                value_pence=pounds * 100,
                ward_id=None,
                theme_id=theme.id,
                beneficiaries=50,
                deadline=date.today() + timedelta(days=90),
            )
            need = create_need(db.session.get(Organisation, group), owner_user, details, date.today())
            submit_need(need, owner_user, date.today())
            publish_need(need, officer_user, date.today())
            needs.append(need)
        now = utcnow()
        round_ = create_round(
            officer_user,
            RoundFields("Borough priorities", "", None, 6_000_50, now - timedelta(hours=1), now + timedelta(days=1), "approval", 2, None, "greedy"),
        )
        add_need_options(round_, officer_user, needs)
        add_item_option(round_, officer_user, "Benches", "Two benches by the pond", 2_000_25)
        open_round(round_, officer_user, now)
        enter_paper_batch(round_, officer_user, "B1", "1, 2\n1, 3\n1\n", now)
        db.session.commit()
        return round_.id, theme.name


def _close_and_count(app, officer: int, round_id: int) -> None:
    with app.app_context():
        close_round(db.session.get(Round, round_id), db.session.get(User, officer), utcnow())
        count_round(round_id)
        db.session.commit()


def test_a_platform_round_writes_selected_only_once_its_results_are_published(app, officer, platform_round):
    round_id, _ = platform_round
    assert "selected" not in export_text(app, round_id).split("VOTES")[0]  # open
    _close_and_count(app, officer, round_id)
    assert "selected" not in export_text(app, round_id).split("VOTES")[0]  # counted, not published
    with app.app_context():
        publish_results(db.session.get(Round, round_id), db.session.get(User, officer))
        db.session.commit()
        winners = {option.key for option in db.session.get(Round, round_id).options if option.won}

    exported = _export(app, round_id)

    assert exported.meta["rule"] == "greedy"
    assert _selected(exported) == winners == {"1", "3"}  # greedy: the fridge (3 votes), then the benches
    assert {project.project_id: project.extra["selected"] for project in exported.projects} == {"1": "1", "2": "0", "3": "1"}


def test_category_is_the_theme_and_descriptions_and_exact_amounts_are_kept(app, officer, platform_round):
    round_id, theme = platform_round

    text = export_text(app, round_id)
    exported = parse_pb(text)

    assert [project.extra["category"] for project in exported.projects] == [theme, theme, ""]  # the item has none
    assert "Harlesden Food Hub" not in text
    assert exported.projects[2].extra["description"] == "Two benches by the pond"
    assert exported.projects[0].extra["description"] == "Community fridge: what it pays for."
    assert exported.budget == Decimal("6000.50") and exported.projects[2].cost == Decimal("2000.25")


def test_a_knapsack_round_writes_its_minimum_spend_as_min_sum_cost(app, officer):
    with app.app_context():
        user = db.session.get(User, officer)
        now = utcnow()
        round_ = create_round(
            user,
            RoundFields("Park", "", None, 1_000_50, now - timedelta(days=2), now - timedelta(days=1), "knapsack", None, 60, "equal-shares-add1"),
        )
        add_item_option(round_, user, "Benches", "", 400_00)
        add_item_option(round_, user, "Bins", "", 300_00)
        db.session.commit()
        round_id = round_.id

    meta = _export(app, round_id).meta

    assert (meta["max_sum_cost"], meta["min_sum_cost"]) == ("1000.50", "600.30")
    assert meta["rule"] == "equalshares/add1" and "max_length" not in meta
