"""Patterns compiled from parts parsed once are the patterns ``re.compile`` makes."""

import re

import pytest

from sitmon.extract import casualty, subpatterns


def _patterns(module):
    for name, value in vars(module).items():
        values = value if isinstance(value, tuple) else (value,)
        for index, pattern in enumerate(values):
            if isinstance(pattern, re.Pattern):
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
