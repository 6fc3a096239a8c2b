"""What a story, a keyboard or a command line sends (issue #14, classes 1, 9, 10).

Story text reaches the terminal only as text; input is bounded and parsed
strictly; every option is checked and every I/O error is one line and status 2.
"""
import io
import json
import os
import re
import stat

import pytest
from hypothesis import HealthCheck, assume, given, settings, strategies as st
from prompt_toolkit.application import create_app_session
from prompt_toolkit.data_structures import Size
from prompt_toolkit.input import create_pipe_input
from prompt_toolkit.output.vt100 import Vt100_Output

from adventure import Game, load_story, transcript
from adventure.core.compiler import Compiler
from adventure.core.model import Story
from adventure.core.checks import check
from adventure.play.escape import safe, safe_line
from adventure.play.plain import PlainUI, wrap
from adventure.play.session import Session, format_slots
from adventure.play.terminal import TerminalUI
from adventure.play.title import header_lines, splash, title_options
from adventure.core.build import compile_sources
from adventure.store.loader import read_sources
from adventure.store.saves import SaveStore
from adventure.tools.graph import to_dot, to_dot_chapters, to_mermaid
from conftest import STORIES
from hostile import CONTROL, ESCAPES, hostile_text, raw_controls, run_main

TINY = STORIES / "tiny"
FAST = settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
IS_ROOT = hasattr(os, "geteuid") and os.geteuid() == 0
ATTACKS = ("\x1b]", "\x07", "\x9b", "\x9d", "\x1bP", "\x1b[2J")  # clipboard, title, bell, C1, DCS, clear


_UNPRINTABLE = re.compile("[^\x09\x0a\x0d\x20-\x7e\x85\xa0-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def q(text: str) -> str:
    """`text` as a YAML double-quoted scalar (a JSON string is one, with what YAML may not hold
    raw escaped), braces kept out of templates."""
    quoted = json.dumps(text.replace("{", "(").replace("}", ")"), ensure_ascii=False)
    return _UNPRINTABLE.sub(lambda m: f"\\u{ord(m.group()):04x}", quoted)


def hostile_story(tmp_path, title, subtitle, chapter, scene_title, text, choice, speaker):
    folder = tmp_path
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "story.yaml").write_text(f"""\
id: hostile
title: {q(title) if title.strip() else '"T"'}
subtitle: {q(subtitle)}
version: "1"
start: a
speakers:
  voice: {{name: {q(speaker)}, style: "#87afd7"}}
""", encoding="utf-8")
    (folder / "01.yaml").write_text(f"""\
chapter: {q(chapter)}
scenes:
  a:
    title: {q(scene_title) if scene_title.strip() else '"A"'}
    text:
      - {q(text) if text.strip() else '"x"'}
      - speaker: voice
        text: {q(speaker + " speaks")}
    choices:
      - text: {q(choice) if choice.strip() else '"c"'}
        goto: b
  b:
    title: End
    ending: true
    text: The end.
""", encoding="utf-8")
    return folder


fields = st.tuples(*[hostile_text] * 7)


def unchecked(folder):
    """The story as compiled, before the check that refuses control characters: whatever
    reaches a player by another road (a save, a file name, an older cache) is still shown
    only as text."""
    sources = list(read_sources(folder).items())
    compiled = Compiler().story(sources[0], sources[1:])
    return Story(compiled), compiled


# -- class 1: terminal escape injection ---------------------------------------------------------------
def test_safe_shows_control_characters_and_keeps_text():
    assert safe("a\x1b]52;c;aGk=\x07b") == "a^[]52;c;aGk=^Gb"
    assert safe("line\nnext\ttab") == "line\nnext tab"
    assert safe_line("one\ntwo") == "one two"
    assert safe("\x9b2J \u202eevil") == "\ufffd2J \ufffdevil"
    assert safe("Théodore ² ① 中文") == "Théodore ² ① 中文"
    assert not raw_controls(safe(CONTROL)) and not raw_controls(safe_line(CONTROL))


@FAST
@given(parts=fields)
def test_story_text_reaches_every_output_only_as_text(tmp_path_factory, parts):
    folder = hostile_story(tmp_path_factory.mktemp("s"), *parts)
    story, compiled = unchecked(folder)
    controlled = any(raw_controls(p.replace("{", "(").replace("}", ")")) for p in parts)
    assert any(d.code == "E040" for d in check(compiled)) == controlled     # check finds it, located
    _, diagnostics = compile_sources(read_sources(folder))
    assert any(d.code == "E040" and d.severity == "error" for d in diagnostics) == controlled  # and play refuses it
    # the plain player, the saves list, the title screen's lines, graphs
    out = io.StringIO()
    ui = PlainUI(stdin=io.StringIO("history\n1\nhistory\n"), stdout=out, width=60)
    saves = SaveStore(tmp_path_factory.mktemp("saves"))
    ui.title(story)
    Session(story, ui, saves).run()
    infos, problems = saves.bound(story.id).slots()
    texts = [out.getvalue(), *format_slots(infos), *problems, to_dot(compiled), to_dot_chapters(compiled),
             to_mermaid(compiled), *(t for _s, t in header_lines(story, 60)),
             *(label for _v, label in title_options(story, infos)[0])]
    for text in texts:
        assert not raw_controls(text), text
    splashed = io.StringIO()
    splash(story, saves.bound(story.id), 60, True, stream=splashed)
    assert not any(a in splashed.getvalue() for a in ATTACKS)


@FAST
@given(parts=fields)
def test_the_terminal_player_draws_no_escape_from_the_story(tmp_path_factory, parts):
    story, _ = unchecked(hostile_story(tmp_path_factory.mktemp("s"), *parts))
    buffer = io.StringIO()
    output = Vt100_Output(buffer, lambda: Size(rows=40, columns=80), term="xterm-256color", enable_cpr=False)
    with create_pipe_input() as pipe, create_app_session(input=pipe, output=output):
        pipe.send_text("1")
        ui = TerminalUI(story, output=output)
        ui.title(story, None)
        game = Game(story)
        ui.show(game.frames, game)
        game.choose(0)
        ui.show(game.frames, game)
        ui.say("\n".join(text for _kind, _chapter, text in transcript(story, game.state)))
    assert not any(a in buffer.getvalue() for a in ATTACKS)


def test_escape_codes_in_file_names_and_saves_are_shown_as_text(tmp_path, make_story):
    folder = make_story({"story.yaml": (TINY / "story.yaml").read_text(),
                         "01-shore.yaml": (TINY / "01-shore.yaml").read_text(),
                         "02-\x1b]0;pwned\x07.yaml": "scenes:\n  x: {text: [unclosed\n"})
    status, out, err = run_main(["check", folder])
    assert status == 1 and "^[]0;pwned^G" in out and not any(a in out + err for a in ATTACKS)
    saves = tmp_path / "saves"
    run_main(["--plain", "--story", TINY, "--saves", saves], stdin="2\nquit\n")
    path = saves / "tiny" / "autosave.save.json"
    record = json.loads(path.read_text())
    record["meta"]["scene_title"] = "\x1b]52;c;aGk=\x07"
    path.write_text(json.dumps(record))
    status, out, err = run_main(["saves", "--saves", saves])
    assert status == 0 and "^[]52;c;aGk=^G" in out and not any(a in out + err for a in ATTACKS)


# -- class 9: plain-mode input ------------------------------------------------------------------------
def _plain(stdin: str, tmp_path):
    out = io.StringIO()
    story = load_story(TINY, cache=False)
    store = SaveStore(tmp_path / "saves")
    status = Session(story, PlainUI(stdin=io.StringIO(stdin), stdout=out, width=60), store).run()
    return status, out.getvalue(), store.bound("tiny")


@pytest.mark.parametrize("line", ["²", "①", "٣", "𝟘", "9" * 4301, "1" + "0" * 30, "-1", "+2", "1_0", " 2 x"])
def test_strange_numbers_are_refused_in_one_line(tmp_path, line):
    status, out, store = _plain(f"{line}\n2\n", tmp_path)
    assert status == 0
    assert store.load("autosave", load_story(TINY, cache=False)).game.state.route == ["search_beach"]
    assert "Traceback" not in out and len(max(out.splitlines(), key=len)) < 200


def test_a_pasted_ten_megabyte_line_is_dropped_and_the_game_goes_on(tmp_path):
    status, out, store = _plain("x" * 10_000_000 + "\n2\n", tmp_path)
    assert status == 0 and "too long" in out and len(out) < 10_000
    assert store.load("autosave", load_story(TINY, cache=False)).game.state.route == ["search_beach"]


def test_wrapping_one_huge_word_is_linear_and_keeps_every_character():
    word = "w" * 2_000_000
    wrapped = wrap(f"say {word} done", 80)
    assert wrapped.replace("\n", "").replace(" ", "") == f"say{word}done"
    assert max(len(line) for line in wrapped.splitlines()) <= 80


@FAST
@given(lines=st.lists(hostile_text, max_size=6))
def test_anything_typed_at_the_prompt_gets_text_back_and_loses_nothing(tmp_path_factory, lines):
    moves = ("quit", "exit", "restart", "undo", "load")  # these change the game on purpose
    assume(not any(line.split()[:1] and line.split()[0].lower() in moves for line in lines))
    folder = tmp_path_factory.mktemp("play")
    typed = "\n".join(line.replace("\n", " ").replace("\r", " ") for line in lines)
    status, out, store = _plain(f"2\n{typed}\nsave keep\n", folder)
    assert status == 0 and not raw_controls(out)
    story = load_story(TINY, cache=False)
    assert store.load("keep", story).game.state.route[:1] == ["search_beach"]


# -- class 10: the command line -----------------------------------------------------------------------
@pytest.mark.parametrize("args", [["--random", "0"], ["--random", "-5"], ["--max-states", "0"],
                                  ["--max-states", "-1"], ["--random", "²"], ["--seed", "1_0"],
                                  ["--max-states", "9" * 4301]])
def test_bad_explore_options_are_usage_errors(args):
    status, out, err = run_main(["explore", TINY, *args])
    assert status == 2 and out == "" and "Traceback" not in err


@pytest.mark.parametrize("title", ["Lighthouse: Part 2", "# not a comment", "'quoted' \"twice\"", "- a list?",
                                   "{a: b}", "null", "yes", "@at", "ü ñ 中", "a\\b"])
def test_new_writes_a_title_check_accepts(tmp_path, title):
    folder = tmp_path / "new"
    assert run_main(["new", folder, "--title", title])[0] == 0
    status, out, err = run_main(["check", folder])
    assert status == 0, out + err
    assert load_story(folder, cache=False).title == title


@pytest.mark.parametrize("title", ["", "   ", "a\x1b]0;x\x07", "two\nlines", "x" * 201])
def test_new_refuses_a_title_it_cannot_write(tmp_path, title):
    status, out, err = run_main(["new", tmp_path / "n", "--title", title])
    assert status == 2 and len(err.splitlines()) == 1 and not (tmp_path / "n").exists()


def _bad_paths(tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("x\n")
    fifo = tmp_path / "a-fifo"
    os.mkfifo(fifo)
    folder = tmp_path / "a-folder"
    folder.mkdir()
    return {"dev-null": "/dev/null", "dev-full": "/dev/full", "folder": folder, "fifo": fifo,
            "missing-parent": tmp_path / "no" / "such" / "x", "under-a-file": blocker / "x"}


PATH_OPTIONS = {
    "play --story": (lambda p: ["--plain", "--no-save", "--story", p], "quit\n"),
    "play --saves": (lambda p: ["--plain", "--story", TINY, "--saves", p], "2\nquit\n"),
    "play --record": (lambda p: ["--plain", "--no-save", "--story", TINY, "--record", p], "2\nquit\n"),
    "play --replay": (lambda p: ["--plain", "--no-save", "--story", TINY, "--replay", p], "quit\n"),
    "play --load": (lambda p: ["--plain", "--story", TINY, "--saves", p, "--continue"], "quit\n"),
    "check DIR": (lambda p: ["check", p], ""),
    "explore DIR": (lambda p: ["explore", p], ""),
    "explore --routes": (lambda p: ["explore", TINY, "--routes", p], ""),
    "graph DIR": (lambda p: ["graph", p], ""),
    "graph --out": (lambda p: ["graph", TINY, "--out", p], ""),
    "stats DIR": (lambda p: ["stats", p], ""),
    "new DIR": (lambda p: ["new", p], ""),
    "saves --saves": (lambda p: ["saves", "--saves", p], ""),
    "saves --story": (lambda p: ["saves", "--story", p, "--saves", "/nonexistent-saves"], ""),
}


@pytest.mark.parametrize("option", sorted(PATH_OPTIONS))
def test_every_path_option_against_bad_paths(tmp_path, option):
    """Every subcommand's every path option, given each kind of bad path: an exit status of 0, 1
    or 2, a failure in one line (a broken story: one line per problem and a count), no traceback
    (run_main lets any exception through), and nothing outside tmp_path touched."""
    make, stdin = PATH_OPTIONS[option]
    for kind, path in _bad_paths(tmp_path).items():
        status, out, err = run_main(make(path), stdin=stdin)
        assert status in (0, 1, 2), (kind, status)
        errors = [line for line in err.splitlines() if line.strip()]
        story_problems = errors and errors[-1].endswith("the story cannot be played")
        if status != 0 and not story_problems:
            assert len(errors) == 1, (kind, err)
        if status == 2 and not story_problems:
            assert out == "" or option.startswith("play"), (kind, out)
        assert not raw_controls(out + err)
        assert stat.S_ISCHR(os.stat("/dev/null").st_mode) and stat.S_ISCHR(os.stat("/dev/full").st_mode)
        assert stat.S_ISFIFO(os.stat(tmp_path / "a-fifo").st_mode)
        assert (tmp_path / "a-file").read_text() == "x\n"


@pytest.mark.parametrize("option,path,status,says", [
    ("--record", "/dev/full", 2, "No space left"),
    ("--replay", "/dev/zero", 2, "not a regular file"),
    ("--replay", "/dev/null", 2, "not a regular file"),
])
def test_record_and_replay_onto_devices(option, path, status, says):
    result = run_main(["--plain", "--no-save", "--story", TINY, option, path], stdin="quit\n")
    assert result[0] == status and says in result[2] and len(result[2].splitlines()) == 1


def test_routes_onto_a_file_or_dev_null_is_one_line(tmp_path):
    existing = tmp_path / "routes"
    existing.write_text("keep")
    for target in (existing, "/dev/null"):
        status, out, err = run_main(["explore", TINY, "--routes", target])
        assert status == 2 and "not a folder" in err and len(err.splitlines()) == 1
    assert existing.read_text() == "keep"


@pytest.mark.skipif(IS_ROOT, reason="root writes into read-only folders; the mode check cannot fail")
def test_read_only_folders_give_one_line(tmp_path):
    folder = tmp_path / "ro"
    folder.mkdir()
    folder.chmod(0o500)
    try:
        for argv in (["graph", TINY, "--out", folder / "g.dot"], ["explore", TINY, "--routes", folder],
                     ["new", folder / "n"]):
            status, out, err = run_main(argv)
            assert status == 2 and len(err.splitlines()) == 1, argv
    finally:
        folder.chmod(0o700)


# -- class 7: losing the terminal (the tmux test is in test_terminal.py) ------------------------------
class _Gone(PlainUI):
    """A player whose terminal goes away at the third prompt: reads fail with EIO, as do writes."""

    def __init__(self, error, **kw):
        super().__init__(**kw)
        self.error, self.asked = error, 0

    def ask(self, options, session):
        self.asked += 1
        if self.asked == 3:
            self.write = self._fail
            raise self.error
        return super().ask(options, session)

    def _fail(self, text=""):
        raise OSError(5, "Input/output error")


@pytest.mark.parametrize("error", [OSError(5, "Input/output error"), __import__("termios").error(5, "EIO")])
def test_a_lost_terminal_saves_the_game_as_it_is_and_says_nothing(tmp_path, error):
    story = load_story(TINY, cache=False)
    out = io.StringIO()
    store = SaveStore(tmp_path)
    ui = _Gone(error, stdin=io.StringIO("2\nundo\n"), stdout=out)
    session = Session(story, ui, store)
    status = session.run()
    assert status == 0 and session.lost
    assert store.load("autosave", story).game.state.route == []   # the choice, then its undo, then the loss
    assert "Goodbye" not in out.getvalue()


@pytest.mark.parametrize("written", ['"\\e[2J"', '"\\x9b2J"', '"\\u202eevil"', '"a\\x07b"', "\x1b[2J", "'a\x07b'"])
def test_a_control_character_written_escaped_or_raw_is_refused(written):
    """YAML's escapes make the character (E040, located); held as it is, YAML refuses the file."""
    sources = {"story.yaml": "id: t\ntitle: T\nstart: a\n",
               "a.yaml": f"scenes:\n  a:\n    text: {written}\n    ending: true\n"}
    story, diagnostics = compile_sources(sources)
    assert story is None and {d.code for d in diagnostics if d.path == "a.yaml"} == (
        {"E040"} if "\\" in written else {"E001"})
    clean = {**sources, "a.yaml": "scenes:\n  a:\n    text: \"plain \\\"quoted\\\" text\"\n    ending: true\n"}
    story, diagnostics = compile_sources(clean)
    assert story is not None and not diagnostics
