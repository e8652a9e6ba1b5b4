"""Draw wards as SVG paths from their GeoJSON boundaries. Pure: no Flask, no session.

An equirectangular projection scaled by the cosine of the mean latitude is
accurate enough for one borough, and needs no map tiles or scripts."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Iterable


@dataclass
class WardShape:
    ward_id: int
    code: str
    name: str
    path: str
    label_x: float
    label_y: float


def _rings(geometry: dict[str, Any]) -> Iterable[list[list[float]]]:
    if geometry.get("type") == "Polygon":
        yield from geometry.get("coordinates", [])
    elif geometry.get("type") == "MultiPolygon":
        for polygon in geometry.get("coordinates", []):
            yield from polygon


def ward_shapes(wards: list[tuple[int, str, str, dict[str, Any] | None]], width: float = 800.0) -> tuple[str, list[WardShape]]:
    """(viewBox, shapes) for wards given as (id, code, name, geometry)."""
    points = [point for _, _, _, geometry in wards if geometry for ring in _rings(geometry) for point in ring]
    if not points:
        return "0 0 0 0", []
    min_lon = min(p[0] for p in points)
    max_lon = max(p[0] for p in points)
    min_lat = min(p[1] for p in points)
    max_lat = max(p[1] for p in points)
    x_scale = math.cos(math.radians((min_lat + max_lat) / 2))
    span_x = max((max_lon - min_lon) * x_scale, 1e-9)
    scale = width / span_x
    height = (max_lat - min_lat) * scale

    def project(point: list[float]) -> tuple[float, float]:
        return (point[0] - min_lon) * x_scale * scale, (max_lat - point[1]) * scale

    shapes = []
    for ward_id, code, name, geometry in wards:
        if not geometry:
            continue
        parts = []
        xs, ys = [], []
        for ring in _rings(geometry):
            projected = [project(point) for point in ring]
            xs.extend(x for x, _ in projected)
            ys.extend(y for _, y in projected)
            parts.append("M" + "L".join(f"{x:.1f},{y:.1f}" for x, y in projected) + "Z")
        shapes.append(
            WardShape(ward_id, code, name, "".join(parts), (min(xs) + max(xs)) / 2, (min(ys) + max(ys)) / 2)
        )
    return f"0 0 {width:.0f} {height:.0f}", shapes


def shade_class(count: int) -> str:
    """One of five shades for the number of open needs."""
    if count <= 0:
        return "app-map__ward--0"
    if count <= 2:
        return "app-map__ward--1"
    if count <= 5:
        return "app-map__ward--2"
    if count <= 10:
        return "app-map__ward--3"
    return "app-map__ward--4"
