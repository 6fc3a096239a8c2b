"""The story of Her: its size, its routes, its letters, and that it is told in our own words."""
import random
import subprocess
from pathlib import Path

import pytest

from adventure import Game, load_story, replay
from adventure.core.explore import explore
from adventure.tools.routes import read_route
from adventure.tools.stats import story_stats
from conftest import ROOT

ROUTES = Path(__file__).parent / "routes"
SHARED = ROOT.parent / "shared"


@pytest.fixture(scope="module")
def her():
    return load_story(ROOT / "story", cache=False)


ROADS = ("lover", "friend", "guarded")


def play(story, route):
    """Replay a route; return the game and every paragraph it showed, with the scene it was shown in."""
    shown = []

    def keep(game, _choice):
        for frame in game.frames:
            shown.extend((frame.scene, line.text) for line in frame.lines)
    game = replay(story, route, keep_text=True, on_step=keep)
    keep(game, None)
    return game, shown


def letter_in(shown):
    text = "\n\n".join(t for _, t in shown)
    return text[text.index("Dear Catherine,"):text.index("It isn't the best letter you've ever written.")]


def walk(story, name):
    return play(story, read_route(ROUTES / f"{name}.route"))


def seen_by_chapter(story, route):
    game, shown = play(story, route)
    seen = {}
    for scene, text in shown:  # by the chapter's number: a road may give a chapter its own name
        seen.setdefault(scene.chapter.split(".")[0], []).append(text)
    return game, seen


def test_size_floors(her):
    total = story_stats(her.compiled)["total"]
    assert total["scenes"] >= 70 and total["choices"] >= 150 and total["words"] >= 30_000
    files = sorted(p.name for p in (ROOT / "story").glob("[0-9]*.yaml"))
    assert len(files) == 20 and files[0] == "01-the-office.yaml" and files[-1] == "20-the-rooftop.yaml"


# Each road has its own middle: scenes only it visits, from the morning after to the goodbye.
OWN_SCENES = {
    "lover": {"morning_after", "surrogate", "amy_advice", "the_cabin", "os_not_found", "goodbye"},
    "friend": {"friend_morning", "friend_isabella", "friend_advice", "friend_cabin", "friend_osnf", "friend_goodbye"},
    "guarded": {"closed_morning", "closed_catalina", "closed_amy_night", "closed_advice", "closed_cabin",
                "closed_osnf", "closed_goodbye"},
}


@pytest.mark.parametrize("name", ROADS)
def test_each_road_walks_its_own_middle(her, name):
    game, _ = walk(her, name)
    assert game.ended and game.state.scene == "sunrise"
    visited = {scene for scene, count in game.state.visits.items() if count and not scene.startswith("#")}
    visited = {scene.split(".")[0] for scene in visited}
    assert OWN_SCENES[name] <= visited
    for other, scenes in OWN_SCENES.items():
        if other != name:
            assert not scenes & visited, f"{name} walks {other}'s {scenes & visited}"
    assert {"the_letter", "letter_read", "rooftop"} <= visited   # every road ends at the letter and the roof


def test_lover_road_letter(her):
    game, shown = walk(her, "lover")
    letter = letter_in(shown)
    assert game.state.vars["track"] == "lover" and game.state.vars["signed_at_lunch"]
    assert "Something settled in me at lunch that day" in letter          # at peace with Catherine
    assert "I'm sorry I wanted you to stay the same." in letter
    assert "none of it was taken out of my share" in letter               # glad for Samantha's growth
    assert "some of mine is going with you" in letter                     # love goes wherever she goes
    assert "in a restaurant, with the waiter pretending not to look" in letter
    assert "I kept a list" not in letter and "walked out of that lunch" not in letter


def test_friend_road_letter_and_roof(her):
    game, shown = walk(her, "friend")
    v = game.state.vars
    assert v["track"] == "friend" and v["os_refused_first"] and v["skipped_date"] and v["left_unsigned"]
    letter = letter_in(shown)
    assert "I keep seeing you at twenty, cross-legged on the floor" in letter  # nostalgia
    assert "Friend turned out to be the bigger word." in letter
    assert "Wherever you go, some of it goes along." in letter
    assert "I walked out of that lunch without signing." in letter
    assert "And the pie." in letter and "\n\nT.\n\n" in letter
    text = "\n\n".join(t for _, t in shown)
    roof = text[text.index("Amy is in the corridor"):]
    assert "Nobody writes songs about that version." in roof and "Did you ever sign them?" in roof
    assert "Was that you outside my door around four?" in roof           # not_yet_amy, paid off


def test_guarded_road_letter_and_roof(her):
    game, shown = walk(her, "guarded")
    assert game.state.vars["track"] == "closed" and not game.state.vars["signed_at_lunch"]
    letter = letter_in(shown)
    assert "I've spent this year blaming you. I kept a list." in letter
    assert "at a kitchen counter, at ten past two in the morning" in letter   # signed alone, later
    assert "I've stopped trying to keep it in a drawer." in letter
    assert "I'm leaving one on now." in letter                             # Loretta's porch light
    assert "P.S." not in letter and "Something settled in me" not in letter
    text = "\n\n".join(t for _, t in shown)
    assert "So are we going to talk about the other thing?" in text[text.index("Amy is in the corridor"):]


def test_three_roads_write_three_letters_shown_once(her):
    letters = set()
    for name in ROADS:
        _, shown = walk(her, name)
        text = "\n\n".join(t for _, t in shown)
        assert text.count("Dear Catherine,") == 1
        assert "The road you took" in text and "The letter you sent" not in text
        letters.add(letter_in(shown))
    assert len(letters) == 3


# A phrase that may only appear when the road really did the thing it refers to.
TELLTALES = {
    "Isabella": lambda v, n: v["track"] != "closed",
    "oranges": lambda v, n: n("surr_isabella_arrives") or n("office_small"),
    "smear of gray on the bathroom towel": lambda v, n: n("surr_isabella_leaves") and not n("surr_door"),
    "641": lambda v, n: n("osnf_in_love") or n("friend_osnf") or n("closed_osnf"),
    "at a kitchen counter, at ten past two": lambda v, n: n("lunch_sign_night"),
    "with the waiter pretending not to look": lambda v, n: v["signed_at_lunch"],
    "without signing": lambda v, n: v["left_unsigned"],
    "hand cream": lambda v, n: v["track"] == "closed",
    "risotto": lambda v, n: v["track"] == "friend",
    "Biscuit": lambda v, n: n("sam_letters"),
    "Nobody is anybody for long, Alan said": lambda v, n: v["met_alan_watts"],
    "because you told her. She never once laughed": lambda v, n: v["amy_knows"],
    "You swore your way past": lambda v, n: v["beat_the_alien"],
    "I'm leaving one on now": lambda v, n: n("office_hard"),
    "The kiss,": lambda v, n: v["kissed_amy"],
    "You wrote her a letter to take": lambda v, n: v["wrote_her_letter"],
    "on a hill above the bay, you let her see": lambda v, n: v["showed_bay"],
    "the music she wrote": lambda v, n: n("ma_music"),
    "the file on your desktop": lambda v, n: n("ma_music"),
    "You canceled": lambda v, n: v["skipped_date"],
    "at the blind date": lambda v, n: not v["skipped_date"],
    "outside my door around four": lambda v, n: v["stopped_at_amys"],
    "You asked me not to be": lambda v, n: v["track"] == "friend",
    "the safety pin": lambda v, n: n("day_out"),
}


@pytest.mark.parametrize("name", ROADS)
def test_the_text_never_refers_to_what_the_road_did_not_do(her, name):
    game, shown = walk(her, name)
    v, visits = game.state.vars, game.state.visits

    def n(scene):
        return visits.get(scene, 0) > 0
    for scene, text in shown:
        for phrase, holds in TELLTALES.items():
            if phrase in text:
                assert holds(v, n), f"{name}: {scene.id} says {phrase!r}: {text[:120]}"


@pytest.mark.parametrize("name", ROADS)
def test_few_one_option_prompts(her, name):
    prompts = ones = 0

    def count(game, _choice):
        nonlocal prompts, ones
        prompts += 1
        ones += len(game.choices) == 1
    replay(her, read_route(ROUTES / f"{name}.route"), on_step=count)
    assert ones / prompts < 0.10, f"{name}: {ones} of {prompts} prompts offer one choice"


@pytest.mark.parametrize("chapter", ["XI", "XII", "XVII", "XVIII", "XX"])
def test_key_scenes_read_differently_for_lover_and_guarded(her, chapter):
    _, open_seen = seen_by_chapter(her, read_route(ROUTES / "lover.route"))
    _, guarded_seen = seen_by_chapter(her, read_route(ROUTES / "guarded.route"))
    a, b = set(open_seen[chapter]), set(guarded_seen[chapter])
    shared = len(a & b) / max(len(a | b), 1)
    assert shared < 0.5, f"{chapter}: {shared:.0%} of paragraphs are the same"


def test_the_guarded_road_names_its_own_chapter_twelve(her):
    """The guarded road meets no surrogate, so its chapter XII is not headed as if it did."""
    headings = {}
    for road in ROADS:
        _, shown = walk(her, road)
        headings[road] = {scene.chapter for scene, _ in shown if scene.chapter.startswith("XII.")}
    assert headings["lover"] == headings["friend"] == {"XII. The Surrogate"}
    assert headings["guarded"] and "XII. The Surrogate" not in headings["guarded"]


def test_every_scene_reachable_and_every_route_ends_on_the_roof(her):
    report = explore(her)
    assert report.ok
    assert report.unreached_scenes == [] and report.softlocks == []
    assert list(report.endings) == ["sunrise"]
    assert her.scenes["sunrise"].file.endswith("20-the-rooftop.yaml")
    game, shown = play(her, report.endings["sunrise"])
    text = "\n\n".join(t for _, t in shown)
    assert "Dear Catherine," in text and "The road you took" in text


def test_at_least_six_distinct_letters(her):
    letters = set()
    for seed in range(150):
        rng = random.Random(seed)
        game = Game(her)
        shown = []
        while not game.ended:
            shown.extend((f.scene, line.text) for f in game.frames for line in f.lines)
            game.choose(rng.randrange(len(game.choices)))
        shown.extend((f.scene, line.text) for f in game.frames for line in f.lines)
        letters.add(letter_in(shown))
    assert len(letters) >= 6


def test_story_is_told_in_our_own_words():
    tool = SHARED / "tools" / "originality"
    if not tool.exists():
        pytest.skip(f"the originality check lives in {SHARED}, which is not here")
    result = subprocess.run([str(tool), str(ROOT / "story")], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout[-2000:]
    assert "0 lines repeat published text" in result.stdout
