"""Reading quantities: digits, words, vague quantities, bounds, ranges, and the
numbers that are not counts (years, ages, dates, times, measures)."""

from __future__ import annotations

import pytest

from sitmon.extract.numbers import read_number, scan, words_value


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("14", (14, None)),
        ("1,200", (1200, None)),
        ("12,345,678", (12345678, None)),
        ("2.5 million", (2_500_000, None)),
        ("3m", (3_000_000, None)),
        ("10 thousand", (10_000, None)),
        ("fourteen", (14, None)),
        ("Twenty-three", (23, None)),
        ("twenty three", (23, None)),
        ("one hundred and twelve", (112, None)),
        ("a hundred", (100, None)),
        ("two thousand five hundred", (2500, None)),
        ("three million", (3_000_000, None)),
        ("two dozen", (24, None)),
        ("a dozen", (12, None)),
    ],
)
def test_exact_numbers(text, expected):
    assert read_number(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("few", (3, None)),
        ("a few", (3, None)),
        ("several", (3, None)),
        ("dozens", (12, None)),
        ("dozens of", (12, None)),
        ("scores of", (20, None)),
        ("tens of", (10, None)),
        ("hundreds", (100, None)),
        ("thousands of", (1000, None)),
        ("tens of thousands of", (10_000, None)),
        ("hundreds of thousands", (100_000, None)),
        ("several hundred", (300, None)),
        ("a number of", (3, None)),
        ("multiple", (3, None)),
    ],
)
def test_vague_quantities_follow_design_values(text, expected):
    assert read_number(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("at least 12", (12, None)),
        ("more than 600", (600, None)),
        ("over 1,000", (1000, None)),
        ("some 20,000", (20_000, None)),
        ("nearly forty", (40, None)),
        ("more than a dozen", (12, None)),
        ("50 or more", (50, None)),
        ("300+", (300, None)),
        ("up to 30", (30, 30)),
        ("as many as 45", (45, 45)),
        ("10 to 15", (10, 15)),
        ("10-15", (10, 15)),
        ("between 5 and 8", (5, 8)),
        ("from 20 to 25", (20, 25)),
        ("two or three", (2, 3)),
    ],
)
def test_bounds_and_ranges(text, expected):
    assert read_number(text) == expected


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("a 14-year-old", "age"),
        ("a 72-hour truce", "measure"),
        ("a three-day truce", "measure"),
        ("turnout of 45%", "percent"),
        ("45 per cent", "percent"),
        ("on Oct. 7", "date"),
        ("on 7 October", "date"),
        ("at 10:30", "time"),
        ("at 5 pm", "time"),
        ("magnitude 6.5", "measure"),
        ("UN resolution 2334", "id"),
    ],
)
def test_numbers_that_are_not_counts(text, kind):
    found = scan(text)
    assert found and found[0].kind == kind


@pytest.mark.parametrize(
    "text",
    ["no one", "F-16 jets", "the 16th brigade", "$300", "5km away", "MiG-29", "hello", ""],
)
def test_no_count_is_read(text):
    assert [q for q in scan(text) if q.kind == "count"] == []


def test_years_are_flagged_year_like():
    (q,) = scan("in 2014")
    assert q.year_like and q.low == 2014


def test_and_joins_number_words_only_after_a_scale():
    # "killed one and wounded two" must stay two numbers, never 3
    found = scan("killed one and wounded two")
    assert [(q.low, q.high) for q in found] == [(1, None), (2, None)]


def test_offsets_point_into_the_original_text():
    text = "Officials said AT LEAST Fourteen people died."
    (q,) = scan(text)
    assert text[q.start:q.end] == "AT LEAST Fourteen"


def test_words_value_rejects_non_numbers():
    assert words_value("twenty banana") is None
    assert words_value("ninety-nine") == 99


# --- scan tries QUANTITY_RE only where a quantity can start: it must find the same ---
from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from sitmon.extract import numbers  # noqa: E402
from sitmon.extract.numbers import QUANTITY_RE, lower  # noqa: E402

_WORDS = ["a", "an", "one", "two", "hundred", "and", "twelve", "dozen", "a few", "scores", "of",
          "at least", "up to", "between", "5", "1,200", "2.5", "million", "3m", "10-15", "5+", "or more",
          "people", "killed", "no", "aged", "km", "%", "$", "#1#", "-", ",", ".", "(", "\u0130", "\u017f",
          "Tens", "THOUSANDS", "twenty-three", "\u0663"]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(_WORDS), max_size=12), st.sampled_from([" ", "", "  ", "\n"]))
def test_scan_finds_what_the_whole_pattern_finds(words, gap):
    low = lower(gap.join(words))
    every = [(m.span(), m.groupdict()) for m in QUANTITY_RE.finditer(low)]
    assert [(m.span(), m.groupdict()) for m in numbers._quantities(low)] == every


def test_scan_reads_the_lower_cased_text_it_is_given():
    text = "Twelve soldiers and 3 civilians killed"
    assert scan(text, lower(text)) == scan(text)
    assert [q.low for q in scan(text, "nothing counted here, none at all.....")] == []  # the given one is read
