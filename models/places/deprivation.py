"""Local deprivation for matching: each ward's Ward.local_index_score becomes the
mean English Indices of Deprivation 2019 rank (1 = most deprived of 32,844
neighbourhoods) of the LSOAs (small neighbourhoods) whose centre lies inside it.

Read from the IoD2019 file of ranks by LSOA (MHCLG, columns chosen by header) and
an LSOA boundaries GeoJSON (ONS, LSOAyyCD with LAT/LONG, or polygons whose centre
is taken). The geometry here is pure; `import_imd` writes the wards."""

from __future__ import annotations

import csv
import io
import json
import re
from typing import Any

from sqlalchemy import select

from models import DomainError, db
from models.places.wards import ImportReport, Ward

CODE_HEADER = re.compile(r"^LSOA code", re.IGNORECASE)
RANK_HEADER = re.compile(r"^Index of Multiple Deprivation \(IMD\) Rank|^IMD ?Rank", re.IGNORECASE)
LSOA_CODE = re.compile(r"^LSOA\d\dCD$", re.IGNORECASE)


def read_imd_ranks(text: str) -> dict[str, int]:
    """{LSOA code: IMD rank} from the IoD2019 CSV (File 1 or File 2)."""
    reader = csv.reader(io.StringIO(text))
    try:
        header = next(reader)
    except StopIteration:
        raise DomainError("The IMD file is empty", field="file")
    code_at = next((i for i, name in enumerate(header) if CODE_HEADER.match(name.strip())), None)
    rank_at = next((i for i, name in enumerate(header) if RANK_HEADER.match(name.strip())), None)
    if code_at is None or rank_at is None:
        raise DomainError(
            "The IMD file needs an LSOA code column and an “Index of Multiple Deprivation (IMD) Rank” column",
            field="file",
        )
    ranks = {}
    for row in reader:
        if len(row) > max(code_at, rank_at) and row[rank_at].strip().isdigit():
            ranks[row[code_at].strip()] = int(row[rank_at])
    return ranks


def _rings(geometry: dict[str, Any]) -> list[list[list[list[float]]]]:
    """Polygons as lists of rings (the first is the outline, the rest are holes)."""
    if geometry.get("type") == "Polygon":
        return [geometry["coordinates"]]
    if geometry.get("type") == "MultiPolygon":
        return list(geometry["coordinates"])
    return []


def _inside_ring(x: float, y: float, ring: list[list[float]]) -> bool:
    inside = False
    for (x1, y1), (x2, y2) in zip(ring, ring[1:] + ring[:1]):
        if (y1 > y) != (y2 > y) and x < x1 + (y - y1) * (x2 - x1) / (y2 - y1):
            inside = not inside
    return inside


class Shape:
    """A ward's polygons, prepared once for many point-in-polygon tests."""

    def __init__(self, geometry: dict[str, Any]):
        self.polygons = [[[(p[0], p[1]) for p in ring] for ring in polygon] for polygon in _rings(geometry) if polygon]
        points = [point for polygon in self.polygons for point in polygon[0]]
        self.box = (
            (min(x for x, _ in points), min(y for _, y in points), max(x for x, _ in points), max(y for _, y in points))
            if points else (0.0, 0.0, -1.0, -1.0)
        )

    def contains(self, x: float, y: float) -> bool:
        left, bottom, right, top = self.box
        if not (left <= x <= right and bottom <= y <= top):
            return False
        return any(
            _inside_ring(x, y, polygon[0]) and not any(_inside_ring(x, y, hole) for hole in polygon[1:])
            for polygon in self.polygons
        )


def lsoa_centres(geojson: dict[str, Any]) -> dict[str, tuple[float, float]]:
    """{LSOA code: (longitude, latitude)}: the file's LONG/LAT, else the outline's average point."""
    centres = {}
    for feature in geojson.get("features") or []:
        properties = (feature or {}).get("properties") or {}
        code = next((value for key, value in properties.items() if LSOA_CODE.match(key)), None)
        if not isinstance(code, str):
            continue
        lon, lat = properties.get("LONG"), properties.get("LAT")
        if not isinstance(lon, (int, float)) or not isinstance(lat, (int, float)):
            polygons = _rings(feature.get("geometry") or {})
            if not polygons:
                continue
            outline = polygons[0][0]
            lon, lat = sum(p[0] for p in outline) / len(outline), sum(p[1] for p in outline) / len(outline)
        centres[code] = (float(lon), float(lat))
    return centres


def ward_imd_ranks(
    ranks: dict[str, int], centres: dict[str, tuple[float, float]], wards: dict[int, dict[str, Any]],
    report: ImportReport | None = None,
) -> dict[int, float]:
    """{ward id: mean IMD rank of the LSOAs centred in it} for wards given as {id: geometry}."""
    report = report or ImportReport()
    shapes = {ward_id: Shape(geometry) for ward_id, geometry in wards.items()}
    found: dict[int, list[int]] = {}
    for code, (lon, lat) in centres.items():
        if code not in ranks:
            report.skip("LSOA not in the IMD file")
            continue
        ward_id = next((ward_id for ward_id, shape in shapes.items() if shape.contains(lon, lat)), None)
        if ward_id is None:
            report.skip("LSOA outside every ward")
            continue
        found.setdefault(ward_id, []).append(ranks[code])
    return {ward_id: sum(values) / len(values) for ward_id, values in found.items()}


def import_imd(imd_csv: str, lsoa_geojson: str) -> ImportReport:
    """Set each ward's local_index_score from the LSOAs inside it. Safe to run again."""
    try:
        geojson = json.loads(lsoa_geojson)
    except json.JSONDecodeError as error:
        raise DomainError(f"The LSOA file is not valid GeoJSON: {error.msg.removesuffix(' at')} (line {error.lineno})", field="file")
    ranks = read_imd_ranks(imd_csv)
    wards = {
        ward.id: ward.geometry for ward in db.session.scalars(select(Ward)) if ward.boundary
    }
    if not wards:
        raise DomainError("Import the wards, with their boundaries, before the deprivation data", field="file")
    report = ImportReport()
    scores = ward_imd_ranks(ranks, lsoa_centres(geojson), wards, report)
    for ward in db.session.scalars(select(Ward)):
        score = scores.get(ward.id)
        if score is None:
            report.skip("ward with no LSOA inside")
        elif ward.local_index_score != score:
            ward.local_index_score = score
            report.updated += 1
    db.session.flush()
    return report
