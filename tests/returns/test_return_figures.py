"""Delivered = confirmed pledges + accepted returns, shown by source, never double counted:
the commitment's status, the dashboard and annual report figures, the supplier scorecard,
the API, the public ledger's note; 360Giving stays pledges only."""

from __future__ import annotations

from datetime import date

import pytest

from models import Commitment, Contract, User, db
from models.reporting.impact import Year, headline, kpis
from models.returns.rules import LineDetails, accept_return, save_line, start_return, submit_return
from models.returns.totals import returns_totals
from tests import factories
from tests.factories import get


@pytest.fixture
def world(app, places):
    made = factories.returns_borough(app)
    with app.app_context():
        seller, officer = get(User, made.seller), get(User, made.officer)
        filed = start_return(get(Contract, made.contract), seller, date(2025, 4, 1), date(2025, 11, 1))
        save_line(filed, get(Commitment, made.apprenticeships), seller, LineDetails(26, "Apprentices"))
        save_line(filed, get(Commitment, made.spend), seller, LineDetails(100_000, "Local spend", spend={
            "micro": 0, "small": 100_000, "medium": 0, "large": 0}))
        submit_return(filed, seller)
        accept_return(filed.id, officer)
        db.session.commit()
    return made


def test_reports_count_accepted_returns_by_source(app, world):
    with app.app_context():
        by_id = {kpi.commitment_id: kpi for kpi in kpis(None, date(2026, 1, 1))}
        assert (by_id[world.apprenticeships].delivered, by_id[world.apprenticeships].delivered_through_returns) == (26, 26)
        assert by_id[world.apprenticeships].delivered_through_pledges == 0
        figures = headline(None, date(2026, 1, 1))
        # £1 a unit for the spend measure: £100,000 through returns, nothing through pledges.
        assert figures.delivered_through_returns_pence == figures.delivered_against_commitments_pence == 100_000_00
        assert returns_totals().value_pence == 100_000_00 and returns_totals().returns == 1
        assert returns_totals(year=2024).returns == 0 and returns_totals(year=2025).returns == 1
        assert Year(2025).first_day == date(2025, 4, 1)


def test_scorecard_api_and_ledger_show_delivery_by_source(app, world, client):
    page = client.get(f"/organisations/{world.supplier}").get_data(as_text=True)
    assert "0 through pledges, 26 through returns" in page
    data = client.get(f"/api/v1/suppliers/{world.supplier}").get_json()
    line = next(c for c in data["commitments"] if c["id"] == world.apprenticeships)
    assert (line["delivered_quantity"], line["delivered_through_pledges"], line["delivered_through_returns"]) == (26, 0, 26)
    ledger = client.get("/ledger").get_data(as_text=True)
    assert "accepted returns reported £100,000" in ledger
    import json

    grants = json.loads(client.get("/open-data/360giving.json").get_data(as_text=True))
    assert grants["grants"] == []  # 360Giving: confirmed pledges only


def live_totals(theme_slug=None, supplier_id=None, year=None) -> tuple[int, int, int]:
    """The returns' totals counted afresh from the rows, in Python (what the kept totals must
    equal): accepted returns, their lines, and the lines' value, a split line as split (each
    part valued at, and in the theme of, its own commitment's measure)."""
    from sqlalchemy import select

    from models import Measure, Theme
    from models.returns.models import ReturnLine, SupplierReturn
    from models.returns.splits import ReturnLineSplit

    measures = {commitment_id: (slug, proxy or 0) for commitment_id, slug, proxy in db.session.execute(
        select(Commitment.id, Theme.slug, Measure.proxy_value_pence).join(Measure, Measure.id == Commitment.measure_id)
        .join(Theme, Theme.id == Measure.theme_id))}
    splits: dict[int, list[tuple[int, int]]] = {}
    for line_id, commitment_id, quantity in db.session.execute(
            select(ReturnLineSplit.line_id, ReturnLineSplit.commitment_id, ReturnLineSplit.quantity)):
        splits.setdefault(line_id, []).append((commitment_id, quantity))
    returns, lines, value = set(), set(), 0
    for line_id, return_id, period_end, supplier, commitment_id, quantity in db.session.execute(
        select(ReturnLine.id, SupplierReturn.id, SupplierReturn.period_end, Contract.supplier_id, ReturnLine.commitment_id,
               ReturnLine.quantity)
        .join(SupplierReturn, SupplierReturn.id == ReturnLine.return_id).join(Contract, Contract.id == SupplierReturn.contract_id)
        .where(SupplierReturn.state == "accepted")
    ):
        if (supplier_id and supplier != supplier_id) or (year and not date(year, 4, 1) <= period_end <= date(year + 1, 3, 31)):
            continue
        for part_commitment, part in splits.get(line_id, [(commitment_id, quantity)]):
            slug, proxy = measures[part_commitment]
            if theme_slug and slug != theme_slug:
                continue
            returns.add(return_id)
            lines.add(line_id)
            value += part * proxy
    return len(returns), len(lines), value


def every_filter(world) -> list[tuple]:
    from sqlalchemy import select

    from models import Theme

    slugs = db.session.scalars(select(Theme.slug)).all()
    return [(theme, supplier, year) for theme in [None, *slugs] for supplier in (None, world.supplier, world.other_supplier)
            for year in (None, 2024, 2025, 2026)]


def assert_kept_equal_live(world) -> None:
    from models.returns.totals import rebuild_return_totals

    db.session.expire_all()
    kept = {key: tuple(vars(returns_totals(*key)).values()) for key in every_filter(world)}
    assert kept == {key: live_totals(*key) for key in every_filter(world)}
    rebuild_return_totals()
    assert {key: tuple(vars(returns_totals(*key)).values()) for key in every_filter(world)} == kept
    db.session.rollback()


def test_the_kept_returns_totals_equal_a_recount_through_corrections_and_proxy_changes(app, world):
    from models import Measure
    from models.places.themes import save_measure
    from models.returns.models import SupplierReturn
    from models.returns.rules import start_correction

    with app.app_context():
        assert returns_totals().returns == 1 and returns_totals().lines == 2
        assert_kept_equal_live(world)
        seller, officer = get(User, world.seller), get(User, world.officer)
        # A second quarter, and a correction of the first: the corrected version stops counting.
        second = start_return(get(Contract, world.contract), seller, date(2025, 7, 1), date(2025, 11, 1))
        save_line(second, get(Commitment, world.hires), seller, LineDetails(3, "Three hires"))
        submit_return(second, seller)
        accept_return(second.id, officer)
        first = db.session.scalar(select_first_return(world))
        correction = start_correction(first, seller)
        save_line(correction, get(Commitment, world.spend), seller, LineDetails(50_000, "Local spend, corrected", spend={
            "micro": 0, "small": 50_000, "medium": 0, "large": 0}))
        submit_return(correction, seller)
        accept_return(correction.id, officer)
        db.session.commit()
        assert get(SupplierReturn, first.id).state == "superseded"
        assert (returns_totals().returns, returns_totals().value_pence) == (2, 50_000_00)
        assert_kept_equal_live(world)
        # The spend measure's value per unit changes: the returns' totals are valued again.
        spend = get(Commitment, world.spend).measure
        save_measure(spend, spend.theme, spend.name, spend.unit, 200, spend.need_kind, spend.active, officer,
                     spend.delivered_through, spend.is_spend)
        db.session.commit()
        assert returns_totals().value_pence == 100_000_00
        assert_kept_equal_live(world)
        assert db.session.get(Measure, spend.id).proxy_value_pence == 200


def select_first_return(world):
    from sqlalchemy import select

    from models.returns.models import SupplierReturn

    return select(SupplierReturn).where(SupplierReturn.contract_id == world.contract,
                                        SupplierReturn.period_start == date(2025, 4, 1), SupplierReturn.version == 1)


def test_the_migration_backfills_the_returns_totals_and_keeps_every_commitment(app, world):
    """Accepted returns from before the totals counted them: downgraded past the migration and
    upgraded again over the same rows, they are counted, and no commitment is lost (on SQLite
    the migration adds its columns without copying the contracts table, whose ON DELETE
    CASCADE would delete the commitments)."""
    from alembic import command
    from sqlalchemy import func, select

    with app.app_context():
        kept = {key: tuple(vars(returns_totals(*key)).values()) for key in every_filter(world)}
        commitments = db.session.scalar(select(func.count()).select_from(Commitment))
        db.session.remove()
        config = app.extensions["migrate"].migrate.get_config()
        command.downgrade(config, "a91d5e3c7f48")  # the revision before the schedule and the returns' totals
        command.upgrade(config, "head")
        assert db.session.scalar(select(func.count()).select_from(Commitment)) == commitments == 6
        assert {key: tuple(vars(returns_totals(*key)).values()) for key in every_filter(world)} == kept
        assert returns_totals().returns == 1 and get(Commitment, world.apprenticeships).returned_quantity == 26


def test_the_migration_backfills_split_lines_as_split(app, world):
    """A line an officer split before the returns' totals were kept (return_line_splits is an
    earlier migration) is backfilled as split: 70,000 of the £100,000 spend line counted."""
    from alembic import command

    from models.returns.splits import split_line

    with app.app_context():
        from sqlalchemy import select

        from models.returns.models import ReturnLine

        line = db.session.scalar(select(ReturnLine.id).where(ReturnLine.commitment_id == world.spend))
        split_line(line, get(User, world.officer), [(world.spend, 70_000)])
        db.session.commit()
        assert returns_totals().value_pence == 70_000_00
        assert_kept_equal_live(world)
        kept = {key: tuple(vars(returns_totals(*key)).values()) for key in every_filter(world)}
        db.session.remove()
        config = app.extensions["migrate"].migrate.get_config()
        command.downgrade(config, "c4f2b8e91d07")  # the revision before the returns' totals, after the splits
        command.upgrade(config, "head")
        assert {key: tuple(vars(returns_totals(*key)).values()) for key in every_filter(world)} == kept
        assert returns_totals().value_pence == 70_000_00
