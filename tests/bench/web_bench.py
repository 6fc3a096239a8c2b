"""The web player's figures: folder size, time to the first scene, time per choice.

    python3 tests/bench/web_bench.py [--runs 3] [--pyodide DIR]

Publishes *Her* into tests/bench/out/site, serves it on 127.0.0.1, and opens it
in a fresh headless Chromium profile each run (nothing cached): the time from
opening the page (navigation start) to the first scene's text on screen, then
the open route played to the end, each choice timed in the page from the key
to the next scene drawn (the engine's step, the autosave to localStorage, the
DOM). A benchmark, not a test; docs/performance.md reports its figures.
"""
from __future__ import annotations

import argparse
import functools
import http.server
import os
import shutil
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from adventure.core.engine import replay  # noqa: E402
from adventure.store.loader import load_story  # noqa: E402
from adventure.tools import publish as pub  # noqa: E402


def chromium_cpu(profile: str) -> float:
    """CPU seconds used so far by every process of the Chromium that uses `profile` (Linux /proc)."""
    total = 0
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            if profile.encode() not in Path(f"/proc/{pid}/cmdline").read_bytes():
                continue
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / os.sysconf("SC_CLK_TCK")


class Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


def main() -> int:
    p = argparse.ArgumentParser()
    p.add_argument("--runs", type=int, default=3)
    p.add_argument("--pyodide", default=str(ROOT / ".cache" / "npm" / "node_modules" / "pyodide"))
    args = p.parse_args()
    out = ROOT / "tests" / "bench" / "out" / "site"
    result = pub.publish(ROOT / "story", out, pyodide=args.pyodide if Path(args.pyodide).exists() else None)
    runtime = sum((out / "pyodide" / n).stat().st_size for n in pub.PYODIDE_FILES)
    print(f"published folder: {result['bytes'] / 1e6:.2f} MB ({runtime / 1e6:.2f} MB of it Pyodide; "
          f"story.json {(out / 'story.json').stat().st_size / 1e3:.0f} kB, "
          f"engine.json {(out / 'engine.json').stat().st_size / 1e3:.0f} kB)")

    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service
    from selenium.webdriver.common.action_chains import ActionChains

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Quiet, directory=str(out)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}/"
    story = load_story(ROOT / "story")
    route = [l.strip() for l in (ROOT / "tests/routes/lover.route").read_text().splitlines()
             if l.strip() and not l.startswith("#")]
    game = replay(story, [])
    numbers = []
    for choice in route:
        numbers.append(next(o.index for o in game.choices if o.id == choice) + 1)
        game.choose(choice)

    firsts, stages, choices, cpus, returns = [], [], [], [], []
    for run in range(args.runs):
        profile = tempfile.mkdtemp()
        options = webdriver.ChromeOptions()
        options.binary_location = shutil.which("chromium") or "/usr/bin/chromium"
        for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                    "--disable-component-update", "--disable-sync", "--no-first-run", f"--user-data-dir={profile}"):
            options.add_argument(arg)
        driver = webdriver.Chrome(service=Service(shutil.which("chromedriver") or "/usr/bin/chromedriver"),
                                  options=options)
        try:
            load_before = os.getloadavg()[0]
            cpu_before = chromium_cpu(profile)
            driver.get(url)
            while driver.execute_script("return document.body.dataset.state") in (None, "loading"):
                time.sleep(0.01)
            cpus.append(chromium_cpu(profile) - cpu_before)
            timings = driver.execute_script("return window.adventure.timings")
            firsts.append(timings["firstScene"] / 1000)
            stages.append(timings["stages"])
            print(f"run {run + 1}: first scene at {timings['firstScene'] / 1000:.2f} s "
                  f"(Pyodide ready at {timings['stages'][2][1] / 1000:.2f} s; Chromium's CPU time {cpus[-1]:.2f} s; "
                  f"load average {load_before:.1f} on {os.cpu_count()} cores)")
            time.sleep(2)  # let the browser finish caching the compiled code
            driver.get("about:blank")
            driver.get(url)
            while driver.execute_script("return document.body.dataset.state") in (None, "loading"):
                time.sleep(0.01)
            again = driver.execute_script("return window.adventure.timings.firstScene") / 1000
            returns.append(again)
            print(f"       return visit (same browser, its cache warm): first scene at {again:.2f} s")
            if run == 0:
                driver.execute_script("localStorage.clear()")
                driver.refresh()
                while driver.execute_script("return document.body.dataset.state") in (None, "loading"):
                    time.sleep(0.01)
                for number in numbers:
                    while driver.execute_script("return document.body.dataset.state") == "more":
                        ActionChains(driver).send_keys("a").perform()
                    shown = driver.execute_script("return document.body.dataset.shown")
                    ActionChains(driver).send_keys(str(number)).perform()
                    while driver.execute_script("return document.body.dataset.shown") == shown:
                        time.sleep(0.002)
                choices = driver.execute_script("return window.adventure.timings.choices")
        finally:
            driver.quit()
            shutil.rmtree(profile, ignore_errors=True)
    server.shutdown()
    print(f"first scene: median {statistics.median(firsts):.2f} s, best {min(firsts):.2f} s over {len(firsts)} runs "
          f"(aim: under 3 s); Chromium's CPU time for it: median {statistics.median(cpus):.2f} s")
    print(f"return visit: median {statistics.median(returns):.2f} s")
    if choices:
        ordered = sorted(choices)
        print(f"per choice ({len(choices)} choices of the open route): median {statistics.median(choices):.1f} ms, "
              f"95th percentile {ordered[int(0.95 * (len(ordered) - 1))]:.1f} ms, max {max(choices):.1f} ms "
              f"(aim: under 50 ms)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
