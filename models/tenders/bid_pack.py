"""Assembling a tender's bid pack from candidate items and the officers' curation.
Pure: no Flask, no session.

The candidates come from the platform (models/tenders/pack.py reads them): the winners and
high-ranked options of the latest published ward votes in the tender's wards, the open needs
that fit its themes and wards, and the council's measures. Each has a stable key ("option:7",
"need:12", "measure:3"). Officers pin an item (it goes first in its section), remove it (it
leaves the pack) or add one the assembly did not pick. The pack lists its sections in a fixed
order, pinned items first, then the assembly's order."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Iterable

SECTIONS = (
    ("vote", "What residents voted for"),
    ("need", "Open community needs"),
    ("measure", "The council's measures"),
)
HIGH_RANK = 5  # options ranked this high or better are offered besides the winners


@dataclass(frozen=True)
class PackItem:
    key: str  # "option:7", "need:12", "measure:3"
    section: str  # vote, need, measure
    title: str
    detail: str = ""
    theme: str = ""
    ward: str = ""
    still_needed: str = ""  # "30 hours still needed of 40"
    value_pence: int | None = None  # a need's value still needed, an option's cost, a measure's proxy per unit
    unit: str = ""
    won: bool = False
    rank: int | None = None
    pinned: bool = False
    added: bool = False
    # What `detail` and `still_needed` say, as values, for a page to word in its reader's
    # language (templates/components/_bid_pack.html): (name, value) pairs.
    facts: tuple[tuple[str, object], ...] = ()


@dataclass
class BidPack:
    sections: list[tuple[str, str, list[PackItem]]] = field(default_factory=list)
    tier_label: str = ""
    tier_requirement: str = ""
    removed: list[PackItem] = field(default_factory=list)

    def items(self) -> list[PackItem]:
        return [item for _, _, items in self.sections for item in items]

    def keys(self) -> set[str]:
        return {item.key for item in self.items()}

    def item(self, key: str) -> PackItem | None:
        return next((item for item in self.items() if item.key == key), None)


def item_key(kind: str, row_id: int) -> str:
    return f"{kind}:{row_id}"


def parse_key(key: str) -> tuple[str, int] | None:
    kind, _, number = key.partition(":")
    if kind not in ("option", "need", "measure") or not number.isdigit() or len(number) > 12:
        return None
    return kind, int(number)


def vote_candidates(options: Iterable[PackItem]) -> list[PackItem]:
    """Winners and options ranked HIGH_RANK or better, winners first, then by rank."""
    kept = [item for item in options if item.won or (item.rank is not None and item.rank <= HIGH_RANK)]
    return sorted(kept, key=lambda item: (not item.won, item.rank or 10**6, item.title))


def assemble(
    candidates: Iterable[PackItem],
    curation: dict[str, str],
    extra: Iterable[PackItem] = (),
    tier_label: str = "",
    tier_requirement: str = "",
) -> BidPack:
    """The pack: the candidates and the officer-added items (`extra`, shown only when their
    key is curated "added" or "pinned"), less the removed ones, pinned first in each section."""
    pack = BidPack(tier_label=tier_label, tier_requirement=tier_requirement)
    seen: dict[str, PackItem] = {}
    for item in candidates:
        seen.setdefault(item.key, item)
    for item in extra:
        if item.key not in seen and curation.get(item.key) in ("added", "pinned"):
            seen[item.key] = replace(item, added=True)
    for section, heading in SECTIONS:
        ordered = [item for item in seen.values() if item.section == section]
        kept, removed = [], []
        for position, item in enumerate(ordered):
            state = curation.get(item.key)
            if state == "removed":
                removed.append(item)
                continue
            kept.append((state != "pinned", position, replace(item, pinned=state == "pinned")))
        pack.removed.extend(removed)
        pack.sections.append((section, heading, [item for _, _, item in sorted(kept, key=lambda row: row[:2])]))
    return pack


CSV_HEADER = ["Section", "Item", "Title", "Detail", "Priority theme", "Ward", "Still needed", "Value (£)", "Unit", "Won the vote", "Pinned"]


def pounds(pence: int | None) -> str:
    return "" if pence is None else f"{pence / 100:.2f}"


def csv_rows(pack: BidPack) -> list[list[object]]:
    """The pack as spreadsheet rows (the caller writes them with models.core.csv_files)."""
    headings = dict(SECTIONS)
    rows: list[list[object]] = []
    for section, _, items in pack.sections:
        for item in items:
            rows.append([
                headings[section], item.key, item.title, item.detail, item.theme, item.ward, item.still_needed,
                pounds(item.value_pence), item.unit, "yes" if item.won else "", "yes" if item.pinned else "",
            ])
    rows.append(["Tier", "", pack.tier_label, pack.tier_requirement, "", "", "", "", "", "", ""])
    return rows
