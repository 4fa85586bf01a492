"""Shared pieces of the extraction benchmarks: loading the labelled corpus and the
real evaluation texts, canonical names from the conflict gazetteer, and the
story-level rules that turn a list of extracted events into comparable facts.

The rules here are the measuring instrument, so they are written down once:

* **Headline restatement.** A headline usually restates a fact of its summary
  ("Fourteen killed in Ganja" / "... killed 14 people ..."). Gold labels are per
  story (one fact, one gold event). A predicted event read from the title (its
  evidence is in the title, not the summary) is dropped when a summary event
  restates it: a casualty with the same `killed` figure (or the same `wounded`
  when the title gives no deaths) and the same historical flag; a violation whose
  actor and location do not contradict it; a truce with the same status. Only
  identical figures are restatements: a headline's "Scores killed" beside the
  summary's "32 were killed" is counted twice, as the model would count it.
  Truces are compared as the set of distinct statuses of the story.
* **Story figures.** killed = sum of `killed` over non-historical incident
  casualties that are not nationality subsets; wounded likewise; cumulative = the
  largest non-historical cumulative `killed`. Missing figures count as 0, so a
  story with no gold deaths is right only if nothing is predicted either.
* **Nationality subsets.** Gold marks them `"subset": true`. A predicted casualty
  is a subset when its `side` names a nation that is not a party to the story's
  (gold) conflict per the gazetteer: "nine Americans killed in Israel" is not
  added. Subsets count in neither the incident nor the cumulative figure.
"""

from __future__ import annotations

import csv
import json
import re
import sys
import tomllib
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "tests" / "data" / "corpus.jsonl"
GAZETTEER = ROOT / "src" / "sitmon" / "data" / "conflicts.toml"
EVAL = ROOT.parent / "shared" / "eval"
ISAF = EVAL / "isaf" / "isaf_press_releases_test.csv"
UCDP = EVAL / "ucdp" / "ucdpged_sample_1000.csv"

csv.field_size_limit(10_000_000)

# Nationalities that appear as victims' `side` in news but not in the gazetteer
# (which lists parties and mediators only). Used to tell a nationality subset
# ("ten Nepali students among the dead") from an affiliation ("al-Qaeda leader").
OTHER_NATIONS = {
    "nepal", "nepali", "nepalese", "south africa", "south african", "spain", "spanish",
    "australia", "australian", "canada", "canadian", "poland", "polish", "philippines",
    "filipino", "italy", "italian", "japan", "japanese", "india", "indian", "brazil",
    "brazilian", "argentina", "argentine", "mexico", "mexican", "malawi", "malawian",
    "uruguay", "uruguayan", "netherlands", "dutch", "belgium", "belgian", "sri lanka",
    "sri lankan", "bangladesh", "bangladeshi", "georgia", "georgian", "moldova", "moldovan",
}
REFNUM = re.compile(r"\d{4}-\d{2}-[A-Z]+-\d+")


def load_extract() -> Callable:
    """sitmon.extract.extract, or a one-line exit when the package is not there yet."""
    try:
        from sitmon.extract import extract
    except ImportError as exc:
        sys.exit(f"sitmon.extract.extract is not importable yet: {exc}")
    return extract


def parse_time(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(timezone.utc)


def load_corpus(path: Path = CORPUS) -> list[dict]:
    with path.open(encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def as_dicts(events: Iterable) -> list[dict]:
    """Events as DESIGN.md dicts, whether extract() returned dataclasses or dicts."""
    return [e.as_dict() if hasattr(e, "as_dict") else dict(e) for e in events]


# --- canonical names --------------------------------------------------------------


class Names:
    """Maps any alias, demonym or name in the gazetteer to its canonical name."""

    def __init__(self, path: Path = GAZETTEER) -> None:
        self.alias: dict[str, str] = {}
        self.parties: dict[str, set[str]] = {}
        self.nations: set[str] = set(OTHER_NATIONS)
        if not path.exists():
            return
        data = tomllib.loads(path.read_text(encoding="utf-8"))
        for conflict in data.get("conflict", []):
            words = set()
            for party in conflict.get("party", []):
                self._learn(party)
                words |= {w.lower() for w in [party["name"], *party.get("aliases", []), *party.get("demonyms", [])]}
            self.parties[conflict["name"].lower()] = words
            self.nations |= words
        for actor in data.get("actor", []):
            self._learn(actor)
            self.nations.add(actor["name"].lower())

    def _learn(self, entry: dict) -> None:
        canonical = entry["name"].lower()
        for word in [entry["name"], *entry.get("aliases", []), *entry.get("demonyms", [])]:
            self.alias.setdefault(word.lower(), canonical)

    def canon(self, name: str | None) -> str | None:
        if not name:
            return None
        key = name.strip().lower()
        return self.alias.get(key, key)

    def canon_set(self, names: Iterable[str] | None) -> frozenset[str]:
        return frozenset(self.canon(n) for n in names or [] if n)

    def is_nation(self, side: str) -> bool:
        return bool({side.strip().lower(), self.canon(side)} & self.nations)

    def is_party(self, conflict: str | None, side: str) -> bool:
        """`side` names a party of `conflict` (its name, an alias or a demonym); a
        shared six-letter stem is enough, so "Palestine" finds "Palestinian"."""
        words = self.parties.get((conflict or "").lower(), set())
        sides = {side.strip().lower(), self.canon(side) or ""}
        return any(s in words or any(w[:6] == s[:6] for w in words if len(s) >= 6) for s in sides)


def same_conflict(a: str | None, b: str | None) -> bool:
    return (a or "").strip().lower() == (b or "").strip().lower()


def loose_match(gold: str | None, pred: str | None, names: Names) -> bool:
    """Names agree if canonical forms are equal or one contains the other."""
    if not gold or not pred:
        return False
    g, p = names.canon(gold), names.canon(pred)
    return g == p or g in p or p in g


# --- story rules -------------------------------------------------------------------


def from_title(event: dict, title: str, summary: str) -> bool:
    evidence = (event.get("evidence") or "").strip()
    return bool(evidence) and evidence in title and evidence not in summary


def restates(head: dict, body: dict, names: Names) -> bool:
    """Whether a headline event states the same fact as a summary event."""
    if head["type"] != body["type"]:
        return False
    if head["type"] == "casualty":
        if bool(head.get("historical")) != bool(body.get("historical")):
            return False
        if head.get("killed") is not None:
            return head["killed"] == body.get("killed")
        return head.get("wounded") is not None and head["wounded"] == body.get("wounded")
    if head["type"] == "violation":
        return all(
            not head.get(key) or not body.get(key) or loose_match(head[key], body[key], names)
            for key in ("actor", "location")
        )
    return head.get("status") == body.get("status")


def collapse(events: list[dict], title: str, summary: str, names: Names) -> list[dict]:
    """Drop headline events that a summary event restates (see the module docstring)."""
    body = [e for e in events if not from_title(e, title, summary)]
    return [
        e for e in events
        if not from_title(e, title, summary) or not any(restates(e, b, names) for b in body)
    ]


def predicted_subset(event: dict, conflicts: set[str | None], names: Names) -> bool:
    """A predicted casualty whose `side` is a nation (gazetteer or OTHER_NATIONS)
    that is not a party to any known conflict of the story. Stories whose
    conflicts the gazetteer does not know have no subsets."""
    side = event.get("side")
    known = [c for c in conflicts if (c or "").lower() in names.parties]
    if not side or not known or not names.is_nation(side):
        return False
    return not any(names.is_party(c, side) for c in known)


@dataclass(frozen=True)
class Figures:
    killed: int
    wounded: int
    cumulative: int


def _sum_figures(events: list[dict], subset: Callable[[dict], bool]) -> Figures:
    current = [
        e for e in events if e["type"] == "casualty" and not e.get("historical") and not subset(e)
    ]
    incident = [e for e in current if e.get("scope", "incident") != "cumulative"]
    cumulative = [e.get("killed") or 0 for e in current if e.get("scope") == "cumulative"]
    return Figures(
        killed=sum(e.get("killed") or 0 for e in incident),
        wounded=sum(e.get("wounded") or 0 for e in incident),
        cumulative=max(cumulative, default=0),
    )


def gold_figures(gold: list[dict]) -> Figures:
    return _sum_figures(gold, lambda e: bool(e.get("subset")))


def predicted_figures(
    events: list[dict], title: str, summary: str, conflicts: set[str | None], names: Names
) -> Figures:
    """Story figures of the predicted events, headline restatements dropped."""
    kept = collapse(events, title, summary, names)
    return _sum_figures(kept, lambda e: predicted_subset(e, conflicts, names))


# --- real evaluation texts ------------------------------------------------------------


@dataclass(frozen=True)
class Release:
    ref: str
    title: str
    body: str
    published: datetime
    killed: int


def load_isaf(path: Path = ISAF) -> list[Release]:
    """ISAF press releases. The `text` column starts with the `eventrefnumber`
    column, which is either a reference number ("2013-01-S-025") or the release's
    own headline: that first line is the title (empty for a reference number) and
    the rest is the body. The `name` column is the annotator's own summary (it
    states the gold counts) and is never shown to the extractor. Published = the
    day after the event, as releases report "yesterday's" operations."""
    releases = []
    with path.open(encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            head = row["eventrefnumber"].strip()
            text = row["text"].strip()
            body = text[len(head):] if text.startswith(head) else text
            title = "" if REFNUM.fullmatch(head) else head
            start = datetime.fromisoformat(row["start_date"]).replace(tzinfo=timezone.utc)
            releases.append(
                Release(
                    ref=head,
                    title=title,
                    body=body.strip(),
                    published=start + timedelta(days=1, hours=12),
                    killed=int(row["min_killed"] or 0),
                )
            )
    return releases


@dataclass(frozen=True)
class UcdpEvent:
    headlines: list[str]
    published: datetime
    low: int
    high: int


def load_ucdp(path: Path = UCDP) -> list[UcdpEvent]:
    events = []
    with path.open(encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            heads = [h.strip() for h in (row["source_headline"] or "").split(";") if h.strip()]
            if not heads:
                continue
            start = datetime.fromisoformat(row["date_start"][:10]).replace(tzinfo=timezone.utc)
            events.append(UcdpEvent(heads, start, int(row["low"]), int(row["high"])))
    return events
