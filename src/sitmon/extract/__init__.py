"""Read news text for truces, violations and casualties.

``extract(title, summary, published)`` splits the title (one sentence) and the
summary into sentences and runs the truce, violation and casualty finders on
each. Every event carries its evidence sentence and its conflict: the conflict
the sentence itself names, weighed against the conflict of the whole story, so
"a Moscow-brokered truce" inside a Karabakh story stays a Karabakh truce while a
round-up's "In Gaza, ..." sentence still goes to Gaza.

Bump ``RULES_VERSION`` whenever the rules or lexicons change: the store then
re-reads old stories.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timezone
from functools import lru_cache

from sitmon.extract.casualty import find_casualties
from sitmon.extract.events import Casualty, Context, Event, Truce, Violation
from sitmon.extract.gazetteer import Gazetteer, Mention, build_gazetteer, default_gazetteer
from sitmon.extract.sentences import split_sentences
from sitmon.extract.truce import find_truce
from sitmon.extract.violation import find_violation

RULES_VERSION = 1

# How much the story's conflict counts against the sentence's own names.
_STORY_WEIGHT = 0.5

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
        gaz = self.gazetteer
        found = [gaz.mentions(s) for s in sentences]
        story_scores = gaz.scores(m for ms in found for m in ms)
        story_conflict = gaz.best(story_scores)
        story = " ".join(sentences)
        events: list[Event] = []
        for sentence, mentions in zip(sentences, found):
            conflict = self._conflict(mentions, story_scores) or story_conflict
            ctx = Context(published=published, conflict=conflict)
            events.extend(self._sentence_events(sentence, ctx, mentions, story))
        return events

    def _conflict(self, mentions: list[Mention], story_scores: dict[str, float]) -> str | None:
        """The sentence's own conflict, with the story's as a tie-breaking prior."""
        own = self.gazetteer.scores(mentions)
        if not own:
            return None
        blended = {c: own.get(c, 0.0) + _STORY_WEIGHT * story_scores.get(c, 0.0) for c in story_scores}
        return self.gazetteer.best(blended)

    def _sentence_events(
        self, sentence: str, ctx: Context, mentions: list[Mention], story: str
    ) -> list[Event]:
        events: list[Event] = []
        truce = find_truce(sentence, ctx, self.gazetteer, mentions, story)
        if truce is not None:
            events.append(truce)
        violation = find_violation(sentence, ctx, self.gazetteer, mentions, story)
        if violation is not None:
            events.append(violation)
        events.extend(find_casualties(sentence, ctx))
        return events


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
