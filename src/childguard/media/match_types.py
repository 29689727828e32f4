"""What a match is: the bank it came from and the matched entry with its provenance; and the allow
rule that marks matches suppressed.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class BankRef:
    """The parts of a bank the matcher needs per hit."""

    id: int
    org_id: int
    name: str
    is_allow: bool
    threshold: int
    #: The owning organisation's name: two banks shared with one organisation may share a name.
    owner: str = ""


@dataclass
class Match:
    """One bank entry matched by a file or a hash, with its provenance."""

    bank: str
    entry_id: int
    signal_type: str
    value: str
    distance: int
    transform: str
    allow: bool
    provenance: dict[str, str] = field(default_factory=dict)
    #: The organisation that owns the bank (banks shared by two owners may have one name).
    owner: str = ""
    detail: dict[str, float] | None = None
    suppressed: bool = False
    #: HMA's ``bank_content_id``: the entry's content group, or the entry itself.
    content_id: int = 0

    def to_public(self) -> dict[str, object]:
        """JSON form used by the CLI and the API."""
        out: dict[str, object] = {
            "bank": self.bank,
            "owner": self.owner,
            "entry_id": self.entry_id,
            "signal_type": self.signal_type,
            "signal": self.value,
            "distance": self.distance,
            "transform": self.transform,
            "allow": self.allow,
            "suppressed": self.suppressed,
            "provenance": self.provenance,
        }
        if self.detail:
            out["detail"] = self.detail
        return out


#: An index hit kept for materialising: the index match, the lookup that found it, its bank.


def apply_allow(matches: list[Match]) -> list[Match]:
    """Mark non-allow matches ``suppressed`` when any allow-bank match is present."""
    if any(m.allow for m in matches):
        for m in matches:
            if not m.allow:
                m.suppressed = True
    return matches
