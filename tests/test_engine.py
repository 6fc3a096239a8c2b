"""The engine on small stories: what a player would see and rely on."""
import json

import pytest

from adventure import ChoiceError, Game, GameState, load_story, replay, transcript, undo
from conftest import MANIFEST, STORIES


@pytest.fixture
def tiny():
    return load_story(STORIES / "tiny", cache=False)


def play(story, route):
    game = Game(story)
    for choice in route:
        game.choose(choice)
    return game


def test_start_text_and_choices(tiny):
    game = Game(tiny)
    assert game.text.startswith("The tide is out.")
    assert '"Come in out of the wind, stranger."' in game.text
    assert [c.id for c in game.choices] == ["lamp_room", "search_beach", "home"]
    assert game.lines[-1].speaker == "keeper"
    assert not game.ended


def test_conditional_text_and_visit_counts(tiny):
    game = play(tiny, ["lamp_room", "shore"])
    assert "You have been up there before" in game.text
    assert game.state.visits == {"shore": 2, "lamp_room": 1}
    assert "You have been up there before" not in Game(tiny).text


def test_interpolated_expression_reads_state(tiny):
    assert "You have nothing to light it with." in play(tiny, ["lamp_room"]).text
    assert "It lights at your touch." in play(tiny, ["search_beach", "lamp_room"]).text


def test_once_only_choice_disappears(tiny):
    game = play(tiny, ["search_beach"])
    assert "search_beach" not in [c.id for c in game.choices]
    assert game.state.vars["has_lamp"] is True


def test_conditional_choice_hidden_until_it_holds(tiny):
    assert [c.id for c in play(tiny, ["lamp_room"]).choices] == ["shore"]
    assert [c.id for c in play(tiny, ["search_beach", "lamp_room"]).choices] == ["shore", "dawn"]


def test_fallback_flows_on_and_ends(tiny):
    game = play(tiny, ["search_beach", "lamp_room", "dawn"])
    assert game.ended and game.state.scene == "home"
    assert [f.scene.id for f in game.frames] == ["dawn", "home"]
    assert "Courage 1" in game.frames[0].lines[0].text
    assert game.state.route == ["search_beach", "lamp_room", "dawn"]


def test_clamped_int(make_story):
    folder = make_story({"story.yaml": MANIFEST, "a.yaml": """
        scenes:
          a:
            text: n is {n}
            choices:
              - {text: up, goto: a, id: up, do: n += 4}
              - {text: down, goto: a, id: down, do: n -= 9}
              - {text: stop, goto: z}
          z: {ending: true, text: end}
        """})
    story = load_story(folder, cache=False)
    assert play(story, ["up", "up"]).text == "n is 5"
    assert play(story, ["up", "down"]).text == "n is 0"


def test_toggle_and_str_set(make_story):
    folder = make_story({"story.yaml": MANIFEST, "a.yaml": """
        scenes:
          a:
            do: [toggle flag, "word = 'y'"]
            text: "{flag} {word} {n + 2}"
            choices: [{text: end, goto: z}]
          z: {ending: true, text: end}
        """})
    assert Game(load_story(folder, cache=False)).text == "true y 2"


def test_choose_by_index_and_bad_choice(tiny):
    game = Game(tiny)
    game.choose(1)
    assert game.state.route == ["search_beach"]
    with pytest.raises(ChoiceError):
        game.choose("nowhere")
    with pytest.raises(ChoiceError):
        game.choose(7)


def test_deterministic_and_json_round_trip_every_step(tiny):
    """Like ink's tests: the state survives a JSON round trip at every step."""
    route = ["search_beach", "lamp_room", "shore", "lamp_room", "dawn"]
    game = Game(tiny)
    for choice in route:
        data = json.loads(json.dumps(game.state.to_dict()))
        copy = Game(tiny, GameState.from_dict(data))
        assert copy.text == game.text
        assert [c.id for c in copy.choices] == [c.id for c in game.choices]
        game.choose(choice)
        copy.choose(choice)
        assert copy.state.to_dict() == game.state.to_dict()
    assert replay(tiny, route).state.to_dict() == game.state.to_dict()


def test_undo_and_transcript(tiny):
    game = play(tiny, ["search_beach", "lamp_room"])
    back = undo(game)
    assert back.state.scene == "shore" and back.state.route == ["search_beach"]
    assert undo(undo(game)).state.route == []  # back to the start
    with pytest.raises(ChoiceError):
        undo(Game(tiny))
    entries = transcript(tiny, game.state)
    assert ("choice", "", "Look for a lamp on the beach.") in entries
    assert entries[0] == ("scene", "I. The Shore", "The shore")


def test_start_anywhere(tiny):
    game = Game.starting_at(tiny, "lamp_room", {"has_lamp": True})
    assert "It lights at your touch." in game.text
    game.choose("shore")
    assert undo(game).state.scene == "lamp_room"


def test_fork_and_successors_leave_the_original_alone(tiny):
    game = play(tiny, ["search_beach"])
    before = game.state.to_dict()
    copy = game.fork()
    copy.choose("lamp_room")
    futures = dict(game.successors())
    assert game.state.to_dict() == before
    assert sorted(futures) == ["home", "lamp_room"]
    assert futures["lamp_room"].state.scene == "lamp_room" and futures["home"].ended
    assert futures["lamp_room"].state.vars == copy.state.vars
