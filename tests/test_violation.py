"""Violations: hostile acts, their actor, claimant, place and weapon, and the look-alikes that are not."""

from datetime import datetime, timezone

import pytest

from sitmon.extract.events import Context
from sitmon.extract.gazetteer import default_gazetteer
from sitmon.extract.violation import find_violation

PUBLISHED = datetime(2024, 5, 2, 8, 0, tzinfo=timezone.utc)


def violation(sentence: str, story: str = ""):
    gaz = default_gazetteer()
    ctx = Context(published=PUBLISHED, conflict=gaz.conflict_of(story or sentence))
    return find_violation(sentence, ctx, gaz, story=story or sentence)


@pytest.mark.parametrize(
    "sentence",
    [
        "An airstrike flattened a house in Khan Younis.",
        "Russian artillery shelled Kherson overnight.",
        "Stepanakert was shelled for a second day.",
        "A missile attack on Ganja destroyed a block of flats.",
        "A drone strike hit a fuel depot in Bryansk.",
        "Rockets were fired at Kiryat Shmona from Lebanon.",
        "Heavy clashes erupted between the army and the RSF in Omdurman.",
        "Israeli forces raided the Jenin camp at dawn.",
        "A suicide bombing killed recruits in Mogadishu.",
        "Insurgents ambushed a convoy in Kunar province.",
        "Gunmen attacked a village near Djibo.",
        "Jihadists stormed a military camp in central Mali.",
        "Mortar fire hit a market in Mogadishu.",
        "The Thai army said Cambodian troops opened fire on its positions.",
        "Hamas fighters fired anti-tank missiles at Israeli troops in Jabalia.",
        "Iran launched a barrage of ballistic missiles at Israel.",
        # an interception alone is an attack seen from the other side
        "Israel intercepted a missile launched from Yemen, the military said.",
        "Indian and Pakistani troops exchange fire along the Line of Control",
        "Rockets were fired from Lebanon at northern Israel.",
        "Insurgents beheaded 11 villagers in Cabo Delgado.",
        "Ukraine retakes village near Kupiansk",
        "A dozen peacekeepers were killed as M23 rebels advanced on Goma.",
        "Al-Shabaab storms hotel near Somali presidential palace",
        "Two killed as Israeli drone targets car in southern Lebanon",
    ],
)
def test_hostile_acts_are_found(sentence):
    assert violation(sentence) is not None


@pytest.mark.parametrize(
    "sentence",
    [
        "A cyberattack took down the ministry's website.",
        "The minister died of a heart attack on Tuesday.",
        "The opposition leader attacked the government's budget plan.",
        "Critics attacked his remarks as reckless.",
        "Nurses went on strike over pay in London.",
        "Teachers' strikes closed schools across the region.",
        "The prisoner has been on hunger strike for a month.",
        "The two firms hope to strike a deal before Friday.",
        "The striker scored twice in the second half.",
        "Her memoir was a bombshell for the palace.",
        "The retailer expanded drone deliveries to rural towns.",
        "Police raids on drug gangs led to 40 arrests in Ohio.",
        "The earthquake struck the coast at dawn.",
        "A shark attack closed the beach.",
        "Fans clashed with police after the cup final.",
        "Protesters clashed with police outside parliament.",
        "North Korea carried out a missile test over the sea.",
        "The company launched a charm offensive with investors.",
        "Oil prices hit a record high.",
        "Investors were shelling out record sums for the stock.",
        "Police exchanged fire with robbers in Chicago.",
        "Fireworks were launched from the pier.",
        "The company retook the lead in the market.",
        "Stocks advanced on hopes of a rate cut.",
        "Winter storms hit Gaza tent camps.",
        "Heavy rains batter displacement camps in Sudan.",
        "India and Pakistan report no breaches a week after renewing truce.",
    ],
)
def test_look_alikes_are_not_violations(sentence):
    assert violation(sentence) is None


@pytest.mark.parametrize(
    "sentence",
    [
        "Both sides agreed to halt all attacks on energy facilities.",
        "The night passed without shelling for the first time in weeks.",
        "Residents said there had been no air strikes since Friday.",
        "Moscow said it would pause strikes on power plants for 30 days.",
        "No air strikes were reported in Gaza overnight.",
        "There were no reports of shelling in Kharkiv on Sunday.",
        "Tehran denied launching any missiles at Israel after the deadline.",
        "Pakistan denied firing on Indian posts along the Line of Control.",
        "The army did not carry out any air strikes in Idlib, a spokesman said.",
        "Israel has not struck Lebanon since the truce began.",
    ],
)
def test_halted_or_denied_acts_are_not_violations(sentence):
    assert violation(sentence) is None


@pytest.mark.parametrize(
    "sentence, act",
    [
        ("A court in Moscow sentenced a man to 12 years for planning an attack on a military airfield.", False),
        ("Russia threatened new strikes on Kyiv.", False),
        ("Police said the cell had been plotting bombings in Mogadishu.", False),
        ("Insurgents were preparing an attack on an outpost in Helmand, the army said.", False),
        # a plan carried out, and an attack that was stopped, are still acts
        ("The commander planned and carried out attacks on checkpoints in Kunduz.", True),
        ("Russia says it thwarted a Ukrainian drone attack on the Moscow region.", True),
        ("The planned offensive began with heavy shelling of Bakhmut.", True),
    ],
)
def test_plans_and_threats_are_not_acts(sentence, act):
    assert (violation(sentence) is not None) is act


def test_destroyed_caches_are_not_interceptions():
    assert violation("The weapons cache was safely destroyed on site in Helmand.") is None


def test_weak_word_needs_a_war_context():
    assert violation("The attack left two people dead.") is None
    assert violation("The attack left two people dead.", story="Russian drones hit Kharkiv. The attack left two people dead.")
    assert violation("An attack on a Kharkiv school left two dead.") is not None


@pytest.mark.parametrize(
    "sentence, actor",
    [
        ("Russian forces shelled Kharkiv overnight.", "Russia"),
        ("An Israeli airstrike killed six people in Rafah.", "Israel"),
        ("Azerbaijan said Armenian forces shelled Tartar.", "Armenia"),
        ("The village was shelled by Azerbaijani troops, Armenia said.", "Azerbaijan"),
        ("Ukraine said it struck an oil depot in Crimea.", "Ukraine"),
        ("Three civilians were killed when Russian missiles struck Dnipro.", "Russia"),
        ("Hezbollah fired rockets at northern Israel.", "Hezbollah"),
        ("Armenia accused Azerbaijan of shelling Goris.", "Azerbaijan"),
        ("Pakistan accuses Afghanistan of violating ceasefire along border", "Afghanistan"),
        # who an attack is blamed on; who says it was behind it
        ("Hundreds of pagers explode across Lebanon in attack blamed on Israel", "Israel"),
        ("The attack, blamed on the RSF by a local resistance committee, happened in a shelter.", "RSF"),
        ("Al-Shabaab said it was behind the bombing at the Damanyo camp.", "al-Shabaab"),
        ("Ukraine fires US-made ATACMS into Russia for first time", "Ukraine"),
        # a side that denies a breach is not its author; a side accuses the other
        ("Pakistan denies breaching ceasefire, says India is the violator", "India"),
        ("Russia denies violating the truce", None),
        ("Pakistan denies violating the ceasefire with India", None),
        ("Officials said a fire station was hit; Moscow accused Kyiv of breaking the pause.", "Ukraine"),
        # monitors watch, they do not fire
        ("US, Saudi monitors record violations of Sudan truce by both sides", None),
        ("The Houthis were accused of shelling Taiz.", "Houthis"),
        ("Sudan's army bombed RSF positions in Nyala.", "Sudanese army"),
        ("Gunmen killed five villagers near Kaya.", "gunmen"),
        ("Houthi missiles hit a tanker in the Red Sea.", "Houthis"),
        ("A drone attack on Moscow was repelled, the mayor said.", None),
        # a side that says its own town or troops were hit blames the other side
        ("Azerbaijan said its positions near Tartar were shelled overnight.", "Armenia"),
        ("Israel said its troops were attacked near Rafah.", "Hamas"),
        # the names before the act are its victims
        ("Indian student among those killed in Kharkiv shelling.", None),
        ("Ukrainian civilians killed in a Russian missile attack on Dnipro.", "Russia"),
        # a bare "junta" or "army" right before the act stands for the conflict's army
        ("Dozens of villagers killed in junta air strike in Sagaing, rebels say.", "Myanmar military"),
        # a backer is not the attacker
        ("M23 rebels backed by Rwanda shelled the outskirts of Goma.", "M23"),
        ("Rwanda-backed rebels shelled the outskirts of Goma.", "M23"),
        # a state's demonym before an armed group is not the state
        ("Iraqi militia drone attack hits US base in Syria, injuring 3 soldiers", None),
        ("Pakistani militants attacked a checkpoint in Bannu.", "militants"),
        ("Iraqi forces shelled an IS hideout near Mosul.", "Iraqi government"),
        ("Suspected ADF militants killed 43 worshippers at a church in Komanda, Ituri", "ADF"),
        ("CODECO militia attack displacement camp in Ituri, killing 40", "CODECO"),
        # who intercepts is not who attacked, nor is who helped
        ("Pakistan says it downed 25 Indian drones over several cities.", "India"),
        ("Iranian missiles were intercepted with help from the United States and Jordan.", "Iran"),
        # a counted salvo shot down is the other side's attack; one aircraft downed is the shooter's act
        ("Russia says it shot down 37 Ukrainian drones over Belgorod overnight.", "Ukraine"),
        ("Russian air defences shot down 37 drones over Belgorod overnight.", "Ukraine"),
        ("Ukraine says it shot down 71 of 123 drones Russia launched overnight", "Russia"),
        ("Houthis shot down a US drone over Marib.", "Houthis"),
        # whom the act struck is named after the verb it is the means of
        ("Israeli army says it killed a Hezbollah commander in a drone strike in southern Lebanon.", "Israel"),
        ("Israel said it had killed sixteen Hamas operatives in air strikes.", "Israel"),
        ("Force targets Taliban commander involved in recent IED attack", "Taliban"),
        # who claims an attack made it; sides that clash with each other are neither alone its author
        ("Islamic State claims responsibility for Kabul mosque bombing that killed 21", "Islamic State"),
        ("The Taliban claimed the attack on a checkpoint in Kandahar.", "Taliban"),
        ("Ukraine claims Russian attack on Kyiv killed five", "Russia"),
        ("Syrian government forces and Kurdish-led SDF clash near Aleppo", None),
        ("Russian and Ukrainian forces clashed near Pokrovsk.", None),
        # a title-case "In" breaks the tie between a name and the act as "in" does
        ("Armenians Burn Azeri Village In Fresh Fighting", "Armenia"),
        # the main act, not the one it answers
        ("Israel strikes Houthi-held port of Hodeidah after missile attack on Tel Aviv", "Israel"),
        ("Afghan police repelled an insurgent attack on a district centre after a two-hour gun battle.", None),
        # a town is taken from the side named after "from", not by it
        ("Somali troops recapture town from al-Shabaab after fierce fighting", "Somali government"),
        ("Thai and Cambodian troops exchanged fire along the border despite the ceasefire, Thailand's army said.",
         None),
        # whoever the clause says was killed is a victim, soldiers too; the author comes after
        ("Two Israeli soldiers were killed by a roadside bomb in Jenin.", None),
        ("2 US soldiers wounded in Nangarhar suicide attack", None),
        ("Three Afghan children were injured by insurgents during an attack on a patrol in Kandahar.", "Taliban"),
        # a country after "in" is where it happened; a group's name there is who did it
        ("Five soldiers killed in Mali ambush", None),
        ("Three killed in Ukraine drone attack", None),
        ("Two soldiers killed in Hezbollah attack", "Hezbollah"),
    ],
)
def test_actor(sentence, actor):
    assert violation(sentence).actor == actor


@pytest.mark.parametrize(
    "sentence, claimed_by",
    [
        ("Azerbaijan said 14 people were killed in a missile attack on Ganja.", "Azerbaijan"),
        ("Rockets hit Sderot, according to the Israeli military.", "Israel"),
        ("Ukraine's air force said Russia launched 40 drones overnight.", "Ukraine"),
        ("Armenia accused Azerbaijan of shelling Goris.", "Armenia"),
        ("Shells fell on Stepanakert, the Karabakh authorities said.", None),
        ("Yemen government says Houthis broke truce with attacks near Marib.", "Yemeni government"),
        ("Hamas delays hostage release, citing Israeli ceasefire violations.", "Hamas"),
        ("Ukraine reporting Russian attacks on Kherson overnight.", "Ukraine"),
        # a source that is no side is kept as written
        ("Residents said the paramilitaries stormed El Sireha in Sudan.", "residents"),
        ("Activists blamed the RSF for the attack on a market in Omdurman.", "activists"),
        ("Human Rights Watch said soldiers raided the village of Moura in Mali.", "Human Rights Watch"),
        # the source set off by a comma before its verb, not a side named earlier
        ("The RSF attacked El Fasher for a third day, local activists said.", "activists"),
        ("Russian drones hit Odesa overnight, Ukraine's air force said.", "Ukraine"),
        ("The army, which holds the town, said rebels shelled Goma overnight.", "DR Congo"),
        # a source set off that names no side is not the side named before it
        ("Jihadists killed 40 soldiers in an attack on a base in Burkina Faso, security sources said.", None),
        ("A guided bomb struck a residential area of Ukraine's second city, the mayor said.", None),
        ("The attack, blamed on the RSF by a local resistance committee, happened in a shelter.",
         "local resistance committee"),
        ("Hundreds of pagers explode across Lebanon in attack blamed on Israel", None),
        # the reporting verb nearest before the act
        ("The Kremlin said the pause had ended, while Ukraine reported Russian attacks across the front.",
         "Ukraine"),
        ("The army said two soldiers died; Hezbollah said its fighters ambushed an Israeli unit near Aitaroun.",
         "Hezbollah"),
    ],
)
def test_claimed_by(sentence, claimed_by):
    assert violation(sentence).claimed_by == claimed_by


@pytest.mark.parametrize(
    "sentence, location",
    [
        ("A missile attack on Ganja killed 14.", "Ganja"),
        ("Israel strikes Houthi-held port of Hodeidah after missile attack on Tel Aviv", "Hodeidah"),
        ("Kyiv hit by massive Russian missile attack; power out across city", "Kyiv"),
        # who an attack is blamed on is not where it was
        ("The attack was blamed on the RSF.", None),
        ("Hundreds of pagers explode across Lebanon in attack blamed on Israel", "Lebanon"),
        ("Stepanakert was shelled overnight.", "Stepanakert"),
        ("Drones attacked targets near Kharkiv.", "Kharkiv"),
        ("Five soldiers killed in Mali ambush", "Mali"),
        ("Jihadists attacked a camp near Sevare in central Mali.", "Sevare"),
        ("Beirut lodged a complaint after Israeli drone strikes in Khiam.", "Khiam"),
        ("A Ukrainian drone attack on Moscow was repelled.", "Moscow"),
        ("Iran fired missiles at Tel Aviv.", "Tel Aviv"),
        ("Azerbaijan said its second city Ganja was hit and Armenia reported attacks on Stepanakert.", "Ganja"),
    ],
)
def test_location(sentence, location):
    assert violation(sentence).location == location


@pytest.mark.parametrize(
    "sentence, weapon",
    [
        ("A ballistic missile hit the city of Dnipro.", "missile"),
        ("Shahed drones struck Odesa's port.", "drone"),
        ("Grad rockets slammed into Donetsk.", "rocket"),
        ("Warplanes struck Idlib province.", "airstrike"),
        ("Heavy artillery fire hit Bakhmut.", "artillery"),
        ("Mortar rounds landed in Mogadishu.", "mortar"),
        ("A roadside bomb hit a patrol in Helmand.", "ied"),
        ("A car bomb exploded in Baghdad.", "car bomb"),
        ("Gunmen opened fire on a bus in Kaduna.", "gunfire"),
        ("Clashes broke out in Khartoum.", None),
        # the weapon of the attack answered is not the answer's
        ("Ukraine strikes Russian refinery after drone attack on Kyiv", None),
    ],
)
def test_weapon(sentence, weapon):
    assert violation(sentence).weapon == weapon


@pytest.mark.parametrize(
    "sentence",
    [
        "Armenia accused Azerbaijan of violating the ceasefire.",
        "India said Pakistan breached the truce along the Line of Control.",
        "Monitors reported ceasefire violations in Donetsk.",
        "Artillery fire hit Khartoum in breach of the truce.",
        "Drones struck Odesa despite the energy ceasefire.",
        "Israel accused Hamas of firing rockets and breaking the terms.",
        "Moscow accuses Kyiv of hitting energy sites despite moratorium.",
        "Israel said Hezbollah moved weapons in a violation of the understandings.",
        "Ukrainian drones struck a gas facility in Crimea, in breach of the 30-day pause on energy attacks.",
    ],
)
def test_breach_accusations(sentence):
    result = violation(sentence)
    assert result is not None and result.breach


@pytest.mark.parametrize(
    "sentence",
    [
        "No ceasefire violations were reported in Karabakh overnight.",
        "Russian shelling hit Kherson.",
        "The truce brokered by Qatar took effect.",
    ],
)
def test_not_a_breach(sentence):
    result = violation(sentence)
    assert result is None or not result.breach


def test_evidence_and_conflict():
    sentence = "Russian missiles struck Lviv overnight."
    result = violation(sentence)
    assert result.evidence == sentence
    assert result.conflict == "Russia-Ukraine"


def test_story_cache_is_only_for_the_sentences_of_one_story():
    """Keyed on a whole story: a large cache would let a benchmark's repeated passes hit."""
    from sitmon.extract import violation as violation_module

    assert violation_module._story_at_war.cache_info().maxsize <= 8


def test_the_verbs_before_the_act_are_those_a_scan_up_to_it_finds():
    """The subject reads the sentence's one scan of reporting verbs, not a second scan."""
    from sitmon.extract import violation as violation_module
    from sitmon.extract.gazetteer import lower

    for text in ["Russia said its drones hit Kyiv", "officials saidattack", "he says: shelling went on",
                 "they claimed the strike, reported by aides", "said", "the army said", "x"]:
        low = lower(text)
        r = violation_module.rules_for(low)
        verbs = list(r.claim.finditer(low))
        for end in range(len(low) + 1):
            expected = [m.span() for m in r.claim.finditer(low, 0, end)]
            assert [m.span() for m in violation_module._verbs_before(low, end, verbs)] == expected


def test_the_place_scan_grouped_by_first_letter_finds_what_its_text_finds():
    import json
    import re
    from pathlib import Path

    from sitmon.extract import violation
    from sitmon.extract.sentences import split_sentences

    corpus = Path(__file__).parent / "data" / "corpus.jsonl"
    texts = ["Shelling hit the city of Kharkiv", "in the outskirts of Mariupol-Sud", "struck Gaza City"]
    for line in corpus.read_text(encoding="utf-8").splitlines():
        story = json.loads(line)
        texts += [story["title"], *split_sentences(story["summary"])]
    for ascii_, pattern in violation._PREPOSITION_PLACE.items():
        plain = re.compile(pattern.pattern, pattern.flags)
        for text in (t for t in texts if t.isascii() or not ascii_):
            assert [(m.span(), m.groups()) for m in pattern.finditer(text)] == [
                (m.span(), m.groups()) for m in plain.finditer(text)], text
