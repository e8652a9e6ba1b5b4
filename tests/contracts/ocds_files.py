"""The real OCDS files the import tests read (../shared/data/ocds/), and a way to say who
this council is as a buyer (the admin setting the import reads)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from models import db
from models.contracts.council_buyer import CouncilBuyer, buyer_of, save_council_buyer
from models.contracts.ocds_import import load_releases
from tests.factories import SHARED_DATA

OCDS = SHARED_DATA / "ocds"
HUNDRED = OCDS / "contracts_finder_ocds_search_2025-01-20_to_23_100releases.json"
LONDON = OCDS / "contracts_finder_ocds_search_2025-01_london_buyers_subset.json"
BARNET = OCDS / "FICTIONAL_ocds_sample_data_1.1_release_package_barnet.json"
BLUETAIL = sorted((OCDS / "contracts_finder_via_mysociety_bluetail").glob("*.json"))


def releases_of(source: Path | dict[str, Any] | list[dict[str, Any]]) -> list[dict[str, Any]]:
    if isinstance(source, Path):
        return load_releases(source.read_bytes())
    return [source] if isinstance(source, dict) else list(source)


def buyer_names(*sources: Path | dict[str, Any] | list[dict[str, Any]]) -> list[str]:
    """The first name of every buyer in these files or releases."""
    names: list[str] = []
    for source in sources:
        for release in releases_of(source):
            label = buyer_of(release).label
            if label and label not in names:
                names.append(label)
    return names


def council_is(names: list[str] | tuple[str, ...] = (), ids: list[str] | tuple[str, ...] = ()) -> CouncilBuyer:
    """Set this council's buyer names and identifiers (the admin setting) and commit."""
    buyer = save_council_buyer(ids, names)
    db.session.commit()
    return buyer


def council_buys_everything_in(*sources: Path | dict[str, Any] | list[dict[str, Any]]) -> CouncilBuyer:
    """Make every buyer in these files this council's name, for tests about everything but
    the buyer rule (parsing, suppliers, reasons): then no release is skipped for its buyer."""
    return council_is(names=buyer_names(*sources))


def dumps(*releases: dict[str, Any]) -> bytes:
    return json.dumps({"releases": list(releases)}).encode()
