"""A disk cache of the regex engine's programs for the extraction rules.

Compiling a pattern is parsing its text and turning the parse into the engine's
program (a list of code words); both are pure Python in ``re`` and were most of
a parser process's start (~0.4 s of CPU of ~0.7 s: the truce and violation
lexicons twice over, Unicode and ASCII, and the casualty noun phrases).  The
engine itself (``_sre.compile``) takes a finished program in microseconds.  So
the programs are kept on disk: a process that finds a pattern's program there
hands it straight to the engine and gets the same pattern object ``re.compile``
would make (``Pattern.__eq__`` compares the program: the tests check that).

A program is found by a hash of the pattern's text, its flags, how it was
compiled (``kind``: an ASCII twin has a program of its own), and ``_TAG``: the
Python version, the engine's ``MAGIC`` and code size and this file's format, so
a program is never handed to an engine it was not made for.

The cache is one file per ``_TAG`` in ``sitmon.paths.cache_dir()``: a marshal of
{key: program} behind a header and a checksum.  ``save()`` (called once the rules
are warm, by ``sitmon.extract.warm``) rewrites it with the programs this process
used, if it compiled any itself: the file holds one working set and cannot grow
without bound as lexicons or user conflicts change.  It is written to a temporary
file and moved over the old one (``os.replace`` is atomic), so processes starting
together each read a whole file, and the last writer wins.

Beside the programs, the file keeps the results of the few pure functions that build
pattern text at every start (``persisted``: spelling out the lexicons' phrases, writing
tries of thousands of them), found by the function, its arguments and a digest of
the source file of its code, so that code that changes never gets an old result.

A cache must never cost more than it saves: a file missing, truncated, corrupt,
unreadable or of another version is ignored (the patterns are compiled as before,
and the file rewritten), and one that cannot be written (a read-only cache dir, a
full disk) is not written.  Nothing here raises to the user but ``re``'s own
errors for a bad pattern, exactly as ``re.compile`` would.
"""

from __future__ import annotations

import binascii
import hashlib
import marshal
import os
import re
import sys
import tempfile
import threading
from array import array
from collections.abc import Callable
from functools import wraps
from pathlib import Path
from re import _compiler, _parser
from typing import Any, TypeVar

import _sre as _engine  # the regex engine's own module, as re._compiler uses it

# What a Python whose private ``re`` internals changed shape would raise: then the
# patterns are compiled the public way, the same matches at the old start-up cost.
INTERNALS_CHANGED = (AttributeError, TypeError)

# (final flags, code words as CODESIZE-byte machine words, groups - 1, groupindex, indexgroup):
# ``_sre.compile``'s arguments but the pattern text, in a form marshal stores.
Program = tuple[int, bytes, int, dict, tuple]

FORMAT = 1
_MAGIC = b"sitmon regex programs\n"
_DIGEST = 16
# The array type that holds one code word.  Programs are stored as machine words: marshal
# refuses re's named opcodes (an int subclass), the file is a fifth smaller than as lists
# of ints, and loading it is one block copy per program (``tolist`` makes the engine's
# list when a program is used).  No such type here: nothing is cached.
_CODE_TYPE = next((t for t in "IL" if array(t).itemsize == getattr(_engine, "CODESIZE", 0)), None)
# Flags a program is kept for; DEBUG prints while compiling and the rest are not for str patterns.
_PLAIN_FLAGS = int(re.IGNORECASE | re.MULTILINE | re.DOTALL | re.VERBOSE | re.UNICODE | re.ASCII)


def _version_tag() -> bytes:
    parts = (FORMAT, sys.version, sys.implementation.cache_tag, getattr(_engine, "MAGIC", None),
             getattr(_engine, "CODESIZE", None), _CODE_TYPE, marshal.version)
    return hashlib.blake2b(repr(parts).encode(), digest_size=_DIGEST).digest()


_TAG = _version_tag()


def program(tree: _parser.SubPattern, flags: int) -> Program:
    """The program of a parse *tree*, as ``re._compiler.compile`` makes it."""
    code = _compiler._code(tree, flags)
    state = tree.state
    indexgroup = [None] * state.groups
    for name, index in state.groupdict.items():
        indexgroup[index] = name
    return (int(flags | state.flags), _code_bytes(code), state.groups - 1, dict(state.groupdict), tuple(indexgroup))


def _code_bytes(code: list[int]) -> bytes:
    # the code words are ints (some of re's named constants, an int subclass marshal refuses)
    return array(_CODE_TYPE or "L", code).tobytes()


def _engine_pattern(text: str, prog: Program) -> re.Pattern:
    flags, code, groups, groupindex, indexgroup = prog
    return _engine.compile(text, flags, array(_CODE_TYPE or "L", code).tolist(), groups, groupindex, indexgroup)


class ProgramCache:
    """Programs by key, loaded from *path* on first use; ``path=None``: in memory only."""

    def __init__(self, path: Path | None) -> None:
        self.path = path
        self.hits = self.misses = 0
        self._lock = threading.Lock()
        self._stored: dict[bytes, Program] | None = None  # the file's programs, once read
        self._used: dict[bytes, Program] = {}  # the programs this process asked for
        self._rewrite = False  # the file lacks a program this process used
        self._closed = False  # saved: later patterns are compiled, not kept

    def pattern(self, text: str, flags: int, kind: str, build: Callable[[], Program]) -> re.Pattern:
        """The pattern *text* with the program ``build()`` makes, or the cached one.
        Raises what ``build`` raises (``re.error`` for a bad pattern)."""
        if self._closed or _CODE_TYPE is None:
            return _engine_pattern(text, build())
        key = _key(text, flags, kind)
        with self._lock:
            stored = self._load().get(key)
        if stored is not None:
            try:
                found = _engine_pattern(text, stored)
            except Exception:  # noqa: BLE001 -- a damaged entry: made again below
                pass
            else:
                with self._lock:
                    self.hits += 1
                    self._used[key] = stored
                return found
        made = build()
        found = _engine_pattern(text, made)  # before keeping it: a program the engine refuses is not kept
        self._keep(key, made)
        return found

    def value(self, inputs: str, build: Callable[[], Any]) -> Any:
        """What ``build()`` returns, or what it returned for the same *inputs* (all it
        depends on, written out) before.  The value must be one marshal can store."""
        if self._closed:
            return build()
        key = _key(inputs, 0, "value")
        with self._lock:
            stored = self._load().get(key, _MISSING)
            if stored is not _MISSING:
                self.hits += 1
                self._used[key] = stored
                return stored
        made = build()
        self._keep(key, made)
        return made

    def _keep(self, key: bytes, made: Any) -> None:
        with self._lock:
            self.misses += 1
            self._used[key] = made
            self._rewrite = True

    def _load(self) -> dict[bytes, Program]:
        if self._stored is None:  # (a file missing or unusable reads as empty: every pattern a miss, rewritten)
            self._stored = _read(self.path) if self.path is not None else {}
        return self._stored

    def save(self) -> None:
        """Write the programs this process used, if the file lacks some; then forget them
        (they are the rules' and the rules are compiled: the memory is the process's again)."""
        with self._lock:
            used, rewrite = self._used, self._rewrite and bool(self._used)
            self._stored, self._used, self._closed = {}, {}, True
        if rewrite and self.path is not None:
            _write(self.path, used)


_MISSING = object()


def _key(text: str, flags: int, kind: str) -> bytes:
    digest = hashlib.blake2b(_TAG, digest_size=_DIGEST)
    digest.update(f"{kind}\0{flags}\0".encode())
    digest.update(text.encode("utf-8", "surrogatepass"))  # patterns may spell out lone surrogates
    return digest.digest()


def _read(path: Path) -> dict[bytes, Program]:
    """The programs in the file at *path*, or {} for anything but a whole file of this version."""
    try:
        data = path.read_bytes()
        head = len(_MAGIC) + _DIGEST + 4
        if data[:len(_MAGIC)] != _MAGIC or data[len(_MAGIC):len(_MAGIC) + _DIGEST] != _TAG:
            return {}  # not ours, or another Python's (whose programs its own engine may refuse)
        # a checksum before unmarshalling: marshal trusts its input, and a torn or damaged
        # file must read as missing, not as other programs (the engine would take most)
        if int.from_bytes(data[head - 4:head], "big") != binascii.crc32(memoryview(data)[head:]):
            return {}
        programs = marshal.loads(memoryview(data)[head:])
    except Exception:  # noqa: BLE001 -- unreadable, a directory, anything: compile as before
        return {}
    return programs if isinstance(programs, dict) else {}


def _write(path: Path, programs: dict[bytes, Program]) -> None:
    """Replace the file at *path* with one holding *programs*, or leave it if it cannot be written."""
    tmp = None
    try:
        payload = marshal.dumps(programs)
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=path.name + ".", suffix=".tmp", dir=path.parent)
        with os.fdopen(fd, "wb") as out:
            out.write(_MAGIC + _TAG + binascii.crc32(payload).to_bytes(4, "big"))
            out.write(payload)
        # no fsync: a file torn by a power cut fails its checksum and is only compiled again
        os.replace(tmp, path)
        tmp = None
    except Exception:  # noqa: BLE001 -- read-only, full, gone: the next process compiles again
        pass
    finally:
        if tmp is not None:
            try:
                os.unlink(tmp)
            except OSError:
                pass


def cache_path() -> Path:
    from sitmon.paths import cache_dir

    return cache_dir() / f"regex-programs-{_TAG.hex()[:16]}.bin"


_cache: ProgramCache | None = None
_cache_lock = threading.Lock()


def default_cache() -> ProgramCache:
    """The process's cache, at ``cache_path()`` as it is at the first compile."""
    global _cache
    with _cache_lock:
        if _cache is None:
            try:
                path: Path | None = cache_path()
            except Exception:  # noqa: BLE001 -- no home directory to put it in: in memory only
                path = None
            _cache = ProgramCache(path)
        return _cache


def cached(text: str, flags: int, kind: str, build: Callable[[], Program]) -> re.Pattern:
    """The pattern *text* with the program ``build()`` makes, through the process's cache."""
    return default_cache().pattern(text, flags, kind, build)


def compile(pattern: str, flags: int = 0) -> re.Pattern:  # noqa: A001 -- re.compile's twin
    """``re.compile(pattern, flags)``, its program from the cache when it is there."""
    flags = int(flags)
    if not isinstance(pattern, str) or flags & ~_PLAIN_FLAGS:
        return re.compile(pattern, flags)
    try:
        return cached(pattern, flags, "", lambda: program(_parser.parse(pattern, flags), flags))
    except INTERNALS_CHANGED:
        return re.compile(pattern, flags)


_Function = TypeVar("_Function", bound=Callable[..., Any])


def persisted(source: str) -> Callable[[_Function], _Function]:
    """Keep a pure function's results in the process's cache file.  *source* is the file
    of the function's code (its module's ``__file__``): a digest of it is part of each
    result's key, so a changed file makes new keys.  The function must depend on nothing
    but its arguments (written with ``repr``), that file and the Python version, and
    return what marshal stores (strings, tuples, dicts, None); a source that cannot be
    read keeps nothing."""
    try:
        digest = hashlib.blake2b(Path(source).read_bytes(), digest_size=_DIGEST).hexdigest()
    except OSError:
        digest = None

    def decorate(function: _Function) -> _Function:
        if digest is None:
            return function
        name = f"{function.__module__}.{function.__qualname__}\0{digest}\0"

        @wraps(function)
        def kept(*args: Any) -> Any:
            return default_cache().value(name + repr(args), lambda: function(*args))

        return kept  # type: ignore[return-value]

    return decorate


def save() -> None:
    """Write the process's cache (see the module's doc); never raises."""
    try:
        default_cache().save()
    except Exception:  # noqa: BLE001 -- a cache is never worth an error
        pass
