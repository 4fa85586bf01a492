"""feedparser -> normalised stories.

feedparser gets the bytes and the response headers, never a URL, so sitmon's
own fetcher (timeouts, size cap) is the only thing that touches the network.
Each entry becomes a ``Story`` with a stable id, a canonical link and plain
text. Broken XML is not fatal: feedparser's ``bozo`` warning is kept for feed
health, and only a document with no entries that is broken (or is an HTML
page) counts as "not a feed".
"""

from __future__ import annotations

import calendar
import hashlib
import html
import re
import xml.sax
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any
from urllib.parse import unquote, urljoin, urlsplit, urlunsplit

import feedparser


@dataclass(frozen=True)
class Story:
    id: str
    feed_url: str
    link: str | None
    title: str
    summary: str
    published: datetime


@dataclass
class ParsedFeed:
    stories: list[Story] = field(default_factory=list)
    title: str | None = None  # the feed's own title, plain text
    bozo: str | None = None  # feedparser's complaint, in words; not fatal
    error: str | None = None  # set when the document is not a feed at all
    entries: int = 0  # entries feedparser found, kept or not


def parse_feed(body: bytes, headers: dict[str, str] | None, feed_url: str, fetched: datetime) -> ParsedFeed:
    """Parse one fetched document; never raises."""
    fetched = _utc(fetched)
    if not body or not body.strip():
        return ParsedFeed(error="not a feed: empty document")
    headers = {k.lower(): v for k, v in (headers or {}).items()}
    try:
        # sitmon turns all HTML into plain text itself, so feedparser's
        # sanitiser and relative-URI rewriting (two extra HTML passes over
        # every summary) would be wasted work
        doc = feedparser.parse(body, response_headers=headers, sanitize_html=False, resolve_relative_uris=False)
    except Exception as exc:  # feedparser has bugs on hostile input; a feed must not stop a poll
        return ParsedFeed(error=f"not a feed: the parser failed ({type(exc).__name__})")
    bozo = _bozo_words(doc.get("bozo_exception")) if doc.get("bozo") else None
    stories = _stories(doc.get("entries") or [], feed_url, fetched)
    parsed = ParsedFeed(
        stories=stories,
        title=_field_text(doc.get("feed", {}), "title") or None,
        bozo=bozo,
        entries=len(doc.get("entries") or []),
    )
    if not parsed.entries:
        # an entry-less document that is not even well-formed XML (a truncated
        # download, say) is broken, not a quiet feed, whatever tag it starts with
        broken = isinstance(doc.get("bozo_exception"), xml.sax.SAXException)
        recognised = not broken and (bool(doc.get("version")) or (not bozo and bool(doc.get("feed"))))
        parsed.error = _not_a_feed(body, headers, bozo, recognised)
    return parsed


def _stories(entries: list, feed_url: str, fetched: datetime) -> list[Story]:
    stories: dict[str, Story] = {}
    for entry in entries:
        try:
            story = _story(entry, feed_url, fetched)
        except Exception:  # one odd entry must not cost the rest of the feed
            continue
        if story is not None and story.id not in stories:  # ids are unique per feed
            stories[story.id] = story
    return list(stories.values())


def _story(entry: Any, feed_url: str, fetched: datetime) -> Story | None:
    title = _field_text(entry, "title")
    summary = _field_text(entry, "summary")
    if not summary and entry.get("content"):
        first = entry["content"][0]
        summary = plain_text(first.get("value"), "html" in str(first.get("type", "")))
    if not title and not summary:
        # an entry that is only a picture still says something in its alt text
        summary = _image_text(entry)
    if not title and not summary:
        return None
    link = canonical_link(_text(entry.get("link")), feed_url)
    guid = _clean(_text(entry.get("id")))
    return Story(
        id=guid or link or _content_hash(title, summary),
        feed_url=feed_url,
        link=link,
        title=title,
        summary=summary,
        published=_published(entry, fetched),
    )


def _field_text(entry: Any, name: str) -> str:
    detail = entry.get(f"{name}_detail") or {}
    is_html = "html" in str(detail.get("type", "text/html"))
    return plain_text(entry.get(name), is_html)


def _content_hash(title: str, summary: str) -> str:
    # not salted with the feed URL: a permanent redirect must not re-key the stories
    digest = hashlib.sha1(f"{title}\n{summary}".encode("utf-8", "surrogatepass")).hexdigest()
    return f"sha1:{digest}"


def _published(entry: Any, fetched: datetime) -> datetime:
    """Publication time in UTC; the fetch time when missing, broken or in the future."""
    parsed = entry.get("published_parsed") or entry.get("updated_parsed")
    if not parsed:
        return fetched
    try:
        when = datetime.fromtimestamp(calendar.timegm(parsed), timezone.utc)
    except (TypeError, ValueError, OverflowError, OSError):
        return fetched
    return min(when, fetched)


# --- text -----------------------------------------------------------------

_TAG_ATTRS = r"(?:\"[^\"]*\"|'[^']*'|[^'\">])*"
_DROPPED = re.compile(
    r"<!--.*?(?:-->|\Z)"  # comments
    r"|<(script|style|template)\b[^>]*>.*?(?:</\1\s*>|\Z)"  # code, never text
    r"|<![A-Za-z][^>]*>|<\?.*?(?:\?>|\Z)",  # doctype, processing instructions
    re.DOTALL | re.IGNORECASE,
)
_CDATA = re.compile(r"<!\[CDATA\[(.*?)(?:\]\]>|\Z)", re.DOTALL)
_TAG = re.compile(rf"</?([A-Za-z][A-Za-z0-9:-]*){_TAG_ATTRS}>")
# tags that separate words; inline ones (b, a, span...) may sit inside a word
_BLOCK_TAGS = frozenset(
    "address article aside blockquote br dd div dl dt figcaption figure footer h1 h2 h3 h4 h5 h6 "
    "header hr img li main nav ol p pre section table tbody td tfoot th thead tr ul".split()
)
_SPACE = re.compile(r"\s+")
# C0/C1 controls (escape sequences start with them), bidi overrides and
# isolates (they reorder what the reader sees), lone surrogates (not storable);
# the whitespace among them (tab, newline...) becomes a space instead
_UNSAFE = re.compile("(?!\\s)[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\ud800-\udfff]")


def plain_text(value: Any, html_markup: bool = True) -> str:
    """Readable one-line text: tags removed (if HTML), entities decoded,
    whitespace collapsed, control characters removed. Anything else, including
    markup-like text such as "[bold]", is kept as written."""
    text = _text(value)
    if not text:
        return ""
    if html_markup and "<" in text:
        text = _strip_tags(text)
    if "&" in text:
        text = html.unescape(text)
    return _clean(text)


_IMG_ALT = re.compile(r"<img\b[^>]*?\salt\s*=\s*(?:\"([^\"]*)\"|'([^']*)'|([^\s\"'>]+))", re.IGNORECASE)


def _image_text(entry: Any) -> str:
    """The alt texts of the images in an entry's summary, else its content
    (feedparser often fills both from one element), as plain text."""
    markup = [_text(entry.get("summary"))]
    markup += [_text(c.get("value")) for c in entry.get("content") or [] if isinstance(c, dict)]
    for html_text in markup:
        alts = [next(filter(None, m.groups()), "") for m in _IMG_ALT.finditer(html_text)]
        text = plain_text(" ".join(alts), html_markup=False)
        if text:
            return text
    return ""


def _strip_tags(text: str) -> str:
    text = _DROPPED.sub(" ", text)
    text = _CDATA.sub(r"\1", text)
    return _TAG.sub(lambda m: " " if m.group(1).lower() in _BLOCK_TAGS else "", text)


def _clean(text: str) -> str:
    if text.isprintable():
        # most text: no control, format or surrogate character, and no space but " "
        # (``isprintable`` is False for all of those): only runs of spaces to fold
        return " ".join(text.split())
    # removal first, so "a \u202e b" does not leave two spaces behind
    return _SPACE.sub(" ", _UNSAFE.sub("", text)).strip()


def _text(value: Any) -> str:
    return value if isinstance(value, str) else ""


# --- links ----------------------------------------------------------------

_TRACKING_PREFIXES = ("utm_", "at_", "ns_", "pk_", "mtm_", "hsa_")
_TRACKING_NAMES = frozenset(
    "fbclid gclid dclid gbraid wbraid msclkid yclid twclid igshid mc_cid mc_eid ocid cmpid cmp "
    "smid xtor icid s_cid wt.mc_id _ga _gl __twitter_impression".split()
)
_DEFAULT_PORTS = {"http": 80, "https": 443}


def canonical_link(url: str | None, base: str | None = None) -> str | None:
    """The story's link without tracking parameters or fragment, scheme and
    host lower-cased; None unless it is an http(s) URL."""
    url = (url or "").strip()
    if not url:
        return None
    try:
        if base and not url.lower().startswith(("http://", "https://")):
            url = urljoin(base, url)
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return None
    scheme = parts.scheme.lower()
    if scheme not in _DEFAULT_PORTS or not parts.hostname:
        return None
    host = parts.hostname
    if ":" in host:
        host = f"[{host}]"  # IPv6 literal
    if port and port != _DEFAULT_PORTS[scheme]:
        host = f"{host}:{port}"
    if parts.username is not None:
        host = f"{parts.netloc.rsplit('@', 1)[0]}@{host}"
    # dropping the fragment or tracking query can leave a path's trailing space at
    # the end; strip it so that the link is its own canonical form
    return urlunsplit((scheme, host, parts.path or "/", _strip_tracking(parts.query), "")).strip()


def _strip_tracking(query: str) -> str:
    # filter the raw pairs rather than re-encoding, so kept parameters stay byte-identical
    kept = [pair for pair in query.split("&") if pair and not _is_tracking(pair.split("=", 1)[0])]
    return "&".join(kept)


def _is_tracking(name: str) -> bool:
    name = unquote(name).lower()
    return name.startswith(_TRACKING_PREFIXES) or name in _TRACKING_NAMES


# --- errors in words --------------------------------------------------------


def _bozo_words(exc: Any) -> str:
    if exc is None:
        return "malformed feed"
    if hasattr(exc, "getLineNumber"):  # xml.sax.SAXParseException
        return f"not well-formed XML (line {exc.getLineNumber()}, column {exc.getColumnNumber()}): {exc.getMessage()}"
    text = " ".join(str(exc).split())[:300]
    return text or type(exc).__name__


def _not_a_feed(body: bytes, headers: dict[str, str], bozo: str | None, recognised: bool) -> str | None:
    """Why an entry-less document is not a feed, or None if it is an empty feed
    (one feedparser recognised, perhaps with a bozo warning)."""
    media = headers.get("content-type", "").split(";", 1)[0].strip().lower()
    head = body[:1024].lstrip().lower()
    if media == "text/html" or head.startswith((b"<!doctype html", b"<html")):
        return f"not a feed ({media or 'an HTML page'})"
    if recognised:
        return None
    return f"not a feed: {bozo}" if bozo else "not a feed: no RSS, Atom or RDF found"


def _utc(when: datetime) -> datetime:
    return when.replace(tzinfo=timezone.utc) if when.tzinfo is None else when.astimezone(timezone.utc)
