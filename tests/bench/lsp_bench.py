"""The language server's re-check after a keystroke, on a 10,000-scene story (not a test).

    python tests/bench/lsp_bench.py [--scenes 10000] [--repeats 9]

Two figures:

1. in process: the time of `StoryFolder.check()` (read the folder, compile and
   check it with the caches, give every diagnostic its range) after one
   character of one scene file's unsaved text changes: a keystroke in prose,
   a keystroke that makes a mistake (an unknown `goto`), and the first check
   (nothing cached). Wall time and CPU time (the machine may be shared).
2. over a real stdio session (`python -m adventure lsp`): from sending the
   didChange that makes a mistake to receiving its diagnostic, less the
   debounce the server waits for typing to pause.

Prints a Markdown table for docs/performance.md.
"""
from __future__ import annotations

import argparse
import gc
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(ROOT / "tests"))

import gen  # noqa: E402


def timed(fn):
    wall, cpu = time.perf_counter(), time.process_time()
    result = fn()
    return time.perf_counter() - wall, time.process_time() - cpu, result


def in_process(folder: Path, repeats: int) -> dict:
    from adventure.lsp.folder import StoryFolder

    story = StoryFolder(folder.resolve())
    target = str(story.root / "005.yaml")
    text = Path(target).read_text()
    gc.disable()  # as the server checks
    first = timed(story.check)
    gc.freeze()
    out = {"first": first[:2]}
    prose, mistake = [], []
    for i in range(repeats):
        story.overlay[target] = text.replace("Walk on.", f"Walk on{'.' * (i + 2)}", 1)
        prose.append(timed(story.check)[:2])
        story.overlay[target] = text.replace("goto: s", f"goto: x{i}", 1)
        wall, cpu, results = timed(story.check)
        assert any(d.code == "E011" for d, _ in results[target])
        mistake.append((wall, cpu))
    out["prose"] = tuple(statistics.median(x[k] for x in prose) for k in (0, 1))
    out["mistake"] = tuple(statistics.median(x[k] for x in mistake) for k in (0, 1))
    gc.enable()
    return out


def over_stdio(folder: Path, repeats: int) -> float:
    from adventure.lsp.server import DEBOUNCE
    from test_lsp import Client, uri

    target = folder / "005.yaml"
    text = target.read_text()
    client = Client(folder)
    try:
        client.initialize(folder)
        client.open(target)
        client.diagnostics(target)  # the first check
        times = []
        for i in range(repeats):
            client.change(target, text.replace("goto: s", f"goto: y{i}", 1), 2 * i + 2)
            start = time.perf_counter()
            client.diagnostics(target, lambda ds, i=i: any(f"y{i}" in d["message"] for d in ds))
            times.append(time.perf_counter() - start - DEBOUNCE)
            client.change(target, text, 2 * i + 3)
            client.diagnostics(target, lambda ds: ds == [])
        return statistics.median(times)
    finally:
        client.close()


def main() -> int:
    p = argparse.ArgumentParser()
    p.add_argument("--scenes", type=int, default=10_000)
    p.add_argument("--repeats", type=int, default=9)
    args = p.parse_args()
    work = Path(tempfile.mkdtemp(prefix="lsp-bench-"))
    try:
        folder = work / "story"
        gen.write_yaml(gen.build(args.scenes), folder)
        files = len(list(folder.glob("*.yaml")))
        numbers = in_process(folder, args.repeats)
        wire = over_stdio(folder, args.repeats)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print(f"{args.scenes:,} scenes in {files} files; median of {args.repeats}\n")
    print("| re-check after one keystroke | wall | CPU |")
    print("| --- | --- | --- |")
    for key, label in (("prose", "in prose (no finding changes; every check runs)"),
                       ("mistake", "that makes a mistake (`goto` to no scene)"),
                       ("first", "first check of the folder (nothing cached)")):
        wall, cpu = numbers[key]
        print(f"| {label} | {wall:.3f} s | {cpu:.3f} s |")
    print(f"| over stdio: didChange to publishDiagnostics, less the debounce | {wire:.3f} s | |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
