"""Format 2, as an author writes it and a player sees it: every construct, its errors, and its exploring."""
import re

import pytest

import adventure
from adventure.core.explore import explore
from conftest import ROOT

MANIFEST = "id: w\ntitle: W\nstart: a\nvariables:\n  n: {type: int, default: 0, min: 0, max: 99}\n  lit: false\n"


def story_of(scenes: str, manifest: str = MANIFEST):
    story, diagnostics = adventure.build({"story.yaml": manifest, "01.yaml": scenes})
    assert story is not None, [str(d) for d in diagnostics]
    return story


def errors_of(scenes: str, manifest: str = MANIFEST):
    story, diagnostics = adventure.build({"story.yaml": manifest, "01.yaml": scenes})
    assert story is None
    return [d for d in diagnostics if d.severity == "error"]


def shown(game):
    return [line.text for frame in game.frames for line in frame.lines]


def menu(game):
    return [c.text for c in game.choices]


def test_choices_with_bodies_gather_after_the_menu():
    game = adventure.Game(story_of("""\
scenes:
  a:
    - Hello.
    - Wave: [You wave.]
    - Nod:
        - You nod.
        - Slowly.
    - They smile back.
    - Bye: z
  z: [The end., end]
"""))
    assert shown(game) == ["Hello."] and menu(game) == ["Wave", "Nod", ]
    game.choose(1)
    assert shown(game) == ["Nod", "You nod.", "Slowly.", "They smile back."] and menu(game) == ["Bye"]
    game.choose(0)
    assert shown(game) == ["Bye", "The end."] and game.ended


def test_nested_menus_gather_at_each_level():
    game = adventure.Game(story_of("""\
scenes:
  a:
    - Outer?
    - Yes:
        - Inner?
        - Red: [Red it is.]
        - Blue: [Blue it is.]
        - Inner done.
    - No: [Fine.]
    - Outer done.
    - Go: z
  z: [end]
"""))
    game.choose(0)
    assert shown(game)[-1] == "Inner?" and menu(game) == ["Red", "Blue"]
    game.choose(1)
    assert shown(game) == ["Blue", "Blue it is.", "Inner done.", "Outer done."]


def test_echo_split_and_silent_choices():
    game = adventure.Game(story_of("""\
scenes:
  a:
    - '"Hello[."]," he said.': [She nods.]
    - "[Say nothing]": [Silence.]
    - Then.
    - Go: z
  z: [end]
"""))
    assert menu(game) == ['"Hello."', "Say nothing"]
    game.choose(0)
    assert shown(game)[:2] == ['"Hello," he said.', "She nods."]
    other = adventure.Game(game.story)
    other.choose(1)
    assert shown(other) == ["Silence.", "Then."]


def test_glue_joins_across_a_divert():
    game = adventure.Game(story_of("""\
scenes:
  a:
    - We hurried home <>
    - {goto: b}
  b:
    - <> to Savile Row.
    - Go: z
  z: [end]
"""))
    assert shown(game) == ["We hurried home to Savile Row."]


def test_effects_run_in_the_flow_between_paragraphs():
    game = adventure.Game(story_of("""\
scenes:
  a:
    - Before, {n}.
    - {do: n += 5}
    - After, {n}.
    - Go: z
  z: [end]
"""))
    assert shown(game) == ["Before, 0.", "After, 5."]


def test_tunnels_come_back_and_are_kept_in_saves():
    story = story_of("""\
scenes:
  a:
    - Morning.
    - {call: weather}
    - Back at the desk.
    - Go: z
  weather:
    - Rain again.
    - Wait:
        - You wait.
    - return
  z: [end]
""")
    game = adventure.Game(story)
    assert shown(game) == ["Morning.", "Rain again."] and game.state.stack
    record = game.snapshot()
    restored, note = adventure.restore(story, record)
    assert note is None and restored.state.stack == game.state.stack
    restored.choose(0)
    assert shown(restored) == ["Wait", "You wait.", "Back at the desk."] and not restored.state.stack
    undone = adventure.undo(restored)
    assert undone.state.stack == game.state.stack


def test_a_return_without_a_call_is_a_play_error_found_by_explore():
    story = story_of("""\
scenes:
  a:
    - Go: b
  b: [Nowhere to return to., return]
""")
    game = adventure.Game(story)
    with pytest.raises(adventure.PlayError, match="returns, but nothing called it"):
        game.choose(0)
    report = explore(story)
    assert report.failures and not report.ok


@pytest.mark.parametrize("text, visits", [
    ("{one|two|three}", ["one", "two", "three", "three"]),
    ("{&one|two}", ["one", "two", "one", "two"]),
    ("{!one|two}", ["one", "two", "", ""]),
])
def test_text_variations(text, visits):
    story = story_of(f"""\
scenes:
  a:
    - "Say: {text}"
    - Again:
        sticky: true
    - Stop: z
  z: [end]
""".replace("    - Again:\n        sticky: true\n", "    - {choice: Again, sticky: true, goto: a}\n"))
    game = adventure.Game(story)
    seen = []
    for _ in visits:
        seen.append([t for t in shown(game) if t.startswith("Say:")][-1].removeprefix("Say:").strip())
        game.choose(0)
    assert seen == visits


def test_shuffles_and_draws_follow_the_seed():
    story = story_of("""\
scenes:
  a:
    - "{~red|green|blue|gold}"
    - do: n = random(1, 6)
    - Rolled {n}.
    - Go: z
  z: [end]
""")
    runs = {seed: shown(adventure.Game(story, seed=seed)) for seed in range(12)}
    assert runs[3] == shown(adventure.Game(story, seed=3))          # same seed, same draws
    assert len({tuple(r) for r in runs.values()}) > 3                  # different seeds differ
    assert all(re.fullmatch(r"Rolled [1-6]\.", r[-1]) for r in runs.values())


def test_the_explorer_follows_every_outcome_of_a_draw():
    story = story_of("""\
scenes:
  a:
    - Roll:
        - do: n = random(1, 3)
        - {if: n == 3, then: [{goto: win}]}
        - {goto: lose}
  win: [Three!, end]
  lose: [Not three., end]
""")
    report = explore(story)
    assert set(report.endings) == {"win", "lose"} and report.ok


def test_labels_divert_and_count_visits():
    game = adventure.Game(story_of("""\
scenes:
  a:
    - {label: top}
    - "Round {visited('a.top')}."
    - {choice: Again, sticky: true, goto: .top}
    - Done: z
  z: [end]
"""))
    game.choose(0)
    game.choose(0)
    assert "Round 3." in shown(game)


def test_choices_are_once_only_unless_sticky():
    game = adventure.Game(story_of("""\
scenes:
  a:
    - {label: hub}
    - Hub.
    - Look: [{goto: .hub}]
    - {choice: Wait, sticky: true, goto: .hub}
    - Leave: z
  z: [end]
"""))
    game.choose(0)
    assert menu(game) == ["Wait", "Leave"]
    game.choose(0)
    assert menu(game) == ["Wait", "Leave"]


def test_conditional_flow_and_conditional_choices():
    game = adventure.Game(story_of("""\
scenes:
  a:
    - {if: lit, then: [The lamp burns.], else: [It is dark.]}
    - {choice: Light it, if: not lit, do: lit = true, goto: a}
    - Leave: z
  z: [end]
"""))
    assert shown(game) == ["It is dark."]
    game.choose(0)
    assert shown(game)[-1] == "The lamp burns." and menu(game) == ["Leave"]


def test_tags_reach_the_host():
    game = adventure.Game(story_of("""\
scenes:
  a:
    - {text: Thunder., tags: [sound_thunder]}
    - {choice: Run, goto: z, tags: hurry}
  z: [end]
"""))
    assert game.frames[-1].lines[0].tags == ("sound_thunder",)


@pytest.mark.parametrize("scenes, code, line", [
    ("scenes:\n  a:\n    - Just text.\n", "E024", 3),
    ("scenes:\n  a:\n    - {goto: z}\n    - Never shown.\n  z: [end]\n", "E025", 4),
    ("scenes:\n  a:\n    - {goto: .nowhere}\n", "E011", 3),
    ("scenes:\n  a:\n    - Go: nowhere\n", "E011", 3),
    ("scenes:\n  a:\n    - do: n = random(1)\n    - end\n", "E015", 3),
    ("scenes:\n  a:\n    - {do: n = random(1, 6)}\n    - end\n", "E005", 3),
    ("scenes:\n  a:\n    - 'x {random(1, 2)}'\n    - end\n", "E015", 3),
])
def test_weave_mistakes_are_located(scenes, code, line):
    errors = errors_of(scenes)
    assert (code, line) in [(d.code, d.line) for d in errors], [str(d) for d in errors]


def test_a_comma_in_a_flow_mapping_gets_plain_words_and_the_fix():
    errors = errors_of("scenes:\n  a:\n    - {do: n = random(1, 6)}\n    - end\n")
    assert any("comma" in d.message and "quote" in d.message for d in errors), [str(d) for d in errors]


def test_format_one_and_two_mix_and_her_still_loads():
    story = story_of("""\
scenes:
  a:
    text: An old scene.
    choices: [{text: On, goto: b}]
  b:
    - A new one.
    - Back: a
    - End: z
  z: {text: The end., ending: true}
""")
    game = adventure.Game(story)
    game.choose(0)
    assert shown(game) == ["A new one."]
    her = adventure.open_story(ROOT / "story")
    assert len(her.scenes) > 200


def test_the_guides_weave_example_builds_and_plays():
    guide = (ROOT / "docs" / "authoring.md").read_text()
    example = re.search(r"## Format 2.*?```yaml\n(.*?)```", guide, re.S).group(1)
    story, diagnostics = adventure.build({
        "story.yaml": "id: l\ntitle: L\nstart: lunch\nvariables:\n  nerves: 0\n  warmth: 0\n",
        "01.yaml": example,
        "02.yaml": "scenes:\n  her_work: [She talks about the book., return]\n  street: [The street., end]\n"})
    assert story is not None and not [d for d in diagnostics if d.severity == "error"]
    report = explore(story)
    assert report.ok and set(report.endings) == {"street"}


def test_definitions_are_checked_and_expanded():
    manifest = MANIFEST + ("define:\n  double: {params: {x: int}, value: x * 2}\n"
                           "  greet: {params: {who: str}, text: 'Hi, {who}: {n}.'}\n")
    game = adventure.Game(story_of("scenes:\n  a:\n    - '{greet(\"Amy\")} {double(21)}'\n    - end\n", manifest))
    assert shown(game) == ["Hi, Amy: 0. 42"]
    bad = manifest + "  loop: {value: loop() + 1}\n"
    assert any(d.code == "E015" and "calls itself" in d.message
               for d in errors_of("scenes:\n  a:\n    - end\n", bad))
    assert any(d.code == "E016" for d in errors_of("scenes:\n  a:\n    - '{double(\"x\")}'\n    - end\n", manifest))


def test_the_schema_covers_format_two():
    import jsonschema
    import yaml

    schema_dir = ROOT / "adventure" / "schema"
    scenes = __import__("json").loads((schema_dir / "scenes.schema.json").read_text())
    guide = (ROOT / "docs" / "authoring.md").read_text()
    example = yaml.safe_load(re.search(r"## Format 2.*?```yaml\n(.*?)```", guide, re.S).group(1))
    jsonschema.validate(example, scenes)
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({"scenes": {"a": [{"goto": 3}]}}, scenes)
    manifest = __import__("json").loads((schema_dir / "manifest.schema.json").read_text())
    jsonschema.validate(yaml.safe_load(MANIFEST + "define:\n  d: {params: {x: int}, value: x * 2}\n"
                                       "functions:\n  f: {params: [int], returns: str}\n"), manifest)


LINES = "\n".join


@pytest.mark.parametrize("text, words", [
    ("scenes:\n  a:\n    text: He said: no.\n    ending: true\n", "quote the text"),
    ("scenes:\n  a:\n\ttext: x\n", "spaces only"),
    ("scenes:\n  a:\n    text: 'I don't know'\n    ending: true\n", "write it twice"),
    ("scenes:\n  a:\n    text: \"Hello,\" she said.\n    ending: true\n", "must end with it"),
    ("scenes:\n  a:\n    text: {name} waves, then goes.\n    ending: true\n", "starts with { or ["),
])
def test_yaml_pitfalls_get_plain_words_and_the_fix(text, words):
    _, diagnostics = adventure.build({"story.yaml": "id: p\ntitle: P\nstart: a\n", "01.yaml": text})
    (first, *_) = diagnostics
    assert first.code == "E001" and words in first.message and first.line == 3


def test_a_broken_file_does_not_cascade_into_the_others():
    _, diagnostics = adventure.build({
        "story.yaml": "id: p\ntitle: P\nstart: a\n",
        "01.yaml": "scenes:\n  a:\n    text: He said: no.\n    ending: true\n",
        "02.yaml": "scenes:\n  b:\n    text: x\n    choices: [{text: go, goto: a}]\n"})
    assert [(d.path, d.code) for d in diagnostics if d.severity == "error"] == [("01.yaml", "E001")]


def test_a_mistake_inside_a_block_is_placed_on_its_own_line():
    text = ("scenes:\n  a:\n    text: |\n      All is well here.\n\n      Then, on the second\n"
            "        line, {nope} appears.\n    ending: true\n  b:\n    text: >\n      Folded text\n"
            "      with {n +} broken.\n    ending: true\n")
    _, diagnostics = adventure.build({"story.yaml": MANIFEST, "01.yaml": text})
    found = {(d.code, d.line, d.column) for d in diagnostics if d.severity == "error"}
    assert ("E013", 7, 16) in found and ("E014", 12, 13) in found, found


def test_graph_and_stats_read_a_weave_as_its_scenes(tmp_path):
    import json as _json
    from test_players import run_cli

    folder = tmp_path / "w"
    folder.mkdir()
    (folder / "story.yaml").write_text(MANIFEST)
    (folder / "01.yaml").write_text("scenes:\n  a:\n    - One two three.\n    - {call: t}\n    - Go on: z\n"
                                    "  t: [Four five., return]\n  z: [end]\n")
    stats = _json.loads(run_cli(["stats", str(folder), "--format", "json"]).stdout)["total"]
    assert (stats["scenes"], stats["choices"], stats["endings"]) == (3, 1, 1)
    dot = run_cli(["graph", str(folder)]).stdout
    assert '"a" -> "t"' in dot and '"" ' not in dot and "->" in dot


def test_a_shuffled_menu_follows_the_seed_and_keeps_its_choices():
    story = story_of("""\
scenes:
  a:
    - Pick a door.
    - {shuffle: true}
    - {choice: Red, goto: z, id: red, tags: warm}
    - {choice: Green, goto: z, id: green}
    - {choice: Blue, goto: z, id: blue}
    - {choice: Gold, goto: z, id: gold}
  z: [end]
""")
    orders = {seed: tuple(c.id for c in adventure.Game(story, seed=seed).choices) for seed in range(16)}
    assert all(sorted(o) == ["blue", "gold", "green", "red"] for o in orders.values())
    assert len(set(orders.values())) > 4                      # the seed decides the order
    game = adventure.Game(story, seed=5)
    again, _ = adventure.restore(story, game.snapshot())
    assert [c.id for c in again.choices] == list(orders[5])   # and a load keeps it
    red = next(c for c in game.choices if c.id == "red")
    assert red.tags == ("warm",)
    game.choose(red.index)
    assert game.state.route == ["red"]
