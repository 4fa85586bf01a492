"""Killed and wounded figures in one sentence of war news.

``find_casualties(sentence, ctx)`` returns one :class:`Casualty` per kind of
figure in the sentence (an incident, a war-to-date toll, a historical figure).

How a sentence is read:

1. A cheap prefilter drops sentences with no casualty word at all.
2. Deaths from disasters, accidents and ordinary crime are not casualties here:
   a sentence with such a cue and no cue of war or terrorism is dropped.
3. Quantities are read (``numbers.scan``) and each one that can be a count is
   replaced by a tag ``#i#``; "a"/"an"/"the" before a singular victim noun
   ("an insurgent", "the Taliban leader") is tagged as one.  Subsets
   ("including nine children", "six of whom") are cut out: they are part of the
   figure before them, not an addition.
4. Three kinds of pattern link tags to killing or wounding, each tag used once:
   victims before a participle ("two soldiers were killed", "14 dead"), victims
   after an active verb ("the strike killed 14", "wounding 30"), and tolls
   ("the death toll rose to 45", "12 deaths").  Lists of groups are summed
   ("a police officer and two civilians" -> 3).
5. Each figure's clause decides its scope (incident or cumulative) and whether it
   is historical (a past war, a past year or a day weeks before the story's
   date, or the background of a person: "responsible for an attack that killed ...").

A story tells its deaths more than once (headline and body, a summary and its
details): ``fold_casualties(events, title)`` keeps each counted once.

All word lists live in ``data/casualty.toml``.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from functools import lru_cache
from importlib import resources

from sitmon.extract import programs
from sitmon.extract.events import Casualty, Context
from sitmon.extract.gazetteer import contains_any, gated
from sitmon.extract.numbers import VAGUE, Quantity, alternation, lower, scan
from sitmon.extract.subpatterns import compile as compile_parts
from sitmon.extract.subpatterns import ascii_twin, part, spelled

_LEX = tomllib.loads(resources.files("sitmon.data").joinpath("casualty.toml").read_text("utf-8"))
_VERBS, _NOUNS, _CTX = _LEX["verbs"], _LEX["nouns"], _LEX["context"]


_alt = alternation


def _cue_re(phrases) -> re.Pattern:
    return programs.compile(rf"(?<![\w-])(?:{_alt(phrases)})(?![\w-])")


def _word_test_re(phrases) -> re.Pattern:
    """``_cue_re(phrases)`` for yes/no tests, searched in " " + the text.  The engine
    tries a pattern that starts with a look-behind at every character; this one
    starts with the character before the phrase, a class it skips to."""
    return programs.compile(rf"[^\w-](?:{_alt(phrases)})(?![\w-])")


# Letters from the commonest to the rarest in English text.
_LETTERS_BY_FREQUENCY = "etaoinsrhldcumfpgwybvkxjqz"


def _presence_re(phrases) -> re.Pattern:
    """A pattern whose ``search`` tells whether one of *phrases* is in a lower-case
    text, as their alternation would, only faster.  For yes/no tests only: a match
    starts inside its phrase.

    The regex engine skips fast to the characters a pattern can start with and
    tries the pattern at each.  An alternation of phrases starts with most letters,
    so it is tried nearly everywhere; here each phrase is tried at the rarest letter
    of its first word, where a look-behind checks the letters before it.  Word
    boundaries are not tested: for a pattern with them (faster as it is: its
    look-behind turns away every letter inside a word) this is a cheap first test.
    """
    phrases = set(phrases)
    phrases = {p for p in phrases if not any(q != p and q in p for q in phrases)}  # "to death" has "death"
    by_head: dict[str, list[str]] = {}  # the letters up to the anchor -> the rests of the phrases
    for phrase in phrases:
        first = phrase.split(" ")[0]
        anchor = max(range(len(first)), key=lambda i: _LETTERS_BY_FREQUENCY.find(first[i]) % 99)  # -1: rare
        by_head.setdefault(phrase[:anchor + 1], []).append(phrase[anchor + 1:])
    by_anchor: dict[str, list[str]] = {}
    for head, rests in sorted(by_head.items()):
        before = rf"(?<={re.escape(head)})" if len(head) > 1 else ""
        by_anchor.setdefault(head[-1], []).append(before + alternation(rests))
    return programs.compile("|".join(rf"{re.escape(anchor)}(?:{'|'.join(tries)})" for anchor, tries in by_anchor.items()))


def _rarity(word: str) -> tuple[int, int]:
    """How rare a word's rarest letter is, then its length: the larger, the fewer texts hold it."""
    return max(_LETTERS_BY_FREQUENCY.find(c) % 99 for c in word), len(word)


def _gate_re(phrases) -> re.Pattern:
    """A cheap necessary test for a pattern every match of which holds one of
    *phrases*: whether the lower-case text holds the rarest word of one of them."""
    return _presence_re({max(phrase.split(), key=_rarity) for phrase in phrases})


def _tail_gate_re(phrases) -> re.Pattern:
    """A cheap necessary test for a pattern every match of which holds one of
    *phrases*: whether the lower-case text holds one of them without its leading
    short words ("is believed to have" -> "believed to have").  ``_presence_re``
    tries a phrase at a letter of its first word, and those short words ("is",
    "to", "in", "are") hold nothing but common letters."""
    tails = set()
    for phrase in phrases:
        words = phrase.split(" ")
        first = next((i for i, word in enumerate(words) if len(word) >= 4), 0)
        tails.add(" ".join(words[first:]))
    return _presence_re(tails)


# --- verbs of killing and wounding ---------------------------------------------
_KILLED_AFTER = _alt(_VERBS["killed_after"])
_WOUNDED_AFTER = _alt(_VERBS["wounded_after"])
_KILLED_BEFORE = _alt(_VERBS["killed_before"])
_WOUNDED_BEFORE = _alt(_VERBS["wounded_before"])


# --- victims and sides -------------------------------------------------------
VICTIM_GROUP: dict[str, str | None] = {}
for _group, _nouns in _LEX["victims"].items():
    for _noun in _nouns:
        VICTIM_GROUP[_noun] = None if _group == "people" else _group
SIDES: dict[str, str] = _LEX["sides"]
SIDE_NAMES: dict[str, str] = {**_LEX["countries"], **SIDES}  # demonyms, parties and countries
# Demonyms used as nouns ("nine Americans") are victims too.
_DEMONYM_NOUNS = [k for k in SIDES if k.endswith("s") and not k.endswith("ss") and len(k) > 4]
# Singular demonyms ("a 16-year-old Palestinian", "three Lebanese") are victims only
# at the end of their phrase: in "an Afghan and coalition force" they are adjectives.
_DEMONYM_SINGULAR = [k for k in SIDES if k not in _DEMONYM_NOUNS and k.isalpha() and k != "us"
                     and SIDES[k].lower() not in (k, k + "s") and k != "isis"]
_SINGULAR = {n for n in VICTIM_GROUP if not re.search(r"(?:s|men|people|children|police|"
                                                       r"personnel|crew|taliban|staff|more|"
                                                       r"women|youth|troops)$", n)}
_SINGULAR -= {"enemy", "mujahideen", "paramilitary", "them"}
_SINGULAR |= {"year-old"}

# Words that end a run of modifiers. They are tested at every word of a noun
# phrase: as a trie (like the other word lists here) a word is turned away at its
# first letters instead of being compared, case-blind, with each word in turn.
_STOP_WORDS = """
    and or of in on at by with from to the a an was were is are has have had been who that which as
    after when while said says killed killing dead died wounded injured including but for during since
    than not no its their his her against into over under near across through toward towards without
    within among between behind inside outside upon via per amid despite if then so because where whom
    whose be will would could can may might should must""".split()
_STOP = f"(?:{_alt(_STOP_WORDS)})"
# The sub-patterns below that the noun-phrase patterns embed many times are
# ``part``s, parsed once however often they are embedded (see subpatterns.py).
# A modifier between a number and its noun: "Afghan", "suspected", "14-year-old".
_MOD = part(rf"(?!{_STOP}\b)[a-z0-9][a-z0-9'.-]*")
# A number without its noun must end its phrase ("killing three, and", "14 were
# killed"), else it counts something else ("executed numerous small-arms attacks").
# (The word lists after such a number are only looked ahead at: one trie holds them all.)
_NEXT_PHRASE = _alt(_STOP_WORDS + _VERBS["aux"] + _VERBS["killed_after"] + _VERBS["wounded_after"]
                    + ["overnight", "yesterday", "today", "tonight", "last", "this", "more", "others"])
_BARE_END = part(rf"(?:\s*[,.;:)!?\"'\u201d\u2019]|\s*$|\s+[-\u2013\u2014]|\s+(?:{_NEXT_PHRASE})\b)")
_NOUN = part(rf"(?:{_alt(list(VICTIM_GROUP) + _DEMONYM_NOUNS)}|(?:{_alt(_DEMONYM_SINGULAR)})(?={_BARE_END}))")
_SING_NOUN = part(rf"(?:{_alt(_SINGULAR)}|(?:{_alt(_DEMONYM_SINGULAR)})(?={_BARE_END}))")
_TAG = r"#\d+#"
_TAG_RE = programs.compile(r"#(\d+)#")
# A personal name after a title: "Taliban leader Saifullah", "commander, Asad,".
# Names are told by their capital letters, so this part is case-sensitive.
_NOT_NAMES = _alt("""The A An He She They It This That In On At During After And No Nobody None Noone
    Everyone Everybody Anyone Anybody Someone Somebody Nothing Who Which What One
    Each All Both Neither Either Several Many Few Monday Tuesday Wednesday Thursday
    Friday Saturday Sunday January February March April May June July August
    September October November December Jan Feb Mar Apr Jun Jul Aug Sept Sep Oct Nov Dec""".split())
_NOT_NAME = _alt(_STOP_WORDS + _VERBS["aux"])  # words that are no name, whatever their capitals
_NAME_WORD = rf"(?!(?:{_NOT_NAME})\b)(?-i:(?!(?:{_NOT_NAMES})\b)[A-Z][a-z'\u2019-]+)"
# Later words of a name may look like a month ("Fayez Jan") but not like a new sentence part.
_NAME_NEXT = rf"(?!(?:{_NOT_NAME})\b)(?-i:(?!(?:The|A|An|In|On|At|During|After|And)\b)[A-Z][a-z'\u2019-]+)"
_NAME = part(rf"(?:,?\s+{_NAME_WORD}(?:\s+(?:{_NAME_NEXT}|al-\w+|bin|ibn)){{0,3}},?)")
# "two people in Kharkiv and three in Odesa": a place after each group.
_PLACE = (r"(?:\s+(?:in|near|at|from)\s+(?:the\s+)?(?-i:[A-Z][\w'\u2019-]+)(?:\s+(?-i:[A-Z][\w'\u2019-]+)){0,2}"
          r"(?:\s+(?:region|province|district|city|village|oblast|governorate|state))?(?=\s*,?\s+and\s+#))")
# "eight of its fighters", "one of the soldiers"
_OF = rf"(?:\s+of\s+(?:them(?![\w-])|(?:the|its|their|his|her|our|those|these)(?:\s+{_MOD}){{0,3}}?\s+{_NOUN}(?![\w-])))"
# "members of one family", "officers of the border police"
_PP = rf"(?:\s+of\s+(?:(?:the|a|an|his|her|their|its|one|{_TAG})\s+)?(?:{_MOD}\s+){{0,2}}?{_MOD})"

# A plural noun missing from the lexicon still names victims when it ends the
# phrase ("nine commuters."), unless it is something counted that is never a victim.
_OTHER_PLURAL = rf"(?:\s+{_MOD})?\s+(?!(?:{_alt(_NOUNS['not_victims'])})\b)[a-z][a-z'-]*[a-z]s(?={_BARE_END})"
# Any words before "were killed" name victims ("dozens of Rohingya were killed").
_OTHER_SUBJECT = (rf"(?:\s+(?!(?:{_alt(_NOUNS['not_victims'])})\b){_MOD}){{1,3}}(?=(?:\s+(?:were|was|have\s+been|"
                  rf"has\s+been|had\s+been|are|is))+(?:\s+\w+ly)?\s+(?:{_KILLED_AFTER}|{_WOUNDED_AFTER})\b)")
# "1,000 soldiers and civilians": two nouns sharing one number.
_AND_NOUN = rf"(?:\s+(?:and|or)\s+{_NOUN}(?![\w-])(?!\s+(?:were|was|are|is|have|has|had)\s+(?!killed|dead|wounded|injured)))"
_NP = part(rf"{_TAG}(?:{_OF}|(?:\s+{_MOD}){{0,4}}\s+{_NOUN}(?![\w-]){_AND_NOUN}?{_NAME}?{_PP}?|(?={_BARE_END})"
           rf"|{_OTHER_PLURAL}|{_OTHER_SUBJECT}){_PLACE}?")
_JOIN = (r"(?:\s*,\s*(?:and\s+|as\s+well\s+as\s+|plus\s+)?|\s+(?:and|as\s+well\s+as|along\s+with|"
         r"plus|together\s+with)\s+)(?:(?:his|her|their|its)\s+)?")
_LIST = part(rf"{_NP}(?:{_JOIN}{_NP})*")
_I = re.IGNORECASE
SIDE_RE = programs.compile(rf"(?<![\w-])(?:{_alt(SIDE_NAMES)})(?![\w-])")
_NOUN_NEXT_RE = compile_parts(rf"\s+(?:{_NOUN})(?![\w-])")

# --- verbs and nouns of killing and wounding ----------------------------------
_AUX = rf"(?:,?\s+(?:{_alt(_VERBS['aux'])}))*"
_GAP = (rf"(?:\s*,?\s+(?!(?:{_alt(_STOP_WORDS + _VERBS['killed_after'] + _VERBS['wounded_after'])})\b)"
        rf"[a-z0-9][a-z0-9'-]*){{0,6}}?")
_NOT_ACTIVE = rf"(?!\s+{_TAG})"
_NOT_MIXED = r"(?!\s*(?:,|/|or|and|or\s+even)?\s*(?:wounded|injured|hurt|killed|dead)\b)"
_BEFORE_NP = r"(?:^|(?<=[\s(\"'\u201c]))"
# Patterns tried at every character fail fastest on a look-ahead for their first
# character: "(?=#)", "(?=[A-Z])" below add nothing else.

# "two soldiers were killed", "14 dead", "an insurgent was reportedly killed"
PASSIVE_RE = compile_parts(
    rf"{_BEFORE_NP}(?P<list>{_LIST})(?P<gap>{_GAP}){_AUX}(?:\s+[a-z]+ly)?\s+"
    rf"(?:(?P<kill>{_KILLED_AFTER})|(?P<wound>{_WOUNDED_AFTER})){_NOT_MIXED}(?![\w-]){_NOT_ACTIVE}", _I
)
# "the strike killed 14 people", "wounding 30", "claimed the lives of nine"
ACTIVE_RE = compile_parts(
    rf"(?<![\w-])(?:(?P<kill>{_KILLED_BEFORE})|(?P<wound>{_WOUNDED_BEFORE}))"
    rf"\s+(?:(?:also|then|reportedly|in\s+all)\s+)?(?P<list>{_LIST})", _I
)
# "the death toll rose to 45", "bringing the toll to 30"
TOLL_RE = programs.compile(
    rf"(?<![\w-])(?:(?P<wound>{_alt(_NOUNS['wound_toll'])})|{_alt(_NOUNS['toll'])})(?![\w-])(?:\s+(?!{_TAG})[\w'(),-]+){{0,12}}?\s+"
    rf"(?:{_alt(_NOUNS['toll_link'])})\s+(?:to\s+|at\s+)?(?P<list>{_TAG})", _I
)
# "12 deaths", "9 injuries" (participles such as "9 wounded" are PASSIVE's).
DEATH_NOUN_RE = compile_parts(
    rf"(?P<list>{_TAG})(?:\s+{_MOD}){{0,2}}?\s+(?:(?P<kill>deaths|fatalities|killings|martyrs|"
    rf"lives\s+(?:were\s+|have\s+been\s+|had\s+been\s+)?lost)|(?P<wound>injuries))(?![\w-])", _I
)
# "claimed 14 lives", "cost the lives of" is ACTIVE's.
LIVES_RE = compile_parts(
    rf"(?:claimed|claiming|claims|cost|costing|costs|took|taking|takes)\s+(?:the\s+)?"
    rf"(?P<list>{_TAG})\s+(?:{_MOD}\s+)?lives\b(?P<kill>)", _I
)
# "Nine Americans were among those killed": a nationality's share of a larger
# toll.  Kept only when it names a side, so the model can tell it is a subset.
AMONG_RE = compile_parts(
    rf"(?=#){_BEFORE_NP}(?P<list>{_LIST})\s+(?:(?:were|was|are|is)\s+)?(?:also\s+)?among\s+(?:the|those)\s+"
    rf"(?:(?P<wound>wounded|injured|hurt)|dead|killed|victims|people\s+killed|slain)\b", _I)
# Bodies count as deaths when they are found, not when they are exchanged:
# "rescuers recovered 14 bodies", "the bodies of 30 people were found".
_FOUND = r"(?:found|discovered|recovered|pulled|exhumed|retrieved|unearthed)"
BODY_RES = tuple(compile_parts(p, _I) for p in (
    rf"{_FOUND}\s+(?:\S+\s+){{0,3}}?(?:the\s+)?bodies\s+of\s+(?P<list>{_LIST})",
    rf"{_FOUND}\s+(?:\S+\s+){{0,3}}?(?P<list>{_TAG})(?:\s+{_MOD})?\s+bodies\b",
    rf"bodies\s+of\s+(?P<list>{_LIST})\s+(?:were|have\s+been|had\s+been)\s+(?:\w+\s+)?{_FOUND}",
    rf"(?P<list>{_TAG})(?:\s+{_MOD})?\s+bodies\s+(?:were|have\s+been|had\s+been)\s+(?:\w+\s+)?{_FOUND}",
))
_BASE_VERB = programs.compile(r"(?:kill|wound|injure|hurt|execute|massacre|murder|maim|slay)$", _I)
_MODAL_RE = programs.compile(rf"(?:^|\s)(?:{_alt(_VERBS['modal'])})\s+(?:\w+\s+)?$", _I)
_NEGATION_RE = programs.compile(rf"(?:^|\s)(?:{_alt(_CTX['negation'])})\s+(?:the\s+)?$", _I)
# (A case-blind pattern may match a non-ASCII letter as an ASCII one: see _ODD_CASE_RE.)
_NEGATION_STARTS = tuple(sorted({phrase[:2] for phrase in _CTX["negation"]}))

# --- case-blind patterns read on the lower-case text ------------------------------
# A case-blind pattern lowers every character it compares: the same pattern,
# case-sensitive, on the lower-cased text (whose offsets are the text's) finds the
# same matches in about half the time.  lower() keeps apart a few letters that a
# case-blind pattern takes for ASCII ones (see _ODD_CASE_RE): a text with one of
# them is read by the case-blind pattern.  For patterns whose matches are used for
# their offsets only, and whose letters are all lower-case.
_ODD_CASE_RE = programs.compile("[\u0130\u0131\u017f\u212a]")


def _both_cases(pattern: str) -> tuple[re.Pattern, re.Pattern]:
    """*pattern* case-blind, and case-sensitive for the lower-cased text."""
    # its letters, but for escapes ("\\S") and either-case classes ("[aA]"); a case-sensitive
    # part must be such a class ("(?-i:[A-Z])" would not read the lower-cased text alike)
    letters = re.sub(r"\\.|\[([a-z])(?i:\1)\]", "", spelled(pattern))
    if re.search(r"[A-Z]|\(\?-i:(?!\))", letters) or any(c.isalpha() for c in letters if not c.isascii()):
        raise ValueError(f"{pattern[:60]!r}: a capital, a non-ASCII letter or a case-sensitive part, "
                         "not read alike in the lower-cased text")
    return compile_parts(pattern, _I), compile_parts(pattern)


def _on_lower(blind: re.Pattern, low: re.Pattern, text: str) -> tuple[re.Pattern, str]:
    """The pattern to run and the text to run it on, for the pair ``_both_cases`` made."""
    if not text.isascii() and _ODD_CASE_RE.search(text):
        return blind, text
    return low, lower(text)


# --- one victim without a number -------------------------------------------------
# "an insurgent", "one soldier" (read by numbers), "a 14-year-old boy".
# (The "a" comes before the look-behind, as a case-sensitive class, so that the
# scan can skip to the a's.)
ARTICLE_RE, _ARTICLE_LOW_RE = _both_cases(
    rf"(?-i:[aA])(?<![\w-][aA])(?-i:[nN])?\s+(?=(?:{_MOD}\s+){{0,3}}?{_SING_NOUN}(?![\w-]))")
# "another wounded", "killing one and wounding another": one more victim.
ANOTHER_RE = compile_parts(
    rf"(?<![\w-])another(?=\s+(?:{_MOD}\s+){{0,3}}?{_SING_NOUN}(?![\w-])|\s+(?:was\s+|were\s+)?"
    rf"(?:{_KILLED_AFTER}|{_WOUNDED_AFTER})\b|\s*[.,;]|\s*$)", _I)
# "both pilots": two victims.
BOTH_RE = compile_parts(rf"(?<![\w-])both\s+(?:the\s+|of\s+the\s+)?(?=(?:{_MOD}\s+){{0,2}}?{_NOUN}(?![\w-]))", _I)
# "a man and his son": the relative is one more victim.
RELATIVE_RE = compile_parts(rf"(?<=\s)(?:his|her|their)\s+(?=(?:{_MOD}\s+){{0,2}}?{_SING_NOUN}(?![\w-]))", _I)
# "a family of five" is five people.
FAMILY_RE = programs.compile(rf"\b(?:a|an|one|the)\s+family\s+of\s+({_TAG})", _I)
# "killed the Taliban leader", "killed Taliban leader Saifullah": the object of a
# killing.  As a subject ("the commander was killed") "the" mostly points back to
# someone already counted, so it is not tagged there.
OBJECT_RE = compile_parts(
    rf"(?<![\w-])(?P<verb>{_KILLED_BEFORE}|{_WOUNDED_BEFORE})\s+(?:(?P<det>the|its|his|her|their|(?:the\s+)?[a-z-]+(?:'s|\u2019s))\s+)?"
    rf"(?=(?:{_MOD}\s+){{0,3}}?{_SING_NOUN}(?![\w-])(?:{_NAME}|\s+(?:and|along|as|during|in|on|at|"
    rf"with|who|when|after|while|by|near)\b|\s*[,.;]|$))", _I
)
# "the force responded, killing him": one victim ("her" only where it is no possessive).
PRONOUN_RE = programs.compile(
    rf"(?<![\w-])(?P<verb>{_KILLED_BEFORE}|{_WOUNDED_BEFORE})\s+(?:him|her)(?![\w-])"
    r"(?=\s*[,.;)]|\s+(?:and|in|on|at|with|during|after|when|while|as|before|near|by)\b|\s*$)", _I)
# "the death of Maulawi Tayeb, a local Taliban leader": the same person described.
APPOSITIVE_RE = programs.compile(r"(#\d+# person),\s+#(\d+)#")
# "killed Rostum", "confirmed the death of Mullah Nafi": a named person killed.
NAMED_OBJECT_RE = programs.compile(
    rf"(?<![\w-])(?P<verb>{_KILLED_BEFORE})\s+(?P<name>{_NAME_WORD}(?:\s+(?:{_NAME_WORD}|al-\w+|bin|ibn)){{0,3}})"
    rf"(?=\s*[,.;)]|\s+(?:and|along|as|during|in|on|at|with|who|when|after|while|by|near|a|an|the)\b|$)", _I
)
# A named person or "he"/"she" as the subject: "Mullah Omar was killed",
# "Sangari, an insurgent leader, was killed".
PERSON_RE = programs.compile(
    rf"(?=(?-i:[A-Z]))(?:(?<=^)|(?<=[\s(\"'\u201c]))(?P<who>(?-i:He|She)|{_NAME_WORD}(?:\s+(?:{_NAME_WORD}|al-\w+|bin|ibn)){{0,3}})"
    rf"(?:,\s+(?:a|an|the)\s+[^,]{{1,60}},)?\s+(?:was|has\s+been|had\s+been)(?:\s+(?:also|reportedly|later|subsequently|confirmed|"
    rf"engaged\s+and|believed\s+to\s+have\s+been))*\s+(?P<verb>killed|slain|shot\s+dead)\b", _I
)
# A person of two or more names before a group of victims: "Ahmed al-Rahawi and
# several ministers died".
NAMED_SUBJECT_RE = programs.compile(
    rf"(?=[A-Z]){_BEFORE_NP}(?P<name>{_NAME_WORD}(?:\s+(?:{_NAME_NEXT}|al-[\w-]+|bin|ibn)){{1,3}})\s+and\s+"
    rf"(?=(?:his\s+|her\s+|their\s+)?#\d+#[^.;:]*?\s(?:{_KILLED_AFTER})(?![\w-]))")
# Headline style "Soldier killed in ...": a bare singular noun at the start.
BARE_RE, _BARE_LOW_RE = _both_cases(  # not "Neither soldier was hurt"
    rf"(?!(?:{_alt(_CTX['negation'])}|neither|nobody|noone)\b)(?:{_MOD}\s+){{0,3}}?{_SING_NOUN}{_AUX}\s+(?:{_KILLED_AFTER}|{_WOUNDED_AFTER})(?![\w-])"
)
# Every match of ARTICLE_RE, RELATIVE_RE, OBJECT_RE, BARE_RE and HEADLINE_ITEM_RE holds a
# singular noun after a space (or at the start): a cheap test first, on " " + the
# lower-case text (case-blind patterns read a few letters otherwise: see _ODD_CASE_RE).
_SINGULAR_WORD_RE = _word_test_re(sorted(_SINGULAR) + _DEMONYM_SINGULAR)
_SINGULAR_WORD_ASCII_RE = ascii_twin(_SINGULAR_WORD_RE)
# --- where the costly patterns can start -------------------------------------------
# The patterns that start with a verb of killing or wounding (or with a "#i#" tag)
# are the costliest when tried at every character; tried only where a verb (or a
# tag) starts, they find the same matches.  Verb starts are found in the
# lower-case text, where one plain scan finds them all.
_ANY_VERB = _alt(_VERBS["killed_before"] + _VERBS["wounded_before"] + _VERBS["killed_after"] + _VERBS["wounded_after"])
_VERB_START_RE = programs.compile(  # on " " + the lower-case text: the offset of the match is the verb's
    rf"[^\w-](?={_ANY_VERB})(?=(?P<after>{_KILLED_AFTER}|{_WOUNDED_AFTER}))?")
# Scans run on most sentences have twins for ASCII text (most text): the same
# matches, without Unicode's tables (see subpatterns.ascii_twin).
_VERB_START_ASCII_RE = ascii_twin(_VERB_START_RE)


@dataclass  # not frozen: building a frozen one takes three times as long, and most sentences build one
class _Verbs:
    """Where verbs of killing and wounding start in one text."""

    text: str
    starts: list[int] | None  # None: they cannot be told apart from the lower-case text
    last_after: int  # the start of the last verb that can follow its victims ("were killed")


def _verbs(text: str, known: _Verbs | None = None) -> _Verbs:
    """The verbs of ``text``; ``known`` is reused if it is of the same text."""
    if known is not None and known.text is text:
        return known
    # Case-blind patterns take these letters for ASCII ones ("\u017f" is "s") though
    # lower() keeps them apart: a text with one is scanned everywhere.
    if not text.isascii() and _ODD_CASE_RE.search(text):  # isascii() is a flag look-up, no scan
        return _Verbs(text, None, len(text))
    starts, last_after = [], -1
    for m in (_VERB_START_ASCII_RE if text.isascii() else _VERB_START_RE).finditer(" " + lower(text)):
        starts.append(m.start())
        if m.group("after") is not None:
            last_after = m.start()
    return _Verbs(text, starts, last_after)


def _passive_starts(verbs: _Verbs) -> list[int] | None:
    """Where "two soldiers were killed" can start: a "#" before the last verb
    that can follow its victims."""
    if verbs.starts is None:
        return None
    text, starts = verbs.text, []
    at = text.find("#")
    while 0 <= at < verbs.last_after:
        starts.append(at)
        at = text.find("#", at + 1)
    return starts


def _finditer(pattern: re.Pattern, text: str, starts: list[int] | None):
    """``pattern.finditer(text)`` for a pattern that never matches the empty
    string and can only start at ``starts`` (ascending; None: anywhere)."""
    if starts is None:
        yield from pattern.finditer(text)
        return
    end = 0
    for start in starts:
        if start >= end and (m := pattern.match(text, start)):
            yield m
            end = m.end()


def _sub(pattern: re.Pattern, repl, text: str, starts: list[int] | None, read: str | None = None) -> str:
    """``pattern.sub(repl, text)`` with a function ``repl``, trying only ``starts``;
    the pattern runs on *read* (the lower-cased text, see ``_on_lower``) if given."""
    parts, last = [], 0
    for m in _finditer(pattern, text if read is None else read, starts):
        parts.append(text[last:m.start()])
        parts.append(repl(m))
        last = m.end()
    if not parts:
        return text
    parts.append(text[last:])
    return "".join(parts)


_PERSON_HINT = programs.compile(r"\b(?:was|been)\s+(?:\S+\s+){0,5}?(?:killed|slain|shot\s+dead)\b")
# ", ", ": ", " - ".  A pattern searched for is tried only at the characters of its
# first item when that item is one class (as here and in _ITEM_START_RE below);
# when it is a choice of branches or a look-behind, at every character.
_HEADLINE_PART_RE = programs.compile(r"[,:;|\s](?:(?<=[,:;|])\s|(?<=\s)-\s)")
# Items of a headline's list of victims (headlines drop their articles).
HEADLINE_ITEM_RE, _HEADLINE_ITEM_LOW_RE = _both_cases(rf"(?<![\w'#-])(?:{_MOD}\s+){{0,2}}?{_SING_NOUN}(?![\w-])")
_AFTER_VICTIM_RE = compile_parts(
    rf"(?:#\d+#|(?<![\w-]){_NOUN})(?:\s+{_MOD}){{0,3}}?\s*(?:,|\s+and)\s+(?:his\s+|her\s+)?$", _I)
_ITEM_START_RE, _ITEM_START_LOW_RE = _both_cases(
    rf"[,:|\s](?:(?<=[,:|])|(?<=\s)(?:and|{_KILLED_BEFORE}|{_WOUNDED_BEFORE}|-))\s+(?:his\s+|her\s+)?")
_ITEM_OPEN_RE = programs.compile(rf"(?:^|[:|]|\s-|(?<![\w-])(?:{_KILLED_BEFORE}|{_WOUNDED_BEFORE}))\s*$", _I)
_ITEM_CLOSE_RE = programs.compile(r"\s*,\s*(?:#\d+#|[a-z])|\s+and\s+", _I)
_SUBSET = _alt(_CTX["subset"])
SUBSET_RE = programs.compile(
    # a parenthesis: ", including a lieutenant colonel,"
    rf"\s*,\s*(?:{_SUBSET})\s+[^,;:()]*?,"
    # or a subset with a figure, up to where the sentence goes on
    rf"|(?:\s*,\s*|\s+|\s*\(\s*)(?:{_SUBSET})\s+(?=[^;:()]*?{_TAG})[^;:()]*?"
    rf"(?:\s*,|\s*\)|(?=\s+(?:were|was|have|has|had|are|is|and\s+(?:wounded|injured|wounding|"
    rf"injuring))\b)|(?=\s*[.;:]|\s*$))", _I
)
_SUBSET_WORD_RE = _presence_re(_CTX["subset"])  # cheap test before SUBSET_RE, on lower-case text
# "nine of whom were children"; "Baqi was one of the insurgents killed" (already counted)
# (after a comma: "killing several of them" is the figure itself)
SUBSET_AFTER_RE = programs.compile(rf"(?=[\s,wi])(?:\s*,\s*{_TAG}\s+(?:of\s+whom|of\s+them|of\s+which)\b[^,;]*"
                                   rf"|\b(?:was|is)\s+{_TAG}\s+of\s+the\b[^,;]*)", _I)
# Both branches hold a tag's end, then "of": a cheap test first ("#" is rare, "of" is not).
_SUBSET_AFTER_HINT = programs.compile(r"#\s+of\s", _I)
# "Among the dead were a boy and two women": the victims of a toll told elsewhere.
_AMONG_THE_DEAD_HINT = programs.compile(r"the (?:dead|victims|killed|wounded|injured)")  # cheap test first
AMONG_THE_DEAD_RE = programs.compile(r"\b(?:among|of)\s+the\s+(?:dead|victims|killed|wounded|injured)\s+"
                                     r"(?:were|was|are|is)\b[^;]*?(?=\s*,\s*(?:and|but|while|as)\s+(?!#)|\s*[;.]|\s*$)", _I)

# --- context: violence, scope, history -----------------------------------------
CUE_RE = _presence_re(_CTX["cue_stems"])  # a casualty word: a yes/no test
DISASTER_RE = _cue_re(_CTX["disaster"] + _CTX["accident"])
CRIME_RE = _cue_re(_CTX["crime"])
# either of the two above (on " " + the text)
_NOT_WAR_CUE_RE = _word_test_re(_CTX["disaster"] + _CTX["accident"] + _CTX["crime"])
_NOT_WAR_CUE_ASCII_RE = ascii_twin(_NOT_WAR_CUE_RE)
ACCIDENT_START_RE = programs.compile(rf"\s*(?:{_alt(_CTX['accident_start'])})(?![\w-])")
VIOLENCE_RE = _cue_re(_CTX["violence"])
WAR_RE = _cue_re([w for w in _CTX["violence"] + _CTX["war_context"]
                  if w not in set(_CTX["weak_violence"])])
_MONTH = (r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|"
          r"sept?(?:ember)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\b")
CUMULATIVE_RE = _word_test_re(_CTX["cumulative"])  # on " " + the clause
_CUMULATIVE_ASCII_RE = ascii_twin(CUMULATIVE_RE)
# Split from the lexicon so that each runs only when its key word is there.
CUMULATIVE_SINCE_RE = programs.compile(
    rf"\bsince\s+(?:(?:early|late|mid)[\s-]+)?(?:{_MONTH}|\d{{1,2}}\s+{_MONTH}|(?:19|20)\d\d|last\b|"
    r"the\s+(?:start|beginning|outbreak)\b)"
    # "killed since the truce ended", "since fighting erupted"
    r"|\bsince\s+(?:\S+\s+){0,4}?(?:began|begun|started|ended|erupted|broke\s+out|collapsed|resumed|"
    r"was\s+launched|expired)\b"
    r"|\bsince\s+(?:the\s+|its\s+|their\s+)?(?:\S+\s+){0,2}?(?:war|conflict|invasion|offensive|coup|uprising|"
    r"revolution|fighting|hostilities|clashes|start|beginning|outbreak|escalation|incursion|takeover|"
    r"monday|tuesday|wednesday|thursday|friday|saturday|sunday)\b")
# a total over weeks of war, not one attack ("in the past three months", "after two weeks of fighting")
CUMULATIVE_SPAN_RE = programs.compile(
    r"(?:over|in|during|within)\s+the\s+(?:past|last|previous)\s+(?:\S+\s+)?(?:weeks?|months?|years?)\b"
    r"|\b(?:days|weeks|months|years)\s+of\s+(?:\w+\s+){0,2}?(?:fighting|hostilities|clashes|war|conflict|bombardment|shelling)\b")
# Every match has one of these words of the pattern: a cheap first test.
_SPAN_WORDS = ("past", "last", "previous", "days", "weeks", "months", "years")
# "The war has displaced 10 million people and killed 150,000": the war's own toll, with
# other verbs between (the lexicon's "war has killed" needs them side by side).
_WAR_HAS_RE = programs.compile(
    r"\b(?:war|conflict|fighting|violence|offensive|invasion|insurgency)\s+(?:has|have)\s+(?:now\s+|so\s+far\s+)?"
    r"(?:[^\s.;:]+\s+){1,10}?(?:and|as\s+well\s+as)\s+(?:killed|claimed)\b")  # (figures are "#i#" tags here)
# "the deadliest day since January", "the worst attack this year": a comparison,
# not a toll to date.
SUPERLATIVE_RE = programs.compile(
    r"\b(?:deadliest|worst|bloodiest|largest|biggest|heaviest|highest|most\s+\w+)\b[^,;]*?"
    r"(?:\bsince\s+(?:the\s+)?\S+(?:\s+(?:19|20)\d\d)?|\bthis\s+year|\bso\s+far(?:\s+this\s+year)?)")
# "the war has killed", "Israeli strikes have killed": a toll to date.
WAR_HAS_RE = programs.compile(
    r"\b(?:war|conflict|fighting|violence|offensive|invasion|insurgency|campaign|bombardment|"
    r"attacks|strikes|shelling|raids|clashes|hostilities|bombing|bombings|airstrikes|violence)\s+"
    r"(?:\S+\s+){0,6}?(?:has|have)\s+(?:now\s+)?(?:killed|claimed)\b")
TOLL_WIDE_RE = programs.compile(
    r"\b(?:war|offensive|conflict|invasion|campaign|fighting|hostilities|insurgency|total|overall)\b"
    r"|(?-i:\b(?!The\b|This\b|That\b|Its\b|Their\b|Our\b)[A-Z][a-z]+)(?:'s|\u2019s)?\s+"
    r"(?:overall\s+|total\s+|military\s+|civilian\s+)?(?:death\s+)?toll"
    rf"|\b(?:{_alt(SIDE_NAMES)})\s+(?:\w+\s+)?(?:death\s+)?toll"
    # "the death toll in Gaza rises to 33,000": a whole place's toll
    r"|\btoll\s+in\s+(?:the\s+)?(?-i:[A-Z])"
    # "Gaza health ministry says death toll passes 40,000": a health ministry counts the whole war
    r"|\bhealth\s+(?:ministry|authorities)\b|\bministry\s+of\s+health\b", _I)
TOLL_INCIDENT_RE = programs.compile(
    r"\b(?:attack|strike|airstrike|air\s+strike|bombing|blast|explosion|raid|ambush|massacre|"
    r"barrage|assault|incident|shooting|shelling\s+of)\b|(?:'s|\u2019s)\s+(?:attack|strike|bombing)")
HISTORICAL_RE = programs.compile(rf"(?<![\w-])(?:{_alt(_CTX['historical'])})(?![\w-])")
_HISTORICAL_GATE = _gate_re(_CTX["historical"])  # cheap test before HISTORICAL_RE
BACKGROUND_RE = programs.compile(
    rf"(?<![\w-])(?:{_alt(_CTX['background'])})(?![\w-])"
    r"|\bbehind\s+(?:the|a|an|several|multiple|numerous|recent)\s+(?:[\w.-]+\s+){0,4}?"
    r"(?:attacks?|bombings?|ambush(?:es)?|assault|killings?|massacre)\b")
# cheap test before BACKGROUND_RE (its phrases' tails, not their rarest words alone: "suspected" is common)
_BACKGROUND_GATE = _tail_gate_re(_CTX["background"] + ["behind"])
RECALLED_RE = programs.compile(rf"(?<![\w-])(?:{_alt(_CTX['recalled'])})(?![\w-])[^,]*")
_RECALLED_GATE = _tail_gate_re(_CTX["recalled"])
YEAR_RE = programs.compile(r"(?<![\w,.$])(?P<since>(?:since|from)\s+(?:(?:early|late|mid)[\s-]+)?(?:\w+\s+)?)?"
                           r"(?P<year>1[89]\d\d|20\d\d)(?P<decade>s)?(?!\w|,\d)")
WHEN_YEAR_RE = programs.compile(r"\b(?P<year>(?:19|20)\d\d)\s*,?\s+when\b")
# "the Aug. 7 attack", "on March 3": a day; weeks before the story it is history.
DAY_RE = programs.compile(r"\b(?P<month>jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)"
                          r"(?:(?<=jan)uary|(?<=feb)ruary|(?<=mar)ch|(?<=apr)il|(?<=jun)e|(?<=jul)y|(?<=aug)ust|"
                          r"(?<=sep)t(?:ember)?|(?<=oct)ober|(?<=nov)ember|(?<=dec)ember)?\.?\s+"
                          r"(?P<day>[0-3]?\d)(?:st|nd|rd|th)?\b(?!\s*,?\s*\d|:)")
_MONTHS = "jan feb mar apr may jun jul aug sep oct nov dec".split()
# a digit that is not part of a "#i#" tag (the digit first, so the scan can skip to digits)
_DATE_DIGIT_RE = programs.compile(r"\d(?<![#\d]\d)(?!\d*#)")
_DATE_DIGIT_ASCII_RE = ascii_twin(_DATE_DIGIT_RE)
PAST_DAYS = 7  # a day named this long before the story is not the story's news
_WHOLE_WAR_RE = programs.compile(r"\b(?:wars?|conflicts?|genocide|holocaust|intifada|massacres|violence|"
                                 r"uprising|insurgency|invasion|occupation|partition)\b")
_SINCE_RE = gated(programs.compile(r"(?<!years )(?<!decades )(?<!months )\bsince\b"))  # most clauses lack "since"
_SINCE_BEFORE_RE = programs.compile(r"since\s+$")
_START_RE = programs.compile(r"\b(?:began|begun|started|erupted|broke\s+out)\b")
_PERFECT_RE = programs.compile(r"\b(?:has|have)\s+(?:\w+\s+)?(?:killed|claimed|been|died)\b|\bso\s+far\b")
CLAUSE_RE = programs.compile(r"(?=[\s;:,])\s*(?:;|:|\s[-–—]\s|,\s+(?:while|whereas|but|and\s+(?=the\b)|and\s+that|compared)\b|"
                             r"\s(?:while|whereas)\s)\s*", _I)


@dataclass
class _Mention:
    """One figure linked to killing or wounding."""

    kind: str  # killed|wounded
    low: int
    high: int | None
    pos: int  # offset in the tagged text, for clause lookup
    victims: set[str | None] = field(default_factory=set)
    sides: set[str | None] = field(default_factory=set)
    toll: bool = False


def find_casualties(sentence: str, ctx: Context, low: str | None = None) -> list[Casualty]:
    """Casualty events stated in one sentence (empty when none); *low* is the
    sentence lower-cased, when the caller has it."""
    text = lower(sentence) if low is None else low
    cue = _cue(text)
    if cue != "war" and not (cue == "not war" and _its_own_fighting(text, ctx.conflict)):
        return []
    if _OPENING_QUOTE.search(sentence):  # "killed 'dozens of terrorists'": read through the marks
        sentence = _QUOTE_RE.sub(" ", sentence)
        text = lower(sentence)
    tagged, values, verbs = _tag(sentence, text)
    if not values:
        return []
    mentions = _mentions(tagged, values, verbs)
    return _events(sentence, tagged, mentions, ctx)


# a quotation mark, not an apostrophe inside a word ("Israel's", "soldiers' bodies" keep theirs);
# replaced by a space, so offsets hold
_QUOTE_RE = re.compile("[\"\u201c\u201d]|(?<!\\w)['\u2018\u2019]|['\u2018\u2019](?![\\w\\s])|(?<=\\s)['\u2018\u2019]")
_OPENING_QUOTE = re.compile("[\"\u201c\u201d]|(?<!\\w)['\u2018\u2019]")  # (most sentences have none)


# A headline is read twice: as the story's first sentence, and again when the
# story is folded. A cache of a few sentences reads it once (and is too small for
# a corpus read over again to hit it).
@lru_cache(maxsize=4)
def _cue(text: str) -> str | None:
    """"war" or "not war" (``_not_war``) for a lower-case text with a casualty word, else None."""
    if not CUE_RE.search(text):
        return None
    return "not war" if _not_war(text) else "war"


# The crime words that are a conflict's own fighting (casualty.toml [conflict_violence]).
_CONFLICT_VIOLENCE = {name: _cue_re(words) for name, words in _LEX.get("conflict_violence", {}).items()}


def _its_own_fighting(text: str, conflict: str | None) -> bool:
    """"Gangs killed 20 in Port-au-Prince": a crime word that is this conflict's war, in a
    lower-case text that tells of no disaster or accident."""
    violence = _CONFLICT_VIOLENCE.get(conflict or "")
    if violence is None or violence.search(text) is None:
        return False
    return not DISASTER_RE.search(text) and not ACCIDENT_START_RE.match(text)


def _not_war(text: str) -> bool:
    """Disaster, accident or crime deaths, with nothing of war or terror about them."""
    if not (_NOT_WAR_CUE_ASCII_RE if text.isascii() else _NOT_WAR_CUE_RE).search(" " + text):  # most: one scan, not two
        return bool(ACCIDENT_START_RE.match(text)) and not VIOLENCE_RE.search(text)
    if (DISASTER_RE.search(text) or ACCIDENT_START_RE.match(text)) and not VIOLENCE_RE.search(text):
        return True
    return bool(CRIME_RE.search(text)) and not WAR_RE.search(text)


# --- tagging -----------------------------------------------------------------
def _tag(sentence: str, text: str) -> tuple[str, list[Quantity], _Verbs]:
    """Replace counts by "#i#" tags; returns the tagged text, the tags' values and
    the verbs last found (of the tagged text, unless it changed since)."""
    values: list[Quantity] = []
    parts: list[str] = []
    last = 0
    for q in scan(sentence, text):
        if not _countable(text, q):
            continue
        parts.append(sentence[last:q.start])
        parts.append(f"#{len(values)}#")
        values.append(q)
        last = q.end
    parts.append(sentence[last:])
    tagged = "".join(parts)
    if not sentence.rstrip().endswith(".") and _is_title_case(sentence):
        tagged = tagged.lower()  # capitals in a headline do not mark names
    tagged, verbs = _tag_singulars(tagged, values)
    if " of " in tagged and _SUBSET_AFTER_HINT.search(tagged):
        tagged = SUBSET_AFTER_RE.sub("", tagged)
    if _AMONG_THE_DEAD_HINT.search(tagged.lower()):
        tagged = AMONG_THE_DEAD_RE.sub("", tagged)
    low = tagged.lower()
    if _SUBSET_WORD_RE.search(low):
        tagged = SUBSET_RE.sub(_cut_subset, tagged)
    return tagged, values, verbs


def _is_title_case(sentence: str) -> bool:
    """Title case: of the words of four or more characters that start with a
    letter (three at least), more than 7 in 10 start with a capital.  (A loop over
    the words takes two thirds of the time of two scans of the sentence.)"""
    words = capitals = 0
    for word in sentence.split():
        if len(word) > 3:
            first = word[0]
            if first.isalnum() and not first.isdecimal():  # a letter, as [^\W\d_] has it
                words += 1
            if "A" <= first <= "Z" or "\u00c0" <= first <= "\u00de":
                capitals += 1
    return words >= 3 and capitals > 0.7 * words


def _cut_subset(m: re.Match) -> str:
    """Drop a subset; keep a comma that closed the clause, not one of a parenthesis,
    unless who says so comes next ("kill 25, including three children, officials say":
    the officials are not the 25)."""
    cut = m.group()
    if not cut.rstrip().endswith(","):
        return ""
    opened = cut.lstrip()[:1] in (",", "(")
    return "," if not opened or _SOURCE_NEXT_RE.match(m.string, m.end()) else ""


_SOURCE_NEXT_RE = re.compile(r"\s*(?:[\w'-]+\s+){1,4}(?:say|says|said|reported|reports|told)\b", re.IGNORECASE)


def _countable(text: str, q: Quantity) -> bool:
    if q.kind != "count":
        return False
    if q.year_like:  # "in 2014" is a year; "2000 people" is not
        return bool(_NOUN_NEXT_RE.match(text, q.end))
    return True


def _tag_singulars(tagged: str, values: list[Quantity]) -> tuple[str, _Verbs]:
    """Tag "an insurgent", "the commander", headline "Soldier killed" as one."""
    def one(m: re.Match, count: int = 1) -> str:
        values.append(Quantity(m.start(), m.end(), count))
        return f"#{len(values) - 1}# "

    low = tagged.lower()
    numbers = len(values)  # tags below this index are numbers read from the text
    singular = _may_name_one(tagged, low)
    if "family" in low:
        tagged = FAMILY_RE.sub(r"\1 family members", tagged)
    if singular and (" a" in low or low.startswith("a")):
        article, read = _on_lower(ARTICLE_RE, _ARTICLE_LOW_RE, tagged)
        tagged = _sub(article, one, tagged, None, read)
    if singular and (" and his " in low or " and her " in low or " and their " in low):
        tagged = RELATIVE_RE.sub(lambda m: m.group() + one(m), tagged)
    if "another" in low:
        tagged = ANOTHER_RE.sub(lambda m: one(m).rstrip(), tagged)
    if "both" in low:
        tagged = BOTH_RE.sub(lambda m: m.group() if _after_figure(m, numbers) else one(m, 2), tagged)
    # "the commander", "both pilots" point back; with a figure in the same
    # sentence they are mostly that figure told again.
    verbs = _verbs(tagged)
    if singular:
        tagged = _sub(OBJECT_RE, lambda m: m.group() if m.group("det") and _after_figure(m, numbers) else
                      m.group("verb") + " " + one(m), tagged, verbs.starts)
    verbs = _verbs(tagged, verbs)  # a tag moves the verbs
    tagged = _sub(NAMED_OBJECT_RE, lambda m: _named(m, one), tagged, verbs.starts)
    if " him" in low or " her" in low:
        verbs = _verbs(tagged, verbs)
        tagged = _sub(PRONOUN_RE, lambda m: f"{m.group('verb')} {one(m)}person", tagged, verbs.starts)
    if " person, #" in tagged:
        tagged = APPOSITIVE_RE.sub(lambda m: m.group(1) + (", one" if values[int(m.group(2))].low == 1
                                                           else m.group()[len(m.group(1)):]), tagged)
    verbs = _verbs(tagged, verbs)
    if " and " in tagged and 0 <= tagged.find("and") < verbs.last_after:  # "X and two others died"
        tagged = NAMED_SUBJECT_RE.sub(lambda m: m.group() if _is_side(m.group("name")) else
                                      f"{one(m)}person and ", tagged)
    if "been" in low or "was" in low:
        if _PERSON_HINT.search(low):
            tagged = PERSON_RE.sub(lambda m: _person(m, one), tagged)
    # "Soldier killed ..." without an article is headline style, never in a full sentence.
    # (The "person" tagged above follows its tag, where no bare noun can start.)
    if not singular or tagged.rstrip().endswith("."):
        return tagged, verbs
    verbs = _verbs(tagged, verbs)
    return _tag_bare(tagged, one, verbs.last_after), verbs


def _may_name_one(tagged: str, low: str) -> bool:
    """Whether a singular victim noun ("insurgent", "Afghan") is a word of the text
    (``low`` lower-cased): most sentences have none, and one scan tells."""
    if tagged.isascii():
        return bool(_SINGULAR_WORD_ASCII_RE.search(" " + low))
    return bool(_ODD_CASE_RE.search(tagged) or _SINGULAR_WORD_RE.search(" " + low))


def _tag_bare(tagged: str, one, last_after: int) -> str:
    """Tag "Soldier killed ..." at the start of a headline or of one of its parts,
    and bare nouns listed with other victims ("Soldier, two civilians killed",
    "kill father, son").  ``last_after`` is where the last verb that can follow
    its victims starts: a part after it has no "killed" to read."""
    starts = [0] + [m.end() for m in _HEADLINE_PART_RE.finditer(tagged)]
    bare, read = _on_lower(BARE_RE, _BARE_LOW_RE, tagged)
    for start in reversed(starts):  # from the end, so earlier offsets stay valid
        m = bare.match(read, start) if start < last_after else None
        if m:
            tagged = tagged[:start] + one(m) + tagged[start:]
            bare, read = _on_lower(BARE_RE, _BARE_LOW_RE, tagged)
    if "," not in tagged and " and " not in tagged.lower():
        return tagged
    item_start, read = _on_lower(_ITEM_START_RE, _ITEM_START_LOW_RE, tagged)
    item = HEADLINE_ITEM_RE if item_start is _ITEM_START_RE else _HEADLINE_ITEM_LOW_RE  # the same text for both
    starts = [0] + [m.end() for m in item_start.finditer(read)]
    items = [m for m in (item.match(read, start) for start in starts) if m and _listed(tagged, m)]
    for m in reversed(items):
        tagged = tagged[:m.start()] + one(m) + tagged[m.start():]
    return tagged


def _listed(tagged: str, m: re.Match) -> bool:
    """A bare noun that is an item of a list of victims: after a separator that
    follows a victim, or before a separator and a killing."""
    before = tagged[max(0, m.start() - 60):m.start()]  # enough for a victim and a separator
    if _AFTER_VICTIM_RE.search(before):
        return True
    opens = not tagged[:m.start()].strip() or _ITEM_OPEN_RE.search(before)
    return bool(opens) and bool(_ITEM_CLOSE_RE.match(tagged, m.end()))


def _after_figure(m: re.Match, numbers: int) -> bool:
    """A number earlier in the sentence: "two were killed ... killing both"."""
    return any(int(t.group(1)) < numbers for t in _TAG_RE.finditer(m.string, 0, m.start()))


_AFTER_TAG_RE = programs.compile(r"#\d+#\s+$")


def _person(m: re.Match, one) -> str:
    """Tag one named person killed ("Fayez Jan was killed"), but not the victims of a
    figure told before them ("44,000 Palestinians had been killed")."""
    if _AFTER_TAG_RE.search(m.string, max(0, m.start() - 12), m.start()):
        return m.group()
    return one(m) + "was " + m.group("verb")


def _is_side(name: str) -> bool:
    """A country or a people, not a person: "South Africa", "Afghan Army"."""
    first = name.split()[0].lower()
    return first in SIDE_NAMES or first.rstrip("s") in SIDES or " ".join(name.lower().split()[:2]) in SIDE_NAMES


def _named(m: re.Match, one) -> str:
    """Tag a named victim, unless the capitals are a people ("killed Afghan civilians")."""
    first = m.group("name").split()[0].lower()
    if first in SIDES or first in VICTIM_GROUP or first.rstrip("s") in SIDES:
        return m.group()
    return f"{m.group('verb')} {one(m)}person"


# --- linking figures to killing and wounding ------------------------------------
def _mentions(tagged: str, values: list[Quantity], verbs: _Verbs | None = None) -> list[_Mention]:
    used: set[int] = set()
    found: list[_Mention] = []
    low = tagged.lower()
    verbs = _verbs(tagged, verbs)
    patterns = [(ACTIVE_RE, verbs.starts), (PASSIVE_RE, _passive_starts(verbs))]
    if "lives" in low:
        patterns.append((LIVES_RE, None))
    if contains_any(low, _DEATH_NOUN_HINTS):
        patterns.append((DEATH_NOUN_RE, None))
    if "bodies" in low:
        patterns.extend((body, None) for body in BODY_RES)
    for pattern, starts in patterns:
        for m in _finditer(pattern, tagged, starts):
            if pattern is ACTIVE_RE and _is_intention(m, tagged):
                continue
            mention = _read_list(m, tagged, values, used, active=pattern is ACTIVE_RE)
            if mention:
                found.append(mention)
    for m in TOLL_RE.finditer(tagged) if contains_any(low, _TOLL_HINTS) else ():
        mention = _read_list(m, tagged, values, used, active=False, toll=True)
        if mention:
            whose = SIDE_RE.search(tagged[max(0, m.start() - 30):m.start()].lower())
            if whose:  # "the Armenian military death toll", "the French toll"
                mention.sides = {_side_name(whose)}
            found.append(mention)
    alone = not found
    for m in AMONG_RE.finditer(tagged) if "among" in low else ():
        mention = _read_list(m, tagged, values, used, active=False)
        # a nationality's share of a toll; or, with no toll beside it, a list of the victims
        # ("two doctors, a nurse and four patients among the dead"; a lone "three children
        # were among the dead" is a part of a toll given elsewhere)
        if mention and (mention.sides - {None} or (alone and len(_ITEM_RE.findall(tagged, *m.span("list"))) > 1)):
            found.append(mention)
    return found


_DEATH_NOUN_HINTS = ("deaths", "fatalit", "killings", "martyrs", "lives", "injuries")
_TOLL_HINTS = ("toll", "total", "tally", "number", "count")  # cheap test before TOLL_RE
_ITEM_RE = compile_parts(rf"#(\d+)#({_OF}|(?:(?:\s+{_MOD}){{0,4}}\s+{_NOUN}(?![\w-]){_PP}?)?)", _I)
_CLAUSE_VERB_RE = programs.compile(r"\s+(?:were|was|are|is|have|has|had)\b", _I)


def _is_intention(m: re.Match, tagged: str) -> bool:
    """ "threatened to kill 100", "could kill 5": a base verb after a modal."""
    verb = m.group("kill") or m.group("wound")
    if not _BASE_VERB.match(verb):
        return False
    return bool(_MODAL_RE.search(tagged[max(0, m.start() - 30):m.start()]))


def _read_list(m: re.Match, tagged: str, values: list[Quantity], used: set[int], *,
               active: bool, toll: bool = False) -> _Mention | None:
    """Sum the groups of a matched list, skipping tags already used or negated."""
    kind = "wounded" if _group(m, "wound") else "killed"
    start, end = m.span("list")
    if _negated(tagged[max(0, start - 20):start]) or _with_capture(m, kind):
        return None
    items = list(_ITEM_RE.finditer(tagged, start, end))
    if active and len(items) > 1:
        items = _own_items(items, tagged, end)
    mention = _Mention(kind, 0, None, m.start("list"), toll=toll)
    highs = []
    for item in items:
        index = int(item.group(1))
        if index in used:
            continue
        used.add(index)
        q = values[index]
        mention.low += q.low
        highs.append(q.high if q.high is not None else q.low)
        if q.high is not None:
            mention.high = 0
        victims, side = _who(item.group(2))
        if side is None and _POSSESSIVE_OF_RE.match(item.group(2)):
            side = _possessor(tagged, item.start())  # "South Africa said nine of its soldiers"
        mention.victims.add(victims)
        mention.sides.add(side)
    if not highs:
        return None
    if mention.high is not None:
        mention.high = sum(highs)
    return mention


def _group(m: re.Match, name: str) -> str | None:
    """``m.groupdict().get(name)`` without building the dict (not every pattern has the group)."""
    return m.group(name) if name in m.re.groupindex else None


def _negated(before: str) -> bool:
    """A negation ends ``before`` (its first letters are tested first: most figures have none)."""
    if before.isascii() and not contains_any(before.lower(), _NEGATION_STARTS):
        return False
    return bool(_NEGATION_RE.search(before))


def _with_capture(m: re.Match, kind: str) -> bool:
    """ "were killed or captured", "captured or killed 80": one figure for two fates."""
    if kind != "killed" or _group(m, "kill") is None:
        return False
    verb_start, verb_end = m.span("kill")
    before = m.string[max(0, verb_start - 30):verb_start]
    return bool(_CAPTURE_AFTER_RE.match(m.string, verb_end)
                or ((" or " in before or " and " in before) and _CAPTURE_BEFORE_RE.search(before)))


_CAPTURE = _alt(_CTX["capture"])
_CAPTURE_AFTER_RE = programs.compile(rf"\s+(?:and|or|and/or)\s+(?:{_CAPTURE})(?![\w-])", _I)
_CAPTURE_BEFORE_RE = programs.compile(rf"(?<![\w-])(?:{_CAPTURE})\s+(?:and|or|and/or)\s+$", _I)


def _own_items(items: list[re.Match], tagged: str, end: int) -> list[re.Match]:
    """In "killed two soldiers and three civilians were wounded" the last group
    is the subject of the next clause, not an object of "killed"."""
    if _CLAUSE_VERB_RE.match(tagged, end):
        return items[:-1]
    return items


_POSSESSIVE_OF_RE = programs.compile(r"\s+of\s+(?:its|their)\b", _I)


def _possessor(tagged: str, end: int) -> str | None:
    """The nearest country or party named before "its"/"their"."""
    named = list(SIDE_RE.finditer(tagged[:end].lower()))
    return _side_name(named[-1]) if named else None


def _side_name(m: re.Match) -> str:
    """The side a SIDE_RE match names ("south  africa" across a line break too)."""
    return SIDE_NAMES[" ".join(m.group().split())]


@lru_cache(maxsize=1024)  # a pure function of a few words; news repeats its victims
def _who(noun_phrase: str) -> tuple[str | None, str | None]:
    """Victim group and side named by the words after a number."""
    words = noun_phrase.lower().split()
    if not words:
        return None, None
    victims = None
    for size in (2, 1):
        tail = " ".join(words[-size:])
        if tail in VICTIM_GROUP:
            victims = VICTIM_GROUP[tail]
            break
    side = SIDE_RE.search(" ".join(words))
    return victims, _side_name(side) if side else None


# --- events --------------------------------------------------------------------
def _events(sentence: str, tagged: str, mentions: list[_Mention], ctx: Context) -> list[Casualty]:
    groups: dict[tuple[str, bool, str | None], list[_Mention]] = {}
    clauses = _clauses(tagged)
    in_clause: dict[int, list[_Mention]] = {}
    for mention in mentions:
        in_clause.setdefault(_clause_index(clauses, mention.pos), []).append(mention)
    for index, members in in_clause.items():
        offset, clause = clauses[index]
        low = lower(clause)  # the context patterns are lower case, which is twice as fast
        past = _past(low, [m.pos - offset for m in members], ctx)
        clause_scope = None  # the clause's, read once for all its figures (a long list has hundreds)
        for mention, historical in zip(members, past):
            if mention.toll:
                scope = _toll_scope(clause, low)
            else:
                scope = clause_scope = clause_scope or _scope(low)
            if historical and _WHOLE_WAR_RE.search(low):
                scope = "cumulative"  # "the 1990s war killed 20,000": that war's whole toll
            # each side apart: "killing 10 people; India said one of its nationals died"
            # is a toll and a nationality's share of it, not one sum of 11
            side = next(iter(mention.sides)) if len(mention.sides) == 1 else None
            groups.setdefault((scope, historical, side), []).append(mention)
    events = []
    for (scope, historical, _), group in groups.items():
        killed = [m for m in group if m.kind == "killed"]
        wounded = [m for m in group if m.kind == "wounded"]
        k, kh = _total(killed)
        w, wh = _total(wounded)
        named = killed or wounded
        events.append(Casualty(
            conflict=ctx.conflict, evidence=sentence, killed=k, killed_high=kh, wounded=w,
            wounded_high=wh, victims=_common(m.victims for m in named),
            side=_common(m.sides for m in named), scope=scope, historical=historical,
        ))
    return events


def _total(mentions: list[_Mention]) -> tuple[int | None, int | None]:
    """Sum of the figures; a toll is a total, so it is not added to its parts."""
    if not mentions:
        return None, None
    if len(mentions) == 1 and not mentions[0].toll:  # most groups: one figure
        return mentions[0].low, mentions[0].high
    parts = [m for m in mentions if not m.toll]
    tolls = [m for m in mentions if m.toll]
    low = sum(m.low for m in parts)
    has_high = any(m.high is not None for m in parts)
    high = sum(m.high if m.high is not None else m.low for m in parts) if has_high else None
    if tolls:
        best = max(tolls, key=lambda m: m.low)
        if best.low >= low:
            return best.low, best.high
    return low, high


def _common(sets) -> str | None:
    """The one value all groups share, else None."""
    values: set[str | None] = set()
    for s in sets:
        values |= s
    return values.pop() if len(values) == 1 else None


# What every CLAUSE_RE match holds, in the lower-case text: most clauses hold none
# (a comma alone, or a hyphen in a word, does not split).  The marks and words are
# found by ``in``, the rest by a pattern that is tried at commas and dashes only
# (it starts with their class: see _HEADLINE_PART_RE).
_CLAUSE_MARKS = (";", ":", "while", "whereas")
_CLAUSE_HINT_RE = programs.compile(r"[-\u2013\u2014,](?:(?<=\s[-\u2013\u2014])\s|(?<=,)\s+(?:but|and|compared)\b)")


def _clauses(tagged: str) -> list[tuple[int, str]]:
    if not _may_split(tagged):
        return [(0, tagged)]
    out, last = [], 0
    for m in CLAUSE_RE.finditer(tagged):
        out.append((last, tagged[last:m.start()]))
        last = m.end()
    out.append((last, tagged[last:]))
    return out


def _may_split(tagged: str) -> bool:
    """Whether CLAUSE_RE can match: its marks are in the text, or a letter that a
    case-blind pattern matches as an ASCII one ("whıle": see _ODD_CASE_RE)."""
    low = tagged.lower()
    if contains_any(low, _CLAUSE_MARKS) or _CLAUSE_HINT_RE.search(low):
        return True
    return not tagged.isascii() and bool(_ODD_CASE_RE.search(tagged))


def _clause_index(clauses: list[tuple[int, str]], pos: int) -> int:
    for index in range(len(clauses) - 1, -1, -1):
        if pos >= clauses[index][0]:
            return index
    return 0


def _scope(clause: str) -> str:
    """Incident or cumulative, from a lower-case clause."""
    if "since" in clause or "year" in clause or "far" in clause:
        clause = SUPERLATIVE_RE.sub("", clause)
    if _is_cumulative(clause):
        return "cumulative"
    if (" has " in clause or " have " in clause) and WAR_HAS_RE.search(clause):
        return "cumulative"
    return "incident"


def _is_cumulative(clause: str) -> bool:
    """A war-to-date figure's words in the lower-case clause."""
    if (_CUMULATIVE_ASCII_RE if clause.isascii() else CUMULATIVE_RE).search(" " + clause):
        return True
    if "since" in clause and CUMULATIVE_SINCE_RE.search(clause):
        return True
    spans = (" the " in clause or " of " in clause) and contains_any(clause, _SPAN_WORDS)
    if spans and CUMULATIVE_SPAN_RE.search(clause):
        return True
    if ("war" in clause or "conflict" in clause) and (_IN_THE_WAR_RE.search(clause) or _WAR_KILLED_RE.search(clause)):
        return True
    if ("between" in clause or "from" in clause or "alone" in clause or "monthly" in clause) and _PERIOD_RE.search(clause):
        return True
    return (" has " in clause or " have " in clause) and bool(_WAR_HAS_RE.search(clause))


# "have died in Sudan's war", "killed during the two-year conflict": the war's own toll
_IN_THE_WAR_RE = programs.compile(
    r"\b(?:in|during|throughout)\s+(?:the\s+|this\s+|its\s+|[\w-]+(?:'s|\u2019s)\s+)(?:[\w-]+\s+){0,2}?(?:war|conflict)\b"
)


# "the two-year war in Tigray killed as many as 600,000": the war itself killed them (not
# "the war's deadliest strike killed 50")
_WAR_KILLED_RE = programs.compile(r"\b(?:war|conflict)\s+(?:in\s+[\w-]+\s+)?(?:killed|claimed)\b")
# a period's toll: "killed between January and June", "died in October alone", "the highest monthly toll"
_PERIOD_RE = programs.compile(
    rf"\bbetween\s+{_MONTH}\w*\s+and\s+{_MONTH}|\bfrom\s+{_MONTH}\w*\s+(?:to|through|until)\s+{_MONTH}"
    rf"|\bin\s+{_MONTH}\w*(?:\s+\d{{4}})?\s+alone\b|\bmonthly\s+(?:death\s+)?toll"
)


def _toll_scope(clause: str, low: str) -> str:
    """A toll is war-to-date when the clause names a war or a whole place
    ("Gaza death toll passes 40,000"), unless it names one attack."""
    if _scope(low) == "cumulative":
        return "cumulative"
    if TOLL_INCIDENT_RE.search(low):
        return "incident"
    return "cumulative" if TOLL_WIDE_RE.search(clause) else "incident"


def _past(clause: str, positions: list[int], ctx: Context) -> list[bool]:
    """Which figures of a clause are historical.

    A past war or year ("the 1990s war", "in 2014", "last year") dates every
    figure of its clause (wrongly calling a figure history costs less than
    counting history as today's); a person's background ("was responsible for
    an attack that killed ...") dates the figures after it.
    """
    past = [_in_the_past(clause, ctx)] * len(positions)
    for cue in BACKGROUND_RE.finditer(clause) if _BACKGROUND_GATE.search(clause) else ():
        past = [p or pos > cue.start() for p, pos in zip(past, positions)]
    for cue in RECALLED_RE.finditer(clause) if _RECALLED_GATE.search(clause) else ():
        past = [p or cue.start() < pos < cue.end() for p, pos in zip(past, positions)]
    return past


def _in_the_past(clause: str, ctx: Context) -> bool:
    """A past war, year or day (relative to the story's date) in the lower-case clause."""
    for m in HISTORICAL_RE.finditer(clause) if _HISTORICAL_GATE.search(clause) else ():
        if not _SINCE_BEFORE_RE.search(clause, max(0, m.start() - 7), m.start()):
            return True
    if not (_DATE_DIGIT_ASCII_RE if clause.isascii() else _DATE_DIGIT_RE).search(clause):
        return False  # no year and no day: the rest cannot fire
    year_now = ctx.published.year
    when = WHEN_YEAR_RE.search(clause)
    if when and int(when.group("year")) < year_now:
        return True  # "the deadliest since 2017, when a truck bomb killed 500"
    if _is_ongoing(clause):
        return False
    for m in YEAR_RE.finditer(clause):
        last_year = int(m.group("year")) + (9 if m.group("decade") else 0)
        if not m.group("since") and last_year < year_now:
            return True
    return any(_days_before(m, ctx.published) > PAST_DAYS for m in DAY_RE.finditer(clause))


def _days_before(m: re.Match, published: datetime) -> int:
    """Days from a named day ("Aug. 7") to the story, taking the latest such day not after it."""
    month, day = _MONTHS.index(m.group("month").lower()) + 1, int(m.group("day"))
    for year in (published.year, published.year - 1):
        try:
            named = published.replace(year=year, month=month, day=day)
        except ValueError:  # "Feb. 30" is no date
            return 0
        if named <= published + timedelta(days=1):
            return (published - named).days
    return 0


def _is_ongoing(clause: str) -> bool:
    """ "since 2014", "the war that began in 2022 has killed": a start, not the past."""
    if _SINCE_RE.search(clause):
        return True
    return bool(_START_RE.search(clause)) and bool(_PERFECT_RE.search(clause))


# --- one story ------------------------------------------------------------------------
# A day's round-up ("in separate operations over the past 24 hours") sums up the
# incidents told beside it. (Gated: most sentences lack "hours" and "separate".)
_ROLLUP_RE = gated(programs.compile(
    r"\b(?:in|over|during|within)\s+the\s+(?:past|last|previous)\s+(?:24|48|twenty-four|forty-eight)\s+hours\b"
    r"|\bseparate\s+(?:\w+\s+){0,3}?(?:operations|incidents|attacks|clashes|engagements)\b", _I))
_STORY = _LEX["story"]
_ADDITIONAL_RE = programs.compile(rf"(?<![\w-])(?:{_alt(_STORY['additional'])})(?![\w-])(?!\s+than\b)", _I)
# "killing one and wounding another": that "another" adds no death. (Gated: "another" is rare.)
_WOUNDED_ANOTHER_RE = gated(programs.compile(rf"(?<![\w-])(?:{_WOUNDED_BEFORE})\s+another\b", _I))
_AGGREGATE_RE = programs.compile(rf"(?<![\w-])(?:{_alt(_STORY['aggregate'])})(?![\w-])", _I)
# "In Nahr-e Saraj district, Helmand province, ...": the story moves to another place.
_NEW_PLACE_RE = programs.compile(r"(?:also\s+|elsewhere\s+)?(?:in|near)\s+(?:the\s+)?(?-i:[A-Z][\w'\u2019-]+)[^,.;]{0,60},", _I)
_VAGUE_RE = _cue_re(list(VAGUE))  # on lower-case text


def fold_casualties(events: list, title: str = "") -> list:
    """The events of one story with each death (and wound) counted once.

    ``events`` are a story's events in sentence order (any type; only casualties
    change) and ``title`` its headline.  News tells a death more than once, so:

    * in a story whose headline is about a disaster, an accident or a crime,
      casualty sentences with nothing of war about them are not casualties;
    * a day's round-up gives way to the incidents told beside it;
    * the story is cut into incidents: a sentence that says "another",
      "separate", "more" or moves to a new place ("In Kandahar, ...") after a
      sentence about one attack starts a new one;
    * in one incident, the first figure (the headline or lead sentence) sums up
      the figures after it: a figure told again is dropped, and details that do
      not add up to more than the lead are its parts; details that do replace a
      vague lead ("several insurgents") or a headline about the same victims,
      and add to a precise lead.  Deaths of other victims ("one civilian" after
      "two insurgents") always count.

    An event whose killed figure is folded keeps its wounded figure (and the
    other way round); one left with neither is dropped.  Apply it once per story.
    """
    casualties = [e for e in events if isinstance(e, Casualty)]
    if not casualties:
        return events
    headline = " ".join(title.split())
    dropped = _not_war_story(casualties, headline)
    current = [e for e in casualties if id(e) not in dropped and e.scope == "incident" and not e.historical]
    once = _Once()
    counted = {what: {id(e) for e in _counted(current, what, headline, once)} for what in ("killed", "wounded")}
    folding = {id(e) for e in current}
    out = []
    for event in events:
        if id(event) in folding:
            event = _keep(event, id(event) in counted["killed"], id(event) in counted["wounded"])
        if event is not None and id(event) not in dropped:
            out.append(event)
    return out


def _keep(event: Casualty, killed: bool, wounded: bool) -> Casualty | None:
    """The event with only the figures that still count, or None."""
    killed = killed and event.killed is not None
    wounded = wounded and event.wounded is not None
    if not killed and not wounded:
        return None
    if killed == (event.killed is not None) and wounded == (event.wounded is not None):
        return event
    return replace(event, killed=event.killed if killed else None, killed_high=event.killed_high if killed else None,
                   wounded=event.wounded if wounded else None, wounded_high=event.wounded_high if wounded else None)


def _not_war_story(casualties: list[Casualty], headline: str) -> set[int]:
    """Casualties of a disaster or crime story told in sentences that name no war:
    "Gunman kills four at nightclub" ... "six people were wounded"."""
    low = lower(headline)
    if not headline or _cue(low) != "not war" or any(_its_own_fighting(low, e.conflict) for e in casualties):
        return set()
    needed = WAR_RE if CRIME_RE.search(low) else VIOLENCE_RE
    return {id(e) for e in casualties if not needed.search(lower(e.evidence))}


class _Once:
    """Tests of one story's sentences, each run once: a story is folded twice
    (killed, then wounded) over the same sentences."""

    def __init__(self) -> None:
        self._found: dict[tuple, bool] = {}

    def __call__(self, test, text: str) -> bool:
        key = (test, text)
        if key not in self._found:
            self._found[key] = test(text)
        return self._found[key]


def _is_rollup(evidence: str) -> bool:
    return bool(_ROLLUP_RE.search(evidence))


def _is_additional(evidence: str) -> bool:
    return bool(_ADDITIONAL_RE.search(_WOUNDED_ANOTHER_RE.sub("", evidence)))


def _is_new_place(evidence: str) -> bool:
    return bool(_NEW_PLACE_RE.match(evidence))


def _is_aggregate(evidence: str) -> bool:
    return bool(_AGGREGATE_RE.search(evidence))


def _counted(events: list[Casualty], what: str, headline: str, once: _Once) -> list[Casualty]:
    """The events whose ``what`` figure counts towards the story's total."""
    told = [e for e in events if getattr(e, what)]
    if len(told) < 2:
        return told  # a single figure counts, whatever it is
    details = [e for e in told if not once(_is_rollup, e.evidence)]
    if details and len(details) < len(told) and any(e.evidence != headline for e in details):
        told = details
    counted: list[Casualty] = []
    for incident in _incidents(told, headline, once):
        counted.extend(_incident_counted(incident, what, headline))
    return counted


def _incidents(events: list[Casualty], headline: str, once: _Once) -> list[list[Casualty]]:
    """Consecutive figures of one attack, split where the story moves on."""
    incidents: list[list[Casualty]] = []
    for event in events:
        current = incidents[-1] if incidents else None
        if current is None or _moves_on(event, current, headline, once):
            incidents.append([event])
        elif event.evidence != current[-1].evidence:
            current.append(event)
        else:  # two figures of one sentence are two groups, not a restatement
            incidents.append([event])
    return incidents


def _moves_on(event: Casualty, incident: list[Casualty], headline: str, once: _Once) -> bool:
    if once(_is_additional, event.evidence):
        return True
    told_in_body = any(e.evidence != headline for e in incident)
    return (told_in_body and once(_is_new_place, event.evidence)
            and not once(_is_aggregate, incident[0].evidence))


def _incident_counted(incident: list[Casualty], what: str, headline: str) -> list[Casualty]:
    lead, rest = incident[0], []
    others = []  # other victims than the lead's: never part of its figure
    for event in incident[1:]:
        if not _compatible(lead, event):
            others.append(event)
        elif not any(getattr(event, what) == getattr(e, what) and _compatible(e, event) for e in [lead, *rest]):
            rest.append(event)
    if not rest or sum(getattr(e, what) for e in rest) <= getattr(lead, what):
        return [lead, *others]
    if _is_vague(lead, what) or (
            lead.evidence == headline and all(_within(lead, e) for e in rest)):
        return [*rest, *others]  # a vague lead or the headline's victims, told in full below
    return [lead, *rest, *others]


def _is_vague(event: Casualty, what: str) -> bool:
    """A figure read from a vague word ("several insurgents"), not a number."""
    figure = getattr(event, what)
    return any(VAGUE.get(" ".join(m.group().split())) == figure for m in _VAGUE_RE.finditer(lower(event.evidence)))


def _within(lead: Casualty, event: Casualty) -> bool:
    """A figure that names no other victims than the lead's ("16 Hamas operatives"
    after "Six killed in Israel" does)."""
    return event.victims in (None, lead.victims) and event.side in (None, lead.side)


def _compatible(a: Casualty, b: Casualty) -> bool:
    """Figures that can be of the same victims: same or unnamed group and side."""
    return all(None in (x, y) or x == y for x, y in ((a.victims, b.victims), (a.side, b.side)))
