"""The shipped checklist: every item cites a known source; ids are unique; evidence keys exist."""

from __future__ import annotations

from childguard.policy.assessment import IN_CHILDGUARD
from childguard.policy.checklist import load
from childguard.policy.evidence import CHECKS


def test_every_item_cites_a_source_and_auto_items_have_checks() -> None:
    checklist = load()
    items = [i for a in checklist.areas for i in a.items]
    assert len({i.id for i in items}) == len(items) >= 35
    for item in items:
        assert item.sources, item.id
        assert set(item.sources) <= set(checklist.sources), item.id
        assert set(item.applies) <= {*checklist.company_types, "all"}, item.id
        if item.auto:
            assert item.auto in CHECKS and item.auto in IN_CHILDGUARD, item.id
    cited = {s for i in items for s in i.sources}
    for key in cited - {"DRAFT"}:
        assert checklist.sources[key]["url"].startswith("https://"), key
    # The requirement's self-evidenced items are all there.
    autos = {i.auto for i in items if i.auto}
    assert {
        "hash_matching",
        "hotline_sink",
        "queues_staffed",
        "wellness_limits",
        "retention_set",
        "stats_submitted",
    } <= autos
