"""Truces: ceasefires, armistices and humanitarian pauses named in a sentence.

The lexicon lives in ``data/truce.toml``. A sentence holds at most one truce.
Its status is the highest-priority status whose cue appears, read first in the
sentence's main clause and only then in a background clause ("..., a week
after a Moscow-brokered truce collapsed"). Trade, business, sports and
political "truces" are dropped: a non-military modifier ("tariff truce")
always, a non-military story only when nothing in it speaks of war.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from sitmon.extract.events import Context, Truce
from sitmon.extract.gazetteer import Gazetteer, Mention, load_data
from sitmon.extract.timeparse import iso, resolve_end, resolve_start

DEFAULT_STATUS = "in_effect"


def _any(patterns: list[str]) -> re.Pattern:
    return re.compile(r"\b(?:" + "|".join(f"(?:{p})" for p in patterns) + r")(?![\w])", re.IGNORECASE)


@dataclass(frozen=True)
class TruceRules:
    """The compiled lexicon of ``truce.toml``."""

    trigger: re.Pattern
    civil_modifier: re.Pattern
    civil_cue: re.Pattern
    war_cue: re.Pattern
    priority: tuple[str, ...]
    status: dict[str, re.Pattern]
    no_violation: re.Pattern
    in_effect_weak: frozenset[str]
    talks: re.Pattern
    future_start: re.Pattern
    future_end: re.Pattern
    hypothetical: re.Pattern
    extend_proposed: re.Pattern
    background: re.Pattern
    kinds: tuple[tuple[str, re.Pattern], ...]
    mediator_spans: tuple[re.Pattern, ...]


@lru_cache(maxsize=1)
def rules() -> TruceRules:
    data = load_data("truce.toml")
    status = data["status"]
    return TruceRules(
        trigger=_any(data["triggers"]),
        civil_modifier=_any(data["civil_modifiers"]),
        civil_cue=_any(data["civil_cues"]),
        war_cue=_any(data["war_cues"]),
        priority=tuple(data["priority"]),
        status={name: _any(status[name]) for name in data["priority"]},
        no_violation=_any(status["no_violation"]),
        in_effect_weak=frozenset(status["in_effect_weak"]),
        talks=_any(status["talks"]),
        future_start=_any(status["future_start"]),
        future_end=_any(status["future_end"]),
        hypothetical=re.compile(
            r"\b(?:" + "|".join(status["hypothetical"]) + r")\b[^.;]{0,25}$", re.IGNORECASE
        ),
        extend_proposed=_any(status["extend_proposed"]),
        background=re.compile("|".join(f"(?:{p})" for p in status["background"]), re.IGNORECASE),
        kinds=tuple((name, _any(p)) for name, p in data["kind"].items()),
        mediator_spans=tuple(re.compile(p) for p in data["mediators"]["spans"]),
    )


def has_trigger(sentence: str) -> bool:
    return rules().trigger.search(sentence) is not None


def find_truce(
    sentence: str,
    ctx: Context,
    gazetteer: Gazetteer,
    mentions: list[Mention] | None = None,
    story: str = "",
) -> Truce | None:
    """The truce *sentence* reports, if any (*story* is the whole text, for context)."""
    r = rules()
    if r.trigger.search(sentence) is None or r.civil_modifier.search(sentence):
        return None
    mentions = gazetteer.mentions(sentence) if mentions is None else mentions
    if not _military(sentence, story, ctx, mentions):
        return None
    status = truce_status(sentence)
    mediators = _mediators(sentence, gazetteer, ctx.conflict)
    parties = _parties(sentence, gazetteer, ctx.conflict, mentions, mediators)
    tz = gazetteer.utc_offset(ctx.conflict)
    effective = _effective(sentence, ctx, tz, status)
    ends = resolve_end(sentence, effective, ctx.published, tz) if status != "ended" else None
    return Truce(
        conflict=ctx.conflict,
        evidence=sentence,
        status=status,
        parties=parties,
        mediators=mediators,
        kind=truce_kind(sentence),
        effective=iso(effective),
        ends=iso(ends),
    )


def _military(sentence: str, story: str, ctx: Context, mentions: list[Mention]) -> bool:
    """False for a trade/sports/political "truce": civil cues and no sign of war."""
    r = rules()
    civil = r.civil_cue.search(sentence) or (story and r.civil_cue.search(story))
    if not civil:
        return True
    named = any(e.conflict for m in mentions for e in m.entries)
    return bool(named or r.war_cue.search(sentence) or (story and r.war_cue.search(story)))


def truce_status(sentence: str) -> str:
    """proposed | agreed | in_effect | violated | extended | collapsed | ended."""
    main, background = _clauses(sentence)
    return _status_of(main) or (background and _status_of(background)) or DEFAULT_STATUS


def _clauses(sentence: str) -> tuple[str, str]:
    """Split off a background clause that only follows a truce mention."""
    r = rules()
    for match in r.background.finditer(sentence):
        main, rest = sentence[: match.start()], sentence[match.start():]
        if r.trigger.search(main):
            return main, rest
        if not r.trigger.search(rest):
            continue
        # The truce is only in the background clause: that clause is the main one.
        return rest, main
    return sentence, ""


def _status_of(text: str) -> str | None:
    r = rules()
    found = {name for name, pattern in r.status.items() if _cue(pattern, text, name)}
    if r.no_violation.search(text):
        found.discard("violated")
        found.add("in_effect")
    if "extended" in found and r.extend_proposed.search(text):
        found.discard("extended")
        found.add("proposed")
    if "in_effect" in found and _only_weak_start(text):
        found.discard("in_effect")  # "talks began": the talks cue says proposed
    if "in_effect" in found and r.future_start.search(text):
        found.discard("in_effect")
        found.add("agreed")
    if "ended" in found and r.future_end.search(text):
        found.discard("ended")
        found.add("in_effect")
    if "rejected" in found:
        return "proposed"
    for name in r.priority:
        if name in found:
            return name
    return None


def _cue(pattern: re.Pattern, text: str, name: str) -> bool:
    """Is there a cue of status *name* not made hypothetical by what precedes it?"""
    r = rules()
    for match in pattern.finditer(text):
        if name in ("collapsed", "ended") and r.hypothetical.search(text, 0, match.start()):
            continue
        return True
    return False


def _only_weak_start(text: str) -> bool:
    """"Talks began" is no truce beginning: every start cue is a weak verb and talks are named."""
    r = rules()
    if not r.talks.search(text):
        return False
    cues = [m.group().lower() for m in r.status["in_effect"].finditer(text)]
    return bool(cues) and all(c in r.in_effect_weak for c in cues)


def truce_kind(sentence: str) -> str | None:
    for name, pattern in rules().kinds:
        if pattern.search(sentence):
            return name
    return None


def _mediators(sentence: str, gazetteer: Gazetteer, conflict: str | None) -> list[str]:
    """Names inside mediator spans that are not parties of the conflict itself."""
    names: list[str] = []
    own = set(gazetteer.conflicts[conflict].parties) if conflict in gazetteer.conflicts else set()
    for pattern in rules().mediator_spans:
        for match in pattern.finditer(sentence):
            for name in gazetteer.parties(match.group("who")):
                if name not in own and name not in names:
                    names.append(name)
    return names


_BETWEEN = re.compile(r"\bbetween\s+(?P<a>[^,;:.]{1,60}?)\s+and\s+(?P<b>[^,;:.]{1,60}?)(?=[,;:.]|\s+(?:that|which|to|on|in|after|from|at|was|is|were|will|has|have|had)\b|$)")
_SUBJECT_PAIR = re.compile(r"^(?P<a>[^,;:]{1,60}?)\s+and\s+(?P<b>[^,;:]{1,60}?)\s+(?:have |had |on \w+ )?(?:agree|sign|reach|announce|accept|declare|strike|seal|clinch|commit|accuse|trade)", re.IGNORECASE)


def _parties(
    sentence: str, gazetteer: Gazetteer, conflict: str | None, mentions: list[Mention],
    mediators: list[str],
) -> list[str]:
    """Both sides named in the sentence, canonical; else the conflict's own parties."""
    for pattern in (_BETWEEN, _SUBJECT_PAIR):
        match = pattern.search(sentence)
        if match:
            pair = gazetteer.parties(match.group("a"), conflict) + gazetteer.parties(match.group("b"), conflict)
            pair = [p for p in dict.fromkeys(pair) if p not in mediators]
            if len(pair) >= 2:
                return pair
    named = [p for p in gazetteer.parties(sentence, conflict, mentions, actors=False) if p not in mediators]
    if conflict in gazetteer.conflicts:
        own = gazetteer.conflicts[conflict].parties
        named = [p for p in named if p in own] or named
        if not named:
            return list(own[:2])
    return named


_EFFECT_ANCHOR = re.compile(
    r"\b(?:tak(?:e|es|en|ing)|took)\s+effect|\b(?:come|comes|came|coming|go|goes|went|enter|enters|entered|going)\s+into\s+(?:force|effect)"
    r"|\bin (?:force|effect)|\bfrom\b|\bstarting\b|\bbeginning\b|\bbegins?\b|\bbegan\b|\bstarts?\b|\bstarted\b"
    r"|\bas of\b|\beffective\b|\bkick(?:s|ed)? in\b|\bsince\b",
    re.IGNORECASE,
)
_PAST_START = re.compile(
    r"\b(?:took effect|came into|went into|entered into|began|started|has (?:been|held)|kicked in|since|has begun|had begun)\b",
    re.IGNORECASE,
)
_CLOCK_HINT = re.compile(r"\b(?:midnight|noon|midday|\d{1,2}(?::\d{2})?\s*[ap]\.?m\b|\d{1,2}:\d{2}|\d{4}\s*(?:gmt|utc|hours|local))", re.IGNORECASE)


def _effective(sentence: str, ctx: Context, tz, status: str):
    """When the truce starts: the time named after "take effect", "from", "since"..."""
    if status in ("proposed", "collapsed", "ended"):
        return None
    past = bool(_PAST_START.search(sentence))
    for anchor in _EFFECT_ANCHOR.finditer(sentence):
        moment = resolve_start(sentence[anchor.end(): anchor.end() + 45], ctx.published, tz, past)
        if moment is not None:
            return moment
    if _CLOCK_HINT.search(sentence):
        return resolve_start(sentence, ctx.published, tz, past)
    return None
