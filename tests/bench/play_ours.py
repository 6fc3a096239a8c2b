"""Our engine, in a fresh process per measurement, through its public API only.

    python play_ours.py load    YAML_DIR   load from the cache: ready to play, then every
                                           scene built; RSS holding it; save sizes
    python play_ours.py play    YAML_DIR PLAYS VERIFY   first pass (scenes built lazily),
                                           then warm play (every scene built)
    python play_ours.py compile YAML_DIR   load_story(cache=False) from YAML; peak RSS

The process never touches the garbage collector itself: what the library
does to it is reported (gc_enabled_in_play, gc_frozen_by_load), not undone.
"""
from __future__ import annotations

import gc
import json
import sys
import time

from common import CAP, Digest, XorShift32, emit, peak_rss_bytes, rss_bytes
from gen import LEAVING

from adventure import Game, load_story, restore

SAVE_POINTS = (50, 500, 5000, 10000)


def play(story, plays, digest=None):
    rng = XorShift32()
    steps = chars = 0
    for _ in range(plays):
        game = Game(story)
        taken = 0
        while True:
            lines = [line.text for frame in game.frames for line in frame.lines]
            ended = game.ended
            texts = [] if ended else [o.text for o in game.choices]
            chars += sum(map(len, lines)) + sum(map(len, texts))
            if digest is not None:
                digest.step(" ".join(lines), texts)
            if ended or taken == CAP:
                break
            game.choose(rng.next() % len(texts))
            taken += 1
        steps += taken
    return steps, chars


def save_sizes(story):
    """One long walk that steers round the endings; the saved state's size at each point."""
    rng, game, sizes = XorShift32(), Game(story), {}
    for taken in range(1, SAVE_POINTS[-1] + 1):
        options = [o for o in game.choices if o.text != LEAVING]
        game.choose(options[rng.next() % len(options)].index)
        if taken in SAVE_POINTS:
            data = game.snapshot()
            sizes[str(taken)] = len(json.dumps(data))
            sizes[f"{taken}_without_route"] = len(json.dumps({k: v for k, v in data.items() if k != "route"}))
            text = json.dumps(data)
            runs = []
            for _ in range(9):  # a load as a player's is: the file's text to a game ready to play
                t = time.perf_counter()
                back, note = restore(story, json.loads(text))
                runs.append(time.perf_counter() - t)
                assert note is None and back.state.route == game.state.route
            sizes[f"{taken}_restore_ms"] = sorted(runs)[len(runs) // 2] * 1000
    return sizes


def timed(fn, *args):
    t, c = time.perf_counter(), time.process_time()
    value = fn(*args)
    return value, time.perf_counter() - t, time.process_time() - c


def build_all(story):
    for sid in story.scenes:
        story.scenes[sid]


def ready(folder):
    story = load_story(folder, cache=True)  # the cache primed by the compile run, as a player loads
    game = Game(story)
    game.frames, game.choices  # noqa: B018 - the first screen, as a player would see it
    return story


def main():
    mode, folder = sys.argv[1], sys.argv[2]
    out = {"gc_frozen_before": gc.get_freeze_count()}
    if mode == "load":
        base = rss_bytes()
        story, out["load_ready_s"], out["load_ready_cpu_s"] = timed(ready, folder)
        _, out["build_all_s"], out["build_all_cpu_s"] = timed(build_all, story)
        out["load_all_s"] = out["load_ready_s"] + out["build_all_s"]
        out["load_all_cpu_s"] = out["load_ready_cpu_s"] + out["build_all_cpu_s"]
        gc.collect()
        out["rss_bytes"], out["rss_before_load_bytes"] = rss_bytes(), base
        out["save_bytes"] = save_sizes(story)
    elif mode == "play":
        plays, verify = int(sys.argv[3]), sys.argv[4] == "1"
        story = load_story(folder, cache=True)
        out["gc_frozen_by_load"] = gc.get_freeze_count() - out["gc_frozen_before"]
        out["gc_enabled_in_play"] = gc.isenabled()
        (out["steps"], out["chars"]), out["first_s"], out["first_cpu_s"] = timed(play, story, plays)
        build_all(story)
        (steps, _), out["warm_s"], out["warm_cpu_s"] = timed(play, story, plays)
        assert steps == out["steps"], "the warm pass took other steps"
        if verify:
            digest = Digest()
            play(story, plays, digest)
            out["digest"] = digest.hexdigest()
    elif mode == "compile":
        _, out["compile_s"], out["compile_cpu_s"] = timed(lambda: load_story(folder, cache=False))
        out["peak_rss_bytes"] = peak_rss_bytes()
    else:
        raise SystemExit(f"unknown mode {mode!r}")
    emit(out)


if __name__ == "__main__":
    main()
