"""Casualty figures read from single sentences of war news.

Every sentence here was written for this test.  Each case states only the fields
it is about; ``None`` for a sentence means no casualty event at all.
"""

from __future__ import annotations

import re
from datetime import datetime, timezone

import pytest

from sitmon.extract.casualty import find_casualties, fold_casualties
from sitmon.extract.events import Casualty, Context

NOW = Context(published=datetime(2020, 10, 18, 6, 0, tzinfo=timezone.utc), conflict="armenia-azerbaijan")


def one(sentence: str, ctx: Context = NOW) -> Casualty:
    events = find_casualties(sentence, ctx)
    assert len(events) == 1, (sentence, events)
    return events[0]


def check(sentence: str, expected: dict | None, ctx: Context = NOW) -> None:
    events = find_casualties(sentence, ctx)
    if expected is None:
        assert events == [], (sentence, [e.as_dict() for e in events])
        return
    assert len(events) == 1, (sentence, [e.as_dict() for e in events])
    got = events[0].as_dict()
    assert {k: got[k] for k in expected} == expected, sentence


# --- killed and wounded, passive and active ------------------------------------
@pytest.mark.parametrize(
    ("sentence", "expected"),
    [
        ("Azerbaijan says 14 people were killed in a missile strike on Ganja.", {"killed": 14, "wounded": None}),
        ("Three soldiers killed as shells hit a border post", {"killed": 3}),
        ("Fourteen dead after overnight shelling of Stepanakert", {"killed": 14}),
        ("An aid worker was shot dead at a checkpoint near Goma.", {"killed": 1, "victims": "aid workers"}),
        ("One soldier died of his wounds in hospital on Sunday, the army said.", {"killed": 1, "victims": "soldiers"}),
        ("The drone strike killed two fighters near the front.", {"killed": 2, "victims": "militants"}),
        ("Rebels ambushed the convoy, killing at least 12 troops.", {"killed": 12, "victims": "soldiers"}),
        ("The raid killed 14 and wounded 30, officials said.", {"killed": 14, "wounded": 30}),
        ("The blast left 3 dead and 17 injured in the market.", {"killed": 3, "wounded": 17}),
        ("14 dead and dozens injured as missiles hit Kharkiv", {"killed": 14, "wounded": 12}),
        ("The strike on the bus station claimed the lives of nine commuters.", {"killed": 9}),
        ("The bombardment claimed 23 lives overnight.", {"killed": 23}),
        ("Heavy shelling wounded eleven civilians in the town.", {"wounded": 11, "killed": None, "victims": "civilians"}),
        ("Two medics were injured when a shell hit the clinic.", {"wounded": 2, "victims": "aid workers"}),
        ("The attack resulted in the deaths of 12 policemen.", {"killed": 12, "victims": "police"}),
        ("Gunmen stormed the village, leaving 40 people dead.", {"killed": 40}),
        ("Taliban attack a checkpoint, kill 9 policemen", {"killed": 9, "victims": "police"}),
        ("Militants killed a police officer and wounded two others in Kandahar.", {"killed": 1, "wounded": 2}),
        ("Officer killed, four troops hurt in clash with rebels", {"killed": 1, "wounded": 4}),
        ("Soldier killed by sniper fire in Donetsk region", {"killed": 1}),
        ("A 14-year-old boy was killed by shrapnel in Sderot.", {"killed": 1, "victims": "children"}),
        ("Mullah Hakim was killed in a drone strike on Tuesday, officials said.", {"killed": 1}),
        ("Troops killed Hamas commander Abu Salem in an overnight raid.", {"killed": 1, "side": "Hamas"}),
    ],
)
def test_killed_and_wounded(sentence, expected):
    check(sentence, expected)


# --- numbers: words, vague quantities, bounds, ranges ----------------------------
@pytest.mark.parametrize(
    ("sentence", "expected"),
    [
        ("Twenty-three people were killed in the strike.", {"killed": 23}),
        ("One hundred and twelve soldiers have died in the battle for the town.", {"killed": 112}),
        ("More than 1,200 people were killed in the offensive.", {"killed": 1200}),
        ("At least 2.5 million people fled and 1,500 were killed.", {"killed": 1500}),
        ("Several civilians were killed in the crossfire.", {"killed": 3, "victims": "civilians"}),
        ("Dozens of fighters were killed in the clashes.", {"killed": 12}),
        ("Scores of civilians were wounded in the bombing.", {"wounded": 20}),
        ("Shelling killed a few residents of the border village.", {"killed": 3}),
        ("Airstrikes killed tens of people in the camp.", {"killed": 10}),
        ("Hundreds of troops were killed in the assault.", {"killed": 100}),
        ("Up to 30 people may have been killed in the strike.", {"killed": 30, "killed_high": 30}),
        ("Between 5 and 8 soldiers were wounded in the attack.", {"wounded": 5, "wounded_high": 8}),
        ("The air raid killed 10 to 15 fighters.", {"killed": 10, "killed_high": 15}),
        ("Two or three villagers were killed, witnesses said.", {"killed": 2, "killed_high": 3}),
        ("A dozen soldiers were wounded by a roadside bomb.", {"wounded": 12}),
    ],
)
def test_numbers_in_context(sentence, expected):
    check(sentence, expected)


# --- sums and subsets ---------------------------------------------------------------
@pytest.mark.parametrize(
    ("sentence", "expected"),
    [
        ("A police officer and two civilians were killed in the blast.", {"killed": 3}),
        ("The strike killed three soldiers and four civilians.", {"killed": 7}),
        ("Two soldiers, a medic and a journalist died in the ambush.", {"killed": 4}),
        ("The attack killed a commander along with five fighters.", {"killed": 6, "victims": "militants"}),
        ("Shelling killed at least 12 people, including nine children.", {"killed": 12}),
        ("Twelve people, including five women, were killed overnight.", {"killed": 12}),
        ("The bombing killed 30 people, nine of whom were children.", {"killed": 30}),
        ("Among the dead were four children, and the toll rose to 18 after the strike.", {"killed": 18}),
        ("The strike killed two soldiers and three civilians were wounded.", {"killed": 2, "wounded": 3}),
    ],
)
def test_sums_and_subsets(sentence, expected):
    check(sentence, expected)


# --- victims and sides ------------------------------------------------------------
@pytest.mark.parametrize(
    ("sentence", "victims", "side"),
    [
        ("Twelve Ukrainian soldiers were killed near Bakhmut.", "soldiers", "Ukraine"),
        ("Azerbaijani shelling killed four Armenian troops.", "soldiers", "Armenia"),
        ("Nine Americans were killed in the attack.", None, "United States"),
        ("Five Israeli civilians were wounded by rocket fire.", "civilians", "Israel"),
        ("Seven RSF fighters were killed in the battle for El Fasher.", "militants", "RSF"),
        ("Two journalists were killed in southern Lebanon.", "journalists", None),
        ("The army said 15 Taliban were killed in the operation.", "militants", "Taliban"),
        # who says so is not the victims, with a subset cut out between them
        ("Russian strikes on Ukraine kill at least 25, including three children, officials say", None, None),
        ("Russian strikes killed 25 civilians, including three children, in Kherson.", "civilians", None),
    ],
)
def test_victims_and_side(sentence, victims, side):
    event = one(sentence)
    assert (event.victims, event.side) == (victims, side)


# --- scope: incident or cumulative --------------------------------------------------
@pytest.mark.parametrize(
    ("sentence", "scope"),
    [
        ("The war has killed more than 600 Armenian soldiers.", "cumulative"),
        ("The death toll since September rises to 1,200.", "cumulative"),
        ("So far 45 civilians have been killed, the ombudsman said.", "cumulative"),
        ("Since the war began, 3,000 people have been killed.", "cumulative"),
        ("In total, 87 soldiers have died since the start of the offensive.", "cumulative"),
        ("Israeli strikes have killed more than 40,000 people since October 2023.", "cumulative"),
        ("14 people were killed in an overnight missile attack on Ganja.", "incident"),
        ("The death toll from Tuesday's strike rose to 45.", "incident"),
        ("The war that began in February 2019 has killed tens of thousands.", "cumulative"),
        ("Fourteen soldiers were killed on Monday, the deadliest day since January.", "incident"),
        ("At least 12 people were killed in the worst attack this year.", "incident"),
        # the war's own toll with other deeds of the war between
        ("The war has displaced more than 10 million people and killed an estimated 150,000.", "cumulative"),
        ("The conflict has forced 3 million to flee and claimed at least 20,000 lives.", "cumulative"),
        ("The war has left 2 million homeless; a strike killed 12 people in Kharkiv.", "incident"),
        # the war named as where they died; a month's toll is no one attack
        ("An estimated 150,000 people have died in Sudan's war, US envoy says", "cumulative"),
        ("At least 40,000 people have been killed during the two-year conflict.", "cumulative"),
        ("UN says 1,000 civilians killed in Ukraine in past month, highest since 2022", "cumulative"),
        ("57 Palestinians killed in past 24 hours, ministry says", "incident"),
        ("More than 1,200 Ukrainian civilians were killed between January and June, UN monitors said.",
         "cumulative"),
        ("Some 400 people died in October alone, the highest monthly toll of the war.", "cumulative"),
        ("Ethiopia's two-year war in Tigray killed as many as 600,000 people, researchers estimate.", "cumulative"),
        ("The war's deadliest strike killed 50 people in Kramatorsk.", "incident"),
        ("Shelling in Donetsk killed one hundred and twelve people in a week.", "cumulative"),
    ],
)
def test_scope(sentence, scope):
    assert one(sentence).scope == scope


@pytest.mark.parametrize("sentence", [
    "200 soldiers were killed in the past three weeks.", "Over the last two months 90 died.",
    "Seven civilians died after two days of heavy shelling.", "12 were killed over the previous year.",
])
def test_a_span_of_weeks_of_war_is_a_toll_to_date(sentence):
    assert one(sentence).scope == "cumulative"


def test_every_span_of_war_has_one_of_the_words_tested_first():
    from sitmon.extract.casualty import _SPAN_WORDS, CUMULATIVE_SPAN_RE

    for text in ("in the past three weeks", "over the last two months", "during the previous few years",
                 "after two days of heavy shelling", "years of war", "within the past weeks"):
        assert CUMULATIVE_SPAN_RE.search(text), text
        assert any(word in text for word in _SPAN_WORDS), text


# --- historical figures --------------------------------------------------------------
@pytest.mark.parametrize(
    ("sentence", "historical"),
    [
        ("The previous war in the early 1990s killed some 20,000 people.", True),
        ("In 2014, separatists killed 298 people when they downed a jet.", True),
        ("About 30,000 people were killed in the first Karabakh war.", True),
        ("The 1994 genocide killed some 800,000 people.", True),
        ("The 2016 clashes killed about 200 soldiers on both sides.", True),
        ("The commander was responsible for an ambush that killed two soldiers.", True),
        ("About 30,000 people died in a war in the early 1990s.", True),
        ("A war that began in 1988 and killed 30,000 people ended in a ceasefire.", True),
        ("The Soviet war in Afghanistan killed a million people.", True),
        ("Previous rounds of fighting killed hundreds of people.", True),
        ("Last year, 14 people were killed in a similar attack.", True),
        ("Two years ago, a bombing at the same market killed 40 people.", True),
        ("The 2008-09 war killed about 1,400 people.", True),
        ("Six million Jews were killed in the Holocaust.", True),
        ("Armenia says 14 soldiers were killed on Saturday.", False),
        ("The war that began in 2018 has killed tens of thousands.", False),
        ("Fourteen soldiers were killed on Monday, the deadliest day since 2016.", False),
        ("Since 2014, the conflict has killed 14,000 people.", False),
        ("The 2020 war has killed more than 600 soldiers so far.", False),
    ],
)
def test_historical(sentence, historical):
    assert one(sentence).historical is historical


def test_history_is_judged_against_the_story_date():
    sentence = "The 2020 war killed about 6,500 people."
    assert one(sentence).historical is False
    later = Context(published=datetime(2023, 9, 20, tzinfo=timezone.utc))
    assert one(sentence, later).historical is True


def test_one_sentence_can_hold_a_current_and_a_historical_figure():
    events = find_casualties(
        "Fourteen civilians died in Ganja on Sunday; the war of the early 1990s killed some 20,000.", NOW)
    current = [e for e in events if not e.historical]
    past = [e for e in events if e.historical]
    assert [e.killed for e in current] == [14]
    assert [e.killed for e in past] == [20_000]


@pytest.mark.parametrize(
    ("sentence", "killed"),
    [
        ("Israeli army says it killed 'dozens of terrorists' in Gaza City raid", 12),
        ('Uganda LRA rebels kill "scores" in northern DR Congo', 20),
        ("The soldiers' bodies were returned after 3 were killed.", 3),
    ],
)
def test_quotation_marks_around_the_victims(sentence, killed):
    assert one(sentence).killed == killed


def test_a_list_among_the_dead_is_the_toll_when_no_other_figure_is_given():
    assert one("Blast at Gaza hospital compound: two doctors, a nurse and four patients among the dead").killed == 7
    # beside a toll it is a part of it
    assert [e.killed for e in find_casualties(
        "At least 20 people were killed; two children were among the dead.", NOW)] == [20]


def test_beheadings_are_killings():
    assert one("Mozambique: insurgents behead 11 villagers in Cabo Delgado").killed == 11


@pytest.mark.parametrize(
    ("sentence", "today", "recalled"),
    [
        ("An Israeli airstrike killed five people in Khan Younis, a day after 12 people died in shelling "
         "of Rafah, medics said.", 5, 12),
        ("Days after 30 people were killed in a drone strike on a market, shelling killed 8 in El Fasher.", 8, 30),
        ("40 killed in RSF attack on village a day after 12 people died in shelling of El Fasher", 40, 12),
    ],
)
def test_an_earlier_incident_recalled_is_not_added_to_todays(sentence, today, recalled):
    """Tallied once, in its own story of the day it happened: not summed into today's figure."""
    events = find_casualties(sentence, NOW)
    assert [e.killed for e in events if not e.historical] == [today]
    assert [e.killed for e in events if e.historical] == [recalled]


def test_a_toll_updated_a_day_after_its_attack_is_todays():
    assert one("The death toll from the strike rose to 40, a day after the attack on the market.").killed == 40


# --- things that are not casualties ----------------------------------------------------
@pytest.mark.parametrize(
    "sentence",
    [
        "A 7.8 magnitude earthquake killed 2,000 people in the region.",
        "Floods have killed at least 40 people this week.",
        "Twelve people died when a bus crashed on the mountain road.",
        "A fire broke out in the market, killing five traders.",
        "A gunman killed three people at a bar in the city centre.",
        "Police said the suspect stabbed two men to death after a dispute.",
        "Russia launched 40 drones and 6 missiles overnight.",
        "More than 2 million people have been displaced by the fighting.",
        "The town was shelled dozens of times overnight.",
        # a family is no count of its dead
        "Three generations of one family were killed when the shell hit their home.",
        "The ceasefire took effect at midnight after 44 days of fighting.",
        "The army said there were casualties but gave no figures.",
        "The attack caused 30 casualties.",
        "No civilians were injured or killed during the operation.",
        "None of the 30 passengers were hurt in the attack.",
        "The militants threatened to kill 10 hostages.",
        "A 72-hour truce was agreed on Monday.",
        "He was born in 1975 and killed the deal in 2019.",
        "Scores of insurgents killed, wounded in operations",
    ],
)
def test_not_a_casualty(sentence):
    check(sentence, None)


def test_a_terror_attack_is_not_ordinary_crime():
    assert one("A gunman killed three people at a bar in a terrorist attack.").killed == 3


HAITI = Context(published=datetime(2025, 3, 1, 12, 0, tzinfo=timezone.utc), conflict="Haiti")


def test_gangs_are_a_side_of_the_war_in_haiti_and_crime_elsewhere():
    assert one("Gangs killed 20 people in the Cite Soleil district.", HAITI).killed == 20
    check("Gangs killed 20 people in the Cite Soleil district.", None)  # another conflict's story
    check("Floods killed 20 people after days of rain.", None, HAITI)  # a disaster stays one
    nigeria = Context(published=HAITI.published, conflict="Nigeria")
    assert one("Kidnappers killed two hostages in Kaduna after ransom talks failed.", nigeria).killed == 2


def test_a_haiti_gang_headline_keeps_its_story_casualties():
    """The story fold drops the body's figures of a crime story; Haiti's gangs are no crime."""
    from sitmon.extract import extract

    events = extract("Gangs kill 20 in Port-au-Prince", "Armed men went door to door and 15 people were wounded.",
                     datetime(2025, 3, 1, 12, 0, tzinfo=timezone.utc))
    tally = [(e.killed, e.wounded) for e in events if isinstance(e, Casualty)]
    assert (20, None) in tally and (None, 15) in tally


def test_an_aircraft_shot_down_is_not_an_accident():
    assert one("The helicopter crashed after it was hit by a missile, killing four crew.").killed == 4


# --- event fields -------------------------------------------------------------------------
def test_event_carries_conflict_and_evidence():
    sentence = "Two civilians were killed in Stepanakert."
    event = one(sentence)
    assert event.conflict == "armenia-azerbaijan"
    assert event.evidence == sentence
    assert event.as_dict()["type"] == "casualty"


def test_sentence_without_cue_is_skipped():
    assert find_casualties("Talks resumed in Geneva with 14 delegations.", NOW) == []


def test_reference_story_figures():
    """The DESIGN reference story: 14 in Ganja, 600+ soldiers to date, 20,000 historical."""
    ganja = one("Azerbaijan said 14 people were killed in an overnight missile attack on Ganja.")
    war = one("The war has killed more than 600 Armenian soldiers, scores of civilians and an "
              "unknown number of Azerbaijanis.")
    past = one("The previous war in the early 1990s killed some 20,000 people.")
    assert (ganja.killed, ganja.scope, ganja.historical) == (14, "incident", False)
    assert war.killed >= 600 and war.scope == "cumulative" and not war.historical
    assert past.historical and past.killed == 20_000


# --- one victim without a number ----------------------------------------------------------
@pytest.mark.parametrize(
    ("sentence", "killed", "wounded"),
    [
        ("An insurgent was killed in the exchange of fire.", 1, None),
        ("The force killed the Taliban leader, Alaudin, in a raid.", 1, None),
        ("Troops killed rebel commander Joseph Kony in the forest.", 1, None),
        ("The army confirmed the death of Mullah Nafi in the strike.", 1, None),
        ("Sangari, an insurgent leader, was killed in an airstrike.", 1, None),
        ("One person was killed and another wounded in the shelling.", 1, 1),
        ("Both pilots were killed when the jet was shot down.", 2, None),
        ("The blast killed the group's deputy commander and four of his bodyguards.", 5, None),
        ("A woman and her two children were killed when a shell hit their home.", 3, None),
        ("A Russian general was killed by a bomb in Moscow.", 1, None),
        # ... but a general ceasefire kills no one
        ("A general ceasefire was agreed after 12 people were killed in the shelling.", 12, None),
    ],
)
def test_one_victim_without_a_number(sentence, killed, wounded):
    event = one(sentence)
    assert (event.killed, event.wounded) == (killed, wounded)


@pytest.mark.parametrize(
    "sentence",
    [
        "Troops killed Afghan civilians in the raid, villagers said.",  # a people, not a name
        "Nobody was killed in the attack on the convoy.",
        "The strike killed the talks, a diplomat said.",
    ],
)
def test_capitals_and_articles_are_not_always_victims(sentence):
    check(sentence, None)


def test_the_people_a_figure_counts_are_not_one_named_person():
    """"44,000 Palestinians had been killed": the capitalised word is the figure's victims,
    not a person's name (it once read as one death)."""
    event = one("The health ministry said that at least 44,000 Palestinians had been killed since the war began.")
    assert (event.killed, event.scope) == (44_000, "cumulative")
    assert one("Fayez Jan, a Taliban commander, was killed in Helmand province.").killed == 1


def test_both_after_a_figure_points_back():
    # "both" repeats the two already counted, it does not add two more
    assert one("Two insurgents were killed after they fired, the force returning fire and killing both.").killed == 2


# --- phrases that carry the victims -------------------------------------------------------
@pytest.mark.parametrize(
    ("sentence", "expected"),
    [
        ("Hezbollah says eight of its fighters were killed in the strikes.", {"killed": 8}),
        ("Five members of one family were killed when a shell hit their house.", {"killed": 5}),
        ("The overnight barrage killed a family of five.", {"killed": 5}),
        ("Russian strikes killed two people in Kharkiv and three in Zaporizhzhia.", {"killed": 5}),
        ("The strike on the bus station killed nine commuters.", {"killed": 9}),
        ("Dozens of Rohingya were killed in a drone attack near the river.", {"killed": 12}),
        ("Eleven soldiers, including a lieutenant colonel, were killed in a gunfight.", {"killed": 11}),
        ("A boy aged 14 was killed in the strike.", {"killed": 1, "victims": "children"}),
        ("Five people were hospitalised after a drone struck a residential building.", {"wounded": 5}),
        ("Nine Americans were among those killed, the State Department said.",
         {"killed": 9, "side": "United States"}),
        ("5 policemen among 7 killed in Balochistan attack", {"killed": 7}),
    ],
)
def test_victim_phrases(sentence, expected):
    check(sentence, expected)


@pytest.mark.parametrize(
    "sentence",
    [
        "He planned and executed numerous small-arms attacks against the army.",
        "Three children were among the dead.",  # a subset of a toll given elsewhere, no side
        "The blast was the deadliest since 2017, when a truck bomb killed more than 500 people.",
    ],
)
def test_figures_that_are_not_new_deaths(sentence):
    assert [e for e in find_casualties(sentence, NOW) if not e.historical] == []


# --- tolls --------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("sentence", "killed", "scope"),
    [
        ("Gaza death toll passes 40,000, health ministry says", 40_000, "cumulative"),
        # a health ministry counts the whole war, unless the toll is one attack's
        ("Gaza health ministry says death toll passes 40,000.", 40_000, "cumulative"),
        ("The health ministry said the death toll from the strike on the camp had risen to 33.", 33, "incident"),
        ("The death toll from last week's attack on a market in the city has risen to 17.", 17, "incident"),
        ("The death toll rose to 45.", 45, "incident"),
    ],
)
def test_toll_scope(sentence, killed, scope):
    event = one(sentence)
    assert (event.killed, event.scope) == (killed, scope)


def test_an_incident_and_the_new_total_are_two_events():
    events = find_casualties("The ministry reported 45 more servicemen killed, bringing the total to 673.", NOW)
    assert sorted((e.scope, e.killed) for e in events) == [("cumulative", 673), ("incident", 45)]


def test_the_wounded_toll():
    assert one("The number of injured rose to 80, the ministry said.").wounded == 80


# --- one story -------------------------------------------------------------------------------------
def _story(title: str, *body: str) -> list[Casualty]:
    """The casualty events of a story once folded, as the extractor reads it."""
    events = [e for s in (title, *body) for e in find_casualties(s, NOW)]
    return fold_casualties(events, title)


def _killed(events: list[Casualty]) -> int:
    return sum(e.killed or 0 for e in events if e.scope == "incident" and not e.historical)


def test_a_figure_repeated_in_headline_and_body_counts_once():
    story = _story("14 killed in missile strike on Ganja",
                   "Azerbaijan said 14 people were killed in an overnight missile attack on Ganja.",
                   "Rescuers said 14 people were killed and dozens hurt.")
    assert _killed(story) == 14
    assert sum(e.wounded or 0 for e in story) == 12  # the wounded of the last sentence are kept


def test_a_vague_headline_gives_way_to_the_precise_body():
    assert [e.killed for e in _story("Dozens killed in shelling of Stepanakert",
                                     "At least 40 people were killed in the shelling, officials said.")] == [40]


def test_additional_deaths_and_other_incidents_are_added():
    story = _story("Two soldiers killed on the border", "Two soldiers were killed in a border clash on Monday.",
                   "Two more soldiers were killed in a separate attack on Tuesday.")
    assert _killed(story) == 4


def test_details_of_the_lead_figure_are_its_parts():
    story = _story("", "Troops killed two militants during a raid on a compound in Kunar province.",
                   "The first militant was killed when he fired on the soldiers.",
                   "A second armed militant was killed as he tried to flee.")
    assert _killed(story) == 2


def test_details_that_exceed_a_vague_lead_replace_it():
    story = _story("", "Soldiers killed several insurgents in an ambush near the village.",
                   "The patrol returned fire, killing four insurgents.")
    assert _killed(story) == 4


def test_a_new_place_after_one_attack_is_a_new_incident():
    story = _story("", "In Kajaki district, a patrol killed two insurgents who attacked it.",
                   "In Sangin district, Helmand province, an air strike killed two insurgents.")
    assert _killed(story) == 4


def test_places_after_a_lead_about_many_strikes_are_its_details():
    story = _story("Strikes across Gaza kill 30", "Israeli strikes across Gaza killed 30 people overnight.",
                   "In Rafah, a strike on a house killed seven members of one family.")
    assert _killed(story) == 30


def test_other_victims_than_the_lead_are_added():
    story = _story("", "Troops killed two insurgents in a firefight in Zabul.",
                   "One civilian was killed in the crossfire.")
    assert _killed(story) == 3


def test_a_round_up_gives_way_to_its_incidents():
    story = _story("", "Several insurgents were killed in separate operations over the past 24 hours.",
                   "In Kandahar, a patrol killed two insurgents who fired on it.")
    assert _killed(story) == 2


def test_a_crime_story_has_no_casualties_even_in_its_plain_sentences():
    assert _story("Gunman kills four at nightclub in apparent robbery, police say",
                  "Officers said six people were wounded.") == []


def test_folding_keeps_the_other_events_in_order():
    events = ["truce", *find_casualties("Troops killed one insurgent in Paktika.", NOW), "violation",
              *find_casualties("The force returned fire, killing him.", NOW)]
    folded = fold_casualties(events, "")
    assert folded[0] == "truce" and folded[2] == "violation" and _killed(folded[1:2] + folded[3:]) == 1


# --- rules learnt from real press releases (sentences written for this test) --------------------
@pytest.mark.parametrize(
    ("sentence", "expected"),
    [
        # "several of them" / "two of them" after the verb is the figure itself, not a subset
        ("The patrol returned fire, killing several of them.", {"killed": 3}),
        ("The helicopter engaged the gunmen, killing two of them.", {"killed": 2}),
        ("Twelve people were killed, nine of them children.", {"killed": 12}),
        # a pronoun object is one victim
        ("The soldiers responded to the threat, killing him.", {"killed": 1}),
        # an appositive describes the named victim again
        ("Troops confirmed the death of Abdul Karim, a local militia commander.", {"killed": 1}),
        ("Officials confirmed the death of Hamid, one of the cell's leaders, on Monday.", {"killed": 1}),
        # a later name part that looks like a month ("Jan") is still the name
        ("The raid killed the militant commander Fayez Jan and one other fighter.", {"killed": 2}),
        # "Neither soldier" is no victim
        ("Neither soldier was hurt.", None),
        # a whole place's toll is a toll to date
        ("The death toll in Gaza rises to 33,000, the health ministry says.", {"killed": 33000, "scope": "cumulative"}),
    ],
)
def test_release_rules(sentence, expected):
    check(sentence, expected)


@pytest.mark.parametrize("sentence", [
    "More than 10 insurgents were killed and detained in the operations.",
    "Security forces have captured or killed more than 80 cell leaders this year.",
])
def test_killed_or_captured_is_no_death_toll(sentence):
    assert [e for e in find_casualties(sentence, NOW) if e.killed] == []


def test_killed_and_others_captured_is_a_death_toll():
    assert one("Several insurgents were killed and numerous others were detained.").killed == 3


def test_a_persons_past_deeds_are_history():
    events = find_casualties("He was also involved with a suicide attack that killed four soldiers in the capital.", NOW)
    assert [(e.killed, e.historical) for e in events] == [(4, True)]


def test_a_day_weeks_before_the_story_is_history_but_yesterday_is_news():
    sept = Context(published=datetime(2012, 9, 17, 12, tzinfo=timezone.utc))
    old = one("He supplied the bombers for the Aug. 7 attack, which wounded three civilians.", sept)
    new = one("An air strike on Sept. 16 killed four fighters near the border.", sept)
    assert (old.historical, new.historical) == (True, False)


def test_a_nationalitys_share_is_its_own_event():
    events = find_casualties("Shelling hit the centre on Tuesday, killing at least 10 people; India's foreign "
                             "ministry confirmed one of its nationals had died.", NOW)
    assert sorted((e.killed, e.side) for e in events) == [(1, "India"), (10, None)]


def test_a_fire_is_no_casualty_but_fire_from_artillery_is():
    assert find_casualties("Fire in a workers' dormitory kills 49, most of them migrants", NOW) == []
    assert one("Fire from Russian artillery killed two people in Kherson.").killed == 2


def test_a_named_person_before_a_group_of_victims_is_one_more():
    assert one("The rebels said Ahmed al-Rahawi and several ministers died when jets hit the meeting.").killed == 4
    assert one("South Africa and two other countries said 14 peacekeepers were killed.").killed == 14
    assert one("Ahmed Saleh and his brother were killed in the air strike.").killed == 2


def test_a_separate_threat_is_no_separate_incident():
    story = _story("", "Soldiers killed several gunmen during a raid on the compound.",
                   "Four gunmen were killed when each presented a separate and immediate threat.")
    assert _killed(story) == 4


def test_a_headline_gives_way_to_a_fuller_body():
    story = _story("Troops kill rebel commander in Kunar",
                   "Troops killed two rebels, including the commander, in a raid on Monday.")
    assert _killed(story) == 2


def test_a_killer_and_his_associate():
    assert one("The air strike killed Rostum and his associate.").killed == 2


def test_wounding_another_adds_no_death():
    story = _story("", "Troops killed one insurgent in Paktika on Monday.",
                   "The patrol returned fire, killing one insurgent and wounding another.")
    assert _killed(story) == 1


def test_a_toll_over_days_of_bombardment_is_a_toll_to_date():
    event = one("The death toll rose to 270 in 13 days of escalated aerial bombardment.")
    assert (event.killed, event.scope) == (270, "cumulative")


def test_a_word_that_starts_like_a_month_is_no_date():
    assert one("Officials declared 12 people dead after the strike.").historical is False


@pytest.mark.parametrize(("headline", "killed"), [
    ("Soldier, two civilians killed in Donetsk shelling", 3),
    ("Gunmen kill doctor, his associate in east Afghanistan", 2),
    ("Herdsmen attack village, kill father, son", 2),
    ("Policeman and teacher shot dead in Kashmir", 2),
    ("Soldier killed, two wounded in Donetsk", 1),
])
def test_a_headlines_list_of_bare_nouns_counts_each(headline, killed):
    assert one(headline).killed == killed


def test_places_in_a_headline_list_are_no_victims():
    assert find_casualties("Russia, Ukraine trade blame after shelling", NOW) == []
    assert one("Kyiv, Kharkiv hit as two civilians killed").killed == 2


# --- the costly patterns are tried only where a verb or a tag starts: same matches ---
from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from sitmon.extract import casualty  # noqa: E402

_WORDS = ["#0#", "#1#", "soldiers", "Soldier", "an", "insurgent", "were", "was", "killed", "Killed",
          "wounding", "the", "strike", "claimed the lives of", "and", "Mullah", "Omar", "him", "dead",
          "died", "in", "Kabul", ",", ".", "(", "-", "skill", "\u017fhot dead", "K\u0130LLED", "people"]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(_WORDS), max_size=14))
def test_verb_and_tag_starts_find_every_match(words):
    text = " ".join(words)
    verbs = casualty._verbs(text)
    for pattern, starts in ((casualty.ACTIVE_RE, verbs.starts), (casualty.OBJECT_RE, verbs.starts),
                            (casualty.NAMED_OBJECT_RE, verbs.starts), (casualty.PRONOUN_RE, verbs.starts),
                            (casualty.PASSIVE_RE, casualty._passive_starts(verbs))):
        expected = [(m.span(), m.groupdict()) for m in pattern.finditer(text)]
        assert [(m.span(), m.groupdict()) for m in casualty._finditer(pattern, text, starts)] == expected


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from(_WORDS + ["a", "A", "An", "ban", "-a", "a-", "14-year-old", "boy"]), max_size=12))
def test_article_pattern_reads_as_written(words):
    """ARTICLE_RE puts its "a" before its look-behind for speed; it must match as
    the plain "(?<![\\w-])(?:a|an)" form does."""
    text = " ".join(words)
    fast = casualty.ARTICLE_RE.pattern
    rest = fast[len(r"(?-i:[aA])(?<![\w-][aA])(?-i:[nN])?"):]
    plain = re.compile(r"(?<![\w-])(?:a|an)" + rest, re.IGNORECASE)
    assert [m.span() for m in casualty.ARTICLE_RE.finditer(text)] == [m.span() for m in plain.finditer(text)]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(_WORDS + ["a", "his", "Afghan", "\u017foldier", "aid\nworker", "14-year-old", "boy"]),
                max_size=12))
def test_the_singular_noun_gate_lets_every_match_through(words):
    text = " ".join(words)
    if not casualty._may_name_one(text, text.lower()):
        for pattern in (casualty.ARTICLE_RE, casualty.RELATIVE_RE, casualty.OBJECT_RE):
            assert not pattern.search(text), pattern.pattern[:40]
        word_starts = [0] + [m.end() for m in re.finditer(r"\s", text)]  # where a headline's bare noun is tried
        for pattern in (casualty.BARE_RE, casualty.HEADLINE_ITEM_RE):
            assert not any(pattern.match(text, start) for start in word_starts), pattern.pattern[:40]


_SCAN_WORDS = ["flood", "flood-hit", "a bar", "so", "far", "in total", "war-related", "since", "the", "start", "Killed",
               "and", "his", "-", "\u2014", ",", ";", ":", "|", "but", "compared", "while", "was", "is", "believed", "to",
               "have", "avenge", "behind", "responsible", "for", "attacks", "suspected", "of", "K\u0130LLED", "\u017fo",
               "#0#", "\t", "\n", "(", "x"]


@settings(max_examples=400, deadline=None)
@given(st.lists(st.sampled_from(_SCAN_WORDS), max_size=14), st.sampled_from([" ", "", ", ", "  "]))
def test_scans_written_for_speed_read_as_written(words, separator):
    """Scans that start with one class of their first characters (so that the
    engine skips to those) find what their plain forms find; a gate lets through
    every text its pattern matches."""
    text = separator.join(words)
    low = text.lower()
    kill_verbs = f"{casualty._KILLED_BEFORE}|{casualty._WOUNDED_BEFORE}"
    for fast, plain in ((casualty._HEADLINE_PART_RE, re.compile(r"[,:;|]\s|\s-\s")),
                        (casualty._ITEM_START_RE, re.compile(rf"(?:,|\s(?:and|{kill_verbs})|[:|]|\s-)\s+(?:his\s+|her\s+)?", re.I))):
        assert [m.span() for m in fast.finditer(text)] == [m.span() for m in plain.finditer(text)]
    clause_hint = re.compile(r"[-\u2013\u2014](?<=\s.)\s|,\s+(?:but|and|compared)\b")
    assert bool(casualty._CLAUSE_HINT_RE.search(low)) == bool(clause_hint.search(low))
    for fast, phrases in ((casualty._NOT_WAR_CUE_RE, casualty._CTX["disaster"] + casualty._CTX["accident"]
                           + casualty._CTX["crime"]), (casualty.CUMULATIVE_RE, casualty._CTX["cumulative"])):
        assert bool(fast.search(" " + low)) == bool(casualty._cue_re(phrases).search(low))
    assert not casualty.BACKGROUND_RE.search(low) or casualty._BACKGROUND_GATE.search(low)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(["Gaza", "GAZA", "gaza", "Strike", "kills", "14", "2014s", "_Abc", "\u00d7abc", "\u00c4rzte",
                                 "\u00b2abc", "\u0130stanbul", "Of", "the", "#0#", "-Kabul", "a", "\u00a0", "\x1c"]),
                max_size=12), st.sampled_from([" ", "\t", "\u2003"]))
def test_title_case_counts_words_as_the_scans_did(words, separator):
    text = separator.join(words)
    long_words = re.findall(r"(?<!\S)[^\W\d_]\S{3,}", text)
    capitals = re.findall(r"[A-Z\u00c0-\u00de](?<!\S.)\S{3,}", text)
    assert casualty._is_title_case(text) == (len(long_words) >= 3 and len(capitals) > 0.7 * len(long_words))


def test_the_background_gate_lets_every_phrase_through():
    for phrase in casualty._CTX["background"] + ["behind the attacks"]:
        assert casualty._BACKGROUND_GATE.search("he " + phrase.replace(" ", "  \n") + " x"), phrase


def test_a_side_split_across_a_line_break_is_still_read():
    """A country name broken by extra whitespace used to crash the finder."""
    sentence = "South\n Africa said nine of its soldiers were killed in the ambush."
    [event] = find_casualties(sentence, NOW)
    assert event.killed == 9 and event.side == "South Africa"


def test_a_lower_cased_sentence_from_the_caller_gives_the_same_casualties():
    from sitmon.extract.gazetteer import lower

    for sentence in ["Two soldiers were killed and 14 wounded in Helmand on Monday.",
                     "A roadside bomb killed a policeman, officials said."]:
        plain = find_casualties(sentence, NOW)
        assert plain
        assert find_casualties(sentence, NOW, lower(sentence)) == plain


@pytest.mark.parametrize("text, told_apart", [
    ("Gunmen killed #0# people", True),
    ("Gunmen \u017flew #0# people", False),  # a long s is "s" to the case-blind patterns
    ("Gunmen killed #0# people in \u0130dlib", False),
    ("Gunmen killed #0# people in Sa\u00efda", True),  # not ASCII, but nothing odd
])
def test_verbs_are_told_apart_only_where_lower_case_is_exact(text, told_apart):
    verbs = casualty._verbs(text)
    assert (verbs.starts is not None) == told_apart
    if told_apart:
        assert verbs.starts == [text.index("killed")]
