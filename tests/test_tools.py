"""The author's tools: check, explore, replay/record, reload, graph, new, stats, schema."""
import json
import shutil

import pytest
import yaml

from adventure import Game, load_story, replay
from adventure.core.explore import explore, random_playthroughs
from adventure.play.session import Session
from adventure.play.plain import PlainUI
from conftest import MANIFEST, ROOT, STORIES
from test_players import run_cli

STORY = ROOT / "story"


# -- check --------------------------------------------------------------------------
CHECK_SCENES = """\
scenes:
  a:
    text: Start.
    choices:
      - text: on
        goto: b
        if: word == 'y'
      - text: always
        goto: z
        if: not flag
  b:
    text: ""
    choices: []
  lost:
    text: Nobody comes here.
    choices: [{text: back, goto: z}]
  z:
    ending: true
    text: "End {n}"
"""


def check_lines(folder, *extra):
    result = run_cli(["check", str(folder), *extra])
    return result, [line for line in result.stdout.splitlines() if line.strip()]


def test_each_check_finding_has_location_and_code(make_story):
    folder = make_story({"story.yaml": MANIFEST, "01-a.yaml": CHECK_SCENES})
    result, lines = check_lines(folder)
    found = {line.rsplit("[", 1)[1].rstrip("]"): line for line in lines}
    expect = {
        "W101": "story.yaml:6:3: warning: variable flag is never read",  # read only... see below
    }
    assert result.returncode == 1  # E104 is an error
    assert found["E104"].endswith("01-a.yaml:11:3: error: scene b has no choices and is not an ending "
                                  "(add choices or `ending: true`) [E104]")
    assert "01-a.yaml:14:3: warning: scene lost cannot be reached from the start [W103]" in found["W103"]
    assert "01-a.yaml:11:3: warning: scene b has no text [W107]" in found["W107"]
    assert "01-a.yaml:7:13: warning: the condition of choice 'b' in a can never hold [W105]" in found["W105"]
    assert "01-a.yaml:10:13: warning: the condition of choice 'z' in a always holds [W106]" in found["W106"]
    # n is read ({n}) but never changed; flag and word are read but never changed either.
    assert "story.yaml:6:3: warning: variable n is never changed (it is always 0) [W102]" in "\n".join(lines)
    del expect


def test_unused_variable_and_json_and_strict(make_story):
    manifest = MANIFEST + "  spare: {type: int, default: 1}\n"
    scenes = "scenes:\n  a:\n    text: hi {n} {word}\n    do: [n += 1, toggle flag, \"word = 'y'\"]\n" \
             "    choices: [{text: go, goto: z, if: flag}]\n  z: {ending: true, text: end}\n"
    folder = make_story({"story.yaml": manifest, "01-a.yaml": scenes})
    result, lines = check_lines(folder)
    assert result.returncode == 0
    assert lines == [f"{folder}/story.yaml:9:3: warning: variable spare is never read [W101]"]
    strict, _ = check_lines(folder, "--strict")
    assert strict.returncode == 1
    data = json.loads(run_cli(["check", str(folder), "--format", "json"]).stdout)
    assert data["warnings"] == 1 and data["errors"] == 0
    assert data["diagnostics"][0] == {"path": f"{folder}/story.yaml", "line": 9, "column": 3,
                                      "severity": "warning", "message": "variable spare is never read",
                                      "code": "W101"}


def test_check_reports_loader_errors_too(make_story):
    folder = make_story({"story.yaml": MANIFEST, "01-a.yaml": "scenes:\n  a: {text: x, choices: [{text: y, goto: q}]}\n"})
    result, lines = check_lines(folder)
    assert result.returncode == 1
    assert any("error: unknown target scene 'q' [E011]" in line for line in lines)


def test_bundled_story_passes_strict_check_and_explore():
    result = run_cli(["check", "--strict"])
    assert result.returncode == 0, result.stdout
    explored = run_cli(["explore", "--format", "json"])
    report = json.loads(explored.stdout)
    assert explored.returncode == 0
    assert report["softlocks"] == [] and report["unreached_scenes"] == []
    assert report["scenes_reached"] == report["scenes_total"] >= 70
    assert report["choices_taken"] == report["choices_total"] >= 150
    assert list(report["endings"]) == ["sunrise"]
    assert "\x1b[" not in explored.stdout  # no progress bar when piped


# -- explore --------------------------------------------------------------------------
def test_explorer_counts_states_endings_and_softlocks():
    report = explore(load_story(STORIES / "softlock", cache=False))
    assert report.states == 12
    assert report.endings == {"end1": ["end1"], "end2": ["b", "a", "b", "a", "b", "end2"]}
    assert report.softlocks == [["trap"]]
    assert not report.ok and report.unreached_scenes == []


def test_explorer_on_tiny_is_clean_and_routes_replay():
    story = load_story(STORIES / "tiny", cache=False)
    report = explore(story)
    assert report.ok and report.softlocks == [] and report.scenes_reached == 4
    for ending, route in report.endings.items():
        game = replay(story, route)
        assert game.ended and game.state.scene == ending


def test_explorer_bound_is_reported(make_story):
    manifest = "id: c\ntitle: C\nstart: a\nvariables:\n  n: 0\n"
    scenes = "scenes:\n  a:\n    text: n {n}\n    choices:\n      - {text: more, id: more, goto: a, do: n += 1}\n" \
             "      - {text: stop, goto: z, if: n > 100000}\n  z: {ending: true, text: end}\n"
    folder = make_story({"story.yaml": manifest, "a.yaml": scenes})
    report = explore(load_story(folder, cache=False), max_states=500)
    assert report.bound_reached and not report.ok and report.states == 500
    result = run_cli(["explore", str(folder), "--max-states", "500"])
    assert result.returncode == 1 and "bound reached: stopped at 500 states" in result.stdout


def test_dead_end_is_a_softlock(make_story):
    folder = make_story({"story.yaml": "id: d\ntitle: D\nstart: a\n",
                         "a.yaml": "scenes:\n  a:\n    text: x\n    choices: [{text: y, goto: b}, {text: z, goto: z}]\n"
                                   "  b: {text: stuck, choices: [{text: wait, goto: b}]}\n  z: {ending: true, text: end}\n"})
    report = explore(load_story(folder, cache=False))
    assert report.softlocks == [["b"]]


def test_random_playthroughs_are_seeded_and_cover(make_story):
    story = load_story(STORIES / "softlock", cache=False)
    one = random_playthroughs(story, 50, seed=3)
    two = random_playthroughs(story, 50, seed=3)
    assert one.to_dict() == two.to_dict()
    assert one.playthroughs == 50 and set(one.endings) <= {"end1", "end2"}
    assert one.unfinished  # the cave never ends: reported, not hung
    result = run_cli(["explore", str(STORIES / "tiny"), "--random", "40", "--seed", "1", "--format", "json"])
    data = json.loads(result.stdout)
    assert data["playthroughs"] == 40 and data["scenes_reached"] == 4


def test_explore_writes_routes_that_replay(tmp_path):
    out = tmp_path / "routes"
    run_cli(["explore", str(STORIES / "softlock"), "--routes", str(out)])
    assert sorted(p.name for p in out.iterdir()) == ["ending-end1.route", "ending-end2.route", "softlock-1.route"]
    result = run_cli(["--story", str(STORIES / "softlock"), "--plain", "--no-save",
                      "--replay", str(out / "ending-end2.route")])
    assert "Through the gate." in result.stdout and "THE END" in result.stdout


# -- record, replay, start anywhere, reload ---------------------------------------------------
def test_record_then_replay_round_trip(tmp_path):
    route_file = tmp_path / "walk.route"
    run_cli(["--story", str(STORIES / "tiny"), "--plain", "--no-save", "--record", str(route_file)],
            stdin="2\n1\n2\n")
    assert [l for l in route_file.read_text().splitlines() if not l.startswith("#")] == \
        ["search_beach", "lamp_room", "dawn"]
    result = run_cli(["--story", str(STORIES / "tiny"), "--plain", "--no-save", "--replay", str(route_file)])
    assert "The light turns all night." in result.stdout and "THE END" in result.stdout
    partial = tmp_path / "part.route"
    partial.write_text("# just the beach\nsearch_beach\n")
    handed = run_cli(["--story", str(STORIES / "tiny"), "--plain", "--no-save", "--replay", str(partial)],
                     stdin="1\n")
    assert "It lights at your touch." in handed.stdout  # the player took over after the route


def test_route_that_stops_matching_says_where_and_why(tmp_path):
    bad = tmp_path / "bad.route"
    bad.write_text("search_beach\nfly\n")
    result = run_cli(["--story", str(STORIES / "tiny"), "--plain", "--no-save", "--replay", str(bad)])
    assert result.returncode == 1
    assert "step 2: scene 'shore' has no choice 'fly' (it offers lamp_room, home)" in result.stderr


def test_start_anywhere_with_variables():
    result = run_cli(["--story", str(STORIES / "tiny"), "--plain", "--no-save", "--from", "lamp_room",
                      "--set", "has_lamp=true", "--set", "courage=2"], stdin="2\n")
    assert "It lights at your touch." in result.stdout and "Courage 2" in result.stdout
    bad = run_cli(["--story", str(STORIES / "tiny"), "--plain", "--no-save", "--from", "lamp_room",
                   "--set", "courage=lots"])
    assert bad.returncode == 1 and "courage is an int" in bad.stderr


class Script:
    def __init__(self, lines):
        self.lines = list(lines)

    def readline(self):
        return self.lines.pop(0) if self.lines else ""

    def isatty(self):
        return False


def test_reload_after_good_and_bad_edit(tmp_path, capsys):
    folder = tmp_path / "story"
    shutil.copytree(STORIES / "tiny", folder)
    scenes = folder / "01-shore.yaml"
    story = load_story(folder, cache=False)
    game = Game(story)
    game.choose("lamp_room")

    class EditingUI(PlainUI):
        step = 0

        def ask(self, options, session):
            self.step += 1
            if self.step == 1:
                scenes.write_text(scenes.read_text().replace("The lamp is cold.", "The lamp is ice."))
                return "reload"
            if self.step == 2:
                scenes.write_text(scenes.read_text().replace("goto: shore", "goto: nowhere", 1))
                return "reload"
            return "quit"
    import io
    out = io.StringIO()
    session = Session(story, EditingUI(stdin=Script([]), stdout=out), None, game,
                      reload=lambda: load_story(folder, cache=False))
    session.run()
    text = out.getvalue()
    assert "The lamp is ice." in text
    assert "The story has errors; still playing the old one:" in text
    assert "unknown target scene 'nowhere'" in text
    assert session.game.state.scene == "lamp_room" and session.game.state.route == ["lamp_room"]


# -- graph, new, stats, schema ------------------------------------------------------------
def test_graph_dot_and_mermaid():
    dot = run_cli(["graph", str(STORIES / "tiny")]).stdout
    assert dot.startswith('digraph "tiny"')
    assert '"lamp_room" -> "dawn" [label="Stay until morning. [if has_lamp and courage >= 1]"]' in dot
    assert '"home" [label="Home", shape=doubleoctagon' in dot
    assert "subgraph cluster_0" in dot and 'label="I. The Shore"' in dot
    mermaid = run_cli(["graph", str(STORIES / "tiny"), "--format", "mermaid"]).stdout
    assert mermaid.startswith("flowchart TD") and '(["Home"])' in mermaid and "class s3 ending" in mermaid


def test_graph_chapters_overview():
    dot = run_cli(["graph", "--chapters"]).stdout
    assert dot.count("scenes,") == 20
    assert 'label="I. The Office\\n' in dot and "shape=doubleoctagon" in dot
    assert dot.count(" -> ") >= 19  # every beat leads into the next


@pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz's dot is not installed")
def test_graph_svg(tmp_path):
    out = tmp_path / "g.svg"
    assert run_cli(["graph", str(STORIES / "tiny"), "--format", "svg", "--out", str(out)]).returncode == 0
    assert out.read_text().lstrip().startswith("<?xml") and "Home" in out.read_text()


def test_new_story_passes_check_and_explore(tmp_path):
    folder = tmp_path / "mine"
    assert run_cli(["new", str(folder)]).returncode == 0
    assert run_cli(["check", "--strict", str(folder)]).returncode == 0
    assert run_cli(["explore", str(folder)]).returncode == 0
    again = run_cli(["new", str(folder)])
    assert again.returncode == 1 and "not empty" in again.stderr


def test_stats():
    data = json.loads(run_cli(["stats", str(STORIES / "tiny"), "--format", "json"]).stdout)
    assert data["total"] == {"scenes": 4, "choices": 5, "words": data["total"]["words"], "endings": 1, "variables": 3}
    assert 40 < data["total"]["words"] < 80


def test_every_story_file_validates_against_the_schema():
    jsonschema = pytest.importorskip("jsonschema")
    schema_dir = ROOT / "adventure" / "schema"
    scenes_schema = json.loads((schema_dir / "scenes.schema.json").read_text())
    manifest_schema = json.loads((schema_dir / "manifest.schema.json").read_text())
    jsonschema.validate(yaml.safe_load((STORY / "story.yaml").read_text()), manifest_schema)
    files = sorted(STORY.glob("[0-9]*.yaml"))
    assert len(files) == 20
    for path in files:
        text = path.read_text()
        assert text.startswith("# yaml-language-server: $schema=../adventure/schema/scenes.schema.json")
        jsonschema.validate(yaml.safe_load(text), scenes_schema)
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({"scenes": {"a": {"choises": []}}}, scenes_schema)


def test_the_guides_example_story_works(tmp_path):
    """The complete example in docs/authoring.md loads, checks and ends well."""
    import re
    guide = (ROOT / "docs" / "authoring.md").read_text()
    blocks = re.findall(r"`([\w.-]+\.yaml)`:\n\n```yaml\n(.*?)```", guide, re.S)
    assert [name for name, _ in blocks] == ["story.yaml", "01-shore.yaml"]
    folder = tmp_path / "example"
    folder.mkdir()
    for name, text in blocks:
        (folder / name).write_text(text)
    result = run_cli(["check", str(folder)])
    assert result.returncode == 0, result.stdout
    assert run_cli(["explore", str(folder)]).returncode == 0
    played = run_cli(["--story", str(folder), "--plain", "--no-save"], stdin="2\n1\n2\n")
    assert "It lights at your touch." in played.stdout and "THE END" in played.stdout


def test_new_points_the_editor_at_schemas_inside_the_story(tmp_path):
    folder = tmp_path / "mine"
    assert run_cli(["new", str(folder)]).returncode == 0
    for name, schema in (("story.yaml", "manifest"), ("01-the-shore.yaml", "scenes")):
        first = (folder / name).read_text().splitlines()[0]
        assert first == f"# yaml-language-server: $schema=schema/{schema}.schema.json"
        assert (folder / "schema" / f"{schema}.schema.json").is_file()
    assert run_cli(["check", str(folder), "--strict"]).returncode == 0
