"""Compiling patterns that embed the same large sub-patterns, parsing each once.

``re`` has no sub-pattern calls: a pattern that embeds a sub-pattern five times
holds its text five times, and compiling parses that text five times.  The
casualty finder's noun-phrase patterns embed the victim lexicon dozens of times
over, and parsing (two thirds of compiling) made up most of a process's start.

``part(text)`` gives a token to embed in a pattern's text instead of *text*;
``compile(pattern, flags)`` parses the pattern's own text, then puts in each
token's place the parse of its text (parsed once, and kept).  The regex engine
gets the same program as from ``re.compile`` of the whole text, token by token
spelled out (tests/test_subpatterns.py checks every pattern for it), so
matching is unchanged.  A token must stand where its text could be pasted as a
whole: a sequence of items, never one branch of an alternation or one atom a
quantifier applies to (``part`` texts here are a group or a plain sequence).

``ascii_twin(pattern)`` compiles a pattern for text that is all ASCII: the same
matches there, without the Unicode table look-ups that ``\\w``, ``\\b`` and ``\\s`` cost.

Both keep their programs in the disk cache of ``programs.py``: a process that finds
a pattern's program there does not parse it at all.
"""

from __future__ import annotations

import re
from functools import lru_cache
from re import _constants as _sre
from re import _parser

from sitmon.extract import programs

# What a Python whose private ``re`` internals changed shape would raise: then the
# patterns are compiled the public way, the same matches at the old start-up cost.
_INTERNALS_CHANGED = programs.INTERNALS_CHANGED

# Tokens are characters of the Private Use Area, which no pattern here matches.
_FIRST = 0xE000
_TEXTS: list[str] = []  # a part's text, by token
_TOKEN_RE = re.compile("[\ue000-\uf8ff]")


def part(text: str) -> str:
    """A token standing for *text* in patterns compiled by ``compile``."""
    if len(_TEXTS) >= 0xF8FF - _FIRST:
        raise ValueError("too many parts")
    _TEXTS.append(text)
    return chr(_FIRST + len(_TEXTS) - 1)


@lru_cache(maxsize=None)
def spelled(text: str) -> str:
    """*text* with every token replaced by its part's text (spelled out in turn)."""
    return _TOKEN_RE.sub(lambda m: spelled(_TEXTS[ord(m.group()) - _FIRST]), text)


def compile(pattern: str, flags: int = 0) -> re.Pattern:  # noqa: A001 -- re.compile's twin
    """``re.compile(spelled(pattern), flags)``, parsing each part once."""
    flags = int(flags)  # as re.compile does: the compiler tests a RegexFlag's bits slowly
    text = spelled(pattern)
    try:
        # the same program as re.compile(text): cached under re.compile's kind ("")
        return programs.cached(text, flags, "", lambda: programs.program(_tree(pattern, flags), flags))
    except _INTERNALS_CHANGED:
        return re.compile(text, flags)


def _tree(pattern: str, flags: int) -> _parser.SubPattern:
    """The parse of *pattern* with each token's place taken by its part's parse."""
    tree = _parser.parse(pattern, flags)
    spliced = _splice(tree, flags)
    if spliced != len(_TOKEN_RE.findall(pattern)):  # a token merged into a set or a common prefix
        raise ValueError(f"a part of {pattern[:60]!r}... does not stand for a whole sequence")
    return tree


@lru_cache(maxsize=None)
def _parsed(token: str, flags: int) -> _parser.SubPattern:
    tree = _tree(_TEXTS[ord(token) - _FIRST], flags)
    if tree.state.groups > 1:
        raise ValueError("a part must not capture: its groups would not be the pattern's")
    return tree


def _splice(tree: _parser.SubPattern, flags: int) -> int:
    """Put parts in place of tokens in *tree* (not in parts already put in);
    returns how many.  Widths worked out while parsing counted a token as one
    character: they are forgotten, to be worked out again when compiling."""
    spliced = 0
    data: list = []
    for op, av in tree.data:
        if op is _sre.LITERAL and _FIRST <= av < _FIRST + len(_TEXTS):
            data.extend(_parsed(chr(av), flags).data)
            spliced += 1
            continue
        for child in _subpatterns(av):
            spliced += _splice(child, flags)
        data.append((op, av))
    tree.data = data
    tree.width = None
    return spliced


def _subpatterns(av):
    """The sub-patterns an item's argument holds (a branch's, a group's, a repeat's)."""
    if isinstance(av, _parser.SubPattern):
        yield av
    elif isinstance(av, (tuple, list)):
        for value in av:
            if isinstance(value, (_parser.SubPattern, tuple, list)):
                yield from _subpatterns(value)


def ascii_twin(pattern: re.Pattern) -> re.Pattern:
    """*pattern* for text that is all ASCII (``str.isascii()``): the same matches, faster.

    A Unicode pattern looks characters up in Unicode's tables for ``\\w``, ``\\b``,
    ``\\d``, ``\\s`` and case; an ASCII one tests a bit.  On ASCII text the two read
    alike, but for ``\\s``, which in Unicode also takes the separators U+001C..U+001F:
    they are added to the twin's ``\\s``.
    """
    flags = int((pattern.flags & ~re.UNICODE) | re.ASCII)

    def build() -> programs.Program:
        tree = _parser.parse(pattern.pattern, flags)
        _add_separators(tree)
        return programs.program(tree, flags)

    try:  # not re.compile's program for these flags (the separators): a kind of its own
        return programs.cached(pattern.pattern, flags, "ascii twin", build)
    except _INTERNALS_CHANGED:
        return pattern  # reads ASCII text alike, only slower


_SEPARATORS = (_sre.RANGE, (0x1C, 0x1F))


def _add_separators(tree: _parser.SubPattern) -> None:
    """Put U+001C..U+001F in every set that holds ``\\s`` (and so out of every set that leaves it out)."""
    for index, (op, av) in enumerate(tree.data):
        if op is _sre.IN:
            categories = [a for o, a in av if o is _sre.CATEGORY]
            if _sre.CATEGORY_NOT_SPACE in categories:
                if len(av) != 1:
                    raise ValueError("\\S in a set with more: no ASCII twin")
                tree.data[index] = (op, [(_sre.NEGATE, None), (_sre.CATEGORY, _sre.CATEGORY_SPACE), _SEPARATORS])
            elif _sre.CATEGORY_SPACE in categories:
                tree.data[index] = (op, [*av, _SEPARATORS])
        for child in _subpatterns(av):
            _add_separators(child)


def by_first_character(text: str, flags: int = 0) -> re.Pattern | None:
    """``re.compile(text, flags)`` for a lexicon ``\\b(?:A|B|...)tail``, its choice
    regrouped by first character: ``\\b(?:a(?:...)|b(?:...)|...)tail``; None when an
    alternative's first character is not spelled out (``_heads``) or case is folded.

    At every word start the engine tries the alternatives of a choice in turn, and an
    alternative that is not a plain phrase costs a jump into it even where the word
    begins otherwise.  Grouped, a word start is turned away after one test of its first
    character per group.  Alternatives that begin with different characters never match
    at the same place, and within a group they keep their order, so every match (and
    every backtracking step) is the one of the text as written.
    """
    try:
        return programs.cached(text, flags, "by first character", lambda: _grouped(text, flags))
    except (_NotGrouped, *_INTERNALS_CHANGED):
        return None


class _NotGrouped(Exception):
    """The lexicon's choice cannot be regrouped (nothing is cached for it)."""


def _grouped(text: str, flags: int) -> programs.Program:
    """The program of ``by_first_character``'s regrouped pattern, or _NotGrouped."""
    tree = _parser.parse(text, flags)
    if (flags | tree.state.flags) & re.IGNORECASE:
        raise _NotGrouped  # "a" and "A" would be two groups of one character
    data = tree.data
    if len(data) < 2 or data[0] != (_sre.AT, _sre.AT_BOUNDARY):
        raise _NotGrouped
    branch = _bare_branch(data[1])
    grouped = branch and _group_by_first(branch, tree.state)
    if not grouped:
        raise _NotGrouped
    tree.data = [data[0], grouped, *data[2:]]
    tree.width = None
    return programs.program(tree, flags)


def _bare_branch(item):
    """The alternatives of a choice, possibly inside non-capturing groups; else None."""
    op, av = item
    while op is _sre.SUBPATTERN and av[0] is None and not av[1] and not av[2] and len(av[3].data) == 1:
        op, av = av[3].data[0]
    return av[1] if op is _sre.BRANCH else None


def _group_by_first(alternatives, state):
    """A choice (its alternatives' parses) as one alternative per first character, or None."""
    groups: dict[int, list[list]] = {}
    for alternative in alternatives:
        heads = _heads(list(alternative.data))
        if heads is None:
            return None
        for char, rest in heads:
            groups.setdefault(char, []).append(rest)
    grouped = []
    for char, rests in groups.items():
        after = rests[0] if len(rests) == 1 else [(_sre.BRANCH, (None, [_parser.SubPattern(state, r) for r in rests]))]
        grouped.append(_parser.SubPattern(state, [(_sre.LITERAL, char), *after]))
    return _sre.BRANCH, (None, grouped)


_MAX_SET = 12  # a set of more first characters ("[a-z]") is not spelled out


def _heads(items: list) -> list[tuple[int, list]] | None:
    """The ways the parsed sequence *items* can begin, in the order the engine tries
    them: (first character, the rest of the sequence) each; None if not spelled out."""
    if not items:
        return None  # it can match the empty string
    (op, av), rest = items[0], items[1:]
    if op is _sre.LITERAL:
        return [(av, rest)]
    if op is _sre.IN:
        chars = []
        for kind, value in av:
            if kind is _sre.LITERAL:
                chars.append(value)
            elif kind is _sre.RANGE:
                chars.extend(range(value[0], value[1] + 1))
            else:
                return None  # a negation or a class such as \w
        return [(char, rest) for char in chars] if len(chars) <= _MAX_SET else None
    if op is _sre.SUBPATTERN and av[0] is None and not av[1] and not av[2]:
        return _heads([*av[3].data, *rest])
    if op is _sre.BRANCH:
        return _ways([[*branch.data, *rest] for branch in av[1]])
    if op in (_sre.MAX_REPEAT, _sre.MIN_REPEAT) and av[:2] == (0, 1):
        # "X?R" is "XR|R" (greedy) or "R|XR" (lazy), tried in that order
        ways = [[*av[2].data, *rest], rest]
        return _ways(ways if op is _sre.MAX_REPEAT else ways[::-1])
    return None


def _ways(sequences: list[list]) -> list[tuple[int, list]] | None:
    found = []
    for sequence in sequences:
        heads = _heads(sequence)
        if heads is None:
            return None
        found.extend(heads)
    return found
