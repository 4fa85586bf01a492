"""Is this headline the same story as that one?  Pure functions, no database.

Outlets decorate and reword the same news: "LIVE: X", "X | World news", "X - Reuters",
"Missile strike kills fourteen in Ganja" vs "14 killed as missile hits Ganja".  Folding
them must never fold two *different* stories, so the test is strict about the facts a
headline carries and lenient about its wording:

* the numbers must be equal (digits and number words alike: "fourteen" == "14");
* the names (capitalised words: places, parties, people) must be compatible — a name
  present in only one headline is tolerated, different names on both sides are not
  ("14 killed in Ganja" != "14 killed in Kharkiv");
* the event words must agree ("truce agreed" != "truce collapses", killed != wounded,
  drone != missile), and so must who accuses whom;
* the remaining wording must overlap enough (fuzzy token matching with rapidfuzz):
  "attack"/"strike"/"assault" are one word, so are "rises"/"rose"/"has risen", and a
  truce "starting at midnight" or "to take effect" is news of the agreement.

``title_key`` does all text work once per headline so that ``same_story`` is cheap
enough to run against a bounded set of candidates for every incoming story.
"""

from __future__ import annotations

import re
import tomllib
import unicodedata
from dataclasses import dataclass
from functools import cache, lru_cache
from pathlib import Path

from rapidfuzz import fuzz

__all__ = ["TitleKey", "blocking_tokens", "clean_title", "same_story", "title_key"]

# --- outlet decoration -------------------------------------------------------------

_PREFIX = re.compile(
    r"^\s*(?:(?:live(?:\s+updates?|\s+blog)?|breaking(?:\s+news)?|watch|video|audio|"
    r"updated?|exclusive|analysis|opinion|explainer|in\s+pictures|pictured|photos?|"
    r"just\s+in|developing(?:\s+story)?|latest|news\s+alert|alert|factbox|timeline|"
    r"fact\s*check|refile|corrected|wrapup|insight)(?:\s+\d{1,2})?\s*[:|\-–—]\s*)+",
    re.IGNORECASE,
)
# "Israel-Gaza war live: ..." / "Ukraine war live updates: ..."
_TOPIC_LIVE = re.compile(
    r"^[^:]{0,60}?\b(?:live|latest)(?:\s+updates?|\s+blog|\s+news)?\s*:\s+", re.I
)
_PAREN = re.compile(
    r"\s*[(\[](?:ap|afp|reuters|upi|dpa|tass|video|videos|photos?|watch|live|updated?|"
    r"opinion|analysis|pictures|audio|podcast|graphic|map|maps|exclusive)[)\]]\s*",
    re.IGNORECASE,
)
_SUFFIX = re.compile(r"^(?P<head>.+?)\s+(?P<sep>\||-{1,2}|–|—|•|·|::)\s+(?P<tail>[^|]+?)\s*$")
_LIVE_TAIL = re.compile(
    r"^(?:live|live updates?|live blog|as it happened|latest updates?|latest news|"
    r"latest|updates?|video|watch|photos?|in pictures)$",
    re.IGNORECASE,
)
_OUTLETS = frozenset(
    """reuters|ap|ap news|associated press|the associated press|afp|agence france-presse|
    bbc|bbc news|bbc world|bbc world service|cnn|cnn international|al jazeera|
    al jazeera english|aljazeera|the guardian|guardian|world news|world|us news|uk news|
    france 24|france24|dw|deutsche welle|npr|sky news|euronews|the new york times|
    new york times|nyt|the washington post|washington post|abc news|cbs news|nbc news|
    the independent|independent|the telegraph|telegraph|bloomberg|axios|politico|un news|
    reliefweb|rfe/rl|radio free europe/radio liberty|kyiv independent|
    the kyiv independent|times of israel|the times of israel|haaretz|middle east eye|
    the hill|fox news|voa|voice of america|jerusalem post|the jerusalem post|anadolu|
    anadolu agency|trt world|tass|interfax|xinhua|ukrinform|armenpress|azertac|
    the national|arab news|dawn|the economist|financial times|ft|wsj|
    the wall street journal|wall street journal|le monde|der spiegel|spiegel|usa today|
    msn|yahoo|yahoo news|google news|eurasianet|oc media|crisis group|the conversation|
    newsweek|daily mail|the times|times|the atlantic|vox|vice|vice news|rt|sputnik|
    meduza|novaya gazeta|the moscow times|pbs|pbs newshour|cbc|cbc news|abc|
    the irish times|irish times|rte|rté|itv|itv news|channel 4 news|times of india|
    the hindu|hindustan times|ndtv|gulf news|the straits times|straits times|
    south china morning post|scmp|kyodo|nhk|yonhap|the star|africanews|
    the east african|daily maverick|news24|middle east monitor|memo|democracy now|
    the intercept|ap top news|world news | the guardian""".replace("\n", "").split("|")
)
_OUTLETS = frozenset(o.strip() for o in _OUTLETS)
_OUTLET_CUES = re.compile(
    r"\b(?:news|times|post|daily|press|agency|tv|radio|herald|journal|tribune|guardian|"
    r"observer|telegraph|wire|online|gazette|express|mail|chronicle|standard|review|"
    r"media|network|broadcasting|broadcaster|service|magazine|weekly|insider|today|"
    r"report|monitor|bulletin|dispatch|courier|sentinel|dispatches)\b|\.(?:com|org|net|"
    r"co|info|io)\b",
    re.IGNORECASE,
)
# every decoration above needs one of these (a bracket, colon, dash, bar or dot): a
# headline without any has nothing to strip
_DECORATION_MARK = re.compile(r"[(\[:|\-–—•·]")
_MAX_TAIL_WORDS = 5
_MAX_TAIL_CHARS = 40


def _strip_tail(title: str) -> str:
    """Remove trailing outlet names such as " - Reuters" or " | World news"."""
    while True:
        m = _SUFFIX.match(title)
        if not m:
            return title
        tail = m.group("tail").strip()
        if len(tail.split()) > _MAX_TAIL_WORDS or len(tail) > _MAX_TAIL_CHARS:
            return title
        low = tail.casefold().strip(" .")
        is_outlet = (
            low in _OUTLETS
            or _LIVE_TAIL.match(low) is not None
            or _OUTLET_CUES.search(tail) is not None
            # a pipe almost always introduces the site's name
            or m.group("sep") in ("|", "•", "·", "::")
        )
        if not is_outlet:
            return title
        title = m.group("head")


def clean_title(title: str) -> str:
    """The headline without outlet decoration, case preserved (for display)."""
    text = " ".join(unicodedata.normalize("NFKC", title).split())
    # most headlines carry no mark of decoration at all: no pattern to try on them
    if _DECORATION_MARK.search(text):
        text = _strip_decoration(text)
    text = text.strip(" -–—|:")
    return text or " ".join(title.split())  # all decoration: keep it as it was


def _strip_decoration(text: str) -> str:
    for _ in range(3):
        before = text
        text = _PAREN.sub(" ", text).strip()
        text = _PREFIX.sub("", text)
        text = _TOPIC_LIVE.sub("", text)
        text = _strip_tail(text)
        if text == before:
            break
    return text


# --- numbers -----------------------------------------------------------------------

_UNITS = {
    w: i
    for i, w in enumerate(
        "zero one two three four five six seven eight nine ten eleven twelve thirteen "
        "fourteen fifteen sixteen seventeen eighteen nineteen".split()
    )
}
_TENS = {
    w: 10 * i
    for i, w in enumerate("twenty thirty forty fifty sixty seventy eighty ninety".split(), 2)
}
_SCALES = {"hundred": 100, "thousand": 1_000, "million": 1_000_000, "billion": 1_000_000_000}
_DIGIT_NUMBER = re.compile(r"^(\d+(?:\.\d+)?)(st|nd|rd|th)?$")


def _fmt(value: float) -> str:
    return str(int(value)) if value == int(value) else repr(value)


def _numbers(words: list[_Word]) -> frozenset[str]:
    """Every number a headline states, digits or words, as canonical strings."""
    found: list[str] = []
    total = current = 0
    in_words = False

    def flush() -> None:
        nonlocal total, current, in_words
        if in_words:
            found.append(_fmt(total + current))
        total = current = 0
        in_words = False

    for i, w in enumerate(words):
        word = w.low
        if not w.number:
            # any other word ends a number in words, but for "one hundred and twelve"
            if not (word == "and" and in_words):
                flush()
            continue
        digit = _DIGIT_NUMBER.match(word)
        if digit:
            flush()
            value = float(digit.group(1))
            if digit.group(2):
                found.append("#" + _fmt(value))  # an ordinal: "2nd"
                continue
            nxt = words[i + 1].low if i + 1 < len(words) else ""
            if nxt in _SCALES and nxt != "hundred":
                value *= _SCALES[nxt]
            found.append(_fmt(value))
        elif word in _UNITS or word in _TENS:
            current += _UNITS.get(word, 0) + _TENS.get(word, 0)
            in_words = True
        elif word == "dozen":
            current = (current or 1) * 12
            in_words = True
        elif in_words:  # a scale: "hundred", "thousand"
            current = (current or 1) * _SCALES[word]
            if _SCALES[word] > 100:
                total, current = total + current, 0
    flush()
    return frozenset(found)


# --- words -------------------------------------------------------------------------

# one capturing group around the whole word, so that splitting keeps words and gaps
_TOKEN_SPLIT = re.compile(r"(\d+(?:\.\d+)?(?:st|nd|rd|th)?|[^\W\d_]+(?:'[^\W\d_]+)*)")
_THOUSANDS = re.compile(r"(?<=\d),(?=\d{3}\b)")

_STOPWORDS = frozenset(
    """a an the in on at of to for with by from as after amid over and or but is are was
    were be been being has have had it its this that these those into onto upon about
    against between during near than then there their they them he she his her him we our
    you your i me my who whom whose which what when where why how not no nor so yet also
    just more most some any all each other such only own same too very can could will
    would shall should may might must do does did done up out off again further once
    here s t says said say saying tells told according reports reported reportedly report
    claims claimed claim official officials source sources amp via while since until
    before following despite toward towards across around inside under per least
    witness witnesses activist activists resident residents medic medics rescuer rescuers
    observer observers monitor monitors region province district area come comes came
    coming appear appears appeared seem seems seemed largely mostly still now
    immediately""".split()
)

# Ordinary headline words: capitalised in a Title Case headline they are not names.
_COMMON = _STOPWORDS | frozenset(
    """new live breaking latest update updates news world war wars attack attacks attacked
    strike strikes struck airstrike airstrikes air raid raids shelling shell shells shelled
    missile missiles rocket rockets drone drones bomb bombs bombing bombed kill kills killed
    killing dead death deaths die dies died toll wounded wound injured injures injuring
    hurt truce ceasefire cease fire armistice pause humanitarian agree agrees agreed
    agreement deal talks peace accord announce announces announced begin begins began
    start starts started take takes took effect hold holds holding held collapse collapses
    collapsed fail fails failed violate violates violated violation violations breach
    breaches breached accuse accuses accused blame blames blamed extend extends extended
    end ends ended expire expires expired call calls called urge urges urged offer offers
    reject rejects rejected fighting fight fights clash clashes clashed resume resumes
    resumed army military troops soldiers civilians civilian children people police forces
    force rebels militants fighters government president minister leader leaders
    ministry city town village region border capital overnight morning night today
    tomorrow yesterday week day days hours hour midnight local time first last second
    mediated mediate mediation brokered broker summit meeting sign signs signed
    declare declares declared reach reaches reached home homes hospital school residential
    area areas building buildings convoy aid evacuation evacuate refugees fleeing flee
    flees siege heavy deadly fresh renewed fragile brief temporary unilateral global
    international foreign security council warns warn warned threatens threat vows vow
    pledge pledges hit hits target targets targeted targeting launch launches launched
    fires fired intercept intercepts shot down downs captured capture seize seizes seized
    retake retakes advance advances offensive counteroffensive operation operations
    frontline front line lines positions position artillery gunfire explosion explosions
    blast blasts bodies body victims victim mass grave crisis conflict dispute tensions
    escalation escalate escalates calm quiet sporadic lull hopes fears fear concern
    concerns condemns condemn condemned demand demands denies deny denied confirm confirms
    confirmed insists nearly almost several dozens scores hundreds thousands many few
    two-day three-day key major big large small huge massive rise rises rising risen
    hundreds rose climbs climbed fell fallen apartment block market church mosque hotel camp shelter bakery port airport
    plant bridge embassy prison wedding funeral base checkpoint residents witnesses
    medics health rescuers rescue workers worker journalist journalists hostages hostage
    prisoners prisoner exchange swap release releases released freed free says gunmen""".split()
)

_SYNONYMS = {
    "ceasefire": "truce", "ceasefires": "truce", "truces": "truce", "armistice": "truce",
    "cease": "truce", "dead": "kill", "died": "kill", "dies": "kill", "die": "kill",
    "death": "kill", "deaths": "kill", "dying": "kill", "slain": "kill", "lives": "kill",
    "fatalities": "kill", "killing": "kill", "killings": "kill", "toll": "kill",
    "injured": "wound", "injures": "wound", "injuring": "wound", "injury": "wound",
    "injuries": "wound", "hurt": "wound", "wounded": "wound", "wounding": "wound",
    "wounds": "wound", "struck": "strike", "hit": "strike", "hits": "strike",
    "hitting": "strike", "airstrike": "strike", "airstrikes": "strike", "raid": "strike",
    "raids": "strike", "rockets": "missil", "rocket": "missil", "missiles": "missil",
    "missile": "missil", "shelled": "shell", "shelling": "shell", "shells": "shell",
    "artillery": "shell", "bombardment": "shell", "bombarded": "shell",
    "pounded": "strike", "pounds": "strike", "began": "begin", "begun": "begin",
    "begins": "begin", "starts": "begin", "started": "begin", "start": "begin",
    "starting": "begin", "kicks": "begin", "took": "take", "taken": "take", "held": "hold",
    "fighting": "fight", "fought": "fight", "agreement": "agre", "deal": "agre",
    "accord": "agre", "agreed": "agre", "broke": "break", "broken": "break",
    "shot": "shoot", "shoots": "shoot", "downed": "down", "downs": "down",
    "seized": "seiz", "captured": "seiz", "capture": "seiz", "captures": "seiz",
    "seize": "seiz", "seizes": "seiz", "took control": "seiz", "freed": "releas",
    "free": "releas", "frees": "releas", "released": "releas", "swap": "exchang",
    "swapped": "exchang", "swaps": "exchang", "said": "say", "says": "say",
    "troops": "soldier", "soldiers": "soldier", "servicemen": "soldier",
    # an attack, a strike, a raid: outlets use them interchangeably for one event; the
    # weapon (drone, missile, shell) is judged separately and keeps them apart
    "attack": "strike", "attacked": "strike", "attacks": "strike", "attacking": "strike",
    "assault": "strike", "assaults": "strike", "assaulted": "strike", "children": "child",
    "kids": "child", "people": "person", "persons": "person", "civilians": "civilian",
    "overnight": "night", "tonight": "night", "nightly": "night", "rages": "continu",
    "raging": "continu", "rage": "continu", "negotiations": "talk", "negotiation": "talk",
    "urges": "call", "urged": "call", "urge": "call", "calls": "call", "called": "call",
    "villagers": "villag", "village": "villag", "villages": "villag", "gunman": "gunmen",
    "militants": "fighter", "militant": "fighter", "fighters": "fighter",
    "insurgents": "fighter", "insurgent": "fighter", "blast": "explosion",
    "blasts": "explosion", "explosions": "explosion", "blew": "explosion",
    "retook": "retak", "retakes": "retak", "retake": "retak", "retaken": "retak",
    "pound": "strike", "pounding": "strike", "pummel": "strike", "pummels": "strike",
    "pummelled": "strike", "military": "army", "forces": "soldier",
    "breach": "violat", "breaches": "violat", "breached": "violat", "breaching": "violat",
}

# Irregular verb forms, so that every form of a verb meets at one stem ("rose",
# "risen", "rises" and "rising" all become "ris"); the crude suffix stripper below
# cannot reach them.
_IRREGULAR = {
    "rose": "rise", "risen": "rise", "climbs": "rise", "climbed": "rise", "climbing": "rise",
    "climb": "rise", "fell": "fall", "fallen": "fall", "fled": "flee", "sent": "send",
    "met": "meet", "lost": "lose", "won": "win", "sank": "sink", "sunk": "sink",
    "spoke": "speak", "spoken": "speak", "drove": "drive", "driven": "drive",
    "gave": "give", "given": "give", "threw": "throw", "thrown": "throw", "flew": "fly",
    "flown": "fly", "hid": "hide", "hidden": "hide", "stole": "steal", "stolen": "steal",
    "chose": "choose", "chosen": "choose", "beaten": "beat", "tore": "tear", "torn": "tear",
}

# Event words: two headlines naming different ones are different stories.
# Families compared with "disjoint means different" (see _classes_compatible).
_EVENT_WORDS = (
    ("status", "proposed", "propos call seek push talk negotiat demand mull plan"),
    ("status", "agreed", "agre reach announc sign declar accept broker seal"),
    ("status", "rejected", "reject refus dismiss spurn"),
    ("status", "in_effect", "begin effect hold kick"),
    ("followup", "violated", "violat breach"),
    ("followup", "collapsed", "collaps fail unravel shatter crumbl"),
    ("followup", "extended", "extend prolong"),
    ("followup", "ended", "expir lift"),
    ("followup", "broken", "break"),
    ("harm", "killed", "kill"),
    ("harm", "wounded", "wound"),
    ("weapon", "missile", "missil ballistic"),
    ("weapon", "drone", "dron uav"),
    ("weapon", "shell", "shell mortar"),
    ("weapon", "bomb", "bomb explosiv"),
    ("weapon", "gun", "gunfir gunmen sniper shoot"),
    ("target", "school", "school"),
    ("target", "hospital", "hospital clinic"),
    ("target", "market", "market bazaar"),
    ("target", "mosque", "mosque"),
    ("target", "church", "church cathedral"),
    ("target", "synagogue", "synagogue"),
    ("target", "temple", "temple shrine"),
    ("target", "hotel", "hotel"),
    ("target", "camp", "camp"),
    ("target", "shelter", "shelter"),
    ("target", "home", "apartment hous home residential"),
    ("target", "convoy", "convoy"),
    ("target", "port", "port harbour harbor"),
    ("target", "airport", "airport airbas"),
    ("target", "power", "power energy grid"),
    ("target", "bridge", "bridg"),
    ("target", "embassy", "embassy"),
    ("target", "prison", "prison jail"),
    ("victim", "soldier", "soldier"),
    ("victim", "civilian", "civilian"),
    ("victim", "child", "child"),
    ("victim", "journalist", "journalist reporter"),
    ("victim", "police", "polic policeman"),
    ("daypart", "morning", "morning dawn"),
    ("daypart", "afternoon", "afternoon"),
    ("daypart", "evening", "evening"),
    ("daypart", "night", "night"),
    ("actor", "state", "army junta government regime"),
    ("actor", "armed_group", "rebel fighter separatist insurgent guerrilla jihadist militia "
     "paramilitary alliance"),
    ("momentum", "stall", "stall deadlock suspend postpon adjourn"),
    ("momentum", "resume", "resum restart reconven progress breakthrough"),
)
_DISJOINT_FAMILIES = frozenset(
    {"harm", "weapon", "target", "victim", "daypart", "momentum", "actor"}
)

# Verbs with a direction: who did it to whom.  "Ukraine downs Russian drones" and
# "Russia downs Ukrainian drones" share every word but not the story.
_DIRECTED = {
    **dict.fromkeys(("accus", "blam"), "accuse"),
    **dict.fromkeys(
        ("attack", "strike", "shell", "bomb", "down", "shoot", "seiz", "invad", "target",
         "retak"),
        "attack",
    ),
}
_RELATION_REACH = 3  # words either side of the verb searched for a name
_PLACE_PREPOSITIONS = frozenset({"in", "near", "at", "across", "inside", "outside"})


def _crude_stem(word: str) -> str:
    for suffix in ("ings", "ers", "ing", "er", "ed", "es", "s"):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            word = word[: -len(suffix)]
            break
    if word.endswith("e") and len(word) > 3:
        word = word[:-1]
    return word


# "truce" crude-stems to "truc" but "ceasefire" maps to "truce": make them meet
_CANONICAL = {_crude_stem(t): t for t in set(_SYNONYMS.values())}


@lru_cache(maxsize=1 << 15)  # headlines share their vocabulary: most words come back
def _stem(word: str) -> str:
    """A crude, consistent stem: "kills"/"killed"/"killing" -> "kill"."""
    word = _IRREGULAR.get(word, word)
    if word in _SYNONYMS:
        return _SYNONYMS[word]
    crude = _crude_stem(word)
    return _SYNONYMS.get(crude, _CANONICAL.get(crude, crude))


_EVENT_CLASSES = {
    form: (family, cls)
    for family, cls, words in _EVENT_WORDS
    for word in words.split()
    for form in (word, _stem(word))
}
_EVENT_STEMS = frozenset(_EVENT_CLASSES)
_STARTS = frozenset(w for w, cls in _EVENT_CLASSES.items() if cls == ("status", "in_effect"))
_AGREED_STEM = _stem("agreed")


@dataclass(frozen=True, slots=True)
class _Word:
    low: str
    stem: str
    name: bool  # a capitalised, non-ordinary word: place, party, person
    glued: bool  # joined to the next word by a plain space (part of one name)
    pause: bool  # punctuation follows (",", ":", " - "): a clause ends here
    acronym: bool
    colon: bool  # ":" follows ("Sudan: ...")
    number: bool  # a figure or part of one: "14", "2nd", "fourteen", "hundred", "dozen"


@dataclass(frozen=True, slots=True)
class TitleKey:
    """Everything ``same_story`` needs from one headline, computed once."""

    text: str  # normalised headline: casefolded, no decoration or punctuation
    numbers: frozenset[str]
    names: frozenset[str]  # stems of names
    compound: frozenset[str]  # names written next to another name ("South Sudan")
    tokens: frozenset[str]  # content stems (no stopwords, no numbers)
    stems: frozenset[str]  # every stem, for "is this name mentioned at all?"
    by_prefix: dict[str, tuple[str, ...]]  # stems by their first two letters
    families: dict[str, frozenset[str]]  # event words by family: {"harm": {"killed"}}
    relations: tuple[tuple[str, str, str], ...]  # (verb group, agent, patient)
    # names that only frame the headline: {stem: "label"} for a leading "Sudan:",
    # {stem: "source"} for a trailing ", WHO says"
    framing: dict[str, str]


def _is_title_case(raw: list[str]) -> bool:
    long_words = [w for w in raw[1:] if len(w) >= 4 and w[0].isalpha()]
    if len(long_words) < 2:
        return False
    capitalised = sum(1 for w in long_words if w[0].isupper())
    return capitalised / len(long_words) >= 0.6


def _words(title: str) -> list[_Word]:
    text = unicodedata.normalize("NFKC", clean_title(title))
    text = _THOUSANDS.sub("", text.replace("’", "'").replace("‘", "'"))
    # [text before, word, gap, word, gap, ..., word, text after]
    parts = _TOKEN_SPLIT.split(text)
    raw = parts[1::2]
    gaps = parts[2:-1:2] + ["."]  # the last word ends the headline: a pause
    title_case = _is_title_case(raw) or not any(w.islower() for w in raw)
    words = [_word(raw[i], gaps[i], title_case or i == 0) for i in range(len(raw))]
    return [w for w in words if w is not None]


# Headlines share their vocabulary and nearly all gaps are " ", ", " or ": ", so one
# word in one setting comes back again and again: its analysis is cached (98% of
# lookups hit over 40,000 headlines and summaries, with 5,700 entries).  An entry
# keeps about 400 bytes: the cap holds the cache to some 3.5 MB.
@lru_cache(maxsize=1 << 13)
def _word(token: str, gap: str, headline_case: bool) -> _Word | None:
    """One word of a headline, followed by ``gap``.  In a Title Case headline (or as
    its first word) a capital alone does not make a name: ``headline_case``."""
    possessive = token.endswith(("'s", "'S"))
    token = (token[:-2] if possessive else token).replace("'", "")
    if not token:
        return None
    low = token.casefold()
    capital = token[0].isupper()
    ordinary = low in _COMMON or low in _UNITS or low in _TENS or low in _SCALES
    if headline_case:
        name = capital and not ordinary
    else:
        name = capital and (low not in _STOPWORDS or token.isupper())
    return _Word(
        low=low,
        stem=_stem(low),
        name=name,
        glued=gap == " " and not possessive,
        pause=bool(gap.strip()) and gap.strip() not in ("-", "'"),
        acronym=token.isupper() and len(token) <= 4,
        colon=":" in gap,
        number=_is_number(low),
    )


def _is_number(low: str) -> bool:
    return (
        _DIGIT_NUMBER.match(low) is not None
        or low in _UNITS
        or low in _TENS
        or low in _SCALES
        or low == "dozen"
    )


def _number_positions(words: list[_Word]) -> set[int]:
    return {i for i, w in enumerate(words) if w.number}


def _relations(words: list[_Word]) -> tuple[tuple[str, str, str], ...]:
    found = []
    for i, word in enumerate(words):
        group = _DIRECTED.get(word.stem)
        if group is None:
            continue
        before = []
        for w in reversed(words[max(0, i - _RELATION_REACH) : i]):
            if w.pause:
                break
            before.append(w)
        after = []
        for w in words[i + 1 : i + 1 + _RELATION_REACH]:
            if w.low in _PLACE_PREPOSITIONS:
                break
            after.append(w)
            if w.pause:
                break
        if word.pause:
            after = []
        passive = bool(after) and after[0].low == "by"
        agents = [w.stem for w in (after if passive else before) if w.name]
        patients = [w.stem for w in (before if passive else after) if w.name]
        if agents and patients:
            found.append((group, agents[0], patients[0]))
    return tuple(found)


def _compound_names(words: list[_Word]) -> set[str]:
    compound = set()
    for left, right in zip(words, words[1:]):
        if left.glued and left.name and right.name:
            compound.update(w.stem for w in (left, right) if not w.acronym)
    return compound


def _by_prefix(stems: list[str]) -> dict[str, tuple[str, ...]]:
    found: dict[str, set[str]] = {}
    for stem in stems:
        if len(stem) >= _PREFIX_LEN:
            found.setdefault(stem[:2], set()).add(stem)
    return {prefix: tuple(group) for prefix, group in found.items()}


def _families(stems: list[str]) -> dict[str, frozenset[str]]:
    found: dict[str, set[str]] = {}
    for stem in stems:
        if stem in _EVENT_CLASSES:
            family, cls = _EVENT_CLASSES[stem]
            found.setdefault(family, set()).add(cls)
    return {family: frozenset(classes) for family, classes in found.items()}


_TIME_WORDS = frozenset(
    """midnight noon dawn dusk tomorrow tonight monday tuesday wednesday thursday friday
    saturday sunday weekend january february march april may june july august
    september october november december immediately""".split()
)
_FUTURE_MARKERS = frozenset({"to", "will"})  # "to take effect", "will start"
_SCHEDULE_HELPERS = frozenset({"take", "set", "due", "to", "will"})  # "set to take effect"
_SCHEDULE_PREPOSITIONS = frozenset({"at", "from", "on", "as"})


def _is_time(word: _Word | None) -> bool:
    return word is not None and (
        word.low in _TIME_WORDS or _DIGIT_NUMBER.match(word.low) is not None
    )


def _planned_start(words: list[_Word], i: int) -> bool:
    """"truce starting at midnight", "to take effect on Monday", "set to begin": the
    start is announced for later, so the news is the agreement, not a truce in force.
    Present tense ("truce takes effect", "begins") stays a truce in force."""
    before = [w.low for w in words[max(0, i - 2) : i]]
    if before and before[-1] == "take":  # "to take effect"
        before.pop()
    if before and before[-1] in _FUTURE_MARKERS and not words[i].low.endswith("ing"):
        return True  # "to begin", "will start"; not "appears to be holding"
    # "starting at midnight", "beginning Monday", "in effect from Monday"
    after = words[i + 1 : i + 3]
    preposition = after[0].low if after and after[0].low in _SCHEDULE_PREPOSITIONS else ""
    when = after[1 if preposition else 0] if len(after) > bool(preposition) else None
    return _is_time(when) and (words[i].low.endswith("ing") or preposition == "from")


def _scheduled(words: list[_Word]) -> set[int]:
    """Positions of a planned start's verb and its helpers ("set to take effect")."""
    found: set[int] = set()
    for i, word in enumerate(words):
        if word.stem not in _STARTS or not _planned_start(words, i):
            continue
        found.add(i)
        j = i - 1
        while j >= 0 and words[j].low in _SCHEDULE_HELPERS:
            found.add(j)
            j -= 1
    return found


def title_key(title: str) -> TitleKey:
    words = _words(title)
    numeric = _number_positions(words)
    stems = [w.stem for w in words]
    meaning = _meaning(words, stems)
    return TitleKey(
        text=" ".join(w.low for w in words),
        numbers=_numbers(words),
        names=frozenset(w.stem for i, w in enumerate(words) if w.name and i not in numeric),
        compound=frozenset(_compound_names(words)),
        tokens=frozenset(
            meaning[i]
            for i, w in enumerate(words)
            if w.low not in _STOPWORDS and i not in numeric and len(meaning[i]) > 1
        ),
        stems=frozenset(stems),
        by_prefix=_by_prefix(stems),
        families=_families(meaning),
        relations=_relations(words),
        framing=_framing(words),
    )


def _meaning(words: list[_Word], stems: list[str]) -> list[str]:
    """Each word's stem as the story means it.  A planned start is the agreement's
    news: its verb counts as "agreed", and its helpers ("set to take") are dropped."""
    scheduled = _scheduled(words)
    if not scheduled:
        return stems  # nearly every headline: nothing is planned
    return [
        s if i not in scheduled else _AGREED_STEM if s in _STARTS else ""
        for i, s in enumerate(stems)
    ]


_LABEL_WORDS = 3  # "South Sudan:" at most
_SAYING = frozenset({"say", "claim", "report", "confirm", "tell", "announc"})


def _framing(words: list[_Word]) -> dict[str, str]:
    """Names in a leading topic label or a trailing attribution clause."""
    found: dict[str, str] = {}
    for i, word in enumerate(words[:_LABEL_WORDS]):
        if word.colon:
            found.update((w.stem, "label") for w in words[: i + 1] if w.name)
            break
    if len(words) > 2 and words[-1].stem in _SAYING:
        clause = [i for i, w in enumerate(words[:-1]) if w.pause]
        if clause and len(words) - clause[-1] <= _LABEL_WORDS + 2:
            found.update((w.stem, "source") for w in words[clause[-1] + 1 :] if w.name)
    return found


# --- comparison --------------------------------------------------------------------

_FUZZY_TOKEN = 85.0  # rapidfuzz ratio above which two words are spellings of one
_PREFIX_LEN = 5  # "Azerbaijan"/"Azerbaijani", "Ukraine"/"Ukrainian"


_GAZETTEER = Path(__file__).with_name("data") / "conflicts.toml"


@cache
def _sides() -> tuple[tuple[str, tuple[str, ...]], ...]:
    """(country, its demonyms) of every side in the conflict gazetteer, read once."""
    try:
        data = tomllib.loads(_GAZETTEER.read_text("utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
        return ()
    entries = [p for c in data.get("conflict", []) for p in c.get("party", [])]
    found = []
    for entry in entries + data.get("actor", []):
        demonyms = entry.get("demonyms", [])
        if isinstance(demonyms, list):
            found.append((str(entry.get("name", "")), tuple(str(d) for d in demonyms)))
    return tuple(found)


@cache
def _demonyms() -> dict[str, frozenset[str]]:
    """Country and demonym stems that name one side, both ways ("thai" <-> "thailand").
    Prefix matching already pairs "Ukraine"/"Ukrainian"; this catches "Thai",
    "Afghan", "Dutch"."""
    kin: dict[str, set[str]] = {}
    for name, demonyms in _sides():
        stems = {_stem(n.casefold()) for n in (name, *demonyms) if n and " " not in n}
        for stem in stems:
            kin.setdefault(stem, set()).update(stems - {stem})
    return {stem: frozenset(others) for stem, others in kin.items() if others}


@cache
def _adjectives() -> frozenset[str]:
    """Stems of the gazetteer's demonyms ("thai", "russian")."""
    return frozenset(_stem(d.casefold()) for _, demonyms in _sides() for d in demonyms)


@lru_cache(maxsize=1 << 16)
def _alike(a: str, b: str) -> bool:
    """Same word in another inflection or spelling ("Azerbaijan"/"Azerbaijani"), or a
    country and its people ("Thailand"/"Thai")."""
    if a == b or b in _demonyms().get(a, ()):
        return True
    if len(a) < _PREFIX_LEN or len(b) < _PREFIX_LEN or a[:2] != b[:2]:
        return False
    shorter, longer = sorted((a, b), key=len)
    if longer.startswith(shorter[:-1]) and len(longer) - len(shorter) <= 3:
        return True
    return fuzz.ratio(a, b) >= _FUZZY_TOKEN


def _mentioned(word: str, key: TitleKey) -> bool:
    if word in key.stems or not key.stems.isdisjoint(_demonyms().get(word, ())):
        return True
    # only a long word with the same first two letters can be alike: usually none
    same_start = key.by_prefix.get(word[:2])
    return same_start is not None and any(_alike(word, s) for s in same_start)


def _framing_only(a: TitleKey, only_a: list[str], b: TitleKey, only_b: list[str]) -> bool:
    """"Sudan: ... kills 70" vs "... kills 70, WHO says": the names one side lacks
    only frame the headline, and in different roles (a topic label against a
    source), so they do not disagree.  Two different sources still do."""
    roles_a = {a.framing.get(n) for n in only_a}
    roles_b = {b.framing.get(n) for n in only_b}
    if not roles_a.isdisjoint(roles_b):
        return False
    if None not in roles_a | roles_b:
        return True
    # "Ukraine: 9 killed in missile strike on Kramatorsk" vs "Russian missile strike
    # on Kramatorsk kills nine": a topic label against a party's adjective.  Another
    # place or party ("... strike on Belgorod", "RSF says") still disagrees
    adjectives = _adjectives()
    return (roles_a == {"label"} and all(n in adjectives for n in only_b)) or (
        roles_b == {"label"} and all(n in adjectives for n in only_a)
    )


def _adjectival(stem: str, other: str) -> int:
    """+1 when ``stem`` is the people's word and ``other`` the country's, -1 the other
    way round, 0 when it cannot tell."""
    adjectives = _adjectives()
    if (stem in adjectives) != (other in adjectives):
        return 1 if stem in adjectives else -1
    return (len(stem) > len(other)) - (len(stem) < len(other))


def _reversed_sides(a: TitleKey, b: TitleKey) -> bool:
    """"Russia ... Ukrainian soldiers" vs "Ukraine ... Russian soldiers": one name
    turned from country to people and another from people to country."""
    shifts = set()
    for name in a.names - b.stems:
        twin = next((s for s in b.stems if s != name and _alike(name, s)), None)
        if twin is not None:
            shifts.add(_adjectival(name, twin))
    return {1, -1} <= shifts


def _names_compatible(a: TitleKey, b: TitleKey) -> bool:
    # most names are written alike on both sides: only the others need a closer look
    only_a = [n for n in a.names - b.stems if not _mentioned(n, b)]
    only_b = [n for n in b.names - a.stems if not _mentioned(n, a)]
    if only_a and only_b and not _framing_only(a, only_a, b, only_b):
        return False
    # "Russia ... Ukrainian soldiers" vs "Ukraine ... Russian soldiers": both sides
    # swapped between noun and adjective is a reversal, not a rewording
    if _reversed_sides(a, b):
        return False
    # "Sudan" vs "South Sudan": the extra word is part of a longer, different name
    return not any(n in a.compound for n in only_a) and not any(n in b.compound for n in only_b)


_NONE: frozenset[str] = frozenset()


def _family(key: TitleKey, family: str) -> frozenset[str]:
    return key.families.get(family, _NONE)


def _classes_compatible(a: TitleKey, b: TitleKey) -> bool:
    # only a family both headlines name can disagree: look up just a's
    for family, ca in a.families.items():
        cb = b.families.get(family)
        if ca and cb and family in _DISJOINT_FAMILIES and ca.isdisjoint(cb):
            return False
    # "agreed" vs "rejected" vs "called for": the status must match when both say
    # one.  A decided status (agreed, rejected) outweighs mere talk: "agree truce in
    # Doha talks" is the agreement, not the talks
    sa, sb = _family(a, "status"), _family(b, "status")
    if sa and sb:
        decided_a, decided_b = sa & _DECIDED, sb & _DECIDED
        if (decided_a or decided_b) and decided_a != decided_b:
            return False
        if not (decided_a or decided_b) and sa - {"in_effect"} != sb - {"in_effect"}:
            return False
    # a truce's news ("takes effect") and an attack's ("strikes Lebanon despite the
    # truce") are different stories even when they share every name
    kind_a, kind_b = _kind(a), _kind(b)
    if kind_a and kind_b and kind_a.isdisjoint(kind_b):
        return False
    # a follow-up (violated, collapsed, extended, ended) is a story of its own;
    # "broke" is either a violation or a collapse
    fa, fb = _family(a, "followup"), _family(b, "followup")
    if fa == fb:
        return True
    if "broken" in fa | fb:
        rest = (fa | fb) - {"broken"}
        return len(rest) == 1 and rest <= {"violated", "collapsed"} and bool(fa) and bool(fb)
    return False


_DECIDED = frozenset({"agreed", "rejected"})
_ATTACK_STEMS = frozenset({"strike", "shell", "bomb", "attack", "clash", "missil", "dron"})


def _kind(key: TitleKey) -> frozenset[str]:
    """What the headline reports: a truce's status, an attack, or both."""
    kinds = set()
    if key.families.get("status"):
        kinds.add("truce")
    if not key.stems.isdisjoint(_ATTACK_STEMS):
        kinds.add("attack")
    return frozenset(kinds)


def _relations_compatible(a: TitleKey, b: TitleKey) -> bool:
    for group, agent, patient in a.relations:
        for other_group, other_agent, other_patient in b.relations:
            if group == other_group and (
                _alike(agent, other_patient) or _alike(patient, other_agent)
            ) and not (_alike(agent, other_agent) and _alike(patient, other_patient)):
                return False
    return True


def _unmatched(a: frozenset[str], b: frozenset[str]) -> tuple[list[str], list[str]]:
    """Content words of each side with no equal or alike word on the other side."""
    rest_a = [t for t in a if t not in b]
    rest_b = [t for t in b if t not in a]
    only_a = []
    for token in rest_a:
        twin = next((o for o in rest_b if _alike(token, o)), None)
        if twin is None:
            only_a.append(token)
        else:
            rest_b.remove(twin)
    return only_a, rest_b


def similarity(a: TitleKey, b: TitleKey) -> float:
    """Dice overlap of content words, 0..1, with fuzzy spelling matches."""
    if not a.tokens or not b.tokens:
        return 1.0 if a.text == b.text else 0.0
    only_a, _ = _unmatched(a.tokens, b.tokens)
    matched = len(a.tokens) - len(only_a)
    return 2 * matched / (len(a.tokens) + len(b.tokens))


MIN_DICE = 0.65  # wording overlap needed when the facts agree
MIN_DICE_ANCHORED = 0.5  # ...when both also share a number and a name
MIN_SET_RATIO = 70.0


def _wording_close(a: TitleKey, b: TitleKey) -> bool:
    only_a, only_b = _unmatched(a.tokens, b.tokens)
    # one plain word swapped in an otherwise identical headline ("mosque" ->
    # "shrine") is a different story, not a rewording; names and event words are
    # judged by their own rules
    if len(only_a) == 1 and len(only_b) == 1 and not (
        {only_a[0], only_b[0]} & (a.names | b.names | _EVENT_STEMS)
    ):
        return False
    total = len(a.tokens) + len(b.tokens)
    if not total:
        return False
    dice = (total - len(only_a) - len(only_b)) / total
    anchored = bool(a.numbers) and bool(a.names & b.names)
    if dice < (MIN_DICE_ANCHORED if anchored else MIN_DICE):
        return False
    ratio = fuzz.token_set_ratio(" ".join(sorted(a.tokens)), " ".join(sorted(b.tokens)))
    return ratio >= MIN_SET_RATIO


def _may_overlap(a: TitleKey, b: TitleKey) -> bool:
    """A cheap upper bound on the wording overlap, to skip hopeless pairs fast."""
    total = len(a.tokens) + len(b.tokens)
    if not total:
        return False
    exact = len(a.tokens & b.tokens)
    needed = MIN_DICE_ANCHORED * total / 2  # matched words needed
    if exact >= needed:
        return True
    if min(len(a.tokens), len(b.tokens)) < needed:
        return False  # even if every other word matched fuzzily
    # each side's fuzzy candidates bound the fuzzy matches: most pairs fall short on
    # the first side, and the second is not counted
    return exact + _fuzzy_candidates(a, b) >= needed and exact + _fuzzy_candidates(b, a) >= needed


def _fuzzy_candidates(a: TitleKey, b: TitleKey) -> int:
    """How many of ``a``'s words missing from ``b`` could still be alike one of
    ``b``'s: only long words sharing their first two letters can."""
    prefixes, tokens = b.by_prefix, b.tokens
    return len(
        [t for t in a.tokens if len(t) >= _PREFIX_LEN and t[:2] in prefixes and t not in tokens]
    )


def same_story(a: TitleKey | str, b: TitleKey | str) -> bool:
    """True when two headlines report the same story (see module docstring)."""
    ka = a if isinstance(a, TitleKey) else title_key(a)
    kb = b if isinstance(b, TitleKey) else title_key(b)
    if not ka.text or not kb.text:
        return False  # nothing to compare: an empty headline matches nothing
    if ka.text == kb.text:
        return True
    return (
        ka.numbers == kb.numbers
        and _may_overlap(ka, kb)
        and _classes_compatible(ka, kb)
        and _names_compatible(ka, kb)
        and _relations_compatible(ka, kb)
        and _wording_close(ka, kb)
    )


_BLOCKING_MAX = 6


def blocking_tokens(key: TitleKey) -> list[str]:
    """A few distinctive tokens; a duplicate headline shares at least one of them.

    Each token carries the headline's numbers ("14|ganja"): ``same_story`` never
    folds headlines whose numbers differ, so candidates with other numbers need not
    even be fetched.  Numbers and names come first, then the longest unusual content
    words.
    """
    numbers = sorted(key.numbers)
    chosen = [f"#{n}" for n in numbers]
    chosen += _longest_first(key.names)
    chosen += _longest_first(key.tokens - _COMMON_STEMS)
    unique = list(dict.fromkeys(chosen))
    if len(unique) < 2:
        unique += _longest_first(key.tokens - set(unique))
    signature = ",".join(numbers)
    return [f"{signature}|{token}" for token in unique[:_BLOCKING_MAX]]


def _longest_first(words: frozenset[str]) -> list[str]:
    """Longest first, alphabetical among equals: two sorts, as sorting is stable (also
    reversed), with no key tuple to build for every word."""
    return sorted(sorted(words), key=len, reverse=True)


_COMMON_STEMS = frozenset(_stem(w) for w in _COMMON)
