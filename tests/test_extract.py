"""extract(): whole stories in, events with evidence and conflict out."""

from datetime import datetime, timezone

import pytest

from sitmon.extract import RULES_VERSION, Extractor, _conflicts_named, extract, load_extractor
from sitmon.extract.events import Casualty, Truce, Violation
from sitmon.extract.gazetteer import default_gazetteer

PUBLISHED = datetime(2020, 10, 17, 16, 30, tzinfo=timezone.utc)  # 20:30 in Baku and Yerevan

# The reference story of DESIGN.md, in our own words.
KARABAKH_TITLE = "Armenia and Azerbaijan agree humanitarian truce from midnight"
KARABAKH_SUMMARY = (
    "Armenia and Azerbaijan said a new humanitarian ceasefire would take effect at midnight, "
    "a week after a Moscow-brokered truce collapsed almost at once. "
    "France said it had mediated with Russia and the United States, which co-chair the Minsk Group. "
    "Azerbaijan said 14 people were killed in an overnight missile attack on Ganja. "
    "Stepanakert, the main city of Nagorno-Karabakh, was shelled again, local officials said. "
    "The fighting has killed more than 600 Armenian soldiers, scores of civilians and an unknown number of Azerbaijanis. "
    "The war in the early 1990s killed some 20,000 people."
)


@pytest.fixture(scope="module")
def karabakh():
    return extract(KARABAKH_TITLE, KARABAKH_SUMMARY, PUBLISHED)


def of(events, kind):
    return [e for e in events if isinstance(e, kind)]


def test_reference_story_truce(karabakh):
    truces = of(karabakh, Truce)
    assert truces, "the truce was not found"
    headline = truces[0]
    assert headline.conflict == "Armenia-Azerbaijan"
    assert headline.status == "agreed"
    assert set(headline.parties) == {"Armenia", "Azerbaijan"}
    assert headline.kind == "humanitarian"
    # The coming midnight in Baku and Yerevan (UTC+4).
    assert headline.effective == "2020-10-17T20:00:00+00:00"
    assert {"France", "Russia", "United States"} <= set(headline.mediators)
    assert all(t.conflict == "Armenia-Azerbaijan" for t in truces)


def test_reference_story_violations(karabakh):
    violations = of(karabakh, Violation)
    places = {v.location for v in violations}
    assert {"Ganja", "Stepanakert"} <= places
    ganja = next(v for v in violations if v.location == "Ganja")
    assert ganja.claimed_by == "Azerbaijan"
    assert ganja.weapon == "missile"
    assert all(v.conflict == "Armenia-Azerbaijan" for v in violations)


def test_reference_story_casualties_keep_history_apart(karabakh):
    casualties = of(karabakh, Casualty)
    current = [c for c in casualties if not c.historical]
    assert any(c.killed == 14 and c.scope == "incident" for c in current)
    assert any(c.killed and c.killed >= 600 and c.scope == "cumulative" for c in current)
    assert not any(c.killed == 20000 for c in current)
    assert any(c.killed == 20000 and c.historical for c in casualties)


def test_every_event_carries_its_sentence(karabakh):
    text = KARABAKH_TITLE + " " + KARABAKH_SUMMARY
    for event in karabakh:
        assert event.evidence and event.evidence in text


def test_events_serialise_to_the_design_contract(karabakh):
    for event in karabakh:
        data = event.as_dict()
        assert data["type"] in ("truce", "violation", "casualty")
        assert {"conflict", "evidence"} <= set(data)
        if data["type"] == "truce":
            assert {"status", "parties", "mediators", "kind", "effective"} <= set(data)
        if data["type"] == "violation":
            assert {"actor", "claimed_by", "location", "weapon"} <= set(data)


def test_one_truce_per_sentence():
    events = extract("Israel and Hamas agree truce after earlier truce collapsed", "", PUBLISHED)
    assert len(of(events, Truce)) == 1


def test_title_and_summary_each_give_their_own_events():
    events = extract("Gaza ceasefire takes effect", "The ceasefire took effect at 8:30 a.m.", PUBLISHED)
    assert [e.evidence for e in of(events, Truce)] == ["Gaza ceasefire takes effect", "The ceasefire took effect at 8:30 a.m."]


def test_a_sentence_without_names_takes_the_story_conflict():
    events = extract("Russian missiles hit Kyiv", "The attack damaged a hospital.", PUBLISHED)
    assert [v.conflict for v in of(events, Violation)] == ["Russia-Ukraine", "Russia-Ukraine"]


def test_the_conflicts_a_story_names_are_read_until_there_are_two():
    gazetteer = default_gazetteer()
    named = [gazetteer.mentions("Russian drones struck Kharkiv."), gazetteer.mentions("Kyiv said 20 were downed.")]
    assert _conflicts_named(named) == {"Russia-Ukraine"}
    assert _conflicts_named([[], gazetteer.mentions("Talks resumed in Geneva with France and Qatar.")]) == set()
    shared = [gazetteer.mentions("Russian drones struck Kharkiv."), gazetteer.mentions("Israel said it struck back.")]
    assert len(_conflicts_named(shared)) > 1  # from a second one on, the scores decide


def test_a_roundup_keeps_each_sentence_in_its_own_war():
    events = extract(
        "World news in brief",
        "Russian drones struck Kharkiv overnight. In Gaza, an Israeli airstrike hit a school in Khan Younis.",
        PUBLISHED,
    )
    assert [v.conflict for v in of(events, Violation)] == ["Russia-Ukraine", "Israel-Hamas"]


def test_mediator_city_does_not_pull_a_sentence_into_another_war():
    events = extract(
        "Armenia and Azerbaijan agree ceasefire",
        "The truce was negotiated during talks in Moscow.",
        PUBLISHED,
    )
    assert {t.conflict for t in of(events, Truce)} == {"Armenia-Azerbaijan"}


def test_outsiders_who_announce_a_truce_between_others_are_its_mediators():
    """The announcers are read as the sides first, until the story's parties replace them."""
    [truce] = extract("", "Saudi Arabia and the US announced a 7-day ceasefire in Sudan starting Monday.", PUBLISHED)
    assert set(truce.parties) == {"Sudanese army", "RSF"}
    assert set(truce.mediators) == {"Saudi Arabia", "United States"}


def test_summary_fills_what_the_headline_violation_left_open():
    events = extract("Houthis claim missile attack on Eilat", "The projectile landed near a hotel in Eilat.", PUBLISHED)
    body = of(events, Violation)[-1]
    assert body.actor == "Houthis"


def test_a_separate_attack_in_the_summary_is_not_given_the_headlines_attacker():
    events = extract(
        "Sudan: RSF attack on El Fasher kills 30",
        "At least 30 civilians were killed in El Fasher on Monday. Separately, a drone strike on Kadugli killed five.",
        PUBLISHED,
    )
    assert [(v.location, v.actor) for v in of(events, Violation)] == [
        ("El Fasher", "RSF"), ("Kadugli", None)]


@pytest.mark.parametrize(
    "title, summary",
    [
        ("US and China agree tariff truce", "Markets rallied as the 90-day pause on new duties began."),
        ("Heavy rain floods the valley", "Three people drowned."),
        ("", ""),
        ("Stocks hit a record high", "Investors cheered the results."),
    ],
)
def test_quiet_stories_give_no_truce_or_violation(title, summary):
    events = extract(title, summary, PUBLISHED)
    assert not of(events, Truce) and not of(events, Violation)


def test_naive_publication_time_is_taken_as_utc():
    events = extract("Ceasefire in Gaza takes effect at noon", "", datetime(2024, 1, 5, 6, 0))
    assert of(events, Truce)[0].effective == "2024-01-05T10:00:00+00:00"  # noon in Gaza (UTC+2)


def test_extractor_with_a_conflict_from_the_config():
    extractor = load_extractor([
        {"name": "Ruritania-Borduria", "parties": ["Ruritania", "Borduria"], "places": ["Zenda"],
         "demonyms": {"Bordurian": "Borduria"}, "aliases": [], "utc": "+01:00"}
    ])
    assert isinstance(extractor, Extractor)
    events = extractor.extract("Bordurian artillery shells Zenda", "", PUBLISHED)
    violation = of(events, Violation)[0]
    assert violation.conflict == "Ruritania-Borduria"
    assert violation.actor == "Borduria"
    assert violation.location == "Zenda"


def test_default_extractor_is_reused():
    assert load_extractor() is load_extractor([])


def test_rules_version_is_a_positive_int():
    assert isinstance(RULES_VERSION, int) and RULES_VERSION >= 1


def test_a_hostile_act_inside_a_running_truce_is_a_breach():
    events = extract("Houthis accused of shelling Taiz during UN truce", "", PUBLISHED)
    assert of(events, Truce)[0].status == "violated"
    assert of(events, Violation)[0].breach


def test_fighting_after_a_truce_collapsed_is_no_breach():
    events = extract(
        "Karabakh truce falters as both sides report shelling",
        "The ceasefire had broken down within hours, Armenia and Azerbaijan said.",
        PUBLISHED,
    )
    assert "collapsed" in {t.status for t in of(events, Truce)}
    assert not any(v.breach for v in of(events, Violation))


def test_stories_without_any_cue_skip_the_finders_but_keep_casualties():
    events = extract("Ten killed as gunmen storm a village in Zamfara", "Police said the attackers fled.", PUBLISHED)
    assert not of(events, Truce)
    assert of(events, Casualty)


@pytest.mark.parametrize("find, sentence", [
    ("sitmon.extract.truce:find_truce",
     "Russia and Ukraine agreed a 30-day ceasefire from midnight, mediated by Turkey."),
    ("sitmon.extract.violation:find_violation",
     "Hamas fighters fired rockets at Ashkelon, the Israeli army said."),
])
def test_a_lower_cased_sentence_from_the_caller_gives_the_same_event(find, sentence):
    """The extractor lowers each sentence once and hands it to every finder."""
    import importlib

    from sitmon.extract.events import Context
    from sitmon.extract.gazetteer import default_gazetteer, lower

    module, name = find.split(":")
    finder = getattr(importlib.import_module(module), name)
    gaz = default_gazetteer()
    ctx = Context(published=PUBLISHED, conflict=gaz.conflict_of(sentence))
    plain = finder(sentence, ctx, gaz, story=sentence)
    assert plain is not None
    assert finder(sentence, ctx, gaz, story=sentence, low=lower(sentence)) == plain


@pytest.mark.parametrize(
    ("title", "conflict", "actor"),
    [
        ("BREAKING: RUSSIAN MISSILE STRIKE ON KYIV KILLS 12", "Russia-Ukraine", "Russia"),
        ("RSF FIGHTERS STORM EL FASHER, 30 DEAD", "Sudan", "RSF"),
    ],
)
def test_a_headline_in_capitals_is_read_and_quoted_as_written(title, conflict, actor):
    events = extract(title, "", PUBLISHED)
    [violation] = of(events, Violation)
    assert (violation.conflict, violation.actor) == (conflict, actor)
    assert {e.evidence for e in events} == {title}
