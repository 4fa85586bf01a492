"""Violations: hostile acts and accusations of breaking a truce.

The lexicon lives in ``data/violation.toml``. Peaceful look-alikes ("heart
attack", "strike a deal", "hunger strike") are masked out first; a word that
is only sometimes violent ("attack", "strike", "raid") then needs a war context
(a conflict named in the sentence or the story, or a war word). A sentence
reports at most one violation, with who did it (actor), who says so
(claimed_by), where (location) and with what (weapon).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from sitmon.extract.events import Context, Violation
from sitmon.extract.gazetteer import Gazetteer, Mention, load_data

_MONTHS_AND_DAYS = frozenset(
    "January February March April May June July August September October November December "
    "Monday Tuesday Wednesday Thursday Friday Saturday Sunday The A An This That Its Their His Her".split()
)


def _any(patterns: list[str]) -> re.Pattern:
    return re.compile(r"\b(?:" + "|".join(f"(?:{p})" for p in patterns) + r")(?![\w])", re.IGNORECASE)


@dataclass(frozen=True)
class ViolationRules:
    """The compiled lexicon of ``violation.toml``."""

    strong: re.Pattern
    weak: re.Pattern
    any_act: re.Pattern
    exclusions: re.Pattern
    war_cue: re.Pattern
    breach: re.Pattern
    no_breach: re.Pattern
    claim: re.Pattern
    generic_actor: re.Pattern
    weapons: tuple[tuple[str, re.Pattern], ...]


@lru_cache(maxsize=1)
def rules() -> ViolationRules:
    data = load_data("violation.toml")
    return ViolationRules(
        strong=_any(data["strong_acts"]),
        weak=_any(data["weak_acts"]),
        any_act=_any(data["strong_acts"] + data["weak_acts"] + data["breach"]),
        exclusions=_any(data["exclusions"]),
        war_cue=_any(data["war_cues"]),
        breach=_any(data["breach"]),
        no_breach=_any(data["no_breach"]),
        claim=re.compile(r"\b(?:" + "|".join(data["claim_verbs"]) + r")\b"),
        generic_actor=_any(data["generic_actors"]),
        weapons=tuple((name, _any(p)) for name, p in data["weapons"].items()),
    )


def find_violation(
    sentence: str,
    ctx: Context,
    gazetteer: Gazetteer,
    mentions: list[Mention] | None = None,
    story: str = "",
) -> Violation | None:
    """The hostile act or truce-breach accusation *sentence* reports, if any."""
    r = rules()
    if r.any_act.search(sentence) is None:
        return None
    text = _mask(sentence)
    mentions = gazetteer.mentions(sentence) if mentions is None else mentions
    breach = r.breach.search(text) is not None and r.no_breach.search(text) is None
    act = r.strong.search(text)
    if act is None:
        weak = r.weak.search(text)
        if weak is not None and _at_war(text, ctx, mentions, story):
            act = weak
    if act is None and not breach:
        return None
    anchor = act or r.breach.search(text)
    claimed_by, accused = _claim(sentence, gazetteer, ctx.conflict)
    actor = accused or _actor(sentence, anchor, gazetteer, ctx.conflict, claimed_by)
    return Violation(
        conflict=ctx.conflict,
        evidence=sentence,
        actor=actor,
        claimed_by=claimed_by,
        location=_location(sentence, mentions, anchor.start()),
        weapon=_weapon(text),
        breach=breach,
    )


def _mask(sentence: str) -> str:
    """The sentence with peaceful look-alikes blanked out (same length, same offsets)."""
    return rules().exclusions.sub(lambda m: " " * len(m.group()), sentence)


def _at_war(text: str, ctx: Context, mentions: list[Mention], story: str) -> bool:
    if any(e.conflict for m in mentions for e in m.entries):
        return True
    if rules().war_cue.search(text):
        return True
    return ctx.conflict is not None and bool(story) and rules().war_cue.search(_mask(story)) is not None


_ACCUSE = re.compile(
    r"(?P<who>[^,;:]{1,80}?)\s+(?:accus(?:ed|es|e|ing)|blam(?:ed|es|e|ing))\s+(?P<whom>[^,;:]{1,60}?)\s+(?:of|for)\b"
)
_ACCORDING = re.compile(r"\baccording to (?:the )?(?P<who>[^,;:.]{1,60})")
_BY = re.compile(
    r"\b(?:by|from)\s+(?P<who>(?:the\s+)?[^,;:.]{1,50}?)(?=[,;:.]|\s+(?:on|in|at|near|as|after|that|which|killed|killing|and|were|was|overnight)\b|$)"
)
_PRONOUN_SUBJECT = re.compile(r"^\s*(?:that\s+)?(?:it|its(?:\s+\w+){0,2}|they|their(?:\s+\w+){0,2})\s+\w", re.IGNORECASE)


def _claim(sentence: str, gazetteer: Gazetteer, conflict: str | None) -> tuple[str | None, str | None]:
    """(who says so, whom they accuse) from "X accused Y of", "X said", "according to X"."""
    accuse = _ACCUSE.search(sentence)
    if accuse:
        who = _last_party(accuse.group("who"), gazetteer, conflict)
        whom = _last_party(accuse.group("whom"), gazetteer, conflict)
        if who or whom:
            return who, whom
    according = _ACCORDING.search(sentence)
    if according:
        who = _last_party(according.group("who"), gazetteer, conflict)
        if who:
            return who, None
    for verb in rules().claim.finditer(sentence):
        who = _last_party(sentence[max(0, verb.start() - 60): verb.start()], gazetteer, conflict)
        if who:
            return who, None
    return None, None


def _last_party(text: str, gazetteer: Gazetteer, conflict: str | None) -> str | None:
    found = gazetteer.parties(text, conflict)
    return found[-1] if found else None


def _actor(
    sentence: str, act: re.Match, gazetteer: Gazetteer, conflict: str | None, claimed_by: str | None
) -> str | None:
    """Who attacked: "by X" after the act, else the last party named before it in its clause."""
    by = _BY.search(sentence, act.start())
    if by:
        who = gazetteer.canonical(by.group("who"), conflict)
        if who:
            return who
    subject = _subject(sentence[: act.start()])
    if claimed_by and _PRONOUN_SUBJECT.match(subject):
        return claimed_by  # "Russia said it struck ..."
    who = _last_party(subject, gazetteer, conflict)
    if who:
        return who
    generic = rules().generic_actor.search(sentence)
    return generic.group().lower() if generic else None


def _subject(prefix: str) -> str:
    """The part of *prefix* after the last reporting verb ("Azerbaijan says ...")."""
    last = None
    for last in rules().claim.finditer(prefix):
        pass
    return prefix[last.end():] if last else prefix


_PREPOSITION_PLACE = re.compile(
    r"\b(?:in|on|near|at|outside|around|over|across|into|towards|toward|targeting|hit|struck)\s+"
    r"(?:the\s+)?(?:(?:city|town|village|region|province|district|port|capital|outskirts|suburbs?)\s+of\s+)?"
    r"(?P<place>[A-Z][\w'\u2019-]+(?:[ -][A-Z][\w'\u2019-]+){0,2})"
)


def _location(sentence: str, mentions: list[Mention], act_start: int) -> str | None:
    """A gazetteer place (one after the act preferred), else a capitalised place after in/on/near."""
    places = [m for m in mentions if m.is_place]
    after = [m for m in places if m.start >= act_start]
    if after or places:
        return (after or places)[0].text
    countries = {m.start for m in mentions if m.text in {e.name for e in m.entries}}
    for match in _PREPOSITION_PLACE.finditer(sentence):
        word = match.group("place")
        if word.split()[0] in _MONTHS_AND_DAYS:
            continue
        start = match.start("place")
        if any(m.start == start for m in mentions) and start not in countries:
            continue  # a demonym or party name ("on Russian positions"), not a place
        return word
    return None


def _weapon(text: str) -> str | None:
    """The weapon named earliest in the sentence."""
    best: tuple[int, str] | None = None
    for name, pattern in rules().weapons:
        match = pattern.search(text)
        if match and (best is None or match.start() < best[0]):
            best = (match.start(), name)
    return best[1] if best else None
