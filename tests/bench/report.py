"""The Markdown tables bench.py prints, from its results dict.

Every figure is the median over the repetitions; "±x%" is half the range
(max - min) as a share of the median. Rates are computed per run, then the
median taken. Ratios are of medians from the same run.
"""
from __future__ import annotations

import statistics

GROWTH_LIMIT = 11.0
MB = 2 ** 20
RUNTIMES = ("ours", "bink", "ink", "floor")
NAMES = {"ours": "ours", "bink": "bink 0.7.1", "ink": "inkjs 2.4.0", "floor": "floor"}


# -- reading the results ----------------------------------------------------------------------
def _runs(size, group):
    return size["runs"].get(group, [])


def values(size, group, key, per=None, scale=1.0):
    """One figure from every run of a group; `per` turns a time into a rate (steps per second)."""
    out = []
    for run in _runs(size, group):
        if key not in run:
            continue
        if per is not None:
            out.append(run[per] / run[key] if run[key] else None)
        else:
            out.append(run[key] * scale)
    return [v for v in out if v is not None]


def med(vals):
    return statistics.median(vals) if vals else None


def cell(vals, fmt="{:,.0f}"):
    if not vals:
        return "-"
    m = statistics.median(vals)
    text = fmt.format(m)
    if len(vals) > 1 and m:
        text += f" ±{(max(vals) - min(vals)) / 2 / abs(m) * 100:.0f}%"
    return text


def ratio(a, b, fmt="{:.2f}x"):
    return fmt.format(a / b) if a is not None and b else "-"


# Each figure: (label, {runtime: (group, key, per, scale)}, format, which way is better).
def figures():
    play = {"ours": ("ours_play", "first_s", "steps"), "bink": ("bink_play", "first_s", "steps"),
            "ink": ("ink_play", "first_s", "steps"), "floor": ("floor_play", "play_s", "steps")}
    return [
        ("random play, first pass (steps/s)", {k: (*v, 1.0) for k, v in play.items()}, "{:,.0f}", "higher"),
        ("  CPU time of that pass (s)", {"ours": ("ours_play", "first_cpu_s", None, 1.0),
                                         "bink": ("bink_play", "first_cpu_s", None, 1.0),
                                         "ink": ("ink_play", "first_cpu_s", None, 1.0),
                                         "floor": ("floor_play", "play_cpu_s", None, 1.0)}, "{:.2f}", "lower"),
        ("  wall time of that pass (s)", {"ours": ("ours_play", "first_s", None, 1.0),
                                          "bink": ("bink_play", "first_s", None, 1.0),
                                          "ink": ("ink_play", "first_s", None, 1.0),
                                          "floor": ("floor_play", "play_s", None, 1.0)}, "{:.2f}", "lower"),
        ("random play, warm: every scene built (steps/s)",
         {"ours": ("ours_play", "warm_s", "steps", 1.0), "floor": ("floor_play", "play_s", "steps", 1.0)},
         "{:,.0f}", "higher"),
        ("load, ready to play the first scene (ms)",
         {"ours": ("ours_load", "load_ready_s", None, 1e3), "bink": ("bink_play", "load_s", None, 1e3),
          "ink": ("ink_play", "load_s", None, 1e3)}, "{:,.1f}", "lower"),
        ("load, every scene built (ms)",
         {"ours": ("ours_load", "load_all_s", None, 1e3), "bink": ("bink_play", "load_s", None, 1e3),
          "ink": ("ink_play", "load_s", None, 1e3)}, "{:,.1f}", "lower"),
        ("  CPU time of that load (ms)",
         {"ours": ("ours_load", "load_all_cpu_s", None, 1e3), "bink": ("bink_play", "load_cpu_s", None, 1e3),
          "ink": ("ink_play", "load_cpu_s", None, 1e3)}, "{:,.1f}", "lower"),
        ("compile from source (s): ours `load_story(cache=False)`, inkjs `Compiler`",
         {"ours": ("ours_compile", "compile_s", None, 1.0), "ink": ("ink_compile", "compile_s", None, 1.0)},
         "{:.2f}", "lower"),
        ("process RSS holding the loaded story (MB)",
         {"ours": ("ours_load", "rss_bytes", None, 1 / MB), "bink": ("bink_play", "rss_bytes", None, 1 / MB),
          "ink": ("ink_play", "rss_bytes", None, 1 / MB)}, "{:,.0f}", "lower"),
        ("  inkjs story-only heap (MB)", {"ink": ("ink_play", "story_heap_bytes", None, 1 / MB)}, "{:,.0f}", "lower"),
        ("peak RSS while compiling from source (MB)",
         {"ours": ("ours_compile", "peak_rss_bytes", None, 1 / MB),
          "ink": ("ink_compile", "peak_rss_bytes", None, 1 / MB)}, "{:,.0f}", "lower"),
    ]


def figure(size, spec):
    group, key, per, scale = spec
    return values(size, group, key, per, scale)


# -- tables -----------------------------------------------------------------------------------------
def equivalence(r):
    lines = ["| N | play-throughs | scenes visited | " + " | ".join(f"{NAMES[k]}: steps, text hash" for k in RUNTIMES)
             + " | same? |", "| ---: | ---: | ---: |" + " --- |" * (len(RUNTIMES) + 1)]
    for n, size in r["sizes"].items():
        first = {k: (_runs(size, f"{k}_play") or [{}])[0] for k in RUNTIMES}
        got = {k: (v.get("steps"), v.get("digest")) for k, v in first.items() if v}
        floor = first["floor"]
        visited = f"{floor.get('scenes_visited', 0):,} of {floor.get('scenes_total', 0):,}"
        cells = [f"{got[k][0]:,}, `{got[k][1]}`" if k in got else "skipped" for k in RUNTIMES]
        same = "yes" if len(set(got.values())) == 1 else "**NO**"
        lines.append(f"| {int(n):,} | {size['plays']:,} | {visited} | " + " | ".join(cells) + f" | {same} |")
    return "\n".join(lines)


def per_size(r):
    lines = ["| N | measure | ours | bink | inkjs | floor | ours vs bink | ours vs inkjs |",
             "| ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: |"]
    for n, size in r["sizes"].items():
        for label, specs, fmt, better in figures():
            vals = {k: figure(size, specs[k]) if k in specs else [] for k in RUNTIMES}
            o = med(vals["ours"])  # ours ÷ peer: above 1 is better for rates, below 1 for the rest
            rb, ri = ratio(o, med(vals["bink"])), ratio(o, med(vals["ink"]))
            lines.append(f"| {int(n):,} | {label} | " + " | ".join(cell(vals[k], fmt) for k in RUNTIMES)
                         + f" | {rb} | {ri} |")
        saves = {k: (_runs(size, g) or [{}])[0].get("save_bytes") for k, g in
                 (("ours", "ours_load"), ("bink", "bink_play"), ("ink", "ink_play"))}
        row = []
        for k in RUNTIMES:
            s = saves.get(k)
            row.append(" / ".join(f"{s[p]:,}" for p in ("50", "500", "5000")) if s else "-")
        lines.append(f"| {int(n):,} | saved state after 50 / 500 / 5,000 choices (bytes) | " + " | ".join(row)
                     + " | | |")
    return "\n".join(lines)


# (label, group, key, CPU-time key or None, scale, unit); times are shown as CPU time where the
# child measured it, the steadier figure on a machine that swings 10-30% (wall growth beside it).
SCALING = [
    ("ours: compile from YAML, `load_story(cache=False)`", "ours_compile", "compile_s", "compile_cpu_s", 1.0, "s"),
    ("ours: load, ready to play", "ours_load", "load_ready_s", "load_ready_cpu_s", 1e3, "ms"),
    ("ours: build every scene", "ours_load", "build_all_s", "build_all_cpu_s", 1e3, "ms"),
    ("ours: random play, first pass", "ours_play", "first_s", "first_cpu_s", 1.0, "s"),
    ("ours: random play, warm", "ours_play", "warm_s", "warm_cpu_s", 1.0, "s"),
    ("ours: RSS holding the story", "ours_load", "rss_bytes", None, 1 / MB, "MB"),
    ("ours: peak RSS compiling", "ours_compile", "peak_rss_bytes", None, 1 / MB, "MB"),
    ("ours: saved state after 5,000 choices", None, None, None, 1.0, "bytes"),
    ("steps played (all runtimes)", "floor_play", "steps", None, 1.0, ""),
    ("inkjs: compile", "ink_compile", "compile_s", "compile_cpu_s", 1.0, "s"),
    ("inkjs: load", "ink_play", "load_s", "load_cpu_s", 1e3, "ms"),
    ("inkjs: random play", "ink_play", "first_s", "first_cpu_s", 1.0, "s"),
    ("inkjs: RSS holding the story", "ink_play", "rss_bytes", None, 1 / MB, "MB"),
    ("bink: load", "bink_play", "load_s", "load_cpu_s", 1e3, "ms"),
    ("bink: random play", "bink_play", "first_s", "first_cpu_s", 1.0, "s"),
    ("floor: random play", "floor_play", "play_s", "play_cpu_s", 1.0, "s"),
]


def _growth(meds):
    return meds[-1] / meds[-2] if len(meds) > 1 and meds[-1] is not None and meds[-2] else None


def scaling_rows(r):
    """(label, unit, [median per size], growth, wall growth) for every scaling figure; the medians
    and the growth are of CPU time where there is one."""
    sizes = list(r["sizes"].values())
    rows = []
    for label, group, key, cpu_key, scale, unit in SCALING:
        if group is None:
            meds = [((_runs(s, "ours_load") or [{}])[0].get("save_bytes") or {}).get("5000") for s in sizes]
            wall = meds
        else:
            wall = [med(values(s, group, key, None, scale)) for s in sizes]
            meds = [med(values(s, group, cpu_key, None, scale)) for s in sizes] if cpu_key else wall
        rows.append((label + (" (CPU)" if cpu_key else ""), unit, meds, _growth(meds), _growth(wall)))
    return rows


def scaling(r):
    ns = [int(n) for n in r["sizes"]]
    if len(ns) < 2:
        return ""
    step = f"{ns[-2] // 1000}k → {ns[-1] // 1000}k"
    lines = ["| figure | " + " | ".join(f"N = {n:,}" for n in ns)
             + f" | growth {step} | wall-time growth | over {GROWTH_LIMIT:.0f}x? |",
             "| --- |" + " ---: |" * (len(ns) + 2) + " --- |"]
    for label, unit, meds, growth, wall in scaling_rows(r):
        cells = ["-" if m is None else (f"{m:,.3g} {unit}" if m < 100 else f"{m:,.0f} {unit}") for m in meds]
        flag = "-" if growth is None else ("**yes**" if growth > GROWTH_LIMIT else "no")
        g = "-" if growth is None else f"{growth:.2f}x"
        w = "" if wall is None or unit not in ("s", "ms") else f"{wall:.2f}x"
        lines.append(f"| {label} | " + " | ".join(cells) + f" | {g} | {w} | {flag} |")
    return "\n".join(lines)


def targets(r):
    from targets import evaluate

    lines = ["| target (issue #16) | figure | met? |", "| --- | --- | --- |"]
    for name, text, met in evaluate(r):
        lines.append(f"| {name} | {text} | {met} |")
    return "\n".join(lines)


def film(r):
    s, e = r["startup"], r["explore"]

    def t(key):
        return f"{s[key] * 1000:.0f} ms ({s[key[:-2] + '_min_s'] * 1000:.0f}-{s[key[:-2] + '_max_s'] * 1000:.0f})"

    return "\n".join([
        "| measure | figure |", "| --- | ---: |",
        "| start-up floor: the same interpreter printing a prompt (`python -c`), median (min-max) | "
        f"{t('python_bare_s')} |",
        f"| `adventure --plain`: first scene and prompt on screen | {t('first_screen_plain_s')} |",
        f"| `adventure` in a terminal: title and menu drawn | {t('first_screen_terminal_s')} |",
        f"| `adventure` in a terminal: menu takes keys | {t('menu_live_terminal_s')} |",
        f"| *Her*: `python -m adventure explore`, wall, start to exit, median (min-max) | "
        f"{e['wall_s']:.2f} s ({e['wall_min_s']:.2f}-{e['wall_max_s']:.2f}) |",
        f"| *Her*: that run's CPU time | {e['cpu_s']:.2f} s |",
        f"| *Her*: states explored | {e['states']:,} |",
        f"| *Her*: states per second (of the whole run) | {e['states_per_s']:,.0f} |",
    ])


def markdown(r) -> str:
    m = r["machine"]
    head = (f"Machine: {m['cpus']} cores, Python {m['python']}, Node {m['node']}; {r['reps']} interleaved "
            f"repetitions{' (--quick)' if r['quick'] else ''}; the run took {r['seconds'] / 60:.0f} min.")
    skipped = "".join(f"\n{k}: skipped ({v})" for k, v in r["skipped"].items())
    return "\n\n".join([head + skipped, "### Same picks, same text", equivalence(r),
                        "### The neutral story", per_size(r), "### Scaling", scaling(r),
                        "### *Her*, and start-up", film(r), "### Targets", targets(r)])
