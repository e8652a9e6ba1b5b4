"""Agreements of several kinds: the sources of social value commitments.

A commitment belongs to an agreement; a contract is one kind, and planning obligations
(section 106 and 278), grants, community asset transfers, the council's own employment and
investments are the others. They share one table (`contracts`, the Contract model) so that
the ledger, matching, pledges, returns, ratings, the dashboard, the report, scorecards, the
API and open data treat every commitment alike; each kind names the fields its officers know.

Pure: no Flask, no session."""

from __future__ import annotations

from dataclasses import dataclass

CONTRACT = "contract"
PLANNING = "planning_obligation"
GRANT = "grant"
ASSET_TRANSFER = "asset_transfer"
EMPLOYMENT = "employment"
INVESTMENT = "investment"


@dataclass(frozen=True)
class AgreementKind:
    value: str
    label: str
    counterparty: str  # what the Contract's supplier is, for this kind
    value_label: str
    required: tuple[str, ...] = ()  # kind-specific fields that must be given


KINDS: dict[str, AgreementKind] = {
    kind.value: kind
    for kind in (
        AgreementKind(CONTRACT, "Contract", "Supplier", "Contract value"),
        AgreementKind(PLANNING, "Planning obligation", "Developer", "Contributions secured",
                      ("planning_reference", "site", "ward_id", "trigger")),
        AgreementKind(GRANT, "Grant", "Recipient organisation", "Grant amount", ("programme",)),
        AgreementKind(ASSET_TRANSFER, "Community asset transfer", "Organisation", "Asset value", ("asset", "lease_terms")),
        AgreementKind(EMPLOYMENT, "Council employment", "Employer", "Pay bill (optional)"),
        AgreementKind(INVESTMENT, "Investment", "Investee", "Amount invested"),
    )
}

FIELD_MESSAGES = {
    "planning_reference": "Enter the planning application reference",
    "site": "Enter the site",
    "ward_id": "Select the ward of the site",
    "trigger": "Enter the trigger, for example \u201con commencement\u201d",
    "programme": "Enter the grant programme",
    "asset": "Enter the asset",
    "lease_terms": "Enter the lease terms",
}

# Kinds the council's social value tiers (and their KPI ratings) apply to: procurement only.
TIERED = {CONTRACT}


def kind_label(kind: str | None) -> str:
    return KINDS[kind or CONTRACT].label


def missing_fields(kind: str, values: dict) -> list[tuple[str, str]]:
    """(field, message) for each field this kind requires that is blank."""
    if kind not in KINDS:
        return [("kind", "Select the kind of agreement")]
    return [
        (name, FIELD_MESSAGES[name])
        for name in KINDS[kind].required
        if values.get(name) in (None, "", 0) or (isinstance(values.get(name), str) and not values[name].strip())
    ]
