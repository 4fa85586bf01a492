"""Relative times in truce reports, resolved against the story's date."""

import re
from datetime import datetime, timedelta, timezone

import pytest

from sitmon.extract.timeparse import iso, resolve_end, resolve_start

# Saturday 17 October 2020, 10:00 UTC; the local clock is UTC+4 (14:00).
PUBLISHED = datetime(2020, 10, 17, 10, 0, tzinfo=timezone.utc)
PLUS4 = timezone(timedelta(hours=4))


@pytest.mark.parametrize(
    "text, past, expected",
    [
        ("the truce takes effect at midnight", False, "2020-10-17T20:00:00+00:00"),
        ("the truce took effect at midnight", True, "2020-10-16T20:00:00+00:00"),
        ("from 5pm local time", False, "2020-10-17T13:00:00+00:00"),
        ("from 5 p.m.", False, "2020-10-17T13:00:00+00:00"),
        ("at 12:00 local time (0800 GMT)", False, "2020-10-17T08:00:00+00:00"),
        ("at 0600 GMT on Monday", False, "2020-10-19T06:00:00+00:00"),
        ("on Sunday", False, "2020-10-17T20:00:00+00:00"),
        ("on Sunday", True, "2020-10-10T20:00:00+00:00"),
        ("from Saturday", False, "2020-10-16T20:00:00+00:00"),
        ("from tomorrow", False, "2020-10-17T20:00:00+00:00"),
        ("at noon on October 20", False, "2020-10-20T08:00:00+00:00"),
        ("from 21 October", False, "2020-10-20T20:00:00+00:00"),
        # a named city's clock wins over the conflict's
        ("at 6pm Moscow time on Saturday", False, "2020-10-17T15:00:00+00:00"),
        ("from 18:00 (Tehran time)", False, "2020-10-17T14:30:00+00:00"),
        ("at 6pm every time", False, "2020-10-17T14:00:00+00:00"),  # not a clock's name
    ],
)
def test_start_times_use_the_conflict_clock(text, past, expected):
    assert iso(resolve_start(text, PUBLISHED, PLUS4, past=past)) == expected


@pytest.mark.parametrize(
    ("text", "published", "expected"),
    [
        ("from 6pm Kyiv time", datetime(2025, 7, 10, 9, 0, tzinfo=timezone.utc), "2025-07-10T15:00:00+00:00"),
        ("from 6pm Kyiv time", datetime(2025, 1, 10, 9, 0, tzinfo=timezone.utc), "2025-01-10T16:00:00+00:00"),
        ("at 4am Israel time", datetime(2025, 7, 10, 0, 0, tzinfo=timezone.utc), "2025-07-10T01:00:00+00:00"),
    ],
)
def test_a_named_clock_that_changes_for_summer(text, published, expected):
    assert iso(resolve_start(text, published, PLUS4)) == expected


def test_without_a_local_clock_times_are_utc():
    assert iso(resolve_start("from 5pm", PUBLISHED, None)) == "2020-10-17T17:00:00+00:00"


@pytest.mark.parametrize(
    "text",
    ["the war of 2020 ended", "some 1,500 soldiers", "the 1990s war", "no time here at all", "120 hours of talks"],
)
def test_years_and_counts_are_not_times(text):
    assert resolve_start(text, PUBLISHED, PLUS4) is None


def test_a_date_later_than_the_story_in_a_past_report_is_last_year():
    published = datetime(2021, 1, 5, tzinfo=timezone.utc)
    assert iso(resolve_start("took effect on December 30", published, None, past=True)) == "2020-12-30T00:00:00+00:00"


def test_times_after_until_are_not_the_start():
    assert resolve_start("a truce until Monday", PUBLISHED, PLUS4) is None


@pytest.mark.parametrize(
    "text, hours",
    [
        ("a 72-hour ceasefire", 72),
        ("a three-day truce", 72),
        ("a week-long pause", 168),
        ("the truce will last for 30 days", 720),
        ("a truce lasting two weeks", 336),
        ("a twenty-four-hour halt", None),
    ],
)
def test_planned_end_from_a_duration(text, hours):
    start = datetime(2020, 10, 17, 20, 0, tzinfo=timezone.utc)
    end = resolve_end(text, start, PUBLISHED, PLUS4)
    assert (end - start if end else None) == (timedelta(hours=hours) if hours else None)


@pytest.mark.parametrize(
    "text", ["no breaches a week after renewing the truce", "two days into the truce, fighting resumed"],
)
def test_a_time_since_the_truce_is_not_its_length(text):
    assert resolve_end(text, None, PUBLISHED, PLUS4) is None


def test_an_extension_of_days_is_a_length():
    assert resolve_end("agree five-day extension of shaky ceasefire", None, PUBLISHED, PLUS4) == (
        PUBLISHED + timedelta(days=5))


def test_duration_without_a_start_counts_from_publication():
    assert resolve_end("a 48-hour truce", None, PUBLISHED, PLUS4) == PUBLISHED + timedelta(hours=48)


@pytest.mark.parametrize(
    "text, expected",
    [
        ("the truce holds until Monday", "2020-10-18T20:00:00+00:00"),
        ("a pause from Saturday until midnight on Sunday", "2020-10-17T20:00:00+00:00"),
        ("it expires at noon on Tuesday", "2020-10-20T08:00:00+00:00"),
        # a new deadline
        ("the sides agreed to extend the ceasefire deadline to October 25", "2020-10-24T20:00:00+00:00"),
        ("Lebanon truce extended to October 25, White House says", "2020-10-24T20:00:00+00:00"),
        # a day named wins over a length counted from the story's date
        ("the 60-day truce expires on Monday", "2020-10-18T20:00:00+00:00"),
    ],
)
def test_planned_end_from_until(text, expected):
    start = resolve_start(text, PUBLISHED, PLUS4)
    assert iso(resolve_end(text, start, PUBLISHED, PLUS4)) == expected


def test_no_end_stated():
    assert resolve_end("the ceasefire took effect", None, PUBLISHED, PLUS4) is None


def test_capitals_read_like_lower_case():
    start = resolve_start("FROM 5 P.M. LOCAL TIME ON SUNDAY", PUBLISHED, PLUS4)
    assert iso(start) == iso(resolve_start("from 5 p.m. local time on sunday", PUBLISHED, PLUS4))
    assert start is not None
    end = resolve_end("A 72-HOUR Truce", None, PUBLISHED, PLUS4)
    assert end == PUBLISHED + timedelta(hours=72)


@pytest.mark.parametrize("text, timed", [
    ("from midnight on sunday", True), ("at 5pm", True), ("until tomorrow", True), ("on march 3", True),
    ("the truce held after talks", False), ("a truce was agreed in march", False),
])
def test_a_text_without_digits_or_day_words_names_no_time(text, timed):
    from sitmon.extract.timeparse import may_name_time

    assert may_name_time(text) is timed
    if not timed:  # the cheap test only skips texts the parser would find nothing in
        assert resolve_start(text, datetime(2025, 3, 1, tzinfo=timezone.utc)) is None


_ONE_SCAN_TIME_WORD = re.compile(r"\d|midnight|noon|midday|today|tonight|tomorrow|yesterday|(?:mon|tues|wednes|thurs|fri|satur|sun)day")


@pytest.mark.parametrize("text", [
    "", "the truce held", "at 5pm", "on sunday", "by midday", "noonday", "until tomorrow night", "a day later",
    "yesterday's talks", "in \u0663 days", "the holiday", "tuesdays", "wednes day", "midnight", "mid-day",
])
def test_the_time_word_test_answers_as_one_scan_would(text):
    from sitmon.extract.timeparse import may_name_time

    assert may_name_time(text) == (_ONE_SCAN_TIME_WORD.search(text) is not None)
