"""End-to-end replays: fixture feeds -> `sitmon poll --once` -> `sitmon export --as-of T`.

Each scenario serves its outlets' RSS files (tests/data/scenarios/) on
loopback, adds them with `sitmon feeds add`, polls once into a fresh SQLite file
and asks for the situation at several instants, the way a user replaying the
news would. Assertions are on the export JSON of DESIGN.md. Feeds are added and
polled by the `sitmon` program; exports run the same command in-process (one
interpreter start per instant would make the suite slow).
"""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from contextlib import redirect_stdout
from pathlib import Path

import pytest
from feedserver import FeedServer

from sitmon.cli import main as sitmon_main

SCENARIOS = Path(__file__).parent / "data" / "scenarios"

Export = Callable[[str], dict]


def _sitmon(env: dict[str, str], *argv: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "sitmon", *argv], env=env, text=True,
                          capture_output=True, timeout=120)


def _replay(tmp: Path, prefix: str) -> Iterator[Export]:
    """Serve the scenario's feeds, poll them once, and return export-at-instant."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SITMON_", "XDG_"))}
    env |= {"SITMON_CONFIG": str(tmp / "config.toml"), "SITMON_DB": str(tmp / "sitmon.db")}
    for name in ("XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_CACHE_HOME", "XDG_STATE_HOME"):
        env[name] = str(tmp / name.lower())
    (tmp / "config.toml").write_text("default_feeds = false\nretention_days = 36500\n", encoding="utf-8")
    with FeedServer(root=SCENARIOS) as server:
        for path in sorted(SCENARIOS.glob(f"{prefix}-*.xml")):
            added = _sitmon(env, "feeds", "add", server.url(f"/{path.name}"))
            assert added.returncode == 0, added.stderr
        polled = _sitmon(env, "poll", "--once")
        assert polled.returncode == 0, polled.stderr

    locations = ["--config", env["SITMON_CONFIG"], "--db", env["SITMON_DB"]]

    def export(instant: str) -> dict:
        out = io.StringIO()
        with redirect_stdout(out):
            code = sitmon_main([*locations, "export", "--as-of", instant])
        assert code == 0
        return json.loads(out.getvalue())

    yield export


@pytest.fixture(scope="module")
def gaza(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Export]:
    yield from _replay(tmp_path_factory.mktemp("gaza"), "gaza")


@pytest.fixture(scope="module")
def karabakh(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Export]:
    yield from _replay(tmp_path_factory.mktemp("karabakh"), "karabakh")


def truces(data: dict, conflict: str) -> list[dict]:
    return [t for t in data["truces"] if t["conflict"] == conflict]


def active(data: dict, conflict: str) -> list[dict]:
    return [t for t in truces(data, conflict) if t["active"]]


def tally(data: dict, conflict: str) -> dict:
    (entry,) = [t for t in data["tally"] if t["conflict"] == conflict]
    return entry


def at_place(data: dict, place: str) -> list[dict]:
    return [v for v in data["violations"] if place.lower() in (v["location"] or "").lower()]


# --------------------------------------------------------------------------- Gaza, Nov 2023

GAZA = "Israel-Hamas"


def test_gaza_before_any_story_is_empty(gaza: Export) -> None:
    data = gaza("2023-11-01T00:00:00Z")
    assert (data["truces"], data["violations"], data["tally"], data["stories"]) == ([], [], [], [])


def test_gaza_talks_are_only_a_proposal(gaza: Export) -> None:
    data = gaza("2023-11-21T12:00:00Z")
    assert [t["status"] for t in truces(data, GAZA)] == ["proposed"]
    assert active(data, GAZA) == []


def test_gaza_agreed_but_not_yet_in_effect(gaza: Export) -> None:
    data = gaza("2023-11-23T18:00:00Z")
    (truce,) = truces(data, GAZA)
    assert truce["status"] == "agreed" and not truce["active"]
    assert truce["effective"] == "2023-11-24T05:00:00+00:00"  # 7am in Gaza
    assert {"Israel", "Hamas"} <= set(truce["parties"])
    assert "Qatar" in truce["mediators"]


def test_gaza_in_effect_with_one_breach_from_three_outlets(gaza: Export) -> None:
    data = gaza("2023-11-25T13:00:00Z")
    (truce,) = active(data, GAZA)
    assert truce["status"] in ("in_effect", "violated")
    assert truce["violations"] == 1
    (maghazi,) = at_place(data, "Maghazi")
    assert maghazi["during_truce"] and maghazi["killed"] == 2
    assert {s["feed"].rsplit("/", 1)[1] for s in maghazi["sources"]} == {
        "gaza-wire.xml", "gaza-gazette.xml", "gaza-radio.xml"}
    toll = tally(data, GAZA)
    # More than 14,000 since October 7, plus the two killed near Maghazi once, not three times;
    # never the 2,200 of the 2014 war.
    assert toll["killed"] == 14002


def test_gaza_extension_keeps_it_active(gaza: Export) -> None:
    data = gaza("2023-11-28T12:00:00Z")
    (truce,) = active(data, GAZA)
    assert "extended" in [h["status"] for h in truce["history"]]
    assert tally(data, GAZA)["killed"] == 14800  # the newer toll replaces the older, never summed


def test_gaza_collapse_ends_it(gaza: Export) -> None:
    data = gaza("2023-12-01T15:00:00Z")
    assert active(data, GAZA) == []
    (truce,) = truces(data, GAZA)
    assert truce["status"] in ("collapsed", "ended")
    statuses = [h["status"] for h in truce["history"]]
    assert statuses[0] == "proposed" and statuses[-1] == truce["status"]
    (khan_younis,) = at_place(data, "Khan Younis")
    assert not khan_younis["during_truce"]
    assert tally(data, GAZA)["killed"] == 14800 + 32


def test_gaza_every_figure_links_to_its_stories(gaza: Export) -> None:
    data = gaza("2023-12-02T00:00:00Z")
    assert len(data["stories"]) >= 15
    for section in ("truces", "violations", "tally"):
        for item in data[section]:
            assert item["sources"], (section, item)
            for source in item["sources"]:
                assert source["url"].startswith("http://") and source["feed"].startswith("http://127.0.0.1")


# --------------------------------------------------------------------------- Karabakh, Oct 2020

KARABAKH = "Armenia-Azerbaijan"


def test_karabakh_before_any_story_is_empty(karabakh: Export) -> None:
    data = karabakh("2020-10-09T00:00:00Z")
    assert (data["truces"], data["violations"], data["tally"]) == ([], [], [])


def test_karabakh_moscow_truce_takes_effect_at_noon(karabakh: Export) -> None:
    assert active(karabakh("2020-10-10T07:00:00Z"), KARABAKH) == []  # agreed, noon not yet come
    (truce,) = active(karabakh("2020-10-10T12:00:00Z"), KARABAKH)
    assert truce["effective"] == "2020-10-10T08:00:00+00:00"


def test_karabakh_moscow_truce_collapses(karabakh: Export) -> None:
    data = karabakh("2020-10-13T00:00:00Z")
    assert active(data, KARABAKH) == []
    assert [t["status"] for t in truces(data, KARABAKH)] == ["collapsed"]


def test_karabakh_reference_morning(karabakh: Export) -> None:
    data = karabakh("2020-10-18T08:00:00Z")
    (truce,) = active(data, KARABAKH)
    assert truce["kind"] == "humanitarian"
    assert {"France", "Russia", "United States"} <= set(truce["mediators"])
    assert truce["effective"] == "2020-10-17T20:00:00+00:00"  # midnight in Baku and Yerevan
    assert len(truces(data, KARABAKH)) == 2  # the collapsed Moscow truce is a different one
    (ganja,) = at_place(data, "Ganja")  # three outlets, one incident
    (stepanakert,) = at_place(data, "Stepanakert")
    assert ganja["during_truce"] and stepanakert["during_truce"]
    assert ganja["killed"] == 14
    assert truce["violations"] == 2
    toll = tally(data, KARABAKH)
    assert 600 <= toll["killed"] < 20600
    assert toll["killed"] not in (600 + 14 * 2, 600 + 14 * 3, 20600)


def sources_from(item: dict) -> set[str]:
    return {s["feed"].rsplit("/", 1)[1] for s in item["sources"]}


# --------------------------------------------------------------------------- Lebanon, Nov-Dec 2024
# What real news does for days: tolls repeated and rising, "the truce agreed last week",
# talks on a permanent deal while the truce holds, another conflict's truce talks.

LEBANON = "Israel-Hezbollah"


@pytest.fixture(scope="module")
def lebanon(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Export]:
    yield from _replay(tmp_path_factory.mktemp("lebanon"), "lebanon")


def test_lebanon_before_any_story_is_empty(lebanon: Export) -> None:
    data = lebanon("2024-11-18T00:00:00Z")
    assert (data["truces"], data["violations"], data["tally"], data["stories"]) == ([], [], [], [])


def test_lebanon_talks_and_a_rising_toll(lebanon: Export) -> None:
    data = lebanon("2024-11-22T12:00:00Z")
    assert [(t["status"], t["active"]) for t in truces(data, LEBANON)] == [("proposed", False)]
    # "rises to 3,583" replaces "more than 3,500" (two outlets); the 2006 war's 1,200 is history.
    assert tally(data, LEBANON)["killed"] == 3583
    assert data["violations"] == []  # a toll rising is not an attack


def test_lebanon_agreed_for_4am_then_in_effect(lebanon: Export) -> None:
    (truce,) = truces(lebanon("2024-11-26T22:00:00Z"), LEBANON)
    assert truce["status"] == "agreed" and not truce["active"]
    assert truce["effective"] == "2024-11-27T02:00:00+00:00"  # 4am in Beirut
    assert {"United States", "France"} <= set(truce["mediators"])
    (truce,) = active(lebanon("2024-11-27T03:00:00Z"), LEBANON)
    assert truce["status"] == "in_effect"


def test_lebanon_gaza_talks_do_not_touch_the_lebanon_truce(lebanon: Export) -> None:
    data = lebanon("2024-11-28T20:00:00Z")
    (truce,) = active(data, LEBANON)
    (gaza_talks,) = truces(data, GAZA)
    assert gaza_talks["status"] == "proposed" and not gaza_talks["active"]
    (gaza_strike,) = [v for v in data["violations"] if v["conflict"] == GAZA]
    assert not gaza_strike["during_truce"] and gaza_strike["killed"] == 20
    # Israel says Hezbollah breached it, Lebanon says Israel did near Markaba: two claims,
    # each counted once however many outlets carry it; nothing from Gaza.
    assert truce["violations"] == 2
    assert sorted(v["claimed_by"] for v in data["violations"] if v["conflict"] == LEBANON) == [
        "Hezbollah", "Israel"]
    assert tally(data, LEBANON)["killed"] == 3823  # the same toll from two outlets, once
    assert tally(data, GAZA)["killed"] == 20


def test_lebanon_talks_and_retrospective_mentions_keep_one_active_truce(lebanon: Export) -> None:
    data = lebanon("2024-12-01T12:00:00Z")
    (truce,) = truces(data, LEBANON)  # "agreed last week" is no new agreement
    assert truce["active"] and truce["status"] == "in_effect"
    assert truce["effective"] == "2024-11-27T02:00:00+00:00"
    assert tally(data, LEBANON)["killed"] == 3823  # repeated on the 27th and the 1st


def test_lebanon_syndicated_strike_counted_once_after_the_cumulative_toll(lebanon: Export) -> None:
    data = lebanon("2024-12-03T12:00:00Z")
    (haris,) = at_place(data, "Haris")
    assert haris["killed"] == 5 and haris["during_truce"]
    assert sources_from(haris) == {"lebanon-wire.xml", "lebanon-herald.xml", "lebanon-radio.xml"}
    (truce,) = active(data, LEBANON)
    own = [v for v in data["violations"] if v["conflict"] == LEBANON]
    # the two Markaba claims, Haris, Shebaa Farms; "the ceasefire holds despite strikes" is no fifth
    assert truce["violations"] == len(own) == 4 and all(v["during_truce"] for v in own)
    assert tally(data, LEBANON)["killed"] == 3823 + 5


def test_lebanon_a_new_cumulative_toll_absorbs_earlier_incidents(lebanon: Export) -> None:
    data = lebanon("2024-12-05T00:00:00Z")
    toll = tally(data, LEBANON)
    assert toll["killed"] == 4047  # not 4047 + 5, not 4047 twice, never + 1,200 from 2006
    assert toll["sources"] and all(s["url"].startswith("http://") for s in toll["sources"])


# --------------------------------------------------------------------------- Kashmir, May 2025
# A ceasefire breached within hours (one side accuses, the other denies), commanders'
# talks while it holds, the same toll repeated for days, a three-outlet incident, a
# historical figure, and Russia's three-day truce in another war at the same time.

KASHMIR = "India-Pakistan"
UKRAINE = "Russia-Ukraine"


@pytest.fixture(scope="module")
def kashmir(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Export]:
    yield from _replay(tmp_path_factory.mktemp("kashmir"), "kashmir")


def test_kashmir_before_any_story_is_empty(kashmir: Export) -> None:
    data = kashmir("2025-05-06T00:00:00Z")
    assert (data["truces"], data["violations"], data["tally"], data["stories"]) == ([], [], [], [])


def test_kashmir_one_shelling_from_three_outlets_counts_once(kashmir: Export) -> None:
    data = kashmir("2025-05-07T12:00:00Z")
    (poonch,) = at_place(data, "Poonch")
    assert poonch["killed"] == 15 and not poonch["during_truce"]
    assert sources_from(poonch) == {"kashmir-wire.xml", "kashmir-herald.xml", "kashmir-radio.xml"}
    assert tally(data, KASHMIR)["killed"] == 26 + 15  # not 26 + 15 * 3
    assert truces(data, KASHMIR) == []


def test_kashmir_another_wars_truce_is_its_own(kashmir: Export) -> None:
    data = kashmir("2025-05-08T12:00:00Z")
    (russian,) = active(data, UKRAINE)
    assert russian["ends"] is not None
    assert active(data, KASHMIR) == []
    assert all(not v["during_truce"] for v in data["violations"] if v["conflict"] == KASHMIR)
    # "the toll rises to 31" includes the 26 from the first strikes: never 26 + 31
    assert 31 <= tally(data, KASHMIR)["killed"] < 26 + 31


def test_kashmir_talks_then_a_ceasefire_from_5pm(kashmir: Export) -> None:
    (talks,) = truces(kashmir("2025-05-10T11:00:00Z"), KASHMIR)
    assert talks["status"] == "proposed" and not talks["active"]
    (truce,) = active(kashmir("2025-05-10T12:00:00Z"), KASHMIR)
    assert truce["effective"] == "2025-05-10T11:30:00+00:00"  # 5pm in New Delhi
    assert "United States" in truce["mediators"]


def test_kashmir_a_breach_claim_and_its_denial_are_one_violation(kashmir: Export) -> None:
    data = kashmir("2025-05-10T20:00:00Z")
    (truce,) = active(data, KASHMIR)
    assert truce["status"] == "violated" and truce["violations"] == 1
    (srinagar,) = at_place(data, "Srinagar")
    assert srinagar["during_truce"] and srinagar["actor"] == "Pakistan"
    assert sources_from(srinagar) == {"kashmir-wire.xml", "kashmir-herald.xml"}
    (russian,) = active(data, UKRAINE)
    assert russian["violations"] == 1  # Pokrovsk, not Srinagar


def test_kashmir_the_other_truce_ends_on_schedule(kashmir: Export) -> None:
    data = kashmir("2025-05-11T13:00:00Z")
    (russian,) = truces(data, UKRAINE)
    assert not russian["active"] and russian["status"] == "ended"
    (truce,) = active(data, KASHMIR)
    assert truce["status"] == "in_effect"


def test_kashmir_days_of_repeats_change_nothing(kashmir: Export) -> None:
    data = kashmir("2025-05-14T12:00:00Z")
    (truce,) = truces(data, KASHMIR)  # commanders' talks and "agreed on Saturday" mentions
    assert truce["active"] and truce["status"] == "in_effect"
    assert truce["violations"] == 1
    assert set(truce["parties"]) == {"India", "Pakistan"}  # the US mediated
    (russian,) = truces(data, UKRAINE)  # "ends as attacks resume", after its planned end
    assert russian["status"] == "ended" and russian["history"][-1]["time"] == russian["ends"]
    # "40 civilians and 11 soldiers" from four stories over four days is one toll;
    # the 1999 Kargil war's 1,000 soldiers are history.
    assert tally(data, KASHMIR)["killed"] == 51
    repeats = [v for v in data["violations"] if v["conflict"] == KASHMIR and v["killed"] == 51]
    assert repeats == []  # a repeated toll is no attack
