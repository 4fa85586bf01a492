"""End-to-end replays: fixture feeds -> `sitmon poll --once` -> `sitmon export --as-of T`.

Each scenario serves its outlets' RSS files (tests/data/scenarios/) on
loopback, adds them with `sitmon feeds add`, polls once into a fresh SQLite file
and asks for the situation at several instants, the way a user replaying the
news would. Assertions are on the export JSON of DESIGN.md.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from feedserver import FeedServer

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

        def export(instant: str) -> dict:
            done = _sitmon(env, "export", "--as-of", instant)
            assert done.returncode == 0, done.stderr
            return json.loads(done.stdout)

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
