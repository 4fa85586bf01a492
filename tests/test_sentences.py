"""Sentence splitting: every later rule sees one sentence at a time."""

import pytest

from sitmon.extract.sentences import split_sentences


@pytest.mark.parametrize(
    "text, expected",
    [
        ("Shelling resumed. Two people died.", ["Shelling resumed.", "Two people died."]),
        ("Was the truce kept? Nobody knows! Talks go on.", ["Was the truce kept?", "Nobody knows!", "Talks go on."]),
        ("", []),
        ("   ", []),
        ("No full stop at the end", ["No full stop at the end"]),
    ],
)
def test_plain_sentences(text, expected):
    assert split_sentences(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "The U.S. envoy flew to Doha on Monday.",
        "The U.N. Security Council met in New York.",
        "Mr. Pashinyan spoke to Lt. Col. Ivanov by phone.",
        "Gen. Burhan and Maj. Gen. Hamdan did not attend.",
        "The truce was signed on Jan. 19 in Cairo.",
        "Unit No. 4 was hit by mortar fire.",
        "Aid worth 2.5 million dollars reached Goma.",
        "Rebels led by J. Nangaa took the airport.",
    ],
)
def test_abbreviations_initials_and_decimals_do_not_split(text):
    assert split_sentences(text) == [text]


def test_acronym_at_sentence_end_splits_before_a_sentence_starter():
    text = "The plan was drafted by the U.S. The Kremlin rejected it."
    assert split_sentences(text) == ["The plan was drafted by the U.S.", "The Kremlin rejected it."]


def test_closing_quote_stays_with_its_sentence():
    text = 'The commander said: "The ceasefire is over." Fighting resumed at dawn.'
    assert split_sentences(text) == ['The commander said: "The ceasefire is over."', "Fighting resumed at dawn."]


def test_line_breaks_always_end_a_sentence():
    text = "2012-03-S-014\nISAF Joint Command - Afghanistan\nFor Immediate Release"
    assert split_sentences(text) == ["2012-03-S-014", "ISAF Joint Command - Afghanistan", "For Immediate Release"]


def test_press_release_dateline_is_its_own_sentence():
    text = (
        "KABUL, Afghanistan (Feb. 3, 2012) - A combined force killed two insurgents in Nad Ali district. "
        "No civilians were harmed."
    )
    assert split_sentences(text) == [
        "KABUL, Afghanistan (Feb. 3, 2012)",
        "A combined force killed two insurgents in Nad Ali district.",
        "No civilians were harmed.",
    ]


def test_dateline_on_its_own_line_is_kept_whole():
    text = "KANDAHAR, Afghanistan (Oct. 9, 2010)\nAn air weapons team engaged the insurgents."
    assert split_sentences(text) == ["KANDAHAR, Afghanistan (Oct. 9, 2010)", "An air weapons team engaged the insurgents."]


def test_whitespace_inside_a_sentence_is_collapsed():
    assert split_sentences("Two  rockets\thit   Sderot.") == ["Two rockets hit Sderot."]


@pytest.mark.parametrize("text", [
    "One line.", "", "Two\nlines.", "Carriage\r\nreturn.", "Line\u2028separator.", "Para\u2029graph.",
    "Caf\u00e9 line.", "Caf\u00e9\nbreak.", "\n\n",
])
def test_lines_are_what_the_break_pattern_splits(text):
    from sitmon.extract.sentences import _BREAK, _lines

    assert _lines(text) == _BREAK.split(text)



@pytest.mark.parametrize("line", [
    "Strike kills 5.", 'He said: "We will fight."', "Is the truce over?!", "Talks went on.)", "U.S. troops left.",
    'Truce holds." Fighting stopped.', "Dr. Ali spoke. Then he left.", "Ceasefire broken?\u201d Nobody knows.",
])
def test_only_a_stop_before_the_lines_last_stops_and_closers_can_split_it(line):
    # (_split_line scans for boundaries only then: most lines end with their only stop)
    from sitmon.extract.sentences import _BOUNDARY, _CLOSERS

    body = line.rstrip(_CLOSERS).rstrip(".!?")
    assert all(m.start() < len(body) for m in _BOUNDARY.finditer(line))
    if not any(stop in body for stop in ".!?"):
        assert split_sentences(line) == [line]
