"""The `sitmon` command line, run for real: in-process via main() and as a
subprocess (`python -m sitmon`), against loopback feeds and SQLite in tmp_path."""

from __future__ import annotations

import csv
import io
import json
import os
import signal
import subprocess
import sys
import threading
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from sitmon.cli import main
from sitmon.config import default_feeds
from sitmon.integrity import mark_path
from sitmon.opml import read_opml, write_opml

# --- fixtures ----------------------------------------------------------------

NOW = datetime.now(UTC).replace(microsecond=0)
TRUCE_TIME = NOW - timedelta(hours=30)  # its "midnight" has passed by now
STRIKE_TIME = NOW - timedelta(hours=3)
SHELLING_TIME = NOW - timedelta(hours=2)


def _rss(outlet: str, items: list[tuple[str, str, str, datetime]]) -> bytes:
    entries = "".join(
        f"<item><title>{title}</title><link>{link}</link><guid>{link}</guid>"
        f"<description>{summary}</description><pubDate>{format_datetime(when)}</pubDate></item>"
        for title, summary, link, when in items
    )
    return (f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>'
            f"<title>{outlet}</title><link>https://{outlet.lower()}.example/</link>"
            f"<description>{outlet} world news</description>{entries}</channel></rss>").encode()


def _atom(outlet: str, items: list[tuple[str, str, str, datetime]]) -> bytes:
    entries = "".join(
        f'<entry><title>{title}</title><link href="{link}"/><id>{link}</id>'
        f"<summary>{summary}</summary><updated>{when.isoformat()}</updated></entry>"
        for title, summary, link, when in items
    )
    return (f'<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom">'
            f"<title>{outlet}</title><id>https://{outlet.lower()}.example/</id>"
            f"<updated>{NOW.isoformat()}</updated>{entries}</feed>").encode()


# Two outlets carry the truce story (the second with live-blog decoration);
# each also has one story of its own.
TRUCE_SUMMARY = ("Armenia and Azerbaijan agreed a humanitarian ceasefire that takes effect at "
                 "midnight, with France, Russia and the United States mediating.")
OUTLET_A = _rss("Eastwire", [
    ("Armenia and Azerbaijan agree humanitarian ceasefire from midnight", TRUCE_SUMMARY,
     "https://eastwire.example/caucasus/truce?utm_source=rss", TRUCE_TIME),
    ("Missile strike on Ganja kills 14, Azerbaijan says",
     "Azerbaijan said an overnight Armenian missile strike on the city of Ganja killed 14 people.",
     "https://eastwire.example/caucasus/ganja", STRIKE_TIME),
])
OUTLET_B = _atom("Northdesk", [
    ("LIVE: Armenia and Azerbaijan agree humanitarian ceasefire from midnight", TRUCE_SUMMARY,
     "https://northdesk.example/live/caucasus-truce", TRUCE_TIME + timedelta(minutes=20)),
    ("Shelling hits Stepanakert overnight",
     "Authorities in Nagorno-Karabakh said Azerbaijani forces shelled Stepanakert overnight.",
     "https://northdesk.example/stepanakert-shelling", SHELLING_TIME),
])


class _FeedHandler(BaseHTTPRequestHandler):
    def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
        body = self.server.bodies.get(self.path)  # type: ignore[attr-defined]
        if body is None:
            self.send_error(404)
            return
        self.send_response(200)
        self.send_header("Content-Type", "application/xml; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args) -> None:
        pass


_SERVERS: dict[str, ThreadingHTTPServer] = {}


def _serve(base: str, bodies: dict[str, bytes]) -> None:
    """Adds documents to the running ``feed_server`` at ``base``."""
    _SERVERS[base].bodies.update(bodies)  # type: ignore[attr-defined]


@pytest.fixture
def feed_server():
    server = ThreadingHTTPServer(("127.0.0.1", 0), _FeedHandler)
    server.daemon_threads = True
    server.bodies = {"/eastwire.xml": OUTLET_A, "/northdesk.xml": OUTLET_B}
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{server.server_address[1]}"
    _SERVERS[base] = server
    yield base
    del _SERVERS[base]
    server.shutdown()
    server.server_close()


@pytest.fixture
def home(tmp_path, monkeypatch):
    """Isolated config and database; the config polls only what a test adds."""
    config = tmp_path / "config.toml"
    config.write_text("default_feeds = false\ntimeout = 5\nconnect_timeout = 2\n")
    monkeypatch.setenv("SITMON_CONFIG", str(config))
    monkeypatch.setenv("SITMON_DB", str(tmp_path / "sitmon.db"))
    return tmp_path


def cli(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def cli_input(capsys, monkeypatch, text: str, *argv: str) -> tuple[int, str, str]:
    """main() with ``text`` on standard input."""
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(text.encode("utf-8"))))
    return cli(capsys, *argv)


def sitmon(*argv: str, stdin: str | None = None, timeout: float = 60) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "sitmon", *argv], input=stdin, text=True,
                          capture_output=True, timeout=timeout, env=os.environ.copy())


def one_error_line(err: str) -> str:
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("sitmon: error: ")
    assert "Traceback" not in err
    return lines[0]


# --- the basics --------------------------------------------------------------


def test_version(capsys):
    from sitmon import __version__

    code, out, _ = cli(capsys, "--version")
    assert code == 0 and out.strip() == f"sitmon {__version__}"
    assert sitmon("--version").stdout.strip() == f"sitmon {__version__}"


def test_help_lists_every_command(capsys):
    code, out, _ = cli(capsys, "--help")
    assert code == 0
    for command in ("poll", "feeds", "extract", "export", "reextract", "--demo", "--interval"):
        assert command in out


@pytest.mark.parametrize("argv", [
    ["bogus"],
    ["--interval", "0", "poll"],
    ["--interval", "soon"],
    ["poll", "--interval", "-5"],
    ["feeds"],
    ["feeds", "add"],
    ["export", "--format", "xml"],
])
def test_usage_errors_are_one_line_and_exit_2(home, capsys, argv):
    code, _, err = cli(capsys, *argv)
    assert code == 2
    one_error_line(err)


def test_demo_with_a_command_is_refused(home, capsys):
    code, _, err = cli(capsys, "--demo", "export")
    assert code == 2
    assert "--demo" in one_error_line(err)


def test_malformed_config_names_file_and_line_without_traceback(home):
    config = home / "config.toml"
    config.write_text("poll_interval = 300\ntimeout = -1\n")
    result = sitmon("feeds", "list")
    assert result.returncode == 2
    line = one_error_line(result.stderr)
    assert str(config) in line and "line 2" in line and "timeout" in line


@pytest.mark.parametrize("argv", [[], ["poll", "--once"], ["export"], ["extract"]])
def test_every_command_refuses_a_malformed_config_before_starting(home, capsys, argv):
    (home / "config.toml").write_text("[[feeds]]\nurl = \"gopher://old.example/\"\n")
    code, _, err = cli(capsys, *argv)
    assert code == 2 and "line 2" in one_error_line(err) and "http or https" in err


def test_config_flag_beats_the_environment(home, capsys):
    broken = home / "broken.toml"
    broken.write_text("concurrency = [\n")
    code, _, err = cli(capsys, "--config", str(broken), "feeds", "list")
    assert code == 2 and str(broken) in one_error_line(err)
    code, _, err = cli(capsys, "feeds", "list", "--config", str(broken))
    assert code == 2 and str(broken) in one_error_line(err)


def test_first_run_writes_the_config_and_lists_the_default_feeds(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("SITMON_CONFIG", str(tmp_path / "cfg" / "config.toml"))
    monkeypatch.setenv("SITMON_DB", str(tmp_path / "data" / "sitmon.db"))
    code, out, _ = cli(capsys, "feeds", "list")
    assert code == 0
    assert (tmp_path / "cfg" / "config.toml").exists()
    assert (tmp_path / "data" / "sitmon.db").exists()
    for url, _ in default_feeds():
        assert url in out


def test_db_flag_overrides_the_environment(home, capsys):
    other = home / "elsewhere" / "other.db"
    assert cli(capsys, "--db", str(other), "feeds", "add", "https://a.example/rss")[0] == 0
    assert other.exists()
    code, out, _ = cli(capsys, "feeds", "list", "--db", str(other))
    assert "https://a.example/rss" in out
    assert "https://a.example/rss" not in cli(capsys, "feeds", "list")[1]


def test_a_file_that_is_not_a_database_is_one_line_exit_2(home):
    (home / "sitmon.db").write_bytes(b"this is a text file, not SQLite\n" * 100)
    result = sitmon("feeds", "list")
    assert result.returncode == 2
    one_error_line(result.stderr)


# --- feeds -------------------------------------------------------------------


def test_feeds_add_list_remove(home, capsys):
    code, out, _ = cli(capsys, "feeds", "add", "https://a.example/rss", "--title", "Alpha News")
    assert code == 0 and "added" in out
    code, out, _ = cli(capsys, "feeds", "add", "https://a.example/rss")
    assert code == 0 and "already" in out
    code, out, _ = cli(capsys, "feeds", "list")
    (row,) = [line for line in out.splitlines() if "a.example" in line]
    assert "Alpha News" in row and "yes" in row and "never" in row
    code, out, _ = cli(capsys, "feeds", "remove", "https://a.example/rss")
    assert code == 0
    assert "a.example" not in cli(capsys, "feeds", "list")[1]


@pytest.mark.parametrize("url", ["ftp://a.example/rss", "file:///etc/passwd", "a.example/rss",
                                 "javascript:alert(1)", "https://"])
def test_feeds_add_refuses_non_http_urls(home, capsys, url):
    code, _, err = cli(capsys, "feeds", "add", url)
    assert code == 2
    assert "http" in one_error_line(err)
    assert url not in cli(capsys, "feeds", "list")[1]


def test_removing_an_unknown_feed_is_an_error(home, capsys):
    code, _, err = cli(capsys, "feeds", "remove", "https://never.example/rss")
    assert code == 2 and "not in the feed list" in one_error_line(err)


def test_removed_default_feed_stays_removed(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("SITMON_CONFIG", str(tmp_path / "config.toml"))
    monkeypatch.setenv("SITMON_DB", str(tmp_path / "sitmon.db"))
    first = default_feeds()[0][0]
    assert cli(capsys, "feeds", "remove", first)[0] == 0
    assert first not in cli(capsys, "feeds", "list")[1]


def test_feed_titles_cannot_send_terminal_escapes(home, capsys):
    cli(capsys, "feeds", "add", "https://a.example/rss", "--title", "Evil\x1b[2J\x1b]0;pwned\x07")
    out = cli(capsys, "feeds", "list")[1]
    assert "\x1b" not in out and "\x07" not in out and "Evil" in out


def test_opml_import_export_round_trip(home, capsys):
    feeds = [("https://a.example/rss", "Alpha & Co"), ("https://b.example/atom", None),
             ("http://127.0.0.1:9/c.xml", "Київ")]
    source = home / "in.opml"
    source.write_bytes(write_opml(feeds))
    code, out, _ = cli(capsys, "feeds", "import", str(source))
    assert code == 0 and "imported 3 feeds" in out
    code, out, _ = cli(capsys, "feeds", "export")
    assert code == 0
    assert read_opml(out.encode()) == feeds
    assert cli(capsys, "feeds", "export", "-o", str(home / "out.opml"))[0] == 0
    assert read_opml((home / "out.opml").read_bytes()) == feeds


def test_opml_import_is_idempotent_and_skips_non_http(home, capsys):
    source = home / "in.opml"
    source.write_bytes(write_opml([("https://a.example/rss", "A"), ("ftp://b.example/x", "B")]))
    code, out, err = cli(capsys, "feeds", "import", str(source))
    assert code == 0 and "imported 1 feeds" in out and "1 skipped" in out
    assert "ftp://b.example/x" in err
    code, out, _ = cli(capsys, "feeds", "import", str(source))
    assert "imported 0 feeds" in out and "1 already" in out


@pytest.mark.parametrize("content", [b"<opml><body><outline", b"<?xml version='1.0'?><html/>",
                                     b"<!DOCTYPE x [<!ENTITY a 'b'>]><opml/>"])
def test_opml_import_of_a_bad_file_is_one_line(home, capsys, content):
    source = home / "bad.opml"
    source.write_bytes(content)
    code, _, err = cli(capsys, "feeds", "import", str(source))
    assert code == 2 and "bad.opml" in one_error_line(err)


def test_opml_import_of_a_missing_file_is_one_line(home, capsys):
    code, _, err = cli(capsys, "feeds", "import", str(home / "missing.opml"))
    assert code == 2 and "missing.opml" in one_error_line(err)


# --- extract -----------------------------------------------------------------

GANJA = ("Azerbaijan said 14 people were killed in an overnight missile attack on Ganja, "
         "hours after the humanitarian ceasefire took effect.")


def test_extract_reads_json_lines_and_plain_text(home, capsys, monkeypatch):
    lines = [
        json.dumps({"id": "story-1", "title": "Missile attack on Ganja", "summary": GANJA,
                    "published": "2020-10-17T08:00:00Z"}),
        "Armenia and Azerbaijan agree a new humanitarian ceasefire from midnight",
        json.dumps({"id": 7, "title": "Bake sale raises money for library", "summary": ""}),
    ]
    code, out, err = cli_input(capsys, monkeypatch, "\n".join(lines) + "\n", "extract", "-")
    assert code == 0, err
    records = [json.loads(line) for line in out.splitlines()]
    assert [r["id"] for r in records] == ["story-1", 2, 7]
    kinds = [{e["type"] for e in r["events"]} for r in records]
    assert "casualty" in kinds[0] and "truce" in kinds[1] and kinds[2] == set()
    for event in records[0]["events"] + records[1]["events"]:
        assert {"type", "conflict", "evidence"} <= set(event)
    (casualty,) = [e for e in records[0]["events"] if e["type"] == "casualty"]
    assert casualty["killed"] == 14


def test_extract_resolves_times_against_the_published_date(home, capsys, monkeypatch):
    story = {"id": "t", "title": "Armenia and Azerbaijan agree a humanitarian ceasefire",
             "summary": "The truce takes effect at midnight.", "published": "2020-10-17T12:00:00Z"}
    code, out, _ = cli_input(capsys, monkeypatch, json.dumps(story) + "\n", "extract")
    (truce,) = [e for e in json.loads(out)["events"] if e["type"] == "truce" and e["effective"]]
    assert truce["effective"].startswith("2020-10-1")


def test_extract_reports_bad_lines_and_keeps_going(home, tmp_path, capsys):
    source = tmp_path / "stories.jsonl"
    source.write_text("\n".join([
        json.dumps({"id": "a", "title": "Ceasefire announced", "summary": ""}),
        '{"id": "b", "title": broken',
        json.dumps({"id": "c", "title": "Shelling resumes", "published": "not a date"}),
        '{"id": "d", "title": 42}',
        "",
        "[1, 2]",
    ]) + "\n")
    code, out, err = cli(capsys, "extract", str(source))
    assert code == 0
    assert [json.loads(line)["id"] for line in out.splitlines()] == ["a", "c", 6]
    assert "line 2" in err and "not valid JSON" in err
    assert "line 3" in err and "line 4" in err
    assert "Traceback" not in err


def test_extract_without_any_readable_input_fails(home, tmp_path, capsys, monkeypatch):
    code, _, err = cli(capsys, "extract", str(tmp_path / "missing.jsonl"))
    assert code == 2 and "missing.jsonl" in one_error_line(err)
    code, out, _ = cli_input(capsys, monkeypatch, '{"broken\n{also broken\n', "extract")
    assert code == 2 and out == ""


def test_extract_on_empty_input_is_fine(home, capsys, monkeypatch):
    assert cli_input(capsys, monkeypatch, "", "extract") == (0, "", "")


def test_extract_does_not_touch_the_database(home, capsys, monkeypatch):
    text = "Ceasefire collapses as shelling resumes\n"
    assert cli_input(capsys, monkeypatch, text, "extract", "-")[0] == 0
    assert not (home / "sitmon.db").exists()


def test_extract_streams_one_line_per_story(home):
    process = subprocess.Popen([sys.executable, "-m", "sitmon", "extract", "-"], text=True,
                               stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, env=os.environ.copy())
    try:
        process.stdin.write(json.dumps({"id": "first", "title": GANJA}) + "\n")
        process.stdin.flush()
        # the answer arrives while stdin is still open: nothing waits for EOF
        assert json.loads(process.stdout.readline())["id"] == "first"
        process.stdin.write("Drone attack hits Kharkiv\n")
        process.stdin.flush()
        assert json.loads(process.stdout.readline())["id"] == 2
    finally:
        process.stdin.close()
        process.wait(timeout=30)
    assert process.returncode == 0


# --- poll and export, end to end --------------------------------------------


def _subscribe(capsys, base: str) -> None:
    for name in ("eastwire", "northdesk"):
        assert cli(capsys, "feeds", "add", f"{base}/{name}.xml", "--title", name)[0] == 0


def test_poll_once_reports_failures_and_totals_and_exits_0(home, feed_server, capsys):
    _subscribe(capsys, feed_server)
    cli(capsys, "feeds", "add", f"{feed_server}/gone.xml")
    code, out, _ = cli(capsys, "poll", "--once")
    assert code == 0
    lines = out.strip().splitlines()
    assert [line for line in lines if line.startswith("FAIL ")] == [
        line for line in lines if f"{feed_server}/gone.xml" in line]
    totals = lines[-1]
    assert totals.startswith("polled 3 feeds: 2 ok, 0 not modified, 1 failed; 4 new stories in ")
    code, out, _ = cli(capsys, "feeds", "list")
    (gone,) = [line for line in out.splitlines() if "gone.xml" in line]
    assert "fail" in gone.lower()


def test_feeds_list_warns_about_a_broken_feed_that_still_delivers(home, feed_server, capsys):
    # An unescaped "&" makes the XML ill-formed; feedparser still reads the item.
    server_bodies = {"/sloppy.xml": OUTLET_A.replace(b"world news</description>",
                                                      b"war & peace</description>")}
    _serve(feed_server, server_bodies)
    cli(capsys, "feeds", "add", f"{feed_server}/sloppy.xml")
    assert cli(capsys, "poll", "--once")[0] == 0
    code, out, _ = cli(capsys, "feeds", "list")
    (sloppy,) = [line for line in out.splitlines() if "sloppy.xml" in line]
    assert "ok (200), warning:" in sloppy and "not well-formed" in sloppy, sloppy


def test_poll_once_with_the_default_feeds_and_no_network_still_exits_0(tmp_path, monkeypatch):
    config = tmp_path / "config.toml"
    # the default feed list, with short limits so an offline machine fails fast
    config.write_text("timeout = 3\nconnect_timeout = 1\n")
    monkeypatch.setenv("SITMON_CONFIG", str(config))
    monkeypatch.setenv("SITMON_DB", str(tmp_path / "sitmon.db"))
    monkeypatch.setenv("HTTPS_PROXY", "http://127.0.0.1:9")  # never reach the real feeds
    monkeypatch.setenv("HTTP_PROXY", "http://127.0.0.1:9")
    result = sitmon("poll", "--once", timeout=120)
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    assert f"polled {len(default_feeds())} feeds:" in result.stdout


def test_import_poll_export_folds_the_same_story_from_two_outlets(home, feed_server):
    opml = home / "feeds.opml"
    opml.write_bytes(write_opml([(f"{feed_server}/eastwire.xml", "Eastwire"),
                                 (f"{feed_server}/northdesk.xml", "Northdesk")]))
    assert sitmon("feeds", "import", str(opml)).returncode == 0
    polled = sitmon("poll", "--once")
    assert polled.returncode == 0, polled.stderr
    exported = sitmon("export")
    assert exported.returncode == 0, exported.stderr
    report = json.loads(exported.stdout)
    assert list(report)[:5] == ["as_of", "truces", "violations", "tally", "stories"]
    stories = report["stories"]
    assert len(stories) == 3, [s["title"] for s in stories]
    (truce,) = [s for s in stories if "ceasefire" in s["title"].lower()]
    assert sorted(source["feed"] for source in truce["sources"]) == [
        f"{feed_server}/eastwire.xml", f"{feed_server}/northdesk.xml"]
    assert {source["title"] for source in truce["sources"]} == {
        "Armenia and Azerbaijan agree humanitarian ceasefire from midnight",
        "LIVE: Armenia and Azerbaijan agree humanitarian ceasefire from midnight"}
    # tracking parameters never reach the export
    assert all("utm_" not in (source["url"] or "") for s in stories for source in s["sources"])
    # a second poll of unchanged feeds adds nothing
    assert sitmon("poll", "--once").returncode == 0
    assert json.loads(sitmon("export").stdout)["stories"] == stories


# Three outlets, three formats. One story appears in all three under each
# outlet's decoration; one is linked by two outlets with different tracking
# parameters; three strike reports differ only in the place or the number.
SHARED = "Armenia and Azerbaijan agree new humanitarian truce from midnight"
HARD_NEGATIVES = ["14 killed in Ganja missile strike", "14 killed in Kharkiv missile strike",
                  "10 killed in Ganja missile strike"]


def _three_outlets(base_time: datetime) -> dict[str, bytes]:
    when = [base_time + timedelta(minutes=m) for m in range(6)]
    rss = _rss("Eastwire", [
        (f"LIVE: {SHARED}", "Both sides announced the pause late on Saturday.",
         "https://eastwire.example/live/truce", when[0]),
        (HARD_NEGATIVES[0], "Azerbaijan said the overnight strike on Ganja killed 14 people.",
         "https://eastwire.example/ganja-14", when[1]),
        ("Red Cross convoy reaches Stepanakert",
         "Aid workers delivered medicine to the shelled city.",
         "https://shared.example/convoy?utm_source=eastwire&utm_medium=rss", when[2]),
    ])
    atom = _atom("Northdesk", [
        (f"{SHARED} | World news", "The truce was brokered with help from France.",
         "https://northdesk.example/world/truce", when[3]),
        (HARD_NEGATIVES[1], "Ukrainian officials said a missile strike on Kharkiv killed 14.",
         "https://northdesk.example/kharkiv-14", when[4]),
        ("Red Cross convoy reaches Stepanakert",
         "Aid workers delivered medicine to the shelled city.",
         "https://shared.example/convoy?utm_campaign=northdesk", when[5]),
    ])
    rdf = (
        '<?xml version="1.0" encoding="utf-8"?>'
        '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" '
        'xmlns="http://purl.org/rss/1.0/" xmlns:dc="http://purl.org/dc/elements/1.1/">'
        '<channel rdf:about="https://southpost.example/"><title>Southpost</title>'
        "<link>https://southpost.example/</link><description>news</description></channel>"
        + "".join(
            f'<item rdf:about="{link}"><title>{title}</title><link>{link}</link>'
            f"<description>{summary}</description><dc:date>{at.isoformat()}</dc:date></item>"
            for title, summary, link, at in [
                (f"{SHARED} - Reuters", "Mediators hope the truce will hold this time.",
                 "https://southpost.example/truce", when[2]),
                (HARD_NEGATIVES[2], "An earlier count from Ganja put the dead at ten.",
                 "https://southpost.example/ganja-10", when[3]),
            ])
        + "</rdf:RDF>").encode()
    return {"/eastwire.xml": rss, "/northdesk.atom": atom, "/southpost.rdf": rdf}


def test_the_done_when_command_line_folds_one_story_and_keeps_others_apart(home):
    """`sitmon feeds import f.opml && sitmon poll --once && sitmon export`, verbatim."""
    from feedserver import FeedServer

    script = Path(sys.executable).with_name("sitmon")
    assert script.exists(), "the `sitmon` console script is installed next to python"
    env = dict(os.environ, PATH=f"{script.parent}{os.pathsep}{os.environ.get('PATH', '')}")
    with FeedServer() as server:
        urls = [server.add(path, body) for path, body in _three_outlets(STRIKE_TIME).items()]
        (home / "f.opml").write_bytes(write_opml([(url, None) for url in urls]))
        done = subprocess.run("sitmon feeds import f.opml && sitmon poll --once && sitmon export",
                              shell=True, cwd=home, env=env, capture_output=True, text=True,
                              timeout=120)
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr
    # the three commands' output in order: import line, totals line, then the JSON
    first, second, rest = done.stdout.split("\n", 2)
    assert first.startswith("imported 3 feeds") and second.startswith("polled 3 feeds: 3 ok")
    stories = {story["title"]: story for story in json.loads(rest)["stories"]}
    assert len(stories) == 5, sorted(stories)
    (truce,) = [s for title, s in stories.items() if SHARED in title]
    assert sorted(src["feed"] for src in truce["sources"]) == sorted(urls)
    assert {src["title"] for src in truce["sources"]} == {
        f"LIVE: {SHARED}", f"{SHARED} | World news", f"{SHARED} - Reuters"}
    for title in HARD_NEGATIVES:
        (negative,) = [s for t, s in stories.items() if title in t]
        assert len(negative["sources"]) == 1, title
    (convoy,) = [s for t, s in stories.items() if "convoy" in t]
    assert [src["url"] for src in convoy["sources"]] == ["https://shared.example/convoy"] * 2


def test_export_reads_the_situation_from_the_stories(home, feed_server, capsys):
    _subscribe(capsys, feed_server)
    cli(capsys, "poll", "--once")
    code, out, _ = cli(capsys, "export")
    report = json.loads(out)
    (truce,) = report["truces"]
    assert {"Armenia", "Azerbaijan"} <= set(truce["parties"])
    assert truce["active"] is True
    assert any("Ganja" in (v.get("location") or "") for v in report["violations"])


def test_every_exported_source_names_an_exported_story_by_its_number(home, feed_server, capsys):
    _subscribe(capsys, feed_server)
    cli(capsys, "poll", "--once")
    report = json.loads(cli(capsys, "export")[1])
    stories = {story["id"]: story for story in report["stories"]}
    assert stories and all(type(key) is int for key in stories)
    sources = [s for table in ("truces", "violations", "tally") for row in report[table] for s in row["sources"]]
    assert sources
    for source in sources:  # traceable: the story it came from, with this outlet among its sources
        assert source["url"] in {s["url"] for s in stories[source["story"]]["sources"]}


def test_opening_an_older_database_says_it_is_upgrading_it_once(home, capsys):
    import sqlite3

    from sitmon import store as store_module

    raw = sqlite3.connect(home / "sitmon.db")
    for migration in store_module.MIGRATIONS[:5]:
        migration(store_module.sqlite_utils.Database(raw))
    raw.execute("INSERT INTO meta VALUES ('schema_version', '5')")
    raw.commit()
    raw.close()
    code, _, err = cli(capsys, "feeds", "list")
    assert code == 0 and "upgrading database" in err and str(home / "sitmon.db") in err
    assert "upgrading" not in cli(capsys, "feeds", "list")[2]


def test_export_as_of_uses_only_stories_published_by_then(home, feed_server, capsys):
    _subscribe(capsys, feed_server)
    cli(capsys, "poll", "--once")

    def titles(as_of: datetime) -> set[str]:
        code, out, _ = cli(capsys, "export", "--as-of", as_of.isoformat())
        assert code == 0
        return {s["title"] for s in json.loads(out)["stories"]}

    assert titles(TRUCE_TIME - timedelta(hours=1)) == set()
    assert len(titles(STRIKE_TIME - timedelta(minutes=1))) == 1
    assert len(titles(STRIKE_TIME + timedelta(minutes=1))) == 2
    assert len(titles(NOW)) == 3
    # a naive time is UTC
    naive = (STRIKE_TIME + timedelta(minutes=1)).replace(tzinfo=None).isoformat()
    code, out, _ = cli(capsys, "export", "--as-of", naive)
    assert len(json.loads(out)["stories"]) == 2


def test_export_before_any_story_is_an_empty_situation(home, capsys):
    code, out, _ = cli(capsys, "export", "--as-of", "2001-01-01T00:00:00Z")
    assert code == 0
    report = json.loads(out)
    assert report["as_of"].startswith("2001-01-01T00:00:00")
    assert [report[k] for k in ("truces", "violations", "tally", "stories")] == [[], [], [], []]


@pytest.mark.parametrize("as_of", ["yesterday", "2020-13-45", "", "17/10/2020",
                                   "9999-12-31T23:59:59-05:00"])
def test_export_with_a_bad_instant_is_one_line_exit_2(home, capsys, as_of):
    code, out, err = cli(capsys, "export", "--as-of", as_of)
    assert code == 2 and out == ""
    assert repr(as_of) in one_error_line(err)


def test_export_csv_has_one_section_per_table(home, feed_server, capsys):
    _subscribe(capsys, feed_server)
    cli(capsys, "poll", "--once")
    code, out, _ = cli(capsys, "export", "--format", "csv")
    assert code == 0
    sections: dict[str, list[list[str]]] = {}
    current = None
    for line in out.splitlines():
        if line.startswith("# ") and not line.startswith("# as_of"):
            current = line[2:]
            sections[current] = []
        elif line and current:
            sections[current].append(next(csv.reader(io.StringIO(line))))
    assert list(sections) == ["truces", "violations", "tally", "stories"]
    header, *rows = sections["stories"]
    assert header[:3] == ["id", "title", "published"] and header[-2:] == ["sources", "source_urls"]
    assert sorted(int(row[-2]) for row in rows) == [1, 1, 2]
    truce_row = next(row for row in rows if row[-2] == "2")
    assert "; " in truce_row[-1] and "https://eastwire.example/" in truce_row[-1]
    truces_header, truce = sections["truces"]
    assert truces_header[:5] == ["conflict", "parties", "mediators", "kind", "status"]
    assert truce[truces_header.index("parties")] == "Armenia; Azerbaijan"
    assert truce[truces_header.index("sources")] == "2"


def _interruptible() -> None:
    """Ctrl-C reaches the child even when the tests run in the background: a shell
    starts background jobs with SIGINT ignored, and Python keeps an ignored SIGINT."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def test_poll_loop_repeats_on_the_interval_and_stops_cleanly_on_ctrl_c(home, feed_server, capsys):
    _subscribe(capsys, feed_server)
    process = subprocess.Popen([sys.executable, "-m", "sitmon", "poll", "--interval", "0.2"],
                               text=True, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               env=os.environ.copy(), preexec_fn=_interruptible)
    try:
        first, second = process.stdout.readline(), process.stdout.readline()
        assert "polled 2 feeds: 2 ok" in first and "4 new stories" in first
        assert "polled 2 feeds:" in second and "0 new stories" in second
        process.send_signal(signal.SIGINT)
        _, err = process.communicate(timeout=30)
    finally:
        process.kill()
    assert process.returncode == 0
    assert "Traceback" not in err and "KeyboardInterrupt" not in err
    assert mark_path(Path(os.environ["SITMON_DB"])).exists()  # a clean stop: the next start skips the full check


def test_poll_loop_stops_cleanly_on_sigterm_too(home, feed_server, capsys):
    _subscribe(capsys, feed_server)
    process = subprocess.Popen([sys.executable, "-m", "sitmon", "poll", "--interval", "0.2"],
                               text=True, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               env=os.environ.copy())
    try:
        assert "polled 2 feeds" in process.stdout.readline()
        process.terminate()
        _, err = process.communicate(timeout=30)
    finally:
        process.kill()
    assert process.returncode == 0
    assert "polling stopped" in err and "Traceback" not in err
    assert mark_path(Path(os.environ["SITMON_DB"])).exists()


def test_ctrl_c_elsewhere_exits_130_quietly(home):
    process = subprocess.Popen([sys.executable, "-m", "sitmon", "extract", "-"], text=True,
                               stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, env=os.environ.copy(),
                               preexec_fn=_interruptible)
    try:
        process.stdin.write("Ceasefire holds in the south\n")
        process.stdin.flush()
        assert process.stdout.readline()  # it is running and waiting for more input
        process.send_signal(signal.SIGINT)
        _, err = process.communicate(timeout=30)
    finally:
        process.kill()
    assert process.returncode == 130
    assert "Traceback" not in err


def test_a_bug_is_one_line_exit_1_with_the_traceback_in_the_log_dir(home, capsys, monkeypatch):
    import sitmon.cli

    def broken(args):
        raise RuntimeError("model fold\nwent wrong")

    monkeypatch.setattr(sitmon.cli, "cmd_reextract", broken)
    code, out, err = cli(capsys, "reextract")
    assert code == 1 and out == ""
    (line,) = err.strip().splitlines()
    assert line.startswith("sitmon: internal error: RuntimeError: model fold went wrong")
    crash_log = line.split("details in ")[1].split(";")[0]
    assert crash_log.startswith(os.environ["XDG_STATE_HOME"])  # never the real home
    assert "Traceback" in open(crash_log).read() and "in broken" in open(crash_log).read()


def test_a_closed_pipe_ends_extract_quietly(home):
    stories = "".join(f"Drone strike number {i} hits a depot near Kharkiv\n" for i in range(5000))
    process = subprocess.Popen([sys.executable, "-m", "sitmon", "extract", "-"], text=True,
                               stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, env=os.environ.copy())
    feeder = threading.Thread(target=lambda: _write_quietly(process.stdin, stories), daemon=True)
    feeder.start()
    assert process.stdout.readline()  # like `sitmon extract - | head -1`
    process.stdout.close()
    err = process.stderr.read()
    process.wait(timeout=30)
    assert "Traceback" not in err and "BrokenPipe" not in err
    assert process.returncode != 0


def _write_quietly(stream, text: str) -> None:
    try:
        stream.write(text)
        stream.close()
    except (BrokenPipeError, ValueError, OSError):
        pass  # the process stopped reading: that is the point of the test


def test_reextract_rereads_stored_stories(home, feed_server, capsys):
    _subscribe(capsys, feed_server)
    cli(capsys, "poll", "--once")
    before = json.loads(cli(capsys, "export")[1])
    code, out, _ = cli(capsys, "reextract")
    assert code == 0 and "re-read 4 stories" in out
    after = json.loads(cli(capsys, "export")[1])
    before.pop("as_of"), after.pop("as_of")
    assert after == before


def test_a_rules_version_change_rereads_stored_stories(home, feed_server, capsys):
    import sqlite3

    from sitmon.store import Store

    _subscribe(capsys, feed_server)
    cli(capsys, "poll", "--once")
    # as if the stories had been read by older rules that found nothing
    with sqlite3.connect(home / "sitmon.db") as db:
        db.execute("DELETE FROM events")
    store = Store(home / "sitmon.db")
    store.set_rules_version(0)
    store.close()
    code, out, err = cli(capsys, "export")
    assert code == 0 and "re-reading stored stories" in err
    assert len(json.loads(out)["truces"]) == 1
    code, out, err = cli(capsys, "export")
    assert "re-reading" not in err, "the new rules version is remembered"
