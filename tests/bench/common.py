"""What every Python runtime in the benchmark shares: the PRNG, the play rules,
the equivalence hash, and how memory is read. ink_bench.js mirrors it line
for line; change one, change the other.

PRNG: xorshift32 (Marsaglia, shifts 13, 17, 5) on an unsigned 32-bit state,
seeded with SEED at the start of every pass; each play-through draws from the
same stream. Index rule: pick = next() % len(choices). A play-through stops at
an ending or after CAP choices, whichever comes first.
"""
from __future__ import annotations

import hashlib
import json
import os
import resource
import sys

SEED = 2463534242
CAP = 200
MASK = 0xFFFFFFFF


class XorShift32:
    __slots__ = ("x",)

    def __init__(self, seed=SEED):
        self.x = seed & MASK

    def next(self) -> int:
        x = self.x
        x ^= (x << 13) & MASK
        x ^= x >> 17
        x ^= (x << 5) & MASK
        self.x = x
        return x


def plays_for(n: int) -> int:
    # Fifty play-throughs per thousand scenes: about eight steps per scene,
    # enough for the random walks to reach nearly every scene at every N.
    return max(20, n // 20)


class Digest:
    """The equivalence hash: for every step, the text shown (whitespace runs
    collapsed to one space, ends trimmed), a 0x1f, the choice texts (each
    normalised the same way) joined by 0x1e, and a newline."""

    def __init__(self):
        self.h = hashlib.sha256()

    def step(self, text: str, choices) -> None:
        self.h.update(" ".join(text.split()).encode())
        self.h.update(b"\x1f")
        self.h.update("\x1e".join(" ".join(c.split()) for c in choices).encode())
        self.h.update(b"\n")

    def hexdigest(self) -> str:
        return self.h.hexdigest()[:16]


def rss_bytes() -> int:
    with open("/proc/self/statm") as handle:
        return int(handle.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def peak_rss_bytes() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def emit(out: dict) -> None:
    sys.stdout.write(json.dumps(out) + "\n")
