"""Resolve the relative times of truce reports against the story's date.

News says "at midnight", "from 5pm local time", "on Sunday", "72-hour",
"until Monday". These only mean something against the publication time and
the conflict's local clock. ``resolve_start`` finds when something starts,
``resolve_end`` when it is planned to end; both return UTC-aware datetimes and
``iso`` turns them into the ISO-8601 strings events carry.

Text is lower-cased once on the way in (offsets unchanged) so the patterns
need no IGNORECASE, which made the day and duration scans three times slower.

*past* says which way an ambiguous day points: "took effect on Sunday" is the
Sunday before the story, "will take effect on Sunday" the one after.
"""

from __future__ import annotations

import re
from datetime import datetime, time, timedelta, timezone, tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sitmon.extract.gazetteer import contains_any, gated, lower

UTC = timezone.utc
_WEEKDAYS = {d: i for i, d in enumerate(
    ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"])}
_MONTHS = {m: i + 1 for i, m in enumerate(
    ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"])}
_SMALL = {w: i for i, w in enumerate(
    "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen "
    "fifteen sixteen seventeen eighteen nineteen twenty".split())}
_TENS = {"thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70, "eighty": 80, "ninety": 90}
_UNITS = {"hour": timedelta(hours=1), "day": timedelta(days=1), "week": timedelta(weeks=1),
          "month": timedelta(days=30)}

# (A number word is taken whole, "[a-z]++": what follows it is a space or a hyphen, never a
# letter, so giving letters back can find no other match, only cost a step per letter of
# every word the duration scan tries.)
_NUM = r"(\d{1,3}|(?:twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety)(?:-\w+)?|[a-z]++)"
_MONTH = r"(?:january|february|march|april|may|june|july|august|september|october|november|december|jan|feb|mar|apr|jun|jul|aug|sep|sept|oct|nov|dec)"
# "5pm", "5 p.m.", "17:00", "1700 GMT", "0800 hours", "midnight", "noon"
_CLOCK = re.compile(
    r"\b(?P<word>midnight|noon|midday)\b"
    r"|\b(?P<h12>\d{1,2})(?:[:.](?P<m12>\d{2}))?\s*(?P<ampm>[ap])\.?m\b\.?"
    r"|\b(?P<h24>[01]?\d|2[0-3]):(?P<m24>[0-5]\d)\b"
    r"|\b(?P<h4>[01]\d|2[0-3])(?P<m4>[0-5]\d)(?=\s*(?:hours|hrs|gmt|utc|local|z\b))\b"
    r"(?:\s*(?:hours|hrs)\b)?",
)
_ZONE = re.compile(r"\s*\(?\s*(local(?: time)?|gmt|utc|z|(?P<city>[a-z]+) time)\b", re.IGNORECASE)
# "6pm Moscow time": the clocks truce announcements name. Those that keep one offset all
# year by offset; those that change for summer by their time zone.
_CITY_OFFSET = {
    "moscow": timedelta(hours=3), "tehran": timedelta(hours=3, minutes=30), "baku": timedelta(hours=4),
    "yerevan": timedelta(hours=4), "kabul": timedelta(hours=4, minutes=30), "islamabad": timedelta(hours=5),
    "pakistan": timedelta(hours=5), "indian": timedelta(hours=5, minutes=30), "india": timedelta(hours=5, minutes=30),
    "yangon": timedelta(hours=6, minutes=30), "myanmar": timedelta(hours=6, minutes=30),
    "bangkok": timedelta(hours=7), "thai": timedelta(hours=7), "khartoum": timedelta(hours=2),
    "sudan": timedelta(hours=2), "riyadh": timedelta(hours=3), "saudi": timedelta(hours=3), "doha": timedelta(hours=3),
    "sanaa": timedelta(hours=3), "yemen": timedelta(hours=3), "damascus": timedelta(hours=3),
}
_CITY_ZONE = {
    "kyiv": "Europe/Kyiv", "kiev": "Europe/Kyiv", "ukrainian": "Europe/Kyiv", "ukraine": "Europe/Kyiv",
    "israel": "Asia/Jerusalem", "israeli": "Asia/Jerusalem", "jerusalem": "Asia/Jerusalem",
    "gaza": "Asia/Gaza", "beirut": "Asia/Beirut", "lebanon": "Asia/Beirut", "lebanese": "Asia/Beirut",
}


def _city_clocks() -> dict[str, tzinfo]:
    clocks: dict[str, tzinfo] = {city: timezone(offset) for city, offset in _CITY_OFFSET.items()}
    for city, zone in _CITY_ZONE.items():
        try:
            clocks[city] = ZoneInfo(zone)
        except (ZoneInfoNotFoundError, ValueError):
            pass  # no time zone database here: read on the conflict's own clock
    return clocks


_CITY_CLOCK = _city_clocks()
# Gated: most texts name no day, and the day scan is a slow one.
_DAY = gated(re.compile(
    r"\b(today|tonight|tomorrow|yesterday|(monday|tuesday|wednesday|thursday|friday|saturday|sunday)"
    r"|(" + _MONTH + r")\.?\s+(\d{1,2})(?!\d)"
    r"|(\d{1,2})\s+(" + _MONTH + r"))\b",
))
_DURATION = re.compile(
    r"\b(?:(?:for|lasting)\s+(?:a\s+|another\s+|the\s+next\s+)?" + _NUM + r"\s+(hour|day|week|month)s?\b"
    # (not "a week after renewing truce", "two days into the truce")
    r"|(?:a\s+|an\s+)?" + _NUM + r"[- ](hour|day|week|month)(?:-long)?\s+"
    r"(?=(?:(?!(?:after|before|ago|since|later|into)\b)[a-z]+\s+){0,4}"
    r"(?:truce|ceasefire|cease-fire|pause|halt|cessation|armistice)))",
)
# "at 12:00 local time (0800 GMT)": the GMT figure is the unambiguous one.
_GMT_LATER = re.compile(r"\s*(?:local(?: time)?)?\s*\(\s*\d{1,2}:?\d{2}\s*(?:gmt|utc)")
_WEEKLONG = re.compile(r"\b(week|month)-long\b")
# Every clock time and day above needs a digit or one of these words: without any
# of them no time can be resolved, and the scans are skipped.
# (Tested as a digit, four words, and the words that end in "day": a scan of text without
# any of them costs more than a few ``in`` tests.)
_DIGIT = re.compile(r"\d")
_TIME_WORDS = ("midnight", "noon", "tonight", "tomorrow")
_DAY_WORD = re.compile(r"midday|today|yesterday|(?:mon|tues|wednes|thurs|fri|satur|sun)day")
_UNTIL = re.compile(
    r"\b(?:until|till|through|to last until|expires?|expiring|ends?|ending"
    r"|deadline\s+to|extend(?:s|ed|ing)?\s+(?:[\w-]+\s+){0,3}?to)\s+(?:on\s+|at\s+)?"
)


def may_name_time(text: str) -> bool:
    """False when lower-cased *text* cannot name a clock time or a day (a cheap test)."""
    return has_digit(text) or contains_any(text, _TIME_WORDS) or ("day" in text and _DAY_WORD.search(text) is not None)


def has_digit(text: str) -> bool:
    """Whether *text* holds a digit (``\\d``): ten ``in`` tests for ASCII text, faster than a scan."""
    if text.isascii():
        for digit in "0123456789":
            if digit in text:
                return True
        return False
    return _DIGIT.search(text) is not None


def iso(moment: datetime | None) -> str | None:
    return moment.astimezone(UTC).isoformat() if moment else None


def resolve_start(text: str, published: datetime, tz: tzinfo | None = None, past: bool = False) -> datetime | None:
    """When *text* says something starts (first time expression), in UTC.

    Times after "until"/"expires" are the end, not the start, and are ignored.
    """
    text = lower(text)
    until = _UNTIL.search(text)
    return _resolve(text[: until.start()] if until else text, 0, published, tz, past)


def resolve_end(
    text: str, start: datetime | None, published: datetime, tz: tzinfo | None = None, timed: bool | None = None,
) -> datetime | None:
    """The planned end: "72-hour" after *start*, or "until Monday" (*timed*: ``may_name_time``
    of the text, when the caller has it)."""
    text = lower(text)
    # a day named wins over a length counted from a start that is often only the story's
    # date ("the 60-day truce expires on Sunday")
    until = _UNTIL.search(text) if (may_name_time(text) if timed is None else timed) else None
    if until:
        moment = _resolve(text, until.end(), published, tz, past=False, anchored=True)
        if moment is not None and (start is None or moment > start):
            return moment
    duration = _duration(text)
    return (start or published) + duration if duration is not None else None


def _duration(text: str) -> timedelta | None:
    if not contains_any(text, _UNITS):  # both patterns need a unit word; skip their scans
        return None
    match = _DURATION.search(text)
    if match:
        number = match.group(1) or match.group(3)
        unit = match.group(2) or match.group(4)
        count = _number(number)
        if count:
            return count * _UNITS[unit.lower()]
    long = _WEEKLONG.search(text)
    if long:
        return _UNITS[long.group(1).lower()]
    return None


def _number(word: str) -> int | None:
    word = word.lower()
    if word.isdigit():
        return int(word)
    if word in ("a", "an"):
        return 1
    if word in _SMALL:
        return _SMALL[word]
    tens, _, ones = word.partition("-")
    if tens in _TENS:
        return _TENS[tens] + _SMALL.get(ones, 0)
    return None


def _resolve(
    text: str, pos: int, published: datetime, tz: tzinfo | None, past: bool, anchored: bool = False
) -> datetime | None:
    """Combine the first clock time and day named at or after *pos*."""
    published = published if published.tzinfo else published.replace(tzinfo=UTC)
    clock = _CLOCK.search(text, pos)
    day = _DAY.search(text, pos)
    if anchored:  # "until Monday": the expression must follow directly
        clock = clock if clock and clock.start() == pos else None
        day = day if day and day.start() <= pos + 12 else None
        if clock and not day:
            day = _DAY.search(text, clock.end(), clock.end() + 12)
    if clock is None and day is None:
        return None
    zone = tz or UTC
    if clock:
        if _GMT_LATER.match(text, clock.end()):
            clock = _CLOCK.search(text, clock.end()) or clock
            zone = UTC
        stated = _ZONE.match(text, clock.end())
        if stated:
            zone = _stated_zone(stated, zone)
    local_now = published.astimezone(zone)
    date = _day(day, local_now, past) if day else local_now.date()
    if clock is None:
        return datetime.combine(date, time(0), zone)
    word = (clock.group("word") or "").lower()
    if word == "midnight":
        if day is None:  # "at midnight": the coming one, or for a past report the last one
            date = local_now.date() + (timedelta(0) if past else timedelta(days=1))
        return datetime.combine(date, time(0), zone)
    return datetime.combine(date, _clock_time(clock), zone)


def _stated_zone(stated: re.Match, zone: tzinfo) -> tzinfo:
    """The clock a time names after it: GMT, a city's ("Moscow time"), else *zone* ("local
    time", or a city whose offset is not kept here)."""
    city = stated.group("city")
    if city is None:
        return zone if stated.group(1).lower().startswith("local") else UTC
    return _CITY_CLOCK.get(city.lower(), zone)


def _clock_time(clock: re.Match) -> time:
    if clock.group("word"):
        return time(12)  # noon or midday; midnight is handled by the caller
    if clock.group("h12"):
        hour = int(clock.group("h12")) % 12 + (12 if clock.group("ampm").lower() == "p" else 0)
        return time(min(hour, 23), int(clock.group("m12") or 0))
    if clock.group("h24"):
        return time(int(clock.group("h24")), int(clock.group("m24")))
    return time(int(clock.group("h4")), int(clock.group("m4")))


def _day(match: re.Match, local_now: datetime, past: bool):
    word = match.group(1).lower()
    today = local_now.date()
    if word in ("today", "tonight"):
        return today
    if word == "tomorrow":
        return today + timedelta(days=1)
    if word == "yesterday":
        return today - timedelta(days=1)
    if match.group(2):
        delta = (_WEEKDAYS[word] - today.weekday()) % 7
        return today - timedelta(days=(7 - delta) % 7) if past else today + timedelta(days=delta)
    month = _MONTHS[(match.group(3) or match.group(6)).lower()[:3]]
    number = int(match.group(4) or match.group(5))
    return _dated(today, month, number, past)


def _dated(today, month: int, number: int, past: bool):
    try:
        date = today.replace(month=month, day=number)
    except ValueError:
        return today
    if past and date > today + timedelta(days=1):
        return date.replace(year=date.year - 1)
    if not past and date < today - timedelta(days=180):
        return date.replace(year=date.year + 1)
    return date
