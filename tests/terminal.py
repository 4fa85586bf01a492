"""`python -m sitmon` on a real pseudo-terminal, as a user starts it (tests and benchmarks/tui.py)."""

from __future__ import annotations

import fcntl
import os
import pty
import re
import select
import struct
import sys
import termios
import time

# Terminal control sequences, stripped to read the screen's words.
CONTROL = re.compile(rb"\x1b\[[0-9;?<=>$]*[ -/]*[@-~]")


def spawn(*argv: str, rows: int = 36, columns: int = 120) -> tuple[int, int]:
    """Start `python -m sitmon *argv* on a new pseudo-terminal of that size: (pid, its fd)."""
    pid, fd = pty.fork()
    if pid == 0:
        fcntl.ioctl(0, termios.TIOCSWINSZ, struct.pack("HHHH", rows, columns, 0, 0))
        # COLUMNS/LINES would override the terminal's size (pytest's process has them)
        env = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "LINES")}
        os.execve(sys.executable, [sys.executable, "-m", "sitmon", *argv], {**env, "TERM": "xterm-256color"})
    return pid, fd


def read_until(fd: int, words: tuple[str, ...], seconds: float) -> str:
    """The screen's text (control sequences stripped) once it shows all *words*, or
    whatever it showed when *seconds* ran out."""
    screen, text = b"", ""
    deadline = time.monotonic() + seconds
    while not all(w in text for w in words) and time.monotonic() < deadline:
        if select.select([fd], [], [], 0.1)[0]:
            screen += os.read(fd, 65536)
            text = CONTROL.sub(b"", screen).decode("utf-8", "replace")
    return text


def quit_with_q(pid: int, fd: int, seconds: float = 10) -> int | None:
    """Press q and wait for the exit; its exit code, or None if it would not exit (then killed)."""
    os.write(fd, b"q")
    deadline = time.monotonic() + seconds
    try:
        while time.monotonic() < deadline:
            done, status = os.waitpid(pid, os.WNOHANG)
            if done:
                return os.waitstatus_to_exitcode(status)
            try:
                if select.select([fd], [], [], 0.1)[0]:
                    os.read(fd, 65536)  # its last frames
            except OSError:
                time.sleep(0.1)
        os.kill(pid, 9)
        os.waitpid(pid, 0)
        return None
    finally:
        os.close(fd)
