"""What a player has done across every play-through of a story: SAVES/STORY/progress.json.

    seen      scene ids whose text has been shown (skip-read skips them)
    taken     "scene/choice" keys of the choices ever taken (marked in menus)
    chapters  each chapter reached: its name, its first scene's title, and the
              game as it stood on arriving there (a snapshot), to start again from
    endings   each ending finished: its title, choices, time, and the finished game

The file is written atomically like a save and read with the same care: a
damaged or foreign file is ignored (it is only a convenience) and replaced by
the next write; what it names is checked against the story before use.
"""
from __future__ import annotations

import json
import time
from pathlib import Path

from ..core.errors import AdventureError
from . import strictjson
from .atomic import atomic_write, read_regular
from .savecheck import game_problem

FILENAME = "progress.json"  # never a slot: slots end in .save.json
FORMAT = 1
MAX_BYTES = 8 * 1024 * 1024
MAX_ITEMS = 100_000


def _text(value, limit=2000) -> bool:
    return type(value) is str and len(value) <= limit


def _number(value) -> bool:
    return type(value) in (int, float) and 0 <= value <= 10 ** 12


class Progress:
    """The record of one story's play-throughs, kept in `folder` (the story's slot folder)."""

    def __init__(self, folder: Path | None, story_id: str = ""):
        self.folder = Path(folder) if folder is not None else None
        self.story_id = story_id
        self.seen: set[str] = set()
        self.taken: set[str] = set()
        self.chapters: list[dict] = []
        self.endings: list[dict] = []
        self.problem: str | None = None
        self.dirty = False
        if self.folder is not None:
            self._read()

    @property
    def path(self) -> Path | None:
        return self.folder / FILENAME if self.folder is not None else None

    # -- reading ----------------------------------------------------------------
    def _read(self) -> None:
        try:
            data = strictjson.loads(read_regular(self.path, MAX_BYTES))
        except FileNotFoundError:
            return
        except (OSError, strictjson.BadJSON) as exc:
            self.problem = f"{self.path}: {getattr(exc, 'strerror', None) or exc}"
            return
        if type(data) is not dict or data.get("format") != FORMAT or data.get("story") != self.story_id:
            self.problem = f"{self.path}: not a progress file of this story"
            return
        seen, taken = data.get("seen", []), data.get("taken", [])
        if type(seen) is list and len(seen) <= MAX_ITEMS and all(_text(s, 200) for s in seen):
            self.seen = set(seen)
        if type(taken) is list and len(taken) <= MAX_ITEMS and all(_text(s, 401) for s in taken):
            self.taken = set(taken)
        self.chapters = [c for c in _list(data.get("chapters"))
                         if _text(c.get("chapter")) and _text(c.get("scene_title")) and _number(c.get("at"))
                         and game_problem(c.get("game")) is None]
        self.endings = [e for e in _list(data.get("endings"))
                        if _text(e.get("scene"), 200) and _text(e.get("title")) and _number(e.get("at"))
                        and type(e.get("choices")) is int and _number(e.get("choices"))
                        and _number(e.get("play_seconds")) and game_problem(e.get("game")) is None]

    # -- recording --------------------------------------------------------------
    def saw(self, scene_id: str) -> None:
        if scene_id not in self.seen:
            self.seen.add(scene_id)
            self.dirty = True

    def took(self, key: str) -> None:
        if key not in self.taken:
            self.taken.add(key)
            self.dirty = True

    def reached(self, chapter: str, game) -> bool:
        """Record the first arrival in `chapter` (with the game as it is); True when it is new."""
        if not chapter or any(c["chapter"] == chapter for c in self.chapters):
            return False
        self.chapters.append({"chapter": chapter, "scene_title": game.scene.title, "at": round(time.time(), 3),
                              "game": game.snapshot()})
        self.dirty = True
        return True

    def finished(self, game, play_seconds: float) -> None:
        """Keep the finished game: one entry per ending, the latest play-through of it."""
        scene = game.scene
        entry = {"scene": scene.id, "title": scene.title, "chapter": scene.chapter or "",
                 "choices": len(game.state.route), "play_seconds": round(max(0.0, play_seconds), 1),
                 "at": round(time.time(), 3), "game": game.snapshot()}
        self.endings = [e for e in self.endings if e["scene"] != scene.id] + [entry]
        self.dirty = True

    def restore(self, story, entry):
        """The game an entry (a chapter or an ending) keeps; AdventureError when it no longer fits."""
        from ..core.snapshot import restore

        try:
            return restore(story, entry["game"])
        except AdventureError:
            raise
        except (KeyError, TypeError, ValueError) as exc:
            raise AdventureError(f"that record cannot be restored ({exc})") from None

    def write(self) -> None:
        """Write if anything changed; raise OSError when the folder cannot take it."""
        if self.folder is None or not self.dirty:
            return
        record = {"format": FORMAT, "story": self.story_id, "seen": sorted(self.seen),
                  "taken": sorted(self.taken), "chapters": self.chapters, "endings": self.endings}
        data = json.dumps(record, ensure_ascii=False, allow_nan=False, separators=(",", ":")).encode("utf-8")
        if len(data) > MAX_BYTES:
            return  # far past any real play; the record simply stops growing
        self.folder.mkdir(parents=True, exist_ok=True)
        atomic_write(self.path, data)
        self.dirty = False


def _list(value) -> list[dict]:
    if type(value) is not list:
        return []
    return [item for item in value[:10_000] if type(item) is dict]
