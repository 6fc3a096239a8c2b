"""The bink peer (Blade Ink, a Rust ink runtime, through its Python bindings):
it plays the JSON that inkjs compiled, with common.py's picks and hash.

    python play_bink.py STORY.ink.json PLAYS VERIFY(0|1)
"""
from __future__ import annotations

import sys
import time

from common import CAP, Digest, XorShift32, emit, rss_bytes
from gen import LEAVING

from bink.story import Story

SAVE_POINTS = (50, 500, 5000)


def play(story, plays, digest=None):
    rng = XorShift32()
    steps = chars = 0
    for _ in range(plays):
        story.reset_state()
        taken = 0
        while True:
            text = story.continue_maximally()
            texts = list(story.get_current_choices())
            chars += len(text) + sum(map(len, texts))
            if digest is not None:
                digest.step(text, texts)
            if not texts or taken == CAP:
                break
            story.choose_choice_index(rng.next() % len(texts))
            taken += 1
        steps += taken
    return steps, chars


def state_sizes(story):
    rng, sizes = XorShift32(), {}
    story.reset_state()
    for taken in range(1, SAVE_POINTS[-1] + 1):
        story.continue_maximally()
        options = [i for i, text in enumerate(story.get_current_choices()) if text != LEAVING]
        story.choose_choice_index(options[rng.next() % len(options)])
        if taken in SAVE_POINTS:
            story.continue_maximally()
            sizes[str(taken)] = len(story.save_state())
    return sizes


def timed(fn, *args):
    t, c = time.perf_counter(), time.process_time()
    value = fn(*args)
    return value, time.perf_counter() - t, time.process_time() - c


def main():
    path, plays, verify = sys.argv[1], int(sys.argv[2]), sys.argv[3] == "1"
    with open(path, encoding="utf-8-sig") as handle:
        json_text = handle.read()
    out = {"rss_before_load_bytes": rss_bytes()}
    story, out["load_s"], out["load_cpu_s"] = timed(Story, json_text)
    del json_text
    out["rss_bytes"] = rss_bytes()
    (out["steps"], out["chars"]), out["first_s"], out["first_cpu_s"] = timed(play, story, plays)
    _, out["warm_s"], out["warm_cpu_s"] = timed(play, story, plays)
    if verify:
        digest = Digest()
        play(story, plays, digest)
        out["digest"] = digest.hexdigest()
    out["save_bytes"] = state_sizes(story)
    emit(out)


if __name__ == "__main__":
    main()
