"""The disk cache of regex programs: a program from the cache is the one ``re.compile``
makes, and no state of the cache file can cost a pattern or raise."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from sitmon.extract import programs, subpatterns
from sitmon.extract.programs import ProgramCache

# Patterns with what a program holds: named and numbered groups, look-behinds, sets,
# case-blindness, Unicode, lone surrogates (sitmon's parser strips them), inline flags.
PATTERNS = [
    (r"(?P<n>\d+)\s+(?:killed|dead)(?![\w-])", 0),
    (r"(?<![\w-])(?:soldiers?|civilians?)\b", re.IGNORECASE),
    (r"(?<![\w-])(?:soldiers?|civilians?)\b", 0),  # the same text: another program
    (r"(?<=\s)(?P<a>[A-Z][\w'\u2019-]+)\s+and\s+(?P<b>[A-Z][\w'-]+)", 0),
    (r"ceasefire|truce|armistice|(?:humanitarian\s+)?pause", re.ASCII),
    ("(?!\\s)[\x00-\x1f\x7f-\x9f\u202a-\u202e\ud800-\udfff]", 0),
    (r"(?i:kyiv|kiev)\s*(?-i:[A-Z])", 0),
    (r"^#(\d+)#$", re.MULTILINE),
    (r"a.b  # verbose comment", re.VERBOSE | re.DOTALL),
    (r"(a)|b", 0),
]
TEXTS = ["12 killed in Kiev. Soldiers and Civilians", "Kyiv Z truce, pause\nHumanitarian  pause",
         "#4#\n#5#", "a\nb", "Şoldier \u2019x \x1c\ud800", "b", "Ali and Bob-Ray"]


@pytest.fixture
def cache_file(tmp_path: Path) -> Path:
    return tmp_path / "cache" / "programs.bin"


def _compile_all(cache: ProgramCache, monkeypatch: pytest.MonkeyPatch) -> list[re.Pattern]:
    monkeypatch.setattr(programs, "_cache", cache)
    return [programs.compile(text, flags) for text, flags in PATTERNS]


def _same(pattern: re.Pattern, expected: re.Pattern) -> None:
    # Pattern equality compares the flags, the text and the engine's program
    assert pattern == expected
    assert (pattern.groups, dict(pattern.groupindex)) == (expected.groups, dict(expected.groupindex))
    for text in TEXTS:
        assert [(m.span(), m.groups()) for m in pattern.finditer(text)] == \
               [(m.span(), m.groups()) for m in expected.finditer(text)]


def _warm(cache_file: Path, monkeypatch: pytest.MonkeyPatch) -> ProgramCache:
    cold = ProgramCache(cache_file)
    _compile_all(cold, monkeypatch)
    cold.save()
    assert cold.misses == len(PATTERNS) and cache_file.exists()
    return cold


def test_a_program_from_the_cache_is_re_compiles(cache_file, monkeypatch):
    cold = ProgramCache(cache_file)
    made = _compile_all(cold, monkeypatch)
    assert (cold.hits, cold.misses) == (0, len(PATTERNS))
    cold.save()
    warm = ProgramCache(cache_file)
    found = _compile_all(warm, monkeypatch)
    assert (warm.hits, warm.misses) == (len(PATTERNS), 0)
    for (text, flags), cached, compiled in zip(PATTERNS, found, made):
        _same(cached, re.compile(text, flags))
        _same(compiled, re.compile(text, flags))


def test_parts_and_ascii_twins_from_the_cache(cache_file, monkeypatch):
    noun = subpatterns.part("(?:soldiers?|civilians?)")
    source, flags = rf"#\d+#\s+{noun}(?![\w-])(?:\s+and\s+{noun})?", re.IGNORECASE
    unicode = re.compile(r"\s+(?P<verb>killed|wounded)\b\S?")
    made = []
    for cache in (ProgramCache(cache_file), ProgramCache(cache_file)):
        monkeypatch.setattr(programs, "_cache", cache)
        made.append((subpatterns.compile(source, flags), subpatterns.ascii_twin(unicode),
                     programs.compile(unicode.pattern, re.ASCII)))
        cache.save()
    assert (cache.hits, cache.misses) == (3, 0)
    (parts, twin, plain), (cached_parts, cached_twin, cached_plain) = made
    _same(cached_parts, re.compile(subpatterns.spelled(source), flags))
    _same(cached_twin, twin)
    # the twin has a program of its own (\s takes U+001C..U+001F): not re.compile's for ASCII
    _same(cached_plain, re.compile(unicode.pattern, re.ASCII))
    assert cached_twin.match("\x1ckilled") and not cached_plain.match("\x1ckilled")


def _persisted_trie(source: Path, built: list) -> object:
    """A pattern-text builder kept through ``persisted``, with *source* as its code file;
    *built* counts the times it really ran."""
    @programs.persisted(str(source))
    def trie(phrases: tuple[str, ...], tail: str) -> tuple[str, dict]:
        built.append(phrases)
        return "(?:" + "|".join(sorted(phrases)) + ")" + tail, {"phrases": len(phrases)}
    return trie


def test_a_persisted_result_is_built_once_and_read_back_by_the_next_process(tmp_path, cache_file, monkeypatch):
    source = tmp_path / "rules.py"
    source.write_text("# the builder's code\n")
    built: list = []
    results = []
    for _ in range(2):  # two processes, one after the other
        monkeypatch.setattr(programs, "_cache", ProgramCache(cache_file))
        trie = _persisted_trie(source, built)
        results.append([trie(("truce", "ceasefire"), r"\b"), trie(("truce",), r"\b"), trie(("truce",), "")])
        programs.save()
    assert results[0] == results[1] == [("(?:ceasefire|truce)\\b", {"phrases": 2}),
                                        ("(?:truce)\\b", {"phrases": 1}), ("(?:truce)", {"phrases": 1})]
    assert len(built) == 3  # each set of arguments once, by the first process only


def test_a_persisted_result_of_other_code_is_not_used(tmp_path, cache_file, monkeypatch):
    source = tmp_path / "rules.py"
    source.write_text("# version 1\n")
    built: list = []
    monkeypatch.setattr(programs, "_cache", ProgramCache(cache_file))
    _persisted_trie(source, built)(("truce",), "")
    programs.save()
    source.write_text("# version 2: the trie is written differently now\n")
    monkeypatch.setattr(programs, "_cache", ProgramCache(cache_file))
    _persisted_trie(source, built)(("truce",), "")
    assert len(built) == 2


def test_a_persisted_function_whose_source_cannot_be_read_just_runs(tmp_path, cache_file, monkeypatch):
    built: list = []
    monkeypatch.setattr(programs, "_cache", ProgramCache(cache_file))
    trie = _persisted_trie(tmp_path / "missing.py", built)
    assert trie(("truce",), "") == trie(("truce",), "") == ("(?:truce)", {"phrases": 1})
    programs.save()
    assert len(built) == 2 and not cache_file.exists()


def test_a_warm_cache_is_not_written_again(cache_file, monkeypatch):
    _warm(cache_file, monkeypatch)
    before = cache_file.stat()
    time.sleep(0.01)
    warm = ProgramCache(cache_file)
    _compile_all(warm, monkeypatch)
    warm.save()
    after = cache_file.stat()
    assert (after.st_ino, after.st_mtime_ns) == (before.st_ino, before.st_mtime_ns)


def test_the_file_holds_the_programs_last_used(cache_file, monkeypatch):
    _warm(cache_file, monkeypatch)
    fewer = ProgramCache(cache_file)
    monkeypatch.setattr(programs, "_cache", fewer)
    programs.compile(*PATTERNS[0])
    programs.compile("a new pattern")
    fewer.save()
    assert len(programs._read(cache_file)) == 2  # not every program ever made: no growth without bound


def _file(payload: object, tag: bytes | None = None) -> bytes:
    """A cache file whose checksum is right, holding *payload*."""
    data = programs.marshal.dumps(payload)
    crc = programs.binascii.crc32(data).to_bytes(4, "big")
    return programs._MAGIC + (tag or programs._TAG) + crc + data


@pytest.mark.parametrize("damage", [
    "empty", "truncated", "header only", "flipped byte", "garbage", "not a dict", "bad entries", "other version",
])
def test_a_damaged_or_foreign_file_is_ignored_and_rewritten(cache_file, monkeypatch, damage):
    _warm(cache_file, monkeypatch)
    data = cache_file.read_bytes()
    stored = programs._read(cache_file)
    assert len(stored) == len(PATTERNS)
    data = {
        "empty": b"",
        "truncated": data[:len(data) * 2 // 3],
        "header only": data[:len(programs._MAGIC) + programs._DIGEST + 4],
        "flipped byte": data[:-40] + bytes([data[-40] ^ 0x10]) + data[-39:],
        "garbage": os.urandom(len(data)),
        # whole files, their checksums right: what is inside is wrong
        "not a dict": _file(list(stored.items())),
        "bad entries": _file({key: (prog[0], b"\x01\x02\x03", *prog[2:]) for key, prog in stored.items()}),
        "other version": _file(stored, tag=b"another python.."),
    }[damage]
    cache_file.write_bytes(data)

    damaged = ProgramCache(cache_file)
    for (text, flags), pattern in zip(PATTERNS, _compile_all(damaged, monkeypatch)):
        _same(pattern, re.compile(text, flags))
    assert (damaged.hits, damaged.misses) == (0, len(PATTERNS))
    damaged.save()
    again = ProgramCache(cache_file)
    _compile_all(again, monkeypatch)
    assert (again.hits, again.misses) == (len(PATTERNS), 0), "rewritten whole"


def test_an_unreadable_cache_is_ignored(cache_file, monkeypatch):
    cache_file.mkdir(parents=True)  # a directory where the file should be
    cache = ProgramCache(cache_file)
    for (text, flags), pattern in zip(PATTERNS, _compile_all(cache, monkeypatch)):
        _same(pattern, re.compile(text, flags))
    cache.save()
    assert cache_file.is_dir()


def test_an_unwritable_cache_dir_only_costs_the_compiling(tmp_path, monkeypatch):
    (tmp_path / "cache").write_text("a file where the directory should be")
    cache = ProgramCache(tmp_path / "cache" / "programs.bin")
    for (text, flags), pattern in zip(PATTERNS, _compile_all(cache, monkeypatch)):
        _same(pattern, re.compile(text, flags))
    cache.save()  # no exception


def test_a_failed_write_leaves_the_old_file_and_no_litter(cache_file, monkeypatch):
    # as a read-only directory does (which root, running these tests in CI, could write anyway)
    _warm(cache_file, monkeypatch)
    before = cache_file.read_bytes()
    monkeypatch.setattr(programs, "_TAG", b"another python..")

    def refuse(*_):
        raise PermissionError("read-only file system")

    monkeypatch.setattr(programs.os, "replace", refuse)
    cache = ProgramCache(cache_file)
    _compile_all(cache, monkeypatch)
    assert cache.misses == len(PATTERNS)
    cache.save()
    assert cache_file.read_bytes() == before
    assert os.listdir(cache_file.parent) == [cache_file.name]


def test_changed_re_internals_compile_the_public_way(cache_file, monkeypatch):
    _warm(cache_file, monkeypatch)
    monkeypatch.setattr(programs, "_compiler", object())  # a Python whose re lost a function
    warm, none = ProgramCache(cache_file), ProgramCache(None)
    for cache in (warm, none):  # from the cache (no compiling), then compiled without one
        for (text, flags), pattern in zip(PATTERNS, _compile_all(cache, monkeypatch)):
            _same(pattern, re.compile(text, flags))
    assert warm.hits == len(PATTERNS) and none.hits == 0


def test_what_re_compile_refuses_is_refused_alike(monkeypatch):
    monkeypatch.setattr(programs, "_cache", ProgramCache(None))
    for pattern, flags in [("(unclosed", 0), ("a{2,1}", 0), ("x", re.ASCII | re.UNICODE), ("x", re.LOCALE)]:
        with pytest.raises(Exception) as expected:
            re.compile(pattern, flags)
        with pytest.raises(type(expected.value)):
            programs.compile(pattern, flags)
    assert programs.compile(b"\\d+") == re.compile(b"\\d+")  # bytes: compiled as re does


def test_processes_starting_together_never_see_a_torn_file(tmp_path):
    """Writers racing to replace the file: a reader must always find a whole file (or none)."""
    path = tmp_path / "programs.bin"
    script = textwrap.dedent(f"""
        import sys
        from pathlib import Path
        from sitmon.extract import programs
        for round_ in range(15):
            cache = programs.ProgramCache(Path({str(path)!r}))
            for i in range(40):  # a different working set each round: every save writes
                text = f"w{{sys.argv[1]}}r{{round_}}x{{i}}|" + "y" * 2000
                cache.pattern(text, 0, "", lambda: programs.program(programs._parser.parse(text, 0), 0))
            cache.save()
    """)
    writers = [subprocess.Popen([sys.executable, "-c", script, str(n)]) for n in range(3)]
    reads = whole = 0
    while any(w.poll() is None for w in writers):
        if path.exists():
            reads += 1
            whole += len(programs._read(path)) == 40
    assert all(w.wait() == 0 for w in writers)
    assert reads == whole and len(programs._read(path)) == 40
    assert os.listdir(tmp_path) == [path.name], "no temporary files left"


def test_a_parser_process_starts_from_the_cache_the_last_one_wrote(tmp_path):
    """The warm-up a parser process runs (sitmon.extract.warm) writes the cache on a cold
    start; the next process compiles nothing, builds no pattern text (``persisted``) and
    gets every pattern as re.compile makes it, from the same text as the cold start."""
    env = {**os.environ, "XDG_CACHE_HOME": str(tmp_path)}
    check = textwrap.dedent("""
        import re
        import sitmon.extract.warm
        from sitmon.extract import casualty, numbers, programs, subpatterns, truce, violation
        from sitmon.extract import default_gazetteer
        cache = programs.default_cache()
        print(cache.hits, cache.misses)
        twins = {id(t): u for u, t in [(casualty._VERB_START_RE, casualty._VERB_START_ASCII_RE),
                 (casualty._NOT_WAR_CUE_RE, casualty._NOT_WAR_CUE_ASCII_RE),
                 (casualty.CUMULATIVE_RE, casualty._CUMULATIVE_ASCII_RE),
                 (casualty._DATE_DIGIT_RE, casualty._DATE_DIGIT_ASCII_RE),
                 (casualty._SINGULAR_WORD_RE, casualty._SINGULAR_WORD_ASCII_RE),
                 (numbers._QUANTITY_START_RE, numbers._QUANTITY_START_ASCII_RE)]}
        def patterns(value):
            if isinstance(value, re.Pattern):
                yield value
            elif isinstance(value, (tuple, list)):
                for v in value:
                    yield from patterns(v)
            elif hasattr(value, "__dataclass_fields__") and not isinstance(value, type):
                for name in value.__dataclass_fields__:
                    yield from patterns(getattr(value, name))
            elif hasattr(value, "regex"):
                yield value.regex
            elif hasattr(value, "pattern") and isinstance(value.pattern, re.Pattern):
                yield value.pattern
        seen = grouped = 0
        texts = []
        gazetteer = default_gazetteer()
        for value in [*vars(casualty).values(), *vars(numbers).values(), truce.rules(), truce.ascii_rules(),
                      violation.rules(), violation.ascii_rules(),
                      gazetteer._pattern, gazetteer._lower_first_gate, gazetteer._capital_first]:
            for p in patterns(value):
                if id(p) in twins:  # a twin of its own: against one made without the cache
                    programs._cache = programs.ProgramCache(None)
                    expected = subpatterns.ascii_twin(twins[id(p)])
                else:
                    expected = re.compile(p.pattern, p.flags)
                    if p != expected:  # a lexicon regrouped by first character: against one made without the cache
                        programs._cache = programs.ProgramCache(None)
                        expected = subpatterns.by_first_character(p.pattern, p.flags)
                        grouped += 1
                assert p == expected and p.groupindex == expected.groupindex, p.pattern[:80]
                seen += 1
                texts.append(p.pattern)
        import hashlib
        print(seen, grouped, hashlib.sha1("\\n".join(sorted(texts)).encode("utf-8", "surrogatepass")).hexdigest())
    """)
    cold = subprocess.run([sys.executable, "-c", check], env=env, capture_output=True, text=True, check=True)
    files = list((tmp_path / "sitmon").glob("regex-programs-*.bin"))
    assert len(files) == 1
    warm = subprocess.run([sys.executable, "-c", check], env=env, capture_output=True, text=True, check=True)
    *cold_counts, cold_texts = cold.stdout.split()
    *warm_counts, warm_texts = warm.stdout.split()
    cold_hits, cold_misses, _, _ = map(int, cold_counts)
    warm_hits, warm_misses, seen, grouped = map(int, warm_counts)
    assert cold_misses > 50
    assert (warm_hits, warm_misses) == (cold_hits + cold_misses, 0)
    assert seen > 150 and grouped > 10
    assert warm_texts == cold_texts  # the pattern texts kept by ``persisted`` are the ones built


def test_the_tests_cache_is_not_the_users(_isolated_env):
    # sitmon.extract compiled its rules while the tests were collected, before any fixture
    # ran: conftest.py points the cache dir at a directory of the test session's own
    collected = programs.default_cache().path
    assert collected is None or "sitmon-test-cache-" in str(collected)
    assert programs.cache_path().is_relative_to(_isolated_env)  # and each test's at its own
