"""Issue #16's targets, each judged from one run's figures: (target, figure, met?).

Ratios only, from the same run; a target that needs a size the run skipped
(--quick has no 100k) or a peer that was skipped says so instead of passing.
"""
from __future__ import annotations

from report import med, values

YES, NO = "yes", "**no**"


def _n(n):
    return f"{int(n) // 1000}k"


def _judge(parts, oks, missing):
    if missing:
        return "not fully measured: " + ", ".join(missing) if any(o is not None for o in oks) else "not measured"
    return YES if all(oks) else NO


def _cpu(spec):
    group, key, per, scale = spec
    return (group, key[:-2] + "_cpu_s", per, scale) if key.endswith("_s") else None


def _ratio_target(r, sizes, ours, peer, test, fmt="{:.2f}x"):
    """ours and peer are (group, key, per, scale); returns (figure text, met). Judged on wall
    time; the CPU-time ratio is shown beside it, as a check on a loaded moment."""
    parts, oks, missing = [], [], []
    for n in sizes:
        size = r["sizes"].get(n)
        if size is None:
            missing.append(f"no {_n(n)} in this run")
            continue
        a, b = med(values(size, *ours)), med(values(size, *peer))
        if a is None or b is None:
            missing.append(f"{_n(n)}: a side was skipped")
            continue
        x = a / b
        cpu = ""
        if _cpu(ours) and _cpu(peer):
            ca, cb = med(values(size, *_cpu(ours))), med(values(size, *_cpu(peer)))
            if ca is not None and cb:
                cpu = f" (CPU {fmt.format(ca / cb)})"
        parts.append(f"{fmt.format(x)} at {_n(n)}{cpu}")
        oks.append(test(x))
    return "; ".join(parts + missing) or "-", _judge(parts, oks, missing)


def evaluate(r):
    big = ("10000", "100000")
    largest = list(r["sizes"])[-1]
    rows = []
    gc_notes = []
    for n, size in r["sizes"].items():
        play = (size["runs"].get("ours_play") or [{}])[0]
        if play.get("gc_frozen_by_load"):
            gc_notes.append(f"{play['gc_frozen_by_load']:,} objects frozen at {_n(n)}")
        if play.get("gc_enabled_in_play") is False:
            gc_notes.append(f"GC off during play at {_n(n)}")
    gc_caveat = " (with the library's own GC policy, see the last row)" if gc_notes else ""

    first = ("ours_play", "first_s", "steps", 1.0)
    text, met = _ratio_target(r, big, first, ("bink_play", "first_s", "steps", 1.0), lambda x: x >= 2)
    rows.append(("random play, first pass: at least 2x bink at 10k and 100k", text + gc_caveat, met))
    text, met = _ratio_target(r, big, first, ("ink_play", "first_s", "steps", 1.0), lambda x: x >= 10)
    rows.append(("random play, first pass: at least 10x inkjs at 10k and 100k", text + gc_caveat, met))
    text, met = _ratio_target(r, big, ("ours_play", "warm_s", None, 1.0), ("floor_play", "play_s", None, 1.0),
                              lambda x: x <= 2)
    rows.append(("warm play within 2x of the hand-written floor (time, ours ÷ floor)", text, met))
    text, met = _ratio_target(r, big, ("ours_load", "load_all_s", None, 1.0), ("ink_play", "load_s", None, 1.0),
                              lambda x: x <= 0.5)
    rows.append(("load with every scene built: at most 0.5x inkjs's `new Story(json)` at 10k and 100k", text, met))
    text, met = _ratio_target(r, big, ("ours_compile", "compile_s", None, 1.0),
                              ("ink_compile", "compile_s", None, 1.0), lambda x: x <= 0.1)
    rows.append(("load from YAML with the full check: at most 0.1x inkjs's compile (10k and 100k)", text, met))
    rows.append(_linear(r))
    text, met = _ratio_target(r, ("100000",), ("ours_load", "rss_bytes", None, 1.0),
                              ("ink_play", "rss_bytes", None, 1.0), lambda x: x <= 0.5)
    rows.append(("memory: a loaded 100k story at most 0.5x inkjs's RSS", text, met))
    rows.append(_peak(r, largest))
    rows.append(_restore(r, largest))
    rows.append(_save_size(r, largest))
    e = r["explore"]
    rows.append(("explorer: *Her* exhaustively in under 0.5 s",
                 f"{e['wall_s']:.2f} s for {e['states']:,} states ({e['states_per_s']:,.0f} states/s), "
                 "the whole `python -m adventure explore` run", YES if e["wall_s"] < 0.5 else NO))
    rows.append(("the GC policy is not the library's: loading and playing leave the host's GC alone",
                 "; ".join(gc_notes) or "no objects frozen, GC enabled during play", NO if gc_notes else YES))
    return rows


def _linear(r):
    from report import scaling_rows

    sizes = list(r["sizes"])
    if "100000" not in sizes:
        return ("linear: no figure grows more than 11x from 10k to 100k", "no 100k in this run (--quick)",
                "not measured")
    rows = scaling_rows(r)
    over = [(label, g) for label, _, _, g, _ in rows if label.startswith("ours") and g is not None]
    worst = max(over, key=lambda x: x[1])
    bad = [f"{label.split(': ', 1)[1]} {g:.2f}x" for label, g in over if g > 11]
    text = (f"over 11x: {'; '.join(bad)}" if bad else "none over 11x") + f"; largest: {worst[0][6:]} {worst[1]:.2f}x"
    steps = next(g for label, _, _, g, _ in rows if label.startswith("steps"))
    floor = next(g for label, _, _, g, _ in rows if label.startswith("floor"))
    if steps and floor:
        text += (f" (the play-throughs take {steps:.1f}x the steps; the floor's plain loop grows {floor:.1f}x, "
                 "so a step costs more in a bigger story even there)")
    return "linear: no figure of ours grows more than 11x from 10k to 100k", text, NO if bad else YES


def _peak(r, n):
    size = r["sizes"][n]
    peak = med(values(size, "ours_compile", "peak_rss_bytes"))
    held = med(values(size, "ours_load", "rss_bytes"))
    if peak is None or held is None:
        return "memory: peak RSS while loading from YAML at most 2x the loaded story's", "-", "not measured"
    x = peak / held
    return ("memory: peak RSS while loading from YAML at most 2x the loaded story's",
            f"{peak / 2**20:,.0f} MB against {held / 2**20:,.0f} MB at {_n(n)}: {x:.2f}x", YES if x <= 2 else NO)


def _restore(r, n):
    sizes = (r["sizes"][n]["runs"].get("ours_load") or [{}])[0].get("save_bytes") or {}
    name = "saves: an unchanged story's save restores without replay in under 1 ms, up to 10,000 choices"
    times = {k.split("_")[0]: v for k, v in sizes.items() if k.endswith("_restore_ms")}
    if not times:
        return name, "not measured", "not measured"
    text = "; ".join(f"{int(k):,} choices: {v:.3f} ms" for k, v in sorted(times.items(), key=lambda x: int(x[0])))
    return name, f"`adventure.restore` of the JSON text at {_n(n)}: {text}", YES if max(times.values()) < 1 else NO


def _save_size(r, n):
    sizes = (r["sizes"][n]["runs"].get("ours_load") or [{}])[0].get("save_bytes")
    name = "saves: under 4 KB plus a compact route (taken here as at most 2 bytes a choice)"
    if not sizes:
        return name, "-", "not measured"
    rest = sizes["5000_without_route"]
    per_choice = (sizes["5000"] - rest) / 5000
    text = (f"after 5,000 choices: {sizes['5000']:,} bytes, of which {rest:,} are not the route "
            f"and the route takes {per_choice:.1f} bytes a choice")
    return name, text, YES if rest <= 4096 and per_choice <= 2 else NO
