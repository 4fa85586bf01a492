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
from bisect import bisect_left
from dataclasses import dataclass
from functools import lru_cache

from sitmon.extract.events import Context, Truce
from sitmon.extract.gazetteer import (
    Gated, Gazetteer, Mention, PhraseTable, compiled_twice, contains_any, gated, guarded, lexicon, literal_gate,
    load_data, lower, names_conflict, needed_strings,
)
from sitmon.extract.timeparse import has_digit, iso, may_name_time, resolve_end, resolve_start
from sitmon.extract.violation import country_named

DEFAULT_STATUS = "in_effect"


@dataclass(frozen=True)
class TruceRules:
    """The compiled lexicon of ``truce.toml``."""

    trigger: re.Pattern
    trigger_gate: re.Pattern  # a cheap necessary test for trigger (real news mostly lacks all its words)
    civil_modifier: re.Pattern
    civil_gate: re.Pattern  # a cheap necessary test for civil_modifier (its "trade", "tariff"... words)
    civil_cue: re.Pattern
    war_cue: re.Pattern
    priority: tuple[str, ...]
    cues: PhraseTable  # the status cue lists
    in_effect_weak: frozenset[str]
    hypothetical: re.Pattern
    not_yet: re.Pattern
    conditional: re.Pattern
    background: re.Pattern
    background_gate: re.Pattern  # a cheap necessary test for background
    unilateral: Gated | re.Pattern
    declared_by: Gated | re.Pattern
    army_words: re.Pattern
    rebel_words: re.Pattern
    kinds: PhraseTable
    kind_order: tuple[str, ...]
    mediator_after: re.Pattern
    mediator_before: re.Pattern
    mediator_gate: re.Pattern  # a cheap necessary test for either (their needed words)


# Cue lists; where two lists share a phrase, the earlier list keeps it.
_CUE_ORDER = (
    "no_violation", "not_extended", "extend_proposed", "future_start", "future_end", "rejected", "collapsed", "ended",
    "extended", "violated", "in_effect", "in_context", "agreed", "talks", "proposed",
)


def _compile_rules(flags: int) -> TruceRules:
    data = load_data("truce.toml")
    status = data["status"]
    return TruceRules(
        trigger=lexicon(data["triggers"], flags=flags),
        trigger_gate=literal_gate(data["triggers"]),
        civil_modifier=lexicon(data["civil_modifiers"], flags=flags),
        # not the truce words every sentence that reaches this test holds
        civil_gate=literal_gate(data["civil_modifiers"], avoid=needed_strings(data["triggers"]) or ()),
        civil_cue=lexicon(data["civil_cues"], flags=flags),
        war_cue=lexicon(data["war_cues"], flags=flags),
        priority=tuple(data["priority"]),
        cues=PhraseTable({name: status[name] for name in _CUE_ORDER}, flags=flags),
        in_effect_weak=frozenset(status["in_effect_weak"]),
        hypothetical=lexicon(status["hypothetical"], r"\b[^.;]{0,25}$", flags=flags),
        not_yet=lexicon(status["not_yet"], r"\b[^.;,]{0,12}$", flags=flags),
        conditional=lexicon(status["conditional"], r"\b[^.;]{0,40}$", flags=flags),
        background=guarded(status["background"], flags=flags),
        background_gate=literal_gate(status["background"], fold=False),
        # gated: these rare words are looked for in every truce sentence
        unilateral=gated(lexicon(data["sides"]["unilateral"], flags=flags)),
        # (its "declared", "announced"... verbs: not " by" or the truce words every truce sentence holds)
        declared_by=gated(lexicon(data["sides"]["declared_by"], "", flags=flags),
                          avoid=(" by", *(needed_strings(data["triggers"]) or ()))),
        army_words=lexicon(data["sides"]["army_words"], flags=flags),
        rebel_words=lexicon(data["sides"]["rebel_words"], flags=flags),
        kinds=PhraseTable(data["kind"], flags=flags),
        kind_order=tuple(data["kind"]),
        mediator_after=lexicon(data["mediators"]["after"], "", flags=flags),
        mediator_before=lexicon(data["mediators"]["before"], r"\b", flags=flags),
        # (not " by" or "with ", which most sentences hold)
        mediator_gate=literal_gate(data["mediators"]["after"] + data["mediators"]["before"], avoid=(" by", "with ")),
    )


rules, ascii_rules, rules_for = compiled_twice(_compile_rules)


def find_truce(
    sentence: str,
    ctx: Context,
    gazetteer: Gazetteer,
    mentions: list[Mention] | None = None,
    story: str = "",
    hostile: bool = False,
    low: str | None = None,
) -> Truce | None:
    """The truce *sentence* reports, if any.

    *story* is the whole text, the sentence included (context for non-military
    cues), or "" for a sentence alone; *hostile* says the sentence also reports a
    hostile act, which makes a running truce violated; *low* is the sentence
    lower-cased, when the caller has it.
    """
    low = lower(sentence) if low is None else low
    r = rules_for(low)
    if r.trigger_gate.search(low) is None or r.trigger.search(low) is None:
        return None
    if r.civil_gate.search(low) and r.civil_modifier.search(low):
        return None
    mentions = gazetteer.mentions(sentence) if mentions is None else mentions
    if not _military(low, story, mentions):
        return None
    status = truce_status(low, hostile)
    mediators = mediators_in(sentence, gazetteer, ctx.conflict, low, mentions)
    parties = named_sides(sentence, gazetteer, ctx.conflict, mentions, mediators, low)
    if len(parties) < 2:
        parties = complete_sides(parties, gazetteer, ctx.conflict)
    tz = gazetteer.clock(ctx.conflict)
    effective = ends = None
    if _may_be_timed(low):
        named = may_name_time(low)  # (read once for both ends of the truce)
        effective = _effective(low, ctx, tz, status, named)
        # a proposal's length is no end ("rejects 30-day ceasefire proposal"), nor is a past truce's
        # ("ending two-month ceasefire")
        if status not in ("ended", "collapsed", "proposed"):
            ends = resolve_end(low, effective, ctx.published, tz, named)
    return Truce(
        conflict=ctx.conflict,
        evidence=sentence,
        status=status,
        parties=parties,
        mediators=mediators,
        kind=truce_kind(low),
        effective=iso(effective),
        ends=iso(ends),
    )


def _military(sentence: str, story: str, mentions: list[Mention]) -> bool:
    """False for a trade/sports/political "truce": civil cues and no sign of war (lower-cased sentence)."""
    if names_conflict(mentions):
        return True  # a conflict's name settles it: no cue of the story is looked for
    r = rules_for(sentence)
    # The story holds the sentence: a cue the story lacks, the sentence lacks too,
    # so the sentence is searched only when there is no story.
    if not (_story_civil(story) or (not story and r.civil_cue.search(sentence))):
        return True
    return _story_war(story) or (not story and r.war_cue.search(sentence) is not None)


# Shared by the sentences of one story only: small caches, so that passes over
# many stories (a benchmark repeating its corpus) do not hit and flatter the cost.
@lru_cache(maxsize=4)
def _story_civil(story: str) -> bool:
    """A non-military cue anywhere in the story."""
    low = lower(story)
    return rules_for(low).civil_cue.search(low) is not None


@lru_cache(maxsize=4)
def _story_war(story: str) -> bool:
    """A war cue anywhere in the story (read only for stories with a non-military cue)."""
    low = lower(story)
    return rules_for(low).war_cue.search(low) is not None


def truce_status(sentence: str, hostile: bool = False) -> str:
    """proposed | agreed | in_effect | violated | extended | collapsed | ended (of lower-cased text).

    A hostile act reported alongside a truce that is merely running ("during
    the truce") or only recalled in the background ("a week after the truce
    was announced") is a violation of it.
    """
    r = rules_for(sentence)  # (which hold for its clauses too)
    main, background, recalled = _clauses(sentence, r)
    status = _status_of(main, r)
    # The background clause is read once, and only when it can matter.
    back = _status_of(background, r) if background and (status is None or recalled) else None
    if status is None:
        status = back
    if recalled and status != "collapsed" and back == "collapsed":
        status = "collapsed"  # "Fighting erupted again, ending the truce": the news is the collapse
    if hostile and (status in (None, "in_context") or (recalled and status in ("in_effect", "agreed"))):
        return "violated"
    if status in (None, "in_context"):
        return DEFAULT_STATUS
    return status


def _clauses(sentence: str, r: TruceRules) -> tuple[str, str, bool]:
    """(truce clause, background clause, whether the truce is only recalled in the background)."""
    if r.background_gate.search(sentence) is None:
        return sentence, "", False
    for match in r.background.finditer(sentence):
        main, rest = sentence[: match.start()], sentence[match.start():]
        if r.trigger.search(main):
            return main, rest, False
        if not r.trigger.search(rest):
            continue
        return rest, main, True
    return sentence, "", False


def _status_of(text: str, r: TruceRules) -> str | None:
    found: set[str] = set()
    starts: list[str] = []  # the start verbs that talks came before ("talks began")
    talks_at = len(text)
    cues = r.cues
    for match in cues.pattern.finditer(text):
        name = cues.name(match)
        if _counts(name, text, match, r):
            found.add(name)
            if name == "talks":
                talks_at = min(talks_at, match.start())
            elif name == "in_effect":
                # "truce holds after Cairo talks": talks named after the verb are not what holds,
                # unless they are what it holds ("US envoy holds talks on a ceasefire")
                before = match.start() > talks_at or _TALKS_HELD.match(text, match.end()) is not None
                starts.append(match.group() if before else "")
        elif name == "agreed":
            found.add("proposed")  # "could be signed", "urged both sides to accept"
    return _resolve(found, starts, r)


_TALKS_HELD = re.compile(
    r"\s+(?:(?!(?:after|as|while|despite|amid|since|before|following|with|during|and|but)\b)[\w-]+\s+){0,2}?"
    r"(?:talks|negotiations|discussions|consultations|meetings?)\b"
)


def _resolve(found: set[str], starts: list[str], r: TruceRules) -> str | None:
    """The status from the set of cue lists that matched."""
    if "no_violation" in found:
        found.discard("violated")
        found.add("in_effect")
    if "not_extended" in found:
        found.discard("extended")
        found.add("ended")
    if "extend_proposed" in found:
        found.discard("extended")
        found.add("proposed")
    if "talks" in found:
        found.add("proposed")
        if starts and all(s in r.in_effect_weak for s in starts):
            found.discard("in_effect")  # "talks began" is no truce beginning
    if "future_start" in found:
        found.discard("in_effect")
        found.add("agreed")
    if "future_end" in found:
        found.discard("ended")
        found.add("in_effect")
    for name in r.priority:  # (a loop, not next() over a generator: this runs for every truce)
        if name in found:
            return "proposed" if name == "rejected" else name
    return None


def _counts(name: str, text: str, match: re.Match, r: TruceRules) -> bool:
    """A collapse that may happen or an agreement that is still to come does not count."""
    if name in ("collapsed", "ended"):
        return r.hypothetical.search(text, 0, match.start()) is None
    if name == "agreed":
        return r.not_yet.search(text, 0, match.start()) is None and r.conditional.search(text, 0, match.start()) is None
    return True


def truce_kind(sentence: str) -> str | None:
    """humanitarian | partial | holiday | unilateral | local | general (lower-cased text).

    A kind word counts only where it qualifies a truce: "a nationwide truce", "a truce
    for Orthodox Christmas", not "4am local time", "the UN Secretary-General" or "a
    total of 30" elsewhere in the sentence."""
    r = rules_for(sentence)
    kinds = r.kinds
    found: set[str] = set()
    # the truce words, found once a kind word is; then the triggers' spans, needed only
    # when those do not do ("agrees to pause strikes" on energy sites)
    words: list[tuple[int, int]] | None = None
    triggers: list[tuple[int, int]] | None = None
    for match in kinds.pattern.finditer(sentence):
        name = kinds.name(match)
        if name in found:
            continue
        if words is None:
            words = [m.span() for m in _TRUCE_WORD.finditer(sentence)]
        start, end = match.span()
        if not _qualifies(sentence, start, end, words):
            if triggers is None:
                triggers = [m.span() for m in r.trigger.finditer(sentence)]
            if not _qualifies(sentence, start, end, triggers):
                continue
        found.add(name)
    for name in r.kind_order:
        if name in found:
            return name
    return None


# What a kind word can qualify: the truce itself, however it is named.
_TRUCE_WORD = re.compile(
    r"\b(?:truces?|cease-?fires?|cease fires?|armistices?|pauses?|halts?|cessation|lull|hostilities)\b"
)
# Between a kind word and its truce word after it: a few words of the same noun phrase
# ("nationwide", "Orthodox Christmas", "complete and total"), no clause break and no
# article (an article starts another phrase: "Secretary-General welcomed the truce").
_BEFORE_BREAK = re.compile(r"[.;:,!?()]|\b(?:the|a|an|this|that|its|their|his|her|our|which|who)\b")
_BEFORE_WORDS = 3
# After the truce word: a phrase it opens ("for Orthodox Christmas", "on energy
# infrastructure", "to let civilians leave", "in the town of"), within a few words and
# before any verb of the clause ("the truce in Yemen was agreed as shipping firms...").
_AFTER_START = re.compile(r"\s*(?:(?:for|over|on|in|at|to|during|across|covering|around|so that)\b|$)")
_AFTER_BREAK = re.compile(
    r"[.;:,!?()]|\b(?:is|are|was|were|be|been|has|have|had|will|would|could|should|may|might|as|while|when"
    r"|after|before|but|said|says)\b"
)
_AFTER_WORDS = 4
# ... or what the truce is for, further on: "the truce, lasting until the end of the
# season, would allow farmers to till their land and aid to flow".
_PURPOSE = re.compile(r"\b(?:allow|allows|allowing|let|lets|letting|enable|enables|enabling|permit|permits)\b")
_PURPOSE_BREAK = re.compile(r"[.;:!?]")


# How far apart a kind word and its truce word can be, in characters: only the truce
# words this close are looked at, so a hostile sentence of thousands of them stays cheap.
_REACH = 200


def _qualifies(sentence: str, start: int, end: int, truces: list[tuple[int, int]]) -> bool:
    """Whether the kind word at ``sentence[start:end]`` qualifies one of the *truces*
    words (spans, in order)."""
    for index in range(bisect_left(truces, (start - _REACH,)), len(truces)):
        truce_start, truce_end = truces[index]
        if truce_start > end + _REACH:
            break
        if truce_start < end and start < truce_end:
            return True  # the kind phrase holds the truce word: "lasting ceasefire"
        if end <= truce_start:
            gap = sentence[end:truce_start]
            if len(gap.split()) <= _BEFORE_WORDS and not _BEFORE_BREAK.search(gap):
                return True
        elif truce_end <= start:
            gap = sentence[truce_end:start]
            if (len(gap.split()) <= _AFTER_WORDS and _AFTER_START.match(gap)
                    and not _AFTER_BREAK.search(gap)):
                return True
            if len(gap) <= _REACH and _PURPOSE.search(gap) and not _PURPOSE_BREAK.search(gap):
                return True
    return False


def mediators_in(
    sentence: str, gazetteer: Gazetteer, conflict: str | None, low: str | None = None,
    mentions: list[Mention] | None = None,
) -> list[str]:
    """Names next to a mediator's role words that are not parties of the conflict itself
    (*low*, *mentions*: the sentence lower-cased and its names, when the caller has them)."""
    key = (sentence, conflict, gazetteer)
    found = _MEDIATORS.get(key)
    if found is None:
        gate = rules_for(sentence).mediator_gate  # (not compiling the other rules for it)
        if gate.search(lower(sentence) if low is None else low) is None:
            found = ()  # most sentences have no mediator's role word: two scans saved
        else:
            mentions = gazetteer.mentions(sentence) if mentions is None else mentions
            found = _mediators_in(sentence, gazetteer, conflict, mentions, low)
        _remember(_MEDIATORS, key, found)
    return list(found)


# Small on purpose: these only save the second look at the same sentence within one
# story (the sentence's own truce, then the story's fold), not a corpus-wide memo.
_MEDIATORS: dict[tuple, tuple[str, ...]] = {}
_SIDES: dict[tuple, tuple] = {}


def _remember(memo: dict, key: tuple, value):
    if len(memo) >= 32:
        memo.clear()
    memo[key] = value
    return value


def _mediators_in(
    sentence: str, gazetteer: Gazetteer, conflict: str | None, mentions: list[Mention], low: str | None,
) -> tuple[str, ...]:
    low = lower(sentence) if low is None else low
    r = rules_for(low)
    spans = [(m.end(), m.end() + _clause_after(sentence[m.end(): m.end() + 70]))
             for m in r.mediator_after.finditer(low)]
    spans += [(m.start() - _clause_before(sentence[max(0, m.start() - 60): m.start()]), m.start())
              for m in r.mediator_before.finditer(low)]
    if not spans:
        return ()
    info = gazetteer.conflicts.get(conflict or "")
    own = set(info.parties) if info else set()
    names: list[str] = []
    for start, end in spans:
        for name in gazetteer.parties_within(sentence, mentions, start, end, conflict):
            if name not in own and name not in names:
                names.append(name)
    return tuple(names)


_CLAUSE_END = re.compile(r"[.;:]|\b(?:said|says|after|when|while|between|and agreed)\b")
_CLAUSE_START = re.compile(r"[.;:]|\b(?:after|when|while|between|and agreed)\b")


def _clause_after(span: str) -> int:
    """How much of the start of *span* the mediator's clause takes."""
    cut = _CLAUSE_END.search(span, 1)
    return cut.start() if cut else len(span)


def _clause_before(span: str) -> int:
    """How much of the end of *span* the mediator's clause takes."""
    start = 0
    for cut in _CLAUSE_START.finditer(span):
        start = cut.end()
    return len(span) - start


_SPONSOR = re.compile(r"[-\s]*(?:backed|supported|allied|aligned|armed|funded)\b", re.IGNORECASE)
# Outsiders who only urge, back or block a truce are not its mediators: "Biden voices
# support for a ceasefire", "the US president told the Israeli leader he backed a truce",
# "a resolution demanding a truce vetoed by Washington".
_URGER = re.compile(
    r"[^.;:]{0,40}?\b(?:urg(?:e|es|ed|ing)|call(?:s|ed|ing)? for|appeal(?:s|ed)?|demand(?:s|ed)?|plead(?:s|ed)?"
    r"|voic(?:e|es|ed) support|support(?:s|ed|ing)?|back(?:s|ed|ing)|veto(?:es|ed)?|block(?:s|ed)|welcom(?:e|es|ed))\b",
    re.IGNORECASE,
)
_URGER_WORDS = gated(_URGER)
_URGED_BY = re.compile(
    r"\b(?:(?:vetoed|blocked|backed|supported|welcomed|opposed|rejected) by|(?<!help )(?<!support )from|into|border with)\s+(?:the\s+)?$",
    re.IGNORECASE,
)  # ... or are only a place: "aid trucks at the Rafah crossing from Egypt"


def sponsored(sentence: str, mention: Mention) -> bool:
    """"Iran-backed Houthis": the name is a sponsor, neither side nor mediator."""
    return bool(_SPONSOR.match(sentence, mention.end))


_SPONSOR_WORDS = gated(_SPONSOR)  # its cheap test: most sentences have none of "backed", "armed"...


def _unsponsored(sentence: str, mentions: list[Mention], low: str | None = None) -> list[Mention]:
    """The mentions that are not sponsors; one word test clears a whole sentence."""
    if not mentions or not _SPONSOR_WORDS.may_match(sentence, low):
        return mentions
    return [m for m in mentions if not sponsored(sentence, m)]


def outside_actors(sentence: str, mentions: list[Mention], conflict: str | None, low: str | None = None) -> list[str]:
    """Outsiders named with a truce (mediators, hosts, monitors), except those merely urging one
    (*low*: the sentence lower-cased, when the caller has it)."""
    names = []
    sponsors = urgers = None  # whether the sentence has any sponsor's or urger's word: tested once
    for mention in mentions:
        if conflict and conflict in mention.meaning.conflicts:
            continue
        entry = mention.meaning.actor
        if entry is None:
            continue
        if sponsors is None:
            sponsors, urgers = _SPONSOR_WORDS.may_match(sentence, low), _URGER_WORDS.may_match(sentence, low)
        if (sponsors and sponsored(sentence, mention)) or (urgers and _URGER.match(sentence, mention.end)):
            continue
        if _URGED_BY.search(sentence, max(0, mention.start - 20), mention.start):
            continue
        if _FIGHTING_FORCE.match(sentence, mention.end):
            continue  # "Syrian and Russian warplanes resumed bombing": a combatant, not a mediator
        names.append(entry.name)
    return list(dict.fromkeys(names))


def _outside_combatant(sentence: str, mention: Mention, conflict: str | None) -> bool:
    """A state from outside the conflict named as a fighting force ("Russian warplanes" in Syria)."""
    return bool(conflict) and conflict not in mention.meaning.conflicts and _FIGHTING_FORCE.match(
        sentence, mention.end) is not None


_FIGHTING_FORCE = re.compile(
    r"\s+(?:[\w-]+\s+)?(?:warplanes?|jets|aircraft|bombers|troops|soldiers|forces|army|military|artillery|drones?"
    r"|missiles?|rockets?|air ?strikes?|strikes|shelling|bombing|bombardment|attacks?|fire)\b",
    re.IGNORECASE,
)


def story_parties(
    sentences: list[str], found: list[list[Mention]], gazetteer: Gazetteer, conflict: str | None,
    mediators: list[str], lows: list[str] | None = None,
) -> list[str]:
    """Both sides of a story's truce from every sentence: for truce sentences that name fewer
    (*lows*: the sentences lower-cased, when the caller has them)."""
    named = []
    for sentence, mentions, low in zip(sentences, found, lows or [None] * len(sentences)):
        if mentions:
            # ("Syrian and Russian warplanes": an outside state fighting beside a side is not one)
            sides = [m for m in _unsponsored(sentence, mentions, low)
                     if conflict in m.meaning.conflicts or not _outside_combatant(sentence, m, conflict)]
            named.extend(gazetteer.parties(sentence, conflict, sides, actors=False))
    named = [p for p in dict.fromkeys(named) if p not in mediators]
    return complete_sides(named, gazetteer, conflict)


# "Russia's Easter truce", but not "Ukraine's call for a truce".
_POSSESSIVE_TRUCE = re.compile(
    r"['\u2019]s\s+(?:(?!(?:calls?|offers?|proposals?|plans?|push|bid|demands?|requests?|idea|talks|rejection|refusal|of|for|to|a|the"
    # "Israel's strikes threaten ceasefire": what they did to someone's truce
    r"|strikes?|attacks?|shelling|raids?|offensive|threat\w*|violat\w*|breach\w*|undermin\w*|jeopardi\w*|endanger\w*|imperil\w*"
    r"|break\w*|broke|shatter\w*|end\w*)\b)[\w-]+\s+){0,3}?"
    r"(?:truce|cease-?fire|pause|halt)",
    re.IGNORECASE,
)
_DECLARES = re.compile(
    r"^\W*(?P<who>[^,;:]{1,50}?)\s+(?:declar|announc|order|offer|proclaim)(?:e|es|ed|s|ing)?\b[^,;:]{0,40}?\b(?:truce|cease-?fire|pause|halt)",
    re.IGNORECASE,
)


# Cheap first test for _DECLARES: its verbs, anywhere in the lower-cased sentence.
_DECLARE_VERBS = ("declar", "announc", "order", "offer", "proclaim")


def unilateral_side(
    sentence: str, gazetteer: Gazetteer, conflict: str | None, mentions: list[Mention], low: str | None = None,
) -> str | None:
    """The declarer of a one-sided truce ("Russia's Easter truce", "ELN declares a ceasefire").

    Returns "" when the truce is one-sided but its declarer is not named here.
    """
    low = lower(sentence) if low is None else low
    r = rules_for(low)
    info = gazetteer.conflicts.get(conflict or "")
    own = [m for m in mentions if conflict in m.meaning.party_of] if info else []
    if "'s" in low or "\u2019s" in low:
        for mention in own:
            if _POSSESSIVE_TRUCE.match(sentence, mention.end):
                return mention.entry(conflict).name
    named = list(dict.fromkeys(m.entry(conflict).name for m in own)) if own else []
    declares = _DECLARES.search(sentence) if contains_any(low, _DECLARE_VERBS) else None
    if declares and " and " not in declares.group("who") and len(named) <= 1:
        who = gazetteer.parties_within(sentence, mentions, *declares.span("who"), conflict, actors=False)
        if who and who[0] in named:
            return who[0]
        side = _generic_party(declares.group("who"), info)
        if side:
            return side
    by = r.declared_by.search(low)
    if by:
        who = gazetteer.parties_within(sentence, mentions, by.end(), by.end() + 40, conflict, actors=False)
        if who and info and who[0] in info.parties:
            return who[0]
    if r.unilateral.search(low):
        if len(named) == 1:
            return named[0]
        return _generic_party(sentence, info) or ""
    return None


def _generic_party(text: str, info) -> str | None:
    """The party a bare "the army" or "the rebels" means in this conflict (the words are
    matched lower-cased: "Army declares truce", "Resistance groups announce a pause")."""
    if info is None:
        return None
    text = lower(text)
    r = rules_for(text)
    if info.army and r.army_words.search(text):
        return info.army
    if info.rebels and r.rebel_words.search(text):
        return info.rebels
    return None


# (gated: most sentences have no "between")
_BETWEEN = gated(re.compile(r"\bbetween\s+(?P<a>[^,;:.]{1,60}?)\s+and\s+(?P<b>[^,;:.]{1,60}?)(?=[,;:.]|\s+(?:that|which|to|on|in|after|from|at|was|is|were|will|has|have|had)\b|$)"))
# "Pakistan accuses Afghanistan of violating the ceasefire": accuser and accused are its sides
_ACCUSED_PAIR = re.compile(
    r"^(?P<a>[^,;:]{1,60}?)\s+accus(?:es|ed|ing|e)\s+(?P<b>[^,;:]{1,60}?)\s+of\s+(?:violating|breaking|breaching)\b",
    re.IGNORECASE,
)
_REPORTED = re.compile(r"\b(?:says?|said|announce[sd]?|claim(?:s|ed)?|tells?|told|reports?|reported|that)\b", re.IGNORECASE)
_PAIR_VERB = r"(?:agree|sign|reach|announce|accept|declare|strike|seal|clinch|commit|accuse|trade)"
# (gated on its verbs: most sentences have none, and this scan is a slow one)
_SUBJECT_PAIR = Gated(re.compile(
    rf"^(?P<a>[^,;:]{{1,60}}?)\s+and\s+(?P<b>[^,;:]{{1,60}}?)\s+(?:have |had |on \w+ )?{_PAIR_VERB}", re.IGNORECASE,
), needed_strings([_PAIR_VERB]))


def named_sides(
    sentence: str, gazetteer: Gazetteer, conflict: str | None, mentions: list[Mention],
    mediators: list[str], low: str | None = None,
) -> list[str]:
    """The sides the sentence itself names: "between X and Y", "X and Y agree", else its parties."""
    key = (sentence, conflict, gazetteer)
    sides = _SIDES.get(key)
    if sides is None:
        sides = _remember(_SIDES, key, _sides(sentence, gazetteer, conflict, mentions, low))
    pairs, named = sides
    for pair in pairs:
        pair = [p for p in pair if p not in mediators]
        if len(pair) >= 2:
            return pair
    return [p for p in named if p not in mediators]


def _sides(
    sentence: str, gazetteer: Gazetteer, conflict: str | None, mentions: list[Mention], low: str | None,
) -> tuple[list[list[str]], list[str]]:
    """What ``named_sides`` reads before the mediators are set aside (the fold reads a truce
    sentence's sides again, setting aside the whole story's mediators): the parties of each
    pair the sentence names ("between X and Y", "X and Y agree"), and its own parties."""
    low = lower(sentence) if low is None else low
    # (every "X and Y agree" holds "and": a cheaper test than the pair's verbs)
    paired = "and" in low and _SUBJECT_PAIR.may_match(sentence, low)
    info = gazetteer.conflicts.get(conflict or "")
    pairs = []
    accused = _ACCUSED_PAIR.search(sentence) if "accus" in low else None
    for match in (_BETWEEN.search(sentence), _SUBJECT_PAIR.regex.search(sentence) if paired else None, accused):
        if match:
            pairs.append(_pair(sentence, match, gazetteer, conflict, mentions, info))
    named = gazetteer.parties(sentence, conflict, _unsponsored(sentence, mentions, low), actors=False)
    return pairs, [p for p in named if p in info.parties] if info else named


def _pair(
    sentence: str, match: re.Match, gazetteer: Gazetteer, conflict: str | None, mentions: list[Mention], info,
) -> list[str]:
    """The sides a pair names (its groups "a" and "b")."""
    a_start, a_end = match.span("a")
    for said in _REPORTED.finditer(sentence, a_start, a_end):  # "Trump says Thailand and Cambodia agreed"
        a_start = said.end()
    a = gazetteer.parties_within(sentence, mentions, a_start, a_end, conflict)
    b = gazetteer.parties_within(sentence, mentions, *match.span("b"), conflict)
    if info is not None and bool(a) != bool(b) and not set(a + b) & set(info.parties):
        # "Pakistan and Afghanistan agree to ceasefire": a state from outside the conflict's
        # sides and the country the conflict is named for are the sides
        country = country_named(mentions, *match.span("b" if a else "a"), conflict)
        a, b = (a, [country]) if a else ([country], b)
    return list(dict.fromkeys(p for p in a + b if p))


def complete_sides(named: list[str], gazetteer: Gazetteer, conflict: str | None) -> list[str]:
    """A truce has two sides: keep the conflict's named parties, add the main opponent."""
    info = gazetteer.conflicts.get(conflict or "")
    if info is None:
        return named
    own = [p for p in named if p in info.parties]
    if len(own) >= 2 or len(named) >= 2:
        return own if len(own) >= 2 else named
    principal = list(info.parties[:2])
    if not own:
        return principal
    other = next((p for p in principal + list(info.parties) if p != own[0]), None)
    return [own[0], other] if other else own


_EFFECT_ANCHOR = re.compile(
    r"\b(?:tak(?:e|es|en|ing)|took)\s+effect|\b(?:come|comes|came|coming|go|goes|went|enter|enters|entered|going)\s+into\s+(?:force|effect)"
    r"|\bin (?:force|effect)|\bfrom\b|\bstarting\b|\bbeginning\b|\bbegins?\b|\bbegan\b|\bstarts?\b|\bstarted\b"
    r"|\bas of\b|\beffective\b|\bkick(?:s|ed)? in\b|\bsince\b",
)
_PAST_START = re.compile(
    r"\b(?:took effect|came into|went into|entered into|began|started|has (?:been|held)|kicked in|since|has begun|had begun)\b",
)
# Cheap test for any time expression before the full time parser runs: a digit, or one of
# these words (tested first with ``in``: most truce sentences without a digit have none).
_TIME_HINT = re.compile(
    # "\w*days?" after a word start would scan every word to its end: a word ends in "day"
    # or "days" exactly where "days?" is followed by a word end (only whether one matches is used)
    r"days?\b|\b(?:mid(?:night|day)|noon|to(?:night|morrow)|hours?|weeks?|months?|until|till|through|expir\w*|ends?)\b"
)
_TIME_HINT_WORDS = needed_strings([_TIME_HINT.pattern], fold=False)


def _may_be_timed(low: str) -> bool:
    """Whether the lower-cased sentence may hold a time expression (a digit or ``_TIME_HINT``)."""
    return has_digit(low) or (contains_any(low, _TIME_HINT_WORDS) and _TIME_HINT.search(low) is not None)
_CLOCK_HINT = re.compile(r"\b(?:midnight|noon|midday|\d{1,2}(?::\d{2})?\s*[ap]\.?m\b|\d{1,2}:\d{2}|\d{4}\s*(?:gmt|utc|hours|local))", re.IGNORECASE)


def _effective(sentence: str, ctx: Context, tz, status: str, named: bool):
    """When the truce starts: the time named after "take effect", "from", "since"...
    (*named*: ``may_name_time`` of the lower-cased sentence)."""
    if status in ("proposed", "collapsed", "ended") or not named:
        return None
    past = None  # read only for a window that names a time
    for anchor in _EFFECT_ANCHOR.finditer(sentence):
        window = sentence[anchor.end(): anchor.end() + 45]
        if may_name_time(window):
            past = bool(_PAST_START.search(sentence)) if past is None else past
            moment = resolve_start(window, ctx.published, tz, past)
            if moment is not None:
                return moment
    if _CLOCK_HINT.search(sentence):
        past = bool(_PAST_START.search(sentence)) if past is None else past
        return resolve_start(sentence, ctx.published, tz, past)
    return None
