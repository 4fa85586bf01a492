"""Conflict gazetteer: which conflict a sentence is about, and who and where.

The names live in ``data/conflicts.toml`` (commented data, not code). All names
are compiled into one trie-shaped regular expression, so finding every name in
a sentence is a C-level scan however long the gazetteer grows (in practice a
quick look for the few names that start in lower case, then a scan for the
others: see ``mentions``).

A conflict is chosen by score: a place or conflict alias counts 3, a party name
or demonym counts 2, and a name shared by several conflicts ("Israel") is split
evenly between them. Ties go to the conflict listed first in the data file.
Outside actors (mediators such as France or the UN) canonicalise names but
never decide a conflict.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import timedelta, timezone, tzinfo
from functools import lru_cache
from importlib import resources
from re import _constants as _sre  # the standard library's own regex parser and its codes
from re import _parser
from typing import TypeVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sitmon.extract import programs
from sitmon.extract.subpatterns import by_first_character

PLACE, ALIAS, NAME, PARTY, ACTOR = "place", "alias", "name", "party", "actor"
_WEIGHT = {PLACE: 3.0, ALIAS: 3.0, NAME: 3.0, PARTY: 2.0, ACTOR: 0.0}
_QUOTE_CLASS = "['\u2019]"
_HYPHEN_CLASS = "[-\u2010\u2011]"
_NORMALISE = str.maketrans({"\u2019": "'", "\u2010": "-", "\u2011": "-"})
R = TypeVar("R")  # a finder's compiled rules
# The rules' patterns are compiled by ``programs.compile``: ``re.compile``'s twin that keeps
# their programs on disk, for the next process's start (see programs.py).


@dataclass(frozen=True)
class Entry:
    """What one name means: a place, alias or party of a conflict, or an outside actor."""

    conflict: str | None
    kind: str
    name: str  # canonical: the party or actor name, or the place as listed
    demonym: bool = False  # "Russian" names Russia but is no place or subject on its own


@dataclass(frozen=True)
class Meaning:
    """Everything one listed name means, with the tests callers ask of it worked out once
    (the finders ask them of every name in every event sentence)."""

    entries: tuple[Entry, ...]
    is_place: bool  # a place or theatre name of some conflict
    is_demonym: bool  # "Russian": names a side, but is no place or subject on its own
    votes: bool  # counts towards a conflict (outside actors do not)
    conflicts: frozenset[str]  # the conflicts it belongs to
    party_of: frozenset[str]  # the conflicts it names a party of
    actor: Entry | None  # its first outside-actor meaning
    named: Entry | None  # its first party or actor meaning
    own: dict[str, Entry] = field(compare=False, hash=False)  # conflict -> its first meaning in that conflict
    weights: tuple[tuple[str, float], ...]  # what it adds to each conflict's score
    # (conflict, actors) -> the name ``Gazetteer.parties`` gives it, filled on first use
    party_names: dict = field(default_factory=dict, compare=False, hash=False)

    @classmethod
    def of(cls, entries: Iterable[Entry]) -> Meaning:
        entries = tuple(entries)
        named = [e for e in entries if e.kind in (PARTY, ACTOR)]
        own: dict[str, Entry] = {}
        for entry in entries:
            if entry.conflict is not None:
                own.setdefault(entry.conflict, entry)
        return cls(
            entries,
            is_place=any(e.kind in (PLACE, ALIAS) for e in entries),
            is_demonym=bool(named) and all(e.demonym for e in named),
            votes=any(e.conflict for e in entries),
            conflicts=frozenset(own),
            party_of=frozenset(e.conflict for e in entries if e.kind == PARTY and e.conflict is not None),
            actor=next((e for e in entries if e.kind == ACTOR), None),
            named=named[0] if named else None,
            own=own,
            weights=_term_weights(entries),
        )

    def party_name(self, conflict: str | None, actors: bool) -> str | None:
        """The party (or, if *actors*, outside actor) this name stands for in *conflict*."""
        key = (conflict, actors)
        try:
            return self.party_names[key]
        except KeyError:
            entry = _party_entry(self.entries, conflict, actors)
            name = self.party_names[key] = entry.name if entry is not None else None
            return name


class Mention:
    """One name found in a text: where, as written, and what it means."""

    __slots__ = ("start", "end", "text", "term", "meaning")

    def __init__(self, start: int, end: int, text: str, term: str, meaning: Meaning) -> None:
        self.start, self.end, self.text, self.term, self.meaning = start, end, text, term, meaning

    def __repr__(self) -> str:
        return f"Mention({self.start}, {self.end}, {self.text!r})"

    @property
    def entries(self) -> tuple[Entry, ...]:
        return self.meaning.entries

    def entry(self, conflict: str | None = None) -> Entry:
        """The most fitting meaning, preferring *conflict*'s own."""
        meaning = self.meaning
        return meaning.own.get(conflict) or meaning.entries[0]  # (no meaning has conflict None)

    @property
    def is_place(self) -> bool:
        return self.meaning.is_place

    @property
    def is_demonym(self) -> bool:
        return self.meaning.is_demonym

    def votes(self) -> bool:
        return self.meaning.votes


def names_conflict(mentions: list[Mention]) -> bool:
    """Whether one of *mentions* names a conflict (counts towards one): the finders' test
    of a war context (a loop, cheaper than any() over a generator)."""
    for mention in mentions:
        if mention.meaning.votes:
            return True
    return False


class Mentions(list):
    """The mentions of one text, and the stretches where the names pattern matched but
    gave no mention (inside a word, or an unlisted spelling): those are passed over all
    the same, which ``_mentions_within`` must know."""

    skipped: tuple[tuple[int, int], ...] = ()

    def skip(self, start: int, end: int) -> None:
        self.skipped = (*self.skipped, (start, end))


def _mentions_within(
    text: str, mentions: list[Mention], start: int, end: int, last_letters: frozenset[str],
) -> list[Mention] | None:
    """The mentions a scan of ``text[start:end]`` alone would find (with *text*'s offsets),
    or None when they may differ from the whole text's: where a match of the names
    pattern straddles an end of the stretch, where a name starting the stretch follows
    a letter (the whole text passes it over, the stretch alone would not), or where the
    stretch is cut right after what can end a name (*last_letters*) and before a letter
    (a name there, shorter than the whole text's, would end at the cut)."""
    if not isinstance(mentions, Mentions):
        return None  # (a plain list does not say what was skipped)
    end = min(end, len(text))
    if start >= end:
        return []
    if end < len(text) and (text[end].isalnum() or text[end] == "_") and text[end - 1] in last_letters:
        return None
    after_letter = start > 0 and (text[start - 1].isalnum() or text[start - 1] == "_")
    within = []
    for mention in mentions:  # (in text order: those from *end* on can neither straddle nor fall within)
        first, last = mention.start, mention.end
        if first >= end:
            break
        if first < start < last or end < last or (first == start and after_letter):
            return None
        if start <= first:
            within.append(mention)
    for first, last in mentions.skipped:
        if first < start < last or first < end < last or (first == start and after_letter):
            return None
    return within


@dataclass(frozen=True)
class ConflictInfo:
    name: str
    parties: tuple[str, ...]
    clock: tzinfo | None  # local time: its zone (summer time included) or a fixed offset
    army: str | None = None  # the party a bare "the army" means
    rebels: str | None = None  # the party a bare "the rebels" means


class Gazetteer:
    """Names of conflicts, their parties and places, with fast lookup."""

    def __init__(
        self, conflicts: Iterable[dict], actors: Iterable[dict] = (), neutral_places: Iterable[str] = ()
    ) -> None:
        self._entries: dict[str, list[Entry]] = {}
        self.conflicts: dict[str, ConflictInfo] = {}
        self._order: dict[str, int] = {}
        for spec in conflicts:
            self._add_conflict(spec)
        for spec in actors:
            for name in _names(spec):
                self._add(name, Entry(None, ACTOR, spec["name"]))
            for name in _demonym_list(spec):
                self._add(name, Entry(None, ACTOR, spec["name"], demonym=True))
        for place in neutral_places:
            self._add(place, Entry(None, PLACE, place))
        self._meanings = {term: Meaning.of(entries) for term, entries in self._entries.items()}
        # names written in capitals ("RSF", "M23"): kept so when a shouted headline is recased
        self.acronyms = frozenset(w for term in self._entries for w in re.split(r"[\s-]+", term) if w.isupper())
        self._pattern = _compile(self._entries)
        # Most names start with a capital; the few that do not ("al-Shabaab", "eastern
        # Congo") make the whole pattern stop at every "a", "e" or "s" of a text. Where
        # none of those can match, the other names' pattern finds the same names (a match
        # is decided by its first letter's branch alone) twice as fast. A text can hold
        # one only if it holds a piece of one as written ("Shabaab", "eastern Congo"):
        # a quick ``presence`` test, passed by few texts.
        lower_first = {term for term in self._entries if term[0].islower()}
        self._lower_first_gate = presence(_literal_pieces(lower_first)) if lower_first else None
        self._capital_first = _compile(term for term in self._entries if term not in lower_first)
        # what a name can end with (as the pattern spells it): see _mentions_within
        self._last_letters = frozenset(c for term in self._entries for c in _char_variants(term[-1]))

    # -- building -------------------------------------------------------------

    def _add_conflict(self, spec: dict) -> None:
        name = str(spec["name"]).strip()
        if not name:
            return
        self._order.setdefault(name, len(self._order))
        parties = [_party_spec(p) for p in spec.get("party", spec.get("parties", []))]
        demonyms = spec.get("demonyms") or {}
        if isinstance(demonyms, dict):  # user config: {"Sidean": "Side A"}
            for demonym, party in demonyms.items():
                self._add(demonym, Entry(name, PARTY, str(party), demonym=True))
        for party in parties:
            for term in _names(party):
                self._add(term, Entry(name, PARTY, party["name"]))
            for term in _demonym_list(party):
                self._add(term, Entry(name, PARTY, party["name"], demonym=True))
        for term in spec.get("aliases", []):
            self._add(term, Entry(name, ALIAS, term))
        self._add(name, Entry(name, NAME, name))
        for term in spec.get("places", []):
            self._add(term, Entry(name, PLACE, term))
        known = self.conflicts.get(name)  # a user entry may extend a shipped conflict
        party_names = tuple(_unique([*(known.parties if known else ()), *(p["name"] for p in parties)]))
        clock = _local_clock(spec) or (known.clock if known else None)
        army = spec.get("army") or (known.army if known else None)
        rebels = spec.get("rebels") or (known.rebels if known else None)
        self.conflicts[name] = ConflictInfo(name, party_names, clock, army, rebels)

    def _add(self, term: str, entry: Entry) -> None:
        term = term.strip()
        if not term:
            return
        variants = {term}
        if term[0].islower():
            variants.add(term[0].upper() + term[1:])
        for variant in variants:
            entries = self._entries.setdefault(variant, [])
            if entry not in entries:
                entries.append(entry)

    # -- lookup ---------------------------------------------------------------

    def mentions(self, text: str) -> Mentions:
        """Every gazetteer name in *text*, left to right, longest first."""
        found = Mentions()
        meanings = self._meanings
        pattern = self._capital_first
        if self._lower_first_gate is not None and self._lower_first_gate.search(text):
            pattern = self._pattern
        for match in pattern.finditer(text):
            start, end = match.span()
            # The word-start check is done here, not in the regex: a leading
            # lookbehind would defeat the regex engine's first-character scan.
            if start and (text[start - 1].isalnum() or text[start - 1] == "_"):
                found.skip(start, end)
                continue
            written = match.group()
            term = written.translate(_NORMALISE) if not written.isascii() else written
            meaning = meanings.get(term)
            if meaning is None:
                found.skip(start, end)
            else:
                found.append(Mention(start, end, written, term, meaning))
        return found

    def parties_within(
        self, text: str, mentions: list[Mention], start: int, end: int, conflict: str | None = None,
        actors: bool = True,
    ) -> list[str]:
        """``parties(text[start:end], conflict, actors=actors)``, read off *mentions* (all of
        *text*'s, as ``mentions`` gives them) when the stretch's names are sure to be the same,
        else by scanning the stretch (the finders look for a side in many short stretches of
        a sentence whose names are already known)."""
        within = _mentions_within(text, mentions, start, end, self._last_letters)
        if within is None:
            return self.parties(text[start:end], conflict, actors=actors)
        return self.parties("", conflict, within, actors)

    def scores(self, mentions: Iterable[Mention]) -> dict[str, float]:
        """Conflict -> score for a set of mentions (each distinct name counted once)."""
        return self.text_scores([list(mentions)])[1]

    def text_scores(self, texts: list[list[Mention]]) -> tuple[list[dict[str, float]], dict[str, float]]:
        """``scores`` of each text's mentions and of all texts' together, in one pass
        (the extractor scores every sentence and the whole story)."""
        each: list[dict[str, float]] = []
        total: dict[str, float] = {}
        seen_in_all: set[str] = set()
        for mentions in texts:
            scores: dict[str, float] = {}
            seen: set[str] = set()
            for mention in mentions:
                term = mention.term
                if term in seen:
                    continue
                seen.add(term)
                weights = mention.meaning.weights
                for conflict, weight in weights:
                    scores[conflict] = scores.get(conflict, 0.0) + weight
                if term not in seen_in_all:  # (a name's first mention in all texts is its first in its own)
                    seen_in_all.add(term)
                    for conflict, weight in weights:
                        total[conflict] = total.get(conflict, 0.0) + weight
            each.append(scores)
        return each, total

    def best(self, scores: dict[str, float]) -> str | None:
        """The top-scoring conflict; ties go to the one listed first."""
        if len(scores) < 2:
            return next(iter(scores), None)  # most texts name one conflict: nothing to rank
        return min(scores, key=lambda c: (-scores[c], self._order.get(c, 1 << 30)))

    def conflict_of(self, text: str) -> str | None:
        return self.best(self.scores(self.mentions(text)))

    def find_places(self, text: str, mentions: list[Mention] | None = None) -> list[str]:
        """Places (and theatre names) of any conflict named in *text*, in order."""
        mentions = self.mentions(text) if mentions is None else mentions
        return _unique(m.text for m in mentions if m.is_place)

    def parties(
        self, text: str, conflict: str | None = None, mentions: list[Mention] | None = None,
        actors: bool = True,
    ) -> list[str]:
        """Canonical parties (and, if *actors*, outside actors) named in *text*, in order."""
        mentions = self.mentions(text) if mentions is None else mentions
        names = []
        for mention in mentions:
            name = mention.meaning.party_name(conflict, actors)
            if name is not None:
                names.append(name)
        return list(dict.fromkeys(names)) if len(names) > 1 else names  # (``_unique`` inline: a hot path)

    def canonical(self, phrase: str, conflict: str | None = None) -> str | None:
        """The canonical party or actor a phrase names ("Russian forces" -> "Russia")."""
        found = self.parties(phrase, conflict)
        return found[0] if found else None

    def clock(self, conflict: str | None) -> tzinfo | None:
        """The conflict's local time, which "at midnight" and "5pm local time" are read on."""
        info = self.conflicts.get(conflict or "")
        return info.clock if info else None


def _party_entry(entries: tuple[Entry, ...], conflict: str | None, actors: bool) -> Entry | None:
    best = None
    for entry in entries:
        if entry.kind == PARTY and (entry.conflict == conflict or best is None):
            best = entry
            if entry.conflict == conflict:
                break
        elif entry.kind == ACTOR and actors and best is None:
            best = entry
    return best


def _party_spec(party: dict | str) -> dict:
    if isinstance(party, str):
        return {"name": party, "aliases": [party], "demonyms": []}
    return party


def _names(spec: dict) -> list[str]:
    return [str(spec["name"]), *map(str, spec.get("aliases", []))]


def _demonym_list(spec: dict) -> list[str]:
    demonyms = spec.get("demonyms", [])
    return [str(d) for d in demonyms] if isinstance(demonyms, list) else []


def _term_weights(entries: tuple[Entry, ...]) -> tuple[tuple[str, float], ...]:
    """(conflict, weight) of each meaning of one name; a name shared by n conflicts counts 1/n to each."""
    shared = len(_unique(e.conflict for e in entries if e.conflict is not None))
    return tuple((e.conflict, _WEIGHT[e.kind] / max(1, shared)) for e in entries if e.conflict is not None)


def _unique(items: Iterable) -> list:
    return list(dict.fromkeys(items))


def _local_clock(spec: dict) -> tzinfo | None:
    """A conflict's ``zone`` ("Europe/Kyiv": a truce from midnight in July starts at 21:00
    UTC, in January at 22:00), else its fixed ``utc`` offset; the offset too where the
    zone is unknown here."""
    zone = spec.get("zone")
    if zone:
        try:
            return ZoneInfo(str(zone))
        except (ZoneInfoNotFoundError, ValueError):
            pass
    return _parse_utc(spec.get("utc"))


def _parse_utc(text: str | None) -> timezone | None:
    match = re.fullmatch(r"([+-])(\d{1,2}):?(\d{2})", (text or "").strip())
    if not match:
        return None
    minutes = int(match.group(2)) * 60 + int(match.group(3))
    return timezone(timedelta(minutes=minutes if match.group(1) == "+" else -minutes))


def _literal_pieces(terms: Iterable[str]) -> set[str]:
    """For each name, its longest piece that the names pattern reads only as written
    (not across a quote or a hyphen, which it reads in several spellings: ``_char``)."""
    return {max(re.split(r"['-]", term), key=len) for term in terms}


def _compile(terms: Iterable[str]) -> re.Pattern:
    """One regex for all names, shaped as a trie so matching stays linear."""
    body = _names_text(tuple(sorted(terms))) or "(?!)"  # sorted: a set's order changes between processes
    return programs.compile(body + r"(?![\w])")


@programs.persisted(__file__)  # built at every start: kept in the cache file with the programs
def _names_text(terms: tuple[str, ...]) -> str:
    return _trie_regex(_build_trie(terms), _name_text)


@programs.persisted(__file__)
def _phrases_text(phrases: tuple[str, ...]) -> str:
    """The phrases as one pattern, shaped as a trie."""
    return _trie_regex(_build_trie(phrases), re.escape)


def _trie_regex(node: dict, escape: Callable[[str], str]) -> str:
    """The trie's words as one pattern; *escape* writes a piece of text as a pattern
    (character by character: a run of letters is escaped at once)."""
    # most of a trie is runs of single letters: walked in a loop, not a call per letter
    # (the lexicons' tries hold ~90,000 nodes, built at every process start)
    run = ""
    while len(node) == 1 and "" not in node:
        ((c, node),) = node.items()
        run += c
    head = escape(run) if run else ""
    ends_here = "" in node
    branches = [escape(c) + _trie_regex(child, escape) for c, child in sorted(node.items()) if c]
    if not branches:
        return head
    body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
    if ends_here:
        body = "(?:" + body + ")?"
    return head + body


def _char_variants(char: str) -> str:
    """The characters the names pattern accepts for *char* (see ``_name_text``)."""
    if char == "'":
        return "'\u2019"
    if char == "-":
        return "-\u2010\u2011"
    return char


def _name_text(text: str) -> str:
    """*text* of a name as a pattern: a quote or a hyphen in any of its spellings.
    (``re.escape`` leaves a quote as it is and writes a hyphen as two characters.)"""
    return re.escape(text).replace("'", _QUOTE_CLASS).replace("\\-", _HYPHEN_CLASS)


_ESCAPE_OR_UPPER = re.compile(r"(\\.)|([A-Z])")


def lexicon(patterns: Iterable[str], tail: str = r"(?![\w])", flags: int = 0) -> re.Pattern:
    """One regex for a list of lexicon patterns, matched on lower-cased text.

    Patterns are lower-cased (escapes such as \\W kept) and compiled without
    IGNORECASE. Patterns that only spell out a few phrases ("drones?",
    "(?:missile|rocket) attacks?") are expanded and merged into one trie, so the
    engine rejects most positions at the first letter; that and the lower-casing
    keep each lexicon search to a few microseconds per sentence. The other
    patterns join the trie's choice by first character (``_word_choice``).
    *flags* is ``re.ASCII`` for the rules read on ASCII text (see ``ASCII_NOTE``).
    """
    phrases, rest = _spelled_lexicon(tuple(patterns))
    trie = _phrases_text(phrases) if phrases else ""
    body = "|".join(([trie] if trie else []) + [f"(?:{pattern})" for pattern in rest]) or "(?!)"
    return _word_choice(body, tail, flags) if rest else programs.compile(r"\b(?:" + body + ")" + tail, flags)


@programs.persisted(__file__)
def _spelled_lexicon(patterns: tuple[str, ...]) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The lexicon *patterns* lower-cased (escapes kept): the phrases of those that spell
    out a few (in order), and the others."""
    phrases: list[str] = []
    rest: list[str] = []
    for pattern in patterns:
        pattern = _ESCAPE_OR_UPPER.sub(lambda m: m.group(1) or m.group(2).lower(), pattern)
        spelled = spell_out(pattern)
        if spelled:
            phrases.extend(spelled)
        else:
            rest.append(pattern)
    return tuple(phrases), tuple(rest)


def _word_choice(body: str, tail: str, flags: int) -> re.Pattern:
    """``\\b(?:body)tail`` with the alternatives of *body* grouped by first character
    (``subpatterns.by_first_character``), so that a word is turned away at its first
    letter; where some alternative does not spell out how it begins, the
    alternatives are tried only at words that begin as one can (``_start_guard``)."""
    grouped = by_first_character(r"\b(?:" + body + ")" + tail, flags)
    return grouped or programs.compile(r"\b" + _start_guard(body) + "(?:" + body + ")" + tail, flags)


# ASCII_NOTE: the finders read ASCII text (most news) with their lexicons compiled under
# ``re.ASCII``. On ASCII text that changes no match (the patterns are not case-blind,
# so only ``\b``, ``\w``, ``\d`` and ``\s`` differ, and only on other characters), but the
# engine then tests word characters in a table instead of the Unicode database, which
# makes the lexicon scans a fifth faster.


def compiled_twice(compile_rules: Callable[[int], R]) -> tuple[Callable[[], R], Callable[[], R], Callable[[str], R]]:
    """A finder's ``rules()``, ``ascii_rules()`` and ``rules_for(text)``, from its
    ``compile_rules(flags)``: each rule set is compiled once, on first use (see ``ASCII_NOTE``)."""

    @lru_cache(maxsize=1)
    def rules() -> R:
        return compile_rules(0)

    @lru_cache(maxsize=1)
    def ascii_rules() -> R:
        """The rules compiled for ASCII text."""
        return compile_rules(re.ASCII)

    def rules_for(text: str) -> R:
        """The rules to read *text* with: those compiled for ASCII text when it is."""
        return ascii_rules() if text.isascii() else rules()

    return rules, ascii_rules, rules_for


class PhraseTable:
    """Several named lexicon lists in one fast regex: which list matched, where.

    Spelled-out phrases share one trie; other patterns become named groups,
    tried first at each position because they are the longer, more specific
    ones ("push to extend" before "push").
    """

    def __init__(self, table: dict[str, list[str]], tail: str = r"(?![\w])", flags: int = 0) -> None:
        self.phrases: dict[str, str] = {}
        complex_: list[tuple[str, str]] = []
        for name, patterns in table.items():
            phrases, rest = _spelled_lexicon(tuple(patterns))
            for phrase in phrases:
                self.phrases.setdefault(phrase, name)
            complex_.extend((name, pattern) for pattern in rest)
        self._group_names = {f"g{i}": name for i, (name, _) in enumerate(complex_)}
        # The naming group closes each branch instead of opening it: a branch
        # that starts with a group marker cannot be rejected by its first
        # character, which made this scan three times slower.
        parts = [f"(?:{p})(?P<g{i}>)" for i, (_, p) in enumerate(complex_)]
        if self.phrases:
            parts.append(_phrases_text(tuple(self.phrases)))
        body = "|".join(parts) or "(?!)"
        self.pattern = _word_choice(body, tail, flags) if complex_ else programs.compile(r"\b(?:" + body + ")" + tail, flags)

    def name(self, match: re.Match) -> str:
        group = match.lastgroup
        return self._group_names[group] if group else self.phrases[match.group()]


def guarded(patterns: Iterable[str], flags: int = 0) -> re.Pattern:
    """One regex for *patterns* (as written: not lower-cased, no word start required),
    behind the ``_start_guard`` of how their matches begin: a scan of alternatives
    that do not start at a word (", after", " - ") is then tried only where one can."""
    body = "|".join(f"(?:{p})" for p in patterns)
    return programs.compile(_start_guard(body) + "(?:" + body + ")", flags)


@lru_cache(maxsize=64)  # a finder's lexicons are compiled twice (see ASCII_NOTE): one guard each
@programs.persisted(__file__)
def _start_guard(body: str, size: int = 4) -> str:
    """A lookahead for how a match of *body* can begin (its first *size* letters), or "".

    Python's regex engine tries every alternative of a pattern at every word;
    patterns that are not plain phrases cannot be merged into the trie and are
    each tried in turn, which made the lexicons with such patterns up to twice
    as slow. One look at the word's first letters turns most words away before
    any alternative is tried. The beginnings are read from the regex's own parse
    (``_beginnings``), so the guard never turns away a match.
    """
    parsed = _parser.parse(body)
    if parsed.state.flags & re.IGNORECASE:
        return ""
    done, growing = _beginnings(parsed, size, {""})
    starts = done | growing
    if not starts or "" in starts:
        return ""  # some match can begin in a way not spelled out
    starts = {b for b in starts if not any(o != b and b.startswith(o) for o in starts)}
    return "(?=" + _trie_regex(_build_trie(starts), re.escape) + ")"


def _beginnings(items, size: int, partials: set[str]) -> tuple[set[str], set[str]]:
    """How matches of the parsed sequence *items* begin, given the *partials* before it:
    (finished beginnings, beginnings that can still grow). A beginning is finished at
    *size* letters or where the pattern stops being spelled-out text (a class such as
    \\w, a repeat): every match still starts with it."""
    done: set[str] = set()
    for op, av in items:
        growing = {p for p in partials if len(p) < size}
        done |= partials - growing
        partials = growing
        if not partials:
            break
        if op in (_sre.AT, _sre.ASSERT, _sre.ASSERT_NOT):
            continue  # zero-width: consumes nothing
        if op is _sre.LITERAL:
            partials = {p + chr(av) for p in partials}
        elif op is _sre.IN and (chars := _class_chars(av)) and len(chars) <= 10:
            partials = {p + c for p in partials for c in chars}
        elif op is _sre.SUBPATTERN and not av[1] and not av[2]:
            finished, partials = _beginnings(av[3], size, partials)
            done |= finished
        elif op is _sre.BRANCH:
            grown: set[str] = set()
            for branch in av[1]:
                finished, more = _beginnings(branch, size, partials)
                done |= finished
                grown |= more
            partials = grown
        elif op in (_sre.MAX_REPEAT, _sre.MIN_REPEAT) and (av[0], av[1]) == (0, 1):
            finished, more = _beginnings(av[2], size, partials)
            done |= finished
            partials = more | partials
        elif op in (_sre.MAX_REPEAT, _sre.MIN_REPEAT) and av[0] >= 1:  # the first time round, then unknown
            finished, more = _beginnings(av[2], size, partials)
            return done | finished | more, set()
        else:  # not spelled out from here on
            return done | partials, set()
    return done, partials


def _class_chars(items) -> list[str]:
    """The characters of a parsed class such as [a-c], or [] if it has more than
    letters and ranges (\\w, a negation)."""
    chars: list[str] = []
    for op, av in items:
        if op is _sre.LITERAL:
            chars.append(chr(av))
        elif op is _sre.RANGE and av[1] - av[0] < 26:
            chars.extend(map(chr, range(av[0], av[1] + 1)))
        else:
            return []
    return chars


def literal_gate(patterns: Iterable[str], fold: bool = True, avoid: tuple[str, ...] = ()) -> re.Pattern:
    """A cheap necessary test for a list of patterns: every match of any of them
    contains one of a few literal strings, so a text with none of those strings
    cannot match and the costlier scan can be skipped.

    *fold* lower-cases the patterns as ``lexicon`` does (for lower-cased text).
    The strings are found from the regex's own parse: for each pattern, the most
    selective piece every match must consume ("truce", or one of "agree",
    "accept"...). A pattern with no such piece makes the gate always pass. Where a
    pattern offers a choice, strings overlapping one of *avoid* (words every text the
    gate sees holds anyway) are passed over.
    """
    needed = needed_strings(patterns, fold, avoid)
    if needed is None:
        return re.compile("")  # matches everywhere: no test
    # Without their outer spaces words are still needed, and a gate whose strings
    # start with letters skips faster from one candidate to the next (" - " keeps its).
    needed = {w.strip() if len(w.strip()) >= 3 else w for w in needed}
    return presence(needed)


# Characters from the commonest to the rarest in lower-cased news text; any other
# (a digit, a capital, punctuation) is rarer still.
_BY_FREQUENCY = " etaoinsrhldcumfpgwybvkxjqz"


def presence(strings: Iterable[str]) -> re.Pattern:
    """A pattern whose ``search`` tells whether one of *strings* is in a text (for yes/no
    tests only: a match starts inside its string).

    The engine skips fast to the characters a pattern can start with and tries the
    pattern at each.  A choice of words starts with most letters, so it is tried
    nearly everywhere; here each string is tried at its rarest character, where a
    look-behind checks the characters before it ("ceasefire" at its "f"): on the
    shipped gates a tenth to a half less time than a trie of the strings.
    """
    strings = set(strings)
    strings = {s for s in strings if not any(o != s and o in s for o in strings)}  # "cease" covers "ceasefire"
    by_anchor: dict[str, list[str]] = {}
    for string in sorted(strings):
        at = max(range(len(string)), key=lambda i: _BY_FREQUENCY.find(string[i]) % 99)  # (-1: rarest)
        before = rf"(?<={re.escape(string[:at + 1])})" if at else ""
        by_anchor.setdefault(string[at], []).append(before + re.escape(string[at + 1:]))
    return programs.compile("|".join(f"{re.escape(anchor)}(?:{'|'.join(tries)})" for anchor, tries in by_anchor.items()))


def needed_strings(patterns: Iterable[str], fold: bool = True, avoid: tuple[str, ...] = ()) -> tuple[str, ...] | None:
    """The strings of ``literal_gate``: one of them is in every match of any of
    *patterns* (None when some pattern needs none). A short tuple is tested
    faster with ``in`` than with a regex."""
    needed: set[str] = set()
    for pattern in patterns:
        if fold:
            pattern = _ESCAPE_OR_UPPER.sub(lambda m: m.group(1) or m.group(2).lower(), pattern)
        parsed = _parser.parse(pattern)
        found = None if parsed.state.flags & re.IGNORECASE else _needed(parsed, avoid)
        if not found:
            return None
        needed |= found
    # "cease" covers "ceasefire"
    return tuple(sorted(w for w in needed if not any(o != w and o in w for o in needed)))


class Gated:
    """A regex behind its cheap necessary test: texts with none of the strings one of
    which every match contains (``needed_strings``) are not scanned at all.

    A case-blind regex is tested on the lower-cased text (see ``may_contain``). Up to a
    dozen strings are tested with ``in`` (each a fast C search, cheaper than a scan of the
    regex engine, which costs about a microsecond a sentence); more, with one ``presence`` scan.
    """

    __slots__ = ("regex", "pattern", "_strings", "_gate", "_fold")

    def __init__(self, regex: re.Pattern, strings: tuple[str, ...]) -> None:
        self.regex, self.pattern = regex, regex.pattern
        self._strings = strings
        self._fold = bool(regex.flags & re.IGNORECASE)
        self._gate = None if len(strings) <= 12 or self._fold else presence(strings)

    def may_match(self, text: str, low: str | None = None) -> bool:
        """Whether *text* (*low*: its ``lower``, when the caller has it) can match."""
        if self._fold:
            return may_contain(text, self._strings, low)
        if self._gate is not None:
            return self._gate.search(text) is not None
        return contains_any(text, self._strings)

    def search(self, text: str, *span: int) -> re.Match | None:
        return self.regex.search(text, *span) if self.may_match(text) else None

    def finditer(self, text: str, *span: int):
        return self.regex.finditer(text, *span) if self.may_match(text) else iter(())

    def sub(self, repl, text: str) -> str:
        return self.regex.sub(repl, text) if self.may_match(text) else text


def gated(regex: re.Pattern, avoid: tuple[str, ...] = ()) -> Gated | re.Pattern:
    """*regex* behind its literal test, or *regex* itself when some match needs no literal
    (*avoid*: see ``literal_gate``)."""
    strings = needed_strings([regex.pattern], fold=False, avoid=avoid)
    if strings and regex.flags & re.IGNORECASE:
        if not all(w.isascii() for w in strings):
            return regex  # case-folding beyond ASCII ("\u03c2" and "\u03c3") is more than lower() does
        strings = tuple(sorted({w.lower() for w in strings}))  # tested on the lower-cased text
    return Gated(regex, strings) if strings else regex


# Characters a case-blind pattern matches as an ASCII letter though ``lower`` does
# not make them one ("\u017f" is "s", "\u0131" is "i"): a text with one of them must
# not be turned away by a test for lower-case strings.
ODD_CASE = re.compile("[\u0130\u0131\u017f\u212a]")


def may_contain(text: str, strings: tuple[str, ...] | None, low: str | None = None) -> bool:
    """False only when a case-blind pattern whose ``needed_strings`` are *strings*
    cannot match *text* (any case): none of them is in the lower-cased text.

    *low* is ``lower(text)`` when the caller has it: it equals ``text.lower()``
    unless the text holds "\u0130" (whose lower case is two letters), which
    ``ODD_CASE`` lets through anyway."""
    if strings is None or (not text.isascii() and ODD_CASE.search(text)):
        return True
    return contains_any(text.lower() if low is None else low, strings)


def contains_any(text: str, strings: Iterable[str]) -> bool:
    """Whether one of *strings* is in *text* (a plain loop: cheaper than any() over a generator)."""
    for string in strings:
        if string in text:
            return True
    return False


def _needed(items, avoid: tuple[str, ...] = ()) -> set[str] | None:
    """Strings one of which every match of the parsed sequence *items* consumes, or None;
    not, where there is a choice, strings that overlap one of *avoid*."""
    candidates: list[set[str]] = []
    run = ""
    for op, av in items:
        if op is _sre.LITERAL:
            run += chr(av)
            continue
        if run:
            candidates.append({run})
            run = ""
        inner = None
        if op is _sre.BRANCH:
            options = [_needed(branch, avoid) for branch in av[1]]
            inner = set().union(*options) if all(options) else None
        elif op is _sre.SUBPATTERN and not av[1] and not av[2]:  # no inline flags such as (?i:...)
            inner = _needed(av[3], avoid)
        elif op in (_sre.MAX_REPEAT, _sre.MIN_REPEAT) and av[0] >= 1:
            inner = _needed(av[2], avoid)
        elif op is _sre.IN and len(chars := _class_chars(av)) <= 10:  # "[;:]": one of a few characters
            inner = set(chars)
        if inner:
            candidates.append(inner)
    if run:
        candidates.append({run})
    if avoid:
        candidates = [c for c in candidates if not any(a in w or w in a for w in c for a in avoid)] or candidates
    # Fewest strings of at least three letters, then the longest: those are the rarest.
    good = [c for c in candidates if min(map(len, c)) >= 3]
    if good:
        return min(good, key=lambda c: (len(c), -min(map(len, c))))
    return max(candidates, key=lambda c: min(map(len, c)), default=None)


def spell_out(pattern: str, limit: int = 400) -> list[str] | None:
    """Every phrase a simple pattern matches, or None if it is not simple."""
    spelled = _spelled(pattern, limit)
    return list(spelled) if spelled is not None else None


@lru_cache(maxsize=4096)  # each lexicon pattern is spelled for both rule sets (see ASCII_NOTE)
def _spelled(pattern: str, limit: int) -> tuple[str, ...] | None:
    try:
        spelled = _spell(_parser.parse(pattern), limit)
    except Exception:  # any construct we do not enumerate: keep the pattern as a regex
        return None
    return tuple(spelled) if spelled and all(spelled) else None


def _spell(items, limit: int) -> list[str]:
    out = [""]
    for op, av in items:
        name = str(op)
        if name == "LITERAL":
            options = [chr(av)]
        elif name == "IN" and all(str(o) == "LITERAL" for o, _ in av):
            options = [chr(c) for _, c in av]
        elif name == "BRANCH":
            options = [w for branch in av[1] for w in _spell(branch, limit)]
        elif name == "SUBPATTERN" and av[0] is None and not av[1] and not av[2]:
            options = _spell(av[3], limit)
        elif name in ("MAX_REPEAT", "MIN_REPEAT") and av[0] == 0 and av[1] == 1:
            options = [""] + _spell(av[2], limit)
        else:
            raise ValueError(name)
        out = [a + b for a in out for b in options]
        if len(out) > limit:
            raise ValueError("too many phrases")
    return out


def _build_trie(terms: Iterable[str]) -> dict:
    trie: dict = {}
    for term in terms:
        node = trie
        for char in term:
            node = node.setdefault(char, {})
        node[""] = {}
    return trie


def lower(text: str) -> str:
    """Lower-cased *text* with the same length, so offsets carry over."""
    folded = text.lower()
    if len(folded) == len(text):
        return folded
    return "".join(c if len(c.lower()) != 1 else c.lower() for c in text)


def load_data(name: str) -> dict:
    """A TOML data file shipped in ``sitmon/data``."""
    with resources.files("sitmon.data").joinpath(name).open("rb") as handle:
        return tomllib.load(handle)


@lru_cache(maxsize=8)
def _default_data() -> dict:
    return load_data("conflicts.toml")


def build_gazetteer(extra_conflicts: Iterable[dict] = ()) -> Gazetteer:
    """The shipped gazetteer plus conflicts from the user's config."""
    data = _default_data()
    return Gazetteer(
        [*data.get("conflict", []), *extra_conflicts], data.get("actor", []), data.get("neutral_places", [])
    )


@lru_cache(maxsize=1)
def default_gazetteer() -> Gazetteer:
    return build_gazetteer()


def find_places(sentence: str) -> list[str]:
    """Places of known conflicts named in *sentence* (shipped gazetteer)."""
    return default_gazetteer().find_places(sentence)


def canonical_party(phrase: str, conflict: str | None = None) -> str | None:
    """Canonical party or actor for a phrase, using the shipped gazetteer."""
    return default_gazetteer().canonical(phrase, conflict)
