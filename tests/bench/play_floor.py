"""The floor: the same story, text and picks as a plain loop over a
dict-of-lists graph (gen.write_floor), with nothing an engine adds. What
warm play could cost at best in Python.

    python play_floor.py FLOOR.json PLAYS VERIFY(0|1)
"""
from __future__ import annotations

import json
import sys
import time

from common import CAP, Digest, XorShift32, emit


def holds(cond, v):
    for var, op, value in cond:
        x = v[var]
        if op == ">=":
            if x < value:
                return False
        elif op == "<":
            if x >= value:
                return False
        elif x != value:
            return False
    return True


def apply(effects, v):
    for op, var, *rest in effects:
        if op == "add":
            v[var] += rest[0]
        elif op == "set":
            v[var] = rest[0]
        else:
            v[var] = not v[var]


def render(paras, v):
    out = []
    for para in paras:
        if para[0] == "t":
            out.append(para[1].format_map(v))
        elif holds(para[1], v):
            out.append(para[2].format_map(v))
        elif para[3] is not None:
            out.append(para[3].format_map(v))
    return out


def play(data, plays, digest=None, visited=None):
    scenes, start, defaults = data["scenes"], data["start"], data["vars"]
    rng = XorShift32()
    steps = chars = 0
    for _ in range(plays):
        v = dict(defaults)
        sid = start
        apply(scenes[sid][1], v)
        taken = 0
        while True:
            paras, _, choices, ending = scenes[sid]
            lines = render(paras, v)
            offered = [] if ending else [c for c in choices if c[2] is None or holds(c[2], v)]
            texts = [c[0] for c in offered]
            chars += sum(map(len, lines)) + sum(map(len, texts))
            if visited is not None:
                visited.add(sid)
            if digest is not None:
                digest.step(" ".join(lines), texts)
            if ending or taken == CAP:
                break
            picked = offered[rng.next() % len(offered)]
            apply(picked[3], v)
            sid = picked[1]
            apply(scenes[sid][1], v)
            taken += 1
        steps += taken
    return steps, chars


def main():
    path, plays, verify = sys.argv[1], int(sys.argv[2]), sys.argv[3] == "1"
    with open(path) as handle:
        data = json.load(handle)
    out = {}
    t, c = time.perf_counter(), time.process_time()
    out["steps"], out["chars"] = play(data, plays)
    out["play_s"], out["play_cpu_s"] = time.perf_counter() - t, time.process_time() - c
    if verify:
        digest, visited = Digest(), set()
        play(data, plays, digest, visited)
        out["digest"] = digest.hexdigest()
        out["scenes_visited"] = len(visited)
        out["scenes_total"] = len(data["scenes"])
    emit(out)


if __name__ == "__main__":
    main()
