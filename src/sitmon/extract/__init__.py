"""Read news text for truces, violations and casualties.

``extract(title, summary, published)`` splits the title (one sentence) and the
summary into sentences and runs the truce, violation and casualty finders on
each. Every event carries its evidence sentence and its conflict: the conflict
the sentence itself names, weighed against the conflict of the whole story, so
"a Moscow-brokered truce" inside a Karabakh story stays a Karabakh truce while a
round-up's "In Gaza, ..." sentence still goes to Gaza.

Bump ``RULES_VERSION`` (in ``sitmon.rules``) whenever the rules or lexicons
change: the store then re-reads old stories.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import datetime, timezone
from functools import lru_cache

from sitmon.extract.casualty import find_casualties, fold_casualties
from sitmon.extract.events import Casualty, Context, Event, Truce, Violation
from sitmon.extract.gazetteer import (
    Gazetteer, Mention, build_gazetteer, default_gazetteer, lower, may_contain, needed_strings,
)
from sitmon.extract.sentences import split_sentences
from sitmon.extract.truce import (
    complete_sides, find_truce, mediators_in, named_sides, outside_actors, story_parties, unilateral_side,
)
from sitmon.extract.violation import find_violation
from sitmon.rules import RULES_VERSION

# How much the story's conflict counts against the sentence's own names.
_STORY_WEIGHT = 1.0
# Names in a mediator's or venue's role say nothing about which war it is:
# "a Moscow-brokered truce", "talks in Doha", "mediated by Qatar".
_ROLE_AFTER = re.compile(r"[-\s]*(?:brokered|mediated|hosted|backed|sponsored|facilitated|led talks)\b", re.IGNORECASE)
_ROLE_BEFORE = re.compile(
    r"\b(?:brokered|mediated|hosted|facilitated|sponsored)(?: by| in)?\s+(?:the\s+)?$|\b(?:talks|meeting|summit|negotiations) (?:in|at)\s+$",
    re.IGNORECASE,
)
# Most sentences have none of the role words, and then every name votes.
_ROLE_WORDS = needed_strings([_ROLE_AFTER.pattern, _ROLE_BEFORE.pattern])

__all__ = [
    "RULES_VERSION", "Casualty", "Context", "Event", "Extractor", "Truce", "Violation",
    "extract", "load_extractor", "split_sentences",
]


class Extractor:
    """Extraction with one gazetteer (the shipped one plus any user conflicts)."""

    def __init__(self, gazetteer: Gazetteer) -> None:
        self.gazetteer = gazetteer

    def extract(self, title: str, summary: str, published: datetime) -> list[Event]:
        """All events of one story, in sentence order."""
        published = published if published.tzinfo else published.replace(tzinfo=timezone.utc)
        sentences = _story_sentences(title or "", summary or "")
        if not sentences:
            return []
        shouted = _recase_shouting(sentences, self.gazetteer.acronyms)
        has_title = bool(title.strip())
        gaz = self.gazetteer
        lows: list[str] = []  # each sentence lower-cased once for every finder
        found: list[list[Mention]] = []  # its names
        voting: list[list[Mention]] = []  # those that count towards its conflict
        for sentence in sentences:
            low, mentions = lower(sentence), gaz.mentions(sentence)
            votes = mentions
            if mentions and may_contain(sentence, _ROLE_WORDS, low):
                votes = [m for m in mentions if _votes(sentence, m)]
            lows.append(low)
            found.append(mentions)
            voting.append(votes)
        conflicts, story_conflict = self._conflicts(voting, has_title)
        events, truces, violations = self._read(sentences, lows, found, conflicts, story_conflict, published)
        if truces.count(None) < len(truces):
            _mark_breaches(truces, violations)
            self._fold_truces(sentences, lows, found, truces)
        if has_title and violations[0] is not None:
            _fold_violations(violations)
        # A story tells one death more than once (headline, lead, detail): count it once.
        events = fold_casualties(events, sentences[0] if has_title else "")
        for event in events if shouted else ():
            event.evidence = shouted.get(event.evidence, event.evidence)  # quoted as written
        return events

    def _read(
        self, sentences: list[str], lows: list[str], found: list[list[Mention]], conflicts: list[str | None],
        story_conflict: str | None, published: datetime,
    ) -> tuple[list[Event], list[Truce | None], list[Violation | None]]:
        """The events of every sentence in order, and each sentence's truce and violation
        (or None) for the story-level folds."""
        gaz = self.gazetteer
        story = " ".join(sentences)
        events: list[Event] = []
        truces: list[Truce | None] = []
        violations: list[Violation | None] = []
        contexts: dict[str | None, Context] = {}  # one per conflict: most stories have one
        for sentence, low, mentions, conflict in zip(sentences, lows, found, conflicts):
            conflict = conflict or story_conflict
            ctx = contexts.get(conflict)
            if ctx is None:
                ctx = contexts[conflict] = Context(published=published, conflict=conflict)
            violation = find_violation(sentence, ctx, gaz, mentions, story, low=low)
            truce = find_truce(sentence, ctx, gaz, mentions, story, hostile=violation is not None, low=low)
            if truce is not None:
                events.append(truce)
            if violation is not None:
                events.append(violation)
            events.extend(find_casualties(sentence, ctx, low))
            truces.append(truce)
            violations.append(violation)
        return events, truces, violations

    def _conflicts(self, voting: list[list[Mention]], has_title: bool) -> tuple[list[str | None], str | None]:
        """Each sentence's own conflict (None: the story's), and the story's, from the names
        that vote (*voting*: each sentence's)."""
        named = _conflicts_named(voting)
        if len(named) < 2:  # three stories in four: the one conflict named (or none) is every sentence's
            only = next(iter(named), None)
            return [only] * len(voting), only
        gaz = self.gazetteer
        own_scores, story_scores = gaz.text_scores(voting)
        if has_title:
            _count_headline_twice(story_scores, own_scores[0])
        return [self._conflict(own, story_scores) for own in own_scores], gaz.best(story_scores)

    def _conflict(self, own: dict[str, float], story_scores: dict[str, float]) -> str | None:
        """The sentence's own conflict (from its *own* scores), with the story's as a prior."""
        if not own:
            return None
        if len(story_scores) == 1:  # the story names one conflict, and the sentence's names are the story's
            return next(iter(story_scores))
        blended = {
            c: own.get(c, 0.0) + _STORY_WEIGHT * story_scores.get(c, 0.0) for c in {*own, *story_scores}
        }
        return self.gazetteer.best(blended)

    def _fold_truces(
        self, sentences: list[str], lows: list[str], found: list[list[Mention]], truces: list[Truce | None]
    ) -> None:
        """Give every truce of a story the story's mediators, and both sides when its sentence names fewer."""
        gaz = self.gazetteer
        for conflict in {truce.conflict for truce in truces if truce is not None}:
            mediators: list[str] = []
            for sentence, low, mentions, truce in zip(sentences, lows, found, truces):
                mediators.extend(mediators_in(sentence, gaz, conflict, low, mentions))
                if truce is not None and truce.conflict == conflict:
                    mediators.extend(outside_actors(sentence, mentions, conflict, low))
            mediators = list(dict.fromkeys(mediators))
            declarer = self._declarer(sentences, lows, found, truces, conflict)
            sides = None  # the story's parties: read only for a truce whose sentence names fewer than two
            for sentence, low, mentions, truce in zip(sentences, lows, found, truces):
                if truce is None or truce.conflict != conflict:
                    continue
                if declarer:
                    truce.parties = [declarer]
                elif len(named_sides(sentence, gaz, conflict, mentions, mediators, low)) < 2:
                    if sides is None:
                        sides = story_parties(sentences, found, gaz, conflict, mediators, lows)
                    truce.parties = sides or complete_sides(truce.parties, gaz, conflict)
                # (after the sides are settled: "Saudi Arabia and the US announced a ceasefire in
                # Sudan" first reads the announcers as its sides, then the story's parties replace them)
                truce.mediators = [m for m in mediators if m not in truce.parties]

    def _declarer(
        self, sentences: list[str], lows: list[str], found: list[list[Mention]], truces: list[Truce | None],
        conflict: str | None,
    ) -> str | None:
        """Who declared the story's truce alone, if it is a one-sided truce."""
        unnamed = False
        for sentence, low, mentions, truce in zip(sentences, lows, found, truces):
            if truce is not None and truce.conflict == conflict:
                side = unilateral_side(sentence, self.gazetteer, conflict, mentions, low)
                if side:
                    return side
                unnamed = unnamed or side == ""
        if unnamed:
            named = [p for s, ms in zip(sentences, found) for p in self.gazetteer.parties(s, conflict, ms, actors=False)]
            return named[0] if named else None
        return None


def _votes(sentence: str, mention: Mention) -> bool:
    """Whether a name counts towards the conflict (not a mediator's or a venue's)."""
    if _ROLE_AFTER.match(sentence, mention.end):
        return False
    return _ROLE_BEFORE.search(sentence, max(0, mention.start - 30), mention.start) is None


def _conflicts_named(voting: list[list[Mention]]) -> set[str]:
    """The conflicts the names of *voting* count towards, read until there are two: with
    one, no scores need adding up (every sentence is about it, whatever its own names)."""
    named: set[str] = set()
    for votes in voting:
        for mention in votes:
            named |= mention.meaning.conflicts
            if len(named) > 1:
                return named
    return named


def _count_headline_twice(story_scores: dict[str, float], headline: dict[str, float]) -> None:
    """In the story's conflict scores the headline (its own scores) counts twice."""
    for conflict, score in headline.items():
        story_scores[conflict] = story_scores.get(conflict, 0.0) + score


def _mark_breaches(truces: list[Truce | None], violations: list[Violation | None]) -> None:
    """"Houthis accused of shelling Taiz during UN truce": a hostile act that its own
    sentence places inside a running truce breaks it, unless the story says that
    truce is already over (then the act is the war resuming, not a breach)."""
    over = {t.conflict for t in truces if t is not None and t.status in ("collapsed", "ended")}
    for truce, violation in zip(truces, violations):
        if violation is not None and truce is not None and truce.status == "violated" and truce.conflict not in over:
            violation.breach = True


def _fold_violations(violations: list[Violation | None]) -> None:
    """A summary's "the attack" is the headline's attack: fill what the sentence leaves open
    (*violations*: each sentence's, the headline's first)."""
    headline = violations[0]
    for violation in violations[1:]:
        if violation is None or violation.conflict != headline.conflict or _ANOTHER.match(violation.evidence):
            continue  # ("Separately, a drone strike on Kadugli killed five": not the headline's attack)
        if violation.actor is None or (violation.actor.islower() and headline.actor and not headline.actor.islower()):
            violation.actor = headline.actor
        violation.claimed_by = violation.claimed_by or headline.claimed_by
        violation.location = violation.location or headline.location


_ANOTHER = re.compile(
    r"(?:separately|elsewhere|meanwhile"
    r"|in (?:a |an )?(?:separate|another|other) (?:\w+ )?(?:attack|strike|incident|development)s?)\b",
    re.IGNORECASE,
)


_CASED_WORD = re.compile(r"[^\W\d_]+")


def _recase_shouting(sentences: list[str], acronyms: frozenset[str]) -> dict[str, str]:
    """Write sentences set in capitals ("RUSSIAN MISSILE STRIKE ON KYIV KILLS 12") in
    title case, in place, as the names are matched case by case; returns the originals
    by their new text. Names written in capitals anyway ("RSF") stay so."""
    originals: dict[str, str] = {}
    if not any(map(str.isupper, sentences)):  # (nearly every story: one C pass)
        return originals
    for i, sentence in enumerate(sentences):
        if len(sentence) < 20 or not sentence.isupper():  # (one C call: every sentence pays it)
            continue
        recased = _CASED_WORD.sub(lambda m: m.group() if m.group() in acronyms else m.group().capitalize(), sentence)
        originals[recased] = sentence
        sentences[i] = recased
    return originals


def _story_sentences(title: str, summary: str) -> list[str]:
    """The title as one sentence, then the summary's sentences."""
    title = " ".join(title.split())
    sentences = [title] if title else []
    sentences.extend(split_sentences(summary))
    return sentences


def load_extractor(extra_conflicts: Iterable[dict] = ()) -> Extractor:
    """An Extractor whose gazetteer adds the user's conflicts (config ``conflicts``)."""
    extra = list(extra_conflicts or ())
    if not extra:
        return _default_extractor()
    return Extractor(build_gazetteer(extra))


@lru_cache(maxsize=1)
def _default_extractor() -> Extractor:
    return Extractor(default_gazetteer())


def extract(title: str, summary: str, published: datetime) -> list[Event]:
    """Events of one story, using the shipped gazetteer."""
    return _default_extractor().extract(title, summary, published)
