"""The three kinds of fact sitmon reads from news text.

Each event serialises (``as_dict``) to exactly the JSON of DESIGN.md's
``sitmon extract`` contract, plus a few extra keys the model needs
(``ends`` for a truce's planned end, ``breach`` for an explicit accusation).
``as_dict`` spells the fields out: ``dataclasses.asdict`` deep-copies and cost
~15 us an event, a tenth of a big poll's extraction.
Stored events are these dicts; the model reads them back as dicts.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime


@dataclass(frozen=True)
class Context:
    """What a sentence extractor knows besides the sentence itself."""

    published: datetime  # the story's publication time, UTC, timezone-aware
    conflict: str | None = None  # the story-level conflict, if the gazetteer found one


@dataclass
class Truce:
    conflict: str | None
    evidence: str
    status: str  # proposed|agreed|in_effect|violated|extended|collapsed|ended
    parties: list[str] = field(default_factory=list)
    mediators: list[str] = field(default_factory=list)
    kind: str | None = None  # humanitarian|general|partial|...
    effective: str | None = None  # ISO-8601 UTC
    ends: str | None = None  # ISO-8601 UTC planned end, if stated
    type: str = "truce"

    def as_dict(self) -> dict:
        return {
            "conflict": self.conflict, "evidence": self.evidence, "status": self.status,
            "parties": list(self.parties), "mediators": list(self.mediators), "kind": self.kind,
            "effective": self.effective, "ends": self.ends, "type": self.type,
        }


@dataclass
class Violation:
    conflict: str | None
    evidence: str
    actor: str | None = None
    claimed_by: str | None = None
    location: str | None = None
    weapon: str | None = None
    breach: bool = False  # the sentence explicitly accuses someone of breaking a truce
    type: str = "violation"

    def as_dict(self) -> dict:
        return {
            "conflict": self.conflict, "evidence": self.evidence, "actor": self.actor,
            "claimed_by": self.claimed_by, "location": self.location, "weapon": self.weapon,
            "breach": self.breach, "type": self.type,
        }


@dataclass
class Casualty:
    conflict: str | None
    evidence: str
    killed: int | None = None
    killed_high: int | None = None
    wounded: int | None = None
    wounded_high: int | None = None
    victims: str | None = None  # civilians|soldiers|children|...
    side: str | None = None  # the party or nationality the victims belong to
    scope: str = "incident"  # incident|cumulative
    historical: bool = False
    type: str = "casualty"

    def as_dict(self) -> dict:
        return {
            "conflict": self.conflict, "evidence": self.evidence, "killed": self.killed,
            "killed_high": self.killed_high, "wounded": self.wounded, "wounded_high": self.wounded_high,
            "victims": self.victims, "side": self.side, "scope": self.scope,
            "historical": self.historical, "type": self.type,
        }


Event = Truce | Violation | Casualty
