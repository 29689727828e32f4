"""The checklist shipped as package data (``policy/data/cop_checklist.yaml``)."""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources
from typing import Any

import yaml

SCALE = (0, 1, 2, 3)


@dataclass(frozen=True)
class Item:
    """One checklist item: id, question, company types it applies to, cited sources, auto key."""

    id: str
    area: str
    question: str
    applies: tuple[str, ...]
    sources: tuple[str, ...]
    auto: str | None

    def applies_to(self, company_type: str) -> bool:
        """Whether the item applies to ``company_type``."""
        return "all" in self.applies or company_type in self.applies


@dataclass(frozen=True)
class Area:
    """A checklist area (domain) with its weight in the gap report's priorities."""

    id: str
    name: str
    weight: int
    items: tuple[Item, ...]


@dataclass(frozen=True)
class Checklist:
    """The whole checklist."""

    version: str
    company_types: tuple[str, ...]
    sources: dict[str, dict[str, str]]
    areas: tuple[Area, ...]

    def items(self) -> dict[str, Item]:
        """Every item by id."""
        return {i.id: i for a in self.areas for i in a.items}


def load() -> Checklist:
    """Read the shipped checklist."""
    text = (resources.files("childguard.policy") / "data" / "cop_checklist.yaml").read_text("utf-8")
    raw: dict[str, Any] = yaml.safe_load(text)
    areas = tuple(
        Area(
            d["id"],
            d["name"],
            int(d["weight"]),
            tuple(
                Item(
                    i["id"],
                    d["id"],
                    i["q"],
                    tuple(i["applies"]),
                    tuple(i["sources"]),
                    i.get("auto"),
                )
                for i in d["items"]
            ),
        )
        for d in raw["domains"]
    )
    return Checklist(str(raw["version"]), tuple(raw["company_types"]), raw["sources"], areas)
