"""Violations: hostile acts and accusations of breaking a truce.

The lexicon lives in ``data/violation.toml``. Peaceful look-alikes ("heart
attack", "strike a deal", "hunger strike", "halt all attacks") are masked out
first; a word that is only sometimes violent ("attack", "strike", "raid") then
needs a war context (a conflict named in the sentence or the story, or a war
word). A sentence reports at most one violation, with who did it (actor), who
says so (claimed_by), where (location) and with what (weapon).

All lexicon patterns run on the lower-cased sentence (same offsets as the
original), which keeps the regular expressions several times faster.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from sitmon.extract.events import Context, Violation
from sitmon.extract.gazetteer import (
    ConflictInfo, Gazetteer, Mention, PhraseTable, compiled_twice, contains_any, gated, lexicon, load_data, lower,
    names_conflict, needed_strings, spell_out,
)
from sitmon.extract.subpatterns import by_first_character

_NOT_PLACES = frozenset(
    "January February March April May June July August September October November December "
    "Monday Tuesday Wednesday Thursday Friday Saturday Sunday The A An This That Its Their His Her".split()
)


@dataclass(frozen=True)
class ViolationRules:
    """The compiled lexicon of ``violation.toml``."""

    any_act: re.Pattern
    acts: PhraseTable  # strong, breach, weak
    exclusions: re.Pattern
    war_cue: re.Pattern
    no_breach: re.Pattern
    breach: re.Pattern
    breach_words: tuple[str, ...] | None  # one of these is in every match of breach ("violat", "breach"...)
    claim: re.Pattern
    claim_ends: frozenset[str] | None  # the last letters of the claim verbs (None: not all spelled out)
    claimants: re.Pattern
    generic_actor: re.Pattern
    army_words: re.Pattern
    rebel_words: re.Pattern
    weapons: PhraseTable


def _compile_rules(flags: int) -> ViolationRules:
    data = load_data("violation.toml")
    return ViolationRules(
        # an interception alone is an attack seen from the other side ("intercepted a missile
        # launched from Yemen"); not "destroyed", which is mostly caches and drugs
        any_act=lexicon(data["strong_acts"] + data["weak_acts"] + data["breach"]
                        + [p for p in data["intercepts"] if p != "destroyed"], flags=flags),
        acts=PhraseTable({
            "strong": data["strong_acts"], "breach": data["breach"], "weak": data["weak_acts"],
            "intercept": data["intercepts"],
        }, flags=flags),
        exclusions=lexicon(data["exclusions"], flags=flags),
        war_cue=lexicon(data["war_cues"], flags=flags),
        no_breach=lexicon(data["no_breach"], flags=flags),
        breach=lexicon(data["breach"], flags=flags),
        # (not " of " or "in ", which most sentences hold)
        breach_words=needed_strings(data["breach"], avoid=(" of ", "in ")),
        claim=lexicon(data["claim_verbs"], r"\b", flags=flags),
        claim_ends=_last_letters(data["claim_verbs"]),
        claimants=lexicon(data["claimants"], flags=flags),
        generic_actor=lexicon(data["generic_actors"], flags=flags),
        army_words=lexicon(data["army_words"], flags=flags),
        rebel_words=lexicon(data["rebel_words"], flags=flags),
        weapons=PhraseTable(data["weapons"], flags=flags),
    )


rules, ascii_rules, rules_for = compiled_twice(_compile_rules)


def _last_letters(patterns: list[str]) -> frozenset[str] | None:
    """The letters the phrases of *patterns* end with (as ``lexicon`` folds them: only A-Z
    lower-cased), or None if one is not a plain phrase list."""
    phrases = [spell_out(p) for p in patterns]
    if not all(phrases):
        return None
    return frozenset(c.lower() if "A" <= c <= "Z" else c for spelled in phrases for c in (w[-1] for w in spelled))


def find_violation(
    sentence: str,
    ctx: Context,
    gazetteer: Gazetteer,
    mentions: list[Mention] | None = None,
    story: str = "",
    low: str | None = None,
) -> Violation | None:
    """The hostile act or truce-breach accusation *sentence* reports, if any
    (*low*: the sentence lower-cased, when the caller has it)."""
    low = lower(sentence) if low is None else low
    r = rules_for(low)
    if r.any_act.search(low) is None:
        return None
    text = _mask(low, r)  # (the rules chosen for the sentence hold for its masked copy)
    mentions = gazetteer.mentions(sentence) if mentions is None else mentions
    act, breach = _act(text, ctx, mentions, story, r)
    if act is None:
        return None
    info = gazetteer.conflicts.get(ctx.conflict or "")
    verbs = list(r.claim.finditer(low))  # the reporting verbs: read by the claim and the subject
    claimed_by, accused = _claim(sentence, low, gazetteer, info, mentions, verbs, act.start())
    actor = _attacker(sentence, low, act, gazetteer, info, mentions, claimed_by, accused, verbs)
    # what an act answers ("Israel strikes Hodeidah after missile attack on Tel Aviv") has
    # its own place and weapon: read both before it
    cut = _answered_at(text, act, r)
    own_sentence, own_low = sentence, low
    if cut < len(text):
        own_sentence, own_low, text = sentence[:cut], low[:cut], text[:cut]
        mentions = [m for m in mentions if m.end <= cut]
    return Violation(
        conflict=ctx.conflict,
        evidence=sentence,
        actor=actor,
        claimed_by=claimed_by,
        location=_location(own_sentence, own_low, mentions, act.start(), verbs),
        weapon=_weapon(text, r),
        breach=_breach(low, breach, r),
    )


def _attacker(
    sentence: str, low: str, act: re.Match, gazetteer: Gazetteer, info: ConflictInfo | None,
    mentions: list[Mention], claimed_by: str | None, accused: str | None, verbs: list[re.Match],
) -> str | None:
    """Who made the attack: who claims it, whom its source accuses, else who the sentence
    says did it (not who denies it)."""
    if claimed_by and _RESPONSIBILITY.search(low):
        return claimed_by  # "Islamic State claims responsibility for Kabul mosque bombing"
    if (("clash" in low or "exchang" in low) and _MUTUAL.search(low, max(0, act.start() - 10), act.end())
            and _sides_before(sentence, mentions, act, info) > 1):
        return None  # "Government forces and the SDF clash near Aleppo": neither alone
    actor = accused or _actor(sentence, low, act, gazetteer, info, mentions, claimed_by, verbs)
    denied = _DENIED_BREACH.search(low) if actor else None
    if denied:  # "Pakistan denies breaching ceasefire, says India is the violator"; "Russia denies violating it"
        blame = _BLAMES.search(low, denied.end())
        named = _first_party(sentence, mentions, blame.end(), len(sentence), gazetteer, info) if blame else None
        return named if named != actor else None
    return actor


def _answered_at(text: str, act: re.Match, r: ViolationRules) -> int:
    """Where the attack a weak act answers starts, else the text's end."""
    if r.acts.name(act) == "strong" or not any(cue in text for cue in ("after", "follow", "respon", "retali", "aveng")):
        return len(text)
    answer = _IN_ANSWER_TO.search(text, act.end())
    if answer is None or r.acts.pattern.search(text, answer.end()) is None:
        return len(text)
    return answer.start()


# "claimed responsibility for", "the Taliban claimed the attack" (not "claims Russian attack
# on Kyiv killed five": a side named in between is whose attack it says it was)
_RESPONSIBILITY = gated(re.compile(
    r"\bclaim(?:s|ed|ing)?\s+(?:responsibility|credit\b|(?:the\s+|an\s+|a\s+)?(?:deadly\s+)?"
    r"(?:attacks?|bombings?|strikes?|assault|ambush|killings?|raid|blast|explosion)\b)"
    r"|\b(?:said|says|say)\s+(?:it|they)\s+(?:was|were|is|are)\s+behind\b"
))
_BLAMES = re.compile(r"\b(?:says?|said|blam(?:es|ed|ing)|accus(?:es|ed|ing))\b")
_DENIED_BREACH = gated(re.compile(r"\bden(?:y|ies|ied|ying)\s+(?:any\s+)?(?:breach|violat|break)\w*"))
_MUTUAL = re.compile(r"\bclash(?:es|ed|ing)?\b|\bexchang(?:e|es|ed|ing)\s+(?:of\s+)?(?:fire|gunfire|shots)\b")


def _sides_before(sentence: str, mentions: list[Mention], act: re.Match, info: ConflictInfo | None) -> int:
    """How many sides the sentence names before its act (the subject of "X and Y clash")."""
    conflict = info.name if info else None
    return len({m.entry(conflict).name for m in mentions
                if m.end <= act.start() and m.entry(conflict).kind in ("party", "actor")})


def _breach(low: str, masked_breach: bool, r: ViolationRules) -> bool:
    """An explicit accusation of breaking a truce, read on the unmasked sentence: the
    masks blank "the pause on energy attacks" in "in breach of the pause on energy
    attacks", and "no violations" must still deny one."""
    if not masked_breach and (r.breach_words is not None and not contains_any(low, r.breach_words)):
        return False  # most sentences have no "violat", "breach", "broke"...: the scan is saved
    return (masked_breach or r.breach.search(low) is not None) and r.no_breach.search(low) is None


def _act(
    text: str, ctx: Context, mentions: list[Mention], story: str, r: ViolationRules,
) -> tuple[re.Match | None, bool]:
    """The first hostile act (strong, else weak in a war context, else a breach accusation)."""
    found: dict[str, re.Match] = {}
    acts = r.acts
    for match in acts.pattern.finditer(text):
        found.setdefault(acts.name(match), match)
    strong, breach = found.get("strong"), found.get("breach")
    weak = found.get("weak") or found.get("intercept")
    if weak is not None and (strong is None or _answers(text, weak, strong, mentions)):
        # a weak word alone, or the main act before "after" a strong one ("Israel strikes
        # Hodeidah after missile attack on Tel Aviv": the news is Israel's strike)
        if _at_war(text, ctx, mentions, story, r):
            return weak, breach is not None
        weak = None
    return strong or weak or breach, breach is not None


_IN_ANSWER_TO = re.compile(r"\b(?:after|following|in response to|in retaliation for|to avenge|days after|hours after)\b")


def _answers(text: str, weak: re.Match, strong: re.Match, mentions: list[Mention]) -> bool:
    """Whether the weak act is a side's own ("Israel strikes ...") and comes before the strong
    act it answers (not "police repelled an insurgent attack after a gun battle")."""
    if weak.start() > strong.start() or _IN_ANSWER_TO.search(text, weak.end(), strong.start()) is None:
        return False
    return any(m.end <= weak.start() and _SIDE_THEN_VERB.fullmatch(text, m.end, weak.start()) for m in mentions)


_SIDE_THEN_VERB = re.compile(r"\s+(?:(?:forces|troops|army|military|jets|warplanes)\s+)?")


def _mask(text: str, r: ViolationRules | None = None) -> str:
    """*text* with peaceful look-alikes blanked out (same length, same offsets)."""
    return (r or rules_for(text)).exclusions.sub(lambda m: " " * len(m.group()), text)


def _at_war(text: str, ctx: Context, mentions: list[Mention], story: str, r: ViolationRules) -> bool:
    if names_conflict(mentions) or r.war_cue.search(text):
        return True
    return ctx.conflict is not None and _story_at_war(story)


# Shared by the sentences of one story only: a small cache, so that passes over
# many stories (a benchmark repeating its corpus) do not hit and flatter the cost.
@lru_cache(maxsize=4)
def _story_at_war(story: str) -> bool:
    if not story:
        return False
    masked = _mask(lower(story))
    return rules_for(masked).war_cue.search(masked) is not None


# -- who says so -----------------------------------------------------------------

# (gated: few sentences have these words, and then the scan is skipped)
_ACCUSE_VERB = gated(re.compile(r"\b(?:accus(?:ed|es|e|ing)|blam(?:ed|es|e|ing))\b"))
_OF_FOR = re.compile(r"\s(?:of|for)\s")
_ACCORDING = gated(re.compile(r"\baccording to (?:the )?"))
_PASSIVE_BEFORE = re.compile(r"\b(?:was|were|is|are|been|being)\s+$")
_CLAUSE_BREAK = re.compile(r"[,;:]|\b(?:and|while|as|but|when|after)\b")


def _claim(
    sentence: str, low: str, gazetteer: Gazetteer, info: ConflictInfo | None, mentions: list[Mention],
    verbs: list[re.Match], act_start: int = 0,
) -> tuple[str | None, str | None]:
    """(who says so, whom they accuse): "X accused Y of", "Y was accused of", "X said", "according to X"."""
    accuse = _ACCUSE_VERB.search(low)
    if accuse and low.startswith(" on ", accuse.end()):
        return _blamed_on_claim(sentence, low, gazetteer, info, mentions, accuse.end() + 4)
    if accuse:
        before = _tail_start(sentence, max(0, accuse.start() - 80), accuse.start())
        who = (_first_party(sentence, mentions, before, accuse.start(), gazetteer, info)
               or _claimant(sentence[before: accuse.start()]))
        of = _OF_FOR.search(low, accuse.end(), accuse.end() + 60)
        whom = _first_party(sentence, mentions, accuse.end(), of.start(), gazetteer, info) if of else None
        if of and whom is None and who and info:
            if who not in info.parties:
                whom = country_named(mentions, accuse.end(), of.start(), info.name)  # "Pakistan accuses Afghanistan of"
            elif any(accuse.end() <= m.start < of.start() for m in mentions):
                whom = _opponent(who, info)  # "Moscow accused Kyiv of": a side accuses the other
        headline_passive = of is not None and not low[accuse.end(): of.start()].strip()
        if headline_passive or _PASSIVE_BEFORE.search(low, max(0, accuse.start() - 12), accuse.start()):
            who, whom = None, who  # "Houthis (were) accused of shelling Taiz"
        if who or whom:
            return who, whom
    according = _ACCORDING.search(low)
    if according:
        who = _first_party(sentence, mentions, according.end(), according.end() + 60, gazetteer, info)
        if who:
            return who, None
    sources = []
    # the reporting verb nearest before the act first ("The Kremlin said the pause ended, while
    # Ukraine reported Russian attacks"), then the others in order
    ordered = verbs
    if len(verbs) > 1:
        before = [v for v in verbs if v.end() <= act_start]
        ordered = before[::-1] + verbs[len(before):]  # (verbs are in sentence order)
    for verb in ordered:
        source = _tail_start(sentence, max(0, verb.start() - 60), verb.start())
        # "..., security sources said": the side named before the comma is not the source
        source = _set_off_source(sentence, source, verb.start()) or source
        who = _last_party(sentence, mentions, source, verb.start(), gazetteer, info)
        if who:
            return who, None
        sources.append(sentence[source: verb.start()])
    for source in sources:  # no side named as the source: residents, activists, monitors...
        who = _claimant(source)
        if who:
            return who, None
    return None, None


def _blamed_on_claim(
    sentence: str, low: str, gazetteer: Gazetteer, info: ConflictInfo | None, mentions: list[Mention], start: int,
) -> tuple[str | None, str | None]:
    """(who blames, whom) for "an attack blamed on Israel (by activists)"; *start*: after "on"."""
    by = _BLAMED_BY.search(low, start, start + 60)
    whom = _first_party(sentence, mentions, start, by.start() if by else start + 60, gazetteer, info)
    if by is None:
        return None, whom
    end = _BY_END.search(low, by.end())
    source_end = end.start() if end else by.end() + 50
    who = _first_party(sentence, mentions, by.end(), source_end, gazetteer, info)
    return who or _claimant(sentence[by.end(): source_end]), whom


_BLAMED_BY = re.compile(r"\s+by\s+(?:the\s+|a\s+)?")


def _set_off_source(sentence: str, start: int, end: int) -> int | None:
    """Where a source set off by a comma right before its verb starts ("The RSF attacked
    El Fasher, local activists said"): the one who says so, not a side named earlier in
    the sentence. None when no comma in ``sentence[start:end]`` sets one off ("The army,
    which holds the city, said": the source is before the comma)."""
    comma = sentence.rfind(",", start, end)
    if comma < 0 or not any(c.isalnum() for c in sentence[comma + 1: end]):
        return None  # (nor does a closing quote: '"...," said Col. Smith of ISAF')
    return comma + 1


def _claimant(text: str) -> str | None:
    """A non-party source ("Residents", "Human Rights Watch") as written; a common noun
    that only has its capital from starting the sentence is lower-cased."""
    folded = lower(text)
    match = rules_for(folded).claimants.search(folded)
    if match is None:
        return None
    written = text[match.start(): match.end()]
    return written if written[1:] != written[1:].lower() else written.lower()


_TAIL_BREAK = gated(re.compile(r"[;:]|\b(?:while|but|as|when)\b"))  # (most sources have none of these)


def _tail_start(sentence: str, start: int, end: int) -> int:
    """Where the last clause of ``sentence[start:end]`` starts (read in that stretch alone)."""
    cut = 0
    for match in _TAIL_BREAK.finditer(sentence[start:end]):
        cut = match.end()
    return start + cut


# The first and last side named in ``sentence[start:end]``, else the party a bare "the army"
# there stands for; the sentence's own *mentions* save a new scan of the stretch.
def _first_party(
    sentence: str, mentions: list[Mention], start: int, end: int, gazetteer: Gazetteer, info: ConflictInfo | None,
) -> str | None:
    found = gazetteer.parties_within(sentence, mentions, start, end, info.name if info else None)
    return found[0] if found else _generic_party(sentence[start:end], info)


def _last_party(
    sentence: str, mentions: list[Mention], start: int, end: int, gazetteer: Gazetteer, info: ConflictInfo | None,
) -> str | None:
    found = gazetteer.parties_within(sentence, mentions, start, end, info.name if info else None)
    return found[-1] if found else _generic_party(sentence[start:end], info)


def _generic_party(text: str, info: ConflictInfo | None) -> str | None:
    """The party a bare "the army" or "the rebels" stands for in this conflict."""
    if info is None:
        return None
    folded = lower(text)
    r = rules_for(folded)
    if info.army and r.army_words.search(folded):
        return info.army
    if info.rebels and r.rebel_words.search(folded):
        return info.rebels
    return None


# -- who did it --------------------------------------------------------------------

_BY = re.compile(r"\b(?:by|from|blamed\s+on)\s+(?:the\s+)?")
_TAKING = re.compile(r"(?:re)?captur|seiz|retak|retook|took control|overr?an|stormed")
_BY_END = re.compile(r"[,;:.]|\s(?:on|in|at|near|as|after|that|which|killed|killing|and|were|was|overnight|against)\b")
_GAP_BREAK = re.compile(r"[,;:.]|\b(?:on|in|at|near|and|of|the|said|says|say|that|who|which|when)\b", re.IGNORECASE)
_POSSESSIVE_PRONOUN = re.compile(r"\b(?:it|its|they|their|we|our)\b(?:\s+[\w-]+){0,2}\s*$")
_AFTER_WEAPON = re.compile(r"\s+(?:that\s+)?(?P<who>[A-Z][\w'-]+(?:\s[A-Z][\w'-]+)?)\s+(?:had\s+|has\s+)?(?:launched|fired|sent|used)\b")


def _actor(
    sentence: str, low: str, act: re.Match, gazetteer: Gazetteer, info: ConflictInfo | None,
    mentions: list[Mention], claimed_by: str | None, verbs: list[re.Match],
) -> str | None:
    """Who attacked: "by X", a party named right before the act or its weapon, the clause's subject."""
    conflict = info.name if info else None
    passive = _PASSIVE_ACT.search(sentence, max(0, act.start() - 16), act.start()) is not None
    if not passive and (rules_for(low).acts.name(act) == "intercept" or _COUNTED_SHOOT_DOWN.match(low, act.start())):
        # (not "projectiles were intercepted")
        return _intercepted(sentence, low, act, gazetteer, info, mentions, claimed_by, verbs)
    by = _BY.search(low, act.end(), act.end() + 25)
    if by and by.group().startswith("from") and _TAKING.match(act.group()):
        by = None  # "recapture town from al-Shabaab": whom it was taken from
    if by and not _HELPER.search(low, act.end(), by.start()):  # (not "intercepted with help from X")
        end = _BY_END.search(low, by.end())
        who = _first_party(sentence, mentions, by.end(), end.start() if end else by.end() + 50, gazetteer, info)
        if who:
            return who
    adjacent = _adjacent_party(sentence, act, mentions, conflict)
    if adjacent:
        return adjacent
    after = _AFTER_WEAPON.match(sentence, act.end())
    if after:
        who = gazetteer.canonical(after.group("who"), conflict)
        if who:
            return who
    subject_start = _subject_start(low, act.start(), verbs)
    subject = sentence[subject_start: act.start()]
    low_subject = lower(subject)
    opponent = _opponent(claimed_by, info)
    if (opponent and _OWN_SIDE.search(low_subject)
            and _PASSIVE_ACT.search(sentence, max(0, act.start() - 16), act.start())):
        return opponent  # "Azerbaijan said its second city was hit": hit by the other side
    subject_end = act.start()
    # (only a side named in the subject, or a pronoun for who says so, can be cut off)
    named = claimed_by or any(subject_start <= m.start < subject_end for m in mentions)
    struck = _ACTIVE_HARM.search(low_subject) if named else None
    if struck and _BY_MEANS_OF.search(low_subject, struck.end()) and not _RELATIVE.search(low_subject, struck.end()):
        # "Israel says it killed a Hezbollah commander in a drone strike": the act is the verb's
        # means and the names after the verb are whom it struck ("targets Taliban commander
        # involved in IED attack": the act is the commander's)
        subject_end = subject_start + struck.start()
        subject, low_subject = subject[: struck.start()], low_subject[: struck.start()]
    killed = _KILLED_SUBJECT.search(low_subject)
    if killed:  # the victims come first: the author can only be named after their fate
        subject_start += killed.end()
        subject, low_subject = subject[killed.end():], low_subject[killed.end():]
    victims = _VICTIM_SUBJECT.search(low_subject) is not None
    who = None if victims else _first_party(sentence, mentions, subject_start, subject_end, gazetteer, info)
    if who and not _only_as(sentence, mentions, who, subject_start, subject_end, conflict):
        return who
    if claimed_by and _POSSESSIVE_PRONOUN.search(low_subject):
        return claimed_by  # "Russia said it struck ...", "the group said its fighters ..."
    generic = _generic_party(sentence[max(subject_start if killed else 0, act.start() - 20): act.start()], info)
    if generic:
        return generic  # "killed in a junta air strike", "army shelling"
    folded = lower(subject + sentence[act.start(): act.end()])
    generic = rules_for(folded).generic_actor.search(folded)
    return generic.group() if generic else None


# "Three US troops killed in drone attack", "Indian student among those killed in
# Kharkiv shelling": the names before the act are its victims, not its authors.
_VICTIM_SUBJECT = re.compile(
    r"\b(?:students?|nationals?|citizens?|civilians|villagers|aid workers|workers|journalists|children|tourists"
    r"|residents|pilgrims|passengers|worshippers|among)\b"
)


# "Two Israeli soldiers were killed by a roadside bomb": whoever the clause says was
# killed before the act is its victim, soldiers or not ("injured by insurgents during an
# attack": the author comes after the verb).
_KILLED_SUBJECT = re.compile(
    r"\b(?:(?:was|were|been)\s+(?:\w+\s+)?(?:killed|wounded|injured|hurt)"
    r"|(?:killed|wounded|injured|died|dead)\s+(?:in|by|when|after))\b"
)
_OWN_SIDE = re.compile(r"\b(?:its|their|our)\b")
# An active verb of harm before the act, its object after it: not "were killed".
_ACTIVE_HARM = re.compile(
    r"(?<!was )(?<!were )(?<!been )(?<!being )\b(?:killed|kills|wounded|injured|targeted|targets|struck|strikes|hit|hits"
    r"|attacked|attacks|shelled|bombed|captured|seized)\s+"
    r"(?!(?:in|by|when|after|during|near|at|on|as|while|and|or|with|from|over|overnight|since|for)\b)(?=\w)"
)
_BY_MEANS_OF = re.compile(r"\b(?:in|with|using|during)\s+(?:an?\s+|the\s+|its\s+|their\s+)?(?:[\w-]+\s+){0,2}$")
_RELATIVE = re.compile(
    r"\b(?:who|that|which|involved|responsible|linked|behind|suspected|accused|blamed|believed|planning|planned)\b"
)
# "says it shot down 37 Ukrainian drones": a counted salvo brought down is someone else's
# attack; "Houthis shot down a US drone" is the Houthis' own act.
_COUNTED_SHOOT_DOWN = re.compile(
    r"(?:shot|shoots|shooting) down\s+(?:\d[\d,]*|dozens|scores|hundreds|(?:two|three|four|five|six|seven|eight|nine"
    r"|ten|eleven|twelve|\w+teen|\w+ty)\b)"
)


def _opponent(side: str | None, info: ConflictInfo | None) -> str | None:
    """The other main side of a two-sided war, for a side that says it was attacked."""
    if side is None or info is None or side not in info.parties[:2] or len(info.parties) < 2:
        return None
    return info.parties[1] if side == info.parties[0] else info.parties[0]


def _adjacent_party(sentence: str, act: re.Match, mentions: list[Mention], conflict: str | None) -> str | None:
    """"Israeli airstrike", "Houthi missile": the party named closest before the act."""
    for mention in reversed(mentions):
        if mention.end > act.start():
            continue
        gap = sentence[mention.end: act.start()]
        if (len(gap) > 24 or _GAP_BREAK.search(gap) or _not_author(sentence, mention, conflict)
                or _as_place(sentence, mention)):
            return None
        entry = mention.entry(conflict)
        if entry.kind in ("party", "actor"):
            return entry.name
        named = mention.meaning.named
        if named is not None:
            return named.name
    return None


# "M23 rebels backed by Rwanda shelled Goma": the backer is not who shelled.
_BACKED_BY = re.compile(r"\b(?:backed|supported|armed|funded|sponsored|aided)\s+by\s+(?:the\s+)?$")


def _not_author(sentence: str, mention: Mention, conflict: str | None = None) -> bool:
    """A side named as a backer ("Rwanda-backed"), in a watching role ("Saudi monitors"), or a
    state's demonym before an armed group that is not the state ("Iraqi militia")."""
    if _backer(sentence, mention) or _IN_ROLE.match(sentence, mention.end) is not None:
        return True
    if not mention.meaning.is_demonym or _NON_STATE_GROUP.match(sentence, mention.end) is None:
        return False
    name = mention.entry(conflict).name
    return name in _COUNTRIES or name.endswith(" government")


_NON_STATE_GROUP = re.compile(
    r"\s+(?:militias?|militiamen|rebels?|insurgents?|gunmen|jihadists?|militants?|armed groups?)\b", re.IGNORECASE,
)


# "US, Saudi monitors record violations", "UN observers said": who watches, not who fired
_IN_ROLE = re.compile(r"\s+(?:monitors?|mediators?|observers?|envoys?|negotiators?|diplomats?|inspectors?)\b",
                      re.IGNORECASE)


def _backer(sentence: str, mention: Mention) -> bool:
    """"backed by Rwanda", "the Rwanda-backed group": a sponsor named, not who acted."""
    return (_BACKED_AFTER.match(sentence, mention.end) is not None
            or _BACKED_BY.search(sentence, max(0, mention.start - 20), mention.start) is not None)


_BACKED_AFTER = re.compile(r"-(?:backed|supported|sponsored|funded|armed|allied)\b", re.IGNORECASE)


def _as_place(sentence: str, mention: Mention) -> bool:
    """A country after "in", "near"...: where, not who ("killed in Mali ambush")."""
    if mention.text not in _COUNTRIES:
        return False
    return _PLACE_BEFORE.search(sentence, max(0, mention.start - 10), mention.start) is not None


_COUNTRIES = frozenset(load_data("violation.toml")["countries"])


def country_named(mentions: list[Mention], start: int, end: int, conflict: str | None) -> str | None:
    """The country named in ``[start, end)`` that the conflict is called after ("Afghanistan"):
    a side when a state from outside the conflict's parties deals with it."""
    for mention in mentions:
        if start <= mention.start and mention.end <= end and mention.text in _COUNTRIES:
            entry = mention.entry(conflict)
            if entry.kind in ("alias", "name") and entry.conflict == conflict:
                return mention.text
    return None


_PLACE_BEFORE = re.compile(r"\b(?:in|near|across|inside|over)\s+(?:the\s+)?$")


def _only_as(
    sentence: str, mentions: list[Mention], side: str, start: int, end: int, conflict: str | None,
) -> bool:
    """Whether *side* is named in ``sentence[start:end]`` only as someone's backer or as a place."""
    named = [m for m in mentions if start <= m.start < end and m.entry(conflict).name == side]
    return bool(named) and all(_not_author(sentence, m, conflict) or _as_place(sentence, m) for m in named)


_HELPER = re.compile(r"\b(?:with|help|helped|assistance|support|alongside)\b", re.IGNORECASE)


def _intercepted(
    sentence: str, low: str, act: re.Match, gazetteer: Gazetteer, info: ConflictInfo | None,
    mentions: list[Mention], claimed_by: str | None, verbs: list[re.Match],
) -> str | None:
    """Whose attack was brought down: named after the interception ("downed 25 Indian
    drones"), else the other side of whoever brought it down ("Russian air defences shot
    down 37 drones", "Russia said it shot down 37 drones")."""
    conflict = info.name if info else None
    attacker = _attacker_after(sentence, act, mentions, conflict)
    if attacker:
        return attacker
    start = _subject_start(low, act.start(), verbs)
    defender = gazetteer.parties_within(sentence, mentions, start, act.start(), conflict)
    return _opponent(defender[0] if defender else claimed_by, info)


def _attacker_after(sentence: str, act: re.Match, mentions: list[Mention], conflict: str | None) -> str | None:
    """"shot down 25 Indian drones": the attacker is named after the interception (not who
    helped: "intercepted with help from the United States")."""
    for mention in mentions:
        if act.end() <= mention.start <= act.end() + 40:
            if _HELPER.search(sentence, act.end(), mention.start):
                return None
            entry = mention.entry(conflict)
            if entry.kind in ("party", "actor"):
                return entry.name
    return None


def _subject_start(low: str, act_start: int, verbs: list[re.Match]) -> int:
    """Where the text before the act starts: after the last reporting verb and clause break
    (*verbs*: the sentence's reporting verbs)."""
    start = 0
    for verb in _verbs_before(low, act_start, verbs):
        start = verb.end()
    for cut in _CLAUSE_BREAK.finditer(low, start, act_start):
        start = cut.end()
    return start


def _verbs_before(low: str, end: int, verbs: list[re.Match]):
    """The reporting verbs a scan of ``low[:end]`` finds: the whole sentence's that end by
    *end*, unless one straddles it, or a verb could end at *end* with a letter after it
    (the scan cut there would see a word end there that the sentence does not have)."""
    r = rules_for(low)
    if r.claim_ends is None or _straddles(verbs, end) or (
        0 < end < len(low) and low[end - 1] in r.claim_ends and _WORD.match(low, end)
    ):
        return r.claim.finditer(low, 0, end)
    return [v for v in verbs if v.end() <= end]


def _straddles(matches: list[re.Match], pos: int) -> bool:
    """Whether one of *matches* runs across *pos* (a loop: cheaper than any() over a generator)."""
    for match in matches:
        if match.start() < pos < match.end():
            return True
    return False


_WORD = re.compile(r"\w")


# -- where and with what ---------------------------------------------------------------

_PREPOSITION_PLACE_PATTERN = (
    r"\b(?:(?:in|on|near|at|outside|around|over|across|into|towards|toward|targeting|hit|struck)\s+(?:the\s+)?"
    r"(?:(?:city|town|village|region|province|district|port|capital|outskirts|suburbs?)\s+of\s+)?"
    r"|(?:city|town|village|region|province|district|port|outskirts|suburbs?)\s+of\s+)"
    r"(?P<place>[A-Z][\w'\u2019-]+(?:[ -][A-Z][\w'\u2019-]+){0,2})"
)
# by whether the sentence is ASCII: a scan of every event sentence (see gazetteer.ASCII_NOTE),
# its words grouped by first letter (a quarter faster: see subpatterns.by_first_character)
_PREPOSITION_PLACE = {
    ascii_: by_first_character(_PREPOSITION_PLACE_PATTERN, flags) or re.compile(_PREPOSITION_PLACE_PATTERN, flags)
    for ascii_, flags in ((True, re.ASCII), (False, 0))
}
# "US base", "Russian refinery": a name used as an adjective, not as the place.
_ATTRIBUTIVE = re.compile(
    r"\s+(?!(?:was|were|is|are|has|had|have|and|or|on|in|at|by|after|before|overnight|late|early|said|says|"
    r"region|city|province|oblast|district|with|for|from|as|when|while|but|to|of|the|a|an|again|late)\b)[a-z]"
)
_PASSIVE_ACT = re.compile(r"\b(?:was|were|been|being|is|are|came under)\s+(?:\w+\s+)?$")
_HEADLINE_PASSIVE = re.compile(r"\s+(?:hit|struck|shelled|bombed|pounded|rocked|targeted|attacked|battered)\s+by\b",
                               re.IGNORECASE)
_PASSIVE_AFTER = re.compile(r"\s+(?:was|were|has been|had been|is|are|came under)\b")
_PREPOSITION_BEFORE = re.compile(r"\b(?:in|on|near|at|outside|around|over|across|into|towards|toward|of)\s+(?:the\s+)?$")


def _location(sentence: str, low: str, mentions: list[Mention], act_start: int, verbs: list[re.Match]) -> str | None:
    """The place of the act: the first place named after it, else one named before it as a place."""
    blamed = "blamed on" in low  # (a side blamed is no place: tested only where one is)
    candidates = [(m.start, m.text) for m in mentions
                  if (m.meaning.is_place or _named_after_preposition(sentence, m))
                  and not (blamed and _blamed_on(low, m.start))]
    by_name = {m.start for m in mentions}
    for match in _PREPOSITION_PLACE[sentence.isascii()].finditer(sentence):
        word = match.group("place")
        if word.split()[0] not in _NOT_PLACES and match.start("place") not in by_name:
            if not (blamed and _blamed_on(low, match.start("place"))):
                candidates.append((match.start("place"), word))
    candidates.sort()
    passive = _PASSIVE_ACT.search(sentence, max(0, act_start - 16), act_start) is not None
    if passive:
        # "its second city Ganja was hit and Armenia reported attacks on Stepanakert":
        # the place that was hit is the passive subject, not the next place named.
        subject_start = _subject_start(low, act_start, verbs)
        for start, place in candidates:
            if subject_start <= start < act_start:
                return place
    for start, place in candidates:
        if start >= act_start:
            return place
    if candidates and passive:
        return candidates[0][1]  # "Stepanakert, the region's capital, was shelled": the subject
    # (each test of a place before the act costs two regex calls: stop at the first that counts)
    for start, place in candidates:
        if _placed_before(sentence, start, place):
            return place
    return None


def _blamed_on(low: str, start: int) -> bool:
    """"blamed on (the) X": who is blamed, not where."""
    return _BLAMED_ON.search(low, max(0, start - 16), start) is not None


_BLAMED_ON = re.compile(r"\bblamed\s+on\s+(?:the\s+)?$")


def _named_after_preposition(sentence: str, mention: Mention) -> bool:
    """"on Moscow", "in Qatar": a name used as a place (not a demonym, not "at US base"; a
    country is one even before a noun: "killed in Mali ambush")."""
    if mention.meaning.is_demonym or (_ATTRIBUTIVE.match(sentence, mention.end) and not _as_place(sentence, mention)):
        return False
    return bool(_PREPOSITION_BEFORE.search(sentence, max(0, mention.start - 12), mention.start))


def _placed_before(sentence: str, start: int, text: str) -> bool:
    """A place before the act counts if it is the shelled subject ("Kyiv was hit", headline
    "Kyiv hit by ...") or follows a preposition."""
    if _PASSIVE_AFTER.match(sentence, start + len(text)) or _HEADLINE_PASSIVE.match(sentence, start + len(text)):
        return True
    return bool(_PREPOSITION_BEFORE.search(sentence, max(0, start - 12), start))


def _weapon(text: str, r: ViolationRules) -> str | None:
    """The weapon named earliest in the (lower-cased, masked) sentence."""
    weapons = r.weapons
    match = weapons.pattern.search(text)
    return weapons.name(match) if match else None
