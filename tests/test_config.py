"""Config file, default feed list and file locations."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from sitmon import paths
from sitmon.config import DEFAULT_TOML, Config, ConfigError, default_feeds, is_http_url, load_config


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(text, encoding="utf-8")
    return path


# --- first run ---------------------------------------------------------------


def test_first_run_writes_commented_defaults_that_load_back(tmp_path):
    path = tmp_path / "new" / "dir" / "config.toml"
    config = load_config(path)
    assert path.exists()
    text = path.read_text(encoding="utf-8")
    assert text.count("\n#") > 20, "the written file should explain its settings"
    assert config == Config(path=path)
    assert load_config(path) == config


def test_defaults_match_the_documented_values():
    config = Config()
    assert (config.poll_interval, config.timeout, config.connect_timeout) == (300, 20, 5)
    assert config.max_bytes == 10 * 1024 * 1024
    assert (config.max_redirects, config.concurrency, config.per_host) == (5, 8, 2)
    assert (config.retention_days, config.dedup_window_hours) == (180, 72)
    assert config.conflicts == []


def test_default_config_text_sets_every_numeric_default():
    data = tomllib.loads(DEFAULT_TOML)
    config = Config()
    for key, value in data.items():
        if key != "default_feeds":
            assert getattr(config, key) == value, key


def test_existing_file_is_never_overwritten(tmp_path):
    path = write(tmp_path, "poll_interval = 60\n")
    assert load_config(path).poll_interval == 60
    assert path.read_text() == "poll_interval = 60\n"


def test_unwritable_location_still_gives_defaults(tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory")
    path = blocker / "sitmon" / "config.toml"  # its parent can never be created
    assert load_config(path) == Config(path=path)


def test_load_config_without_a_path_uses_sitmon_config(tmp_path, monkeypatch):
    path = tmp_path / "from-env.toml"
    monkeypatch.setenv("SITMON_CONFIG", str(path))
    assert load_config().path == path
    assert path.exists()


# --- default feeds -------------------------------------------------------------


def test_default_feed_list_is_curated_and_well_formed():
    feeds = default_feeds()
    urls = [url for url, _ in feeds]
    assert len(feeds) >= 15
    assert len(set(urls)) == len(urls)
    assert all(url.startswith("https://") and is_http_url(url) for url in urls)
    assert all(title for _, title in feeds)
    names = " ".join(title for _, title in feeds)
    for outlet in ("BBC", "Al Jazeera", "ReliefWeb", "UN News", "Kyiv Independent"):
        assert outlet in names


def test_default_feed_file_notes_a_region_for_every_feed():
    from importlib import resources

    text = resources.files("sitmon").joinpath("data/feeds.toml").read_text("utf-8")
    entries = tomllib.loads(text)["feeds"]
    assert all(entry.get("region") for entry in entries)


def test_user_feeds_add_to_the_defaults_and_can_retitle_one(tmp_path):
    bbc = default_feeds()[0][0]
    path = write(tmp_path, f"""
[[feeds]]
url = "https://example.org/rss"
title = "Example"

[[feeds]]
url = "{bbc}"
title = "My BBC"
""")
    feeds = load_config(path).feeds
    assert feeds[-1] == ("https://example.org/rss", "Example")
    assert (bbc, "My BBC") in feeds
    assert len(feeds) == len(default_feeds()) + 1


def test_default_feeds_can_be_switched_off(tmp_path):
    path = write(tmp_path, 'default_feeds = false\n[[feeds]]\nurl = "http://127.0.0.1:8000/a.xml"\n')
    assert load_config(path).feeds == [("http://127.0.0.1:8000/a.xml", None)]


def test_conflicts_are_read_with_all_lists(tmp_path):
    path = write(tmp_path, """
[[conflicts]]
name = "Ruritania"
parties = ["Ruritania", "Red Front"]
places = ["Strelsau"]

[[conflicts]]
name = "Ruritania-Borduria"
demonyms = { "Bordurian" = "Borduria" }
utc = "+01:00"
""")
    first, second = load_config(path).conflicts
    assert first == {"name": "Ruritania", "parties": ["Ruritania", "Red Front"],
                     "aliases": [], "demonyms": [], "places": ["Strelsau"]}
    assert second["demonyms"] == {"Bordurian": "Borduria"} and second["utc"] == "+01:00"


def test_config_conflicts_feed_the_gazetteer(tmp_path):
    from sitmon.extract.gazetteer import build_gazetteer

    path = write(tmp_path, """
[[conflicts]]
name = "Ruritania-Borduria"
parties = ["Ruritania", "Borduria"]
places = ["Strelsau"]
demonyms = { "Bordurian" = "Borduria" }
""")
    gazetteer = build_gazetteer(load_config(path).conflicts)
    assert gazetteer.conflict_of("Bordurian artillery shelled Strelsau overnight.") == "Ruritania-Borduria"


def test_numbers_are_read_as_given(tmp_path):
    path = write(tmp_path, "poll_interval = 30.5\nmax_bytes = 1_000\nmax_redirects = 0\n")
    config = load_config(path)
    assert (config.poll_interval, config.max_bytes, config.max_redirects) == (30.5, 1000, 0)


# --- mistakes: one line naming the file, the line and the problem ---------------

MISTAKES = [
    ("poll_interval = 300\ntimeout = \n", 2, "invalid TOML"),
    ("poll_interval = 300\n[[feeds]\n", 2, "invalid TOML"),
    ("\n\ntimeout = -3\n", 3, "timeout must be a number of seconds greater than 0"),
    ("poll_interval = 0\n", 1, "poll_interval"),
    ("# c\nconcurrency = 2.5\n", 2, "concurrency must be a whole number"),
    ("retention_days = \"long\"\n", 1, "not a string"),
    ("timeout = true\n", 1, "not a boolean"),
    ("timeout = 5\npoll_intervall = 60\n", 2, "unknown setting 'poll_intervall'"),
    ("default_feeds = \"no\"\n", 1, "default_feeds must be true or false"),
    ("[[feeds]]\nurl = \"https://a.example/rss\"\n\n[[feeds]]\ntitle = \"x\"\nurl = \"ftp://b.example/rss\"\n",
     6, "http or https"),
    ("[[feeds]]\nurl = \"https://a.example/rss\"\n[[feeds]]\ntitle = \"no url\"\n", 3, "needs url"),
    ("[[feeds]]\nurl = \"https://a.example/rss\"\ncolour = \"red\"\n", 3, "unknown key 'colour'"),
    ("feeds = [{url = \"file:///etc/passwd\"}]\n", 1, "http or https"),
    ("feeds = \"https://a.example/rss\"\n", 1, "feeds must be a list"),
    ("[[conflicts]]\nparties = [\"A\"]\n", 1, "needs a name"),
    ("[[conflicts]]\nname = \"X\"\naliases = \"Y\"\n", 3, "aliases must be a list of strings"),
    ("[[conflicts]]\nname = \"X\"\n\ndemonyms = 5\n", 4, "demonyms must be a list"),
    ("[[conflicts]]\nname = \"X\"\nutc = \"noon\"\n", 3, "utc must be an offset"),
    ("[[conflicts]]\nname = \"X\"\nzone = \"Mars/Olympus\"\n", 3, "zone must be a time zone"),
    ("[[conflicts]]\nname = \"X\"\nzone = 2\n", 3, "zone must be a time zone"),
]


@pytest.mark.parametrize("text, line, problem", MISTAKES)
def test_mistakes_name_the_file_line_and_problem(tmp_path, text, line, problem):
    path = write(tmp_path, text)
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    message = str(caught.value)
    assert "\n" not in message
    assert message.startswith(f"{path}, line {line}")
    assert problem in message


def test_syntax_error_gives_the_column_too(tmp_path):
    path = write(tmp_path, "timeout = 5\nconcurrency = [1,\n  x]\n")
    with pytest.raises(ConfigError, match=r"line 3, column 3: invalid TOML"):
        load_config(path)


def test_syntax_error_at_the_end_names_the_last_line(tmp_path):
    path = write(tmp_path, "timeout = 5\nconcurrency = [1,\n")
    with pytest.raises(ConfigError, match=r"line 2: invalid TOML: .* at the end of the file"):
        load_config(path)


def test_unreadable_config_is_a_config_error(tmp_path):
    directory = tmp_path / "config.toml"
    directory.mkdir()
    with pytest.raises(ConfigError, match="cannot read"):
        load_config(directory)


def test_binary_config_is_a_config_error(tmp_path):
    path = tmp_path / "config.toml"
    path.write_bytes(b"\xff\xfe\x00garbage")
    with pytest.raises(ConfigError, match="not UTF-8"):
        load_config(path)


# --- locations ---------------------------------------------------------------


def test_environment_overrides_locations(tmp_path, monkeypatch):
    monkeypatch.setenv("SITMON_CONFIG", str(tmp_path / "c.toml"))
    monkeypatch.setenv("SITMON_DB", str(tmp_path / "s.db"))
    assert paths.config_path() == tmp_path / "c.toml"
    assert paths.db_path() == tmp_path / "s.db"


def test_platform_locations_when_environment_is_empty(monkeypatch):
    monkeypatch.setenv("SITMON_CONFIG", "")
    monkeypatch.delenv("SITMON_DB", raising=False)
    assert paths.config_path() == paths.config_dir() / "config.toml"
    assert paths.db_path() == paths.data_dir() / "sitmon.db"
    for directory in (paths.config_dir(), paths.data_dir(), paths.cache_dir(), paths.log_dir()):
        assert "sitmon" in str(directory)


@pytest.mark.parametrize("url, ok", [
    ("https://feeds.bbci.co.uk/news/world/rss.xml", True),
    ("http://127.0.0.1:8080/feed", True),
    ("HTTPS://EXAMPLE.ORG/", True),
    ("ftp://example.org/feed", False),
    ("file:///etc/passwd", False),
    ("javascript:alert(1)", False),
    ("https://", False),
    ("example.org/rss", False),
    ("http://[::1", False),
    ("http://[::1]:8080/feed", True),
    ("https://exa mple.org/rss", False),
    ("https://example.org/\x1b[31mred", False),
    ("https://example.org/a\nb", False),
    ("https://example.org/\x00", False),
])
def test_only_absolute_http_urls_count_as_feeds(url, ok):
    assert is_http_url(url) is ok


# --- the README documents what the code does ----------------------------------


def test_readme_shows_the_default_config_and_every_default_feed():
    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
    assert f"```toml\n{DEFAULT_TOML}```" in readme
    for url, title in default_feeds():
        assert f"<{url}>" in readme and title in readme


def test_readme_test_command_is_what_ci_runs():
    root = Path(__file__).resolve().parent.parent
    readme = (root / "README.md").read_text(encoding="utf-8")
    (command,) = [line for line in (root / ".ci" / "run").read_text().splitlines()
                  if "pytest" in line]
    assert f"\n{command}\n" in readme
    assert "\npython3 -m venv .venv && . .venv/bin/activate && pip install -e . && sitmon --demo\n" in readme
