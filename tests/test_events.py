"""Events as dicts: what the store keeps and `sitmon extract` prints."""

from __future__ import annotations

import dataclasses
import json
from datetime import datetime, timezone

from sitmon.extract import Casualty, Truce, Violation, extract

WHEN = datetime(2020, 10, 18, 9, 0, tzinfo=timezone.utc)


def test_as_dict_has_every_field_in_order_and_copies_the_lists():
    """A stored event must carry every field, in the contract's order, and must not
    share its lists with the event (the story fold edits parties after the fact)."""
    events = [
        Truce("Armenia-Azerbaijan", "Truce holds.", "in_effect", ["Armenia", "Azerbaijan"], ["Russia"],
              "humanitarian", "2020-10-17T20:00:00+00:00", None),
        Violation("Armenia-Azerbaijan", "Shelling hit Ganja.", "Armenia", None, "Ganja", "artillery", True),
        Casualty("Armenia-Azerbaijan", "Two killed.", 2, None, 5, 7, "civilians", "Azerbaijan", "incident", True),
    ]
    for event in events:
        as_dict = event.as_dict()
        assert list(as_dict.items()) == list(dataclasses.asdict(event).items())
    truce = events[0].as_dict()
    events[0].parties.append("Turkey")
    assert truce["parties"] == ["Armenia", "Azerbaijan"]


def test_extracted_events_serialise_as_they_always_did():
    found = extract(
        "Ceasefire in Nagorno-Karabakh broken hours after it began, 3 killed in Stepanakert",
        "Azerbaijani forces shelled Stepanakert overnight, wounding 12. The Russian-brokered truce "
        "took effect at midnight.", WHEN)
    assert found
    for event in found:
        assert json.dumps(event.as_dict()) == json.dumps(dataclasses.asdict(event))
