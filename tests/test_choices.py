"""`adventure check --choices`: which menus change something, on small stories and on *Her*."""
import json
from collections import Counter

import adventure
from adventure.core.consequence import analyse, route_shares
from adventure.tools.routes import read_route
from conftest import ROOT
from test_players import run_cli

MANIFEST = """\
id: c
title: C
version: "1"
start: a
variables:
  mood: {type: int, default: 0, min: -3, max: 3}
  kind: false
  spare: {type: int, default: 0, min: 0, max: 9}
  trophy: false
"""

# Format 1: `a` is cosmetic (both answers go to b, nothing set); `b` sets mood, which c's condition reads;
# `c`'s options set `spare` (nothing reads it) and `trophy` (only the ending's recap reads it).
FORMAT1 = """\
chapter: One
scenes:
  a:
    text: A question.
    choices:
      - {text: Yes., id: yes, goto: b}
      - {text: No., id: no, goto: b}
  b:
    text: Another.
    choices:
      - {text: Warmly., id: warm, goto: c, do: mood += 1}
      - {text: Coldly., id: cold, goto: c, do: mood -= 1}
  c:
    text:
      - Later.
      - {if: mood > 0, text: You smile.}
    choices:
      - {text: Count., id: count, goto: d, do: [spare += 1, trophy = true]}
      - {text: Do not., id: dont, goto: d}
  d:
    text: On.
    choices:
      - {text: Keep going., goto: e}
  e:
    chapter: Two
    text: The end.
    ending: true
"""

RECAP = """\
scenes:
  e:
    chapter: Two
    ending: true
    text:
      - The end.
      - {if: trophy, text: You counted.}
"""


def compiled_of(files):
    compiled, diagnostics = adventure.compile_sources({"story.yaml": MANIFEST, **files})
    assert compiled is not None, [str(d) for d in diagnostics]
    return compiled


def by_scene(report):
    return {m.scene: m for m in report.menus}


def test_format1_cosmetic_menu_is_found_and_a_read_variable_is_not_cosmetic():
    report = analyse(compiled_of({"01.yaml": FORMAT1}))
    menus = by_scene(report)
    assert menus["a"].verdict == "cosmetic" and "same place (b)" in menus["a"].reason
    assert menus["b"].verdict == "state"                      # mood is read by c's paragraph condition
    warm = next(o for o in menus["b"].options if o.id == "warm")
    assert [r.to_dict() for r in warm.differs["mood += 1"]] == [{"scene": "c", "role": "paragraph condition"}]
    assert menus["c"].verdict == "cosmetic"                   # spare: read by nothing; trophy: by nothing either
    assert [m.scene for m in report.cosmetic] == ["a", "c"]


def test_effect_nothing_reads_and_effect_read_only_by_the_ending_are_listed():
    files = {"01.yaml": FORMAT1.split("  e:\n")[0], "02.yaml": RECAP}
    report = analyse(compiled_of(files))
    effects = {e.variable: e for e in report.effects}
    assert set(effects) == {"spare", "trophy"}
    assert effects["spare"].why == "unread" and effects["spare"].choice == "count" and effects["spare"].line == 18
    assert effects["trophy"].why == "ending" and [r.part for r in effects["trophy"].readers] == ["e"]
    # the recap's read is reported, and does not make the menu matter
    c = by_scene(report)["c"]
    assert c.verdict == "cosmetic" and "read only inside an ending" in c.reason and "e" in c.reason


def test_a_menu_leading_to_different_places_matters():
    report = analyse(compiled_of({"01.yaml": FORMAT1.replace("{text: No., id: no, goto: b}",
                                                             "{text: No., id: no, goto: c}")}))
    a = by_scene(report)["a"]
    assert a.verdict == "places"
    assert {o.id: sorted(o.road.landing) for o in a.options} == {"yes": ["b"], "no": ["c"]}


WEAVE = """\
scenes:
  a:
    - The lamp is cold.
    - Wave: [You wave.]
    - Nod:
        - You nod.
        - Slowly.
    - They smile back.
    - "[Light it]":
        - {do: kind = true}
        - It catches.
    - "[Leave it]": [You leave it.]
    - The room waits.
    - {if: kind, then: [It is warm.]}
    - Go on: b
  b:
    - Outside.
    - Once more: [Once.]
    - Twice: [Twice.]
    - {goto: c}
  c: [The end., end]
"""


def test_format2_weave_bodies_that_gather_are_the_same_place_unless_they_set_what_is_read():
    report = analyse(compiled_of({"01.yaml": WEAVE}))
    menus = by_scene(report)
    assert menus["a"].verdict == "cosmetic"           # Wave / Nod: bodies gather, nothing set
    assert "same place" in menus["a"].reason
    light = menus["a._1"]                             # the second menu: kind is read by the `if` after it
    assert light.verdict == "state" and {o.id for o in light.options} == {"light_it", "leave_it"}
    assert any("kind = true" in key for o in light.options for key in o.differs)
    assert menus["b"].verdict == "cosmetic"
    assert {p.scene for p in report.prompts} == {"a._3"}  # "Go on", the one option after the gather


def test_one_option_share_on_a_recorded_route(tmp_path):
    story, _ = adventure.build({"story.yaml": MANIFEST, "01.yaml": FORMAT1})
    shares = route_shares(story, {"walk": ["yes", "warm", "dont", "e"]})
    row = shares[0]
    assert row.error is None
    assert (row.steps, row.one_option, row.menus, row.cosmetic) == (4, 1, 3, 2)
    assert row.one_option_share == 0.25 and row.cosmetic_met == ["a", "c"]
    # and through the command line, from a route file
    folder = tmp_path / "s"
    folder.mkdir()
    (folder / "story.yaml").write_text(MANIFEST)
    (folder / "01.yaml").write_text(FORMAT1)
    (tmp_path / "walk.route").write_text("# a walk\nyes\nwarm\ndont\ne\n")
    result = run_cli(["check", str(folder), "--choices", "--routes", str(tmp_path / "walk.route")])
    assert result.returncode == 0, result.stderr
    assert "walk.route: 4 prompts, 1 one-option (25.0%), 3 menus, 2 cosmetic (66.7%): a, c" in result.stdout


def test_a_conditional_menu_met_with_one_option_on_offer_counts_as_one_option():
    files = {"01.yaml": FORMAT1.replace("{text: Coldly., id: cold, goto: c, do: mood -= 1}",
                                        "{text: Coldly., id: cold, goto: c, do: mood -= 1, if: kind}")}
    story, _ = adventure.build({"story.yaml": MANIFEST, **files})
    row = route_shares(story, {"walk": ["yes", "warm", "dont", "e"]})[0]
    assert (row.steps, row.one_option, row.menus) == (4, 2, 2)


def test_json_shape(tmp_path):
    folder = tmp_path / "s"
    folder.mkdir()
    (folder / "story.yaml").write_text(MANIFEST)
    (folder / "01.yaml").write_text(FORMAT1)
    result = run_cli(["check", str(folder), "--choices", "--format", "json"])
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert {"prompts", "menus", "one_option", "one_option_share", "cosmetic", "unread_effects", "reach",
            "cosmetic_menus", "one_option_prompts", "effects_nothing_reads", "menus_detail", "readers",
            "routes"} <= set(data)
    assert (data["prompts"], data["menus"], data["one_option"], data["cosmetic"]) == (4, 3, 1, 2)
    assert set(data["reach"]) == {"choices", "menu_options", "past_next_scene", "past_next_scene_share",
                                  "later_chapter", "later_chapter_share", "past_next_chapter",
                                  "past_next_chapter_share"}
    menu = data["cosmetic_menus"][0]
    assert set(menu) == {"scene", "file", "line", "chapter", "verdict", "reason", "options"}
    assert set(menu["options"][0]) == {"id", "text", "line", "landing", "differs", "read_only_at_ending",
                                       "unread", "reach"}
    assert data["one_option_prompts"][0] == {"scene": "d", "file": str(folder / "01.yaml"), "line": 23,
                                             "id": "e", "text": "Keep going."}
    assert data["readers"]["mood"] == [{"scene": "c", "role": "paragraph condition"}]
    assert data["readers"]["spare"] == []


def test_reach_past_the_next_scene_and_chapter():
    # mood is read by c, the scene b's options lead to: no further than the next scene
    report = analyse(compiled_of({"01.yaml": FORMAT1}))
    assert (report.past_next_scene, report.later_chapter, report.past_next_chapter) == (0, 0, 0)
    assert report.choices == 7 and report.options == 6
    # read again in d (chapter Two) and f (chapter Three): past the next scene, and two chapters on
    later = FORMAT1.replace("  d:\n    text: On.", "  d:\n    chapter: Two\n    text: [On., {if: mood < 0, text: Cold.}]"
                            ).replace("  e:\n    chapter: Two\n    text: The end.\n    ending: true\n",
                                      "  e:\n    text: Nearly.\n    choices: [{text: x, goto: f}]\n"
                                      "  f:\n    chapter: Three\n    text: [The end., {if: mood > 0, text: Warm.}]\n"
                                      "    choices: [{text: y, goto: g}]\n  g: {text: Fin., ending: true}\n")
    report = analyse(compiled_of({"01.yaml": later}))
    b = by_scene(report)["b"]
    assert all({"c", "d", "f"} <= set(o.reach) for o in b.options)
    assert (report.past_next_scene, report.later_chapter, report.past_next_chapter) == (2, 2, 2)
    # a read inside the ending does not reach: f reads mood, and f is now the ending
    ending = later.replace("    choices: [{text: y, goto: g}]\n  g: {text: Fin., ending: true}\n", "    ending: true\n")
    report = analyse(compiled_of({"01.yaml": ending}))
    assert (report.past_next_scene, report.later_chapter, report.past_next_chapter) == (2, 2, 0)


def test_story_with_errors_exits_1_and_report_exits_0(make_story):
    bad = make_story({"story.yaml": MANIFEST, "01.yaml": FORMAT1.replace("goto: b}", "goto: nowhere}", 1)})
    assert run_cli(["check", str(bad), "--choices"]).returncode == 1
    good = make_story({"story.yaml": MANIFEST, "01.yaml": FORMAT1}, name="good")
    result = run_cli(["check", str(good), "--choices"])
    assert result.returncode == 0 and "cosmetic menus (2)" in result.stdout


def test_her_report_is_produced_and_consistent():
    story = adventure.open_story(ROOT / "story")
    report = analyse(story.compiled)
    data = report.to_dict()
    assert data["menus"] > 0 and data["one_option"] >= 0
    assert data["prompts"] == data["menus"] + data["one_option"] == len(data["menus_detail"]) + len(
        data["one_option_prompts"])
    verdicts = Counter(m["verdict"] for m in data["menus_detail"])
    assert set(verdicts) <= {"places", "state", "cosmetic"} and sum(verdicts.values()) == data["menus"]
    assert verdicts["cosmetic"] == data["cosmetic"] == len(data["cosmetic_menus"])
    assert data["unread_effects"] == len(data["effects_nothing_reads"])
    reach = data["reach"]
    assert reach["menu_options"] == sum(len(m["options"]) for m in data["menus_detail"])
    assert reach["choices"] == reach["menu_options"] + data["one_option"]
    assert reach["past_next_chapter"] <= reach["later_chapter"] <= reach["menu_options"]
    assert reach["past_next_scene"] <= reach["menu_options"]
    for menu in data["cosmetic_menus"]:
        assert len({tuple(o["landing"]) for o in menu["options"]}) == 1
        assert not any(o["differs"] for o in menu["options"])
    assert set(data["readers"]) == set(story.variables)
    routes = sorted((ROOT / "tests" / "routes").glob("*.route"))
    assert routes
    rows = route_shares(story, {p.name: read_route(p) for p in routes}, report)
    for row in rows:
        assert row.error is None, row.error
        assert row.steps == len(read_route(ROOT / "tests" / "routes" / row.name))
        assert row.one_option + row.menus == row.steps and row.cosmetic == len(row.cosmetic_met) <= row.menus
        assert 0 < row.one_option_share < 1
    assert [r["route"] for r in report.to_dict()["routes"]] == [p.name for p in routes]
