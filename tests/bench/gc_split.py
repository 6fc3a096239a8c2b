"""What the host's cyclic garbage collector costs our compile, load and build: each figure
with the GC on (as the benchmark and any embedding host have it) and off, alternating, in
one process, on the benchmark's 10k story (run bench.py once first to write it).

    python tests/bench/gc_split.py [YAML_DIR]

Not part of bench.py's table: it switches the GC off, which the targets rule out. It
explains them. Prints CPU seconds, min-max of two rounds.
"""
from __future__ import annotations

import gc
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE), str(HERE.parent.parent)]

from play_ours import build_all  # noqa: E402

from adventure import load_story  # noqa: E402


def main() -> None:
    folder = sys.argv[1] if len(sys.argv) > 1 else str(HERE / "out" / "yaml-10000")
    load_story(folder, cache=True)  # the cache filled for this code
    runs: dict[tuple[str, str], list[float]] = {}
    for _round in range(2):
        for mode in ("on", "off"):
            for name, step in (("compile from YAML with every check", lambda: load_story(folder, cache=False)),
                               ("load the compiled story from the cache", lambda: load_story(folder, cache=True))):
                gc.enable()
                gc.collect()
                if mode == "off":
                    gc.disable()
                t = time.process_time()
                story = step()
                runs.setdefault((name, mode), []).append(time.process_time() - t)
                if name.startswith("load"):
                    t = time.process_time()
                    build_all(story)
                    runs.setdefault(("build every scene", mode), []).append(time.process_time() - t)
                del story
    gc.enable()
    print(f"| {Path(folder).name} | host's GC on | GC off |\n| --- | ---: | ---: |")
    for name in dict.fromkeys(n for n, _ in runs):
        cells = [f"{min(runs[name, m]):.2f}-{max(runs[name, m]):.2f} s" for m in ("on", "off")]
        print(f"| {name} | {cells[0]} | {cells[1]} |")


if __name__ == "__main__":
    main()
