"""Case-blind casualty patterns read on the lower-cased text find what they find on the text."""

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sitmon.extract import casualty

_PAIRS = [(casualty.ARTICLE_RE, casualty._ARTICLE_LOW_RE), (casualty.BARE_RE, casualty._BARE_LOW_RE),
          (casualty.HEADLINE_ITEM_RE, casualty._HEADLINE_ITEM_LOW_RE),
          (casualty._ITEM_START_RE, casualty._ITEM_START_LOW_RE)]
_WORDS = ["#0#", "A", "an", "An", "AN", "Soldier", "SOLDIER", "soldier", "insurgent", "Police", "officer", "boy",
          "14-year-old", "Afghan", "was", "were", "killed", "KILLED", "Killing", "wounded", "and", "AND", "his",
          "Son", ",", ":", "|", "-", "neither", "Neither", "Kabul", "\u0130NSURGENT", "\u017foldier", "kılled",
          "\u212aILLED", "Stra\u00dfe", "\u0130stanbul", "\u2019s", "\u201cfighter\u201d", "\u03a3", "\n"]


@settings(max_examples=400, deadline=None)
@given(st.lists(st.sampled_from(_WORDS), max_size=12))
def test_lower_case_twin_finds_the_same_spans(words):
    text = " ".join(words)
    for blind, low in _PAIRS:
        pattern, read = casualty._on_lower(blind, low, text)
        assert len(read) == len(text)
        assert [m.span() for m in pattern.finditer(read)] == [m.span() for m in blind.finditer(text)]
        for start in range(len(text)):
            found, expected = pattern.match(read, start), blind.match(text, start)
            assert (found and found.span()) == (expected and expected.span())


@pytest.mark.parametrize("pattern", ["(?:Kabul)", "(?-i:[A-Z])[a-z]+", "caf\u00e9"])
def test_a_pattern_not_read_alike_lower_cased_is_refused(pattern):
    with pytest.raises(ValueError):
        casualty._both_cases(pattern)


def test_odd_letters_read_case_blind():
    text = "\u0130NSURGENT killed"
    assert casualty._on_lower(casualty.BARE_RE, casualty._BARE_LOW_RE, text) == (casualty.BARE_RE, text)
    assert re.fullmatch(r"i", "\u0130", re.IGNORECASE)  # why: lower() keeps "\u0130", the case-blind engine does not
