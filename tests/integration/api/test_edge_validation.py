"""Bad input is refused at the edge with a 400, never a 500: huge ids, deep JSON, wrong methods."""

from __future__ import annotations

import pytest

from childguard.store.models import MAX_ID
from tests.integration.api.conftest import Api

HUGE = 2**64


@pytest.mark.parametrize(
    ("method", "url"),
    [
        ("GET", f"/v1/banks/B1/entries?after={HUGE}"),
        ("PATCH", f"/v1/banks/B1/entries/{HUGE}"),
        ("DELETE", f"/v1/banks/B1/entries/{HUGE}"),
        ("GET", f"/c/bank/B1/content/{HUGE}"),
        ("PUT", f"/c/bank/B1/content/{HUGE}"),
        ("DELETE", f"/c/bank/B1/content/{HUGE}"),
        ("DELETE", f"/v1/keys/{HUGE}"),
        ("GET", f"/v1/audit?after={HUGE}"),
        ("GET", f"/v1/audit?after={2**63}"),
        ("GET", f"/v1/audit?after={2**31}"),
        ("GET", f"/c/bank/B1/content/{2**31}"),
    ],
)
def test_ids_beyond_64_bits_are_a_400(api: Api, method: str, url: str) -> None:
    admin = api.key("admin", "admin")
    assert api.client.post("/v1/banks", json={"name": "B1"}, headers=admin).status_code == 201
    body = {"enabled": True} if method == "PATCH" else {} if method == "PUT" else None
    r = api.client.request(method, url, headers=admin, json=body)
    assert r.status_code == 400, r.text
    assert str(MAX_ID) in r.json()["error"]["message"]


def test_largest_id_is_a_plain_not_found(api: Api) -> None:
    admin = api.key("admin", "admin")
    assert api.client.post("/v1/banks", json={"name": "B1"}, headers=admin).status_code == 201
    for url in (f"/v1/keys/{MAX_ID}", f"/c/bank/B1/content/{MAX_ID}"):
        r = api.client.request("DELETE" if "keys" in url else "GET", url, headers=admin)
        assert r.status_code == 404, r.text
    r = api.client.get(f"/v1/audit?after={MAX_ID}", headers=admin)
    assert r.status_code == 200 and r.json() == []


@pytest.mark.parametrize("fast", [True, False])
@pytest.mark.parametrize("url", ["/v1/lookup", "/v1/banks", "/m/compare", "/v1/text/analyze"])
def test_deeply_nested_json_is_a_400(make_api: object, url: str, fast: bool) -> None:
    api: Api = make_api(fast_routes=fast)  # type: ignore[operator]
    admin = api.key("admin", "admin")
    deep = "[" * 10_000 + "]" * 10_000
    r = api.client.post(url, content=deep, headers={**admin, "content-type": "application/json"})
    assert r.status_code == 400, r.text
    assert r.json()["error"]["code"] == "invalid_input"


def test_405_names_every_allowed_method(api: Api) -> None:
    admin = api.key("admin", "admin")
    r = api.client.put("/v1/banks", headers=admin)
    assert r.status_code == 405
    assert r.headers["allow"] == "GET, POST"
    assert r.json()["error"]["code"] == "method_not_allowed"


def test_unknown_query_parameters_are_named(api: Api) -> None:
    admin = api.key("admin", "admin")
    r = api.client.get("/v1/audit?limt=5", headers=admin)
    assert r.status_code == 400
    assert "'limt'" in r.json()["error"]["message"]


def test_openapi_declares_400_bearer_and_real_content_types(api: Api) -> None:
    doc = api.client.get("/openapi.json").json()
    assert doc["components"]["securitySchemes"]["bearer"]["scheme"] == "bearer"
    operations = [op for ops in doc["paths"].values() for op in ops.values()]
    assert all("422" not in op["responses"] or "requestBody" in op for op in operations)
    assert all("400" in op["responses"] for op in operations if op["security"])
    metrics = doc["paths"]["/metrics"]["get"]["responses"]["200"]["content"]
    assert list(metrics) == ["text/plain"]
    export = doc["paths"]["/v1/banks/{name}/export"]["get"]["responses"]["200"]["content"]
    assert set(export) == {"text/csv", "text/plain"}
    assert "http_error" not in api.client.get("/openapi.json").text
