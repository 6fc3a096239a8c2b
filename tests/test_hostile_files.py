"""Files the program reads and writes, when they hold what we never wrote (issue #14, classes 3, 5, 6, 8).

Every case keeps one invariant: a one-line message (or a quiet rebuild, for the
cache), no traceback, nothing outside the folder touched, the previous save intact.
"""
import json
import os
import shutil
import stat
import subprocess
import sys
import time

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from adventure import Game, SaveError, load_story
from adventure.play.session import format_slots
from adventure.play.title import title_options
from adventure.store import settings as settings_file
from adventure.store.atomic import STALE_SECONDS, atomic_write, clean_stale_temps
from adventure.store.cache import Cache
from adventure.store.saves import MAX_SAVE_BYTES, SaveStore
from conftest import ROOT, STORIES
from hostile import RAW_SPECIALS, json_values, paths_in, raw_json, replaced, run_main

TINY = STORIES / "tiny"
FAST = settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
IS_ROOT = hasattr(os, "geteuid") and os.geteuid() == 0


@pytest.fixture(scope="module")
def tiny():
    return load_story(TINY, cache=False)


def played(story, route):
    game = Game(story)
    for choice in route:
        game.choose(choice)
    return game


def slot(folder, name, story="tiny"):
    return folder / story / f"{name}.save.json"


# -- class 3: numbers and nesting that Python's JSON accepts ---------------------------------------
def _good_record(tiny, tmp_path_factory):
    store = SaveStore(tmp_path_factory.mktemp("good"))
    return json.loads(store.save("good", played(tiny, ["search_beach"])).read_bytes())


@FAST
@given(data=st.data())
def test_any_json_in_a_save_gets_one_line_and_leaves_the_folder_as_it_was(tiny, tmp_path_factory, data):
    folder = tmp_path_factory.mktemp("saves")
    store = SaveStore(folder, "tiny")
    store.save("keep", played(tiny, ["search_beach", "lamp_room"]))
    kept = slot(folder, "keep").read_bytes()
    good = _good_record(tiny, tmp_path_factory)
    raw = data.draw(st.one_of(
        st.sampled_from(RAW_SPECIALS),
        json_values.map(raw_json),                                          # any shape at all
        st.tuples(st.sampled_from(list(paths_in(good))), json_values)      # one part of a good save
          .map(lambda pv: raw_json(replaced(good, *pv))),
    ))
    path = slot(folder, "bad")
    path.write_bytes(raw)
    before = sorted((p.name, p.stat().st_mtime_ns) for p in (folder / "tiny").iterdir())
    try:
        loaded = store.load("bad", tiny)
    except SaveError as exc:
        assert "\n" not in str(exc)
    else:
        assert loaded.game.choices is not None  # what loads, plays
    infos, problems = store.slots()                     # what `saves` and the title screen read
    assert all("\n" not in line for line in format_slots(infos) + problems)
    title_options(tiny, infos)
    assert "keep" in [i.name for i in infos]
    assert slot(folder, "keep").read_bytes() == kept
    assert sorted((p.name, p.stat().st_mtime_ns) for p in (folder / "tiny").iterdir()) == before
    assert path.read_bytes() == raw


@FAST
@given(raw=st.one_of(st.sampled_from(RAW_SPECIALS), json_values.map(raw_json),
                     st.dictionaries(st.sampled_from(["width", "pacing", "color", "x"]), json_values)
                     .map(raw_json)))
def test_any_json_in_settings_is_ignored_in_one_line(tmp_path_factory, raw):
    folder = tmp_path_factory.mktemp("saves")
    (folder / "settings.json").write_bytes(raw)
    chosen, warning = settings_file.read(folder)
    assert 30 <= chosen.width <= 300 and chosen.pacing in ("paragraph", "scene") and chosen.color in (True, False)
    assert warning is None or "\n" not in warning
    assert (folder / "settings.json").read_bytes() == raw


@pytest.mark.parametrize("raw", [b"NaN", b'{"width": 1e999}', b'{"width": ' + b"9" * 4301 + b"}",
                                 b"[" * 5000 + b"]" * 5000, b'{"width": true}', b'{"width": "60"}'],
                         ids=["nan", "inf", "4301-digits", "5000-deep", "bool", "text"])
def test_a_bad_settings_file_never_stops_the_game_from_starting(tmp_path, raw):
    saves = tmp_path / "saves"
    saves.mkdir()
    (saves / "settings.json").write_bytes(raw)
    status, out, err = run_main(["--plain", "--story", TINY, "--saves", saves], stdin="2\n1\n2\n")
    assert status == 0 and "THE END" in out
    warnings = [line for line in err.splitlines() if "settings.json" in line]
    assert len(warnings) == 1 and "Traceback" not in err


def test_a_bad_save_never_stops_the_game_from_starting(tmp_path, tiny):
    saves = tmp_path / "saves"
    (saves / "tiny").mkdir(parents=True)
    for n, raw in enumerate(RAW_SPECIALS):
        (saves / "tiny" / f"bad{n}.save.json").write_bytes(raw)
    status, out, err = run_main(["--plain", "--story", TINY, "--saves", saves], stdin="saves\n2\n1\n2\n")
    assert status == 0 and "THE END" in out and "Traceback" not in out + err
    status, out, err = run_main(["saves", "--saves", saves])
    assert status == 0 and len(err.splitlines()) == len(RAW_SPECIALS)
    status, out, err = run_main(["--plain", "--story", TINY, "--saves", saves, "--load", "bad6"])
    assert status == 1 and len(err.splitlines()) == 1 and "nested" in err


# -- class 5: the save folder is shared ground --------------------------------------------------------
def test_a_slot_named_settings_never_touches_the_settings(tmp_path, tiny):
    settings_file.write(tmp_path, settings_file.Settings(width=60))
    store = SaveStore(tmp_path, "tiny")
    store.save("settings", played(tiny, ["search_beach"]))
    chosen, warning = settings_file.read(tmp_path)
    assert chosen.width == 60 and warning is None
    settings_file.write(tmp_path, settings_file.Settings(width=70))
    assert store.load("settings", tiny).game.state.route == ["search_beach"]


def test_each_story_keeps_its_own_autosave(tmp_path, tiny, make_story):
    other = make_story({"story.yaml": (TINY / "story.yaml").read_text().replace("id: tiny", "id: other"),
                        "01-shore.yaml": (TINY / "01-shore.yaml").read_text()})
    run_main(["--plain", "--story", TINY, "--saves", tmp_path], stdin="2\nquit\n")
    run_main(["--plain", "--story", other, "--saves", tmp_path], stdin="3\n")
    assert SaveStore(tmp_path, "tiny").load("autosave", tiny).game.state.route == ["search_beach"]
    status, out, _ = run_main(["--plain", "--story", TINY, "--saves", tmp_path, "--continue"], stdin="quit\n")
    before_menu = out.split("\n1. ")[0].split("I. THE SHORE")[-1]  # after the "Previously..." recap
    assert status == 0 and "Look for a lamp" not in before_menu


def test_old_flat_saves_move_into_their_story_folder(tmp_path, tiny):
    legacy = SaveStore(tmp_path, "tiny")
    data = legacy.save("old", played(tiny, ["search_beach"])).read_bytes()
    shutil.rmtree(tmp_path / "tiny")
    (tmp_path / "old.json").write_bytes(data)                        # the layout before this version
    (tmp_path / "theirs.json").write_bytes(data.replace(b'"story_id": "tiny"', b'"story_id": "her"'))
    (tmp_path / "settings.json").write_text('{"width": 60}')
    store = SaveStore(tmp_path, "tiny")
    assert [i.name for i in store.slots()[0]] == ["old"]
    assert not (tmp_path / "old.json").exists() and slot(tmp_path, "old").read_bytes() == data
    assert (tmp_path / "theirs.json").exists()                      # another story's save stays put
    assert settings_file.read(tmp_path)[0].width == 60


@pytest.mark.parametrize("kind", ["fifo", "link-out", "link-in", "folder", "device"])
def test_only_regular_files_in_the_folder_are_read(tmp_path, tiny, kind):
    store = SaveStore(tmp_path / "saves", "tiny")
    good = store.save("good", played(tiny, ["search_beach"]))
    outside = tmp_path / "secret.save.json"
    outside.write_bytes(good.read_bytes())
    bad = slot(tmp_path / "saves", "bad")
    if kind == "fifo":
        os.mkfifo(bad)                                       # reading it would wait for ever
    elif kind == "link-out":
        bad.symlink_to(outside)
    elif kind == "link-in":
        bad.symlink_to(good)
    elif kind == "folder":
        bad.mkdir()
    else:
        bad.symlink_to("/dev/zero")
    with pytest.raises(SaveError) as info:
        store.load("bad", tiny)
    assert "not a regular file" in str(info.value) and "\n" not in str(info.value)
    infos, problems = store.slots()
    assert [i.name for i in infos] == ["good"] and len(problems) == 1
    (tmp_path / "saves" / "settings.json").symlink_to(outside)
    assert settings_file.read(tmp_path / "saves")[1] is not None


def test_a_story_folder_that_is_a_link_is_refused(tmp_path, tiny):
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (tmp_path / "saves").mkdir()
    (tmp_path / "saves" / "tiny").symlink_to(elsewhere)
    with pytest.raises(SaveError, match="not a folder of saves"):
        SaveStore(tmp_path / "saves", "tiny").save("x", Game(tiny))
    assert list(elsewhere.iterdir()) == []


def test_a_save_that_could_not_be_read_back_is_never_written(tmp_path, tiny, monkeypatch):
    import adventure.store.saves as saves
    store = SaveStore(tmp_path, "tiny")
    store.save("s", played(tiny, ["search_beach"]))
    before = slot(tmp_path, "s").read_bytes()
    monkeypatch.setattr(saves, "MAX_SAVE_BYTES", 200)
    with pytest.raises(SaveError, match="over the 200-byte limit"):
        store.save("s", played(tiny, ["search_beach", "lamp_room"]))
    assert slot(tmp_path, "s").read_bytes() == before
    assert MAX_SAVE_BYTES > 200


def test_temporary_files_left_by_crashes_are_cleaned_up(tmp_path, tiny):
    store = SaveStore(tmp_path, "tiny")
    store.save("s", Game(tiny))
    old = time.time() - STALE_SECONDS - 60
    leftovers = [slot(tmp_path, "x").parent / ".adventure-abc.tmp", tmp_path / ".s-old.tmp",
                 tmp_path / ".settings-x.tmp"]
    fresh = slot(tmp_path, "x").parent / ".adventure-now.tmp"           # perhaps another copy writing now
    for path in leftovers + [fresh]:
        path.write_text("half")
    for path in leftovers:
        os.utime(path, (old, old))
    keep = tmp_path / "notes.tmp"
    keep.write_text("not ours")
    os.utime(keep, (old, old))
    SaveStore(tmp_path, "tiny").save("s", Game(tiny))
    assert not any(p.exists() for p in leftovers) and fresh.exists() and keep.exists()


@pytest.mark.skipif(IS_ROOT, reason="root reads and writes any folder whatever its mode")
@pytest.mark.parametrize("mode", [0o000, 0o300])
def test_unreadable_or_write_only_folder_gives_one_line(tmp_path, mode):
    saves = tmp_path / "saves"
    saves.mkdir()
    saves.chmod(mode)
    try:
        status, out, err = run_main(["saves", "--saves", saves])
        assert status == 2 and len(err.splitlines()) == 1 and "No saves" not in out
    finally:
        saves.chmod(0o700)


def test_folder_under_a_file_or_a_device_gives_one_line(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("")
    for folder in (blocker / "saves", "/dev/null", blocker):
        status, out, err = run_main(["saves", "--saves", folder])
        assert status == 2 and len(err.splitlines()) == 1 and out == "", folder


# -- class 6: the backup ----------------------------------------------------------------------------
def test_saving_never_needs_a_hard_link(tmp_path, tiny, monkeypatch):
    def no_links(*args, **kw):
        raise PermissionError(1, "Operation not permitted")  # protected hard links, or a filesystem without
    monkeypatch.setattr(os, "link", no_links)
    store = SaveStore(tmp_path, "tiny")
    for route in ([], ["search_beach"], ["search_beach", "lamp_room"]):
        store.save("s", played(tiny, route))
    assert store.load("s", tiny).game.state.route == ["search_beach", "lamp_room"]
    backup = json.loads(slot(tmp_path, "s").with_suffix(".json.bak").read_text())
    assert backup["game"]["route"].split() == ["search_beach"]


def test_a_broken_slot_offers_its_backup_and_never_overwrites_it(tmp_path, tiny):
    store = SaveStore(tmp_path, "tiny")
    store.save("s", played(tiny, ["search_beach"]))
    store.save("s", played(tiny, ["search_beach", "lamp_room"]))
    path, backup = slot(tmp_path, "s"), slot(tmp_path, "s").with_suffix(".json.bak")
    good_backup = backup.read_bytes()
    path.write_text("{broken")
    loaded = store.load("s", tiny)
    assert loaded.game.state.route == ["search_beach"] and "previous version" in loaded.note
    assert path.read_text() == "{broken"                                   # left as it was
    infos, problems = store.slots()
    assert len(problems) == 1 and "previous version is kept" in problems[0]
    store.save("s", played(tiny, []))                                      # the broken file is not backed up
    assert backup.read_bytes() == good_backup
    path.unlink()
    assert store.load("s", tiny).game.state.route == ["search_beach"]      # a lost slot: its backup


SAVER = """
import sys
sys.path.insert(0, {root!r})
from adventure import load_story, Game
from adventure.store.saves import SaveStore
story = load_story({tiny!r}, cache=False)
store = SaveStore({folder!r}, "tiny")
game = Game(story)
game.choose({choice!r})
for _ in range(60):
    store.save("shared", game)
print("ok")
"""


def test_two_processes_saving_one_slot_both_succeed(tmp_path, tiny):
    procs = [subprocess.Popen([sys.executable, "-c", SAVER.format(root=str(ROOT), tiny=str(TINY),
                                                                   folder=str(tmp_path), choice=choice)],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for choice in ("search_beach", "lamp_room")]
    results = [p.communicate(timeout=120) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], results
    assert SaveStore(tmp_path, "tiny").load("shared", tiny).game.state.route in (["search_beach"], ["lamp_room"])
    assert [p.name for p in (tmp_path / "tiny").iterdir() if p.name.endswith(".tmp")] == []


def test_atomic_write_is_the_one_writer():
    """Saves, settings and the cache all write through atomic_write; nothing else makes temp files."""
    package = ROOT / "adventure"
    for path in package.rglob("*.py"):
        text = path.read_text()
        if path.name != "atomic.py":
            assert "mkstemp" not in text and "os.link(" not in text, path


def test_atomic_write_leaves_the_old_file_when_interrupted(tmp_path, monkeypatch):
    target = tmp_path / "f"
    atomic_write(target, b"old")

    def interrupted(*args):
        raise KeyboardInterrupt
    monkeypatch.setattr(os, "replace", interrupted)
    with pytest.raises(KeyboardInterrupt):
        atomic_write(target, b"new", keep_backup=True)
    monkeypatch.undo()
    assert target.read_bytes() == b"old" and sorted(p.name for p in tmp_path.iterdir()) == ["f"]
    assert clean_stale_temps(tmp_path) == 0


# -- class 8: the cache -------------------------------------------------------------------------------
@pytest.fixture
def cached(tmp_path, monkeypatch):
    folder = tmp_path / "story"
    shutil.copytree(TINY, folder)
    monkeypatch.setenv("ADVENTURE_CACHE", str(tmp_path / "cache"))
    load_story(folder, cache=True)
    (entry,) = (tmp_path / "cache").glob("*.json")
    return folder, entry


def _edit_entry(entry, change):
    head, payload = entry.read_bytes().split(b"\n", 1)
    compiled = json.loads(payload)
    change(compiled)
    entry.write_bytes(head + b"\n" + json.dumps(compiled).encode())


def _drop_scene_key(c):
    del c["scenes"]["shore"]["choices"]


def _bad_goto(c):
    c["scenes"]["shore"]["choices"][0]["goto"] = "nowhere"


def _edited_text(c):
    c["scenes"]["home"]["text"][0]["t"] = ["You sleep \x1b]0;pwned\x07 well."]


def _unknown_node(c):
    c["scenes"]["shore"]["choices"][0]["do"] = [["explode", "courage", ["??", 1], [1, 1]]]


@pytest.mark.parametrize("change", [_drop_scene_key, _bad_goto, _edited_text, _unknown_node])
def test_an_edited_cache_entry_is_rebuilt_not_played(cached, change):
    folder, entry = cached
    _edit_entry(entry, change)
    game = played(load_story(folder, cache=True), ["search_beach", "home"])
    assert game.text == "You sleep well."
    assert json.loads(entry.read_bytes().split(b"\n", 1)[0])["fingerprint"] == game.story.fingerprint


@FAST
@given(raw=st.one_of(st.sampled_from(RAW_SPECIALS), json_values.map(raw_json)))
def test_any_bytes_in_a_cache_entry_are_rebuilt(tmp_path_factory, raw):
    cache = Cache(tmp_path_factory.mktemp("cache"))
    cache.put("fp", {"fingerprint": "fp", "format": 1})
    (entry,) = cache.folder.glob("*.json")
    entry.write_bytes(raw)
    assert cache.get("fp") is None


def test_no_temporary_file_is_left_and_a_relative_xdg_cache_is_ignored(tmp_path, monkeypatch):
    monkeypatch.delenv("ADVENTURE_CACHE", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", "relative/cache")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert Cache.default().folder == tmp_path / "home" / ".cache" / "adventure"
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert Cache.default().folder == tmp_path / "xdg" / "adventure"
    cache = Cache(tmp_path / "c")
    cache.put("fp", {"fingerprint": "fp"})
    assert [p.name.startswith(".") for p in cache.folder.iterdir()] == [False]
    stale = cache.folder / ".tmp-old.json"  # what a kill left under the old naming
    stale.write_text("{")
    os.utime(stale, (0, 0))
    cache.put("fp2", {"fingerprint": "fp2"})
    assert not stale.exists()


def test_the_cache_key_follows_the_engine_source(monkeypatch, tmp_path):
    import adventure.store.cache as cache_module
    a = Cache(tmp_path)._path("fp", "")
    monkeypatch.setattr(cache_module, "_CODE", ["different code"])
    assert Cache(tmp_path)._path("fp", "") != a
    assert stat.S_ISDIR(os.stat(tmp_path).st_mode)
