"""Reading quantities in news text.

Digits with separators ("1,200", "2.5 million"), number words ("twenty-three",
"one hundred and twelve", "a dozen"), vague quantities ("dozens of", "scores",
"tens of thousands") valued as DESIGN.md says, bounds ("at least 12", "up to
30"), and ranges ("10 to 15", "between 5 and 8", "two or three").

Every quantity found gets a ``kind``: only ``count`` quantities can be casualty
figures; years, dates, times, ages, percentages, money and measures are read
so that callers can skip them.  The vague-quantity table lives in
``data/casualty.toml`` next to the other casualty lexicons.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, replace
from functools import lru_cache
from importlib import resources

from sitmon.extract import programs
from sitmon.extract.subpatterns import ascii_twin

_LEX = tomllib.loads(resources.files("sitmon.data").joinpath("casualty.toml").read_text("utf-8"))

UNITS = {
    "zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6,
    "seven": 7, "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12,
    "thirteen": 13, "fourteen": 14, "fifteen": 15, "sixteen": 16, "seventeen": 17,
    "eighteen": 18, "nineteen": 19, "twenty": 20, "thirty": 30, "forty": 40,
    "fourty": 40, "fifty": 50, "sixty": 60, "seventy": 70, "eighty": 80, "ninety": 90,
}
SCALES = {"hundred": 100, "thousand": 1000, "million": 1_000_000, "billion": 1_000_000_000}
PLURAL_SCALES = {"hundreds": 100, "thousands": 1000, "millions": 1_000_000}
VAGUE: dict[str, int] = _LEX["vague"]
LOWER_BOUNDS: list[str] = _LEX["bounds"]["lower"]
UPPER_BOUNDS: list[str] = _LEX["bounds"]["upper"]

# Words before a number that make it no count: a date, money, an identifier.
_MONTH_WORDS = ("jan january feb february mar march apr april may jun june jul july aug august "
                "sep sept september oct october nov november dec december").split()
_CURRENCY_WORDS = ["us", "rs", "usd", "eur"]
_ID_WORDS = """no. number nos. # resolution article flight route magnitude level category page grade
    section highway road unit brigade battalion regiment division hill height checkpoint block sector
    zone district""".split()


def alternation(phrases) -> str:
    """Regex alternation of phrases; a space matches any whitespace.

    Built as a trie ("kill(?:ed|ing|s)?") because Python's regex engine tries a
    flat alternation of hundreds of words one by one at every position; longer
    phrases are still tried first ("a dozen" before "a")."""
    trie: dict = {}
    for phrase in phrases:
        node = trie
        for char in phrase:
            node = node.setdefault(char, {})
        node[""] = {}
    return _trie_regex(trie)


def _trie_regex(node: dict) -> str:
    branches = [(r"\s+" if char == " " else re.escape(char)) + _trie_regex(child)
                for char, child in sorted(node.items()) if char]
    if not branches:
        return ""
    body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
    return f"(?:{body})?" if "" in node else body


MONTHS = rf"(?:{alternation(_MONTH_WORDS)})"
_WORD = rf"(?:{alternation(list(UNITS) + list(SCALES) + ['dozen'])})"
_AFTER_SCALE = r"(?:(?<=hundred)|(?<=thousand)|(?<=million)|(?<=billion))"
_WORDNUM = (rf"(?:(?:a|one)\s+(?=(?:hundred|thousand|million|billion|dozen)\b))?{_WORD}"
            rf"(?:[\s-]+{_WORD}|{_AFTER_SCALE}\s+and\s+{_WORD})*")
_DIGITNUM = (r"(?<![\w$£€.,/#])(?<![a-z]-)(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?"
             r"(?:\s+(?:million|billion|thousand|hundred)|(?<=\d)(?:m|bn))?(?!\w)")
_VAGUE = (rf"(?:{alternation(VAGUE)})(?:\s+(?:of\s+)?(?:thousands|hundreds|millions|hundred|"
          rf"thousand|million))?(?:\s+of\b)?")
_BOUND = rf"(?:{alternation(LOWER_BOUNDS + UPPER_BOUNDS)})\s+"

QUANTITY_RE = programs.compile(
    rf"(?<!\w)(?P<bound>{_BOUND})?(?P<num>{_DIGITNUM}|(?<![\w-])(?:{_VAGUE}|{_WORDNUM})(?![\w]))"
    rf"(?P<more>\s+or\s+more|\s*\+|-plus)?"
)
# Where a quantity can start (on " " + the text: the offset of the match is the
# quantity's); trying QUANTITY_RE only there is faster than at every character.
_STARTERS = (LOWER_BOUNDS + UPPER_BOUNDS + list(VAGUE) + list(UNITS) + list(SCALES)
             + ["dozen", "a hundred", "a thousand", "a million", "a billion", "a dozen"])
_QUANTITY_START_RE = programs.compile(rf"\W(?=\d|{alternation(_STARTERS)})")
_QUANTITY_START_ASCII_RE = ascii_twin(_QUANTITY_START_RE)  # for ASCII text: the same, faster
_UPPER_RE = programs.compile(rf"(?:{alternation(UPPER_BOUNDS)})\s+$")
_RANGE_GAP_RE = programs.compile(r"\s*[-–—]\s*|\s+to\s+|\s+or\s+|\s+and\s+")
_BETWEEN_RE = programs.compile(r"(?:between|from)\s+$")

# What surrounds a number tells what kind of number it is.
_AGE_AFTER = programs.compile(r"-?\s?(?:years?|yrs?)[-\s]old|-year-olds?\b")
_COMPOUND_AFTER = programs.compile(r"-(?:[a-z]|\d+-)")
_AGE_BEFORE = programs.compile(r"\b(?:aged|age|ages|ages of|aged between|aged from)\s+$")
_UNIT_AFTER = programs.compile(r"\s+(?:(?:more|other|long|straight|consecutive)\s+)?(?:days?|weeks?|hours?|months?|"
                               r"years?|minutes?|seconds?|decades?|nights?|km|kilometres?|kilometers?|miles?|"
                               r"metres?|meters?|feet|kg|tons?|tonnes?"
                               # "three generations of one family": no count of people
                               r"|generations?|famil(?:y|ies)|households?)\b")
_PERCENT_AFTER = programs.compile(r"\s*(?:%|per\s?cent\b)")
_TIME_AFTER = programs.compile(r"(?::\d\d|\s*(?:am|pm|a\.m\.|p\.m\.|gmt|utc|hrs|o'clock)\b)")
_DATE_AFTER = programs.compile(rf"\s+(?:of\s+)?{MONTHS}\b")
_DATE_BEFORE = programs.compile(rf"\b{MONTHS}\.?\s+$")
_MONEY_BEFORE = programs.compile(rf"(?:[$£€¥]|\b(?:{alternation(_CURRENCY_WORDS)})\.?\s*)$")
_ID_BEFORE = programs.compile(rf"\b(?:{alternation(_ID_WORDS)})\s*$")
# What the text before a number ends with (but for a full stop and spaces) when one
# of the three patterns above matches it: most numbers are turned away by one test.
_KIND_BEFORE_ENDS = tuple(_MONTH_WORDS + _CURRENCY_WORDS + [w.rstrip(".") for w in _ID_WORDS] + list("$£€¥"))
# The same by their last character: ``endswith`` tries the strings of its tuple one
# by one, and a text's last character leaves a handful of them to try.
_KIND_BEFORE_ENDS_BY_LAST: dict[str, tuple[str, ...]] = {
    last: tuple(w for w in _KIND_BEFORE_ENDS if w.endswith(last)) for last in {w[-1] for w in _KIND_BEFORE_ENDS}}
_NO_BEFORE = programs.compile(r"\bno\s+$")


@dataclass(slots=True)  # not frozen: building a frozen one takes five times as long
class Quantity:
    """A number read from text: [start, end) in the text, value ``low`` (the
    conservative figure) and ``high`` when a ceiling or range was stated."""

    start: int
    end: int
    low: int
    high: int | None = None
    vague: bool = False
    kind: str = "count"  # count|year|date|time|age|percent|money|measure|id
    year_like: bool = False  # four digits 1800-2099: a year unless a noun follows


def lower(text: str) -> str:
    """Lower-case without changing any offset (a few characters grow when lowered)."""
    low = text.lower()
    if len(low) == len(text):
        return low
    return "".join(c.lower() if len(c.lower()) == 1 else c for c in text)


def words_value(phrase: str) -> int | None:
    """Value of number words: "one hundred and twelve" -> 112, "two dozen" -> 24."""
    total = current = 0
    seen = False
    for token in re.split(r"[\s-]+", phrase.strip()):
        if token in ("and", ""):
            continue
        if token in ("a",):
            current = max(current, 1)
        elif token in UNITS:
            current += UNITS[token]
        elif token == "dozen":
            current = max(current, 1) * 12
        elif token == "hundred":
            current = max(current, 1) * 100
        elif token in SCALES:
            total += max(current, 1) * SCALES[token]
            current = 0
        else:
            return None
        seen = True
    return total + current if seen else None


def _digits_value(phrase: str) -> tuple[int, bool] | None:
    """Value of "1,200", "2.5 million", "3m"; flag True when a bare decimal (a measure)."""
    m = re.match(r"([\d,]+(?:\.\d+)?)\s*(million|billion|thousand|hundred|m|bn)?$", phrase)
    if not m:
        return None
    number = float(m.group(1).replace(",", ""))
    scale = {"million": 1e6, "m": 1e6, "billion": 1e9, "bn": 1e9, "thousand": 1e3,
             "hundred": 1e2}.get(m.group(2) or "", 1)
    return int(round(number * scale)), ("." in m.group(1) and scale == 1)


def _vague_value(phrase: str) -> int | None:
    phrase = re.sub(r"\s+", " ", phrase.strip())
    phrase = re.sub(r"\s+of$", "", phrase)
    for key in sorted(VAGUE, key=len, reverse=True):
        base = re.sub(r"\s+of$", "", key)
        if phrase == base or phrase.startswith(base + " "):
            rest = phrase[len(base):].strip()
            rest = re.sub(r"^of\s+", "", rest)
            factor = PLURAL_SCALES.get(rest) or SCALES.get(rest) or 1
            if rest and factor == 1:
                return None
            return VAGUE[key] * factor
    return None


@lru_cache(maxsize=4096)  # a pure function of a short phrase; news repeats its numbers
def _value(num: str) -> tuple[int, bool, bool] | None:
    """(value, vague, decimal-measure) of the number part of a match."""
    if num[0].isdigit():
        parsed = _digits_value(num)
        return (parsed[0], False, parsed[1]) if parsed else None
    vague = _vague_value(num)
    if vague is not None:
        return vague, True, False
    value = words_value(num)
    return (value, False, False) if value is not None else None


# The patterns of what follows a number, in the order _kind tests them: one
# match tells the first that fits.
_KIND_AFTER = programs.compile("|".join(f"(?P<{name}>{p.pattern})" for name, p in (
    ("age", _AGE_AFTER), ("percent", _PERCENT_AFTER), ("unit", _UNIT_AFTER), ("compound", _COMPOUND_AFTER),
    ("time", _TIME_AFTER), ("date", _DATE_AFTER))))


def _kind(text: str, start: int, end: int, num: str, measure: bool) -> str:
    before = text[max(0, start - 24):start]
    found = _KIND_AFTER.match(text, end, end + 24)  # (no part of it looks before its start)
    after_kind = found.lastgroup if found else None
    if after_kind == "age" or ("age" in before and _AGE_BEFORE.search(before)):
        return "age"
    if after_kind == "percent":
        return "percent"
    if after_kind in ("unit", "compound"):
        return "measure"  # "over five days", "30 km"; "72-hour", "three-day", "2011-01-S"
    if measure:
        return "measure"
    if num[0].isdigit():
        if after_kind == "time":
            return "time"
        if after_kind == "date":
            return "date"
        if not _may_name_kind(before):
            return "count"
        if _DATE_BEFORE.search(before):
            return "date"
        if _MONEY_BEFORE.search(before):
            return "money"
        if _ID_BEFORE.search(before):
            return "id"
    return "count"


def _may_name_kind(before: str) -> bool:
    """Whether a date, money or identifier word can end ``before`` (``_KIND_BEFORE_ENDS``)."""
    tail = before.rstrip()
    if tail.endswith("."):
        tail = tail[:-1]
    return tail.endswith(_KIND_BEFORE_ENDS_BY_LAST.get(tail[-1:], ()))


def _single(text: str, m: re.Match) -> Quantity | None:
    bound, num, more = m.group("bound", "num", "more")  # one call for the three
    parsed = _value(num)
    if parsed is None:
        return None
    value, vague, measure = parsed
    start = m.start()
    if num == "one" and _NO_BEFORE.search(text[max(0, start - 4):start]):
        return None  # "no one"
    num_start, end = m.span("num")
    kind = _kind(text, num_start, end, num, measure)
    high = value if bound and _UPPER_RE.search(bound) else None
    if more:
        end, high = m.end(), None
    year_like = len(num) == 4 and num[:2] in ("18", "19", "20") and num.isdigit()
    return Quantity(start, end, value, high, vague, kind, year_like)


def _merge_ranges(text: str, found: list[Quantity]) -> list[Quantity]:
    """Join "10 to 15", "between 5 and 8", "two or three", "10-15" into one range."""
    merged: list[Quantity] = []
    for q in found:
        prev = merged[-1] if merged else None
        if prev and prev.kind == q.kind == "count" and q.low > prev.low:
            gap = text[prev.end:q.start]
            sep = _RANGE_GAP_RE.fullmatch(gap)
            between = _BETWEEN_RE.search(text[max(0, prev.start - 9):prev.start])
            hyphen = not gap.strip(" ").isalpha()
            digits = text[prev.end - 1].isdigit() and text[q.start].isdigit()
            if sep and ("and" not in gap or between) and (digits or not hyphen):
                start = prev.start - len(between.group()) if between else prev.start
                merged[-1] = replace(prev, start=start, end=q.end, high=q.high or q.low,
                                     vague=prev.vague or q.vague)
                continue
        merged.append(q)
    return merged


def scan(text: str, low: str | None = None) -> list[Quantity]:
    """Every quantity in ``text`` (offsets refer to ``text``), ranges merged;
    ``low`` is ``text`` lower-cased, when the caller has it."""
    low = lower(text) if low is None else low
    found = [q for m in _quantities(low) if (q := _single(low, m))]
    return _merge_ranges(low, found)


def _quantities(low: str):
    """``QUANTITY_RE.finditer(low)``, tried only where a quantity can start."""
    end = 0
    starts = _QUANTITY_START_ASCII_RE if low.isascii() else _QUANTITY_START_RE
    for start in starts.finditer(" " + low):
        if start.start() >= end and (m := QUANTITY_RE.match(low, start.start())):
            yield m
            end = m.end()


def read_number(text: str) -> tuple[int, int | None] | None:
    """(low, high) of a text that is one count, e.g. "at least 12" -> (12, None),
    "up to 30" -> (30, 30), "between 5 and 8" -> (5, 8); None if it is not one."""
    stripped = text.strip()
    found = scan(stripped)
    if len(found) != 1 or found[0].kind != "count":
        return None
    q = found[0]
    if q.start != 0 or q.end != len(stripped):
        return None
    return q.low, q.high
