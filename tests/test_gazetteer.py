"""The conflict gazetteer: which war a sentence is about, who the sides are, where."""

import json
import re
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sitmon.extract import gazetteer, split_sentences, truce, violation
from sitmon.extract.gazetteer import (
    Gated,
    PhraseTable,
    _start_guard,
    build_gazetteer,
    canonical_party,
    default_gazetteer,
    find_places,
    gated,
    guarded,
    lexicon,
    literal_gate,
    lower,
    may_contain,
    needed_strings,
)
from sitmon.extract.truce import rules as truce_rules

REQUIRED = [
    "Russia-Ukraine", "Israel-Hamas", "Israel-Hezbollah", "Israel-Iran", "Sudan", "DR Congo",
    "Armenia-Azerbaijan", "India-Pakistan", "Thailand-Cambodia", "Yemen", "Myanmar", "Sahel",
    "Somalia", "Ethiopia", "Syria", "Colombia", "Afghanistan",
]


def conflict(text: str) -> str | None:
    return default_gazetteer().conflict_of(text)


def test_shipped_gazetteer_covers_the_required_conflicts():
    assert set(REQUIRED) <= set(default_gazetteer().conflicts)


@pytest.mark.parametrize(
    "text, expected",
    [
        ("Shells landed on Stepanakert overnight", "Armenia-Azerbaijan"),
        ("A missile hit an apartment block in Ganja", "Armenia-Azerbaijan"),
        ("Residents of Kharkiv sheltered in the metro", "Russia-Ukraine"),
        ("Aid trucks queued at the crossing into Rafah", "Israel-Hamas"),
        ("Air raid on the southern suburbs of Beirut", "Israel-Hezbollah"),
        ("Explosions were heard near Isfahan", "Israel-Iran"),
        ("The RSF tightened its siege of El Fasher", "Sudan"),
        ("M23 fighters entered Goma", "DR Congo"),
        ("Shelling along the Line of Control in Poonch", "India-Pakistan"),
        ("Clashes near the Preah Vihear temple", "Thailand-Cambodia"),
        ("Houthi drones targeted a tanker in the Red Sea", "Yemen"),
        ("The Arakan Army seized a base in Rakhine", "Myanmar"),
        ("Jihadists attacked an army post near Djibo", "Sahel"),
        ("al-Shabaab claimed the bombing in Mogadishu", "Somalia"),
        ("Al-Shabaab fighters overran a base", "Somalia"),
        ("Fano militiamen entered Gondar", "Ethiopia"),
        ("Air strikes hit Idlib province", "Syria"),
        ("ELN guerrillas attacked a patrol in Catatumbo", "Colombia"),
        ("Insurgents ambushed a patrol in Helmand province", "Afghanistan"),
        ("Gangs torched homes in Port-au-Prince", "Haiti"),
        # Pakistan's own insurgency, unless India is in the story
        ("Suicide bomber kills 12 soldiers in North Waziristan", "Pakistan insurgency"),
        ("Pakistan says it killed 30 militants in northwest operation", "Pakistan insurgency"),
        ("TTP fighters attacked a checkpoint in Bannu", "Pakistan insurgency"),
        ("India and Pakistan agree to a ceasefire", "India-Pakistan"),
        ("Pakistan shells Indian posts", "India-Pakistan"),
    ],
)
def test_conflict_of_a_sentence(text, expected):
    assert conflict(text) == expected


@pytest.mark.parametrize("text", ["Prices rose in Paris and London", "The weather was mild", "A turkey for Christmas"])
def test_text_without_a_conflict(text):
    assert conflict(text) is None


def test_longest_name_wins_south_sudan_is_not_sudan():
    assert conflict("Fighting in South Sudan's Upper Nile state") == "South Sudan"


def test_whole_words_only_mali_is_not_found_in_somalia():
    assert default_gazetteer().parties("Somalia's president spoke") == []
    assert conflict("Nigerian troops clashed with Boko Haram") == "Nigeria"


def test_israel_alone_defaults_to_gaza_and_other_cues_decide():
    assert conflict("Israel said it was ready") == "Israel-Hamas"
    assert conflict("Israel struck Hezbollah positions") == "Israel-Hezbollah"
    assert conflict("Israel struck the Natanz enrichment site") == "Israel-Iran"


def test_mediators_do_not_decide_the_conflict():
    # Washington and Paris are outside actors, not sides of any war.
    assert conflict("Washington and Paris welcomed the move") is None


@pytest.mark.parametrize(
    "phrase, expected",
    [
        ("Russian forces", "Russia"),
        ("the Kremlin", "Russia"),
        ("Moscow", "Russia"),
        ("Ukrainian drones", "Ukraine"),
        ("Azerbaijani troops", "Azerbaijan"),
        ("Azeri officials", "Azerbaijan"),
        ("Yerevan", "Armenia"),
        ("the Rapid Support Forces", "RSF"),
        ("Houthi rebels", "Houthis"),
        ("the IDF", "Israel"),
        ("Washington", "United States"),
        ("the U.S. envoy", "United States"),
        ("Qatari mediators", "Qatar"),
        ("the International Committee of the Red Cross", "ICRC"),
        ("the Red Cross", "ICRC"),
        ("the Yemen government", "Yemeni government"),
        ("Turkish-backed Syrian National Army fighters", "Syrian National Army"),
        ("the weather", None),
    ],
)
def test_party_canonicalisation(phrase, expected):
    assert canonical_party(phrase) == expected


def test_apostrophe_variants_match():
    assert default_gazetteer().find_places("Fighting near Ma\u2019rib") == ["Ma\u2019rib"]


def test_find_places_in_order_and_not_parties():
    assert find_places("Russian shelling of Kharkiv and Sumy") == ["Kharkiv", "Sumy"]


def test_local_clock_of_a_conflict():
    assert default_gazetteer().clock("Armenia-Azerbaijan").utcoffset(None) == timedelta(hours=4)
    assert default_gazetteer().clock(None) is None


def test_user_conflict_from_config_is_found_with_its_demonyms():
    gaz = build_gazetteer([
        {
            "name": "Ruritania-Borduria",
            "parties": ["Ruritania", "Borduria"],
            "aliases": ["Ruritanian border war"],
            "places": ["Strelsau", "Zenda"],
            "demonyms": {"Ruritanian": "Ruritania", "Bordurian": "Borduria"},
            "utc": "+01:00",
        }
    ])
    assert gaz.conflict_of("Bordurian guns shelled Zenda") == "Ruritania-Borduria"
    assert gaz.canonical("Bordurian gunners") == "Borduria"
    assert gaz.clock("Ruritania-Borduria").utcoffset(None) == timedelta(hours=1)
    # The shipped conflicts are still there.
    assert gaz.conflict_of("Shelling in Kharkiv") == "Russia-Ukraine"


def test_a_conflict_zone_keeps_summer_time():
    gaz = build_gazetteer([{"name": "Ruritania-Borduria", "parties": ["Ruritania"], "utc": "+01:00",
                            "zone": "Europe/Paris"}])
    clock = gaz.clock("Ruritania-Borduria")
    assert clock.utcoffset(datetime(2025, 7, 1)) == timedelta(hours=2)
    assert clock.utcoffset(datetime(2025, 1, 1)) == timedelta(hours=1)


def test_an_unknown_zone_falls_back_to_the_offset():
    gaz = build_gazetteer([{"name": "Ruritania-Borduria", "utc": "+01:00", "zone": "Nowhere/Zenda"}])
    assert gaz.clock("Ruritania-Borduria").utcoffset(datetime(2025, 7, 1)) == timedelta(hours=1)


def test_user_entry_can_extend_a_shipped_conflict():
    gaz = build_gazetteer([{"name": "Sudan", "places": ["Um Kadada"]}])
    assert gaz.conflict_of("Drones struck Um Kadada") == "Sudan"
    assert "RSF" in gaz.conflicts["Sudan"].parties


def test_an_outside_body_never_decides_the_conflict():
    assert conflict("The Red Cross delivered aid") is None


def test_mentions_carry_what_each_name_means():
    found = default_gazetteer().mentions("Russian drones hit Kharkiv, the ICRC said.")
    by_text = {m.text: m for m in found}
    assert by_text["Kharkiv"].is_place and by_text["Kharkiv"].votes()
    assert by_text["Russian"].is_demonym and not by_text["Russian"].is_place
    assert not by_text["ICRC"].votes()


# -- literal gates: a cheap first test that must never turn away a real match ------------

GATED = [
    r"cease-?fires?", "truces?", r"(?:agree|accept)\w* (?:to )?(?:halt|stop) (?:the )?(?:attacks|fighting)",
    r"halt (?:in|to) (?:the )?fighting", r"(?:operational|[\w-]+-(?:day|hour)) pauses?",
]


@pytest.mark.parametrize("text", [
    "russia and ukraine agreed a ceasefire", "a three-day truce began", "both sides accepted to halt the attacks",
    "a call for a halt to fighting", "israel announced a 72-hour pause", "the cease-fire collapsed",
])
def test_a_gate_lets_every_matching_text_through(text):
    assert lexicon(GATED).search(text) is not None
    assert literal_gate(GATED).search(text) is not None


def test_a_gate_turns_away_text_without_any_of_its_words():
    assert literal_gate(GATED).search("insurgents attacked a checkpoint in kandahar province") is None


def test_a_pattern_without_a_fixed_word_makes_the_gate_always_pass():
    assert literal_gate(["truce", r"[a-z]+\d+"]).search("nothing here") is not None
    assert literal_gate(["truce", r"\w+ed"]).search("it ended") is not None  # "ed" is needed
    assert literal_gate(["(?i)truce"]).search("TRUCE") is not None  # case-blind patterns are not gated


def test_the_shipped_truce_gate_never_rejects_a_truce_sentence():
    corpus = Path(__file__).parent / "data" / "corpus.jsonl"
    r = truce_rules()
    for line in corpus.read_text(encoding="utf-8").splitlines():
        story = json.loads(line)
        for sentence in [story["title"], *split_sentences(story["summary"])]:
            low = lower(sentence)
            if r.trigger.search(low):
                assert r.trigger_gate.search(low), sentence
            if r.background.search(low):
                assert r.background_gate.search(low), sentence


def corpus_sentences() -> list[str]:
    corpus = Path(__file__).parent / "data" / "corpus.jsonl"
    stories = [json.loads(line) for line in corpus.read_text(encoding="utf-8").splitlines()]
    return [s for story in stories for s in [story["title"], *split_sentences(story["summary"])]]


# -- needed strings and gated regexes: skip a scan only when it cannot match ----------------

def test_needed_strings_are_in_every_match():
    assert needed_strings([r"\baccording to (?:the )?"], fold=False) == ("according to ",)
    assert set(needed_strings(["(?:accus(?:ed|e)|blam(?:ed|e))"])) == {"accuse", "blame"}
    assert needed_strings([r"\w+ly"]) == ("ly",)
    assert needed_strings(["truce", r"[a-z]+\d+"]) is None  # the second needs no fixed string


@pytest.mark.parametrize("text", ["according to the army", "nothing here", "According to", "accordingly"])
def test_a_gated_regex_finds_what_the_regex_finds(text):
    regex = re.compile(r"\baccording to (?:the )?")
    wrapped = gated(regex)
    assert isinstance(wrapped, Gated)
    assert [m.span() for m in wrapped.finditer(text)] == [m.span() for m in regex.finditer(text)]
    assert (wrapped.search(text) is None) == (regex.search(text) is None)
    assert wrapped.sub("", text) == regex.sub("", text)


def test_a_gated_regex_skips_texts_without_its_strings():
    assert not gated(re.compile(r"\bbetween (\w+) and")).may_match("peace talks in doha")
    assert gated(re.compile(r"\w+")).pattern == r"\w+"  # nothing needed: left as it is


@pytest.mark.parametrize("text", ["SINCE then", "Since", "since", "\u017fince", "nothing", "\u0130nce"])
def test_a_case_blind_gated_regex_tests_the_lower_cased_text(text):
    regex = re.compile(r"\bsince\b", re.IGNORECASE)  # "\u017f" (long s) matches "s" here
    assert (gated(regex).search(text) is None) == (regex.search(text) is None)


def test_may_contain_never_turns_away_a_case_blind_match():
    assert may_contain("Moscow-BROKERED truce", ("brokered",))
    assert not may_contain("Moscow talks", ("brokered",))
    assert may_contain("\u017fponsored", ("sponsored",))  # a long s folds to "s": no verdict
    assert may_contain("anything", None)


# -- start guards: one look at how a word begins before any pattern is tried ---------------

GUARDED_BODY = (r"(?:halt|end)(?:s|ed)? (?:the )?(?:[\w-]+ )?truce|(?:the )?(?:cease-?fire|truce) collapsed"
                r"|[ck]ill(?:s|ed)|under(?= the truce)|(?<!no )deal|x{2,}y")


@pytest.mark.parametrize("text", [
    "they ended the fragile truce", "halts truce", "the ceasefire collapsed", "cease-fire collapsed", "cills",
    "killed", "under the truce", "a deal", "no deal", "xxxy", "nothing of the kind", "endless",
])
def test_a_start_guard_never_turns_a_match_away(text):
    guard = _start_guard(GUARDED_BODY)
    assert guard
    plain = re.compile(r"\b(?:" + GUARDED_BODY + ")")
    guarded = re.compile(r"\b" + guard + "(?:" + GUARDED_BODY + ")")
    assert [m.span() for m in guarded.finditer(text)] == [m.span() for m in plain.finditer(text)]


def test_a_start_guard_turns_away_words_that_begin_otherwise():
    guard = re.compile(_start_guard(GUARDED_BODY))
    assert guard.match("attack") is None and guard.match("truce") is not None and guard.match("xxy") is not None


@pytest.mark.parametrize("body", [r"[\w-]+-day pause|truce", r"(?:the )?|truce", r"(?i:truce)"])
def test_no_guard_where_a_match_can_begin_in_a_way_not_spelled_out(body):
    assert _start_guard(body) == ""


def test_the_shipped_guards_find_what_the_unguarded_lexicons_find(monkeypatch):
    def tables(rules):
        return {name: value.pattern if isinstance(value, PhraseTable) else value
                for name, value in vars(rules).items() if isinstance(value, (PhraseTable, re.Pattern))}

    with_guard = {**tables(truce.rules()), **tables(violation.rules())}
    monkeypatch.setattr(gazetteer, "_start_guard", lambda body, size=4: "")
    without = {**tables(truce.rules.__wrapped__()), **tables(violation.rules.__wrapped__())}
    guarded = [name for name in with_guard if with_guard[name].pattern != without[name].pattern]
    assert "background" in guarded  # (the lexicons' choices are grouped by first character instead)
    for text in map(lower, corpus_sentences()):
        for name in guarded:
            found = [(m.span(), m.lastgroup) for m in with_guard[name].finditer(text)]
            assert found == [(m.span(), m.lastgroup) for m in without[name].finditer(text)], (name, text)


BACKGROUND_LIKE = [r"\b(?:days?|weeks?) (?:after|since)\b", r", (?:after|following)\b", "; ", " - ",
                   r"\b(?:which|that) (?:had )?(?:collapsed|failed)", r"\b(?:replac\w+) (?:a|the) "]


@pytest.mark.parametrize("text", [
    "fighting resumed days after the truce", "the truce, after talks, held", "a; b", "x - y", "x-y",
    "the deal that had collapsed", "replacing the truce", "nothing here", "weeksafter", ",after",
])
def test_a_guarded_alternation_finds_what_the_plain_one_finds(text):
    plain = re.compile("|".join(f"(?:{p})" for p in BACKGROUND_LIKE))
    fast = guarded(BACKGROUND_LIKE)
    assert fast.pattern.startswith("(?=")  # the guard is there
    assert [m.span() for m in fast.finditer(text)] == [m.span() for m in plain.finditer(text)]


# -- the speed mechanisms of the finders: each gives what the plain reading gives ------------

def test_avoided_strings_are_passed_over_but_every_match_still_holds_one():
    patterns = [r"(?:trade|tariff) (?:truce|cease-?fire)", r"in (?:violation|breach) of (?:the )?truce"]
    chosen = needed_strings(patterns, avoid=("truce", "cease", " of ", "in "))
    assert not any(a in w or w in a for w in chosen for a in ("truce", "cease", " of ", "in "))
    for text in ["a trade truce", "tariff ceasefire", "in violation of the truce", "in breach of truce"]:
        assert any(w in text for w in chosen)
    assert needed_strings(["[;:]|while"]) == (":", ";", "while")  # a class of a few characters counts


def test_a_literal_gate_is_a_trie_that_answers_as_the_plain_alternation():
    words = ["cease", "ceasefire", "truce", "armistice", "on each other"]
    gate = literal_gate(words)
    plain = re.compile("|".join(words))
    for text in ["a cease", "ceasefires", "armistic", "on each", "fight on each other", "truc e"]:
        assert (gate.search(text) is None) == (plain.search(text) is None)


@pytest.mark.parametrize("variant", [
    str, str.upper, str.lower, lambda s: "x" + s, lambda s: s.replace(" ", "", 2), lambda s: s.replace(" ", "_", 2),
    lambda s: s.replace("'", "\u2019").replace("-", "\u2010"), lambda s: s.replace("Israel", "Israeli"),
])
def test_a_stretch_read_off_the_sentence_names_the_parties_a_scan_of_it_finds(variant):
    gaz = default_gazetteer()
    for sentence in map(variant, corpus_sentences()[::3]):
        mentions = gaz.mentions(sentence)
        cuts = {0, len(sentence)} | {c + d for m in mentions for c in (m.start, m.end) for d in (-1, 0, 1)}
        cuts |= {i for i, c in enumerate(sentence) if c == " "}
        cuts = sorted(c for c in cuts if 0 <= c <= len(sentence))
        for start in cuts:
            for end in cuts[::2]:
                for conflict in (None, "Israel-Hamas", "Russia-Ukraine"):
                    expected = gaz.parties(sentence[start:end], conflict, actors=False)
                    assert gaz.parties_within(sentence, mentions, start, end, conflict, False) == expected


def test_the_ascii_rules_find_what_the_unicode_rules_find():
    """ASCII text is read with lexicons compiled under re.ASCII (faster word tests)."""
    for module in (truce, violation):
        unicode, ascii_ = module.rules(), module.ascii_rules()
        for name, value in vars(unicode).items():
            other = getattr(ascii_, name)
            if isinstance(value, PhraseTable):
                value, other = value.pattern, other.pattern
            elif isinstance(value, Gated):
                value, other = value.regex, other.regex
            if not isinstance(value, re.Pattern):
                continue
            assert other.pattern == value.pattern
            for text in map(lower, corpus_sentences()):
                found = [(m.span(), m.lastgroup) for m in value.finditer(text)]
                assert found == [(m.span(), m.lastgroup) for m in other.finditer(text)], (name, text)
    assert truce.rules_for("truce") is truce.ascii_rules()
    assert truce.rules_for("tr\u00fcce") is truce.rules()


def test_the_shipped_lexicons_grouped_by_first_character_find_what_their_text_finds():
    grouped = {}
    for module in (truce, violation):
        for rules in (module.rules(), module.ascii_rules()):
            for name, value in vars(rules).items():
                pattern = value.pattern if isinstance(value, (PhraseTable, Gated)) else value
                if isinstance(pattern, re.Pattern) and pattern != re.compile(pattern.pattern, pattern.flags):
                    grouped[f"{module.__name__}.{name}/{pattern.flags}"] = pattern
    assert {"cues", "acts", "any_act", "exclusions"} <= {key.split(".")[-1].split("/")[0] for key in grouped}
    for text in map(lower, corpus_sentences()):
        for name, pattern in grouped.items():
            plain = re.compile(pattern.pattern, pattern.flags)
            found = [(m.span(), m.lastgroup, m.groups()) for m in pattern.finditer(text)]
            assert found == [(m.span(), m.lastgroup, m.groups()) for m in plain.finditer(text)], (name, text)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.text("aefkq -;.'", min_size=1, max_size=5), min_size=1, max_size=6), st.text("aefkq -;.'", max_size=30))
def test_presence_tells_whether_one_of_the_strings_is_in_the_text(strings, text):
    assert (gazetteer.presence(strings).search(text) is not None) == any(s in text for s in strings)


@pytest.mark.parametrize("text", [
    "al\u2011Shabaab fighters", "an al Shabab raid", "in eastern DR Congo", "coalition security forces",
    "the al-Qassam Brigades said", "talks in southern Lebanon", "al-Shabab", "Shabaab alone", "nothing here",
])
def test_names_that_start_in_lower_case_are_found_as_the_whole_pattern_finds_them(text):
    gaz = default_gazetteer()
    expected = [(m.start(), m.group()) for m in gaz._pattern.finditer(text)
                if not (m.start() and (text[m.start() - 1].isalnum() or text[m.start() - 1] == "_"))]
    assert [(m.start, m.text) for m in gaz.mentions(text)] == expected
