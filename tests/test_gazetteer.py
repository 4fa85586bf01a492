"""The conflict gazetteer: which war a sentence is about, who the sides are, where."""

import json
from datetime import timedelta
from pathlib import Path

import pytest

from sitmon.extract import split_sentences
from sitmon.extract.gazetteer import (
    build_gazetteer,
    canonical_party,
    default_gazetteer,
    find_places,
    lexicon,
    literal_gate,
    lower,
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
    assert default_gazetteer().utc_offset("Armenia-Azerbaijan").utcoffset(None) == timedelta(hours=4)
    assert default_gazetteer().utc_offset(None) is None


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
    assert gaz.utc_offset("Ruritania-Borduria").utcoffset(None) == timedelta(hours=1)
    # The shipped conflicts are still there.
    assert gaz.conflict_of("Shelling in Kharkiv") == "Russia-Ukraine"


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
