"""Regression tests for promises the engine broke: each failed on the code before its fix."""
import gc
import shutil

import pytest
import yaml

from adventure import Game, PlayError, StoryError, build, load_story, replay, restore
from adventure.tools.routes import read_route
from adventure.core import compiler as compiler_module
from adventure.core.explore import explore, random_playthroughs
from adventure.store.saves import SaveStore
from conftest import ROOT, STORIES
from test_players import run_cli

TINY_ROUTE = ["search_beach", "lamp_room"]  # then "dawn" passes through a fallback scene


def _tiny_copy(tmp_path):
    folder = tmp_path / "tiny"
    shutil.copytree(STORIES / "tiny", folder)
    return folder


def _edit(folder):
    path = folder / "01-shore.yaml"
    path.write_text(path.read_text().replace("The tide is out.", "The tide is out, and cold."))


def _texts(game):
    return [line.text for frame in game.frames for line in frame.lines]


def test_fallback_text_is_kept_after_loading_a_save_of_an_edited_story(tmp_path):
    folder = _tiny_copy(tmp_path)
    story = load_story(folder)
    game = Game(story)
    for choice in TINY_ROUTE:
        game.choose(choice)
    store = SaveStore(tmp_path / "saves")
    store.save("s", game)
    _edit(folder)
    edited = load_story(folder)
    loaded = store.load("s", edited)
    assert loaded.note and "changed" in loaded.note
    loaded.game.choose("dawn")
    fresh = Game(edited)
    for choice in [*TINY_ROUTE, "dawn"]:
        fresh.choose(choice)
    assert "The light turns all night. (Courage 1.)" in _texts(loaded.game)
    assert _texts(loaded.game) == _texts(fresh)


def test_fallback_text_is_kept_after_continue_on_an_edited_story(tmp_path):
    folder = _tiny_copy(tmp_path)
    saves = tmp_path / "saves"
    first = run_cli(["--plain", "--story", str(folder), "--saves", str(saves)], stdin="2\n1\n")
    assert first.returncode == 0, first.stderr
    _edit(folder)
    second = run_cli(["--plain", "--story", str(folder), "--saves", str(saves), "--continue"], stdin="2\n")
    assert "The light turns all night." in second.stdout, second.stdout[-800:]
    assert "Traceback" not in second.stderr


def test_fallback_text_is_kept_after_reload(tmp_path):
    from adventure.play.handler import Handler

    folder = _tiny_copy(tmp_path)
    handler = Handler(load_story(folder), reload=lambda: load_story(folder))
    handler.start()
    for choice in TINY_ROUTE:
        handler.handle([c.id for c in handler.choices].index(choice))
    _edit(folder)
    assert [e.kind for e in handler.handle("reload")] == ["say", "scene"]
    (scene,) = handler.handle([c.id for c in handler.choices].index("dawn"))
    assert "The light turns all night. (Courage 1.)" in [line.text for f in scene.frames for line in f.lines]


LOOPING = {
    "story.yaml": "id: loop\ntitle: Loop\nstart: a\nvariables:\n  n: {type: int, default: 0, min: 0, max: 9}\n",
    "01.yaml": """\
scenes:
  a:
    text: Start.
    choices:
      - {text: Into the loop, id: loop, goto: b}
      - {text: Straight home, id: home, goto: z}
  b:
    text: Round and round.
    choices:
      - {fallback: true, if: n < 9, goto: c}
      - {fallback: true, if: n >= 9, goto: z}
  c:
    text: And round.
    choices:
      - {fallback: true, goto: b}
  z:
    text: Home.
    ending: true
""",
}


def test_a_step_into_a_fallback_loop_changes_nothing():
    story, diagnostics = build(LOOPING)
    assert story is not None, diagnostics  # the loop has a way out on paper, so check passes
    game = Game(story)
    before = (game.snapshot(), dict(game.state.visits), list(game.state.route), _texts(game))
    with pytest.raises(PlayError, match="b -> c -> b"):
        game.choose("loop")
    assert (game.snapshot(), dict(game.state.visits), list(game.state.route), _texts(game)) == before
    game.choose("home")  # and the game goes on
    assert game.ended


def test_the_explorer_names_the_loop_and_still_explores_its_siblings():
    story, _ = build(LOOPING)
    report = explore(story)
    assert "z" in report.endings and report.endings["z"] == ["home"]
    assert [(route, "b -> c -> b" in problem) for route, problem in report.failures] == [(["loop"], True)]
    assert not report.ok
    sample = random_playthroughs(story, 20, seed=1)
    assert sample.failures and not sample.ok


def test_the_plain_player_reports_a_loop_in_one_line_and_goes_on(make_story):
    folder = make_story(LOOPING)
    result = run_cli(["--plain", "--no-save", "--story", str(folder)], stdin="1\n2\n")
    assert "Traceback" not in result.stderr and result.returncode == 0
    assert "go round without end" in result.stdout + result.stderr
    assert "Home." in result.stdout  # the second answer, "Straight home", was still taken


def test_a_closed_fallback_circle_is_an_error_that_names_its_scenes(make_story):
    files = dict(LOOPING)
    files["01.yaml"] = LOOPING["01.yaml"].replace("      - {fallback: true, if: n >= 9, goto: z}\n", "")
    story, diagnostics = build(files)
    assert story is None
    (loop,) = [d for d in diagnostics if d.code == "E108"]
    assert "b -> c -> b" in loop.message and loop.path == "01.yaml" and loop.line == 7
    result = run_cli(["check", str(make_story(files))])
    assert result.returncode == 1 and "E108" in result.stdout


def test_a_story_with_a_dead_end_is_refused_by_the_player(make_story):
    folder = make_story({"story.yaml": "id: d\ntitle: D\nstart: a\n",
                         "a.yaml": "scenes:\n  a:\n    text: x\n    choices: [{text: y, goto: b}]\n"
                                   "  b: {text: stuck}\n"})
    with pytest.raises(StoryError) as info:
        load_story(folder)
    assert [d.code for d in info.value.diagnostics] == ["E104"]
    result = run_cli(["--plain", "--no-save", "--story", str(folder)], stdin="1\n")
    assert result.returncode == 1 and "E104" in result.stderr and "Traceback" not in result.stderr


def test_warnings_never_stop_play(make_story):
    folder = make_story({"story.yaml": "id: w\ntitle: W\nstart: a\nvariables:\n  unused: false\n",
                         "a.yaml": "scenes:\n  a: {text: x, ending: true}\n"})
    assert load_story(folder).id == "w"
    result = run_cli(["check", str(folder)])
    assert result.returncode == 0 and "W101" in result.stdout


@pytest.mark.parametrize("setting, fragment", [
    ("courage=99", "from 0 to 3"),
    ("courage=-1", "from 0 to 3"),
    ("has_lamp=maybe", "true or false"),
    ("courage=" + "9" * 5000, "is an int"),
])
def test_set_out_of_range_is_one_line(setting, fragment):
    result = run_cli(["--plain", "--no-save", "--story", str(STORIES / "tiny"), "--from", "shore", "--set",
                      setting])
    assert result.returncode == 1
    assert len(result.stderr.strip().splitlines()) == 1 and fragment in result.stderr


def test_assignments_stay_within_their_declarations():
    files = {
        "story.yaml": "id: v\ntitle: V\nstart: a\nvariables:\n"
                      "  n: {type: int, default: 0, min: 0, max: 3}\n"
                      "  big: {type: int, default: 1}\n"
                      "  mood: {type: str, default: calm, values: [calm, wild]}\n"
                      "  other: {type: str, default: x}\n",
        "01.yaml": """\
scenes:
  a:
    text: "{n} {big} {mood}"
    choices:
      - {text: Up, id: up, goto: a, do: n += 5}
      - {text: Grow, id: grow, goto: a, do: "big = big * 1000000"}
      - {text: Change, id: change, goto: a, do: "mood = other + 'y'"}
      - {text: End, id: end, goto: z}
  z: {text: done, ending: true}
""",
    }
    story, diagnostics = build(files)
    assert story is not None, diagnostics
    game = Game(story)
    game.choose("up")
    assert game.state.vars["n"] == 3  # clamped to its max
    game.choose("grow")
    game.choose("grow")
    with pytest.raises(PlayError, match="grow.*limit"):
        game.choose("grow")  # past the global limit: refused, not stored
    assert game.state.vars["big"] == 10**12
    with pytest.raises(PlayError, match="mood"):
        game.choose("change")  # 'xy' is not one of mood's values
    assert game.state.vars["mood"] == "calm"


def test_a_known_value_out_of_range_is_found_by_check():
    files = {"story.yaml": "id: v\ntitle: V\nstart: a\nvariables:\n  n: {type: int, default: 0, min: 0, max: 3}\n"
                           "  mood: {type: str, default: calm, values: [calm, wild]}\n",
             "01.yaml": "scenes:\n  a:\n    text: x\n    choices:\n      - {text: go, id: go, goto: z, do: n = 7}\n"
                        "      - {text: no, id: no, goto: z, do: mood = 'sad'}\n  z: {text: e, ending: true}\n"}
    story, diagnostics = build(files)
    assert story is None
    assert sorted((d.code, d.line) for d in diagnostics) == [("E019", 5), ("E019", 6)]


def test_loading_and_playing_leave_the_hosts_garbage_collector_alone(monkeypatch):
    calls = []
    for name in ("freeze", "disable", "unfreeze"):
        monkeypatch.setattr(gc, name, lambda *a, _n=name: calls.append(_n))
    frozen = gc.get_freeze_count()
    story = load_story(ROOT / "story")
    game = replay(story, read_route(ROOT / "tests" / "routes" / "lover.route"))
    assert game.ended
    explore(load_story(STORIES / "tiny"))
    assert calls == [] and gc.get_freeze_count() == frozen and gc.isenabled()


def test_the_compiler_keeps_no_state_between_stories():
    before = {name: len(value) for name, value in vars(compiler_module).items() if isinstance(value, (dict, list, set))}
    for _ in range(3):
        load_story(STORIES / "tiny")
    after = {name: len(value) for name, value in vars(compiler_module).items() if isinstance(value, (dict, list, set))}
    assert before == after
    assert not any(isinstance(v, yaml.constructor.BaseConstructor) for v in vars(compiler_module).values())


def test_a_snapshot_restores_directly_and_survives_an_edit(tmp_path):
    folder = _tiny_copy(tmp_path)
    story = load_story(folder)
    game = Game(story)
    for choice in TINY_ROUTE:
        game.choose(choice)
    record = game.snapshot()
    same, note = restore(story, record)
    assert note is None and same.snapshot() == record and same.text == game.text
    _edit(folder)
    moved, note = restore(load_story(folder), record)
    assert "changed" in note and moved.state.route == TINY_ROUTE


def test_without_libyaml_the_story_is_refused_in_one_clear_line(monkeypatch):
    monkeypatch.setattr(compiler_module, "HAS_LIBYAML", False)
    with pytest.raises(StoryError) as info:
        load_story(STORIES / "tiny")
    (first, *_rest) = info.value.diagnostics
    assert first.code == "E000" and "libyaml" in first.message


STORY_FILES = sorted([*(ROOT / "story").glob("*.yaml"), *(STORIES).glob("*/*.yaml")])


@pytest.mark.parametrize("path", STORY_FILES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_our_own_story_files_read_the_same_without_libyaml(path):
    # We require libyaml, but keep our own files portable: both readers agree on them.
    text = path.read_text(encoding="utf-8")
    assert yaml.load(text, Loader=yaml.CSafeLoader) == yaml.load(text, Loader=yaml.SafeLoader)


def test_check_against_lists_the_choice_ids_an_edit_removed(tmp_path):
    old = _tiny_copy(tmp_path)
    new = tmp_path / "new"
    shutil.copytree(old, new)
    path = new / "01-shore.yaml"
    path.write_text(path.read_text().replace("id: search_beach", "id: comb_beach"))
    result = run_cli(["check", str(new), "--against", str(old)])
    assert result.returncode == 0, result.stderr
    assert "removed or renamed: choice shore/search_beach" in result.stdout
    same = run_cli(["check", str(old), "--against", str(old)])
    assert "saves replay whole" in same.stdout


# -- a big story is read lean: one file's YAML at a time --------------------------------------
def _sources_for_lean_reading():
    from adventure.store.loader import read_sources

    def story(**files):
        return {"story.yaml": "id: s\ntitle: S\nstart: a\nvariables: {n: {type: int, default: 0}}\n", **files}

    yield "her", read_sources(ROOT / "story")
    yield "tiny", read_sources(STORIES / "tiny")
    yield "across files", story(**{
        "1.yaml": "scenes:\n  a:\n    - Start.\n    - label: here\n    - choice: On.\n      id: on\n      goto: b\n"
                  "blocks:\n  shared:\n    - The shared line.\n",
        "2.yaml": "scenes:\n  b:\n    text:\n      - block: shared\n      - if: visited('a.here') > 0\n"
                  "        text: Been there.\n    choices:\n      - {text: Back., goto: a.here}\n"
                  "      - {text: End., goto: c}\n  c: {text: End., ending: true}\n"})
    yield "mistakes", story(**{
        "1.yaml": "scenes:\n  a:\n    text: Hi.\n    choices:\n      - {text: Go., goto: nowhere}\n"
                  "      - {text: Count., goto: a, do: n += 'x'}\n",
        "2.yaml": "scenes:\n  a: {text: Again., ending: true}\n  b: {txet: Typo., ending: true}\n",
        "3.yaml": "scenes: [unclosed\n"})


@pytest.mark.parametrize("name,sources", list(_sources_for_lean_reading()))
def test_reading_lean_compiles_exactly_what_reading_whole_does(monkeypatch, name, sources):
    from adventure.core.build import compile_sources

    monkeypatch.setattr(compiler_module.Compiler, "LEAN_BYTES", None)
    whole = compile_sources(sources)
    monkeypatch.setattr(compiler_module.Compiler, "LEAN_BYTES", 0)
    lean = compile_sources(sources)
    assert lean == whole
    assert (whole[0] is None) == (name == "mistakes")


def test_reading_lean_holds_one_file_of_yaml_at_a_time(monkeypatch):
    """What makes a big story's compile peak near the size of what it makes."""
    from adventure.core.build import compile_sources

    files = {f"{k}.yaml": "scenes:\n" + "".join(
        f"  s{k}_{i}:\n    text: Scene {i} of file {k}.\n    choices:\n      - {{text: On., goto: s{k}_{i + 1}}}\n"
        for i in range(20)) + f"  s{k}_20: {{text: End., ending: true}}\n" for k in range(4)}
    sources = {"story.yaml": "id: s\ntitle: S\nstart: s0_0\n", **files}
    live = []
    scene = compiler_module.Compiler.scene

    def counting(self, *args):
        live.append(sum(isinstance(o, yaml.Node) for o in gc.get_objects()))
        return scene(self, *args)
    monkeypatch.setattr(compiler_module.Compiler, "scene", counting)
    for lean in (None, 0):
        monkeypatch.setattr(compiler_module.Compiler, "LEAN_BYTES", lean)
        live.clear()
        compile_sources(sources)
        if lean is None:
            whole = max(live)
    assert max(live) < whole / 2  # about a quarter: one file of four, and the scene keys
