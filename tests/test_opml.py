"""OPML 2.0 import and export."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sitmon.opml import OpmlError, read_opml, write_opml

# An export in the shape other feed readers write: categories, text-only
# outlines, extra attributes, a duplicate, and an entry that is not a feed.
READER_EXPORT = b"""<?xml version="1.0" encoding="UTF-8"?>
<opml version="2.0">
  <head><title>My subscriptions</title></head>
  <body>
    <outline text="Conflict">
      <outline type="rss" text="Kyiv Independent" xmlUrl="https://kyivindependent.com/news-archive/rss/"
               htmlUrl="https://kyivindependent.com/"/>
      <outline text="Caucasus">
        <outline type="rss" text="Eurasianet" title="Eurasianet (title)" xmlUrl="https://eurasianet.org/rss"/>
      </outline>
    </outline>
    <outline type="rss" text="BBC &amp; friends" xmlUrl="https://feeds.bbci.co.uk/news/world/rss.xml"/>
    <outline type="link" text="Just a bookmark" url="https://example.org/"/>
    <outline type="atom" text="Atom feed" xmlUrl="https://example.org/atom.xml"/>
    <outline type="rss" text="BBC again" xmlUrl="https://feeds.bbci.co.uk/news/world/rss.xml"/>
  </body>
</opml>
"""


def test_reads_nested_categories_in_document_order():
    assert read_opml(READER_EXPORT) == [
        ("https://kyivindependent.com/news-archive/rss/", "Kyiv Independent"),
        ("https://eurasianet.org/rss", "Eurasianet (title)"),
        ("https://feeds.bbci.co.uk/news/world/rss.xml", "BBC & friends"),
        ("https://example.org/atom.xml", "Atom feed"),
    ]


def test_export_of_an_import_keeps_every_feed():
    feeds = read_opml(READER_EXPORT)
    assert read_opml(write_opml(feeds)) == feeds


def test_export_is_opml_2_with_rss_outlines():
    document = write_opml([("https://a.example/rss", "A"), ("https://b.example/rss", None)])
    root = ET.fromstring(document)
    assert root.tag == "opml" and root.get("version") == "2.0"
    outlines = root.findall("./body/outline")
    assert [o.get("type") for o in outlines] == ["rss", "rss"]
    assert [o.get("xmlUrl") for o in outlines] == ["https://a.example/rss", "https://b.example/rss"]
    assert all(o.get("text") for o in outlines), "OPML 2.0 requires text on every outline"
    assert document.startswith(b"<?xml")


@pytest.mark.parametrize("feeds", [
    [],
    [("https://a.example/rss", None)],
    [("https://a.example/rss", "")],
    [("https://a.example/rss?x=1&y=2", 'Tom & "Jerry" <news>')],
    [("https://a.example/rss", "Ünïcödé — Київ, غزة"), ("https://b.example/rss", "line\nbreak\tand tab")],
    [("https://a.example/rss", "https://a.example/rss")],
    [("https://a.example/rss", "  padded  ")],
])
def test_round_trip_is_exact(feeds):
    assert read_opml(write_opml(feeds)) == feeds


_xml_text = st.text(
    alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00\ufffe\uffff",
                           min_codepoint=0x09),
    max_size=40,
).filter(lambda s: all(c in "\t\n\r" or ord(c) >= 0x20 for c in s))
_url = st.builds(lambda host, path: f"https://{host}.example/{path}",
                 st.from_regex(r"[a-z][a-z0-9]{0,10}", fullmatch=True),
                 st.from_regex(r"[A-Za-z0-9_./?=&%-]{0,20}", fullmatch=True))


@settings(max_examples=100, deadline=None)
@given(st.lists(st.tuples(_url, st.none() | _xml_text), unique_by=lambda f: f[0], max_size=8))
def test_round_trip_is_exact_for_any_feed_list(feeds):
    assert read_opml(write_opml(feeds)) == feeds


@pytest.mark.parametrize("data, problem", [
    (b"<opml version='2.0'><body><outline xmlUrl='x'></body></opml>", "not valid XML"),
    (b"", "not valid XML"),
    (b"\x89PNG\r\n\x1a\n", "not valid XML"),
    (b"<rss version='2.0'><channel/></rss>", "not an OPML file"),
    (b"<opml version='2.0'><head/></opml>", "not an OPML file"),
])
def test_unreadable_documents_get_one_line(data, problem):
    with pytest.raises(OpmlError) as caught:
        read_opml(data, source="feeds.opml")
    message = str(caught.value)
    assert message.startswith("feeds.opml: ") and problem in message
    assert "\n" not in message


def test_xml_errors_name_the_line():
    broken = b"<?xml version='1.0'?>\n<opml version='2.0'>\n<body>\n<outline text='a' </body></opml>"
    with pytest.raises(OpmlError, match="line 4"):
        read_opml(broken)


def test_entity_expansion_is_refused_before_parsing():
    laughs = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
]>
<opml version="2.0"><body><outline text="&lol3;" xmlUrl="https://a.example/rss"/></body></opml>"""
    with pytest.raises(OpmlError, match="DOCTYPE"):
        read_opml(laughs)


def test_external_entities_are_refused():
    external = b"""<?xml version="1.0"?>
<!doctype opml [<!ENTITY secret SYSTEM "file:///etc/passwd">]>
<opml version="2.0"><body><outline text="&secret;" xmlUrl="https://a.example/rss"/></body></opml>"""
    with pytest.raises(OpmlError):
        read_opml(external)


def test_a_doctype_in_utf16_is_refused_too():
    laughs = """<?xml version="1.0" encoding="UTF-16"?>
<!DOCTYPE opml [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;">]>
<opml version="2.0"><body><outline text="&b;" xmlUrl="https://a.example/rss"/></body></opml>"""
    with pytest.raises(OpmlError, match="DOCTYPE"):
        read_opml(laughs.encode("utf-16"))


def test_utf16_and_latin1_documents_are_read():
    document = """<?xml version="1.0" encoding="{}"?>
<opml version="2.0"><body><outline text="Café Noticias" xmlUrl="https://c.example/rss"/></body></opml>"""
    for encoding in ("UTF-16", "ISO-8859-1"):
        data = document.format(encoding).encode(encoding.lower().replace("iso-", "iso"))
        assert read_opml(data) == [("https://c.example/rss", "Café Noticias")]
