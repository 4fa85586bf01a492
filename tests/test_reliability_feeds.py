"""Every feed format and breakage, and hostile text, through the real pipeline.

Each test runs ``sitmon`` as the user does (a subprocess with its own config and
database in a temporary directory) against feeds served on 127.0.0.1, then reads
what was stored with the store's public API.

* The feedparser corpus (``../shared/eval/feedparser-corpus``: feedparser's own test
  documents: broken XML, odd encodings, entities, every format) is polled in one
  ``sitmon poll --once``: no traceback, exit 0, a story stored from at least 95% of
  the files in which feedparser itself finds an entry with a title or summary, and
  every file feedparser calls broken (``bozo``) shows its complaint in feed health.
* Hostile text (Rich markup, a lone "[/", terminal escape sequences, bidi controls,
  NUL, a 100 KB title) is stored as the feed said it, minus control characters, and
  exported as valid JSON.

The helpers here (``run_sitmon``, ``write_config``...) are shared by the other
reliability tests and by the benchmarks in ``benchmarks/``.
"""

from __future__ import annotations

import csv
import json
import os
import re
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote
from xml.sax.saxutils import escape

import feedparser
import pytest
from feedserver import FeedServer

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT.parent / "shared" / "eval" / "feedparser-corpus"
COVERAGE_TARGET = 0.95
SAMPLE_SIZE = 200  # corpus files in the default (fast) suite
# what a terminal or the TUI could interpret, and what the store must never keep:
# C0/C1 controls, bidi embeddings/overrides/isolates, NUL, lone surrogates
UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\ud800-\udfff]")


# --- running sitmon ------------------------------------------------------------------


@dataclass
class Run:
    """One finished ``sitmon`` process."""

    code: int
    out: str
    err: str
    seconds: float
    peak_mb: float  # the child's own peak resident memory (getrusage via wait4)

    @property
    def output(self) -> str:
        return self.out + self.err


def sitmon_env(config: Path, db: Path) -> dict[str, str]:
    env = os.environ.copy()
    env.update(SITMON_CONFIG=str(config), SITMON_DB=str(db), PYTHONUNBUFFERED="1")
    return env


# Runs one command and reports its own peak memory. Linux records, at exec, the
# high-water RSS of the memory the child had until then -- a copy of the pytest
# worker's, which can be hundreds of MB late in a run -- so sitmon is started from
# this small launcher rather than straight from the test process.
_LAUNCHER = """
import os, sys
peak_file, argv = sys.argv[1], sys.argv[2:]
pid = os.posix_spawn(sys.executable, [sys.executable, *argv], os.environ)
_, status, usage = os.wait4(pid, 0)
with open(peak_file, "w") as out:
    out.write(str(usage.ru_maxrss))
code = os.waitstatus_to_exitcode(status)
sys.exit(code if code >= 0 else 128 - code)
"""


def run_sitmon(argv: list[str], env: dict[str, str], timeout: float = 120) -> Run:
    """Run ``python -m sitmon ARGV`` to the end and measure its own peak memory."""
    started = time.monotonic()
    with tempfile.TemporaryDirectory() as scratch, open(os.devnull, "rb") as stdin:
        peak_file = Path(scratch) / "peak"
        process = subprocess.Popen(
            [sys.executable, "-c", _LAUNCHER, str(peak_file), "-m", "sitmon", *argv],
            stdin=stdin, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env,
            start_new_session=True,  # a timeout kills the launcher and sitmon together
        )
        try:
            out, err = process.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.communicate()
            raise AssertionError(f"sitmon {' '.join(argv)} did not finish within {timeout} s") from None
        peak_kb = int(peak_file.read_text() or 0) if peak_file.exists() else 0
    seconds = time.monotonic() - started
    return Run(process.returncode, out.decode("utf-8", "replace"),
               err.decode("utf-8", "replace"), seconds, peak_kb / 1024)


def write_config(path: Path, feeds: list[str], **settings: object) -> Path:
    """A config polling exactly ``feeds`` (never sitmon's real default feeds)."""
    lines = ["default_feeds = false"]
    lines += [f"{key} = {json.dumps(value)}" for key, value in settings.items()]
    for url in feeds:
        lines += ["", "[[feeds]]", f"url = {json.dumps(url)}"]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def open_store(db: Path):
    from sitmon.store import Store

    return Store(db)


def in_words(text: object) -> bool:
    """A message a person can read: a string with at least one real word."""
    return isinstance(text, str) and re.search(r"[A-Za-z]{3,}", text) is not None


# --- the feedparser corpus --------------------------------------------------------------


@dataclass(eq=False)
class CorpusFile:
    path: str  # relative to the corpus root, as INDEX.csv names it
    body: bytes
    headers: dict[str, str]  # the HTTP headers served with it (lower-case names)
    _view: feedparser.FeedParserDict | None = field(default=None, repr=False)

    @property
    def route(self) -> str:
        return "/" + quote(self.path)

    def feedparser_view(self) -> feedparser.FeedParserDict:
        """What feedparser itself makes of the bytes and headers sitmon receives."""
        if self._view is None:  # parsed once: the checks ask several times
            self._view = feedparser.parse(self.body, response_headers=self.headers)
        return self._view

    def has_story(self) -> bool:
        doc = self.feedparser_view()
        return any((e.get("title") or "").strip() or (e.get("summary") or "").strip()
                   for e in doc.entries)

    def is_broken(self) -> bool:
        return bool(self.feedparser_view().get("bozo"))


def corpus_files(sample: int | None = None) -> list[CorpusFile]:
    """The corpus files that exist, each with the header INDEX.csv gives it.

    Files with no Content-Type in the index are served as ``application/xml`` (what
    a web server says for .xml, and what leaves the XML declaration in charge of the
    encoding). ``sample`` takes every n-th file so that each category is represented.
    """
    if not (CORPUS / "INDEX.csv").is_file():
        pytest.skip(f"feedparser corpus not found at {CORPUS} (it lives beside the repository "
                    "in shared/eval/feedparser-corpus)")
    with (CORPUS / "INDEX.csv").open(encoding="utf-8", newline="") as index:
        rows = [r for r in csv.DictReader(index) if (CORPUS / r["path"]).is_file()]
    if sample and sample < len(rows):
        rows = rows[:: len(rows) // sample][:sample]
    return [CorpusFile(r["path"], (CORPUS / r["path"]).read_bytes(), _headers(r["http_headers"]))
            for r in rows]


def _headers(line: str) -> dict[str, str]:
    headers = {"content-type": "application/xml"}
    if line.strip():
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    return headers


@dataclass
class CorpusRun:
    files: list[CorpusFile]
    urls: dict[str, str]  # corpus path -> feed URL
    run: Run
    stored: set[str] = field(default_factory=set)  # feed URLs with at least one story
    health: dict[str, object] = field(default_factory=dict)  # feed URL -> store Feed
    stories: int = 0

    def with_story(self) -> list[CorpusFile]:
        return [f for f in self.files if f.has_story()]

    def covered(self) -> list[CorpusFile]:
        return [f for f in self.with_story() if self.urls[f.path] in self.stored]

    def missing(self) -> list[CorpusFile]:
        return [f for f in self.with_story() if self.urls[f.path] not in self.stored]


def poll_corpus(tmp: Path, files: list[CorpusFile], timeout: float = 300) -> CorpusRun:
    """Serve ``files`` on loopback, poll them all in one ``sitmon poll --once``."""
    with FeedServer() as server:
        urls = {}
        for f in files:
            extra = {k: v for k, v in f.headers.items() if k != "content-type"}
            urls[f.path] = server.add(f.route, f.body, content_type=f.headers["content-type"],
                                      headers=extra)
        # the corpus was written in 2002-2010: keep its stories past the 180-day retention
        config = write_config(tmp / "config.toml", list(urls.values()), retention_days=36500)
        db = tmp / "sitmon.db"
        run = run_sitmon(["poll", "--once"], sitmon_env(config, db), timeout=timeout)
    result = CorpusRun(files, urls, run)
    if run.code == 0:
        store = open_store(db)
        try:
            exported = store.export_stories(None)
            result.stored = {s["feed"] for story in exported for s in story["sources"]}
            result.stories = sum(len(story["sources"]) for story in exported)
            result.health = {feed.url: feed for feed in store.feeds()}
        finally:
            store.close()
    return result


def check_corpus(result: CorpusRun) -> None:
    run = result.run
    assert run.code == 0, run.output[-2000:]
    assert "Traceback" not in run.output, run.output[-4000:]
    missing = [f.path for f in result.missing()]
    wanted = len(result.with_story())
    assert wanted, "no corpus file has an entry: the corpus is not what this test expects"
    assert len(result.covered()) >= COVERAGE_TARGET * wanted, (
        f"stories from {len(result.covered())} of {wanted} files; missing: {missing[:30]}")
    never_polled = [p for p, url in result.urls.items()
                    if url not in result.health or result.health[url].last_attempt is None]
    assert not never_polled, f"feeds never polled: {never_polled[:20]}"
    silent = [f.path for f in result.files if f.is_broken()
              and not (in_words(result.health[result.urls[f.path]].error)
                       or in_words(result.health[result.urls[f.path]].bozo))]
    assert not silent, f"broken feeds with no error or bozo in feed health: {silent[:30]}"
    failed = [url for url, feed in result.health.items() if feed.error]
    for url in failed:  # the poll's report names every failed feed with its reason
        assert f"FAIL {url}: " in run.out, f"{url} failed ({result.health[url].error}) unreported"


def test_corpus_sample_is_polled_without_loss(tmp_path):
    check_corpus(poll_corpus(tmp_path, corpus_files(sample=SAMPLE_SIZE)))


@pytest.mark.heavy
def test_whole_corpus_is_polled_without_loss(tmp_path):
    check_corpus(poll_corpus(tmp_path, corpus_files()))


def test_feeds_list_shows_why_a_feed_failed(tmp_path):
    """`feeds list` (the user's view of feed health) names a broken document's problem."""
    files = [f for f in corpus_files() if f.path.endswith("illformed/aaa_illformed.xml")]
    result = poll_corpus(tmp_path, files)
    run = run_sitmon(["feeds", "list"], sitmon_env(tmp_path / "config.toml", tmp_path / "sitmon.db"))
    assert run.code == 0 and "Traceback" not in run.output
    line = next(line for line in run.out.splitlines() if result.urls[files[0].path] in line)
    assert "failed: not a feed" in line and "XML" in line, line


# --- hostile text -------------------------------------------------------------------------

LONG_TITLE = " ".join(f"Shelling report {i} from the line of contact near Fuzuli." for i in range(1800))
assert len(LONG_TITLE) > 100_000

# (title, summary as HTML, expected title, expected summary), all in well-formed XML
WELL_FORMED = [
    ("[bold red]Ceasefire[/bold red] collapses in [link=https://evil.example]Ganja[/link]",
     "<p>[@click=app.quit]Quit[/] and [/]</p>",
     "[bold red]Ceasefire[/bold red] collapses in [link=https://evil.example]Ganja[/link]",
     "[@click=app.quit]Quit[/] and [/]"),
    ("Shelling resumes near Stepanakert [/", "[/",
     "Shelling resumes near Stepanakert [/", "[/"),
    ("Truce talks \u202eodnalreF\u202c in Baku \u2066isolated\u2069 text \u200fmark",
     "Mediators \u202bembedded\u202c speak",
     "Truce talks odnalreF in Baku isolated text \u200fmark", "Mediators embedded speak"),
    # escaped twice on the wire, as many outlets do: an RSS title is HTML (feedparser
    # says text/html), so its XML text "&amp;" is an escaped "&" and the reader sees "&"
    ("Fourteen killed &amp; more wounded in Ganja",
     "<p>Fourteen &amp; more were <b>killed</b> in <i>Ganja</i> &lt;script&gt;</p>"
     "<script>alert(1)</script><style>p{}</style>",
     "Fourteen killed & more wounded in Ganja",
     "Fourteen & more were killed in Ganja <script>"),
    ("Entity NUL in summary", "Before &#0; middle &#27; and &#x202e; after &#xd800; end",
     "Entity NUL in summary", "Before \ufffd middle and after \ufffd end"),
    (LONG_TITLE, "A very long headline.", LONG_TITLE, "A very long headline."),
]

# raw control bytes cannot be in well-formed XML; real broken feeds carry them anyway
ILL_FORMED = [
    ("OSC 8 \x1b]8;;https://evil.example/\x1b\\Click\x1b]8;;\x1b\\ here",
     "OSC 8 ]8;;https://evil.example/\\Click]8;;\\ here"),
    ("\x1b[2J\x1b[1;31mCeasefire violated\x1b[0m at dawn",
     "[2J[1;31mCeasefire violated[0m at dawn"),
    ("\x1b]52;c;Y2F0IC9ldGMvcGFzc3dk\x07Truce holds in the north",
     "]52;c;Y2F0IC9ldGMvcGFzc3dkTruce holds in the north"),
    ("Null\x00 byte and bell\x07 in a title", "Null byte and bell in a title"),
    ("Numeric &#0; and &#27; references in a broken feed",
     "Numeric and references in a broken feed"),
]


def _rss(channel_title: str, items: list[tuple[str, str, str]]) -> bytes:
    """RSS 2.0 with (link, title, HTML summary) items, text escaped as XML requires."""
    parts = [f"<item><title>{escape(t)}</title><link>{link}</link><guid>{link}</guid>"
             f"<description>{escape(s)}</description></item>" for link, t, s in items]
    return ('<?xml version="1.0" encoding="utf-8"?>\n<rss version="2.0"><channel>'
            f"<title>{escape(channel_title)}</title><link>https://example.org/</link>"
            f"<description>hostile</description>{''.join(parts)}</channel></rss>\n"
            ).encode("utf-8", "surrogatepass")


def _broken_rss(items: list[tuple[str, str]]) -> bytes:
    """Like _rss but with raw control characters and unescaped numeric references."""
    parts = [f"<item><title>{t}</title><link>{link}</link><guid>{link}</guid>"
             f"<description>Raw \x00 NUL, \x1b[31m CSI and &#0; in a summary</description></item>"
             for link, t in items]
    return ('<?xml version="1.0" encoding="utf-8"?>\n<rss version="2.0"><channel>'
            "<title>Broken \x1b[5mblinking\x1b[0m [b]wire[/b]</title>"
            f"<link>https://example.org/</link>{''.join(parts)}</channel></rss>\n").encode("utf-8")


def test_hostile_text_is_stored_faithfully_and_exported_as_json(tmp_path):
    good = [(f"https://example.org/hostile/{i}", title, summary)
            for i, (title, summary, _, _) in enumerate(WELL_FORMED)]
    bad = [(f"https://example.org/broken/{i}", title) for i, (title, _) in enumerate(ILL_FORMED)]
    expected = {link: (WELL_FORMED[i][2], WELL_FORMED[i][3]) for i, (link, _, _) in enumerate(good)}
    expected.update({link: (ILL_FORMED[i][1], "Raw NUL, [31m CSI and in a summary")
                     for i, (link, _) in enumerate(bad)})
    with FeedServer() as server:
        urls = [server.add("/hostile.rss", _rss("[red]Hostile[/red] wire", good)),
                server.add("/broken.rss", _broken_rss(bad))]
        env = sitmon_env(write_config(tmp_path / "config.toml", urls), tmp_path / "sitmon.db")
        poll = run_sitmon(["poll", "--once"], env)
    assert poll.code == 0 and "Traceback" not in poll.output, poll.output[-3000:]
    assert "\x1b" not in poll.output

    stored = _stored_sources(tmp_path / "sitmon.db")
    assert set(stored) == set(expected), f"stories missing: {set(expected) - set(stored)}"
    for link, (title, summary) in expected.items():
        assert stored[link] == (title, summary), link
        assert not UNSAFE.search(stored[link][0] + stored[link][1]), link

    export = run_sitmon(["export", "--format", "json"], env)
    assert export.code == 0 and "Traceback" not in export.output, export.output[-3000:]
    assert "\x1b" not in export.out and "\x00" not in export.out
    titles = {s["url"]: s["title"] for story in json.loads(export.out)["stories"]
              for s in story["sources"]}
    assert titles == {link: title for link, (title, _) in expected.items()}

    listing = run_sitmon(["feeds", "list"], env)
    assert listing.code == 0 and "\x1b" not in listing.output and "[red]Hostile[/red]" in listing.out


def _stored_sources(db: Path) -> dict[str, tuple[str, str]]:
    """link -> (title, summary) of every stored outlet story."""
    store = open_store(db)
    try:
        found = {}
        for cluster in store.recent_clusters(limit=1000):
            for source in store.cluster_detail(cluster.id).sources:
                found[source["url"]] = (source["title"], source["summary"])
        return found
    finally:
        store.close()


def test_hostile_text_through_sitmon_extract_gives_json_lines_only(tmp_path):
    """`sitmon extract` reads hostile text and answers with one JSON line per story;
    nothing in the text reaches the terminal raw."""
    stories = [{"id": f"h{i}", "title": title, "summary": summary, "published": "2020-10-17T06:00:00Z"}
               for i, (title, summary, _, _) in enumerate(WELL_FORMED)]
    stories += [{"id": f"b{i}", "title": title, "summary": "Azerbaijan said 14 people were killed in Ganja.",
                 "published": "2020-10-17T06:00:00Z"} for i, (title, _) in enumerate(ILL_FORMED)]
    lines = "".join(json.dumps(story) + "\n" for story in stories)
    env = sitmon_env(write_config(tmp_path / "config.toml", []), tmp_path / "sitmon.db")
    process = subprocess.run([sys.executable, "-m", "sitmon", "extract", "-"], input=lines.encode("utf-8"),
                             capture_output=True, env=env, timeout=120)
    out = process.stdout.decode("utf-8")
    assert process.returncode == 0 and b"Traceback" not in process.stderr, process.stderr[-2000:]
    assert not UNSAFE.search(out.replace("\n", "")), "raw control characters on stdout"
    answers = [json.loads(line) for line in out.splitlines()]
    assert [a["id"] for a in answers] == [s["id"] for s in stories]
    assert all(isinstance(a["events"], list) for a in answers)
