"""/metrics and /v1/stats: an organisation's admin sees its own figures, never another's."""

from __future__ import annotations

import io

from PIL import Image

from tests.integration.api.conftest import Api


def _png(seed: int) -> bytes:
    img = Image.new("RGB", (64, 64))
    img.putdata([((x * 7 + seed) % 256, (x * 3) % 256, (x * seed) % 256) for x in range(64 * 64)])
    buf = io.BytesIO()
    img.save(buf, "PNG")
    return buf.getvalue()


def _bank_and_match(api: Api, headers: dict[str, str], bank: str, image: bytes) -> None:
    assert api.client.post("/v1/banks", headers=headers, json={"name": bank}).status_code == 201
    files = {"file": ("x.png", image, "image/png")}
    r = api.client.post(f"/v1/banks/{bank}/entries/upload", headers=headers, files=files)
    assert r.status_code == 201, r.text
    r = api.client.post("/v1/scan", headers=headers, files=files)
    assert r.status_code == 200 and r.json()["blocked"] is True, r.text


def test_metrics_and_stats_are_per_organisation(api: Api) -> None:
    acme, beta = api.key("acme", "platform"), api.key("beta", "platform")
    _bank_and_match(api, acme, "ACME_SECRET_BANK", _png(1))
    _bank_and_match(api, beta, "BETA_SECRET_BANK", _png(2))
    acme_admin = api.key("acme", "admin")
    mine = api.client.get("/metrics", headers=acme_admin)
    assert mine.status_code == 200
    assert 'childguard_org_matches_total{bank="ACME_SECRET_BANK",org="acme"}' in mine.text
    assert 'childguard_org_scans_total{org="acme",outcome="matched"} 1.0' in mine.text
    assert "BETA" not in mine.text and "beta" not in mine.text
    assert "childguard_http_requests" not in mine.text  # deployment traffic is not theirs
    everything = api.client.get("/metrics", headers=api.key("admin", "admin")).text
    assert "ACME_SECRET_BANK" in everything and "BETA_SECRET_BANK" in everything
    own = api.client.get("/v1/stats", headers=acme_admin).json()
    assert own["scope"] == "organisation"
    assert own["organisations"] == 1 and own["banks"] == 1
    assert sum(own["matched_scans_by_month"].values()) == 1
    wide = api.client.get("/v1/stats", headers=api.key("ministry", "regulator")).json()
    assert wide["scope"] == "deployment"
    assert wide["banks"] == 2
    # two matched scans this month: under k, so hidden from views across organisations
    assert list(wide["matched_scans_by_month"].values()) == [None]
    assert wide["organisations"] >= 3
    admin_wide = api.client.get("/v1/stats", headers=api.key("admin", "admin")).json()
    assert admin_wide["banks"] == 2


def test_statistics_across_organisations_are_refused_to_another_organisations_admin(
    api: Api,
) -> None:
    acme_admin = api.key("acme", "admin")
    for url in (
        "/v1/stats/tables",
        "/v1/stats/export?dimension=cases_by_source",
        "/v1/national/submitters",
        "/v1/national/assessments",
        "/v1/exchange/stats",
        "/regulator",
    ):
        refused = api.client.get(url, headers=acme_admin)
        assert refused.status_code == 403, url
        assert "your organisation's own figures" in refused.json()["error"]["message"], url
        for who in (api.key("ministry", "regulator"), api.key("admin", "admin")):
            assert api.client.get(url, headers=who).status_code == 200, url
