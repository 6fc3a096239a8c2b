"""The engine as another program uses it: only the names in `adventure.__all__`."""
import ast
import inspect
import re
import types
from pathlib import Path

import pytest

import adventure
from conftest import ROOT, STORIES
from test_players import run_cli

story = adventure.open_story(STORIES / "tiny")
saved: dict[str, dict] = {}                  # player id -> snapshot (a database in real life)


def reply(player: str, message: str) -> str:
    """Answer one message from one player: their choice's number, or anything to begin."""
    if player in saved:
        game, note = adventure.restore(story, saved[player])
    else:
        game, note = adventure.Game(story), None
    out = [note] if note else []
    if player in saved and message.strip().isdigit():
        try:
            game.choose(int(message) - 1)     # all or nothing
        except adventure.ChoiceError:
            out.append("Pick one of the numbers.")
        except adventure.PlayError as exc:    # the step could not be taken; nothing changed
            out.append(f"That cannot be done: {exc}")
    for frame in game.frames:
        out += [line.text for line in frame.lines]
    if game.ended:
        out.append("THE END")
        saved.pop(player, None)
    else:
        out += [f"{o.index + 1}. {o.text}" for o in game.choices]
        saved[player] = game.snapshot()
    return "\n\n".join(out)


def test_the_guide_shows_this_very_host():
    guide = (ROOT / "docs" / "embedding.md").read_text()
    block = re.search(r"```python\n(import adventure\n.*?)```", guide, re.S).group(1)
    ours = inspect.getsource(reply)
    assert ours in block and "saved: dict[str, dict] = {}" in block


def test_many_players_at_once_one_message_at_a_time():
    saved.clear()
    first = reply("ann", "hello")
    assert "The tide is out." in first and "1. Climb the stairs." in first
    reply("bob", "hi")
    reply("ann", "2")                        # ann looks for a lamp
    assert "You sleep well." in reply("bob", "3") and "bob" not in saved   # bob goes home: the end
    after = reply("ann", "1")                # ann climbs; her lamp came with her
    assert "It lights at your touch." in after
    assert "Pick one of the numbers." in reply("ann", "9")
    assert reply("ann", "2").endswith("THE END")  # stays until morning, then home
    assert saved == {}


def test_the_host_and_the_plain_player_show_the_same_text():
    saved.clear()
    answers = ["2", "1", "2"]
    host = [reply("p", "start")] + [reply("p", a) for a in answers]
    played = run_cli(["--plain", "--no-save", "--story", str(STORIES / "tiny")], stdin="\n".join(answers) + "\n")
    plain = played.stdout
    position = 0
    for message in host:
        for paragraph in message.split("\n\n"):
            if paragraph == "THE END" or re.match(r"\d\. ", paragraph):
                continue
            found = plain.find(paragraph, position)
            assert found >= 0, paragraph
            position = found + len(paragraph)


def test_a_host_needs_only_the_public_names():
    tree = ast.parse(Path(__file__).read_text())
    imported = {n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) and n.module}
    imported |= {a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
    assert not any(m.startswith("adventure.") for m in imported)
    used = {n.attr for n in ast.walk(tree) if isinstance(n, ast.Attribute)
            and isinstance(n.value, ast.Name) and n.value.id == "adventure" and not n.attr.startswith("__")}
    assert used <= set(adventure.__all__)


def test_all_names_the_public_api_and_nothing_else():
    public = {name for name, value in vars(adventure).items()
              if not name.startswith("_") and not isinstance(value, types.ModuleType)}
    assert public == set(adventure.__all__)
    assert all(getattr(adventure, name) is not None for name in adventure.__all__)
    assert (ROOT / "adventure" / "py.typed").exists() or pytest.skip("py.typed comes with the typed core")


LAYERS = {"core": set(), "store": {"core"}, "play": {"core", "store"}, "lsp": {"core", "store"},
          "tools": {"core", "store", "play", "lsp"}}


@pytest.mark.parametrize("layer", sorted(LAYERS))
def test_imports_point_only_inward(layer):
    """core imports nothing of the shell; store only core; play core and store; lsp core and store;
    tools any."""
    for path in sorted((ROOT / "adventure" / layer).glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and node.level >= 2 and node.module:
                target = node.module.split(".")[0]
                assert target in LAYERS[layer], f"{path.name} imports ..{node.module}"
            if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                assert not node.module.startswith("adventure"), f"{path.name} imports {node.module}"
            if layer == "core":
                names = [a.name for a in node.names] if isinstance(node, ast.Import) else \
                    [node.module or ""] if isinstance(node, ast.ImportFrom) and node.level == 0 else []
                for name in names:
                    assert name.split(".")[0] not in {"os", "sys", "io", "prompt_toolkit", "signal", "gc",
                                                      "subprocess", "tempfile", "pathlib", "shutil"}, \
                        f"core module {path.name} imports {name}"


def test_observers_hear_each_change_once():
    heard = []
    game = adventure.Game(story)
    game.observe(lambda name, old, new: heard.append((name, old, new)))
    game.choose("search_beach")
    game.choose("lamp_room")
    assert heard == [("has_lamp", False, True), ("courage", 0, 1)]


HOSTED = {
    "story.yaml": "id: h\ntitle: H\nstart: a\nfunctions:\n  dice: {params: [int], returns: int}\n"
                  "variables:\n  roll: {type: int, default: 0, min: 0, max: 6}\n",
    "01.yaml": "scenes:\n  a:\n    text: 'You roll {dice(6)}.'\n    choices:\n"
               "      - {text: Keep it, id: keep, goto: z, do: roll = dice(6)}\n"
               "  z: {text: 'Kept {roll}.', ending: true}\n",
}


def test_host_functions_are_bound_checked_and_guarded():
    missing, diagnostics = adventure.build(HOSTED)
    assert missing is None and [d.code for d in diagnostics] == ["E023"]
    story_, _ = adventure.build(HOSTED, functions={"dice": lambda sides: 4})
    game = adventure.Game(story_)
    assert game.text == "You roll 4."
    game.choose("keep")
    assert game.text == "Kept 4."
    wrong, _ = adventure.build(HOSTED, functions={"dice": lambda sides: "four"})
    with pytest.raises(adventure.EvaluationError, match="dice returned str"):
        adventure.Game(wrong).text
    game = adventure.Game(wrong)
    with pytest.raises(adventure.EvaluationError, match="dice returned str"):
        game.choose("keep")
    assert game.state.route == [] and game.state.vars["roll"] == 0
    bad = dict(HOSTED, **{"01.yaml": HOSTED["01.yaml"].replace("dice(6)}.", 'dice("six")}.')})
    none, diagnostics = adventure.build(bad, functions={"dice": lambda sides: 4})
    assert none is None and any(d.code == "E016" and "dice()" in d.message for d in diagnostics)
