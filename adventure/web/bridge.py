"""The web player's Python half: the engine's pure core, driven from the page.

This module runs inside Pyodide, next to a copy of `adventure.core` (and the
save-file checker `adventure.store.savecheck`); it never imports the compiler,
PyYAML or prompt_toolkit. The page calls `call(method, args_json)` and gets
JSON back, so no Python object ever crosses into JavaScript. It also runs in
CPython, which is how the tests check it without a browser.

A save is the very file the terminal writes (`adventure/store/saves.py`):
    {"format": 2, "meta": {...}, "game": <Game.snapshot()>}
so a save downloaded from the page loads in the terminal, and the other way.
"""
from __future__ import annotations

import json
import re

from adventure.core.engine import Game, GameState, transcript, undo
from adventure.core.errors import AdventureError, ChoiceError, PlayError
from adventure.core.model import Story
from adventure.core.snapshot import migrate, restore

# The shape of a save file, made and checked exactly as the terminal makes and checks it
# (`adventure publish` ships this module with the core).
from adventure.store.savecheck import SAVE_FORMAT, check_record, save_record

MAX_SAVE_BYTES = 5 * 1024 * 1024
NAME_RE = re.compile(r"[A-Za-z0-9_-]{1,64}\Z")


class WebError(Exception):
    """Something the reader is told in one line (a bad file, a bad slot name)."""


def _block_matchers(blocks: dict) -> list[tuple[str, re.Pattern]]:
    """Each block's paragraphs as patterns: literal text, with any interpolation as a wildcard."""
    out = []
    for name, templates in blocks.items():
        for parts in templates:
            if not any(isinstance(p, str) and p.strip() for p in parts):
                continue
            pattern = "".join(re.escape(p) if isinstance(p, str) else ".*?" for p in parts)
            out.append((name, re.compile(pattern, re.S)))
    return out


class Player:
    def __init__(self, data: dict):
        self.story = Story(data["compiled"])
        self.blocks = _block_matchers(data.get("blocks") or {})
        self.game = Game(self.story)

    # -- what the page shows ------------------------------------------------------
    def _block_of(self, text: str):
        for name, pattern in self.blocks:
            if pattern.fullmatch(text):
                return name
        return None

    def _frames(self):
        out = []
        for frame in self.game.frames:
            scene = frame.scene
            out.append({
                "scene": scene.id, "title": scene.title, "chapter": scene.chapter or "",
                "lines": [{"text": line.text, "speaker": line.speaker, "block": self._block_of(line.text)}
                          for line in frame.lines],
            })
        return out

    def view(self, **extra) -> dict:
        game = self.game
        view = {"scene": game.state.scene, "title": game.scene.title, "chapter": game.scene.chapter or "",
                "ended": game.ended, "stuck": game.stuck, "made": len(game.state.route)}
        try:
            view["frames"] = self._frames()
        except PlayError as exc:
            view["frames"] = []
            view["warn"] = f"This scene's text cannot be shown: {exc}"
        view["choices"] = [] if game.ended or game.stuck else [
            {"index": o.index, "id": o.id, "text": o.text} for o in game.choices]
        view.update(extra)
        return view

    # -- acting ---------------------------------------------------------------------
    def start(self) -> dict:
        return {"id": self.story.id, "title": self.story.title, "subtitle": self.story.subtitle,
                "version": self.story.version, "view": self.view()}

    def new(self) -> dict:
        self.game = Game(self.story)
        return self.view(again=True)

    def choose(self, index: int) -> dict:
        try:
            self.game.choose(int(index))
        except ChoiceError as exc:
            return {"warn": str(exc).capitalize() + "."}
        except PlayError as exc:  # nothing happened: the same menu again
            return {"warn": f"That choice cannot be taken: {exc}"}
        return self.view()

    def undo(self) -> dict:
        try:
            self.game = undo(self.game)
        except ChoiceError as exc:
            return {"warn": str(exc).capitalize() + "."}
        return self.view(again=True, say="You take that back.")

    def history(self) -> list:
        return [list(entry) for entry in transcript(self.story, self.game.state)]

    def state(self) -> dict:
        """Where the game stands, as a snapshot records it (visit counts only where the story asks)."""
        return core_state(self.game)

    # -- saves: the terminal's file format --------------------------------------------
    def record(self, play_seconds: float = 0.0, saved_at: float | None = None) -> dict:
        return save_record(self.game, play_seconds, saved_at)

    def save_text(self, play_seconds: float = 0.0, saved_at: float | None = None) -> str:
        """The save file's text, byte for byte as the terminal writes it."""
        return json.dumps(self.record(play_seconds, saved_at), indent=1, ensure_ascii=False, allow_nan=False)

    def load(self, text: str) -> dict:
        """Load a save file's text; the view, the play time, and a note when the story changed."""
        if len(text.encode("utf-8", "surrogatepass")) > MAX_SAVE_BYTES:
            raise WebError("That file is too large to be a save.")
        try:
            record = json.loads(text, parse_constant=_no_constant)
        except ValueError:
            raise WebError("That file is not a save (it is not JSON).") from None
        if isinstance(record, dict) and type(record.get("format")) is int and record["format"] > SAVE_FORMAT:
            raise WebError(f"That save was made by a newer version of the game (format {record['format']}).")
        problem = check_record(record, SAVE_FORMAT)
        if problem:
            raise WebError(f"That file is not a save ({problem}).")
        meta = record["meta"]
        if meta.get("story_id") != self.story.id:
            raise WebError(f"That is a save of another story ({str(meta.get('story_id'))[:64]!r}, "
                           f"not {self.story.id!r}).")
        try:
            if record["format"] == 1:
                state = GameState.from_dict(record["state"])
                game, note = migrate(self.story, state.route, state.origin)
                if meta.get("fingerprint") == self.story.fingerprint:
                    note = None
            else:
                game, note = restore(self.story, record["game"])
        except AdventureError as exc:
            raise WebError(f"That save is damaged: {exc}") from None
        self.game = game
        return {"view": self.view(again=True), "note": note,
                "play_seconds": float(meta.get("play_seconds", 0.0)), "meta": meta}


def core_state(game) -> dict:
    record = game.snapshot()
    return {"scene": record["scene"], "vars": record["vars"], "visits": record["visits"],
            "used": record["used"], "route": list(game.state.route)}


def _no_constant(name):
    raise ValueError(f"{name} is not allowed in a save")


PLAYER: Player | None = None


def boot(story_text: str) -> str:
    """Read the published story (story.json) and start a game; the page's first call."""
    global PLAYER
    PLAYER = Player(json.loads(story_text))
    return json.dumps(PLAYER.start())


def call(method: str, args_json: str = "[]") -> str:
    """The page's one way in: `{"ok": result}` or `{"error": "one line"}`, as JSON."""
    try:
        if PLAYER is None:
            raise WebError("The story is not loaded yet.")
        if method not in ("new", "choose", "undo", "history", "state", "save_text", "load", "view"):
            raise WebError(f"No such action {method!r}.")
        result = getattr(PLAYER, method)(*json.loads(args_json))
        return json.dumps({"ok": result}, ensure_ascii=False)
    except WebError as exc:
        return json.dumps({"error": str(exc)}, ensure_ascii=False)
    except AdventureError as exc:
        return json.dumps({"error": str(exc)}, ensure_ascii=False)
    except Exception as exc:  # noqa: BLE001 - the page shows one line, never a traceback
        return json.dumps({"error": f"Something went wrong: {type(exc).__name__}: {exc}"[:300]},
                          ensure_ascii=False)
