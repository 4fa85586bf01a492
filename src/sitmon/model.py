"""The situation as of any instant: pure functions over stored events.

``situation(events, as_of)`` folds the truce, violation and casualty events read
from stories published up to ``as_of`` into what the panes show and what
``sitmon export`` prints. Nothing here does I/O; the only outside knowledge is
the shipped conflict gazetteer (parties and places), read once.

News is repetitive and extraction is noisy, so every rule below prefers a
conservative answer that many reports agree on over the latest single
sentence:

* A *claim* is what one outlet story says about a truce: the status of the
  sentence that is the story's headline if a truce sentence is the headline,
  else the most advanced status the story mentions. Headline claims weigh 2,
  body claims 1, and the same sentence syndicated by many outlets counts once.
* A truce becomes agreed/active only when deal reports outweigh the talk
  reports since the first of them, with a headline start time or start reports
  (agreed, took effect) of weight 3 including a headline (a headline and a
  mention, two headlines); after talks or an earlier truce, "violated" and
  "extended" reports never start one (they are about the old truce); it collapses or ends
  only when terminal claims outweigh the deal claims after them (weight 3,
  or any left uncontradicted for six hours); a corroborated collapse that
  stood for twelve hours is final. ``violated`` keeps it active.
* A new agreement in the same conflict opens a new truce only after the old
  one ended (and a short gap, or with a new start time), or when a headline
  announces a start time days after the old one began; it supersedes the old.
* Casualty figures: the cumulative toll per conflict and side is the
  second-highest figure over distinct story clusters (so one misread sentence
  cannot inflate it, and stale repeats cannot lower it), or a plausible
  reported rise above it; incidents reported after it are added once each,
  folded across outlets, clusters and days. A placeless figure equal to a
  war-to-date toll already reported is that toll again, not an incident.
* Violations: a sentence that is a war-to-date toll or a holding truce is no
  attack; a report naming no place (a denial, a vaguer account) joins that
  day's attack by the same actor.

The UI asks again after every poll and every few seconds, from the store's
shared, read-only event objects: what one event says is read once per object
and kept on it (``_read``), conflicts whose reports share no story fold apart and each fold
is kept while its events are the same, so a poll refolds only the conflicts
it brought news of; only truce states, which move with the clock, are
recomputed each time. None of this changes an answer.
"""

from __future__ import annotations

import heapq
import os
import re
import threading
from bisect import bisect_left, bisect_right
from collections import Counter, OrderedDict, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, time as time_of_day, timedelta, timezone
from functools import lru_cache
from operator import attrgetter

from sitmon.gcpause import gc_paused

PROPOSED, AGREED = "proposed", "agreed"
IN_EFFECT, VIOLATED, EXTENDED = "in_effect", "violated", "extended"
COLLAPSED, ENDED = "collapsed", "ended"
ACTIVE_REPORTS = frozenset({IN_EFFECT, VIOLATED, EXTENDED})
TERMINAL = frozenset({COLLAPSED, ENDED})
_RANK = {PROPOSED: 0, AGREED: 1, IN_EFFECT: 2, VIOLATED: 2, EXTENDED: 3, COLLAPSED: 4, ENDED: 4}

NEW_AGREEMENT_GAP = timedelta(hours=12)  # stale "agreed" repeats follow a collapse for hours
LONE_TERMINAL_AGE = timedelta(hours=6)  # one uncontradicted collapse report counts after this
CORROBORATED = 3  # weight that counts at once: two headlines, or a headline and a mention
TERMINAL_FINAL = timedelta(hours=12)  # a collapse that stood this long is not undone
OUTLIVED = 4  # "holding" weight after a planned end that shows the end was moved
SUPERSEDE_AFTER = timedelta(hours=48)  # a new start this long after the old one is a new truce
INCIDENT_REPEAT = timedelta(hours=72)  # the same place and toll within this is the same incident
UPDATE_WINDOW = timedelta(hours=48)  # "the toll from the strike rose to" within this: same incident
ANNOUNCEMENT = timedelta(hours=12)  # a planned end is read from reports this close to the start
NEARBY = timedelta(hours=6)  # reports this close count as the same day across midnight
_SLACK = timedelta(hours=1)  # clock and rounding slack between a report and the time it names
# What is derived from one sentence is kept on each event (see _read), so a sentence
# cache only needs to span the outlets that repeat it within one fold; a bigger one
# would keep every sentence ever read for as long as the monitor runs.
_SENTENCES = 1 << 9
# Place names come from a small vocabulary that every fold reads again.
_PLACE_NAMES = 1 << 14

_COMBATANTS = frozenset({"soldiers", "soldier", "troops", "fighters", "militants", "servicemen",
                         "service members", "combatants", "military", "police", "officers"})
_CIVILIANS = frozenset({"civilians", "civilian", "children", "women", "residents"})
_GENERIC_VICTIMS = frozenset({"", "people", "persons", "person", "total", "all"})
_NOT_PLACES = frozenset(
    "monday tuesday wednesday thursday friday saturday sunday january february march april may "
    "june july august september october november december the a an its their his her this that "
    "overnight night morning evening sunday's city town village region province district".split()
)
_UPDATE = re.compile(r"\b(?:toll|tolls)\b.{0,40}\b(?:rises|rose|risen|climbs|climbed|increases|increased|"
                     r"reaches|reached|jumps|jumped|now)\b|\brevised\b", re.IGNORECASE)
_PLACE_AFTER = re.compile(
    r"\b(?:in|on|at|near|outside|into|over|around|across|towards?|of)\s+"
    r"(?:the\s+)?(?:(?:city|town|village|region|province|district)\s+of\s+)?"
    r"([A-Z][\w'\u2019-]+(?:\s+[A-Z][\w'\u2019-]+)?)"
)


@dataclass(slots=True, eq=False)
class StoredEvent:
    """An event as the store hands it over: its story's cluster and key, when the
    story was published, the extracted fields, and the cluster's sources.

    Read-only by contract.  The store keeps one object per event for as long as the
    app runs and gives the same objects to every caller, so identity is equality
    and the model's caches key on the objects.  What the fold reads of an event
    (see _read) is worked out on first use and kept in the event's own slots: a
    record of its own per event, and a dict to find it by, would cost some 260 bytes
    per event for as long as the monitor runs.
    """

    cluster_id: int
    story_key: int
    published: datetime
    data: dict
    sources: tuple[dict, ...] = ()
    # the fold's reading, filled in by _read ("time" last: None until then)
    cleaned: StoredEvent | None = field(init=False, repr=False)
    dated: bool = field(init=False, repr=False)
    type: str = field(init=False, repr=False)
    conflict: str | None = field(init=False, repr=False)
    sentence: int = field(init=False, repr=False)
    places: frozenset[str] = field(init=False, repr=False)
    names: tuple[str, ...] = field(init=False, repr=False)
    toll: int | None = field(init=False, repr=False)
    stated: tuple | None = field(init=False, repr=False)
    restates: tuple | None = field(init=False, repr=False)
    cumulative: bool = field(init=False, repr=False)
    holding: bool = field(init=False, repr=False)
    attack: bool | None = field(init=False, repr=False)
    figure: _Figure | None = field(init=False, repr=False)
    time: datetime | None = field(default=None, init=False, repr=False)

    @property
    def sound(self) -> StoredEvent:
        """The event, or its copy without ill-typed fields (see _sound)."""
        return self.cleaned or self


# --------------------------------------------------------------------------- output


@dataclass
class TruceState:
    conflict: str | None
    parties: list[str]
    mediators: list[str]
    kind: str | None
    status: str
    active: bool
    effective: datetime | None
    since: datetime | None
    ends: datetime | None
    violations: int
    history: list[dict]
    sources: list[dict]
    superseded: bool = False

    def as_dict(self) -> dict:
        return {
            "conflict": self.conflict, "parties": self.parties, "mediators": self.mediators,
            "kind": self.kind, "status": self.status, "active": self.active,
            "effective": _iso(self.effective), "since": _iso(self.since), "ends": _iso(self.ends),
            "violations": self.violations, "superseded": self.superseded,
            "history": self.history, "sources": self.sources,
        }


@dataclass
class ViolationIncident:
    conflict: str | None
    time: datetime
    location: str | None
    actor: str | None
    claimed_by: str | None
    weapon: str | None
    breach: bool
    killed: int | None
    killed_high: int | None
    wounded: int | None
    during_truce: bool
    sources: list[dict]

    def as_dict(self) -> dict:
        return {
            "conflict": self.conflict, "time": _iso(self.time), "location": self.location,
            "actor": self.actor, "claimed_by": self.claimed_by, "weapon": self.weapon,
            "breach": self.breach, "killed": self.killed, "killed_high": self.killed_high,
            "wounded": self.wounded, "during_truce": self.during_truce, "sources": self.sources,
        }


@dataclass
class Tally:
    conflict: str
    killed: int | None
    killed_high: int | None
    wounded: int | None
    by_side: dict[str, dict]
    as_of: datetime
    sources: list[dict]

    def as_dict(self) -> dict:
        return {
            "conflict": self.conflict, "killed": self.killed, "killed_high": self.killed_high,
            "wounded": self.wounded, "by_side": self.by_side, "as_of": _iso(self.as_of),
            "sources": self.sources,
        }


@dataclass
class Situation:
    as_of: datetime
    truces: list[TruceState] = field(default_factory=list)
    violations: list[ViolationIncident] = field(default_factory=list)
    tally: list[Tally] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {
            "as_of": _iso(self.as_of),
            "truces": [t.as_dict() for t in self.truces],
            "violations": [v.as_dict() for v in self.violations],
            "tally": [t.as_dict() for t in self.tally],
        }


def situation(
    events: Iterable[StoredEvent], as_of: datetime,
    parties: Mapping[str, Iterable[str]] | None = None,
) -> Situation:
    """The situation as of *as_of*, from events of stories published up to it.

    *parties* optionally names each conflict's parties (default: the shipped
    gazetteer, plus what the events say); casualty sides that are not parties
    are nationality subsets and never added to a conflict's total.
    """
    as_of = _utc(as_of)
    with gc_paused():
        known, key = _known(events if isinstance(events, list) else list(events), as_of)
        folded = _folded(known, key, as_of, parties)
        # during_truce is set per instant: each answer gets its own incident records
        incidents = [_copy(v) for v in folded.incidents]  # already newest first
        truces = _truce_states(folded.tracks, incidents, as_of)
        _flag_during_truce(incidents, truces)
    truces.sort(key=lambda t: (not t.active, -(t.since or t.history[0]["at"]).timestamp()))
    for truce in truces:
        for change in truce.history:
            change["time"] = _iso(change.pop("at"))
    return Situation(as_of, truces, incidents, list(folded.tally))


def _copy(incident: ViolationIncident) -> ViolationIncident:
    """A shallow copy (dataclasses.replace costs ten times as much per record)."""
    twin = object.__new__(ViolationIncident)
    twin.__dict__.update(incident.__dict__)
    return twin


# An event whose fold reading _read has filled in: what the fold works on.
_Fact = StoredEvent


def _read(event: StoredEvent) -> None:
    """Fill in what the fold reads of one event, once per event object (a poll
    brings a few hundred new events among a hundred thousand already read)."""
    sound = _sound(event)  # the same, or a copy without ill-typed fields
    event.cleaned = sound if sound is not event else None
    data = sound.data
    event.dated = any("published" in source for source in sound.sources)
    event.type = kind = data.get("type", "")
    event.conflict = conflict = data.get("conflict")
    # Its sentence (see _story), as a fingerprint (a 64-bit hash) for equality tests
    # only: the words would cost a string per event for as long as the monitor runs,
    # and a false match needs two different sentences of one story to collide.
    event.sentence = sentence = hash(_norm(data.get("evidence") or ""))
    # where an attack or toll happened (see _places)
    event.places = places = _places(data) if kind in ("casualty", "violation") else _NO_PLACES
    # names it gives a party of its conflict (see _party_map)
    event.names = (*(data.get("parties") or ()),
                   *((data["actor"],) if kind == "violation" and data.get("actor") else ()))
    killed = data.get("killed")
    # a current casualty figure's fingerprint (see _toll_key)
    event.toll = _toll_key(sound, sentence) if kind == "casualty" else None
    # (conflict, killed) of a war-to-date toll, or of a placeless figure that may repeat one
    event.stated = ((conflict, killed) if data.get("scope") == "cumulative" and killed
                    and not data.get("historical") else None)
    event.restates = (conflict, killed) if kind == "casualty" and killed and not places else None
    event.cumulative = data.get("scope") == "cumulative"
    event.holding = data.get("status") in _NOT_AN_ATTACK
    # a violation that reports an attack whatever else the story says, or one with a weapon or place
    event.attack = (True if data.get("breach") else None if not (data.get("weapon") or places)
                    else False)
    event.figure = None  # its casualty figure as last placed
    event.time = _utc(event.published)  # last: a reader in another thread sees all or nothing


def _toll_key(event: StoredEvent, sentence: int) -> int | None:
    """What outlets of one story repeat of a current casualty figure: a fingerprint
    of (cluster, sentence, killed, wounded), kept per event as one number rather than
    a tuple of tuples; None when the event has no current figure."""
    killed, wounded = _tolls(event.data)
    if event.data.get("historical") or (killed is None and wounded is None):
        return None
    return hash((event.cluster_id, sentence, killed, wounded))


def _tolls(data: dict) -> tuple[tuple[int, int] | None, tuple[int, int] | None]:
    """(killed, wounded) of a casualty event, each as a (low, high) range or None."""
    return (_range(data.get("killed"), data.get("killed_high")),
            _range(data.get("wounded"), data.get("wounded_high")))


def _facts(events: Sequence[StoredEvent]) -> Sequence[_Fact]:
    """The events, each read for the fold (see _read) if it had not been yet."""
    for event in events:
        if event.time is None:
            _read(event)
    return events


@dataclass
class _Input:
    """Events asked about before, read for the fold, with their newest time."""

    facts: tuple[_Fact, ...]  # also the fold's key (hashed by identity) when all are known
    newest: datetime | None


_INPUTS: OrderedDict[int, _Input] = OrderedDict()


def _known(events: list[StoredEvent], as_of: datetime) -> tuple[tuple[_Fact, ...], tuple[_Fact, ...]]:
    """The events published up to *as_of*, read for the fold, and their key for _folded.

    The UI asks again with a new list of the same objects: a list equal item for
    item (identity makes that a pointer comparison) reuses what was read of it.
    """
    asked = tuple(events)
    with _FOLDED_LOCK:
        seen = next((i for i in reversed(_INPUTS.values()) if i.facts == asked), None)
    if seen is None:
        seen = _Input(asked, max((f.time for f in _facts(asked)), default=None))
        with _FOLDED_LOCK:
            _INPUTS[id(seen)] = seen
            while len(_INPUTS) > _FOLDED_KEEP:
                _INPUTS.popitem(last=False)
    if seen.newest is None or seen.newest <= as_of:
        return seen.facts, seen.facts
    known = tuple(f for f in seen.facts if f.time <= as_of)
    return known, known


@dataclass
class _Folded:
    """What one set of events folds into, whatever the instant (see _folded)."""

    as_of: datetime | None  # the instant it was folded for, if source dates made it matter
    tracks: list[_Track]
    incidents: list[ViolationIncident]  # newest first
    tally: list[Tally]  # largest toll first


_FOLDED: OrderedDict[tuple[_Fact, ...], _Folded] = OrderedDict()
_FOLDED_LOCK = threading.Lock()
_FOLDED_KEEP = 2  # the views refreshed in turn: all conflicts, and one conflict


def _folded(known: list[_Fact], key: tuple[_Fact, ...], as_of: datetime,
            parties: Mapping[str, Iterable[str]] | None) -> _Folded:
    """Truce tracks, incidents and tallies of *known*, reused while the same events come back.

    The UI recomputes the situation every few seconds from the store's shared,
    read-only event objects; folding 100,000 events takes seconds, the truce
    states (which move with the clock) a fraction of that. The same objects in
    the same order are the same input, so their fold is kept; a poll that
    brings new events folds again.
    """
    memo = parties is None
    with _FOLDED_LOCK:
        kept = _FOLDED.get(key) if memo else None
        if kept is not None:
            _FOLDED.move_to_end(key)
    if kept is not None and (kept.as_of is None or kept.as_of == as_of):
        return kept
    kept = _fold(known, as_of, parties)
    if memo:
        with _FOLDED_LOCK:
            _FOLDED[key] = kept
            while len(_FOLDED) > _FOLDED_KEEP:
                _FOLDED.popitem(last=False)
    return kept


def _fold(known: list[_Fact], as_of: datetime,
          parties: Mapping[str, Iterable[str]] | None) -> _Folded:
    dated = any(f.dated for f in known)
    folded = _fold_by_conflict(known, as_of, dated) if parties is None else None
    if folded is None:
        part = _fold_part(known, as_of, dated, parties)
        folded = _Folded(None, part.tracks, part.incidents, part.tally)
    folded.as_of = as_of if dated else None
    folded.incidents.sort(key=lambda v: v.time, reverse=True)
    folded.tally.sort(key=lambda t: (-(t.killed or 0), t.conflict))
    return folded


@dataclass
class _Part:
    """The fold of some events (one conflict's, or all of them)."""

    tracks: list[_Track]  # in the order they opened
    incidents: list[ViolationIncident]  # in the order of their first reports
    tally: list[Tally]
    first_attack: tuple[datetime, int] | None  # reading order of its first hostile act


def _fold_part(known: list[_Fact], as_of: datetime, dated: bool,
               parties: Mapping[str, Iterable[str]] | None = None) -> _Part:
    facts = sorted(known, key=_reading_order)
    by_type: dict[str, list[_Fact]] = defaultdict(list)
    for fact in facts:
        by_type[fact.type].append(fact)
    party_map = _party_map(facts, parties)
    tracks = _fold_truces(_truce_claims([f.sound for f in by_type["truce"]], party_map))
    figures = _casualty_reports(by_type["casualty"], by_type["violation"])
    attacks = _hostile_acts(by_type["violation"], by_type["truce"] + by_type["casualty"])
    return _Part(tracks, _violation_incidents(attacks, figures, as_of, dated),
                 _tallies(figures, party_map, as_of, dated), _reading_order(attacks[0]) if attacks else None)


# One conflict's fold, kept while its events are the same: a poll usually brings news
# of one or two conflicts, and the others need no new fold.
_PARTS: OrderedDict[tuple, tuple[_Part]] = OrderedDict()


def _fold_by_conflict(known: list[_Fact], as_of: datetime, dated: bool) -> _Folded | None:
    """The fold as one per conflict, or None if the conflicts' reports are entangled.

    Conflicts fold apart when no story or story cluster carries reports of two
    of them and no truce report lacks its conflict (such a report joins a
    conflict by the parties it names). Their results are then merged in the
    order the fold of all events would give.
    """
    by_conflict: dict[str | None, list[_Fact]] = defaultdict(list)
    for fact in known:
        by_conflict[fact.conflict].append(fact)
    if any(f.type == "truce" for f in by_conflict.get(None, ())) or _entangled(by_conflict):
        return None
    parts = []
    for conflict, facts in by_conflict.items():
        key = (conflict, dated and as_of, tuple(facts))
        with _FOLDED_LOCK:
            kept = _PARTS.get(key)
        if kept is None:
            kept = (_fold_part(facts, as_of, dated),)
            _keep(_PARTS, key, kept)
        parts.append(kept[0])
    tracks = sorted((t for p in parts for t in p.tracks), key=_opening)
    with_attacks = sorted((p for p in parts if p.first_attack is not None), key=lambda p: p.first_attack)
    return _Folded(None, tracks, [v for p in with_attacks for v in p.incidents],
                   [t for p in parts for t in p.tally])


def _entangled(by_conflict: dict[str | None, list[_Fact]]) -> bool:
    """Does a story or story cluster carry reports of two conflicts?

    Worked out afresh (sets built in C: about 40 ms for 100,000 facts, and only
    when a poll brought news) rather than kept per conflict between polls, which
    would hold two more entries per event for as long as the monitor runs."""
    for get in (_CLUSTER, _STORY):
        sets = [set(map(get, facts)) for facts in by_conflict.values()]
        if sum(map(len, sets)) != len(set().union(*sets)):
            return True
    return False


_CLUSTER = attrgetter("cluster_id")
_STORY = attrgetter("story_key")


def _opening(track: _Track) -> tuple[datetime, tuple[datetime, int]]:
    """Where a track opens in the fold of all events: its first claim's time, then the
    reading order of that claim's story (claims of one time keep the stories' order)."""
    claim = track.claims[0]
    return claim.time, min((_utc(e.published), e.story_key) for e in claim.events)


def _reading_order(fact: _Fact) -> tuple[datetime, int]:
    return fact.time, fact.story_key


_TEXT_FIELDS = frozenset({"type", "conflict", "evidence", "status", "kind", "effective", "ends", "actor",
                          "claimed_by", "location", "weapon", "victims", "side", "scope"})
_NAME_FIELDS = frozenset({"parties", "mediators"})
_COUNT_FIELDS = frozenset({"killed", "killed_high", "wounded", "wounded_high"})
_FLAG_FIELDS = frozenset({"breach", "historical"})
_EXACT_TYPES: dict[str, type] = (dict.fromkeys(_TEXT_FIELDS, str) | dict.fromkeys(_COUNT_FIELDS, int)
                                 | dict.fromkeys(_FLAG_FIELDS, bool) | dict.fromkeys(_NAME_FIELDS, list))


def _sound(event: StoredEvent) -> StoredEvent:
    """The event with any field of the wrong type dropped (a store written by another
    version, a hand-edited file): one odd field must not take the whole situation down."""
    if _well_typed(event.data):
        return event
    data = event.data if isinstance(event.data, dict) else {}
    odd = [key for key, value in data.items() if not _fits(key, value)]
    if not odd and data is event.data:
        return event
    clean = {key: value for key, value in data.items() if key not in odd}
    for key in _NAME_FIELDS & set(odd):
        if isinstance(data[key], list):
            clean[key] = [name for name in data[key] if isinstance(name, str)]
    return StoredEvent(event.cluster_id, event.story_key, event.published, clean, event.sources)


def _well_typed(data: object) -> bool:
    """A quick yes for the usual event (as JSON decodes it); _fits decides the rest."""
    if type(data) is not dict:
        return False
    exact = _EXACT_TYPES
    for key, value in data.items():
        if value is None:
            continue
        wanted = exact.get(key)
        if wanted is not None and (type(value) is not wanted
                                   or (wanted is list and not all(type(n) is str for n in value))):
            return False
    return True


def _fits(key: str, value: object) -> bool:
    if value is None:
        return True
    if key in _TEXT_FIELDS:
        return isinstance(value, str)
    if key in _COUNT_FIELDS:
        return isinstance(value, int) and not isinstance(value, bool)
    if key in _FLAG_FIELDS:
        return isinstance(value, bool)
    if key in _NAME_FIELDS:
        return isinstance(value, list) and all(isinstance(name, str) for name in value)
    return True


# --------------------------------------------------------------------------- truces


@dataclass
class _Claim:
    """What one outlet story says about one conflict's truce."""

    time: datetime
    status: str
    weight: int  # 2 for a headline, 1 for a body sentence, 0 for a syndicated repeat
    headline: bool
    cluster: int
    effective: datetime | None
    ends: datetime | None
    events: list[StoredEvent]


@dataclass
class _State:
    status: str
    active: bool
    since: datetime | None = None
    effective: datetime | None = None
    ends: datetime | None = None
    stopped: datetime | None = None  # when it collapsed or ended, if it did


@dataclass(frozen=True)
class _Deal:
    """What the agreed-or-later claims so far say (one value per prefix of a track)."""

    first: datetime | None = None  # first agreed-or-later claim
    effective: datetime | None = None  # announced start, as walked so far
    in_effect_at: datetime | None = None  # first "took effect"/"holding" report
    latest_active: str | None = None  # latest of in_effect / violated / extended
    extension: datetime | None = None  # latest extension report

    @property
    def since(self) -> datetime | None:
        return self.effective or self.in_effect_at or self.first

    def after(self, claim: _Claim) -> _Deal:
        """The deal once *claim* is read too.

        A start time may be moved while it is still ahead (a postponement);
        once reached it is fixed. "Took effect" reports date the start when
        no time was announced; an announced start overrides them unless the
        truce was reported in effect for a day already (then it is a misread
        mention of the old start).
        """
        if _RANK[claim.status] not in (1, 2, 3):
            return self
        effective, in_effect_at = self.effective, self.in_effect_at
        if claim.status in ACTIVE_REPORTS:
            if in_effect_at is None:
                in_effect_at = min(claim.effective or claim.time, claim.time)
        elif claim.effective is not None and claim.weight:
            if effective is None:
                if in_effect_at is None or claim.time - in_effect_at < timedelta(hours=24):
                    effective = claim.effective
            elif claim.time < effective:
                effective = claim.effective
        return _Deal(
            first=self.first or claim.time,
            effective=effective,
            in_effect_at=in_effect_at,
            latest_active=claim.status if claim.status in ACTIVE_REPORTS else self.latest_active,
            extension=claim.time if claim.status == EXTENDED else self.extension,
        )


class _Track:
    """One agreement: its claims in time order, with running sums for fast replay."""

    def __init__(self, conflict: str, follows: bool = False) -> None:
        self.conflict = conflict
        self.follows = follows  # an earlier truce of this conflict came before it
        self.claims: list[_Claim] = []
        self.times: list[datetime] = []
        self.deals: list[_Deal] = []  # deals[i]: after claims[0..i]
        self.terminal_w = [0]  # running weight of collapse/end reports (index = claims read)
        self.active_w = [0]  # running weight of in effect / violated / extended reports
        self.deal_w = [0]  # running weight of agreed-or-later reports (they contradict a collapse)
        self.ended_n = [0]  # running count of "ended" reports
        self.terminal_n = [0]  # running count of collapse/end reports
        self.terminals: list[int] = []
        self.ends: list[tuple[datetime, datetime]] = []  # (report time, planned end)
        self.started: datetime | None = None  # first in effect / violated / extended report
        self.confirmed_at: datetime | None = None  # when reports first established a deal
        self._final: dict[tuple[int, int], bool] = {}
        self._about: _About | None = None

    def add(self, claim: _Claim) -> None:
        index = len(self.claims)
        self.claims.append(claim)
        self.times.append(claim.time)
        self.deals.append((self.deals[-1] if self.deals else _Deal()).after(claim))
        if self.confirmed_at is None:
            self._confirm(index)
        terminal = claim.status in TERMINAL
        self.terminal_w.append(self.terminal_w[-1] + (claim.weight if terminal else 0))
        self.active_w.append(self.active_w[-1] + (claim.weight if claim.status in ACTIVE_REPORTS else 0))
        self.deal_w.append(self.deal_w[-1] + (claim.weight if _RANK[claim.status] in (1, 2, 3) else 0))
        self.ended_n.append(self.ended_n[-1] + (claim.status == ENDED))
        self.terminal_n.append(self.terminal_n[-1] + terminal)
        if terminal:
            self.terminals.append(index)
        if claim.ends is not None and _RANK[claim.status] in (1, 2, 3):
            self.ends.append((claim.time, claim.ends))
        if claim.status in ACTIVE_REPORTS and self.started is None:
            self.started = claim.time

    def _confirm(self, index: int) -> None:
        """Is there a deal now? Reports since the first deal report of the last day must
        outweigh the proposal reports among them, with a headline start time or with
        start reports (agreed, took effect) of weight 3 including a headline. Reports
        before that run are replayed out of the deal.

        One stray headline never makes a truce (a fake truce would have no
        collapse reports to end it), nor do background mentions alone. After
        talks or an earlier truce, "violated"/"extended" reports are about the
        old truce (or misread): only an announcement or a start opens a new one.
        """
        now = self.times[index]
        start = bisect_left(self.times, now - timedelta(hours=24))
        first = next((i for i in range(start, index + 1) if _RANK[self.claims[i].status] in (1, 2, 3)), None)
        if first is None:
            return
        run = self.claims[first:index + 1]
        deal_w = sum(c.weight for c in run if _RANK[c.status] in (1, 2, 3))
        talk_w = sum(c.weight for c in run if c.status == PROPOSED)
        starts = [c for c in run if c.status in self._start_statuses(first)]
        headline = any(c.headline for c in starts)
        announced = any(c.headline and c.effective is not None for c in run if c.status == AGREED)
        start_w = sum(c.weight for c in starts)
        if deal_w > talk_w and (announced or (headline and start_w >= CORROBORATED)):
            self.confirmed_at = now
            deal = _Deal()
            for i in range(first, index + 1):
                deal = deal.after(self.claims[i])
                self.deals[i] = deal

    def _start_statuses(self, first: int) -> frozenset[str]:
        """Reports that can start this truce; any deal report if nothing came before it."""
        if self.follows or any(c.status == PROPOSED for c in self.claims[:first]):
            return frozenset({AGREED, IN_EFFECT})
        return frozenset({AGREED}) | ACTIVE_REPORTS

    def about(self) -> _About:
        """Parties, mediators, kind and sources, read once per fold."""
        if self._about is None:
            # key[0]: which truce (its first report), for _keep
            first = (self.conflict, self.claims[0].events[0])
            key = (first, tuple(tuple(c.events) for c in self.claims))
            with _FOLDED_LOCK:
                kept = _ABOUT.get(key)
            if kept is None:
                events = [e for c in self.claims for e in c.events]
                dated = any("published" in source for e in events for source in e.sources)
                kept = (_About(events, _parties(self), _named(self, "mediators"),
                               _most_common(e.data.get("kind") for e in events),
                               None if dated else _sources(events, None)),)
                _keep(_ABOUT, key, kept)
            self._about = kept[0]
        return self._about

    def state(self, at: datetime) -> _State | None:
        """The truce's status as of *at*, from its claims published up to *at*."""
        read = bisect_right(self.times, at)
        if read == 0:
            return None
        confirmed = self.confirmed_at is not None and self.confirmed_at <= at
        deal = self.deals[read - 1]
        since = deal.since if confirmed else None
        ends = self._planned_end(deal, since, at) if confirmed else None
        effective = deal.effective if confirmed else None
        stop = self._terminal(read, at)
        # "The truce ends as attacks resume" after its planned end: it ended on schedule
        expired = ends is not None and at >= ends and not self._outlived(ends, read)
        if stop is not None and not (expired and stop[1] >= ends):
            return _State(stop[0], False, since, effective, ends, stop[1])
        if not confirmed:
            return _State(PROPOSED, False)
        if expired:
            return _State(ENDED, False, since, effective, ends, ends)
        if since is not None and since > at:
            return _State(AGREED, False, since, effective, ends)
        status = deal.latest_active or (IN_EFFECT if effective is not None else AGREED)
        return _State(status, True, since, effective, ends)

    def turning_points(self) -> list[datetime]:
        """Times when the state may change without a new report (besides start and end)."""
        return [self.times[i] + age for i in self.terminals for age in (LONE_TERMINAL_AGE, TERMINAL_FINAL)]

    def _planned_end(self, deal: _Deal, since: datetime | None, at: datetime) -> datetime | None:
        """The latest planned end announced with the deal (or its last extension).

        Only reports around the start (or the extension) count: a "four-day
        truce" mentioned days later would be read from that later date.
        """
        if deal.extension is not None:
            window = (deal.extension, deal.extension + ANNOUNCEMENT)
        else:
            window = (_EPOCH, (since or at) + ANNOUNCEMENT)
        ends = [end for time, end in self.ends if time <= at and window[0] <= time <= window[1]
                and (since is None or end > since)]
        return max(ends, default=None)

    def _outlived(self, ends: datetime, read: int) -> bool:
        """Do reports after the planned end still say the truce holds (the end was moved)?"""
        after = bisect_right(self.times, ends, hi=read)
        return self.active_w[read] - self.active_w[after] >= OUTLIVED

    def _terminal(self, read: int, at: datetime) -> tuple[str, datetime] | None:
        """(collapsed|ended, since when) if terminal reports prevail as of *at*.

        Terminal reports must outweigh the deal reports after them (weight 3,
        or any left uncontradicted for a while); a corroborated collapse that
        prevailed for TERMINAL_FINAL is final whatever retrospective mentions
        follow.
        """
        starts = [i for i in self.terminals if i < read]
        for i in starts:
            settled = self.times[i] + TERMINAL_FINAL
            if settled <= at:
                upto = bisect_right(self.times, settled, hi=read)
                final = self._final.get((i, upto))
                if final is None:
                    final = self._final[(i, upto)] = self._prevails(i, upto, settled, CORROBORATED)
                if final:
                    return self._terminal_status(i, upto), self.times[i]
        for i in starts:
            if self._prevails(i, read, at):
                return self._terminal_status(i, read), self.times[i]
        return None

    def _prevails(self, start: int, upto: int, at: datetime, needed: int = 1) -> bool:
        # the first report counts even if it repeats an earlier sentence
        terminal = self.terminal_w[upto] - self.terminal_w[start] + (self.claims[start].weight == 0)
        contrary = self.deal_w[upto] - self.deal_w[start]
        aged = at - self.times[start] >= LONE_TERMINAL_AGE
        return terminal > contrary and terminal >= needed and (terminal >= CORROBORATED or aged)

    def _terminal_status(self, start: int, upto: int) -> str:
        ended = self.ended_n[upto] - self.ended_n[start]
        reports = self.terminal_n[upto] - self.terminal_n[start]
        return ENDED if ended > reports - ended else COLLAPSED


def _truce_claims(events: list[StoredEvent],
                  party_map: dict[str, set[str]]) -> list[tuple[str, _Claim]]:
    """One claim per (story, conflict), headline first, syndicated repeats weightless."""
    grouped: dict[tuple[int, str], list[StoredEvent]] = defaultdict(list)
    for event in events:
        conflict = event.data.get("conflict") or _conflict_by_parties(event.data, party_map)
        if conflict and event.data.get("status") in _RANK:
            grouped[(event.story_key, conflict)].append(event)
    seen: set[tuple[str, str, str]] = set()
    claims = []
    for (_, conflict), group in grouped.items():
        claim = _claim(group)
        key = (conflict, claim.status, _norm(claim.events[0].data.get("evidence") or ""))
        if key in seen:
            claim.weight = 0
        seen.add(key)
        claims.append((conflict, claim))
    claims.sort(key=lambda pair: pair[1].time)
    return claims


def _claim(group: list[StoredEvent]) -> _Claim:
    headlines = [e for e in group if _is_headline(e)]
    pool = headlines or group
    main = max(pool, key=lambda e: _RANK[e.data["status"]])
    status = main.data["status"]
    time = _utc(main.published)
    # Of several start times in one story the latest is the precise one
    # ("Friday morning" read as 00:00, "7am on Friday" as 07:00).
    effective = max((t for t in (_parse(e.data.get("effective")) for e in group
                                 if e.data["status"] in (AGREED, IN_EFFECT)) if t), default=None)
    if effective is not None and effective > time + _SLACK and status in ACTIVE_REPORTS:
        if status == IN_EFFECT:
            status = AGREED  # "will take effect at 7am" read as "took effect": an announcement
        else:
            effective = None  # a breach or extension is no start time
    ends = max((t for t in (_parse(e.data.get("ends")) for e in group
                            if e.data["status"] not in TERMINAL | {PROPOSED}) if t), default=None)
    return _Claim(time, status, 2 if headlines else 1, bool(headlines), main.cluster_id,
                  effective, ends, [main, *[e for e in group if e is not main]])


def _fold_truces(claims: list[tuple[str, _Claim]]) -> list[_Track]:
    """Claims in time order -> one track per conflict and agreement."""
    tracks: list[_Track] = []
    current: dict[str, _Track] = {}
    for conflict, claim in claims:
        track = current.get(conflict)
        if track is None:
            if claim.status in TERMINAL:
                continue  # nothing we know of to collapse
        elif not _opens_new(track, claim):
            track.add(claim)
            continue
        track = _Track(conflict, follows=track is not None)
        track.add(claim)
        current[conflict] = track
        tracks.append(track)
    return tracks


def _opens_new(track: _Track, claim: _Claim) -> bool:
    """Does *claim* announce a new agreement rather than report on *track*'s?"""
    if claim.status not in (AGREED, PROPOSED):
        return False
    state = track.state(claim.time)
    assert state is not None  # a track always has its first claim
    announces = claim.effective is not None and claim.effective > claim.time
    if state.stopped is not None:
        if claim.status == AGREED and state.since is None:
            return claim.headline or announces  # talks failed, then a deal after all
        if claim.status == PROPOSED:
            return claim.time - state.stopped >= NEW_AGREEMENT_GAP
        if not (claim.headline or announces):
            return False  # a retrospective mention of the old deal
        if claim.time - state.stopped >= NEW_AGREEMENT_GAP:
            return True
        return claim.effective is not None and claim.effective > state.stopped + timedelta(hours=1)
    if claim.status == AGREED and announces and claim.headline:
        # Only a truce that visibly started can be replaced by a later start;
        # before that, a start time is the pending deal's own.
        started = track.started
        return started is not None and claim.effective > max(started, state.since or started) + SUPERSEDE_AFTER
    return False


def _history(track: _Track, as_of: datetime) -> list[dict]:
    """Every change of status or activity, with the time it happened."""
    pending = sorted({c.time for c in track.claims if c.time <= as_of}
                     | {t for t in track.turning_points() if t <= as_of})
    queued = set(pending)
    history: list[dict] = []
    for_heap = list(pending)
    heapq.heapify(for_heap)
    while for_heap:
        at = heapq.heappop(for_heap)
        state = track.state(at)
        if state is None:
            continue
        if not history or (history[-1]["status"], history[-1]["active"]) != (state.status, state.active):
            # a collapse dates from its first report, even if it took more to be sure
            when = max(state.stopped, history[-1]["at"]) if state.stopped and history else at
            history.append({"status": state.status, "active": state.active, "at": when})
        for moment in (state.since, state.ends):
            if moment is not None and at < moment <= as_of and moment not in queued:
                queued.add(moment)
                heapq.heappush(for_heap, moment)
    return history


def _truce_states(tracks: list[_Track], incidents: list[ViolationIncident],
                  as_of: datetime) -> list[TruceState]:
    states = []
    for track in tracks:
        state = track.state(as_of)
        history = _history(track, as_of)
        if state is None or not history or _only_mentions(track, history):
            continue
        about = track.about()
        states.append(TruceState(
            conflict=track.conflict,
            parties=list(about.parties),
            mediators=list(about.mediators),
            kind=about.kind,
            status=state.status, active=state.active, effective=state.effective,
            since=state.since,
            ends=state.ends, violations=0, history=history,
            sources=list(about.sources) if about.sources is not None else _sources(about.events, as_of),
        ))
    _supersede(states, as_of)
    mine: dict[str | None, list[ViolationIncident]] = defaultdict(list)
    for incident in incidents:
        mine[incident.conflict].append(incident)
    for truce in states:
        truce.violations = sum(1 for v in mine[truce.conflict] if _active_at(truce, v.time))
    return states


# A poll usually brings news of a few conflicts: the other truces' reports are unchanged.
_ABOUT: OrderedDict[tuple, tuple[_About]] = OrderedDict()


@dataclass(frozen=True)
class _About:
    """What a truce's reports say whatever the instant (they are all read by then)."""

    events: list[StoredEvent]
    parties: list[str]
    mediators: list[str]
    kind: str | None
    sources: list[dict] | None  # None: sources carry their own dates (the instant matters)


def _only_mentions(track: _Track, history: list[dict]) -> bool:
    """A track never confirmed and never proposed is a stray mention, not a truce."""
    return (not any(h["active"] for h in history) and history[-1]["status"] == PROPOSED
            and not any(c.status == PROPOSED for c in track.claims))


def _named(track: _Track, key: str) -> list[str]:
    """Parties or mediators the reports name; with many reports, a name one story gave is noise."""
    per_claim = [_names(e.data.get(key) for e in c.events) for c in track.claims]
    support = Counter(name.lower() for names in per_claim for name in names)
    needed = 2 if len(track.claims) >= 4 else 1
    return [n for n in _names(per_claim) if support[n.lower()] >= needed]


def _parties(track: _Track) -> list[str]:
    """The parties, less any name the reports also give as a mediator ("US urges India and
    Pakistan to agree a truce" names the US, but as a go-between)."""
    mediators = {name.lower() for name in _named(track, "mediators")}
    return [name for name in _named(track, "parties") if name.lower() not in mediators]


def _supersede(states: list[TruceState], as_of: datetime) -> None:
    """A newer truce that became active ends an older one of the same conflict."""
    by_conflict: dict[str, list[TruceState]] = defaultdict(list)
    for truce in states:
        by_conflict[truce.conflict or ""].append(truce)
    for group in by_conflict.values():
        for older, newer in zip(group, group[1:]):
            start = next((h["at"] for h in newer.history if h["active"]), None)
            if start is None:
                continue
            older.history = [h for h in older.history if h["at"] < start]
            if older.history and older.history[-1]["active"]:
                older.history.append({"status": ENDED, "active": False, "at": start})
                older.superseded = True
            if older.active:
                older.active, older.status, older.superseded = False, ENDED, True


def _active_at(truce: TruceState, at: datetime) -> bool:
    active = False
    for change in truce.history:
        if change["at"] > at:
            break
        active = change["active"]
    return active


# --------------------------------------------------------------------------- violations


@dataclass(slots=True, eq=False)  # identity: figures are cache keys (see _violation_incidents)
class _Figure:
    """A casualty figure as one outlet story gave it."""

    conflict: str | None
    time: datetime
    cluster: int
    scope: str
    side: str | None
    victims: str | None
    killed: tuple[int, int] | None  # (low, high)
    wounded: tuple[int, int] | None
    places: frozenset[str]
    event: StoredEvent
    update: bool = False  # "the toll rose to ...": a newer figure for an earlier attack


def _casualty_reports(casualties: list[_Fact], violations: list[_Fact]) -> list[_Figure]:
    """Current (non-historical) figures, placed where the same story's attack was."""
    attacks: dict[str, list[_Fact]] = {}
    for v in violations:
        story = attacks.get(v.cluster_id)
        if story is None:
            attacks[v.cluster_id] = [v]
        else:
            story.append(v)
    figures, seen = [], set()
    for fact in casualties:
        key = fact.toll
        if key is None or key in seen:
            continue  # no current figure, or the same sentence from another outlet of the same story
        seen.add(key)
        story = attacks.get(fact.cluster_id)
        places = _shared(fact.places | _attack_places(story, fact.sentence)) if story else fact.places
        figure = fact.figure
        if figure is None or figure.places != places:
            # kept with the event: the per-conflict folds know their figures by identity
            data = fact.sound.data
            figure = fact.figure = _Figure(
                fact.conflict, fact.time, fact.cluster_id, data.get("scope") or "incident",
                data.get("side"), _victims(data.get("victims")), *_tolls(data), places, fact.sound,
                _is_update(data.get("evidence") or ""),
            )
        figures.append(figure)
    return figures


def _attack_places(attacks: list[_Fact], sentence: int) -> frozenset[str]:
    """Where the attack a story's figure belongs to happened: its own sentence's
    attack, else the story's one attacked place (if it names just one)."""
    own = [a.places for a in attacks if a.sentence == sentence]
    if own:
        return _NO_PLACES.union(*own)
    distinct = {a.places for a in attacks if a.places}
    return next(iter(distinct)) if len(distinct) == 1 else _NO_PLACES


@lru_cache(maxsize=_SENTENCES)
def _is_update(sentence: str) -> bool:
    """Does the sentence report a toll that rose ("the toll rose to 16")?"""
    return bool(_UPDATE.search(sentence))


_NOT_AN_ATTACK = frozenset({PROPOSED, AGREED, IN_EFFECT, EXTENDED})


def _hostile_acts(violations: list[_Fact], others: list[_Fact]) -> list[_Fact]:
    """Violation events that report an attack, not a toll or a truce's state.

    "The toll from Indian strikes rises to 31" is a war-to-date figure, and
    "the truce holds despite strikes" (naming no place or weapon) a holding
    truce: counting either would add a phantom incident (and a breach of the
    truce) every time outlets repeat it. Breach accusations always count.
    """
    # (conflict, killed) -> when a current war-to-date toll was first reported
    stated: dict[tuple[str | None, int], datetime] = {}
    for fact in others:
        if fact.stated is not None and (fact.stated not in stated or fact.time < stated[fact.stated]):
            stated[fact.stated] = fact.time
    # war-to-date tolls, and placeless figures repeating one reported before them
    tolls = {_story(f) for f in others if f.cumulative or (
        f.restates is not None and stated.get(f.restates, f.time + _SLACK) <= f.time)}
    holding = {_story(f) for f in others if f.holding}
    return [f for f in violations if f.attack or (
        _story(f) not in tolls and (f.attack is not None or _story(f) not in holding))]


def _story(fact: _Fact) -> tuple[int, int]:
    """(story, sentence): what outlets repeat of one story."""
    return fact.story_key, fact.sentence


def _violation_incidents(events: list[_Fact], figures: list[_Figure], as_of: datetime,
                         dated: bool = False) -> list[ViolationIncident]:
    """Each conflict's attacks folded into incidents; a conflict whose reports (and their
    stories' figures) are unchanged since the last fold keeps its incidents."""
    by_cluster: dict[int, list[_Figure]] = defaultdict(list)
    for figure in figures:
        if figure.scope == "incident":
            by_cluster[figure.cluster].append(figure)
    by_conflict: dict[str | None, list[_Fact]] = defaultdict(list)
    for fact in events:
        by_conflict[fact.conflict].append(fact)
    incidents: list[ViolationIncident] = []
    for conflict, group in by_conflict.items():
        clusters = dict.fromkeys(f.cluster_id for f in group)
        figs = [f for c in clusters for f in by_cluster.get(c, ())]
        key = (conflict, dated and as_of, tuple(group), tuple(figs))  # figures are kept per event and place
        with _FOLDED_LOCK:
            kept = _INCIDENTS.get(key)
        if kept is None:
            kept = (_conflict_incidents(group, by_cluster, as_of),)
            _keep(_INCIDENTS, key, kept)
        incidents += kept[0]
    return incidents


_INCIDENTS: OrderedDict[tuple, tuple[list[ViolationIncident]]] = OrderedDict()


def _conflict_incidents(events: list[_Fact], by_cluster: dict[int, list[_Figure]],
                        as_of: datetime) -> list[ViolationIncident]:
    """One conflict's violation reports, in time order, folded into incidents."""
    book = _Index()
    attacks: list[_Attack] = []
    for fact in events:
        report = _Report(fact, by_cluster)
        match = next((a for a in book.lookup(_attack_keys(report)) if _same_attack(a, report)), None)
        if match is None:
            match = _Attack(len(attacks), report.time, by_cluster)
            attacks.append(match)
            book.start(match, report.time)
        match.add(report)
        book.file(match, [("cluster", report.cluster), *(("place", p) for p in report.places)], report.time)
        if not match.places:
            book.file(match, [("placeless",)], report.time)
    return [_incident(a, as_of) for a in attacks]


class _Index:
    """Recent groups (attacks or incidents) of one conflict, by key and by start.

    Each list is in the order groups were filed in it, and a group starts no
    later than it is filed, so a newest-first scan stops at the first entry
    filed before the window: lookups cost what the window holds, not the war.
    """

    def __init__(self) -> None:
        self.started: list[tuple[_Group, datetime]] = []
        # key -> {group: when last filed}, in filing order (a refiled group moves to the end)
        self.keyed: dict[tuple, dict[_Group, datetime]] = defaultdict(dict)

    def start(self, group: _Group, at: datetime) -> None:
        self.started.append((group, at))

    def file(self, group: _Group, keys: list[tuple], at: datetime) -> None:
        for key in keys:
            entries = self.keyed[key]
            entries.pop(group, None)
            entries[group] = at

    def lookup(self, wanted: list[tuple[tuple | None, datetime]]) -> list[_Group]:
        """Groups filed under each key (None: any group started) since its time, newest first."""
        found: dict[int, _Group] = {}
        for key, since in wanted:
            entries = self.started if key is None else self.keyed.get(key, {}).items()
            for group, at in reversed(entries):
                if at < since:
                    break
                found[group.serial] = group
        if len(found) < 2:
            return list(found.values())
        return [found[n] for n in sorted(found, reverse=True)]


class _Group:
    serial: int


def _day_window(when: datetime) -> datetime:
    """The earliest start that _close_in_time accepts for a report at *when*."""
    # combine() rather than replace(hour=0, ...): a fifth of the cost, for every report
    return min(datetime.combine(when.date(), _MIDNIGHT, when.tzinfo), when - NEARBY)


_MIDNIGHT = time_of_day(0)


def _repeat_window(when: datetime) -> datetime:
    return when - INCIDENT_REPEAT


class _Report:
    """One violation event with what its own story says of the attack's toll."""

    __slots__ = ("event", "time", "places", "cluster", "actor", "by_cluster", "_toll")

    def __init__(self, fact: _Fact, by_cluster: dict[int, list[_Figure]]) -> None:
        self.event, self.time, self.places = fact.sound, fact.time, fact.places
        self.cluster, self.actor = fact.cluster_id, fact.sound.data.get("actor")
        self.by_cluster = by_cluster
        self._toll: tuple | None = None  # (killed, update, tolls), read lazily

    def _read(self) -> tuple:
        # Its own toll is only read when an earlier report is a candidate. Kept in
        # one slot rather than as cached properties, whose first read (a lock, an
        # instance dict) cost more than the toll itself, once per report of a war.
        if self._toll is None:
            figures = _place_figures(self.by_cluster[self.cluster], self.places)
            self._toll = (_span(f.killed for f in figures), any(f.update for f in figures),
                          {f.killed for f in figures if f.killed})
        return self._toll

    @property
    def killed(self) -> tuple[int, int] | None:
        return self._read()[0]

    @property
    def update(self) -> bool:
        return self._read()[1]

    @property
    def tolls(self) -> set[tuple[int, int]]:
        return self._read()[2]


def _attack_keys(report: _Report) -> list[tuple[tuple | None, datetime]]:
    """Where an earlier report of the same attack can be: the same story or place that
    day, an attack with no place that day (or with the same toll within days), or,
    for a report naming no place, any attack that day."""
    day = _day_window(report.time)
    keys: list[tuple[tuple | None, datetime]] = [(("cluster", report.cluster), day)]
    if report.places:
        keys += [(("place", p), day) for p in report.places] + [(("placeless",), day)]
    else:
        keys += [(None, day), (("placeless",), _repeat_window(report.time))]
    return keys


class _Attack(_Group):
    """Violation reports folding into one incident, with its toll kept up to date."""

    def __init__(self, serial: int, time: datetime, by_cluster: dict[int, list[_Figure]]) -> None:
        self.serial, self.time, self.by_cluster = serial, time, by_cluster
        self.events: list[StoredEvent] = []
        self.places: frozenset[str] = frozenset()
        self.clusters: set[int] = set()
        self.actors: set[str] = set()
        self._toll: tuple | None = None  # (figures, killed, update, tolls), read lazily

    def add(self, report: _Report) -> None:
        self.events.append(report.event)
        if report.actor:
            self.actors.add(report.actor)
        if report.places <= self.places:
            if report.cluster in self.clusters:
                return  # its figures are already counted
            self.clusters.add(report.cluster)
            if self._toll is not None:
                # Another story of the same places: only its own figures are new (a war's
                # big attacks gather dozens of stories, each read again per story otherwise).
                self._count(_place_figures(self.by_cluster[report.cluster], self.places))
            return
        self.places |= report.places
        self.clusters.add(report.cluster)
        self._toll = None  # new places can let in, or rule out, any story's figures

    def _read(self) -> tuple:
        if self._toll is None:
            self._toll = ([], None, False, set())
            self._count([f for c in self.clusters for f in _place_figures(self.by_cluster[c], self.places)])
        return self._toll

    def _count(self, figures: list[_Figure]) -> None:
        counted, killed, update, tolls = self._toll
        counted += figures
        tolls.update(f.killed for f in figures if f.killed and f.killed[0])
        self._toll = (counted, _widen(killed, _span(f.killed for f in figures)),
                      update or any(f.update for f in figures), tolls)

    @property
    def figures(self) -> list[_Figure]:
        return self._read()[0]

    @property
    def killed(self) -> tuple[int, int] | None:
        return self._read()[1]

    @property
    def update(self) -> bool:
        return self._read()[2]

    @property
    def tolls(self) -> set[tuple[int, int]]:
        return self._read()[3]


def _same_attack(attack: _Attack, report: _Report) -> bool:
    """Same UTC day, same place (or one report names none), compatible tolls; or the
    same toll repeated without a place within days (same conflict by the caller).

    A report naming no place ("Pakistan denies violating the ceasefire") is a
    vaguer account of that day's attack by the same actor, not another one.
    """
    ours, places = attack.places, report.places
    if not _close_in_time(attack.time, report.time):
        return not ours and not places and bool(attack.tolls & report.tolls)
    if report.cluster in attack.clusters:
        return not (ours and places) or bool(ours & places)
    if ours and places and not ours & places:
        return False
    if bool(ours) != bool(places) and report.actor and attack.actors and report.actor not in attack.actors:
        return False
    if attack.update or report.update:
        return True  # a toll that rose is the same attack
    return _compatible(attack.killed, report.killed)


def _place_figures(figures: list[_Figure], places: frozenset[str]) -> list[_Figure]:
    """The figures of a story that belong to an attack at *places*."""
    return [f for f in figures if not places or not f.places or places & f.places]


def _incident(attack: _Attack, as_of: datetime) -> ViolationIncident:
    group = attack.events
    killed, wounded = _reported_toll(attack.figures, "killed"), _reported_toll(attack.figures, "wounded")
    return ViolationIncident(
        conflict=group[0].data.get("conflict"),
        time=attack.time,  # its first report's: reports come in time order
        location=_most_common(_specific(e.data.get("location")) for e in group)
        or _most_common(e.data.get("location") for e in group),
        actor=_most_common(e.data.get("actor") for e in group),
        claimed_by=_most_common(e.data.get("claimed_by") for e in group),
        weapon=_most_common(e.data.get("weapon") for e in group),
        breach=any(e.data.get("breach") for e in group),
        killed=killed[0] if killed else None,
        killed_high=killed[1] if killed and killed[1] > killed[0] else None,
        wounded=wounded[0] if wounded else None,
        during_truce=False,
        sources=_sources(group, as_of),
    )


def _flag_during_truce(incidents: list[ViolationIncident], truces: list[TruceState]) -> None:
    """An attack breaches a truce active then (or one accused of breaching a truce then in force)."""
    for incident in incidents:
        mine = [t for t in truces if t.conflict and t.conflict == incident.conflict]
        incident.during_truce = any(_active_at(t, incident.time) for t in mine) or (
            incident.breach and any(_active_near(t, incident.time) for t in mine))


def _active_near(truce: TruceState, at: datetime) -> bool:
    return any(_active_at(truce, at + timedelta(hours=h)) for h in (-24, -12, 12, 24))


# --------------------------------------------------------------------------- tally


class _Incident(_Group):
    """Casualty figures of one attack, with what matching needs kept up to date."""

    def __init__(self, conflict: str, time: datetime, serial: int) -> None:
        self.conflict, self.time, self.serial = conflict, time, serial
        self.figures: list[_Figure] = []
        self.places: frozenset[str] = frozenset()
        self.sides: set[str] = set()
        self.victims: set[str] = set()
        self.clusters: set[int] = set()
        self.killed_span: tuple[int, int] | None = None
        self.wounded_span: tuple[int, int] | None = None
        self.tolls: set[tuple[int, int]] = set()

    def add(self, figure: _Figure) -> None:
        self.figures.append(figure)
        self.places |= figure.places
        side = _side_key(figure.side)
        if side:
            self.sides.add(side)
        if figure.victims:
            self.victims.add(figure.victims)
        self.clusters.add(figure.cluster)
        self.killed_span = _widen(self.killed_span, figure.killed)
        self.wounded_span = _widen(self.wounded_span, figure.wounded)
        if figure.killed and figure.killed[0]:
            self.tolls.add(figure.killed)

    def killed(self) -> tuple[int, int] | None:
        return _reported_toll(self.figures, "killed")

    def wounded(self) -> tuple[int, int] | None:
        return _reported_toll(self.figures, "wounded")


def _reported_toll(figures: list[_Figure], what: str) -> tuple[int, int] | None:
    """One attack's figures as a range; a reported rise replaces the figures before it."""
    span = _span(getattr(f, what) for f in figures)
    updates = [getattr(f, what) for f in figures if f.update and getattr(f, what)]
    if span is None or not updates:
        return span
    low = max(u[0] for u in updates)
    return low, max(span[1], low)


def _tallies(figures: list[_Figure], party_map: dict[str, set[str]], as_of: datetime,
             dated: bool = False) -> list[Tally]:
    """One tally per conflict; *dated*: sources carry their own dates (the instant matters)."""
    by_conflict: dict[str, list[_Figure]] = defaultdict(list)
    for figure in figures:
        if figure.conflict:
            by_conflict[figure.conflict].append(figure)
    tallies = []
    for conflict, group in by_conflict.items():
        parties = party_map.get(conflict, set())
        key = (conflict, frozenset(parties), dated and as_of, tuple(group))  # figures: see _Fact.figure
        with _FOLDED_LOCK:
            kept = _TALLIES.get(key)
        if kept is None:
            # Sides that are a party ("Palestine" in Israel-Hamas) add up; others are subsets.
            party_sides = {_side_key(p) for p in parties} | {
                _side_key(f.side) for f in group if _as_party(f.side, parties, conflict) in parties}
            kept = (_tally(conflict, group, party_sides - {None}, as_of),)
            _keep(_TALLIES, key, kept)
        tallies.append(kept[0])
    return tallies


# A poll usually brings news of a few conflicts: the others' tallies are kept.
_TALLIES: OrderedDict[tuple, tuple[Tally]] = OrderedDict()
_PER_CONFLICT = 1  # folds kept per conflict: the latest (an older one would double what a monitor holds)


def _keep(memo: OrderedDict, key: tuple, value: tuple) -> None:
    """Remember a conflict's fold, forgetting its older ones (key[0] is the conflict)."""
    with _FOLDED_LOCK:
        memo[key] = value
        mine = [k for k in memo if k[0] == key[0]]
        for old in mine[:-_PER_CONFLICT]:
            del memo[old]


def _tally(conflict: str, figures: list[_Figure], party_keys: set[str], as_of: datetime) -> Tally:
    cumulative = [f for f in figures if f.scope == "cumulative"]
    groups = _cumulative_groups(cumulative)
    side_names = {_side_key(f.side): f.side for f in figures if f.side}
    baseline, _, _ = _total(groups, "killed", party_keys)
    # "Ministry says 14,800 killed" read as one attack is the war's toll again.
    misread = max(100, baseline[0] // 2) if baseline else None
    # "Pakistan says 51 killed" repeated after "attacks since Wednesday killed 51":
    # the war's toll again, read without its "since".
    stated = {f.killed: f.time for f in sorted(cumulative, key=lambda f: f.time, reverse=True) if f.killed}
    incident_figures = []
    for figure in figures:
        if figure.scope == "cumulative":
            continue
        restated = not figure.places and stated.get(figure.killed, figure.time + _SLACK) <= figure.time
        if restated or (misread is not None and figure.killed and figure.killed[0] >= misread):
            cumulative.append(figure)
        else:
            incident_figures.append(figure)
    groups = _cumulative_groups(cumulative)
    incidents = _fold_incidents(incident_figures)

    killed, killed_src, killed_from = _total(groups, "killed", party_keys)
    wounded, wounded_src, wounded_from = _total(groups, "wounded", party_keys)
    # Nationality subsets ("nine Americans") are part of the toll, never added to it.
    counted = [i for i in incidents
               if not party_keys or _side_key(_incident_side(i)) in party_keys | {None}]
    killed = _add_incidents(killed, counted, "killed", killed_from)
    wounded = _add_incidents(wounded, counted, "wounded", wounded_from)
    used = killed_src + wounded_src + [f for i in counted if i.time > killed_from
                                       or i.time > wounded_from for f in i.figures]
    by_side = _by_side(groups, incidents, side_names)
    return Tally(
        conflict=conflict,
        killed=killed[0] if killed else None,
        killed_high=killed[1] if killed and killed[1] > killed[0] else None,
        wounded=wounded[0] if wounded else None,
        by_side=by_side,
        as_of=max(f.time for f in (used or figures)),
        sources=_sources([f.event for f in (used or figures)], as_of),
    )


_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)


def _cumulative_groups(figures: list[_Figure]) -> dict[tuple[str | None, str | None], list[_Figure]]:
    groups: dict[tuple[str | None, str | None], list[_Figure]] = defaultdict(list)
    for figure in figures:
        groups[(_side_key(figure.side), figure.victims)].append(figure)
    return groups


def _as_party(side: str | None, parties: set[str], conflict: str) -> str | None:
    """The party a stated side belongs to ("Palestine" -> "Hamas" in Israel-Hamas), else the side."""
    key = _side_key(side)
    if key is None:
        return None
    for party in parties:
        other = party.lower()
        common = len(os.path.commonprefix([key, other]))
        if key == other or (common >= 4 and common >= 0.8 * min(len(key), len(other))):
            return party
    gazetteer = _gazetteer()
    if gazetteer is not None:
        for word in (side, *_demonyms(side or "")):
            name = gazetteer.canonical(word, conflict)
            if name in parties:
                return name
    return side


@lru_cache(maxsize=256)
def _demonyms(side: str) -> tuple[str, ...]:
    """Words the casualty lexicon reads as this side ("palestinians" -> "Palestine")."""
    try:
        from sitmon.extract.gazetteer import load_data

        sides = load_data("casualty.toml").get("sides", {})
    except Exception:  # noqa: BLE001 - only a hint
        return ()
    return tuple(word.title() for word, name in sides.items() if name == side)


def _total(groups: dict[tuple[str | None, str | None], list[_Figure]], what: str,
           party_keys: set[str]) -> tuple[tuple[int, int] | None, list[_Figure], datetime]:
    """The conflict-wide cumulative toll: (low, high), its figures, when it was first reported.

    Tolls of different parties add up; victim groups add up only as
    combatants + civilians; anything else (subsets, nationalities) is a lower
    bound, never an addition.
    """
    blocks: dict[str | None, dict[str | None, tuple]] = defaultdict(dict)
    for (side, victims), figs in groups.items():
        toll = _credible(figs, what)
        if toll:
            blocks[side][victims] = toll
    if not blocks:
        return None, [], _EPOCH
    side_tolls = {side: _block(block) for side, block in blocks.items()}
    candidates = [side_tolls[s] for s in side_tolls]
    parties = [side_tolls[s] for s in side_tolls if s in party_keys]
    if len(parties) > 1:
        candidates.append((sum(p[0] for p in parties), sum(p[1] for p in parties),
                           [f for p in parties for f in p[2]], max(p[3] for p in parties)))
    best = max(candidates, key=lambda c: (c[0], c[1]))
    return (best[0], best[1]), best[2], best[3]


def _block(block: dict[str | None, tuple]) -> tuple[int, int, list[_Figure], datetime]:
    """One side's toll from its victim groups (low, high, figures, first reported)."""
    options = list(block.values())
    soldiers = [t for v, t in block.items() if v in _COMBATANTS]
    civilians = [t for v, t in block.items() if v in _CIVILIANS]
    if soldiers and civilians:
        a, b = max(soldiers, key=lambda t: t[0]), max(civilians, key=lambda t: t[0])
        options.append((a[0] + b[0], a[1] + b[1], a[2] + b[2], max(a[3], b[3])))
    return max(options, key=lambda t: (t[0], t[1]))


def _credible(figures: list[_Figure], what: str) -> tuple[int, int, list[_Figure], datetime] | None:
    """The toll many stories support: second-highest of each cluster's highest figure.

    Tolls only grow, so stale repeats never lower it; one misread sentence
    (one cluster) never raises it alone. With a single cluster its figure
    stands. Returns (low, high, supporting figures, first time reported).
    """
    best: dict[str, int] = {}
    high = 0
    for figure in figures:
        value = getattr(figure, what)
        if value is None:
            continue
        best[figure.cluster] = max(best.get(figure.cluster, 0), value[0])
        high = max(high, value[1])
    if not best:
        return None
    ranked = sorted(best.values(), reverse=True)
    low = ranked[1] if len(ranked) > 1 else ranked[0]
    low = _risen(figures, what, low)
    support = [f for f in figures if getattr(f, what) and getattr(f, what)[0] >= low]
    return low, max(high, low), support, min(f.time for f in support)


def _risen(figures: list[_Figure], what: str, low: int) -> int:
    """An explicit rise ("the toll rose to 52") above the agreed toll is the latest figure.

    Only a plausible rise counts (up to half as much again): a sentence misread
    as an update must not replace the toll with another war's.
    """
    rises = [getattr(f, what)[0] for f in figures if f.update and getattr(f, what)]
    return max([low] + [r for r in rises if low < r <= low * 3 // 2])


def _add_incidents(toll: tuple[int, int] | None, incidents: list[_Incident], what: str,
                   after: datetime) -> tuple[int, int] | None:
    """The cumulative toll plus every incident first reported after it."""
    low, high = toll or (0, 0)
    added = False
    for incident in incidents:
        span = getattr(incident, what)()
        if span and incident.time > after:
            low, high, added = low + span[0], high + span[1], True
    return (low, high) if toll or added else None


def _fold_incidents(figures: list[_Figure]) -> list[_Incident]:
    """Reports of the same attack, from any outlet, cluster or day, become one incident."""
    incidents: list[_Incident] = []
    book = _Index()
    for figure in sorted(figures, key=lambda f: f.time):
        match = next((i for i in book.lookup(_incident_keys(figure)) if _same_incident(i, figure)), None)
        if match is None:
            match = _Incident(figure.conflict or "", figure.time, len(incidents))
            incidents.append(match)
            book.start(match, figure.time)
        match.add(figure)
        book.file(match, [("cluster", figure.cluster), *(("place", p) for p in figure.places)], figure.time)
        if not match.places:
            book.file(match, [("placeless",)], figure.time)
    return incidents


def _incident_keys(figure: _Figure) -> list[tuple[tuple | None, datetime]]:
    """Where an earlier figure of the same attack can be (see _same_incident)."""
    days, day = _repeat_window(figure.time), _day_window(figure.time)
    keys: list[tuple[tuple | None, datetime]] = [(("cluster", figure.cluster), days)]
    if figure.places:
        keys += [(("place", p), days) for p in figure.places] + [(("placeless",), day)]
    else:
        keys += [(None, day), (("placeless",), days)]
    return keys


def _same_incident(incident: _Incident, figure: _Figure) -> bool:
    if incident.conflict != (figure.conflict or "") or figure.time - incident.time > INCIDENT_REPEAT:
        return False
    if figure.side and incident.sides and _side_key(figure.side) not in incident.sides:
        return False
    if figure.victims and incident.victims and figure.victims not in incident.victims:
        return False
    places = incident.places
    if places and figure.places and not places & figure.places:
        return False
    # any figure ever given for it matches: "the strike that killed 14" after "the toll rose to 16"
    overlap = (_overlaps(incident.killed_span, figure.killed)
               and _overlaps(incident.wounded_span, figure.wounded))
    if figure.cluster in incident.clusters:
        return overlap or bool(places & figure.places)
    same_day = _close_in_time(incident.time, figure.time)
    if not places and not figure.places and not same_day:
        return figure.killed in incident.tolls  # repeated days later without a place
    if places & figure.places:
        # the toll rising that day, a repeat days later, or "the toll rose to" an update
        rising = _compatible(incident.killed_span, figure.killed)
        return (same_day and rising) or overlap or (
            figure.update and figure.time - incident.time <= UPDATE_WINDOW)
    return same_day and overlap


def _incident_side(incident: _Incident) -> str | None:
    return next((f.side for f in incident.figures if f.side), None)


def _by_side(groups: dict[tuple[str | None, str | None], list[_Figure]],
             incidents: list[_Incident], side_names: dict[str | None, str]) -> dict[str, dict]:
    """Tolls per side (or per victim group where no side is stated)."""
    out: dict[str, dict] = {}
    labels = {side for side, _ in groups} | {_side_key(_incident_side(i)) for i in incidents}
    for side in sorted(k for k in labels if k is not None):
        mine = {key: figs for key, figs in groups.items() if key[0] == side}
        killed, src, after = _total(mine, "killed", set())
        wounded, _, _ = _total(mine, "wounded", set())
        own = [i for i in incidents if _side_key(_incident_side(i)) == side]
        killed = _add_incidents(killed, own, "killed", after)
        wounded = _add_incidents(wounded, own, "wounded", after)
        used = src + [f for i in own if i.time > after for f in i.figures]
        out[side_names.get(side, side)] = _side_entry(killed, wounded, used)
    for (side, victims), figs in groups.items():
        if side is None and victims is not None:
            killed, src, _ = _total({(None, victims): figs}, "killed", set())
            wounded, _, _ = _total({(None, victims): figs}, "wounded", set())
            out[victims] = _side_entry(killed, wounded, src or figs)
    return out


def _side_entry(killed: tuple[int, int] | None, wounded: tuple[int, int] | None,
                figures: list[_Figure]) -> dict:
    return {
        "killed": killed[0] if killed else None,
        "killed_high": killed[1] if killed and killed[1] > killed[0] else None,
        "wounded": wounded[0] if wounded else None,
        "sources": _sources([f.event for f in figures], None),
    }


# --------------------------------------------------------------------------- helpers


def _party_map(facts: list[_Fact], given: Mapping[str, Iterable[str]] | None) -> dict[str, set[str]]:
    """Each conflict's parties: given, gazetteer, truce reports and named attackers."""
    parties: dict[str, set[str]] = defaultdict(set)
    for conflict, names in (given or {}).items():
        parties[conflict].update(names)
    for fact in facts:
        conflict = fact.conflict
        if not conflict:
            continue
        if not parties[conflict]:
            parties[conflict].update(_gazetteer_parties(conflict))
        if fact.names:
            parties[conflict].update(fact.names)
    return parties


@lru_cache(maxsize=256)
def _gazetteer_parties(conflict: str) -> tuple[str, ...]:
    """Parties of a conflict from the shipped gazetteer, else from its name ("A-B")."""
    gazetteer = _gazetteer()
    info = gazetteer.conflicts.get(conflict) if gazetteer is not None else None
    if info is not None:
        return tuple(info.parties)
    return tuple(p.strip() for p in re.split(r"[-\u2013\u2014/]| vs\.? ", conflict) if p.strip())


def _conflict_by_parties(data: dict, party_map: dict[str, set[str]]) -> str | None:
    """A truce report without a conflict joins the one conflict whose parties it names."""
    named = {_side_key(p) for p in data.get("parties") or ()}
    if len(named) < 2:
        return None
    fits = [c for c, ps in party_map.items() if named <= {_side_key(p) for p in ps}]
    return fits[0] if len(fits) == 1 else None


@lru_cache(maxsize=_SENTENCES)
def _place_hints(sentence: str) -> frozenset[str]:
    """Place names in a sentence: gazetteer places, or capitalised words after "in/at/near"."""
    gazetteer = _gazetteer()
    if gazetteer is not None:
        found = {m.text.lower() for m in gazetteer.mentions(sentence) if m.entries[0].kind == "place"}
        if found:
            return _shared(frozenset(found))
    found = set()
    for match in _PLACE_AFTER.finditer(sentence):
        name = match.group(1).lower()
        if name.split()[0] in _NOT_PLACES:
            continue
        if gazetteer is not None and gazetteer.mentions(match.group(1)):
            continue  # "in Azerbaijan", "in Gaza": a side or a whole theatre, not one place
        found.add(name)
    return _shared(frozenset(found))


@lru_cache(maxsize=1)
def _gazetteer():  # noqa: ANN202 - sitmon.extract.gazetteer.Gazetteer, imported lazily
    """The shipped gazetteer, or None if it cannot be read (it is only a hint here)."""
    try:
        from sitmon.extract.gazetteer import default_gazetteer

        return default_gazetteer()
    except Exception:  # noqa: BLE001
        return None


def _places(data: dict) -> frozenset[str]:
    """Where an attack or toll happened, as comparable names (empty if unknown).

    A whole theatre or a country ("Gaza", "Karabakh", "Ukraine") is no place:
    it would fold every attack of a war into one.
    """
    specific = _specific(data.get("location") or "")
    if specific:
        return _shared(frozenset({specific.lower()}))
    return _place_hints(data.get("evidence") or "")


_NO_PLACES: frozenset[str] = frozenset()


@lru_cache(maxsize=_PLACE_NAMES)
def _shared(places: frozenset[str]) -> frozenset[str]:
    """One object for each set of places (the first one seen): every event keeps its
    places for as long as the monitor runs, and most name one of a few towns."""
    return places


@lru_cache(maxsize=_PLACE_NAMES)
def _specific(location: str | None) -> str | None:
    """The location if it names one place, not a theatre, party or country."""
    location = (location or "").strip()
    if not location:
        return None
    gazetteer = _gazetteer()
    if gazetteer is not None:
        kinds = {e.kind for m in gazetteer.mentions(location) for e in m.entries}
        if kinds and "place" not in kinds:
            return None
    return location


def _victims(victims: str | None) -> str | None:
    value = (victims or "").strip().lower()
    return None if value in _GENERIC_VICTIMS else value


def _side_key(side: str | None) -> str | None:
    return side.strip().lower() if side and side.strip() else None


def _range(low: object, high: object) -> tuple[int, int] | None:
    if not isinstance(low, int) or isinstance(low, bool) or low < 0:
        return None
    top = high if isinstance(high, int) and not isinstance(high, bool) and high >= low else low
    return (low, top)


def _span(values: Iterable[tuple[int, int] | None]) -> tuple[int, int] | None:
    """Conflicting figures for one thing: (lowest, highest).

    One pass, without a list and two generators: it runs for every attack and
    report a fold compares."""
    low = high = None
    for value in values:
        if not value:
            continue
        if low is None:
            low, high = value
        else:
            if value[0] < low:
                low = value[0]
            if value[1] > high:
                high = value[1]
    return None if low is None else (low, high)


def _widen(span: tuple[int, int] | None, value: tuple[int, int] | None) -> tuple[int, int] | None:
    """*span* stretched to cover *value* too (either may be None)."""
    if span is None or value is None:
        return span or value
    return min(span[0], value[0]), max(span[1], value[1])


def _overlaps(a: tuple[int, int] | None, b: tuple[int, int] | None) -> bool:
    return a is None or b is None or (a[0] <= b[1] and b[0] <= a[1])


def _compatible(earlier: tuple[int, int] | None, later: tuple[int, int] | None) -> bool:
    """Figures that can be one attack's toll the same day: equal, overlapping, or risen (up to 2x)."""
    if earlier is None or later is None or _overlaps(earlier, later):
        return True
    return earlier[0] <= later[0] <= 2 * earlier[1]


def _close_in_time(a: datetime, b: datetime) -> bool:
    """The same UTC day, or a few hours apart across midnight."""
    return a.date() == b.date() or abs(a - b) <= NEARBY


def _is_headline(event: StoredEvent) -> bool:
    """Is the event's sentence an outlet's headline for the story?"""
    sentence = _norm(event.data.get("evidence") or "")
    if len(sentence) < 8:
        return False
    for source in event.sources:
        title = _norm(source.get("title") or "")
        if title and (sentence in title or (title in sentence and len(title) >= 0.6 * len(sentence))):
            return True
    return False


@lru_cache(maxsize=_SENTENCES)
def _norm(text: str) -> str:
    return " ".join(_WORDS.findall(text.lower()))


_WORDS = re.compile(r"\w+")


def _names(lists: Iterable[list[str] | None]) -> list[str]:
    """Union of names, first spelling wins, case-insensitive."""
    seen: dict[str, str] = {}
    for names in lists:
        for name in names or ():
            if name and name.strip():
                seen.setdefault(name.strip().lower(), name.strip())
    return list(seen.values())


def _most_common(values: Iterable[str | None]) -> str | None:
    counts: dict[str, int] = {}
    for value in values:
        if value:
            counts[value] = counts.get(value, 0) + 1
    # the first of the most frequent, as Counter.most_common(1) gives (without its cost)
    return max(counts, key=counts.__getitem__) if counts else None


def _sources(events: Iterable[StoredEvent], as_of: datetime | None) -> list[dict]:
    """Every outlet story behind these events, once each (by link, else by cluster)."""
    out: list[dict] = []
    seen: set = set()
    for event in events:
        entries = event.sources or ({},)
        for source in entries:
            if as_of is not None and "published" in source and (_parse(source["published"]) or as_of) > as_of:
                continue
            key = source.get("url") or (event.cluster_id, source.get("feed"), source.get("title"))
            if key in seen:
                continue
            seen.add(key)
            out.append(_output_source(event, source))
    return out


_SOURCE_FIELDS = frozenset({"story", "feed", "url", "title"})


def _output_source(event: StoredEvent, source: dict) -> dict:
    """The source as the output gives it. The store's own source dicts already have
    that shape and are read-only, so they are handed on rather than copied: every
    incident, tally and truce lists its sources, and copies per list would make the
    model's memory grow several times faster than the store's."""
    if source.keys() == _SOURCE_FIELDS and source["story"] == event.cluster_id:
        return source
    return {"story": event.cluster_id, "feed": source.get("feed"),
            "url": source.get("url"), "title": source.get("title")}


def _utc(moment: datetime) -> datetime:
    return moment.replace(tzinfo=timezone.utc) if moment.tzinfo is None else moment.astimezone(timezone.utc)


def _parse(value: object) -> datetime | None:
    if isinstance(value, datetime):
        return _utc(value)
    if not isinstance(value, str) or not value:
        return None
    try:
        return _utc(datetime.fromisoformat(value.replace("Z", "+00:00")))
    except ValueError:
        return None


def _iso(moment: datetime | None) -> str | None:
    return _utc(moment).isoformat() if moment else None
