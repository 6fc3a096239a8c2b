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


def letter_of(game):
    text = game.text
    return text[text.index("Dear Catherine,"):text.index("Up on the roof")]


def seen_by_chapter(story, route):
    seen = {}

    def keep(game, _choice):
        for frame in game.frames:
            seen.setdefault(frame.scene.chapter, []).extend(line.text for line in frame.lines)
    game = replay(story, route, keep_text=True, on_step=keep)
    keep(game, None)
    return game, seen


def test_size_floors(her):
    total = story_stats(her.compiled)["total"]
    assert total["scenes"] >= 70 and total["choices"] >= 150 and total["words"] >= 20_000
    files = sorted(p.name for p in (ROOT / "story").glob("[0-9]*.yaml"))
    assert len(files) == 20 and files[0] == "01-the-office.yaml" and files[-1] == "20-the-rooftop.yaml"


def test_open_route_letter(her):
    game, _ = seen_by_chapter(her, read_route(ROUTES / "open.route"))
    assert game.ended and game.state.scene == "sunrise"
    letter = letter_of(game)
    assert "Something settled in me at lunch that day" in letter          # at peace with Catherine
    assert "I'm sorry I wanted you to stay the same." in letter
    assert "none of it was taken out of my share" in letter               # glad for Samantha's growth
    assert "P.S. Amy would say hello" in letter                           # leaning on Amy
    assert "I kept a list" not in letter
    assert "Amy's head is warm on your shoulder." in game.text


def test_guarded_route_letter(her):
    game, _ = seen_by_chapter(her, read_route(ROUTES / "guarded.route"))
    letter = letter_of(game)
    assert "For a year I've been writing you a letter in my head." in letter   # blame
    assert "I've spent this year blaming you. I kept a list." in letter
    assert "at a kitchen counter, at ten past two in the morning" in letter   # signed alone, later
    assert "P.S." not in letter and "Something settled in me" not in letter
    assert "Amy's shoulder is against yours" in game.text


def test_refusing_route_letter(her):
    route = read_route(ROUTES / "refuse.route")
    game, _ = seen_by_chapter(her, route)
    assert game.state.vars["os_refused_first"] and game.state.vars["skipped_date"]
    assert game.state.vars["refused_surrogate"]
    letter = letter_of(game)
    assert "I keep seeing you at twenty, cross-legged on the floor" in letter  # nostalgia
    assert "Thank you for growing up with me." in letter
    assert "And the pie." in letter
    assert "\n\nT.\n\n" in letter  # signed with the initial of the fridge notes
    summary = game.text[game.text.index("The road you took"):]
    assert "You turned OS1 away once, then let it in." in summary
    assert "You canceled the blind date" in summary


def test_three_routes_write_three_letters(her):
    letters = {letter_of(replay(her, read_route(ROUTES / f"{name}.route"), keep_text=True))
               for name in ("open", "guarded", "refuse")}
    assert len(letters) == 3


@pytest.mark.parametrize("chapter", [
    "XI. Signing the Papers", "XII. The Surrogate", "XVII. Operating System Not Found",
    "XVIII. Goodbye", "XX. The Rooftop"])
def test_key_scenes_read_differently_for_open_and_guarded(her, chapter):
    _, open_seen = seen_by_chapter(her, read_route(ROUTES / "open.route"))
    _, guarded_seen = seen_by_chapter(her, read_route(ROUTES / "guarded.route"))
    a, b = set(open_seen[chapter]), set(guarded_seen[chapter])
    shared = len(a & b) / max(len(a | b), 1)
    assert shared < 0.5, f"{chapter}: {shared:.0%} of paragraphs are the same"


def test_every_scene_reachable_and_every_route_ends_on_the_roof(her):
    report = explore(her)
    assert report.ok
    assert report.unreached_scenes == [] and report.softlocks == []
    assert list(report.endings) == ["sunrise"]
    assert her.scenes["sunrise"].file.endswith("20-the-rooftop.yaml")
    route = report.endings["sunrise"]
    game = replay(her, route, keep_text=True)
    assert "The letter you sent:" in game.text and "The road you took" in game.text


def test_at_least_six_distinct_letters(her):
    letters = set()
    for seed in range(150):
        rng = random.Random(seed)
        game = Game(her)
        while not game.ended:
            game.choose(rng.randrange(len(game.choices)))
        letters.add(letter_of(game))
    assert len(letters) >= 6


def test_story_is_told_in_our_own_words():
    tool = SHARED / "tools" / "originality"
    if not tool.exists():
        pytest.skip(f"the originality check lives in {SHARED}, which is not here")
    result = subprocess.run([str(tool), str(ROOT / "story")], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout[-2000:]
    assert "0 lines repeat published text" in result.stdout
