"""The benchmark: our engine beside the ink runtime (inkjs), in one run.

    python tests/bench/bench.py            # everything; about ten minutes
    python tests/bench/bench.py --quick    # N = 100 and 1,000 only, fewer repeats

Writes tests/bench/out/results.json and prints a Markdown table (copied into
docs/performance.md). Needs node and npm for the ink peer; without them the
peer is skipped with a printed reason. Not a test: nothing here passes or fails.
"""
from __future__ import annotations

import argparse
import json
import os
import pty
import select
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
OUT = HERE / "out"
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(HERE))

import gen  # noqa: E402

INKJS = "inkjs@2.4.0"


def median_of(runs, fn):
    return statistics.median(fn() for _ in range(runs))


def python_snippet(code: str, env=None, args=()) -> dict:
    """Run code in a fresh interpreter; it prints one JSON line."""
    full_env = {**os.environ, "PYTHONPATH": str(ROOT), **(env or {})}
    done = subprocess.run([sys.executable, "-c", code, *map(str, args)], capture_output=True, text=True, env=full_env,
                          cwd=ROOT, timeout=900)
    if done.returncode != 0:
        raise RuntimeError(done.stderr[-2000:])
    return json.loads(done.stdout.strip().splitlines()[-1])


# -- start-up -------------------------------------------------------------------------
def time_until(args, marker: bytes, env=None, use_pty=False, timeout=30.0) -> float:
    """Seconds from spawning `args` until `marker` appears in its output."""
    full_env = {**os.environ, **(env or {})}
    if use_pty:
        master, slave = pty.openpty()
        os.set_blocking(master, False)
        start = time.perf_counter()
        proc = subprocess.Popen(args, stdin=slave, stdout=slave, stderr=slave, env=full_env, cwd=ROOT,
                                close_fds=True)
        os.close(slave)
        reader = master
    else:
        start = time.perf_counter()
        proc = subprocess.Popen(args, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                                env=full_env, cwd=ROOT)
        reader = proc.stdout.fileno()
        os.set_blocking(reader, False)
    seen = b""
    try:
        while time.perf_counter() - start < timeout:
            ready, _, _ = select.select([reader], [], [], 0.5)
            if ready:
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


def startup(runs: int, saves: str) -> dict:
    py = sys.executable
    floor = median_of(runs, lambda: _wall([py, "-c", "import prompt_toolkit, yaml"]))
    bare = median_of(runs, lambda: _wall([py, "-c", "pass"]))
    # Warm the compiled-story cache once, as any second start of the game finds it.
    subprocess.run([py, "-m", "adventure", "--plain", "--no-save"], stdin=subprocess.DEVNULL,
                   capture_output=True, cwd=ROOT)
    plain = median_of(runs, lambda: time_until([py, "-m", "adventure", "--plain", "--no-save"], b"\n> "))
    # In a terminal the first screen is the title screen and its menu, drawn before
    # prompt_toolkit has loaded; the menu is live once prompt_toolkit switches bracketed
    # paste on. Nobody answers prompt_toolkit's cursor-position request in this pty, so
    # it is told not to ask.
    env = {"TERM": "xterm-256color", "COLUMNS": "100", "LINES": "40", "PROMPT_TOOLKIT_NO_CPR": "1"}
    game = [py, "-m", "adventure", "--no-save"]
    term = median_of(runs, lambda: time_until(game, b"New game", env=env, use_pty=True))
    live = median_of(runs, lambda: time_until(game, b"\x1b[?2004h", env=env, use_pty=True))
    return {"python_bare_s": bare, "import_floor_s": floor, "first_screen_plain_s": plain,
            "first_screen_terminal_s": term, "menu_live_terminal_s": live}


def _wall(args) -> float:
    start = time.perf_counter()
    subprocess.run(args, capture_output=True, cwd=ROOT, check=True)
    return time.perf_counter() - start


# -- our engine on a synthetic story ----------------------------------------------------------
OURS = r"""
import json, os, random, sys, time, tracemalloc
from adventure import Game, load_story
from adventure.checks import check
from adventure.loader import compile_sources, read_sources
folder, plays, measure_memory = sys.argv[1], int(sys.argv[2]), sys.argv[3] == "1"
out = {}
t = time.perf_counter()
manifest, files, fp = read_sources(folder)
compiled, diags = compile_sources(manifest, files, fp)
out["load_yaml_s"] = time.perf_counter() - t
t = time.perf_counter()
findings = check(compiled)
out["check_s"] = time.perf_counter() - t
out["load_and_check_s"] = out["load_yaml_s"] + out["check_s"]
load_story(folder)                      # fills the cache
t = time.perf_counter()
story = load_story(folder)
out["load_cache_s"] = time.perf_counter() - t
rng = random.Random(1)
choices = chars = 0
t = time.perf_counter()
for _ in range(plays):
    game = Game(story)
    while True:
        for frame in game.frames:       # the text a player would see, rendered at every step
            for line in frame.lines:
                chars += len(line.text)
        if game.ended:
            break
        options = game.choices
        if not options:
            break
        game.choose(rng.randrange(len(options)))
        choices += 1
elapsed = time.perf_counter() - t
out["choices"] = choices
out["choices_per_s"] = choices / elapsed
if measure_memory:
    import gc
    del story, game
    gc.collect()
    tracemalloc.start()
    story = load_story(folder)
    for sid in story.scenes:            # compile every scene, as a long session would
        story.scenes[sid]
    out["heap_bytes"] = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
import resource
out["max_rss_bytes"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
print(json.dumps(out))
"""


def ours(folder: Path, plays: int, memory: bool, cache_dir: str) -> dict:
    return python_snippet(OURS, env={"ADVENTURE_CACHE": cache_dir}, args=(folder, plays, int(memory)))


def ink_peer(ink_file: Path, plays: int) -> dict | None:
    node, npm = shutil.which("node"), shutil.which("npm")
    if not node or not npm:
        print("ink peer skipped: node or npm is not installed")
        return None
    modules = OUT / "node_modules" / "inkjs"
    if not modules.exists():
        done = subprocess.run([npm, "install", "--silent", "--prefix", str(OUT), INKJS], capture_output=True,
                              text=True)
        if done.returncode != 0:
            print(f"ink peer skipped: npm install {INKJS} failed: {done.stderr.strip()[-300:]}")
            return None
    done = subprocess.run([node, "--expose-gc", str(HERE / "ink_bench.js"), str(ink_file), str(plays), "1"],
                          capture_output=True, text=True, env={**os.environ, "NODE_PATH": str(OUT / "node_modules")},
                          timeout=1800)
    if done.returncode != 0:
        print(f"ink peer failed on {ink_file.name}: {done.stderr.strip()[-500:]}")
        return None
    return json.loads(done.stdout.strip().splitlines()[-1])


# -- the film's story --------------------------------------------------------------------------
FILM = r"""
import json, os, random, tempfile, time
from adventure import Game, load_story
from adventure.checks import check
from adventure.explore import explore
from adventure.loader import bundled_story, compile_sources, read_sources
from adventure.saves import SaveStore
out = {}
runs = []
for _ in range(5):
    t = time.perf_counter()
    manifest, files, fp = read_sources(bundled_story())
    compiled, _ = compile_sources(manifest, files, fp)
    check(compiled)
    runs.append(time.perf_counter() - t)
out["film_load_and_check_s"] = sorted(runs)[2]
runs = []
for _ in range(5):
    t = time.perf_counter()
    check(compiled)
    runs.append(time.perf_counter() - t)
out["film_check_only_s"] = sorted(runs)[2]
story = load_story(bundled_story(), cache=False)
runs = []
for _ in range(3):
    t = time.perf_counter()
    report = explore(story)
    runs.append(time.perf_counter() - t)
out["explore_s"] = sorted(runs)[1]
out["explore_states"] = report.states
out["explore_states_per_s"] = report.states / out["explore_s"]
rng = random.Random(3)
game = Game(story)
while not game.ended:
    game.choose(rng.randrange(len(game.choices)))
folder = tempfile.mkdtemp()
store = SaveStore(folder)
runs = []
for _ in range(20):
    t = time.perf_counter()
    path = store.save("bench", game, 1234.5)
    runs.append(time.perf_counter() - t)
out["save_s"] = sorted(runs)[10]
out["save_bytes"] = path.stat().st_size
out["save_choices"] = len(game.state.route)
runs = []
for _ in range(20):
    t = time.perf_counter()
    store.load("bench", story)
    runs.append(time.perf_counter() - t)
out["load_save_s"] = sorted(runs)[10]
print(json.dumps(out))
"""


def ratio(a, b):
    return (a / b) if a and b else None


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--plays", type=int, default=1000)
    args = parser.parse_args()
    sizes = (100, 1000) if args.quick else (100, 1000, 10000)
    runs = 3 if args.quick else 5
    OUT.mkdir(exist_ok=True)
    cache_dir = tempfile.mkdtemp(prefix="adventure-bench-cache-")
    results = {"machine": {"cpus": os.cpu_count(), "python": sys.version.split()[0]}, "sizes": {}}

    print("start-up ...", flush=True)
    results["startup"] = startup(3 * runs, cache_dir)  # start-up is the noisiest figure: more runs
    print("the film's story ...", flush=True)
    results["film"] = python_snippet(FILM, env={"ADVENTURE_CACHE": "off"})
    for n in sizes:
        print(f"N = {n} ...", flush=True)
        scenes = gen.build(n)
        folder = OUT / f"yaml-{n}"
        gen.write_yaml(scenes, folder)
        ink_file = OUT / f"story-{n}.ink"
        gen.write_ink(scenes, ink_file)
        row = {"ours": statistics_of([ours(folder, args.plays, n == max(sizes), cache_dir)
                                      for _ in range(1 if n == 10000 else runs)])}
        row["ink"] = ink_peer(ink_file, args.plays)
        results["sizes"][str(n)] = row
    (OUT / "results.json").write_text(json.dumps(results, indent=2))
    print()
    print(table(results))


def statistics_of(rows):
    return {k: statistics.median(r[k] for r in rows) for k in rows[0]}


def table(r) -> str:
    s, f = r["startup"], r["film"]
    lines = ["| measure | ours | peer | ratio (ours/peer) |", "| --- | ---: | ---: | ---: |"]

    def add(name, ours_value, peer_value=None, unit="", fmt="{:.3f}"):
        o = fmt.format(ours_value) + unit if ours_value is not None else "-"
        p = fmt.format(peer_value) + unit if peer_value is not None else "-"
        rt = ratio(ours_value, peer_value)
        lines.append(f"| {name} | {o} | {p} | {'' if rt is None else f'{rt:.2f}'} |")

    add("first screen, plain (s) vs `python -c pass`", s["first_screen_plain_s"], s["python_bare_s"])
    add("first screen, terminal (s) vs `import prompt_toolkit, yaml`", s["first_screen_terminal_s"],
        s["import_floor_s"])
    add("terminal menu live (s) vs `import prompt_toolkit, yaml`", s["menu_live_terminal_s"], s["import_floor_s"])
    add("film: load + full check from YAML (s)", f["film_load_and_check_s"])
    add("film: check only (ms)", f["film_check_only_s"] * 1000, fmt="{:.1f}")
    add("film: exhaustive exploration (s)", f["explore_s"])
    add("film: states explored", f["explore_states"], fmt="{:,.0f}")
    add("film: states per second", f["explore_states_per_s"], fmt="{:,.0f}")
    add(f"film: save ({f['save_choices']} choices) (ms)", f["save_s"] * 1000, fmt="{:.2f}")
    add("film: load that save (ms)", f["load_save_s"] * 1000, fmt="{:.2f}")
    add("film: save size (bytes)", f["save_bytes"], fmt="{:,.0f}")
    for n, row in r["sizes"].items():
        o, i = row["ours"], row["ink"] or {}
        add(f"N={int(n):,}: random play, choices/s (peer: inkjs)", o["choices_per_s"], i.get("choices_per_sec"),
            fmt="{:,.0f}")
        add(f"N={int(n):,}: load from YAML + full check (s) (peer: inkjs compile)", o["load_and_check_s"],
            i.get("compile_ms", 0) / 1000 or None)
        add(f"N={int(n):,}: load from cache (s) (peer: inkjs load JSON)", o["load_cache_s"],
            i.get("load_ms", 0) / 1000 or None)
        if "heap_bytes" in o:
            add(f"N={int(n):,}: heap after load (MB) (peer: inkjs heapUsed)", o["heap_bytes"] / 2**20,
                i.get("heap_bytes", 0) / 2**20 or None, fmt="{:.1f}")
            add(f"N={int(n):,}: peak RSS of the whole process (MB)", o["max_rss_bytes"] / 2**20, fmt="{:.1f}")
    return "\n".join(lines)


if __name__ == "__main__":
    main()
