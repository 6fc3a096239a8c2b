"""The terminal experience: title screen, pacing, status line, settings, the end, help."""
import io
import json

import pytest
from prompt_toolkit.application import create_app_session
from prompt_toolkit.data_structures import Size
from prompt_toolkit.input import create_pipe_input
from prompt_toolkit.output.vt100 import Vt100_Output

from adventure import Game, load_story
from adventure.store import settings as settings_file
from adventure.store.saves import SaveStore
from adventure.play.session import HELP, Session
from adventure.store.settings import Settings
from adventure.play.terminal import TerminalUI
from conftest import ROOT, STORIES
from test_players import run_cli

DOWN, ENTER = "\x1b[B", "\r"


class Terminal(Vt100_Output):
    """A terminal that answers the cursor-position question (as real ones do), so
    prompt_toolkit knows the room below the cursor and draws the bottom toolbar."""

    def get_rows_below_cursor_position(self) -> int:
        return 20


def screen_of(buffer):
    """What a terminal would show, without escape codes."""
    import re
    return re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", buffer.getvalue())


def drive(keys, action, settings=None, width=90, rows=40):
    """Run `action(ui)` with prompt_toolkit reading `keys` and drawing into a buffer."""
    buffer = io.StringIO()
    output = Terminal(buffer, lambda: Size(rows=rows, columns=width), term="xterm-256color", enable_cpr=False)
    with create_pipe_input() as pipe:
        with create_app_session(input=pipe, output=output):
            pipe.send_text(keys)
            ui = TerminalUI(settings=settings or Settings(), output=output)
            result = action(ui)
    return result, buffer


@pytest.fixture
def her():
    return load_story(ROOT / "story", cache=False)


def test_title_screen_offers_continue_by_default_when_a_save_exists(her, tmp_path):
    store = SaveStore(tmp_path)
    game = Game(her)
    game.choose(0)
    store.save("autosave", game)
    picked, buffer = drive(ENTER, lambda ui: ui.title(her, store))
    shown = screen_of(buffer)
    assert picked == ("load", "autosave")
    assert "H  E  R" in shown and "A story in letters" in shown
    assert "Continue \u2014 I. The Office: " in shown and "just now" in shown
    assert "New game" in shown and "Load a save" in shown and "Help" in shown and "Quit" in shown


def test_title_screen_new_game_help_and_quit(her, tmp_path):
    store = SaveStore(tmp_path)
    assert drive(ENTER, lambda ui: ui.title(her, store))[0] == ("new", None)
    picked, buffer = drive("3" + "4", lambda ui: ui.title(her, store))  # Help, then Quit
    assert picked is None and "undo" in screen_of(buffer)


def test_long_scenes_reveal_a_beat_at_a_time(her):
    """A long scene unfolds in beats of about half a screen (here 20 rows: up to 7 lines),
    whole paragraphs at a time, so no unread text ever scrolls away."""
    game = Game(her)
    paragraphs = [line.text for line in game.lines]
    assert len(paragraphs) > 3
    _r, buffer = drive("\x03", lambda ui: _show_until_interrupted(ui, game), rows=20)
    first = screen_of(buffer)
    assert paragraphs[0][:30] in first and "Enter for more" in first
    assert paragraphs[-1][:30] not in first
    out_first = [p for p in paragraphs if p[:30] in first]
    _r, buffer = drive(ENTER + "\x03", lambda ui: _show_until_interrupted(ui, game), rows=20)
    second = screen_of(buffer)
    assert len([p for p in paragraphs if p[:30] in second]) > len(out_first)


def _show_until_interrupted(ui, game):
    try:
        ui.show(game.frames, game)
    except KeyboardInterrupt:
        return "interrupted"


def test_a_shows_the_rest_and_scene_pacing_shows_all_at_once(her):
    game = Game(her)
    last = game.lines[-1].text[:25]
    _r, buffer = drive("a", lambda ui: ui.show(game.frames, game))
    assert last in screen_of(buffer)
    _r, buffer = drive("", lambda ui: ui.show(game.frames, game), settings=Settings(pacing="scene"))
    shown = screen_of(buffer)
    assert last in shown and "Enter for more" not in shown


def test_status_line_shows_chapter_time_and_keys(her):
    session = Session(her, None, None)
    _r, buffer = drive("q", lambda ui: ui.ask(session.game.choices, session))
    shown = screen_of(buffer)
    assert "I. The Office" in shown and "0m 0" in shown
    assert "s save" in shown and "u undo" in shown and "h help" in shown


def test_the_end_offers_to_start_again(tmp_path):
    story = load_story(STORIES / "tiny", cache=False)

    def play(ui):
        session = Session(story, ui, None)
        return session.run(), session
    (code, session), buffer = drive("3" + "1" + "q", play)  # home; at the end, 1: start again; then quit
    shown = screen_of(buffer)
    assert code == 0 and "THE END" in shown and "Start again" in shown
    assert "The story begins again." in shown and session.game.state.route == []


def test_plain_end_screen(tmp_path):
    result = run_cli(["--plain", "--no-save", "--story", str(STORIES / "tiny")], stdin="3\n1\n3\n2\n")
    out = result.stdout
    assert out.count("THE END") == 2 and "1. Start again" in out and "The story begins again." in out


def test_settings_saved_and_read_back(tmp_path):
    saves = tmp_path / "saves"
    result = run_cli(["--plain", "--story", str(STORIES / "tiny"), "--saves", str(saves)],
                     stdin="settings pacing scene\nsettings width 60\nsettings colours off\nsettings\nquit\n")
    assert "Settings: width 60, pacing scene (whole scenes), colours off, theme auto." in " ".join(result.stdout.split())
    saved = json.loads((saves / "settings.json").read_text())
    assert saved == {"width": 60, "pacing": "scene", "color": False, "theme": "auto"}
    settings, warning = settings_file.read(saves)
    assert (settings.width, settings.pacing, settings.color, warning) == (60, "scene", False, None)
    bad = run_cli(["--plain", "--story", str(STORIES / "tiny"), "--saves", str(saves)],
                  stdin="settings width 5\nsettings speed fast\nquit\n")
    said = " ".join(bad.stdout.split())
    assert "width is a number from 30 to 300" in said and "no setting 'speed'" in said
    assert json.loads((saves / "settings.json").read_text())["width"] == 60


def test_settings_width_is_used(tmp_path):
    saves = tmp_path / "saves"
    saves.mkdir()
    (saves / "settings.json").write_text('{"width": 40}')
    out = run_cli(["--plain", "--no-save", "--saves", str(saves)], stdin="").stdout
    lines = [l for l in out.splitlines() if l.strip()]
    assert max(len(l) for l in lines) <= 40 and len(lines) > 10


def test_broken_settings_file_is_ignored_with_a_warning(tmp_path):
    saves = tmp_path / "saves"
    saves.mkdir()
    (saves / "settings.json").write_text("{width: lots")
    result = run_cli(["--plain", "--story", str(STORIES / "tiny"), "--saves", str(saves)], stdin="3\n2\n")
    warnings = [l for l in result.stderr.splitlines() if "settings.json" in l]
    assert len(warnings) == 1 and warnings[0].startswith("Ignoring") and "defaults" in warnings[0]
    assert "THE END" in result.stdout
    assert (saves / "settings.json").read_text() == "{width: lots"


def test_help_fits_one_screen():
    lines = HELP.splitlines()
    assert len(lines) <= 20 and max(len(l) for l in lines) <= 80
    for word in ("save", "load", "undo", "history", "quit", "settings", "autosave"):
        assert word in HELP


def test_chapters_in_history_and_save_list(her, tmp_path):
    store = SaveStore(tmp_path)
    game = Game(her)
    game.choose(0)
    store.save("one", game)
    assert store.info("one").chapter == "I. The Office"
    listing = run_cli(["saves", "--saves", str(tmp_path)]).stdout
    assert "I. The Office:" in listing


def _letter_game(her):
    """The game at the step that shows the letter (the story shows it once, before the roof)."""
    from adventure.tools.routes import read_route

    game = Game(her)
    for choice in read_route(ROOT / "tests" / "routes" / "lover.route"):
        game.choose(choice)
        if any("Dear Catherine," in line.text for frame in game.frames for line in frame.lines):
            return game
    raise AssertionError("the lover route never shows the letter")


def test_the_letter_is_shown_once_and_whole_and_set_apart(her):
    game = _letter_game(her)
    _r, buffer = drive("a" * 8, lambda ui: ui.show(game.frames, game), rows=20)  # `a`: the rest at once
    shown = screen_of(buffer)
    assert shown.count("Dear Catherine,") == 1
    lines = shown.splitlines()
    assert any(l.startswith("    Dear Catherine,") for l in lines)  # the letter is indented ...
    assert sum("\u2500" * 12 in l for l in lines) == 2         # ... between two rules
    styled = [l for l in buffer.getvalue().splitlines() if "Dear Catherine," in l][0]
    assert "\x1b[" in styled and "3" in styled                 # in its own (italic) style


def test_tab_skips_text_read_before(her):
    game = Game(her)
    _r, buffer = drive("\t", lambda ui: ui.show(game.frames, game, read=(True,)), rows=16)
    shown = screen_of(buffer)
    assert shown.count("Enter for more") == 1 and "Tab skips what you have read" in shown
    assert game.lines[-1].text[:25] in shown


def test_options_taken_before_are_marked(her, tmp_path):
    store = SaveStore(tmp_path)
    first = Session(her, None, store)
    first.handler.start()
    first.handler.handle(1)
    first.handler.leave()
    again = Session(her, None, store)
    again.handler.start()
    _r, buffer = drive("q", lambda ui: ui.ask(again.handler.choices, again))
    marked = {l for l in screen_of(buffer).splitlines() if "\u2713" in l}
    assert len(marked) == 1 and "something small" in marked.pop()


def test_replay_the_ending_from_the_title(tmp_path):
    story = load_story(STORIES / "tiny", cache=False)
    store = SaveStore(tmp_path)
    session = Session(story, None, store)
    session.handler.start()
    for choice in ("search_beach", "home"):
        session.handler.handle([c.id for c in session.handler.choices].index(choice))
    picked, buffer = drive("4" + "7", lambda ui: ui.title(story, store))  # Replay the ending, then Quit
    shown = screen_of(buffer)
    assert picked is None
    assert "Replay the ending" in shown and "You sleep well." in shown and "THE END" in shown
    assert "> 1. New game" in shown                        # after THE END, New game comes first


def test_settings_show_colours_off_under_no_color_and_the_theme(monkeypatch):
    monkeypatch.setenv("NO_COLOR", "1")
    monkeypatch.setenv("COLORFGBG", "0;15")
    _r, buffer = drive("q", lambda ui: ui.settings_menu(Settings()))
    shown = screen_of(buffer)
    assert "Colours: off (NO_COLOR is set)" in shown and "Theme: auto (light background)" in shown
