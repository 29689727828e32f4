"""Entities the text-risk engine extracts are checked against shared account signals."""

from __future__ import annotations

from datetime import timedelta

from childguard.audit import Actor
from childguard.exchange import accounts
from childguard.store.db import Database
from childguard.store.models import Org
from childguard.textrisk.artifacts import build_artifacts
from childguard.textrisk.entities import extract_entities


def test_text_entities_hit_shared_signals(db: Database, org: Org) -> None:
    text = "add me on telegram: shady_trader or call 012 345 678, see shady-site.xyz/pics"
    entities = extract_entities(build_artifacts(text), text)
    assert {e["type"] for e in entities} >= {"phone", "handle", "url"}
    with db.session(write=True) as s:
        actor = Actor(org.id, None, "t")
        group, _ = accounts.create_group(s, org, "g", None, actor)
        accounts.set_category(s, org, group, "CSAM_TRADE", allow=True, actor=actor)
        year = timedelta(days=365)
        accounts.share(s, org, group, "phone", "+855 12 345 678", "CSAM_TRADE", expires_in=year,
                       actor=actor)  # fmt: skip
        accounts.share(s, org, group, "handle", "Shady_Trader", "CSAM_TRADE", expires_in=year,
                       actor=actor, platform="telegram")  # fmt: skip
        accounts.share(s, org, group, "url", "http://shady-site.xyz/pics/", "CSAM_TRADE",
                       expires_in=year, actor=actor)  # fmt: skip
        hits = accounts.match_entities(s, org.id, entities)
        assert sorted(h.kind for h in hits) == ["handle", "phone", "url"]
        assert {h.category for h in hits} == {"CSAM_TRADE"}
        # a revoked signal no longer matches
        for hit in hits:
            accounts.revoke(s, org, hit.signal_id, actor)
        assert accounts.match_entities(s, org.id, entities) == []
