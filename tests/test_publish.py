"""`adventure publish`: a story as a static web page, played by the same engine in a real browser.

The browser tests drive headless Chromium (Debian's `chromium` and
`chromium-driver`) with Selenium against a static server on 127.0.0.1; they
need Pyodide's files (the npm package, pinned in adventure/tools/publish.py)
and axe-core for the accessibility check, both kept in .cache/npm (which
.ci/run fills, and these tests fill with npm when they can). Where any of it
cannot be had, those tests skip and say why.
"""
from __future__ import annotations

import functools
import http.server
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import pytest

import adventure
from adventure.core.engine import Game, replay
from adventure.store.saves import SaveStore
from adventure.tools import publish as pub
from adventure.web.bridge import core_state

ROOT = Path(__file__).resolve().parent.parent
ROUTES = ROOT / "tests" / "routes"
TINY = ROOT / "tests" / "stories" / "tiny"
NPM_CACHE = ROOT / ".cache" / "npm"
AXE_VERSION = "4.11.0"
TINY_ROUTE = ["lamp_room", "shore", "search_beach", "lamp_room",
              "dawn"]


def read_route(path: Path) -> list[str]:
    return [line.strip() for line in path.read_text().splitlines() if line.strip() and not line.startswith("#")]


def run_cli(*args, env=None, input=None):
    return subprocess.run([sys.executable, "-m", "adventure", *args], cwd=ROOT, capture_output=True, text=True,
                          env={**os.environ, **(env or {})}, input=input, timeout=300)


# -- what the tests need from npm ---------------------------------------------------------
def _npm_install() -> str | None:
    """Fill .cache/npm with the pinned pyodide and axe-core; None, or why it could not."""
    npm = shutil.which("npm")
    if npm is None:
        return "npm is not installed"
    try:
        run = subprocess.run([npm, "install", "--prefix", str(NPM_CACHE), "--no-save", "--no-audit", "--no-fund",
                              "--silent", f"pyodide@{pub.PYODIDE_VERSION}", f"axe-core@{AXE_VERSION}"],
                             capture_output=True, text=True, timeout=600)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return f"npm install failed: {exc}"
    return None if run.returncode == 0 else f"npm install failed: {(run.stderr or run.stdout).strip()[-200:]}"


@functools.lru_cache(maxsize=None)
def npm_files() -> tuple[Path | None, Path | None, str]:
    pyodide, axe = NPM_CACHE / "node_modules" / "pyodide", NPM_CACHE / "node_modules" / "axe-core" / "axe.min.js"
    why = ""
    if not (pub._pyodide_in(pyodide) and pub.pyodide_version(pyodide) == pub.PYODIDE_VERSION and axe.is_file()):
        why = _npm_install() or ""
    ok = pub._pyodide_in(pyodide) is not None and pub.pyodide_version(pyodide) == pub.PYODIDE_VERSION
    return (pyodide if ok else None), (axe if axe.is_file() else None), why


@pytest.fixture(scope="session")
def pyodide_dir():
    folder, _axe, why = npm_files()
    if folder is None:
        pytest.skip(f"Pyodide {pub.PYODIDE_VERSION}'s files are not in .cache/npm and could not be fetched ({why}); "
                    f".ci/run fetches them with npm")
    return folder


@pytest.fixture(scope="session")
def sites(tmp_path_factory, pyodide_dir):
    """Published folders, made once: {"tiny": path, "her": path}."""
    made = {}

    def get(name):
        if name not in made:
            out = tmp_path_factory.mktemp("site") / name
            story = TINY if name == "tiny" else ROOT / "story"
            result = run_cli("publish", str(story), "--out", str(out), "--pyodide", str(pyodide_dir))
            assert result.returncode == 0, result.stderr
            made[name] = out
        return made[name]
    return get


# -- a static server and a browser ------------------------------------------------------------
class Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture
def serve():
    servers = []

    def start(folder: Path) -> str:
        handler = functools.partial(Quiet, directory=str(folder))
        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        return f"http://127.0.0.1:{server.server_address[1]}/"
    yield start
    for server in servers:
        server.shutdown()
        server.server_close()


def _chromium() -> tuple[str | None, str | None, str]:
    try:
        import selenium  # noqa: F401
    except ImportError:
        return None, None, "selenium is not installed (pip install -e '.[test]')"
    browser = next((shutil.which(n) for n in ("chromium", "chromium-browser", "google-chrome") if shutil.which(n)), None)
    driver = shutil.which("chromedriver") or next((p for p in ("/usr/bin/chromedriver",
                                                               "/usr/lib/chromium/chromedriver") if os.path.exists(p)), None)
    if browser is None or driver is None:
        return None, None, ("Chromium and its driver are not installed (apt-get install chromium chromium-driver; "
                            ".ci/run does)")
    return browser, driver, ""


@pytest.fixture(scope="session")
def chrome(tmp_path_factory):
    browser, driver_path, why = _chromium()
    if browser is None:
        pytest.skip(why)
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    profile = tmp_path_factory.mktemp("chromium-profile")
    options = webdriver.ChromeOptions()
    options.binary_location = browser
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-dev-shm-usage",
                f"--user-data-dir={profile}", "--window-size=1024,800"):
        options.add_argument(arg)
    try:
        driver = webdriver.Chrome(service=Service(driver_path), options=options)
    except Exception as exc:  # noqa: BLE001 - a browser that will not start is a reason to skip
        pytest.skip(f"headless Chromium would not start: {str(exc).splitlines()[0][:200]}")
    driver.set_script_timeout(120)
    yield driver
    driver.quit()


class Page:
    """The published page in the browser, driven by keys the way a reader would."""

    def __init__(self, driver, url):
        self.d = driver
        self.url = url

    def open(self, timeout=90):
        self.d.get(self.url)
        return self.ready(timeout)

    def ready(self, timeout=90):
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            state = self.js("return document.body.dataset.state")
            if state not in (None, "loading"):
                return state
            time.sleep(0.05)
        raise AssertionError(f"the page did not load in {timeout}s: {self.text('main')[:300]}")

    def js(self, script, *args):
        return self.d.execute_script(script, *args)

    def text(self, element_id):
        return self.js("return document.getElementById(arguments[0]).innerText", element_id)

    @property
    def state(self):
        return self.js("return document.body.dataset.state")

    def engine_state(self):
        return self.js("return window.adventure.state()")

    def keys(self, *keys):
        from selenium.webdriver.common.action_chains import ActionChains

        ActionChains(self.d).send_keys(*keys).perform()

    def wait(self, condition, timeout=20, what="the page"):
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            value = condition()
            if value:
                return value
            time.sleep(0.02)
        raise AssertionError(f"timed out waiting for {what}; state {self.state!r}")

    def through_pacing(self, all_at_once=False):
        """Press Space (or a) until the choices or the ending show."""
        for _ in range(500):
            state = self.state
            if state in ("choosing", "ended", "stuck"):
                return state
            if state == "more":
                shown = self.js("return document.querySelectorAll('.turn:last-child .line').length")
                self.keys("a" if all_at_once else " ")
                self.wait(lambda: self.state != "more" or
                          self.js("return document.querySelectorAll('.turn:last-child .line').length") > shown,
                          what="the next paragraph")
            else:
                time.sleep(0.02)
        raise AssertionError("pacing never ended")

    def turn(self):
        """The text of the last turn: (chapter headings, paragraphs, letter paragraphs)."""
        return self.js("""
            const turn = document.querySelector('#story .turn:last-child');
            return [Array.from(turn.querySelectorAll('.chapter')).map(e => e.textContent),
                    Array.from(turn.querySelectorAll('.line')).map(e => e.textContent),
                    Array.from(turn.querySelectorAll('blockquote.block .line')).map(e => e.textContent)];""")

    def choose(self, number, by_arrows=False):
        """Take the choice numbered `number` (from 1) with its number key, or with the arrows and Enter."""
        shown = self.js("return document.body.dataset.shown")
        assert self.state == "choosing"
        if by_arrows:
            self.keys(*(["\ue011"] + ["\ue015"] * (number - 1) + ["\ue007"]))  # Home, Down..., Enter
        else:
            self.keys(str(number))
        self.wait(lambda: self.js("return document.body.dataset.shown") != shown, what="the next scene")


def numbers_for(story, route, start=0):
    """The choice numbers a reader presses for `route` (from step `start`)."""
    game = replay(story, route[:start])
    out = []
    for choice_id in route[start:]:
        out.append(next(o.index for o in game.choices if o.id == choice_id) + 1)
        game.choose(choice_id)
    return out


def plain_turns(story_dir, numbers):
    """What the plain player prints for these answers, as (chapters, paragraphs) per turn."""
    run = run_cli("--plain", "--no-save", "--story", str(story_dir),
                  input="".join(f"{n}\n" for n in numbers), env={"COLUMNS": "100"})
    assert run.returncode == 0, run.stderr
    segments = re.split(r"^> .*$", run.stdout, flags=re.M)[: len(numbers) + 1]
    chapters = {(f.upper()) for f in _chapters(story_dir)}
    turns = []
    for n, segment in enumerate(segments):
        if n == len(numbers):
            segment = segment.split("\nTHE END\n")[0]
        blocks = [b for b in re.split(r"\n\s*\n", segment.strip("\n")) if b.strip()]
        if n == 0:
            blocks = blocks[1:]  # the title
        if n < len(numbers):
            assert re.match(r"1\. ", blocks[-1]), blocks[-1]
            blocks = blocks[:-1]  # the numbered choices
        blocks = [b for b in blocks if b.strip() != "\u2500" * 12]  # the rules that set the letter apart
        heads = [b for b in blocks if b in chapters]
        paras = [" ".join(b.split()) for b in blocks if b not in chapters]
        turns.append((heads, paras))
    return turns


@functools.lru_cache(maxsize=None)
def _chapters(story_dir):
    story = adventure.open_story(story_dir)
    return frozenset(s.chapter for s in story.scenes.values() if s.chapter)


def same_turn(page_turn, plain_turn, reopened=False):
    """The page's last turn reads as the plain player's; a reopened game names its chapter again."""
    heads, paras, _letter = page_turn
    heads = [h.upper() for h in heads]
    if reopened and heads and not plain_turn[0]:
        heads = heads[1:]
    assert heads == plain_turn[0]
    assert [" ".join(p.split()) for p in paras] == plain_turn[1]


def download_dir(driver, folder: Path):
    driver.execute_cdp_cmd("Browser.setDownloadBehavior", {"behavior": "allow", "downloadPath": str(folder)})


def wait_for_file(path: Path, timeout=20):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if path.is_file() and path.stat().st_size > 0:
            time.sleep(0.2)
            return path
        time.sleep(0.05)
    raise AssertionError(f"{path.name} was not downloaded")


# -- the command, without a browser --------------------------------------------------------------
def test_publish_refuses_a_story_with_errors(tmp_path):
    broken = tmp_path / "broken"
    shutil.copytree(TINY, broken)
    (broken / "01-shore.yaml").write_text((TINY / "01-shore.yaml").read_text().replace("goto: dawn", "goto: nowhere"))
    out = tmp_path / "site"
    result = run_cli("publish", str(broken), "--out", str(out), "--pyodide", str(tmp_path))
    assert result.returncode == 1
    assert "nowhere" in result.stderr and "E0" in result.stderr and "cannot be played" in result.stderr
    assert not out.exists()


def test_publish_says_in_one_line_what_it_needs(tmp_path):
    """No --pyodide, an empty cache and no npm: one line naming the package, its version and the way out."""
    bare_path = tmp_path / "bin"
    bare_path.mkdir()
    result = run_cli("publish", str(TINY), "--out", str(tmp_path / "site"),
                     env={"XDG_CACHE_HOME": str(tmp_path / "cache"), "PATH": str(bare_path)})
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert f"pyodide@{pub.PYODIDE_VERSION}" in lines[0] and "--pyodide DIR" in lines[0] and "npm" in lines[0]
    assert not (tmp_path / "site").exists()


def test_publish_refuses_pyodide_of_another_version(tmp_path):
    fake = tmp_path / "pyodide"
    fake.mkdir()
    for name in pub.PYODIDE_FILES:
        (fake / name).write_text("x")
    (fake / "package.json").write_text('{"version": "0.1.0"}')
    result = run_cli("publish", str(TINY), "--out", str(tmp_path / "site"), "--pyodide", str(fake))
    assert result.returncode == 1 and "0.1.0" in result.stderr and pub.PYODIDE_VERSION in result.stderr


def test_publish_will_not_write_into_a_folder_of_other_things(tmp_path):
    out = tmp_path / "site"
    out.mkdir()
    (out / "thesis.txt").write_text("precious")
    with pytest.raises(pub.PublishError, match="not empty"):
        pub.publish(TINY, out, pyodide=tmp_path / "nowhere")
    assert (out / "thesis.txt").read_text() == "precious"


def test_the_page_ships_only_the_pure_core():
    files = pub.core_files()
    names = set(files)
    assert {"adventure/core/engine.py", "adventure/core/model.py", "adventure/core/snapshot.py",
            "adventure/core/expr.py", "adventure/core/errors.py", "adventure/core/walk.py", "bridge.py"} <= names
    assert not any(n.endswith(("compiler.py", "build.py", "syntax.py", "checks.py", "explore.py")) for n in names)
    for name, source in files.items():
        assert not re.search(r"^\s*(import|from)\s+(yaml|prompt_toolkit)\b", source, re.M), name
    # the shim stands in for the real package __init__, which imports the builder (and PyYAML)
    assert "import" not in files["adventure/__init__.py"]


def test_a_core_module_that_imports_yaml_is_refused(monkeypatch):
    monkeypatch.setattr(pub, "ENTRY", ("engine", "compiler"))
    with pytest.raises(pub.PublishError, match="yaml"):
        pub.core_files()


def test_speakers_colours_are_readable_in_light_and_dark():
    story = adventure.open_story(ROOT / "story")
    css, classes = pub.speaker_css(dict(story.speakers))
    assert set(classes) == set(story.speakers)
    colours = re.findall(r"color: (#[0-9a-f]{6})", css)
    assert len(colours) == 2 * len(story.speakers)
    light, dark = colours[: len(colours) // 2], colours[len(colours) // 2:]
    for scheme, found in (("light", light), ("dark", dark)):
        for colour in found:
            for background in pub.BACKGROUNDS[scheme]:
                assert pub.contrast(pub._rgb(colour), pub._rgb(background)) >= 4.5, (scheme, colour)
    assert "font-style: italic" in css  # Theodore's thoughts


def test_the_bridge_plays_and_saves_without_yaml_in_a_separate_python(tmp_path):
    """The shipped files alone (no PyYAML, no prompt_toolkit) play a route and write the terminal's save file."""
    compiled, blocks = pub.compile_story(TINY)
    lib = tmp_path / "lib"
    for path, source in pub.core_files().items():
        (lib / path).parent.mkdir(parents=True, exist_ok=True)
        (lib / path).write_text(source)
    (tmp_path / "story.json").write_text(json.dumps({"compiled": compiled, "blocks": blocks}))
    script = f"""
import sys, json
class Block:
    def find_spec(self, name, path=None, target=None):
        if name.split('.')[0] in ('yaml', 'prompt_toolkit'):
            raise ImportError('not in the browser: ' + name)
sys.meta_path.insert(0, Block())
sys.path.insert(0, {str(lib)!r})
import bridge
bridge.boot(open({str(tmp_path / 'story.json')!r}).read())
route = {TINY_ROUTE!r}
for choice in route:
    view = json.loads(bridge.call('view'))['ok']
    index = next(c['index'] for c in view['choices'] if c['id'] == choice)
    assert 'ok' in json.loads(bridge.call('choose', json.dumps([index])))
print(json.loads(bridge.call('save_text', '[42.0]'))['ok'])
assert 'yaml' not in sys.modules and 'prompt_toolkit' not in sys.modules
"""
    run = subprocess.run([sys.executable, "-I", "-c", script], capture_output=True, text=True, timeout=60)
    assert run.returncode == 0, run.stderr
    story = adventure.open_story(TINY)
    saves = tmp_path / "saves" / "tiny"
    saves.mkdir(parents=True)
    (saves / "web.save.json").write_text(run.stdout)
    loaded = SaveStore(tmp_path / "saves", story.id).load("web", story)
    assert core_state(loaded.game) == core_state(replay(story, TINY_ROUTE))
    assert loaded.play_seconds == 42.0 and loaded.note is None


def test_the_bridge_loads_a_terminal_save_and_refuses_a_stranger(tmp_path):
    from adventure.web import bridge

    story = adventure.open_story(TINY)
    store = SaveStore(tmp_path, story.id)
    path = store.save("term", replay(story, TINY_ROUTE[:3]), 12.5)
    compiled, blocks = pub.compile_story(TINY)
    bridge.boot(json.dumps({"compiled": compiled, "blocks": blocks}))
    reply = json.loads(bridge.call("load", json.dumps([path.read_text()])))["ok"]
    assert reply["play_seconds"] == 12.5 and reply["note"] is None
    assert json.loads(bridge.call("state"))["ok"]["route"] == TINY_ROUTE[:3]
    other = json.loads(path.read_text())
    other["meta"]["story_id"] = "someone-else"
    assert "another story" in json.loads(bridge.call("load", json.dumps([json.dumps(other)])))["error"]
    assert "not a save" in json.loads(bridge.call("load", json.dumps(["{\"format\": 2}"])))["error"]
    assert "not JSON" in json.loads(bridge.call("load", json.dumps(["NaN"])))["error"]


def test_the_letter_is_known_as_a_block():
    _compiled, blocks = pub.compile_story(ROOT / "story")
    assert "letter" in blocks and ["Dear Catherine,"] in blocks["letter"]


# -- in the browser ------------------------------------------------------------------------------
def test_tiny_story_in_the_browser_by_keyboard_with_reload_and_plain_text(chrome, sites, serve):
    site = sites("tiny")
    story = adventure.open_story(TINY)
    page = Page(chrome, serve(site))
    assert page.open() in ("choosing", "more")
    numbers = numbers_for(story, TINY_ROUTE)
    plain = plain_turns(TINY, numbers)
    page.through_pacing()
    same_turn(page.turn(), plain[0])
    for step, number in enumerate(numbers):
        if step == 2:  # reload mid-way: the autosave brings the reader back where they were
            before = page.engine_state()
            chrome.refresh()
            page.ready()
            assert page.engine_state() == before
            assert "Welcome back" in page.text("story")
            page.through_pacing()
            same_turn(page.turn(), plain[step], reopened=True)
        page.choose(number, by_arrows=step % 2 == 1)
        page.through_pacing()
        same_turn(page.turn(), plain[step + 1])
    assert page.state == "ended"
    assert page.engine_state() == core_state(replay(story, TINY_ROUTE))
    assert "THE END" in page.text("ending").upper() and f"{len(TINY_ROUTE)} choices" in page.text("ending")
    # the speaker's voice has its class, and the choice taken is in the log
    assert page.js("return document.querySelectorAll('.line.sp-0').length") >= 1
    # undo by key, then the choices are offered again
    page.keys("u")
    page.wait(lambda: page.state in ("choosing", "more"), what="undo")
    assert page.engine_state()["route"] == TINY_ROUTE[:-1]
    # a named slot: saved from the saves window, then loaded back from its list after another undo
    page.keys("s")
    page.wait(lambda: page.js("return document.getElementById('d-saves').open"), what="the saves window")
    box = chrome.find_element("id", "i-save-name")
    box.clear()
    box.send_keys("nearly", "\n")
    page.wait(lambda: "Saved as nearly" in page.text("saves-msg"), what="the save")
    chrome.find_element("css selector", "dialog[open] form[method=dialog] button").click()
    page.keys("u")
    page.wait(lambda: page.engine_state()["route"] == TINY_ROUTE[:-2], what="a second undo")
    page.keys("s")
    page.wait(lambda: page.js("return document.getElementById('d-saves').open"), what="the saves window")
    chrome.find_element("css selector", "button[aria-label='Load nearly']").click()
    page.wait(lambda: page.engine_state()["route"] == TINY_ROUTE[:-1], what="the slot to load")
    # history lists the road so far
    chrome.find_element("id", "b-history").click()
    assert "The lamp room" in page.text("history")


def test_her_in_the_browser_to_the_end_with_saves_both_ways(chrome, sites, serve, tmp_path):
    """Her, from a static server: the open route by keyboard, a reload mid-way, the page's text equal
    to the plain player's, the letter set apart, and saves that move between browser and terminal."""
    site = sites("her")
    size = pub.folder_size(site)
    assert size < 15_000_000, size
    story = adventure.open_story(ROOT / "story")
    route = read_route(ROUTES / "lover.route")
    numbers = numbers_for(story, route)
    plain = plain_turns(ROOT / "story", numbers)
    page = Page(chrome, serve(site))
    page.open()
    page.through_pacing(all_at_once=True)
    same_turn(page.turn(), plain[0])
    half = len(numbers) // 2
    letters = []
    for step, number in enumerate(numbers):
        if step == half:
            chrome.refresh()
            page.ready()
            assert page.engine_state()["route"] == route[:half]
            page.through_pacing(all_at_once=True)
            same_turn(page.turn(), plain[step], reopened=True)
        page.choose(number, by_arrows=step % 7 == 3)
        page.through_pacing(all_at_once=True)
        turn = page.turn()
        same_turn(turn, plain[step + 1])
        if turn[2]:
            letters.append(turn[2])
    assert page.state == "ended"
    expected = replay(story, route)
    assert page.engine_state() == core_state(expected)
    # the letter is set apart, as a letter
    assert len(letters) == 1 and letters[0][0] == "Dear Catherine,"   # shown once, while he reads it
    # download the save, and load it with the terminal's own save store
    downloads = tmp_path / "downloads"
    downloads.mkdir()
    download_dir(chrome, downloads)
    page.keys("s")
    page.wait(lambda: page.js("return document.getElementById('d-saves').open"), what="the saves window")
    name_box = chrome.find_element("id", "i-save-name")
    name_box.clear()
    name_box.send_keys("fromweb")
    chrome.find_element("id", "b-download").click()
    saved = wait_for_file(downloads / "fromweb.save.json")
    record = json.loads(saved.read_text())
    assert record["format"] == 2 and set(record) == {"format", "meta", "game"}
    game, note = adventure.restore(story, record["game"])
    assert note is None and core_state(game) == core_state(expected)
    terminal = tmp_path / "saves" / "her"
    terminal.mkdir(parents=True)
    shutil.copy(saved, terminal / "fromweb.save.json")
    loaded = SaveStore(tmp_path / "saves", story.id).load("fromweb", story)
    assert core_state(loaded.game) == core_state(expected) and loaded.game.ended
    # and the terminal player opens it too
    run = run_cli("--plain", "--saves", str(tmp_path / "saves"), "--load", "fromweb", input="2\n")
    assert run.returncode == 0 and "THE END" in run.stdout, run.stdout[-500:]
    # a save the terminal made (part-way) loads in the page, through the file picker
    store = SaveStore(tmp_path / "saves", story.id)
    store.save("term", replay(story, route[:40]), 600.0)
    chrome.find_element("id", "i-file").send_keys(str(tmp_path / "saves" / "her" / "term.save.json"))
    page.wait(lambda: page.engine_state()["route"] == route[:40], what="the terminal's save to load")
    assert page.js("return document.getElementById('d-saves').open") is False
    assert "Loaded term.save.json" in page.text("story")
    # the named slot and the autosave are both in localStorage, as the terminal's files
    slots = page.js("return Object.keys(localStorage).filter(k => k.startsWith('adventure:her:save:'))")
    assert "adventure:her:save:autosave" in slots
    timings = page.js("return window.adventure.timings")
    assert timings["choices"] and max(timings["choices"]) < 2000


def test_accessibility_has_no_serious_violations(chrome, sites, serve):
    _pyodide, axe, why = npm_files()
    if axe is None:
        pytest.skip(f"axe-core is not in .cache/npm and could not be fetched ({why})")
    page = Page(chrome, serve(sites("tiny")))
    page.open()
    source = axe.read_text(encoding="utf-8")
    found = []

    def check(label):
        # new text fades in; judge the colours once it has
        page.wait(lambda: page.js("return document.getAnimations().length === 0"), what="animations to end")
        page.js(source)
        result = chrome.execute_async_script(
            "const done = arguments[arguments.length - 1];"
            "axe.run(document, {resultTypes: ['violations']}).then(r => done(r.violations.map("
            "v => ({id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map(n => n.target.join(' '))}))))"
            ".catch(e => done([{id: 'axe-error', impact: 'critical', help: String(e), nodes: []}]));")
        found.extend((label, v) for v in result if v["impact"] in ("serious", "critical"))

    page.through_pacing()
    check("choosing (light)")
    chrome.execute_cdp_cmd("Emulation.setEmulatedMedia", {"features": [{"name": "prefers-color-scheme",
                                                                         "value": "dark"}]})
    check("choosing (dark)")
    page.keys("s")
    page.wait(lambda: page.js("return document.getElementById('d-saves').open"), what="the saves window")
    check("saves window")
    chrome.execute_cdp_cmd("Emulation.setEmulatedMedia", {"features": []})
    assert not found, json.dumps(found, indent=1)


def test_keyboard_focus_is_visible_and_the_layout_fits_320px_and_4k(chrome, sites, serve):
    page = Page(chrome, serve(sites("tiny")))
    page.open()
    page.through_pacing()
    # the choices are offered, and "more" is gone
    assert page.js("return getComputedStyle(document.getElementById('more-box')).display") == "none"
    # the first choice has the focus, drawn with an outline
    assert page.js("return document.activeElement.classList.contains('choice')")
    page.keys("\ue015")  # Down: focus moves, keyboard-visible
    outline = page.js("return getComputedStyle(document.activeElement).outlineStyle")
    assert outline not in ("none", "")
    for width, height in ((320, 640), (3840, 2160)):
        chrome.execute_cdp_cmd("Emulation.setDeviceMetricsOverride",
                               {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": width < 500})
        try:
            overflow = page.js("return document.documentElement.scrollWidth - window.innerWidth")
            assert overflow <= 0, (width, overflow)
            size = page.js("return parseFloat(getComputedStyle(document.querySelector('.line')).fontSize)")
            assert size >= 16, (width, size)
        finally:
            chrome.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})
    # reduced motion: no animation on new text
    chrome.execute_cdp_cmd("Emulation.setEmulatedMedia", {"features": [{"name": "prefers-reduced-motion",
                                                                         "value": "reduce"}]})
    try:
        chrome.refresh()
        page.ready()
        assert page.js("return getComputedStyle(document.querySelector('.line')).animationName") == "none"
    finally:
        chrome.execute_cdp_cmd("Emulation.setEmulatedMedia", {"features": []})


def test_a_browser_without_webassembly_is_told_so(chrome, sites, serve):
    page = Page(chrome, serve(sites("tiny")))
    script = chrome.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument",
                                    {"source": "delete window.WebAssembly;"})
    try:
        assert page.open(timeout=20) == "error"
        assert "WebAssembly" in page.text("problem")
    finally:
        chrome.execute_cdp_cmd("Page.removeScriptToEvaluateOnNewDocument", {"identifier": script["identifier"]})


def test_the_page_loads_nothing_from_outside_its_folder(sites):
    site = sites("tiny")
    for name in ("index.html", "player.js", "player.css"):
        text = (site / name).read_text()
        assert not re.search(r"(src|href)=\"(https?:)?//", text), name
        assert "cdn.jsdelivr" not in text
    listing = sorted(p.relative_to(site).as_posix() for p in site.rglob("*") if p.is_file())
    assert listing == sorted(["index.html", "player.js", "player.css", "story.css", "story.json", "engine.json"]
                             + [f"pyodide/{n}" for n in pub.PYODIDE_FILES])


def test_a_save_from_before_the_story_was_republished_loads_by_replay(tmp_path):
    from adventure.web import bridge

    old = adventure.open_story(TINY)
    text = SaveStore(tmp_path, old.id).save("old", replay(old, TINY_ROUTE[:3]), 5.0).read_text()
    edited = tmp_path / "edited"
    shutil.copytree(TINY, edited)
    (edited / "01-shore.yaml").write_text((TINY / "01-shore.yaml").read_text().replace("The lamp is cold.",
                                                                                       "The lamp is cold as iron."))
    compiled, blocks = pub.compile_story(edited)
    bridge.boot(json.dumps({"compiled": compiled, "blocks": blocks}))
    reply = json.loads(bridge.call("load", json.dumps([text])))["ok"]
    assert reply["note"] and "replayed" in reply["note"]
    assert json.loads(bridge.call("state"))["ok"]["route"] == TINY_ROUTE[:3]


def test_publish_fetches_the_pinned_pyodide_with_npm_and_checks_it(tmp_path):
    if shutil.which("npm") is None:
        pytest.skip("npm is not installed")
    try:
        found = pub.find_pyodide(None, cache=tmp_path / "cache")
    except pub.PublishError as exc:
        pytest.skip(f"npm could not fetch the package here: {exc}")
    assert found == tmp_path / "cache" and pub.pyodide_version(found) == pub.PYODIDE_VERSION
    assert sorted(p.name for p in found.iterdir()) == sorted(pub.PYODIDE_FILES + ("package.json",))
    assert pub.find_pyodide(None, cache=found, npm=None) == found  # the cache is used without npm


def test_a_save_from_the_page_is_the_terminals(tmp_path):
    """Same game, same play time, same moment: the page's save file and the terminal's hold
    the same record, at the end of the story too (where `ended` marks it in the saves list)."""
    from adventure.web import bridge

    story = adventure.open_story(TINY)
    compiled, blocks = pub.compile_story(TINY)
    for steps in (2, len(TINY_ROUTE)):
        game = replay(story, TINY_ROUTE[:steps])
        path = SaveStore(tmp_path, story.id).save(f"at{steps}", game, 30.0)
        terminal = json.loads(path.read_text())
        bridge.boot(json.dumps({"compiled": compiled, "blocks": blocks}))
        bridge.call("load", json.dumps([path.read_text()]))
        page = json.loads(json.loads(bridge.call("save_text", json.dumps([30.0, terminal["meta"]["saved_at"]])))["ok"])
        assert page == terminal
        assert page["meta"]["ended"] is (steps == len(TINY_ROUTE))
