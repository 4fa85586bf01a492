"""Memory freed after bulk work goes back to the system (a monitor runs for days)."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from sitmon.heap import ARENAS, _malloc_trim

# A worker thread builds 80 MB of buffers and keeps one in 200, as a model run keeps
# its results and drops its temporaries; the kept ones pin the freed pages around
# them, so without a trim the process would stay near its peak.
CHILD = textwrap.dedent("""
    import threading
    from sitmon.heap import release_free_memory

    def rss_mb():
        for line in open("/proc/self/status"):
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024

    kept = []

    def work():
        buffers = [bytes(2000) for _ in range(40000)]
        kept.extend(buffers[::200])

    worker = threading.Thread(target=work)
    worker.start()
    worker.join()
    before = rss_mb()
    release_free_memory()
    print(before, rss_mb(), len(kept))
""")


@pytest.mark.skipif(_malloc_trim() is None, reason="the C library has no malloc_trim")
def test_freed_pages_of_a_worker_thread_are_given_back():
    out = subprocess.run([sys.executable, "-c", CHILD], capture_output=True, text=True, check=True).stdout
    before, after, kept = out.split()
    assert int(kept) == 200  # what was kept is still there
    assert float(before) - float(after) >= 40, out


# Eight threads alive at once each allocate; glibc hands a thread with no arena a new
# one until its cap, so the arenas in malloc_stats() show whether the cap held.
ARENAS_CHILD = textwrap.dedent("""
    import ctypes, sys, threading
    from sitmon.heap import limit_heap_arenas

    if sys.argv[1] == "capped":
        assert limit_heap_arenas()
    elif sys.argv[1] == "app":  # as `sitmon` starts: the app factory caps them
        from pathlib import Path
        from sitmon.config import Config
        from sitmon.ui.app import create_app
        create_app(Config(feeds=[]), Path(sys.argv[2]) / "app.db", autopoll=False)
    together = threading.Barrier(8)
    kept = []

    def work():
        together.wait()
        kept.append([bytes(2000) for _ in range(100)])
        together.wait()  # no thread ends, handing its arena on, before all have allocated

    threads = [threading.Thread(target=work) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    ctypes.CDLL(None).malloc_stats()  # to stderr, one "Arena N:" line per arena
""")


def arenas_used(mode: str, directory: Path) -> int:
    stats = subprocess.run([sys.executable, "-c", ARENAS_CHILD, mode, str(directory)],
                           capture_output=True, text=True, check=True).stderr
    return stats.count("Arena ")


@pytest.mark.skipif(_malloc_trim() is None, reason="not glibc")
def test_a_long_running_process_keeps_its_threads_to_two_heap_arenas(tmp_path: Path):
    assert arenas_used("default", tmp_path) >= 5  # the cap is what makes the difference
    assert arenas_used("capped", tmp_path) == ARENAS
    assert arenas_used("app", tmp_path) == ARENAS
