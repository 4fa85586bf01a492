"""Split news text into sentences.

Rule-based and fast: a line break always ends a sentence (press releases put
headers and datelines on their own lines); inside a line, a full stop, question
or exclamation mark followed by space and a capital (or quote/digit) ends one,
unless the word before the stop is a known abbreviation ("Gen.", "Jan.",
"No."), an initial ("J. Smith"), or a dotted acronym ("U.S.") followed by a
word that does not usually start a sentence. A dateline such as
"KABUL, Afghanistan (Jan. 25, 2013) -" becomes a sentence of its own, so the
report that follows it starts clean.
"""

from __future__ import annotations

import re

# Words that end with a full stop but rarely end a sentence.
_ABBREVIATIONS = frozenset(
    """
    mr mrs ms dr prof gen lt col maj capt cpt sgt cpl pvt adm brig cmdr cmdt gov sen rep
    rev st jr sr mt ft fr pres supt insp det cdr lieut sgt1 spc pfc
    jan feb mar apr jun jul aug sep sept oct nov dec
    no nos vs approx est fig inc corp co ltd bros dept univ govt
    """.split()
)

# After a dotted acronym ("U.S.") these words start a new sentence.
_SENTENCE_STARTERS = frozenset(
    """
    The A An It He She They We I In On At But And However Meanwhile Earlier Later
    This That These Those There His Her Their Its Our After Before While When
    Officials Authorities Police Witnesses
    """.split()
)

_BREAK = re.compile(r"[\r\n\u2028\u2029]+")
# A candidate boundary: terminal punctuation, optional closing quotes/brackets,
# whitespace, then something that can start a sentence. ("[.!?][.!?]*", not "[.!?]+":
# a pattern that starts with a character class lets the engine skip to the next stop
# instead of trying a match at every character, which halved this scan.)
_BOUNDARY = re.compile(r"([.!?][.!?]*)([\"'\u201d\u2019)\]]*)(\s+)(?=[\"'\u201c\u2018(\[]?[A-Z0-9])")
_WORD_BEFORE = re.compile(r"([A-Za-z][A-Za-z.]*)$")
_NEXT_WORD = re.compile(r"[\"'\u201c\u2018(\[]?([A-Za-z]+)")
_ACRONYM = re.compile(r"^(?:[A-Za-z]\.){2,}$|^[A-Za-z]\.(?:[A-Za-z]\.)+[A-Za-z]?$")
# "KABUL, Afghanistan (Jan. 25, 2013) -" or "GOMA, Congo (Reuters) -"
_DATELINE = re.compile(
    r"^\s*([A-Z][A-Z .'-]{2,}(?:,\s*[A-Z][A-Za-z .'-]+)?\s*\([^)]{2,40}\))\s*[-\u2013\u2014:]*\s*"
)


def split_sentences(text: str) -> list[str]:
    """Return the sentences of *text*, stripped, in order; empty text gives []."""
    sentences: list[str] = []
    for line in _lines(text):
        line = " ".join(line.split())
        if not line:
            continue
        dateline = _DATELINE.match(line) if "(" in line else None  # (every dateline has its bracket)
        if dateline and dateline.end() < len(line):
            sentences.append(dateline.group(1))
            line = line[dateline.end():]
        sentences.extend(_split_line(line))
    return sentences


def _lines(text: str) -> list[str]:
    """``_BREAK.split(text)``; most summaries are one ASCII line, told by two ``in`` tests
    (an ASCII text cannot hold the two Unicode breaks) instead of a scan."""
    if text.isascii() and "\n" not in text and "\r" not in text:
        return [text]
    return _BREAK.split(text)


# What may close a sentence after its stop (the closing quotes and brackets of _BOUNDARY).
_CLOSERS = "\"'\u201d\u2019)]"


def _split_line(line: str) -> list[str]:
    # A boundary has space after its stop: a stop in the line's last run of stops and
    # closers ("... killed 5.", most headlines and one-sentence summaries) is none.
    body = line.rstrip(_CLOSERS).rstrip(".!?")
    if "." not in body and "?" not in body and "!" not in body:
        return [line]
    out: list[str] = []
    start = 0
    for match in _BOUNDARY.finditer(line):
        if match.group(1) == "." and not _ends_sentence(line, start, match):
            continue
        piece = line[start:match.end(2)].strip()
        if piece:
            out.append(piece)
        start = match.end()
    rest = line[start:].strip()
    if rest:
        out.append(rest)
    return out


def _ends_sentence(line: str, start: int, match: re.Match) -> bool:
    """Decide whether the full stop at *match* ends a sentence."""
    # The word is the end of the last space-free token: searching from that token
    # finds the same word without trying every position of the sentence so far.
    token = max(start, line.rfind(" ", start, match.start()) + 1)
    before = _WORD_BEFORE.search(line, token, match.start())
    if before is None:
        return True
    word = before.group(1)
    if _ACRONYM.match(word + "."):
        following = _NEXT_WORD.match(line, match.end())
        return bool(following) and following.group(1) in _SENTENCE_STARTERS
    bare = word.rsplit(".", 1)[-1].lower()
    if bare in _ABBREVIATIONS:
        return False
    # A single capital letter is an initial ("J. Smith"), not a sentence end.
    return not (len(bare) == 1 and word[-1].isupper())
