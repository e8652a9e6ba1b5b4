"""Local indicators: any ward-level figure an administrator imports from a CSV (ward code,
indicator, value, source, year), such as the Social Progress Index the Brent policy names.
One row per ward, indicator and year: importing the same file again changes nothing.

An administrator chooses which indicator matching and the ward map use where they use the
English Indices of Deprivation (each ward's mean IMD rank, Ward.local_index_score) by
default, and whether its higher or its lower values mean more need (a higher Social Progress
Index is better; a higher unemployment rate is worse). Matching and the map then read each
ward's place among the council's wards on that indicator, from 0 (least in need) to 1 (most)."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import Float, ForeignKey, Integer, String, UniqueConstraint, func, select
from sqlalchemy.orm import Mapped, mapped_column

from models import DomainError, db, utcnow
from models.core.csv_files import read_csv_upload
from models.core.events import record_event
from models.core.settings import get_setting, set_setting
from models.places.wards import GSS_WARD, Ward

COLUMNS = ("ward_code", "indicator", "value", "source", "year")
MAX_BYTES = 2 * 1024 * 1024
IMD = "imd"  # the setting's value for the default: the ward's mean IMD 2019 rank
SETTING = "matching_indicator"
DIRECTION_SETTING = "matching_indicator_direction"  # "higher" or "lower": which values mean more need


class WardIndicator(db.Model):
    __tablename__ = "ward_indicators"
    __table_args__ = (UniqueConstraint("ward_id", "indicator", "year", name="uq_ward_indicators_ward_indicator_year"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    ward_id: Mapped[int] = mapped_column(ForeignKey("wards.id", ondelete="CASCADE"), index=True)
    indicator: Mapped[str] = mapped_column(String(120), index=True)
    year: Mapped[int] = mapped_column(Integer)
    value: Mapped[float] = mapped_column(Float)
    source: Mapped[str] = mapped_column(String(200))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


@dataclass
class IndicatorImport:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    problems: list[str] = field(default_factory=list)


def _number(text: str) -> float:
    try:
        value = float(text.replace(",", ""))
    except ValueError:
        raise DomainError(f"the value “{text[:30]}” is not a number") from None
    if not math.isfinite(value) or abs(value) > 1e12:
        raise DomainError(f"the value “{text[:30]}” is not a number a ward could have")
    return value


def _year(text: str) -> int:
    if not text.isdigit() or not 1900 <= int(text) <= 2100:
        raise DomainError(f"the year “{text[:30]}” must be a year like 2024")
    return int(text)


def import_indicators(data: bytes, actor) -> IndicatorImport:
    """Check every line, then add or update each ward's figures. On any problem nothing is
    changed and each problem names its line; the caller commits only a clean import."""
    result = IndicatorImport()
    if len(data) > MAX_BYTES:
        result.problems.append("The file must be smaller than 2 MB")
        return result
    upload = read_csv_upload(data, COLUMNS, COLUMNS)
    if upload.problems:
        result.problems.extend(upload.problems)
        return result
    if not upload.lines:
        result.problems.append("The file has no lines after its header")
        return result
    wards = dict(db.session.execute(select(Ward.code, Ward.id)).all())
    rows: dict[tuple[int, str, int], tuple[float, str]] = {}
    for number, line in upload.lines:
        try:
            if line.get("__extra__"):
                raise DomainError("it has more cells than the header has columns")
            code = line["ward_code"].upper()
            if not GSS_WARD.match(code):
                raise DomainError(f"“{line['ward_code'][:30]}” is not a ward code like E05013494")
            if code not in wards:
                raise DomainError(f"the ward {code} is not one of this council's wards")
            indicator, source = line["indicator"], line["source"]
            if not indicator or len(indicator) > 120:
                raise DomainError("the indicator must be named, in 120 characters or fewer")
            if not source or len(source) > 200:
                raise DomainError("the source must be given, in 200 characters or fewer")
            key = (wards[code], indicator, _year(line["year"]))
            value = _number(line["value"])
            if key in rows:
                raise DomainError(f"{code}'s {indicator} for {key[2]} is already on an earlier line")
            rows[key] = (value, source)
        except DomainError as error:
            result.problems.append(f"Line {number}: {error.message[0].lower() + error.message[1:]}")
    if result.problems:
        return result
    existing = {
        (row.ward_id, row.indicator, row.year): row
        for row in db.session.scalars(
            select(WardIndicator).where(WardIndicator.indicator.in_({indicator for _, indicator, _ in rows}))
        )
    }
    for key, (value, source) in rows.items():
        row = existing.get(key)
        if row is None:
            db.session.add(WardIndicator(ward_id=key[0], indicator=key[1], year=key[2], value=value, source=source))
            result.created += 1
        elif row.value != value or row.source != source:
            row.value, row.source, row.updated_at = value, source, utcnow()
            result.updated += 1
        else:
            result.unchanged += 1
    if result.created or result.updated:
        record_event("indicators.imported", actor, actor=actor, detail={
            "created": result.created, "updated": result.updated, "unchanged": result.unchanged,
            "indicators": sorted({indicator for _, indicator, _ in rows}),
        })
    return result


@dataclass(frozen=True)
class IndicatorSummary:
    indicator: str
    year: int
    wards: int
    source: str


def imported_indicators() -> list[IndicatorSummary]:
    """Each imported indicator's latest year, how many wards have it and its source."""
    latest = (
        select(WardIndicator.indicator, func.max(WardIndicator.year).label("year"))
        .group_by(WardIndicator.indicator).subquery()
    )
    rows = db.session.execute(
        select(WardIndicator.indicator, WardIndicator.year, func.count(), func.min(WardIndicator.source))
        .join(latest, (latest.c.indicator == WardIndicator.indicator) & (latest.c.year == WardIndicator.year))
        .group_by(WardIndicator.indicator, WardIndicator.year)
        .order_by(WardIndicator.indicator)
    ).all()
    return [IndicatorSummary(name, int(year), int(count), source) for name, year, count, source in rows]


@dataclass(frozen=True)
class ChosenIndicator:
    """What matching and the ward map use: IMD (the default) or an imported indicator's latest year."""

    name: str
    source: str
    year: int
    higher_means_more_need: bool
    is_imd: bool = False

    @property
    def label(self) -> str:
        return f"{self.name} ({self.source}, {self.year})"


IMD_CHOICE = ChosenIndicator("Index of Multiple Deprivation (mean rank of the ward's areas)",
                             "MHCLG, English Indices of Deprivation", 2019, False, is_imd=True)


def chosen_indicator() -> ChosenIndicator:
    name = get_setting(SETTING) or IMD
    if name != IMD:
        for summary in imported_indicators():
            if summary.indicator == name:
                return ChosenIndicator(name, summary.source, summary.year, get_setting(DIRECTION_SETTING) == "higher")
    return IMD_CHOICE  # the default, or an indicator whose figures are gone


def choose_indicator(name: str, higher_means_more_need: bool, actor) -> None:
    """An administrator's choice: IMD, or an imported indicator by name."""
    if name != IMD and name not in {summary.indicator for summary in imported_indicators()}:
        raise DomainError("Choose IMD or an imported indicator", field="indicator")
    set_setting(SETTING, name)
    set_setting(DIRECTION_SETTING, "higher" if higher_means_more_need else "lower")
    record_event("settings.changed", actor, actor=actor, detail={
        SETTING: name, DIRECTION_SETTING: "higher" if higher_means_more_need else "lower"})


@dataclass(frozen=True)
class WardReading:
    value: float
    level: float  # 0: the council's ward least in need on this indicator; 1: the most


def ward_readings(chosen: ChosenIndicator) -> dict[int, WardReading]:
    """Each ward's value on the chosen indicator and its place among the council's wards
    (min-max scaled, turned so that 1 is the most in need). Wards without a value are absent."""
    if chosen.is_imd:
        values = dict(db.session.execute(select(Ward.id, Ward.local_index_score).where(Ward.local_index_score.is_not(None))).all())
    else:
        values = dict(db.session.execute(
            select(WardIndicator.ward_id, WardIndicator.value)
            .where(WardIndicator.indicator == chosen.name, WardIndicator.year == chosen.year)
        ).all())
    if not values:
        return {}
    low, high = min(values.values()), max(values.values())
    span = high - low
    readings = {}
    for ward_id, value in values.items():
        share = (value - low) / span if span else 0.5
        readings[ward_id] = WardReading(value, share if chosen.higher_means_more_need else 1.0 - share)
    return readings


def shade_for_level(level: float) -> str:
    """One of the map's five shades (the darkest: most in need)."""
    return f"app-map__ward--{min(4, int(level * 5))}"
