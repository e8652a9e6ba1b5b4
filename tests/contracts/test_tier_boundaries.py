"""The tier rule is written once in Python (models.contracts.tiers.tier_for_value) and once
in SQL (models.contracts.models.tier_case, evaluated here by the real database). Both are
pinned one penny below, at and one penny above each threshold, with Brent's thresholds and
with a council's own (admin settings), and so are the places that use the SQL: the
officers' contract list filtered by tier and the impact report's figures by tier."""

from __future__ import annotations

import re
from datetime import date

import pytest
from sqlalchemy import select

from models import Contract, OrganisationKind, Role, User, db
from models.contracts.models import council_thresholds, tier_case
from models.contracts.rules import CommitmentDetails, ContractDetails, add_commitment, record_contract
from models.contracts.tiers import Tier, TierThresholds, tier_for_value
from models.core.settings import set_setting
from models.places.themes import Measure, seed_themes
from models.reporting.impact import TIER_LABELS, by_tier, contracts_over_threshold, kpis
from tests.factories import login

BRENT = TierThresholds()  # £215k, £1m, £5m
OWN = TierThresholds(basic_from_pence=50_000_00, kpi_from_pence=300_000_00, strategic_over_pence=2_000_000_00)


def boundaries(thresholds: TierThresholds) -> dict[str, tuple[int, Tier]]:
    """Contract references, each with its value and the tier the policy gives it."""
    basic, kpi, strategic = thresholds.basic_from_pence, thresholds.kpi_from_pence, thresholds.strategic_over_pence
    return {
        "TIER-basic-below": (basic - 1, Tier.NONE),
        "TIER-basic-at": (basic, Tier.BASIC),
        "TIER-basic-above": (basic + 1, Tier.BASIC),
        "TIER-kpi-below": (kpi - 1, Tier.BASIC),
        "TIER-kpi-at": (kpi, Tier.KPI),
        "TIER-kpi-above": (kpi + 1, Tier.KPI),
        "TIER-strategic-below": (strategic - 1, Tier.KPI),
        "TIER-strategic-at": (strategic, Tier.KPI),  # "over £5m": £5m itself is not strategic
        "TIER-strategic-above": (strategic + 1, Tier.STRATEGIC),
    }


@pytest.fixture(params=[BRENT, OWN], ids=["brent-thresholds", "own-thresholds"])
def thresholds(request, app) -> TierThresholds:
    """The council's thresholds: Brent's by default, or its own saved as admin settings."""
    chosen = request.param
    if chosen != BRENT:
        with app.app_context():
            set_setting("tier_basic_from_pence", str(chosen.basic_from_pence))
            set_setting("tier_kpi_from_pence", str(chosen.kpi_from_pence))
            set_setting("tier_strategic_over_pence", str(chosen.strategic_over_pence))
            db.session.commit()
            assert council_thresholds() == chosen
    return chosen


@pytest.fixture
def contracts(app, make_user, make_organisation, thresholds) -> dict[str, tuple[int, Tier]]:
    """A contract at each boundary, each with one approved commitment (the report counts those)."""
    officer_id = make_user("officer@example.org", "Olu Officer", role=Role.OFFICER)
    supplier = make_organisation(make_user("supplier@example.org", "Sam Supplier"), kind=OrganisationKind.SUPPLIER,
                                 name="Builders Ltd", officer_id=officer_id)
    expected = boundaries(thresholds)
    with app.app_context():
        seed_themes()
        officer = db.session.get(User, officer_id)
        measure = db.session.scalar(select(Measure).where(Measure.name == "Employee volunteering hours"))
        for reference, (value, _) in expected.items():
            contract = record_contract(ContractDetails(reference, f"Works {reference}", None, supplier, value, None, None),
                                       officer)
            add_commitment(contract, officer, CommitmentDetails(measure.id, 10, date(2030, 3, 31)))
        db.session.commit()
    return expected


def test_python_and_sql_give_each_boundary_its_tier(app, contracts, thresholds):
    with app.app_context():
        in_sql = dict(db.session.execute(select(Contract.reference, tier_case(thresholds))).all())
        by_council = dict(db.session.execute(select(Contract.reference, tier_case())).all())  # from the settings
        on_the_row = {contract.reference: contract.tier() for contract in db.session.scalars(select(Contract))}
    assert set(in_sql) == set(contracts)
    for reference, (value, tier) in contracts.items():
        assert tier_for_value(value, thresholds) == tier, reference
        assert in_sql[reference] == tier.value, reference
        assert by_council[reference] == tier.value, reference
        assert on_the_row[reference] == tier, reference


def test_the_officers_contract_list_filters_each_boundary_into_its_tier(app, client, contracts):
    login(client, "officer@example.org")
    for tier in Tier:
        html = client.get(f"/officers/contracts?tier={tier.value}").get_data(as_text=True)
        listed = set(re.findall(r">(TIER-[a-z]+-[a-z]+)<", html))
        assert listed == {reference for reference, (_, expected) in contracts.items() if expected == tier}, tier


def test_the_impact_report_counts_each_boundary_in_its_tier(app, contracts):
    expected = {tier.value: [ref for ref, (_, found) in contracts.items() if found == tier] for tier in Tier}
    with app.app_context():
        rows = {row.key: row.commitments for row in by_tier(None)}
        over = {row.reference: row.tier for row in contracts_over_threshold(None)}
        in_tier = {kpi.contract_reference: kpi.tier for kpi in kpis(None, date(2026, 1, 1), only_in_tier=True)}
    assert rows == {key: len(references) for key, references in expected.items()}
    above_threshold = {ref: TIER_LABELS[tier.value] for ref, (_, tier) in contracts.items() if tier != Tier.NONE}
    assert over == above_threshold
    assert in_tier == above_threshold
