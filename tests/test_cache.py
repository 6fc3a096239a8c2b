"""The compiled-story cache: keyed by content, never stale, never trusted when broken."""
import json
import os
import shutil

import pytest

from adventure import load_story
from adventure.store.cache import Cache
from conftest import STORIES


@pytest.fixture
def cached(tmp_path, monkeypatch):
    """A copy of the tiny story and a private cache folder."""
    folder = tmp_path / "story"
    shutil.copytree(STORIES / "tiny", folder)
    cache = tmp_path / "cache"
    monkeypatch.setenv("ADVENTURE_CACHE", str(cache))
    return folder, cache


def entries(cache):
    return sorted(cache.glob("*.json")) if cache.exists() else []


def test_second_load_comes_from_the_cache(cached, monkeypatch):
    folder, cache = cached
    first = load_story(folder, cache=True)
    assert len(entries(cache)) == 1
    import adventure.store.loader as loader

    def no_compiling(*args):
        raise AssertionError("compiled again although nothing changed")
    monkeypatch.setattr(loader, "compile_sources", no_compiling)
    second = load_story(folder, cache=True)
    assert second.fingerprint == first.fingerprint and set(second.scenes) == set(first.scenes)


def test_changed_file_is_never_served_stale(cached):
    folder, cache = cached
    load_story(folder, cache=True)
    scenes = folder / "01-shore.yaml"
    stamp = os.stat(scenes)
    scenes.write_text(scenes.read_text().replace("You sleep well.", "You sleep badly."))
    os.utime(scenes, ns=(stamp.st_atime_ns, stamp.st_mtime_ns))  # same modification time: content decides
    from adventure import Game
    game = Game(load_story(folder, cache=True))
    game.choose("home")
    assert game.text == "You sleep badly."
    (entry,) = entries(cache)  # the old content's entry is gone: it would never be read again
    assert json.loads(entry.read_text().split("\n", 1)[0])["fingerprint"] == load_story(folder).fingerprint


def test_added_and_removed_files_are_never_served_stale(cached):
    folder, cache = cached
    assert "extra" not in load_story(folder, cache=True).scenes
    (folder / "02-extra.yaml").write_text("scenes:\n  extra: {ending: true, text: More.}\n")
    assert "extra" in load_story(folder, cache=True).scenes
    (folder / "02-extra.yaml").unlink()
    assert "extra" not in load_story(folder, cache=True).scenes


def test_corrupt_entry_is_ignored_and_rebuilt(cached):
    folder, cache = cached
    load_story(folder, cache=True)
    (entry,) = entries(cache)
    for junk in (b"{not json", b"[]", json.dumps({"fingerprint": "other", "format": 1}).encode()):
        entry.write_bytes(junk)
        story = load_story(folder, cache=True)
        assert "shore" in story.scenes
        header = entry.read_text().split("\n", 1)[0]
        assert json.loads(header)["fingerprint"] == story.fingerprint  # rebuilt in place


def test_cache_can_be_deleted_or_turned_off(cached, monkeypatch):
    folder, cache = cached
    load_story(folder, cache=True)
    shutil.rmtree(cache)
    assert "shore" in load_story(folder, cache=True).scenes
    monkeypatch.setenv("ADVENTURE_CACHE", "off")
    shutil.rmtree(cache)
    load_story(folder, cache=True)
    assert not cache.exists()


def test_broken_story_is_not_cached(cached):
    folder, cache = cached
    (folder / "02-bad.yaml").write_text("scenes:\n  bad: {text: x, choices: [{text: y, goto: nowhere}]}\n")
    with pytest.raises(Exception):
        load_story(folder, cache=True)
    assert entries(cache) == []


def test_cache_key_includes_the_engine_code(cached, monkeypatch):
    import adventure.store.cache as cache_module
    folder, cache = cached
    load_story(folder, cache=True)
    (entry,) = entries(cache)
    monkeypatch.setattr(cache_module, "_CODE", ["the engine's code changed"])
    load_story(folder, cache=True)
    (new,) = entries(cache)  # a new key, and the old code's entry pruned
    assert new != entry and not entry.exists()


def test_the_cache_folder_does_not_grow_without_end(cached, tmp_path, monkeypatch):
    """One entry per story folder; entries not read for two months go, and the least lately
    read past the folder's size limit; nothing not named as ours is touched."""
    import time

    import adventure.store.cache as cache_module
    folder, cache = cached
    others = []
    for n in range(3):  # three other story folders
        other = tmp_path / f"other{n}"
        shutil.copytree(folder, other)
        load_story(other, cache=True)
        others.append(other)
    for n in range(5):  # the author edits one story five times
        scenes = folder / "01-shore.yaml"
        scenes.write_text(scenes.read_text() + f"\n# edit {n}\n")
        load_story(folder, cache=True)
    assert len(entries(cache)) == 4
    mine = (cache / "notes.txt", cache / "0123456789abcdef.json")
    for path in mine:
        path.write_text("the user's own")
    old = time.time() - cache_module.MAX_IDLE_SECONDS - 60
    stale = Cache(cache)._path(load_story(others[0]).fingerprint, str(others[0]))
    os.utime(stale, (old, old))
    load_story(others[1], cache=True)  # read: the most lately used
    monkeypatch.setattr(cache_module, "MAX_FOLDER_BYTES", 2 * os.path.getsize(stale) + 10)
    scenes = folder / "01-shore.yaml"
    scenes.write_text(scenes.read_text() + "\n# one more\n")
    load_story(folder, cache=True)  # writes, then prunes
    assert not stale.exists()
    left = entries(cache)
    assert len([e for e in left if e.name not in {p.name for p in mine}]) == 2
    assert Cache(cache)._path(load_story(others[1]).fingerprint, str(others[1])) in left
    assert all(path.read_text() == "the user's own" for path in mine)
