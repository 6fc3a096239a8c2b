"""The benchmark: our engine beside inkjs 2.4.0, bink 0.7.1 and a hand-written
floor, in one run, on one neutral story (tests/bench/gen.py), with the same
picks and the same output checked on every runtime.

    python tests/bench/bench.py            # N = 1k, 10k, 100k; about 40 minutes here
    python tests/bench/bench.py --quick    # N = 1k, 10k; about 5 minutes here
    python tests/bench/bench.py --report   # the last run's tables again, measuring nothing

(Measured on the project's 2-core machine; the first run adds a minute or
two for `npm install inkjs` and a venv with bink.) Writes
tests/bench/out/results.json and prints Markdown tables (copied into
docs/performance.md). Every measurement runs in a fresh process, and the
repetitions are interleaved (ours, inkjs, bink, floor, then again), never
one runtime's repeats in a row. Not a test: nothing here passes or fails.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
OUT = HERE / "out"
sys.path.insert(0, str(HERE))

import gen  # noqa: E402
import report  # noqa: E402
import startup  # noqa: E402
from common import plays_for  # noqa: E402

INKJS, BINK = "inkjs@2.4.0", "bink==0.7.1"
VENV = OUT / "venv"
CACHE = OUT / "cache"


def log(*parts):
    print(*parts, file=sys.stderr, flush=True)


def child(args, env=None, timeout=3600) -> dict:
    """Run one measurement in a fresh process; it prints one JSON line."""
    args = [str(a) for a in args]
    done = subprocess.run(args, capture_output=True, text=True, timeout=timeout, cwd=HERE,
                          env={**os.environ, **(env or {})})
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(map(str, args[:3]))}: {done.stderr.strip()[-800:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


# -- the peers and the installed game ----------------------------------------------------
def setup() -> dict:
    """A venv with bink and the game installed as a player installs it; inkjs from npm.
    Returns the Python to run children with and why any peer is skipped."""
    info = {"python": sys.executable, "skipped": {}}
    pip = VENV / "bin" / "pip"
    try:
        if not pip.exists():
            subprocess.run([sys.executable, "-m", "venv", str(VENV)], check=True, capture_output=True)
        # Reinstalled every run, so the entry point is the code under test.
        subprocess.run([str(pip), "install", "-q", "--force-reinstall", "--no-deps", str(ROOT)], check=True,
                       capture_output=True, text=True, cwd=OUT)
        subprocess.run([str(pip), "install", "-q", str(ROOT)], check=True, capture_output=True, text=True, cwd=OUT)
        info["python"] = str(VENV / "bin" / "python")
        info["adventure"] = str(VENV / "bin" / "adventure")
    except subprocess.CalledProcessError as exc:
        info["skipped"]["venv"] = f"venv or pip install failed: {(exc.stderr or '')[-300:]}"
        info["adventure"] = shutil.which("adventure") or str(ROOT / ".venv" / "bin" / "adventure")
    try:
        subprocess.run([str(pip), "install", "-q", BINK], check=True, capture_output=True, text=True)
        subprocess.run([str(VENV / "bin" / "python"), "-c", "import bink.story"], check=True, capture_output=True,
                       text=True)
    except (subprocess.CalledProcessError, FileNotFoundError) as exc:
        info["skipped"]["bink"] = f"pip install {BINK} failed: {(getattr(exc, 'stderr', '') or str(exc))[-300:]}"
    node, npm = shutil.which("node"), shutil.which("npm")
    if not node or not npm:
        info["skipped"]["inkjs"] = "node or npm is not installed"
    elif not (OUT / "node_modules" / "inkjs").exists():
        done = subprocess.run([npm, "install", "--silent", "--prefix", str(OUT), INKJS], capture_output=True,
                              text=True)
        if done.returncode != 0:
            info["skipped"]["inkjs"] = f"npm install {INKJS} failed: {done.stderr.strip()[-300:]}"
    for peer, reason in info["skipped"].items():
        print(f"{peer}: skipped ({reason})")
    return info


def node(*args):
    env = {"NODE_PATH": str(OUT / "node_modules")}
    return child(["node", "--expose-gc", "--max-old-space-size=20000", str(HERE / "ink_bench.js"), *map(str, args)],
                 env=env)


# -- one size -------------------------------------------------------------------------------
def measure_size(n: int, reps: int, info: dict) -> dict:
    log(f"N = {n:,}: writing the story ...")
    paths = gen.write_all(n, OUT)
    plays = plays_for(n)
    py = info["python"]
    ours_env = {"PYTHONPATH": f"{ROOT}{os.pathsep}{HERE}", "ADVENTURE_CACHE": str(CACHE)}
    peer_env = {"PYTHONPATH": str(HERE)}
    skipped = info["skipped"]
    ink_ok, bink_ok = "inkjs" not in skipped, "bink" not in skipped and "inkjs" not in skipped
    if "inkjs" in skipped and "bink" not in skipped:
        skipped["bink"] = "it plays the JSON inkjs compiles, and inkjs is skipped"
    child([py, "play_ours.py", "load", paths["yaml"]], env=ours_env)  # fills the compiled-story cache
    # inkjs compiles 100k scenes in about four minutes and 12 GB: once is enough there.
    compile_reps = reps if n <= 10_000 else 1
    runs = {"ours_compile": [], "ours_load": [], "ours_play": [], "ink_compile": [], "ink_play": [],
            "bink_play": [], "floor_play": []}
    for rep in range(reps):
        verify = int(rep == 0)
        log(f"N = {n:,}: repetition {rep + 1} of {reps} ...")
        # Interleaved: each repetition runs every runtime once before the next repetition starts.
        if ink_ok and rep < compile_reps:
            runs["ink_compile"].append(node("compile", paths["ink"], paths["json"]))
        runs["ours_compile"].append(child([py, "play_ours.py", "compile", paths["yaml"]], env=ours_env))
        runs["ours_load"].append(child([py, "play_ours.py", "load", paths["yaml"]], env=ours_env))
        runs["ours_play"].append(child([py, "play_ours.py", "play", paths["yaml"], plays, verify], env=ours_env))
        if ink_ok:
            runs["ink_play"].append(node("play", paths["json"], plays, verify))
        if bink_ok:
            runs["bink_play"].append(child([py, "play_bink.py", paths["json"], plays, verify], env=peer_env))
        runs["floor_play"].append(child([py, "play_floor.py", paths["floor"], plays, verify], env=peer_env))
    return {"plays": plays, "runs": {k: v for k, v in runs.items() if v},
            "summary": {k: summarise(v) for k, v in runs.items() if v}}


def summarise(rows: list[dict]) -> dict:
    """Median, min and max of every number the runs reported; other values from the first run."""
    out = {}
    for key, value in rows[0].items():
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            values = [r[key] for r in rows if key in r]
            out[key] = {"median": statistics.median(values), "min": min(values), "max": max(values),
                        "n": len(values)}
        else:
            out[key] = value
    return out


# -- the film's story ----------------------------------------------------------------------------
def explorer(py: str, runs: int) -> dict:
    """`python -m adventure explore` on the bundled story, timed from outside as a user runs it."""
    env = {**os.environ, "PYTHONPATH": str(ROOT), "ADVENTURE_CACHE": str(CACHE)}
    args = [py, "-m", "adventure", "explore", "--format", "json"]
    subprocess.run(args, capture_output=True, env=env, cwd=ROOT)  # fills the cache
    walls, cpus, states = [], [], None
    for _ in range(runs):
        before = os.times()
        t = time.perf_counter()
        done = subprocess.run(args, capture_output=True, text=True, env=env, cwd=ROOT)
        walls.append(time.perf_counter() - t)
        after = os.times()
        cpus.append(after.children_user + after.children_system - before.children_user - before.children_system)
        states = json.loads(done.stdout)["states"]
    wall = statistics.median(walls)
    return {"wall_s": wall, "wall_min_s": min(walls), "wall_max_s": max(walls), "cpu_s": statistics.median(cpus),
            "states": states, "states_per_s": states / wall, "runs": runs}


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="N = 1k and 10k only")
    parser.add_argument("--reps", type=int, default=3, help="repetitions of each measurement (default 3)")
    parser.add_argument("--report", action="store_true", help="measure nothing: print the tables of the last "
                                                              "run again from out/results.json")
    args = parser.parse_args()
    if args.report:
        print(report.markdown(json.loads((OUT / "results.json").read_text())))
        return
    sizes = (1_000, 10_000) if args.quick else (1_000, 10_000, 100_000)
    OUT.mkdir(exist_ok=True)
    started = time.time()
    info = setup()
    results = {"machine": {"cpus": os.cpu_count(), "python": sys.version.split()[0],
                           "node": subprocess.run(["node", "--version"], capture_output=True,
                                                  text=True).stdout.strip() if shutil.which("node") else None},
               "quick": args.quick, "reps": args.reps, "skipped": info["skipped"], "sizes": {}}
    log("start-up ...")
    results["startup"] = startup.measure(info["adventure"], info["python"], CACHE, runs=5 * args.reps, cwd=OUT)
    log("explorer ...")
    results["explore"] = explorer(info["python"], runs=max(3, args.reps))
    for n in sizes:
        results["sizes"][str(n)] = measure_size(n, args.reps, info)
    results["seconds"] = time.time() - started
    (OUT / "results.json").write_text(json.dumps(results, indent=1))
    print(report.markdown(results))


if __name__ == "__main__":
    main()
