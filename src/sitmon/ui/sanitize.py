"""One place that turns untrusted feed text into something safe to put on a terminal.

Feed titles and summaries come from strangers. Two things must never happen:
Rich/Textual markup in them is interpreted (a title "[bold red]x[/]" shows as
typed), and terminal control sequences reach the terminal (an OSC title change,
a CSI cursor move, bidi overrides that reorder the screen). ``clean`` removes
the controls; ``plain`` wraps the result in a ``rich.text.Text`` so nothing
downstream parses it as markup. Every widget that shows feed text uses these.
"""

from __future__ import annotations

import re

from rich.text import Text

# Full escape sequences first, so their parameters do not survive as junk text:
# CSI (ESC [ or 8-bit 0x9b) ... final byte; OSC/DCS/SOS/PM/APC ... BEL or ST;
# then any other two-byte ESC sequence.
_ESCAPES = re.compile(
    r"(?:\x1b\[|\x9b)[0-?]*[ -/]*[@-~]?"
    r"|(?:\x1b[\]PX^_]|[\x90\x98\x9d\x9e\x9f])[^\x07\x1b\x9c]*(?:\x07|\x1b\\|\x9c)?"
    r"|\x1b[ -/]*[0-~]?"
)
# Whitespace-like controls become a space so words do not run together.
_SPACES = re.compile(r"[\t\n\r\v\f\u2028\u2029\x85]+")
# C0, DEL, C1, and the Unicode bidi embedding/override/isolate/mark controls.
_CONTROLS = re.compile(
    r"[\x00-\x08\x0e-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]"
)
_RUNS_OF_SPACE = re.compile(r" {2,}")

DEFAULT_LIMIT = 400


def clean(value: object, limit: int | None = DEFAULT_LIMIT) -> str:
    """Feed text as one safe line: no control characters, at most ``limit`` chars."""
    if value is None:
        return ""
    text = str(value)
    if limit is not None and len(text) > limit * 4:
        # Cut before the regexes so a 100 KB title costs nothing to clean.
        text = text[: limit * 4]
    text = _ESCAPES.sub("", text)
    text = _SPACES.sub(" ", text)
    text = _CONTROLS.sub("", text)
    text = _RUNS_OF_SPACE.sub(" ", text).strip()
    if limit is not None and len(text) > limit:
        text = text[: limit - 1].rstrip() + "…"
    return text


def plain(value: object, style: str = "", limit: int | None = DEFAULT_LIMIT) -> Text:
    """A ``Text`` holding ``clean(value)`` literally; never parsed as markup."""
    return Text(clean(value, limit), style=style, end="", no_wrap=True)
