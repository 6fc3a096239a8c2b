"""Saves: never lost, never half-written, loadable after the story changes."""
import errno
import json
import os
import signal
import subprocess
import sys
import time

import pytest

from adventure.core.snapshot import _checksum

from adventure import Game, SaveError, load_story, undo
from adventure.store.saves import SaveStore
from conftest import ROOT, STORIES
from test_players import run_cli

TINY = STORIES / "tiny"


@pytest.fixture
def tiny():
    return load_story(TINY, cache=False)


@pytest.fixture
def store(tmp_path):
    return SaveStore(tmp_path / "saves")


def played(story, route):
    game = Game(story)
    for choice in route:
        game.choose(choice)
    return game


def test_round_trip_and_metadata(tiny, store):
    game = played(tiny, ["search_beach", "lamp_room"])
    path = store.save("one", game, play_seconds=75)
    record = json.loads(path.read_text())
    assert record["format"] == 2
    assert record["game"]["route"].split() == ["search_beach", "lamp_room"]
    for key in ("story_id", "story_version", "fingerprint", "scene_title", "choices", "play_seconds", "saved_at"):
        assert key in record["meta"]
    info = store.info("one")
    assert (info.story_title, info.scene_title, info.choices, info.play_seconds) == \
        ("The Lighthouse", "The lamp room", 2, 75)
    loaded = store.load("one", tiny)
    assert loaded.game.snapshot() == game.snapshot()
    assert loaded.game.state.route == game.state.route and loaded.game.state.vars == game.state.vars
    assert loaded.game.text == game.text and loaded.note is None


def test_previous_version_kept_as_backup(tiny, store):
    store.save("slot", played(tiny, ["search_beach"]))
    store.save("slot", played(tiny, ["search_beach", "lamp_room"]))
    backup = json.loads((store.folder / "tiny" / "slot.save.json.bak").read_text())
    assert backup["game"]["route"].split() == ["search_beach"]
    assert json.loads((store.folder / "tiny" / "slot.save.json").read_text())["game"]["route"].split() == ["search_beach", "lamp_room"]


def test_crash_between_temp_write_and_rename_keeps_old_save(tiny, store, monkeypatch):
    store.save("slot", played(tiny, ["search_beach"]))
    before = (store.folder / "tiny" / "slot.save.json").read_bytes()

    def crash(*args):
        raise OSError(errno.EIO, "simulated crash")
    monkeypatch.setattr(os, "replace", crash)
    with pytest.raises(SaveError):
        store.save("slot", played(tiny, ["lamp_room"]))
    assert (store.folder / "tiny" / "slot.save.json").read_bytes() == before
    assert [p.name for p in (store.folder / "tiny").iterdir() if p.suffix == ".tmp"] == []


WRITER = """
import sys, itertools
sys.path.insert(0, {root!r})
from adventure import load_story, Game
from adventure.store.saves import SaveStore
story = load_story({tiny!r}, cache=False)
store = SaveStore({folder!r})
games = []
for route in ([], ["search_beach"], ["search_beach", "lamp_room"]):
    g = Game(story)
    for c in route:
        g.choose(c)
    games.append(g)
store.save("autosave", games[0])
print("ready", flush=True)  # a slot exists from here on; the test kills at random moments after
for g in itertools.cycle(games):
    store.save("autosave", g)
"""


def test_kill_during_autosave_never_leaves_a_broken_save(tiny, tmp_path):
    folder = tmp_path / "saves"
    script = WRITER.format(root=str(ROOT), tiny=str(TINY), folder=str(folder))
    for round_ in range(12):
        proc = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
        assert proc.stdout.readline().strip() == "ready"
        time.sleep(0.02 + 0.013 * round_)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        loaded = SaveStore(folder).load("autosave", tiny)  # whole, and consistent with its route
        assert loaded.game.state.route in ([], ["search_beach"], ["search_beach", "lamp_room"])


def test_scene_added_after_save_still_loads(tiny, store, make_story):
    store.save("s", played(tiny, ["search_beach", "lamp_room"]))
    text = (TINY / "01-shore.yaml").read_text() + "\n  extra:\n    ending: true\n    text: New.\n"
    folder = make_story({"story.yaml": (TINY / "story.yaml").read_text(), "01-shore.yaml": text})
    loaded = store.load("s", load_story(folder, cache=False))
    assert loaded.game.state.scene == "lamp_room"
    assert loaded.game.state.route == ["search_beach", "lamp_room"]
    assert "replayed" in loaded.note


def test_choice_removed_after_save_stops_at_last_valid_point(tiny, store, make_story):
    store.save("s", played(tiny, ["search_beach", "lamp_room", "shore"]))
    text = (TINY / "01-shore.yaml").read_text().replace(
        "      - text: Go back down.\n        goto: shore\n", "      - text: Wait.\n        id: wait\n        goto: dawn\n")
    folder = make_story({"story.yaml": (TINY / "story.yaml").read_text(), "01-shore.yaml": text})
    loaded = store.load("s", load_story(folder, cache=False))
    assert loaded.game.state.route == ["search_beach", "lamp_room"]
    assert loaded.game.state.scene == "lamp_room"
    assert "no choice 'shore'" in loaded.note and "after 2 of your 3 choices" in loaded.note
    assert "\n" not in loaded.note


def test_variable_added_after_save_gets_its_default(tiny, store, make_story):
    store.save("s", played(tiny, ["search_beach"]))
    manifest = (TINY / "story.yaml").read_text() + "  mood: {type: str, default: calm}\n"
    shore = (TINY / "01-shore.yaml").read_text().replace("You sleep well.", "You sleep well, {mood}.")
    folder = make_story({"story.yaml": manifest, "01-shore.yaml": shore})
    loaded = store.load("s", load_story(folder, cache=False))
    assert loaded.game.state.vars["mood"] == "calm"
    loaded.game.choose("home")
    assert loaded.game.text == "You sleep well, calm."


def test_newer_format_and_other_story_refused(tiny, store, tmp_path):
    path = store.save("s", played(tiny, []))
    record = json.loads(path.read_text())
    record["format"] = 99
    path.write_text(json.dumps(record))
    with pytest.raises(SaveError, match="newer version"):
        store.load("s", tiny)
    record["format"] = 2
    record["game"]["story"]["id"] = "someone-else"
    path.write_text(json.dumps(record))
    with pytest.raises(SaveError, match="another story"):
        store.load("s", tiny)


@pytest.mark.parametrize("name", ["", "../x", "/tmp/x", "a/b", "x" * 65, "dot.dot", "sp ace", "..", "ü"])
def test_bad_slot_names_write_nothing(tiny, store, name):
    with pytest.raises(SaveError, match="bad save name"):
        store.save(name, Game(tiny))
    assert not store.folder.exists() or list(store.folder.iterdir()) == []


def _corrupt_cases(good: bytes):
    record = json.loads(good)
    wrong_type = dict(record, game="nope")
    tampered = json.loads(good)
    tampered["game"]["vars"]["courage"] = 3
    bad_route = json.loads(good)
    bad_route["game"]["route"] = "teleport"
    forged = json.loads(good)  # consistent checksum, but a value its declaration forbids
    forged["game"]["vars"]["courage"] = 10**6
    forged["game"]["check"] = _checksum(forged["game"])
    unknown_scene = json.loads(good)
    unknown_scene["game"]["scene"] = "nowhere"
    unknown_scene["game"]["check"] = _checksum(unknown_scene["game"])
    return {
        "truncated": good[: len(good) // 2],
        "not json": b"\x00\x01garbage",
        "empty": b"",
        "wrong type": json.dumps(wrong_type).encode(),
        "list": b"[1, 2]",
        "tampered": json.dumps(tampered).encode(),
        "bad route": json.dumps(bad_route).encode(),
        "forged": json.dumps(forged).encode(),
        "unknown scene": json.dumps(unknown_scene).encode(),
        "bad var type": good.replace(b'"has_lamp": true', b'"has_lamp": [1]'),
    }


def test_every_kind_of_broken_file_gets_one_line_and_is_left_untouched(tiny, store):
    good = store.save("good", played(tiny, ["search_beach"])).read_bytes()
    for label, data in _corrupt_cases(good).items():
        path = store.folder / "tiny" / "broken.save.json"
        path.write_bytes(data)
        stamp = path.stat().st_mtime_ns
        with pytest.raises(SaveError) as info:
            store.load("broken", tiny)
        message = str(info.value)
        assert "broken.save.json" in message and "\n" not in message, label
        assert path.read_bytes() == data and path.stat().st_mtime_ns == stamp, label


def test_cli_load_of_broken_save_exits_1(tmp_path):
    folder = tmp_path / "saves"
    (folder / "her").mkdir(parents=True)
    (folder / "her" / "bad.save.json").write_text("{not json")
    result = run_cli(["--plain", "--saves", str(folder), "--load", "bad"])
    assert result.returncode == 1
    assert "bad.save.json" in result.stderr and len(result.stderr.strip().splitlines()) == 1
    assert (folder / "her" / "bad.save.json").read_text() == "{not json"


def test_unwritable_or_full_saves_folder_keeps_the_game_going(tiny, tmp_path, monkeypatch):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    with pytest.raises(SaveError, match="cannot"):
        SaveStore(blocker / "saves").save("x", Game(tiny))
    store = SaveStore(tmp_path / "ok")
    store.save("x", played(tiny, ["search_beach"]))

    real_fdopen = os.fdopen

    class Full:
        def __init__(self, handle):
            self.handle = handle

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            self.handle.close()

        def write(self, data):
            raise OSError(errno.ENOSPC, "No space left on device")
    monkeypatch.setattr(os, "fdopen", lambda fd, *a, **k: Full(real_fdopen(fd, *a, **k)))
    with pytest.raises(SaveError, match="No space left"):
        store.save("x", played(tiny, ["lamp_room"]))
    monkeypatch.undo()
    assert store.load("x", tiny).game.state.route == ["search_beach"]
    assert sorted(p.name for p in (store.folder / "tiny").iterdir()) == ["x.save.json"]


def test_game_goes_on_when_autosave_fails(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("")
    result = run_cli(["--plain", "--story", str(TINY), "--saves", str(blocker / "saves")], stdin="2\n1\n2\n")
    assert result.returncode == 0
    assert result.stdout.count("Autosave failed") == 1
    assert "THE END" in result.stdout


def test_undo_across_save_and_load(tiny, store):
    game = played(tiny, ["search_beach", "lamp_room"])
    store.save("s", game)
    loaded = store.load("s", tiny).game
    back = undo(undo(loaded))
    assert back.state.route == [] and back.state.scene == "shore"


def test_prompt_commands_through_the_plain_player(tmp_path):
    saves = tmp_path / "saves"
    script = "2\nsave mine\n1\nundo\nhistory\nsaves\nload mine\nrestart yes\nquit\n"
    result = run_cli(["--plain", "--story", str(TINY), "--saves", str(saves)], stdin=script)
    out = result.stdout
    assert result.returncode == 0
    assert "Saved as mine" in out
    assert "You take that back." in out
    assert "> Look for a lamp on the beach." in out  # history lists the choice made
    assert "mine " in out and "The Lighthouse" in out  # the saves listing
    assert "Loaded mine." in out and "The story begins again." in out
    assert json.loads((saves / "tiny" / "mine.save.json").read_text())["game"]["route"].split() == ["search_beach"]
    # restart began a new line of play with no choice made in it: the autosave was not set back
    assert json.loads((saves / "tiny" / "autosave.save.json").read_text())["game"]["route"].split() == ["search_beach"]


def test_continue_and_load_from_the_command_line(tmp_path):
    saves = tmp_path / "saves"
    run_cli(["--plain", "--story", str(TINY), "--saves", str(saves)], stdin="2\n1\nquit\n")
    result = run_cli(["--plain", "--story", str(TINY), "--saves", str(saves), "--continue"], stdin="2\n")
    assert "The light turns all night." in result.stdout and "THE END" in result.stdout
    listing = run_cli(["saves", "--saves", str(saves)])
    assert "autosave" in listing.stdout and "The Lighthouse" in listing.stdout
    assert run_cli(["saves", "delete", "autosave", "--saves", str(saves)]).returncode == 0
    assert not (saves / "tiny" / "autosave.save.json").exists()
    missing = run_cli(["--plain", "--story", str(TINY), "--saves", str(saves), "--load", "nope"])
    assert missing.returncode == 1 and "no save named 'nope'" in missing.stderr


def test_saves_env_variable(tmp_path):
    saves = tmp_path / "elsewhere"
    run_cli(["--plain", "--story", str(TINY)], stdin="2\nquit\n", env={"ADVENTURE_SAVES": str(saves)})
    assert (saves / "tiny" / "autosave.save.json").exists()


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGHUP])
def test_signal_autosaves_and_exits_0(tmp_path, sig):
    saves = tmp_path / "saves"
    env = {**os.environ, "ADVENTURE_CACHE": "off"}
    proc = subprocess.Popen([sys.executable, "-m", "adventure", "--plain", "--story", str(TINY),
                             "--saves", str(saves)], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, cwd=ROOT, env=env)
    proc.stdin.write("2\n")
    proc.stdin.flush()
    deadline = time.time() + 10
    while time.time() < deadline:
        path = saves / "tiny" / "autosave.save.json"
        if path.exists() and json.loads(path.read_text())["game"]["route"].split() == ["search_beach"]:
            break
        time.sleep(0.05)
    proc.send_signal(sig)
    out, err = proc.communicate(timeout=10)
    assert proc.returncode == 0, err
    assert "Goodbye" in out and "Traceback" not in err
    assert json.loads((saves / "tiny" / "autosave.save.json").read_text())["game"]["route"].split() == ["search_beach"]
