"""Start-up of the game through its installed entry point, as a player starts it.

Plain mode through a pipe, until the first choice prompt; the terminal UI
through a pseudo-terminal, until the title screen's menu is drawn and until
prompt_toolkit takes the keyboard (bracketed paste switched on). The floor is
the same interpreter doing nothing (`python -c pass`).
"""
from __future__ import annotations

import os
import pty
import select
import statistics
import subprocess
import time

# Nobody answers prompt_toolkit's cursor-position request in this pty, so it is told not to ask.
TERM_ENV = {"TERM": "xterm-256color", "COLUMNS": "100", "LINES": "40", "PROMPT_TOOLKIT_NO_CPR": "1"}


def time_until(args, marker: bytes, env, cwd, use_pty=False, timeout=30.0) -> float:
    """Seconds from spawning `args` until `marker` appears in its output."""
    if use_pty:
        master, slave = pty.openpty()
        os.set_blocking(master, False)
        start = time.perf_counter()
        proc = subprocess.Popen(args, stdin=slave, stdout=slave, stderr=slave, env=env, cwd=cwd, close_fds=True)
        os.close(slave)
        reader = master
    else:
        start = time.perf_counter()
        proc = subprocess.Popen(args, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                                env=env, cwd=cwd)
        reader = proc.stdout.fileno()
        os.set_blocking(reader, False)
    seen = b""
    try:
        while time.perf_counter() - start < timeout:
            ready, _, _ = select.select([reader], [], [], 0.5)
            if not ready:
                continue
            try:
                chunk = os.read(reader, 65536)
            except OSError:
                break
            if not chunk:
                break
            seen += chunk
            if marker in seen:
                return time.perf_counter() - start
        raise RuntimeError(f"{marker!r} never appeared; got {seen[-300:]!r}")
    finally:
        proc.kill()
        proc.wait()
        if use_pty:
            os.close(master)


def measure(adventure: str, python: str, cache, runs: int, cwd) -> dict:
    env = {**os.environ, "ADVENTURE_CACHE": str(cache)}
    env.pop("PYTHONPATH", None)  # the installed package, not the checkout
    game = [adventure, "--no-save"]
    subprocess.run([*game, "--plain"], stdin=subprocess.DEVNULL, capture_output=True, env=env, cwd=cwd)
    samples = {"python_bare_s": [], "first_screen_plain_s": [], "first_screen_terminal_s": [],
               "menu_live_terminal_s": []}
    term_env = {**env, **TERM_ENV}
    for _ in range(runs):  # interleaved, so a slow moment hits every figure alike
        samples["python_bare_s"].append(time_until([python, "-c", "print('> ')"], b"> ", env, cwd))
        samples["first_screen_plain_s"].append(time_until([*game, "--plain"], b"\n> ", env, cwd))
        samples["first_screen_terminal_s"].append(time_until(game, b"New game", term_env, cwd, use_pty=True))
        samples["menu_live_terminal_s"].append(time_until(game, b"\x1b[?2004h", term_env, cwd, use_pty=True))
    out = {"entry_point": adventure, "runs": runs}
    for key, values in samples.items():
        out[key] = statistics.median(values)
        out[key[:-2] + "_min_s"] = min(values)
        out[key[:-2] + "_max_s"] = max(values)
    return out
