"""Shared pieces of the extraction benchmarks: loading the labelled corpus and the
real evaluation texts, canonical names from the conflict gazetteer, and the
story-level rules that turn a list of extracted events into comparable facts.

The rules here are the measuring instrument, so they are written down once:

* **Headline restatement.** A headline usually restates a fact of its summary
  ("Fourteen killed in Ganja" / "... killed 14 people ..."). Gold labels are per
  story (one fact, one gold event). For predictions, the summary supersedes the
  headline: a casualty event read from the title is dropped when the summary gives
  a figure of the same kind (killed, else wounded) with the same scope and
  historical flag; a violation read from the title is dropped when the summary
  reports any violation. Truces are compared as the set of distinct statuses.
* **Story figures.** killed = sum of `killed` over non-historical incident
  casualties that are not nationality subsets; wounded likewise; cumulative = the
  largest non-historical cumulative `killed`. Missing figures count as 0, so a
  story with no gold deaths is right only if nothing is predicted either. The
  headline/summary rule is applied per figure: when the summary states a figure
  of that kind, the headline's is ignored.
* **Nationality subsets.** Gold marks them `"subset": true`. A predicted casualty
  is a subset when its `side` names someone who is not a party to the story's
  conflict (per the gazetteer): "nine Americans killed in Israel" is not added.
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
        if not path.exists():
            return
        data = tomllib.loads(path.read_text(encoding="utf-8"))
        for conflict in data.get("conflict", []):
            names = set()
            for party in conflict.get("party", []):
                self._learn(party)
                names.add(party["name"].lower())
            self.parties[conflict["name"].lower()] = names
        for actor in data.get("actor", []):
            self._learn(actor)

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

    def is_party(self, conflict: str | None, side: str) -> bool:
        return self.canon(side) in self.parties.get((conflict or "").lower(), set())


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


def figure_kind(event: dict) -> str | None:
    if event.get("killed") is not None:
        return "killed"
    if event.get("wounded") is not None:
        return "wounded"
    return None


def collapse(events: list[dict], title: str, summary: str) -> list[dict]:
    """Drop headline events that the summary restates (see the module docstring)."""
    body = [e for e in events if not from_title(e, title, summary)]
    body_violation = any(e["type"] == "violation" for e in body)
    body_figures = {
        (figure_kind(e), e.get("scope"), bool(e.get("historical")))
        for e in body
        if e["type"] == "casualty"
    }
    kept = []
    for event in events:
        if from_title(event, title, summary):
            if event["type"] == "violation" and body_violation:
                continue
            key = (figure_kind(event), event.get("scope"), bool(event.get("historical")))
            if event["type"] == "casualty" and key in body_figures:
                continue
        kept.append(event)
    return kept


def predicted_subset(event: dict, conflicts: set[str | None], names: Names) -> bool:
    side = event.get("side")
    if not side:
        return False
    return not any(names.is_party(c, side) for c in conflicts | {event.get("conflict")})


@dataclass(frozen=True)
class Figures:
    killed: int
    wounded: int
    cumulative: int


def _sum_figures(events: list[dict], subset: Callable[[dict], bool]) -> Figures:
    current = [e for e in events if e["type"] == "casualty" and not e.get("historical")]
    incident = [e for e in current if e.get("scope", "incident") != "cumulative" and not subset(e)]
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
    """Story figures, each taken from the summary when it states one, else the title."""
    subset = lambda e: predicted_subset(e, conflicts, names)  # noqa: E731
    head = _sum_figures([e for e in events if from_title(e, title, summary)], subset)
    body = _sum_figures([e for e in events if not from_title(e, title, summary)], subset)
    return Figures(
        killed=body.killed or head.killed,
        wounded=body.wounded or head.wounded,
        cumulative=body.cumulative or head.cumulative,
    )


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
