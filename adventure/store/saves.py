"""Save slots on disk: JSON files, written atomically, each with a backup.

A slot is `NAME.json` in the saves folder; the version it replaced is kept as
`NAME.json.bak`. A save records the route of choice ids as well as the state,
so it can be rebuilt by replay when the story has changed since.
"""
from __future__ import annotations

import json
import os
import re
import time
from collections import namedtuple
from pathlib import Path

from ..core.engine import Game, GameState
from ..core.errors import AdventureError, SaveError
from ..core.model import Story
from ..core.snapshot import migrate, restore

SAVE_FORMAT = 2  # 1: {"meta", "state"} with the whole route replayed on load; 2: {"meta", "game": snapshot}
NAME_RE = re.compile(r"[A-Za-z0-9_-]{1,64}\Z")
AUTOSAVE = "autosave"
MAX_SAVE_BYTES = 5 * 1024 * 1024


def check_name(name: str) -> str:
    if not isinstance(name, str) or not NAME_RE.match(name):
        raise SaveError(f"bad save name {name!r}: use 1-64 letters, digits, '-' or '_'")
    return name


def default_folder() -> Path:
    setting = os.environ.get("ADVENTURE_SAVES")
    return Path(setting) if setting else Path("saves")


class SlotInfo(namedtuple("SlotInfo", "name story_title scene_title chapter choices play_seconds saved_at path")):
    """What the save list shows, read without rebuilding the game."""

    __slots__ = ()


class Loaded(namedtuple("Loaded", "game play_seconds note")):
    """A loaded save; `note` is one line for the player when the story changed under it."""

    __slots__ = ()


class SaveStore:
    def __init__(self, folder: Path | str | None = None):
        self.folder = Path(folder) if folder is not None else default_folder()

    def path(self, name: str) -> Path:
        return self.folder / f"{check_name(name)}.json"

    # -- writing --------------------------------------------------------------
    def save(self, name: str, game: Game, play_seconds: float = 0.0) -> Path:
        path = self.path(name)
        story, scene = game.story, game.scene
        record = {
            "format": SAVE_FORMAT,
            "meta": {
                "story_id": story.id,
                "story_title": story.title,
                "story_version": story.version,
                "fingerprint": story.fingerprint,
                "scene_title": scene.title,
                "chapter": scene.chapter or "",
                "choices": len(game.state.route),
                "play_seconds": round(play_seconds, 1),
                "saved_at": time.time(),
            },
            "game": game.snapshot(),
        }
        data = json.dumps(record, indent=1, ensure_ascii=False).encode("utf-8")
        self._write(path, data)
        return path

    def _write(self, path: Path, data: bytes) -> None:
        if not self.folder.is_dir():
            try:
                self.folder.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise SaveError(f"cannot create the saves folder {self.folder}: {exc.strerror}") from None
        tmp = None
        try:
            fd, tmp = _mkstemp(dir=self.folder, prefix=f".{path.stem}-", suffix=".tmp")
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
                handle.flush()
                os.fsync(handle.fileno())
            if path.exists():
                backup = path.with_name(path.name + ".bak")
                try:
                    os.unlink(backup)
                except FileNotFoundError:
                    pass
                os.link(path, backup)  # the old save stays whole under its own name until the replace
            os.replace(tmp, path)
            tmp = None
            _fsync_dir(self.folder)
        except OSError as exc:
            raise SaveError(f"cannot write save {path}: {exc.strerror or exc}") from None
        finally:
            if tmp is not None:
                try:
                    os.unlink(tmp)
                except OSError:
                    pass

    def delete(self, name: str) -> None:
        path = self.path(name)
        if not path.exists():
            raise SaveError(f"no save named {name!r} in {self.folder}")
        try:
            os.unlink(path)
            backup = path.with_name(path.name + ".bak")
            if backup.exists():
                os.unlink(backup)
        except OSError as exc:
            raise SaveError(f"cannot delete {path}: {exc.strerror}") from None

    # -- reading --------------------------------------------------------------
    def read(self, name_or_path) -> dict:
        path = name_or_path if isinstance(name_or_path, Path) else self.path(name_or_path)
        try:
            with open(path, "rb") as handle:
                raw = handle.read(MAX_SAVE_BYTES + 1)
        except FileNotFoundError:
            raise SaveError(f"no save named {path.stem!r} in {self.folder}") from None
        except OSError as exc:
            raise SaveError(f"{path}: cannot read: {exc.strerror}") from None
        if len(raw) > MAX_SAVE_BYTES:
            raise SaveError(f"{path}: too large to be a save")
        try:
            record = json.loads(raw.decode("utf-8"))
        except (UnicodeDecodeError, ValueError) as exc:
            raise SaveError(f"{path}: not a readable save (broken JSON: {exc})".splitlines()[0]) from None
        fmt = record.get("format") if isinstance(record, dict) else None
        if type(fmt) is not int:
            raise SaveError(f"{path}: not a save file (no format version)")
        if fmt > SAVE_FORMAT:
            raise SaveError(f"{path}: made by a newer version of the game (save format {fmt}); "
                            f"update the game to load it")
        if not isinstance(record.get("meta"), dict) or not isinstance(record.get("game" if fmt >= 2 else "state"), dict):
            raise SaveError(f"{path}: not a save file (no meta and game)")
        return record

    def info(self, name: str) -> SlotInfo:
        path = self.path(name)
        meta = self.read(path)["meta"]

        def get(key, kind, default):
            value = meta.get(key, default)
            return value if isinstance(value, kind) and not isinstance(value, bool) else default
        return SlotInfo(name, get("story_title", str, "?"), get("scene_title", str, "?"),
                        get("chapter", str, ""), get("choices", int, 0), get("play_seconds", (int, float), 0.0),
                        get("saved_at", (int, float), 0.0), path)

    def slots(self) -> tuple[list[SlotInfo], list[str]]:
        """Every readable slot, newest first, and a line for each unreadable one."""
        infos, problems = [], []
        try:
            names = sorted(p.stem for p in self.folder.glob("*.json") if NAME_RE.match(p.stem))
        except OSError:
            names = []
        for name in names:
            try:
                infos.append(self.info(name))
            except SaveError as exc:
                problems.append(str(exc))
        infos.sort(key=lambda i: i.saved_at, reverse=True)
        return infos, problems

    def newest(self) -> str | None:
        infos, _ = self.slots()
        return infos[0].name if infos else None

    def load(self, name: str, story: Story) -> Loaded:
        path = self.path(name)
        record = self.read(path)
        meta = record["meta"]
        seconds = meta.get("play_seconds", 0.0)
        seconds = float(seconds) if isinstance(seconds, (int, float)) and not isinstance(seconds, bool) else 0.0
        try:
            if record["format"] == 1:
                game, note = self._legacy(record, story)
            else:
                game, note = restore(story, record["game"])
        except AdventureError as exc:
            raise SaveError(f"{path}: {exc}") from None
        return Loaded(game, seconds, note)

    @staticmethod
    def _legacy(record, story: Story):
        """A save from before snapshots: its route is replayed, and must rebuild its state."""
        meta = record["meta"]
        if meta.get("story_id") != story.id:
            raise SaveError(f"a save of another story ({str(meta.get('story_id'))[:64]!r}, not {story.id!r})")
        state = GameState.from_dict(record["state"])
        game, note = migrate(story, state.route, state.origin)
        if meta.get("fingerprint") == story.fingerprint:
            if game.state.to_dict() != state.to_dict():
                raise SaveError("damaged save: its state does not match its recorded choices")
            note = None
        return game, note


def _fsync_dir(folder: Path) -> None:
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _mkstemp(**kw):
    import tempfile  # only writing needs it; kept off the start-up path

    return tempfile.mkstemp(**kw)
