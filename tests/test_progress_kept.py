"""Issue 15: progress is never lost, and the screens around it (without a real terminal)."""
import json
import os
import subprocess
import sys

import pytest

from adventure import Game, load_story
from adventure.play.handler import Handler
from adventure.play.title import header_lines, option_rows, title_options
from adventure.store import saves as saves_module
from adventure.store.progress import Progress
from adventure.store.saves import SaveStore
from conftest import ROOT, STORIES
from test_players import run_cli

TINY = STORIES / "tiny"


@pytest.fixture
def tiny():
    return load_story(TINY, cache=False)


def kinds(events):
    return [e.kind for e in events]


def route(store, slot="autosave"):
    return store.load(slot, store_story(store)).game.state.route


def store_story(store):
    return load_story(TINY, cache=False)


# -- where saves live ---------------------------------------------------------------
def test_saves_default_to_the_user_data_folder_outside_the_checkout(monkeypatch, tmp_path):
    monkeypatch.delenv("ADVENTURE_SAVES", raising=False)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    monkeypatch.setattr(saves_module, "CHECKOUT", tmp_path / "not-a-checkout")
    assert saves_module.default_folder() == tmp_path / "data" / "her-adventure" / "saves"
    monkeypatch.setattr(saves_module, "CHECKOUT", ROOT)
    assert saves_module.default_folder() == ROOT / "saves"  # playing from the project's checkout
    monkeypatch.setenv("ADVENTURE_SAVES", str(tmp_path / "mine"))
    assert saves_module.default_folder() == tmp_path / "mine"


def _play_from(folder, stdin, data):
    code = ("import sys; import adventure.store.saves as s; s.CHECKOUT = None; "
            "from adventure.tools.cli import main; sys.exit(main(sys.argv[1:]))")
    env = {k: v for k, v in os.environ.items() if k != "ADVENTURE_SAVES"}
    env.update(XDG_DATA_HOME=str(data), ADVENTURE_CACHE="off", PYTHONPATH=str(ROOT))
    return subprocess.run([sys.executable, "-c", code, "--plain", "--story", str(TINY), *stdin[1:]],
                          input=stdin[0], capture_output=True, text=True, cwd=folder, env=env, timeout=60)


def test_saves_are_found_from_another_folder(tmp_path):
    one, two, data = tmp_path / "one", tmp_path / "two", tmp_path / "data"
    one.mkdir(), two.mkdir()
    first = _play_from(one, ("2\nquit\n",), data)
    assert first.returncode == 0, first.stderr
    assert (data / "her-adventure" / "saves" / "tiny" / "autosave.save.json").exists()
    second = _play_from(two, ("quit\n", "--continue"), data)
    assert "Previously" in second.stdout and "Look for a lamp on the beach." in second.stdout
    assert not (one / "saves").exists() and not (two / "saves").exists()


def test_global_saves_option_before_the_command(tmp_path, tiny):
    store = SaveStore(tmp_path, tiny.id)
    store.save("mine", Game(tiny))
    listed = run_cli(["--saves", str(tmp_path), "saves"])
    assert listed.returncode == 0 and "mine" in listed.stdout


def test_continue_without_a_save_starts_a_new_game_with_a_note(tmp_path):
    result = run_cli(["--plain", "--story", str(TINY), "--saves", str(tmp_path), "--continue"], stdin="quit\n")
    assert result.returncode == 0
    said = " ".join((result.stdout + result.stderr).split())
    assert "There is no save in" in said and "a new game begins" in said
    assert "The tide is out." in result.stdout


# -- the autosave never goes backwards --------------------------------------------------
def test_a_new_game_writes_the_autosave_only_after_its_first_choice(tmp_path, tiny):
    store = SaveStore(tmp_path, tiny.id)
    old = Game(tiny)
    old.choose("search_beach")
    store.save("autosave", old)
    handler = Handler(tiny, store)               # a new game
    handler.start()
    assert handler.leave()                       # leaving at once (Ctrl-C) ...
    assert route(store) == ["search_beach"]      # ... keeps the old autosave
    handler.handle(0)
    assert route(store) == ["lamp_room"]
    assert route(store, "autosave.1") == ["search_beach"]
    infos, _ = store.slots()
    assert {"autosave", "autosave.1"} <= {i.name for i in infos}


def test_an_older_load_does_not_overwrite_the_autosave_until_a_choice(tmp_path, tiny):
    store = SaveStore(tmp_path, tiny.id)
    game = Game(tiny)
    store.save("quick", game)
    game.choose("search_beach")
    store.save("autosave", game)
    loaded = store.load("quick", tiny)
    handler = Handler(tiny, store, loaded.game, slot="quick", recap=True)
    handler.start()
    handler.leave()
    assert route(store) == ["search_beach"]
    continued = Handler(tiny, store, store.load("autosave", tiny).game, slot="autosave", recap=True)
    continued.start()
    continued.handle("undo")
    continued.leave()                            # the same line of play: its autosave follows it
    assert route(store) == []


def test_autosaves_set_aside_are_kept_up_to_five(tmp_path, tiny):
    store = SaveStore(tmp_path, tiny.id)
    for n in range(7):
        handler = Handler(tiny, store)
        handler.start()
        handler.handle(n % 3)
    names = {i.name for i in store.slots()[0]}
    assert names == {"autosave", "autosave.1", "autosave.2", "autosave.3", "autosave.4", "autosave.5"}


def test_restart_asks_first(tmp_path, tiny):
    store = SaveStore(tmp_path, tiny.id)
    handler = Handler(tiny, store)
    handler.start()
    handler.handle(1)
    events = handler.handle("restart")
    assert kinds(events) == ["confirm"] and events[0].command == "restart yes"
    assert handler.game.state.route == ["search_beach"]
    assert "The story begins again." in handler.handle("restart yes")[0].text
    assert handler.game.state.route == [] and route(store) == ["search_beach"]


def test_restart_in_plain_mode_names_the_word_to_type(tmp_path):
    result = run_cli(["--plain", "--story", str(TINY), "--saves", str(tmp_path)], stdin="2\nrestart\nquit\n")
    assert "To go ahead, type: restart yes" in " ".join(result.stdout.split())
    assert "The story begins again." not in result.stdout


def test_save_over_a_slot_asks_first_and_force_replaces(tmp_path, tiny):
    store = SaveStore(tmp_path, tiny.id)
    handler = Handler(tiny, store)
    handler.start()
    assert kinds(handler.handle("save mine")) == ["say"]
    handler.handle(1)
    events = handler.handle("save mine")
    assert kinds(events) == ["confirm"] and events[0].command == "save mine force"
    assert route(store, "mine") == []
    assert kinds(handler.handle("save mine force")) == ["say"]
    assert route(store, "mine") == ["search_beach"]
    assert kinds(handler.handle("save quick")) == ["say"] and kinds(handler.handle("save quick")) == ["say"]


def test_saves_can_be_deleted_in_the_game(tmp_path, tiny):
    store = SaveStore(tmp_path, tiny.id)
    handler = Handler(tiny, store)
    handler.start()
    handler.handle("save mine")
    assert kinds(handler.handle("delete mine")) == ["confirm"]
    assert store.exists("mine")
    assert "Deleted mine." in handler.handle("delete mine yes")[0].text
    assert not store.exists("mine")
    assert kinds(handler.handle("delete nothing")) == ["warn"]


# -- after THE END --------------------------------------------------------------------
def _finish(tiny, store):
    handler = Handler(tiny, store)
    handler.start()
    for choice in ("search_beach", "home"):
        handler.handle([c.id for c in handler.choices].index(choice))
    assert handler.game.ended
    return handler


def test_after_the_end_the_title_defaults_to_new_game_and_keeps_the_ending(tmp_path, tiny):
    store = SaveStore(tmp_path, tiny.id)
    _finish(tiny, store)
    infos, _ = store.slots()
    assert infos[0].ended
    progress = Progress(store.slot_dir, tiny.id)
    options, default = title_options(tiny, infos, progress)
    values = [v for v, _ in options]
    assert default == "new" and "ending" in values and "chapters" in values
    assert not any(isinstance(v, tuple) and v[0] == "load" for v in values)  # no Continue into the end
    assert [e["scene"] for e in progress.endings] == [store.load("autosave", tiny).game.state.scene]
    game, _note = progress.restore(tiny, progress.endings[0])
    assert game.ended and game.state.route == ["search_beach", "home"]


def test_continue_of_a_finished_game_does_not_replay_the_ending(tmp_path, tiny):
    store = SaveStore(tmp_path, tiny.id)
    _finish(tiny, store)
    handler = Handler(tiny, store, store.load("autosave", tiny).game, slot="autosave", recap=True)
    events = handler.start()
    assert "scene" not in kinds(events) and "finished" in events[-1].text


def test_chapters_reached_start_a_new_game_with_their_state(tmp_path):
    her = load_story(ROOT / "story", cache=False)
    store = SaveStore(tmp_path, her.id)
    handler = Handler(her, store)
    handler.start()
    while handler.game.scene.chapter == "I. The Office":
        handler.handle(0)
    handler.leave()
    progress = Progress(store.slot_dir, her.id)
    assert [c["chapter"] for c in progress.chapters] == ["I. The Office", handler.game.scene.chapter]
    events = handler.handle("chapters")
    assert "2. " + handler.game.scene.chapter in events[0].text
    reached = handler.game.state.route[:]
    assert kinds(handler.handle("chapter 2")) == ["confirm"]
    handler.handle("chapter 2 yes")
    assert handler.game.state.route == reached and not handler.armed


def test_previously_on_continue(tmp_path, tiny):
    store = SaveStore(tmp_path, tiny.id)
    handler = Handler(tiny, store)
    handler.start()
    handler.handle(1)
    handler.leave()
    again = Handler(tiny, store, store.load("autosave", tiny).game, slot="autosave", recap=True)
    events = again.start()
    assert kinds(events) == ["recap", "scene"]
    assert events[0].text.startswith("Previously\u2026") and "Look for a lamp on the beach." in events[0].text


# -- undo, skip-read, taken before ----------------------------------------------------
def test_undo_goes_back_to_the_menu_with_the_choice_taken_first(tiny):
    handler = Handler(tiny)
    handler.start()
    handler.handle(1)
    events = handler.handle("undo")
    scene = events[-1]
    assert scene.kind == "scene" and scene.back
    assert handler.default_choice == 1
    assert handler.taken_before(handler.choices[1]) and not handler.taken_before(handler.choices[0])


def test_scenes_read_before_are_marked_for_skipping(tmp_path, tiny):
    store = SaveStore(tmp_path, tiny.id)
    handler = Handler(tiny, store)
    assert handler.start()[0].read == (False,)
    handler.handle(1)
    handler.leave()
    again = Handler(tiny, store)
    assert again.start()[0].read == (True,)


# -- screens ------------------------------------------------------------------------
def test_wrapped_labels_continue_under_their_text():
    rows = option_rows([("a", "word " * 30), ("b", "short")], 0, 40)
    assert rows[0][1] == "  > 1. " and all(r[1] == " " * 7 for r in rows[1:-1])
    assert all(len(r[1] + r[2]) <= 40 for r in rows)


def test_subtitle_wraps_under_itself_on_the_title_card(tiny):
    her = load_story(ROOT / "story", cache=False)
    lines = [text for style, text in header_lines(her, 40) if style == "3"]
    assert len(lines) >= 2 and all(len(l) <= 40 for l in lines)
    assert all(l.startswith(" ") and not l.startswith(" " * 20) for l in lines)


@pytest.mark.parametrize("columns", [40, 50, 80, 200])
def test_status_line_fits(columns):
    from adventure.play.terminal import fit_status

    for chapter in ("I. The Office", "XVII. Operating System Not Found"):
        line = fit_status(chapter, "1h 02m", columns)
        assert len(line) <= columns - 1
        assert "1h 02m" in line
        if columns >= 80:
            assert "q quit" in line and chapter in line


def test_help_mentions_the_colon_and_escape():
    from adventure.play.handler import HELP

    assert "Press : to type a command" in HELP and "Escape" in HELP


def test_every_option_has_help():
    import argparse

    from adventure.tools import cli

    missing = []
    real = argparse.ArgumentParser.parse_args

    def check(self, args=None, namespace=None):
        for action in self._actions:
            if not action.help:
                missing.append(f"{self.prog}: {action.dest}")
        raise SystemExit(0)
    argparse.ArgumentParser.parse_args = check
    try:
        for command in cli.COMMANDS:
            try:
                getattr(cli, "cmd_" + command)([])
            except SystemExit:
                pass
    finally:
        argparse.ArgumentParser.parse_args = real
    assert missing == []


def test_stats_columns_align(tmp_path):
    out = run_cli(["stats", str(TINY)]).stdout.splitlines()
    table = [l for l in out if not l.endswith("variables")]
    assert len({len(l) for l in table}) == 1


def test_plain_mode_reprints_the_choices_after_an_out_of_range_number():
    result = run_cli(["--plain", "--no-save", "--story", str(TINY)], stdin="9\nquit\n")
    after = result.stdout.split("Choose a number from 1 to 3")[1]
    assert "1. Climb the stairs." in after and "3. Go home." in after


def test_the_letter_is_set_apart_in_plain_mode(tmp_path):
    import io

    from adventure.play.plain import PlainUI
    from adventure.tools.routes import read_route

    story = load_story(ROOT / "story")
    game = Game(story)
    for choice in read_route(ROOT / "tests" / "routes" / "lover.route"):
        game.choose(choice)
        if any("Dear Catherine," in line.text for frame in game.frames for line in frame.lines):
            break
    out = io.StringIO()
    PlainUI(stdin=io.StringIO(""), stdout=out, width=80).show(game.frames, game)
    lines = out.getvalue().splitlines()
    dear = [l for l in lines if "Dear Catherine," in l]
    assert len(dear) == 1 and dear[0].startswith("    Dear Catherine,")
    assert any(l.strip().startswith("\u2500" * 12) for l in lines)
