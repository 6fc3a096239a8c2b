"""Save slots on disk: JSON files, written atomically, each with a backup.

The saves folder is shared ground: several stories, settings, other copies of
the game, and whatever else a user or another program puts there. So:

    SAVES/settings.json                  the player's settings (settings.py)
    SAVES/STORY/NAME.save.json           one slot of one story
    SAVES/STORY/NAME.save.json.bak       the good version it replaced

STORY is the story's id (or a hashed form of it, see `story_key`), so two
stories never share an `autosave`; a slot file name always ends in
`.save.json`, so no slot is ever `settings.json` or `progress.json`. When a
new line of play begins (a new game, a load of another slot), the autosave it
would replace is set aside as `autosave.1` (and `autosave.1` as `autosave.2`,
up to `autosave.5`) before its first choice is saved. Saves of the old flat
layout (SAVES/NAME.json) move into their story's folder the first time that
story's slots are used. Only regular files are read (no links, FIFOs or
devices); nothing is written that could not be read back.
"""
from __future__ import annotations

import hashlib
import json
import os
import re
import stat
from collections import namedtuple
from pathlib import Path

from ..core.engine import Game, GameState
from ..core.errors import AdventureError, SaveError
from ..core.model import Story
from ..core.snapshot import migrate, restore
from . import strictjson
from .atomic import NotRegular, atomic_write, clean_stale_temps, read_regular
from .savecheck import SAVE_FORMAT, check_record, save_record

NAME_RE = re.compile(r"(?:[A-Za-z0-9_-]{1,64}|autosave\.[1-9][0-9]?)\Z")  # autosave.N: the autosaves before
KEY_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,63}\Z")
AUTOSAVE = "autosave"
KEEP_AUTOSAVES = 5  # autosave.1 .. autosave.5: the autosaves a new line of play set aside
APP_NAME = "her-adventure"
SUFFIX = ".save.json"
LEGACY_SUFFIX = ".json"
MAX_SAVE_BYTES = 5 * 1024 * 1024


def check_name(name: str) -> str:
    if not isinstance(name, str) or not NAME_RE.match(name):
        shown = name[:40] + "\u2026" if isinstance(name, str) and len(name) > 40 else name
        raise SaveError(f"bad save name {shown!r}: use 1-64 letters, digits, '-' or '_'")
    return name


def story_key(story_id: str) -> str:
    """The folder name for a story's slots: its id when that is a plain name, else a hashed form.

    A key never holds a dot, so it can never be `settings.json` or a slot file."""
    if KEY_RE.match(story_id):
        return story_id
    plain = re.sub(r"[^A-Za-z0-9_-]+", "_", story_id)[:40].strip("_-") or "story"
    return f"{plain}-{hashlib.sha256(story_id.encode('utf-8', 'surrogatepass')).hexdigest()[:12]}"


CHECKOUT = Path(__file__).resolve().parent.parent.parent  # the project's folder, when run from its checkout


def checkout_saves() -> Path | None:
    """The repository's own saves/ folder, when the game runs from the project's checkout."""
    root = CHECKOUT
    if root is None:
        return None
    if (root / "pyproject.toml").is_file() and (root / ".git").exists() and (root / "saves").is_dir():
        return root / "saves"
    return None


def user_folder() -> Path:
    """The platform's per-user data folder for the game's saves (platformdirs)."""
    from platformdirs import user_data_path

    return user_data_path(APP_NAME, appauthor=False) / "saves"


def default_folder() -> Path:
    """Where saves and settings live: $ADVENTURE_SAVES; else the checkout's saves/ when playing
    from the project's own checkout; else the per-user data folder. Never the working folder."""
    setting = os.environ.get("ADVENTURE_SAVES")
    if setting:
        return Path(setting)
    return checkout_saves() or user_folder()


class SlotInfo(namedtuple("SlotInfo", "name story_title scene_title chapter choices play_seconds saved_at path "
                                      "ended", defaults=(False,))):
    """What the save list shows, read without rebuilding the game."""

    __slots__ = ()


class Loaded(namedtuple("Loaded", "game play_seconds note")):
    """A loaded save; `note` is one line for the player when the story changed under it."""

    __slots__ = ()


class DamagedSave(SaveError):
    """A slot whose file cannot be trusted (unreadable, malformed or tampered): its backup may be offered."""


class SaveStore:
    """The slots of one story (`story` is its id) in `folder`; without a story, of every story there."""

    def __init__(self, folder: Path | str | None = None, story: str | None = None):
        self.folder = Path(folder) if folder is not None else default_folder()
        self.story = story
        self.slot_dir = self.folder / story_key(story) if story is not None else None
        self._tidied = False

    def bound(self, story_id: str) -> "SaveStore":
        return self if self.story == story_id else SaveStore(self.folder, story_id)

    def path(self, name: str) -> Path:
        check_name(name)
        if self.slot_dir is None:
            found = self._find(name)
            if len(found) == 1:
                return found[0]
            if found:
                raise SaveError(f"there are saves named {name!r} of {len(found)} stories in {self.folder}; "
                                f"say which story with --story")
            raise SaveError(f"no save named {name!r} in {self.folder}")
        return self.slot_dir / f"{name}{SUFFIX}"

    # -- the folder ---------------------------------------------------------------
    def _entries(self, folder: Path) -> list[os.DirEntry]:
        """The folder's entries; [] when it does not exist; SaveError when it cannot be listed."""
        try:
            with os.scandir(folder) as it:
                return list(it)
        except FileNotFoundError:
            return []
        except NotADirectoryError:
            raise SaveError(f"the saves folder {folder} is not a folder") from None
        except OSError as exc:
            raise SaveError(f"cannot read the saves folder {folder}: {exc.strerror or exc}") from None

    def _story_dirs(self) -> list[Path]:
        if self.slot_dir is not None:
            return [self.slot_dir]
        return [Path(e.path) for e in self._entries(self.folder)
                if KEY_RE.match(e.name) and e.is_dir(follow_symlinks=False)]

    def _find(self, name: str) -> list[Path]:
        found = [d / f"{name}{SUFFIX}" for d in self._story_dirs()
                 if os.path.lexists(d / f"{name}{SUFFIX}") or os.path.lexists(d / f"{name}{SUFFIX}.bak")]
        return found

    def _check_slot_dir(self) -> None:
        try:
            info = os.lstat(self.slot_dir)
        except FileNotFoundError:
            return
        except OSError as exc:
            raise SaveError(f"cannot read the saves folder {self.folder}: {exc.strerror or exc}") from None
        if not stat.S_ISDIR(info.st_mode):
            raise SaveError(f"{self.slot_dir} is not a folder of saves (a link or a file); it is left alone")

    def _tidy(self) -> None:
        """Once per store: move this story's saves of the old flat layout in, and clear crashed writes."""
        if self._tidied or self.slot_dir is None:
            return
        self._tidied = True
        self._check_slot_dir()
        for entry in self._entries(self.folder):
            stem = entry.name[: -len(LEGACY_SUFFIX)]
            if entry.name.endswith(LEGACY_SUFFIX) and NAME_RE.match(stem):
                self._migrate(Path(entry.path), stem)
        clean_stale_temps(self.folder)
        clean_stale_temps(self.slot_dir)

    def _migrate(self, old: Path, name: str) -> None:
        target = self.slot_dir / f"{name}{SUFFIX}"
        try:
            record = self._parse(read_regular(old, MAX_SAVE_BYTES), old)
        except (OSError, SaveError):
            return  # not a readable save (or not ours to read): left where it is
        if record["meta"]["story_id"] != self.story or os.path.lexists(target):
            return
        try:
            self.slot_dir.mkdir(parents=True, exist_ok=True)
            os.replace(old, target)
            backup = old.with_name(old.name + ".bak")
            if os.path.lexists(backup) and not os.path.lexists(target.with_name(target.name + ".bak")):
                os.replace(backup, target.with_name(target.name + ".bak"))
        except OSError:
            pass  # it stays loadable where it is next time

    def _ensure_dir(self) -> None:
        try:
            self.slot_dir.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise SaveError(f"cannot create the saves folder {self.slot_dir}: {exc.strerror or exc}") from None
        self._check_slot_dir()

    # -- writing --------------------------------------------------------------
    def save(self, name: str, game: Game, play_seconds: float = 0.0) -> Path:
        if self.story != game.story.id:
            return self.bound(game.story.id).save(name, game, play_seconds)
        path = self.path(name)
        record = save_record(game, play_seconds)
        try:
            data = json.dumps(record, indent=1, ensure_ascii=False, allow_nan=False).encode("utf-8")
        except (ValueError, TypeError) as exc:
            raise SaveError(f"cannot save {name}: the game state cannot be written "
                            f"({str(exc).splitlines()[0][:100]})") from None
        if len(data) > MAX_SAVE_BYTES:
            raise SaveError(f"cannot save {name}: it would be {len(data):,} bytes, over the "
                            f"{MAX_SAVE_BYTES:,}-byte limit for a save")
        try:  # never write what the game could not read back
            self._parse(data, path)
        except SaveError as exc:
            raise SaveError(f"cannot save {name}: it could not be read back ({exc})") from None
        self._tidy()
        self._ensure_dir()
        try:
            atomic_write(path, data, keep_backup=True, is_good=lambda old: self._is_good(old, path))
        except OSError as exc:
            raise SaveError(f"cannot write save {path}: {exc.strerror or exc}") from None
        return path

    def _is_good(self, data: bytes, path: Path) -> bool:
        try:
            self._parse(data, path)
        except SaveError:
            return False
        return True

    def exists(self, name: str) -> bool:
        if self.slot_dir is None:
            return bool(self._find(check_name(name)))
        path = self.path(name)
        return os.path.lexists(path)

    def set_aside(self, name: str = AUTOSAVE, keep: int = KEEP_AUTOSAVES) -> str | None:
        """Move slot `name` to `name.1` (and `name.1` to `name.2`, ... the oldest beyond `keep` goes),
        so that a new line of play never writes over it. Returns the name it now has, or None."""
        self._tidy()
        current = self.path(name)
        if not os.path.lexists(current):
            return None
        try:
            for n in range(keep, 0, -1):
                older = self.path(f"{name}.{n - 1}") if n > 1 else current
                newer = self.path(f"{name}.{n}")
                for suffix in ("", ".bak"):
                    source = older.with_name(older.name + suffix)
                    target = newer.with_name(newer.name + suffix)
                    if os.path.lexists(source):
                        os.replace(source, target)
                    elif os.path.lexists(target) and suffix:
                        os.unlink(target)  # a backup must never belong to another save
        except OSError as exc:
            raise SaveError(f"cannot keep the previous autosave: {exc.strerror or exc}") from None
        return f"{name}.1"

    def delete(self, name: str) -> None:
        if self.slot_dir is not None:
            self._tidy()
        path = self.path(name)
        backup = path.with_name(path.name + ".bak")
        if not os.path.lexists(path) and not os.path.lexists(backup):
            raise SaveError(f"no save named {name!r} in {self.folder}")
        try:
            for doomed in (path, backup):
                if os.path.lexists(doomed):
                    os.unlink(doomed)
        except OSError as exc:
            raise SaveError(f"cannot delete {path}: {exc.strerror}") from None

    # -- reading --------------------------------------------------------------
    def read(self, name_or_path) -> dict:
        path = name_or_path if isinstance(name_or_path, Path) else self.path(name_or_path)
        try:
            raw = read_regular(path, MAX_SAVE_BYTES)
        except FileNotFoundError:
            raise SaveError(f"no save named {_slot_name(path)!r} in {self.folder}") from None
        except NotRegular:
            raise DamagedSave(f"{path}: not a regular file (a link, FIFO or device); it is left alone") from None
        except OSError as exc:
            if exc.errno == 27:  # EFBIG, from the size limit
                raise DamagedSave(f"{path}: too large to be a save") from None
            raise SaveError(f"{path}: cannot read: {exc.strerror or exc}") from None
        return self._parse(raw, path)

    def _parse(self, raw: bytes, path: Path) -> dict:
        try:
            record = strictjson.loads(raw)
        except strictjson.BadJSON as exc:
            raise DamagedSave(f"{path}: not a readable save ({exc})") from None
        if isinstance(record, dict) and type(record.get("format")) is int and record["format"] > SAVE_FORMAT:
            raise SaveError(f"{path}: made by a newer version of the game (save format {record['format']}); "
                            f"update the game to load it")
        problem = check_record(record, SAVE_FORMAT)
        if problem:
            raise DamagedSave(f"{path}: not a save file ({problem})")
        return record

    def info(self, name: str) -> SlotInfo:
        return self._info(self.path(name))

    def _info(self, path: Path) -> SlotInfo:
        meta = self.read(path)["meta"]
        return SlotInfo(_slot_name(path), meta["story_title"], meta["scene_title"], meta["chapter"],
                        meta["choices"], meta["play_seconds"], meta["saved_at"], path, meta.get("ended") is True)

    def slots(self) -> tuple[list[SlotInfo], list[str]]:
        """Every readable slot, newest first, and a line for each unreadable one.

        Raises SaveError when the folder itself cannot be read."""
        self._tidy()
        infos, problems = [], []
        for folder in self._story_dirs():
            for entry in sorted(self._entries(folder), key=lambda e: e.name):
                name = entry.name[: -len(SUFFIX)]
                if not entry.name.endswith(SUFFIX) or not NAME_RE.match(name):
                    continue
                try:
                    infos.append(self._info(Path(entry.path)))
                except SaveError as exc:
                    problems.append(str(exc) + self._backup_hint(Path(entry.path), name))
        infos.sort(key=lambda i: i.saved_at, reverse=True)
        return infos, problems

    def _backup_hint(self, path: Path, name: str) -> str:
        try:
            self.read(path.with_name(path.name + ".bak"))
        except SaveError:
            return ""
        return f"; its previous version is kept (load {name} uses it)"

    def newest(self) -> str | None:
        infos, _ = self.slots()
        return infos[0].name if infos else None

    def load(self, name: str, story: Story) -> Loaded:
        if self.story != story.id:
            return self.bound(story.id).load(name, story)
        self._tidy()
        path = self.path(name)
        backup = path.with_name(path.name + ".bak")
        try:
            return self._load(path, story)
        except DamagedSave as damaged:
            try:
                loaded = self._load(backup, story)
            except SaveError:
                raise damaged from None
        except SaveError as missing:
            if os.path.lexists(path):
                raise
            try:  # the slot itself is gone, but the version before it is kept
                loaded = self._load(backup, story)
            except SaveError:
                raise missing from None
        note = (f"The save {name} could not be read, so its previous version was loaded; "
                f"the damaged file is left as it was.")
        return Loaded(loaded.game, loaded.play_seconds, f"{note} {loaded.note}" if loaded.note else note)

    def _load(self, path: Path, story: Story) -> Loaded:
        record = self.read(path)
        meta = record["meta"]
        if meta["story_id"] != story.id:
            raise SaveError(f"{path}: a save of another story ({meta['story_id']!r}, not {story.id!r})")
        seconds = float(meta["play_seconds"])
        try:
            if record["format"] == 1:
                game, note = self._legacy(record, story)
            else:
                game, note = restore(story, record["game"])
        except AdventureError as exc:
            raise DamagedSave(f"{path}: damaged save: {exc}") from None
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


def _slot_name(path: Path) -> str:
    name = path.name
    for suffix in (SUFFIX + ".bak", SUFFIX, LEGACY_SUFFIX):
        if name.endswith(suffix):
            return name[: -len(suffix)]
    return name
