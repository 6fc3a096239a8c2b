"""Issue 15 in a real terminal (tmux): keys while paging, undo without re-paging, typed-ahead
Enter, the number-key marker, widths, colours and themes, and the autosave never going back."""
import json
import re
import time

import pytest

from test_terminal import TMUX, Pane, pane_factory, route_in  # noqa: F401 - the harness and its fixture

pytestmark = pytest.mark.skipif(TMUX is None, reason="tmux is not installed (CI installs it with apt-get)")


def bottom(pane, n=3):
    return [l for l in pane.screen().splitlines() if l.strip()][-n:]


def settle(pane, seconds=0.6):
    time.sleep(seconds)  # only to let the screen catch up; nothing asserts on time
    return pane.screen()


def second_opening_then_quit(pane):
    """A new game, its second opening taken, and quit: an autosave to come back to."""
    new_game(pane)
    pane.through_pacing()
    seen = pane.menus()
    pane.keys("2")
    pane.through_pacing(seen)
    pane.keys("q")
    pane.wait("Goodbye")


def new_game(pane):
    pane.wait("New game")
    pane.keys("Enter")
    pane.wait("I. The Office")


def test_keys_work_while_text_is_paging_and_the_status_line_stays(pane_factory):
    pane = pane_factory(width=80, height=16)
    new_game(pane)
    pane.wait("Enter for more")
    last = bottom(pane, 2)
    assert "Enter for more" in last[0] and "I. The Office" in last[1] and "q quit" in last[1]
    pane.keys("s")
    pane.wait("Saved as quick")
    assert "Enter for more" in bottom(pane, 2)[0]              # still paging
    assert route_in(pane, "quick") == []
    pane.keys("h")
    pane.wait("Press : to type a command")
    pane.wait("Enter for more")
    pane.keys("q")
    pane.wait("Goodbye")
    assert pane.exit_status() == 0


def test_undo_while_paging_and_undo_at_the_menu_go_straight_back(pane_factory):
    pane = pane_factory(width=100, height=40)
    new_game(pane)
    pane.through_pacing()
    seen = pane.menus()
    pane.keys("2")
    pane.through_pacing(seen)
    pane.keys("u")
    screen = pane.wait("You take that back")
    screen = settle(pane)
    assert "Enter for more" not in "\n".join(bottom(pane, 4))
    assert screen.count("You have loved Chris for fifty years.") == 1   # not paged again
    menu = screen.split("You take that back")[-1]
    assert re.search(r"> 2\. Start with something small he still does\.", menu)  # the choice taken, first
    pane.keys("Enter")
    pane.through_pacing(pane.menus())
    assert route_in(pane) == ["office_small"]


def test_a_key_typed_before_the_menu_shows_does_not_choose(pane_factory):
    pane = pane_factory(width=80, height=16, env={"ADVENTURE_KEY_GUARD": "250"})
    new_game(pane)
    pane.wait("Enter for more")
    pane.keys("a", "Enter")                 # the rest of the scene, and one Enter too many
    pane.wait("What do you do")
    settle(pane, 1.0)
    assert not (pane.saves / "her" / "autosave.save.json").exists()  # nothing was chosen
    assert "What do you do" in "\n".join(bottom(pane, 6))
    pane.keys("Enter")
    deadline = time.time() + 10
    while not (pane.saves / "her" / "autosave.save.json").exists() and time.time() < deadline:
        time.sleep(0.1)
    assert route_in(pane) == ["office_met"]


def test_the_number_key_marker_shows_the_option_chosen(pane_factory):
    pane = pane_factory(width=100, args=("--no-save",))
    pane.wait("New game")
    pane.keys("2")                          # Settings, by its number
    pane.wait("Pacing")
    assert re.search(r"> 2\. Settings", pane.screen())
    pane.keys("Escape")
    pane.keys("1")
    pane.wait("I. The Office")
    pane.through_pacing()
    seen = pane.menus()
    pane.keys("3")
    pane.through_pacing(seen)
    record = pane.screen()
    assert re.search(r"> 3\. Start with the hard year\.", record)
    assert not re.search(r"> 1\. Start with the day they met\.", record)


@pytest.mark.parametrize("width", [40, 50, 80, 200])
def test_screens_fit_every_width(pane_factory, width):
    pane = pane_factory(width=width, height=40, args=("--no-save",))
    title = pane.wait("New game")
    subtitle = [l for l in title.splitlines() if "Spike" in l or "A story in" in l]
    assert all(len(l.rstrip()) <= width for l in subtitle) and subtitle[0].startswith(" ")
    pane.keys("Enter")
    screen = pane.through_pacing()
    lines = [l.rstrip() for l in screen.splitlines() if l.strip()]
    assert max(len(l) for l in lines) <= width - 1 or width == 200
    status = lines[-1]
    assert "I. The Office" in status and len(status) <= width - 1
    assert ("q quit" in status) == (width >= 80)
    menu = screen.split("What do you do?")[-1].splitlines()[1:-1]
    menu = [l for l in menu if l.strip() and "I. The Office" not in l]
    for line in menu:                        # a wrapped label continues under its text
        assert re.match(r"  [> ] \d\. \S", line) or re.match(r" {7}\S", line), line


def _colours(text):
    return re.findall(r"\x1b\[[0-9;]*(?:38|48);[0-9;]*m", text)


@pytest.mark.parametrize("how", ["NO_COLOR", "setting"])
def test_colours_off_means_no_colour_anywhere(pane_factory, tmp_path, how):
    env = {"NO_COLOR": "1"} if how == "NO_COLOR" else {}
    pane = pane_factory(width=100, height=30, env=env)
    if how == "setting":
        pane.saves.mkdir(parents=True, exist_ok=True)
        (pane.saves / "settings.json").write_text(json.dumps({"color": False}))
    new_game(pane)
    pane.wait("Enter for more")
    assert _colours(pane.screen(escapes=True)) == []           # text and the status bar while paging
    pane.keys("a")
    pane.wait("What do you do")
    pane.keys(":")
    pane.wait(r"^: ", timeout=5) if False else settle(pane)
    assert _colours(pane.screen(escapes=True)) == []           # menu, status bar, the : prompt
    pane.keys("settings", "Enter")
    screen = pane.wait("Colours:")
    expected = "Colours: off (NO_COLOR is set)" if how == "NO_COLOR" else "Colours: off"
    assert expected in screen


def _rgb(code):
    """The colour of an SGR foreground code (256-colour or true colour)."""
    parts = [int(p) for p in code[2:-1].split(";") if p]
    i = parts.index(38)
    if parts[i + 1] == 2:
        return tuple(parts[i + 2:i + 5])
    n = parts[i + 2]
    if n >= 232:
        v = 8 + 10 * (n - 232)
        return (v, v, v)
    n -= 16
    steps = [0, 95, 135, 175, 215, 255]
    return (steps[n // 36], steps[n // 6 % 6], steps[n % 6])


def _luminance(rgb):
    def channel(c):
        c /= 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4
    r, g, b = rgb
    return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b)


def _theodore_colour(pane):
    line = [l for l in pane.screen(escapes=True).splitlines() if "To my Chris" in l][0]
    return _rgb(re.findall(r"\x1b\[[0-9;]*38;[0-9;]*m", line)[0])


def test_a_light_theme_from_colorfgbg_reads_on_white(pane_factory):
    dark = pane_factory(width=100, args=("--no-save",))
    new_game(dark)
    dark.through_pacing()
    light = pane_factory(width=100, args=("--no-save",), env={"COLORFGBG": "0;15"})
    new_game(light)
    light.through_pacing()
    on_white = lambda rgb: 1.05 / (_luminance(rgb) + 0.05)  # noqa: E731
    assert on_white(_theodore_colour(dark)) < 2             # the dark theme's grey: about 1.5:1 on white
    assert on_white(_theodore_colour(light)) >= 4.5          # the light theme's: readable


def test_new_game_and_ctrl_c_keep_the_autosave(pane_factory):
    pane = pane_factory(width=100)
    second_opening_then_quit(pane)
    assert route_in(pane) == ["office_small"]
    again = pane_factory(width=100)
    title = again.wait("New game")
    assert "Continue" in title
    again.keys("2")                                      # New game ...
    again.wait("You have loved Chris")
    again.keys("C-c")                                    # ... and straight out again
    again.wait("Goodbye")
    assert route_in(again) == ["office_small"]           # nothing went backwards


def test_an_older_load_then_leaving_keeps_the_autosave(pane_factory):
    pane = pane_factory(width=100)
    new_game(pane)
    pane.through_pacing()
    pane.keys("s")
    pane.wait("Saved as quick")
    seen = pane.menus()
    pane.keys("1")
    pane.through_pacing(seen)
    pane.keys("q")
    pane.wait("Goodbye")
    later = pane_factory(width=100, args=("--load", "quick"))
    later.wait("What do you do")
    later.keys("q")
    later.wait("Goodbye")
    assert route_in(later) == ["office_met"]
    assert route_in(later, "quick") == []


def test_restart_asks_and_no_keeps_the_game(pane_factory):
    pane = pane_factory(width=100)
    new_game(pane)
    pane.through_pacing()
    seen = pane.menus()
    pane.keys("1")
    pane.through_pacing(seen)
    pane.keys(":")
    settle(pane, 0.3)
    pane.keys("restart", "Enter")
    pane.wait("Start again from the beginning")
    pane.keys("n")
    pane.wait("Left as it was")
    pane.keys("q")
    pane.wait("Goodbye")
    assert route_in(pane) == ["office_met"]


def test_escape_and_ctrl_c_cancel_the_command_prompt(pane_factory):
    pane = pane_factory(width=100, args=("--no-save",))
    new_game(pane)
    pane.through_pacing()
    before = pane.menus()
    pane.keys(":")
    settle(pane, 0.3)
    pane.keys("hel", "Escape")
    settle(pane, 1.0)
    assert pane.menus() > before and "What do you do" in "\n".join(bottom(pane, 6))
    before = pane.menus()
    pane.keys(":")
    settle(pane, 0.3)
    pane.keys("C-c")
    settle(pane, 1.0)
    assert pane.menus() > before and "Goodbye" not in pane.screen()
    pane.keys("q")
    pane.wait("Goodbye")
    assert pane.exit_status() == 0


def test_continue_shows_previously_and_the_status_line_sits_under_the_menu(pane_factory):
    pane = pane_factory(width=100)
    second_opening_then_quit(pane)
    again = pane_factory(width=100, height=40, args=("--continue",))
    again.tmux("send-keys", "-t", "game", "clear", "")  # nothing: the game starts on a fresh screen
    screen = again.through_pacing()
    assert "Previously\u2026" in screen and "Start with something small he still does." in screen
    lines = screen.rstrip("\n").splitlines()
    last = max(i for i, l in enumerate(lines) if l.strip())
    assert "q quit" in lines[last] and lines[last - 1].strip()  # no block of blank lines above it
