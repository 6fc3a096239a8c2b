"""The game in a real terminal: tmux runs `adventure`, sends keys, and reads the screen."""
import json
import re
import shlex
import shutil
import subprocess
import sys
import time
import uuid

import pytest

from conftest import ROOT

sys.path.insert(0, str(ROOT / "tests" / "bench"))

TMUX = shutil.which("tmux")
pytestmark = pytest.mark.skipif(TMUX is None, reason="tmux is not installed (CI installs it with apt-get)")


class Pane:
    def __init__(self, tmp_path, width=100, height=40, env=None, args=(), exec_game=False):
        self.socket = f"adv-{uuid.uuid4().hex[:8]}"
        self.saves = tmp_path / "saves"
        self.done = tmp_path / "exit-status"
        self.pidfile, self.errors = tmp_path / "game.pid", tmp_path / "game.stderr"
        env = {"ADVENTURE_SAVES": str(self.saves), "ADVENTURE_CACHE": "off", "TERM": "xterm-256color",
               "ADVENTURE_KEY_GUARD": "0",
               "LANG": "C.UTF-8", **(env or {})}
        exports = " ".join(f"{k}={shlex.quote(str(v))}" for k, v in env.items())
        go = tmp_path / f"go-{self.socket}"
        # The game starts only once the window has its final size, so nothing is drawn
        # at a size tmux later reflows.
        command = (f"while [ ! -e {go} ]; do sleep 0.05; done; "
                   f"cd {ROOT} && env {exports} {sys.executable} -m adventure {' '.join(map(str, args))}; "
                   f"echo $? > {self.done}; sleep 30")
        if exec_game:  # the game is the pane's process itself: its pid is known and its errors kept
            command = (f"while [ ! -e {go} ]; do sleep 0.05; done; cd {ROOT} && echo $$ > {self.pidfile} && "
                       f"exec env {exports} {sys.executable} -m adventure {' '.join(map(str, args))} "
                       f"2> {self.errors}")
        self.tmux("new-session", "-d", "-s", "game", "-x", str(width), "-y", str(height), command)
        self.tmux("set-option", "-t", "game", "window-size", "manual")
        self.tmux("resize-window", "-t", "game", "-x", str(width), "-y", str(height))
        go.touch()

    def tmux(self, *args):
        return subprocess.run([TMUX, "-L", self.socket, *args], capture_output=True, text=True, check=False)

    def keys(self, *keys):
        self.tmux("send-keys", "-t", "game", *keys)

    def screen(self, escapes=False):
        args = ["capture-pane", "-p", "-t", "game", "-S", "-200"] + (["-e"] if escapes else [])
        return self.tmux(*args).stdout

    def wait(self, pattern, timeout=15):
        deadline = time.time() + timeout
        while time.time() < deadline:
            text = self.screen()
            if re.search(pattern, text):
                return text
            time.sleep(0.1)
        raise AssertionError(f"{pattern!r} never appeared; the screen:\n{self.screen()}")

    def menus(self):
        return self.screen().count("What do you do?")

    def through_pacing(self, before=0, timeout=15):
        """Read on (press a) past any 'Enter for more' until a new menu shows at the bottom.

        `before` is how many menus the screen held before the last key, so an old
        menu still in view is not mistaken for the new one.
        """
        deadline = time.time() + timeout
        while time.time() < deadline:
            text = self.screen()
            lines = [l for l in text.splitlines() if l.strip()]
            if any("Enter for more" in l for l in lines[-2:]):
                self.keys("a")
            elif text.count("What do you do?") > before and any("What do you do?" in l for l in lines[-8:]):
                return text
            time.sleep(0.15)
        raise AssertionError(f"no new menu appeared; the screen:\n{self.screen()}")

    def exit_status(self, timeout=10):
        deadline = time.time() + timeout
        while time.time() < deadline:
            if self.done.exists() and self.done.read_text().strip():
                return int(self.done.read_text())
            time.sleep(0.1)
        raise AssertionError("the game did not exit")

    def close(self):
        self.tmux("kill-server")


@pytest.fixture
def pane_factory(tmp_path):
    panes = []

    def make(**kw):
        pane = Pane(tmp_path, **kw)
        panes.append(pane)
        return pane
    yield make
    for pane in panes:
        pane.close()


def route_in(pane, slot="autosave"):
    return json.loads((pane.saves / "her" / f"{slot}.save.json").read_text())["game"]["route"].split()


def test_play_save_undo_and_ctrl_c_in_a_real_terminal(pane_factory):
    pane = pane_factory(width=100)
    title = pane.wait("New game")
    assert "H  E  R" in title and "Quit" in title
    highlighted = [l for l in pane.screen(escapes=True).splitlines() if "New game" in l][0]
    assert re.search(r"\x1b\[(?:[0-9;]*;)?1m", highlighted) and ">" in highlighted  # marked and bold
    pane.keys("Enter")
    pane.wait("I. The Office")
    screen = pane.through_pacing()
    assert "You have loved Chris for fifty years." in screen
    story_lines = [l for l in screen.splitlines() if l.strip() and not l.startswith(" ")]
    assert max(len(l) for l in story_lines) <= 88                # wrapped to the text width
    assert "s save" in screen and "u undo" in screen             # the status line
    pane.keys("Down")
    time.sleep(0.3)
    selected = [l for l in pane.screen(escapes=True).splitlines() if ">" in l and "small" in l]
    assert selected, "the arrow key moved the highlight to the second choice"
    seen = pane.menus()
    pane.keys("Enter")
    pane.through_pacing(seen)
    assert route_in(pane) == ["office_small"]
    pane.keys("s")
    pane.wait("Saved as quick")
    assert route_in(pane, "quick") == ["office_small"]
    seen = pane.menus()
    pane.keys("u")
    pane.wait("You take that back.")
    pane.through_pacing(seen)
    seen = pane.menus()
    pane.keys("3")                                                 # a number key chooses at once
    pane.through_pacing(seen)
    assert route_in(pane) == ["office_hard"]
    pane.keys("C-c")
    pane.wait("Goodbye")
    assert pane.exit_status() == 0
    assert route_in(pane) == ["office_hard"]


@pytest.mark.parametrize("width", [40, 200])
def test_narrow_and_wide_terminals_wrap(pane_factory, width):
    pane = pane_factory(width=width, args=("--no-save",))
    pane.wait("New game")
    pane.keys("Enter")
    screen = pane.through_pacing()
    lines = [l for l in screen.splitlines() if l.strip()]
    assert max(len(l.rstrip()) for l in lines) <= min(width, 100)
    prose = [l for l in lines if "fifty years" in l]
    assert prose and all(len(l.rstrip()) <= (width - 1 if width < 88 else 88) for l in prose)


def test_resize_mid_scene_keeps_the_menu_working(pane_factory):
    pane = pane_factory(width=100)
    pane.wait("New game")
    pane.keys("Enter")
    pane.through_pacing()
    pane.tmux("resize-window", "-t", "game", "-x", "50", "-y", "30")
    time.sleep(0.5)
    seen = pane.menus()
    pane.keys("Down", "Enter")
    pane.through_pacing(seen)
    assert route_in(pane) == ["office_small"]
    pane.tmux("resize-window", "-t", "game", "-x", "120", "-y", "40")
    pane.keys("q")
    pane.wait("Goodbye")
    assert pane.exit_status() == 0


def test_no_color_is_honoured(pane_factory):
    pane = pane_factory(env={"NO_COLOR": "1"}, args=("--no-save",))
    pane.wait("New game")
    pane.keys("Enter")
    pane.through_pacing()
    screen = pane.screen(escapes=True)
    said = [l for l in screen.splitlines() if "To my Chris" in l]
    assert said and not any("\x1b[38" in l for l in said)


def test_color_is_used_without_no_color(pane_factory):
    pane = pane_factory(args=("--no-save",))
    pane.wait("New game")
    pane.keys("Enter")
    pane.through_pacing()
    said = [l for l in pane.screen(escapes=True).splitlines() if "To my Chris" in l]
    assert said and any("\x1b[38" in l for l in said)


@pytest.mark.parametrize("env", [{"TERM": "dumb"},
                                 {"LANG": "C", "LC_ALL": "C", "PYTHONCOERCECLOCALE": "0", "PYTHONUTF8": "0"}])
def test_dumb_terminal_and_non_utf8_locale_fall_back_to_plain(pane_factory, env):
    pane = pane_factory(env=env, args=("--no-save",))
    screen = pane.wait(r"3\. Start with the hard year\.\s*\n>")
    assert "1. Start with the day they met." in screen and "Traceback" not in screen
    pane.keys("2", "Enter")
    pane.wait("coffee")
    pane.keys("C-d")
    pane.wait("Goodbye")
    assert pane.exit_status() == 0


def test_explore_shows_a_progress_bar_in_a_terminal(pane_factory, tmp_path):
    import gen  # the benchmark's story generator: a story big enough to take a few seconds
    folder = tmp_path / "big"
    gen.write_yaml(gen.build(300), folder)
    pane = pane_factory(args=("explore", folder, "--max-states", "250000"))
    screen = pane.wait(r"states[^\n]*\d", timeout=20)  # the counter, drawn while the search runs
    assert "Exploring" in screen
    pane.wait(r"bound reached|every ending reachable|PROBLEMS", timeout=120)


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as handle:
            return handle.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def test_closing_the_pane_mid_game_saves_the_game_as_it_is(pane_factory):
    """Losing the terminal is a way to leave: the autosave holds the game as it was at that
    moment (here: after an undo, which is not saved by itself), and nothing is printed."""
    pane = pane_factory(width=100, exec_game=True)
    pane.wait("New game")
    pane.keys("Enter")
    pane.through_pacing()
    seen = pane.menus()
    pane.keys("Down", "Enter")
    pane.through_pacing(seen)
    assert route_in(pane) == ["office_small"]
    seen = pane.menus()
    pane.keys("u")
    pane.wait("You take that back.")
    pane.through_pacing(seen)
    assert route_in(pane) == ["office_small"]           # an undo alone does not save
    pid = int(pane.pidfile.read_text())
    pane.tmux("kill-pane", "-t", "game")
    deadline = time.time() + 15
    while _alive(pid) and time.time() < deadline:
        time.sleep(0.1)
    assert not _alive(pid), "the game kept running after its terminal closed"
    assert route_in(pane) == []                          # saved on the way out, as it was
    assert pane.errors.read_text() == ""                 # no traceback, no termios.error
    folder = pane.saves / "her"
    assert sorted(p.name for p in folder.iterdir() if p.name.endswith(".tmp")) == []
