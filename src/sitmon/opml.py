"""OPML 2.0 feed lists: read (with nested category outlines) and write.

A feed is a ``(url, title)`` pair, the same shape as ``Config.feeds``.
Round trips are exact: ``read_opml(write_opml(feeds)) == feeds`` for any list
of distinct URLs, and writing what was read keeps every feed (categories are
flattened; sitmon does not group feeds).

A document with a DOCTYPE is refused before parsing: OPML never needs one, and
refusing it closes the door on entity-expansion ("billion laughs") and
external-entity tricks without an extra dependency.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from xml.parsers import expat
from collections.abc import Iterable, Iterator
from pathlib import Path

Feed = tuple[str, str | None]  # (url, title)

# XML 1.0 cannot carry these characters at all, not even escaped.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


class OpmlError(ValueError):
    """An OPML document sitmon cannot read; the message is one line."""


def read_opml(data: bytes, source: str = "OPML") -> list[Feed]:
    """The feeds listed in an OPML document, in document order, once each.

    ``source`` names the document in error messages (usually its path).
    """
    try:
        _refuse_declarations(data)
        root = ET.fromstring(data)
    except _Declaration:
        raise OpmlError(
            f"{source}: refusing an OPML file with a DOCTYPE or ENTITY declaration") from None
    except (ET.ParseError, expat.ExpatError) as exc:
        raise OpmlError(f"{source}: not valid XML: {exc}") from None
    body = root.find("body") if root.tag == "opml" else None
    if body is None:
        raise OpmlError(f"{source}: not an OPML file (expected <opml> with a <body>)")
    feeds: dict[str, str | None] = {}
    for url, title in _outlines(body):
        feeds.setdefault(url, title)
    return list(feeds.items())


class _Declaration(Exception):
    pass


def _refuse_declarations(data: bytes) -> None:
    """Scan with expat, stopping at a DOCTYPE before any entity is defined.

    expat reads the document's own encoding (UTF-16 included), which a byte
    search for "<!DOCTYPE" would miss.
    """

    def refuse(*_: object) -> None:
        raise _Declaration

    scanner = expat.ParserCreate()
    scanner.StartDoctypeDeclHandler = refuse
    scanner.EntityDeclHandler = refuse
    scanner.Parse(data, True)


def read_opml_file(path: Path) -> list[Feed]:
    return read_opml(Path(path).read_bytes(), source=str(path))


def _outlines(parent: ET.Element) -> Iterator[Feed]:
    for outline in parent.iterfind("outline"):
        url = (outline.get("xmlUrl") or "").strip()
        if url:
            yield url, _title(outline, url)
        else:
            # an outline without xmlUrl is a category: its children are feeds
            yield from _outlines(outline)


def _title(outline: ET.Element, url: str) -> str | None:
    title = outline.get("title")
    if title is not None:
        return title
    text = outline.get("text")
    # write_opml puts the URL in `text` when a feed has no title (OPML requires
    # `text`); reading it back as "no title" keeps the round trip exact.
    return None if text in (None, "", url) else text


def write_opml(feeds: Iterable[Feed], title: str = "sitmon feeds") -> bytes:
    """An OPML 2.0 document listing ``feeds`` as ``type="rss"`` outlines."""
    root = ET.Element("opml", version="2.0")
    ET.SubElement(ET.SubElement(root, "head"), "title").text = title
    body = ET.SubElement(root, "body")
    for url, feed_title in feeds:
        attrs = {"type": "rss", "text": _xml_safe(feed_title) if feed_title else url}
        if feed_title is not None:
            attrs["title"] = _xml_safe(feed_title)
        attrs["xmlUrl"] = url
        ET.SubElement(body, "outline", attrs)
    ET.indent(root, space="  ")
    return ET.tostring(root, encoding="utf-8", xml_declaration=True) + b"\n"


def _xml_safe(text: str) -> str:
    return _NOT_XML.sub("", text)
