"""Wards and the postcode table that places residents in them, with importers
for ONS GeoJSON boundaries and postcode-to-ward CSVs (Code-Point Open or ONSPD)."""

from __future__ import annotations

import csv
import json
import re
from dataclasses import dataclass, field
from typing import IO, Any, Callable, Iterable

from sqlalchemy import Float, ForeignKey, String, Text, func, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Mapped, deferred, mapped_column, relationship

from models import DomainError, db
from models.places.postcodes import normalise_postcode

GSS_WARD = re.compile(r"^[EWSN]05\d{6}$")


class Ward(db.Model):
    __tablename__ = "wards"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(9), unique=True)  # GSS code, e.g. E05013494
    name: Mapped[str] = mapped_column(String(120), index=True)
    lad_code: Mapped[str | None] = mapped_column(String(9))
    latitude: Mapped[float | None] = mapped_column(Float)
    longitude: Mapped[float | None] = mapped_column(Float)
    # GeoJSON geometry, for the borough map; deferred: lists never need it.
    boundary: Mapped[str | None] = deferred(mapped_column(Text))
    # Optional local index (Social Progress Index or IMD rank) to weight priorities.
    local_index_score: Mapped[float | None] = mapped_column(Float)

    @property
    def geometry(self) -> dict[str, Any] | None:
        return json.loads(self.boundary) if self.boundary else None


class Postcode(db.Model):
    __tablename__ = "postcodes"

    postcode: Mapped[str] = mapped_column(String(8), primary_key=True)  # normalised, "HA0 1AB"
    ward_id: Mapped[int] = mapped_column(ForeignKey("wards.id", ondelete="CASCADE"), index=True)
    latitude: Mapped[float | None] = mapped_column(Float)
    longitude: Mapped[float | None] = mapped_column(Float)

    ward: Mapped[Ward] = relationship()


@dataclass
class ImportReport:
    created: int = 0
    updated: int = 0
    skipped: int = 0
    reasons: dict[str, int] = field(default_factory=dict)

    def skip(self, reason: str) -> None:
        self.skipped += 1
        self.reasons[reason] = self.reasons.get(reason, 0) + 1

    def as_dict(self) -> dict[str, Any]:
        return {"created": self.created, "updated": self.updated, "skipped": self.skipped, "reasons": self.reasons}

    def summary(self) -> str:
        text = f"{self.created} created, {self.updated} updated, {self.skipped} skipped"
        if self.reasons:
            text += " (" + "; ".join(f"{reason}: {count}" for reason, count in sorted(self.reasons.items())) + ")"
        return text


def lookup_postcode(value: str) -> tuple[str | None, Postcode | None]:
    """(normalised postcode, row) - the row is None when it is not in the borough."""
    normalised = normalise_postcode(value)
    if normalised is None:
        return None, None
    return normalised, db.session.get(Postcode, normalised)


def upsert(model: type, rows: list[dict[str, Any]], key: str | tuple[str, ...], update_columns: Iterable[str]) -> None:
    """Insert rows, or update the given columns where the key (a unique column or columns) exists."""
    if not rows:
        return
    dialect = db.session.get_bind().dialect.name
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    statement = insert(model)
    statement = statement.on_conflict_do_update(
        index_elements=[key] if isinstance(key, str) else list(key), set_={column: statement.excluded[column] for column in update_columns}
    )
    # One statement compiled once, run for every row (batched into multi-row VALUES by the driver layer).
    db.session.execute(statement, rows)


def _property(properties: dict[str, Any], pattern: str, *names: str) -> Any:
    for name in names:
        if name in properties:
            return properties[name]
    regex = re.compile(pattern, re.IGNORECASE)
    for key, value in properties.items():
        if regex.match(key):
            return value
    return None


def import_wards(geojson: dict[str, Any] | str | bytes) -> ImportReport:
    """Create or update wards from an ONS GeoJSON FeatureCollection (WDyyCD/WDyyNM)."""
    if isinstance(geojson, bytes):
        try:
            geojson = geojson.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise DomainError("The file is not UTF-8 text. Save it as GeoJSON (UTF-8) and try again.", field="file")
    if isinstance(geojson, str):
        try:
            geojson = json.loads(geojson)
        except json.JSONDecodeError as error:
            raise DomainError(f"The file is not valid GeoJSON: {error.msg.removesuffix(' at')} (line {error.lineno})", field="file")
    if not isinstance(geojson, dict) or geojson.get("type") != "FeatureCollection":
        raise DomainError("The file must be a GeoJSON FeatureCollection of wards", field="file")
    features = geojson.get("features")
    if not isinstance(features, list):
        raise DomainError("The GeoJSON has no list of features", field="file")

    report = ImportReport()
    existing = {ward.code: ward for ward in db.session.scalars(select(Ward))}
    for feature in features:
        properties = (feature or {}).get("properties") or {}
        code = _property(properties, r"^WD\d\dCD$", "code", "ward_code")
        name = _property(properties, r"^WD\d\dNM$", "name", "ward_name")
        if not isinstance(code, str) or not GSS_WARD.match(code.strip()):
            report.skip("no ward GSS code (WDyyCD)")
            continue
        if not isinstance(name, str) or not name.strip():
            report.skip("no ward name (WDyyNM)")
            continue
        geometry = feature.get("geometry")
        if geometry is not None and geometry.get("type") not in ("Polygon", "MultiPolygon"):
            report.skip("geometry is not a polygon")
            continue
        values = {
            "name": name.strip()[:120],
            "lad_code": _property(properties, r"^LAD\d\dCD$", "lad_code"),
            "latitude": _float(_property(properties, r"^LAT$", "lat")),
            "longitude": _float(_property(properties, r"^LONG$", "long", "lng")),
            "boundary": json.dumps(geometry, separators=(",", ":")) if geometry else None,
        }
        ward = existing.get(code.strip())
        if ward is None:
            ward = Ward(code=code.strip(), **values)
            db.session.add(ward)
            existing[ward.code] = ward
            report.created += 1
        else:
            changed = False
            for key, value in values.items():
                if value is not None and getattr(ward, key) != value:
                    setattr(ward, key, value)
                    changed = True
            if changed:
                report.updated += 1
    db.session.flush()
    return report


def _float(value: Any) -> float | None:
    try:
        return float(value) if value not in (None, "") else None
    except (TypeError, ValueError):
        return None


POSTCODE_COLUMNS = ("pcds", "pcd", "pcd2", "pcd7", "pcd8", "postcode")
WARD_COLUMNS = ("ward_code", "osward", "wd25cd", "wd24cd", "wd23cd", "wd22cd", "wardcode")
LAT_COLUMNS = ("lat", "lat_wgs84_derived", "latitude")
LONG_COLUMNS = ("long", "long_wgs84_derived", "longitude", "lng")
TERMINATED_COLUMNS = ("doterm",)


def _pick(header: list[str], candidates: tuple[str, ...]) -> int | None:
    lowered = [name.strip().lower() for name in header]
    for candidate in candidates:
        if candidate in lowered:
            return lowered.index(candidate)
    return None


def import_postcodes(
    stream: IO[str], chunk_size: int = 2000, progress: Callable[[int], None] | None = None
) -> ImportReport:
    """Load a postcode-to-ward CSV, choosing columns by header (Code-Point Open
    extracts: pcds, ward_code; ONS postcode directory: pcds, osward). Postcodes in
    wards that are not this council's are skipped and counted. Safe to run again."""
    reader = csv.reader(stream)
    try:
        header = next(reader)
    except StopIteration:
        raise DomainError("The file is empty", field="file")
    except csv.Error as error:
        raise DomainError(f"The file is not a readable CSV: {error}", field="file")
    except UnicodeDecodeError:
        raise DomainError("The file is not UTF-8 text. Save it as CSV (UTF-8) and try again.", field="file")
    postcode_at = _pick(header, POSTCODE_COLUMNS)
    ward_at = _pick(header, WARD_COLUMNS)
    if postcode_at is None or ward_at is None:
        raise DomainError(
            "The CSV needs a postcode column (pcds) and a ward code column (ward_code or osward)", field="file"
        )
    lat_at, long_at = _pick(header, LAT_COLUMNS), _pick(header, LONG_COLUMNS)
    terminated_at = _pick(header, TERMINATED_COLUMNS)

    wards = dict(db.session.execute(select(Ward.code, Ward.id)).all())
    if not wards:
        raise DomainError("Import the wards before the postcodes", field="file")
    # What is stored now, so a rerun reports (and rewrites) only what changed.
    known = {
        postcode: (ward_id, latitude, longitude)
        for postcode, ward_id, latitude, longitude in db.session.execute(
            select(Postcode.postcode, Postcode.ward_id, Postcode.latitude, Postcode.longitude)
        )
    }
    report = ImportReport()
    batch: dict[str, dict[str, Any]] = {}
    rows_read = 0

    def flush() -> None:
        upsert(Postcode, list(batch.values()), "postcode", ("ward_id", "latitude", "longitude"))
        batch.clear()

    try:
        for row in reader:
            rows_read += 1
            if len(row) <= max(postcode_at, ward_at):
                report.skip("row has too few columns")
                continue
            if terminated_at is not None and len(row) > terminated_at and row[terminated_at].strip():
                report.skip("postcode terminated")
                continue
            postcode = normalise_postcode(row[postcode_at])
            if postcode is None:
                report.skip("not a valid postcode")
                continue
            ward_id = wards.get(row[ward_at].strip())
            if ward_id is None:
                report.skip("ward not in this council")
                continue
            values = (
                ward_id,
                _float(row[lat_at]) if lat_at is not None and len(row) > lat_at else None,
                _float(row[long_at]) if long_at is not None and len(row) > long_at else None,
            )
            if postcode not in known:
                report.created += 1
            elif known[postcode] != values:
                report.updated += 1
            else:
                continue  # unchanged
            known[postcode] = values
            batch[postcode] = {"postcode": postcode, "ward_id": values[0], "latitude": values[1], "longitude": values[2]}
            if len(batch) >= chunk_size:
                flush()
                if progress:
                    progress(rows_read)
    except csv.Error as error:
        raise DomainError(f"The CSV could not be read at row {rows_read + 1}: {error}", field="file")
    except UnicodeDecodeError:
        raise DomainError("The file is not UTF-8 text. Save it as CSV (UTF-8) and try again.", field="file")
    flush()
    if progress:
        progress(rows_read)
    return report


def ward_postcode_counts() -> dict[int, int]:
    return dict(db.session.execute(select(Postcode.ward_id, func.count()).group_by(Postcode.ward_id)).all())
