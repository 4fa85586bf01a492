"""Patterns compiled from parts parsed once are the patterns ``re.compile`` makes."""

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sitmon.extract import casualty, numbers, programs, subpatterns


def _patterns(module):
    for name, value in vars(module).items():
        values = value if isinstance(value, tuple) else (value,)
        for index, pattern in enumerate(values):
            if isinstance(pattern, re.Pattern) and not pattern.flags & re.ASCII:  # ASCII twins: tested below
                yield f"{name}[{index}]", pattern


@pytest.mark.parametrize(("name", "pattern"), list(_patterns(casualty)))
def test_same_program_as_re_compile(name, pattern):
    # Pattern equality compares the flags, the text and the engine's program.
    assert not subpatterns._TOKEN_RE.search(pattern.pattern), f"{name} has a part's token: compile it with parts"
    plain = re.compile(pattern.pattern, pattern.flags)
    assert pattern == plain
    assert (pattern.groups, pattern.groupindex) == (plain.groups, plain.groupindex)


def test_part_spelled_out():
    noun = subpatterns.part("(?:soldiers?|civilians?)")
    pattern = subpatterns.compile(rf"#\d+#\s+{noun}(?![\w-])(?:\s+and\s+{noun})?", re.IGNORECASE)
    assert pattern.pattern == r"#\d+#\s+(?:soldiers?|civilians?)(?![\w-])(?:\s+and\s+(?:soldiers?|civilians?))?"
    assert pattern == re.compile(pattern.pattern, re.IGNORECASE)
    assert pattern.match("#0# Soldiers and civilians").group() == "#0# Soldiers and civilians"


def test_token_in_a_set_refused():
    letter = subpatterns.part("a")
    with pytest.raises(ValueError):
        subpatterns.compile(f"(?:{letter}|b)")  # parsed as the set [ab]: no place left for the part


_ASCII_TWINS = [(casualty._VERB_START_RE, casualty._VERB_START_ASCII_RE),
                (casualty._NOT_WAR_CUE_RE, casualty._NOT_WAR_CUE_ASCII_RE),
                (casualty.CUMULATIVE_RE, casualty._CUMULATIVE_ASCII_RE),
                (casualty._DATE_DIGIT_RE, casualty._DATE_DIGIT_ASCII_RE),
                (casualty._SINGULAR_WORD_RE, casualty._SINGULAR_WORD_ASCII_RE),
                (numbers._QUANTITY_START_RE, numbers._QUANTITY_START_ASCII_RE),
                (re.compile(r"\s+x\S[^\s,]\b\w\d", re.IGNORECASE), None)]
_ASCII_WORDS = ["killed", "Shot", "dead", "at", "least", "12", "#1#", "so", "far", "in", "2014", "earthquake",
                "K", "s", "x", "_", "-", ",", ".", "\x1c", "\x1d", "\x1f", "\t", "\n", " ", "9",
                "so\x1cfar", "shot\x1ddead", "a\x1ffew", "\x1ex", "soldier", "aid\x1cworker"]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(_ASCII_WORDS), max_size=16), st.sampled_from(["", " "]))
def test_ascii_twin_finds_the_same_matches(words, separator):
    text = separator.join(words)
    for pattern, twin in _ASCII_TWINS:
        twin = twin or subpatterns.ascii_twin(pattern)
        expected = [(m.span(), m.groups()) for m in pattern.finditer(text)]
        assert [(m.span(), m.groups()) for m in twin.finditer(text)] == expected


def test_ascii_twin_keeps_unicode_separators_as_space():
    # Unicode's \s takes U+001C..U+001F, ASCII's does not: the twin must.
    assert subpatterns.ascii_twin(re.compile(r"a\sb")).match("a\x1cb")
    assert not subpatterns.ascii_twin(re.compile(r"a\Sb")).match("a\x1db")


def test_changed_re_internals_fall_back_to_re_compile(monkeypatch):
    # a Python whose private re modules lost a function: the same patterns, compiled the public way
    # (and no program cache, whose programs for these patterns would spare the compiling)
    monkeypatch.setattr(programs, "_cache", programs.ProgramCache(None))
    monkeypatch.setattr(programs, "_compiler", object())
    noun = subpatterns.part("(?:soldiers?|civilians?)")
    pattern = subpatterns.compile(rf"#\d+#\s+{noun}", re.IGNORECASE)
    assert pattern == re.compile(r"#\d+#\s+(?:soldiers?|civilians?)", re.IGNORECASE)
    unicode = re.compile(r"\bkilled\s+(\d+)")
    assert subpatterns.ascii_twin(unicode) is unicode  # no twin: the Unicode pattern reads ASCII alike


# A lexicon's choice with what by_first_character must regroup faithfully: alternatives
# sharing a first letter (kept in order: "end" before "ending"), optional and lazy parts,
# small sets, a look-behind into the first letter, named groups closing alternatives.
_LEXICON = (r"\b(?:(?:halt|end)(?:s|ed)? (?:the )?truce(?P<g0>)|(?:the )?(?:cease-?fire|truce) collapsed(?P<g1>)"
            r"|[ck]ill(?:s|ed)?|e(?:nd|nding)|(?:a )??deal(?<=e\w\w)|xx+y|the|t(?:ruce|he truce))(?![\w])")
_LEXICON_WORDS = ["halt", "halts", "end", "ended", "ending", "the", "truce", "cease-fire", "ceasefire", "collapsed",
                  "kill", "cills", "a", "deal", "xxxy", "xy", "-", "endless", " "]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(_LEXICON_WORDS), max_size=12), st.sampled_from([" ", "", "-"]))
def test_a_choice_grouped_by_first_character_finds_the_same_matches(words, separator):
    text = separator.join(words)
    for flags in (0, re.ASCII):
        grouped, plain = subpatterns.by_first_character(_LEXICON, flags), re.compile(_LEXICON, flags)
        assert grouped is not None and grouped != plain  # (another program)
        expected = [(m.span(), m.lastgroup, m.groups()) for m in plain.finditer(text)]
        assert [(m.span(), m.lastgroup, m.groups()) for m in grouped.finditer(text)] == expected


@pytest.mark.parametrize("pattern", [
    r"\b(?:truce|[\w-]+-day pause)", r"\b(?:truce|(?:the )*ceasefire)", r"(?:truce|pause)\b", r"\b(?i:truce|pause)",
    r"\b(?:truce|(?P<what>pause))", r"\b(?:truce|[a-z]ease)", r"\b(?:truce|x{2,}y)",
])
def test_no_grouping_where_a_first_character_is_not_spelled_out(pattern):
    assert subpatterns.by_first_character(pattern) is None
    assert subpatterns.by_first_character(r"\b(?:truce|pause)", re.IGNORECASE) is None
