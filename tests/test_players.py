"""The two players as a user meets them: through a pipe, and through prompt_toolkit."""
import io
import os
import re
import subprocess
import sys

from prompt_toolkit.application import create_app_session
from prompt_toolkit.data_structures import Size
from prompt_toolkit.input import create_pipe_input
from prompt_toolkit.output import DummyOutput
from prompt_toolkit.output.vt100 import Vt100_Output

from adventure import load_story
from adventure.play.session import Session
from adventure.play.terminal import TerminalUI
from conftest import ROOT, STORIES

ESC = "\x1b["


def run_cli(args, stdin="", env=None, cwd=None):
    full_env = {**os.environ, "ADVENTURE_CACHE": "off", **(env or {})}
    return subprocess.run([sys.executable, "-m", "adventure", *args], input=stdin, capture_output=True,
                          text=True, cwd=cwd or ROOT, env=full_env, timeout=60)


def test_plain_player_plays_act_one_from_a_pipe(tmp_path):
    result = run_cli(["--plain", "--saves", str(tmp_path)], stdin="1\n" * 400)
    out = result.stdout
    assert result.returncode == 0, result.stderr
    assert ESC not in out
    for heading in ["I. THE OFFICE", "II. HOME ALONE", "III. OS1", "IV. SAMANTHA", "V. A DAY OUT",
                    "VI. THE BLIND DATE", "VII. THE MORNING AFTER", "VIII. AMY"]:
        assert heading in out
    assert out.index("I. THE OFFICE") < out.index("VII. THE MORNING AFTER") < out.index("VIII. AMY")
    assert re.search(r"^1\. ", out, re.M) and "> " in out
    assert "Traceback" not in result.stderr


def test_plain_player_stops_cleanly_at_end_of_input(tmp_path):
    result = run_cli(["--plain", "--saves", str(tmp_path)], stdin="1\n2\n")
    assert result.returncode == 0
    assert "Goodbye" in result.stdout and "Traceback" not in result.stderr
    assert (tmp_path / "her" / "autosave.save.json").exists()


def test_plain_player_help_quit_and_bad_numbers(tmp_path):
    result = run_cli(["--plain", "--no-save"], stdin="9\nhelp\nfrobnicate\nquit\n")
    assert "Choose a number from 1 to 3" in result.stdout
    assert "undo" in result.stdout and "history" in result.stdout  # the help text
    assert "Unknown command 'frobnicate'" in result.stdout
    assert result.returncode == 0 and "Goodbye" in result.stdout


def test_plays_a_whole_small_story_to_the_end(tmp_path):
    result = run_cli(["--plain", "--no-save", "--story", str(STORIES / "tiny")], stdin="2\n1\n2\n")
    assert "THE END" in result.stdout and "You sleep well." in result.stdout
    assert result.returncode == 0


def test_width_wrapping_in_plain_mode(tmp_path):
    result = run_cli(["--plain", "--no-save"], stdin="", env={"COLUMNS": "40"})
    lines = [line for line in result.stdout.splitlines() if line]
    assert max(len(line) for line in lines) <= 40
    assert len(lines) > 10


def _terminal(story, keys, width=100):
    buffer = io.StringIO()
    output = Vt100_Output(buffer, lambda: Size(rows=40, columns=width), term="xterm")
    with create_pipe_input() as pipe:
        with create_app_session(input=pipe, output=DummyOutput()):
            pipe.send_text(keys)
            ui = TerminalUI(story, output=output)
            session = Session(story, ui, None)
            code = session.run()
    return session, code, buffer.getvalue()


def test_terminal_player_arrows_numbers_and_quit():
    story = load_story(STORIES / "tiny", cache=False)
    # "2" picks the beach at once; Down+Enter then picks the second option ("Go home").
    session, code, shown = _terminal(story, "2\x1b[B\r2")  # ... and 2: quit at the end
    assert code == 0
    assert session.game.state.route == ["search_beach", "home"]
    assert session.game.ended
    assert "The tide is out." in shown and "You sleep well." in shown and "THE END" in shown


def test_terminal_player_ctrl_c_and_ctrl_d_end_cleanly():
    story = load_story(STORIES / "tiny", cache=False)
    for key in ("\x03", "\x04"):
        session, code, shown = _terminal(story, key)
        assert code == 0 and "Goodbye" in shown
        assert session.game.state.route == []


def test_terminal_player_speaker_styles_and_no_color(monkeypatch):
    story = load_story(STORIES / "tiny", cache=False)
    _s, _c, shown = _terminal(story, "q")
    line = next(l for l in shown.split("\n") if "Come in out of the wind" in l)
    assert ESC in line  # the keeper's voice is coloured
    monkeypatch.setenv("NO_COLOR", "1")
    _s, _c, plain = _terminal(story, "q")
    line = next(l for l in plain.split("\n") if "Come in out of the wind" in l)
    assert "38;" not in line


def test_terminal_player_typed_command_after_colon():
    story = load_story(STORIES / "tiny", cache=False)
    session, code, shown = _terminal(story, "1:undo\rq")
    assert session.game.state.route == []
    assert "You take that back." in shown
