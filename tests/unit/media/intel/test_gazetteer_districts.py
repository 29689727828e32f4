"""The offline gazetteer names Cambodia's province and district (issue 20, req. 4)."""

from __future__ import annotations

from pathlib import Path

from PIL import Image

from childguard.media.intel.gazetteer import cambodia_districts, nearest_place
from childguard.media.intel.metadata import photo_metadata
from tests.intel_images import exif_jpeg

THMA_PUOK = (13.93, 103.08)  # a rural district seat in Banteay Meanchey
BASEDTH_COUNTRYSIDE = (11.20, 104.45)  # Kampong Speu, away from any provincial seat


def test_rural_position_names_province_and_district_in_english_and_khmer() -> None:
    place = nearest_place(*THMA_PUOK)
    assert place is not None
    assert (place.province, place.district) == ("Banteay Meanchey", "Thma Puok")
    assert place.district_km == "ថ្មពួក"
    assert place.province_km == "ខេត្តបន្ទាយមានជ័យ"
    other = nearest_place(*BASEDTH_COUNTRYSIDE)
    assert other is not None and (other.province, other.district) == ("Kampong Speu", "Basedth")


def test_every_province_has_districts_with_codes_and_centres_inside_cambodia() -> None:
    districts = cambodia_districts()
    assert len(districts) == 199
    assert len({d.code for d in districts}) == len(districts)
    assert len({d.province for d in districts}) == 25
    assert sum(1 for d in districts if d.name_km) >= 190
    centred = [d for d in districts if d.lat is not None and d.lon is not None]
    assert len(centred) >= 150
    for d in centred:
        assert 9.5 <= (d.lat or 0) <= 14.8 and 102.2 <= (d.lon or 0) <= 107.7, d


def test_photo_explanation_names_the_district(tmp_path: Path) -> None:
    path = exif_jpeg(tmp_path / "p.jpg", *THMA_PUOK)
    with Image.open(path) as image:
        meta = photo_metadata(image).to_public()
    assert meta["place"]["district"] == "Thma Puok"
    assert meta["place"]["district_km"] == "ថ្មពួក"
    assert any("Thma Puok" in line for line in meta["explanation"])
