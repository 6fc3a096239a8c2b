"""The exact shape of a save record: made here, and checked here before anything else looks at it.

A save is read by the title screen at every start, by `adventure saves` and by
the loader; each of them may then format, compare or replay what it holds. So
every field is checked for its type and range here, once, and a record that
fails is refused whole with the first problem found.
"""
from __future__ import annotations

import time
from typing import Any

SAVE_FORMAT = 2  # 1: {"meta", "state"} with the whole route replayed on load; 2: {"meta", "game": snapshot}
MAX_TEXT = 2000
MAX_ID = 200
MAX_VALUE_TEXT = 100_000
MAX_ITEMS = 1_000_000
MAX_COUNT = 10 ** 12
MAX_SECONDS = 10 ** 11

META = {
    "story_id": ("id",), "story_title": ("text",), "story_version": ("text",), "fingerprint": ("id",),
    "scene_title": ("text",), "chapter": ("text",), "choices": ("count",), "play_seconds": ("seconds",),
    "saved_at": ("seconds",),
}


def _is_int(value) -> bool:
    return type(value) is int


def _ok(kind, value) -> bool:
    if kind == "id":
        return type(value) is str and 0 < len(value) <= MAX_ID
    if kind == "text":
        return type(value) is str and len(value) <= MAX_TEXT
    if kind == "count":
        return _is_int(value) and 0 <= value <= MAX_COUNT
    if kind == "seconds":
        return type(value) in (int, float) and 0 <= value <= MAX_SECONDS
    return False


def _vars_problem(variables, what) -> str | None:
    if type(variables) is not dict or len(variables) > MAX_ITEMS:
        return f"{what} is not a mapping"
    for name, value in variables.items():
        if len(name) > MAX_ID:
            return f"a variable name in {what} is too long"
        if type(value) is str:
            if len(value) > MAX_VALUE_TEXT:
                return f"variable {name[:40]} holds too long a text"
        elif type(value) not in (bool, int):
            return f"variable {name[:40]} holds a {type(value).__name__}"
    return None


def _ids(items) -> bool:
    return type(items) is list and len(items) <= MAX_ITEMS and all(_ok("id", i) for i in items)


def _place_problem(data: dict, whose: str) -> str | None:
    """What both formats hold alike: the scene, the variables, the visit counts, the once-only list."""
    if not _ok("id", data.get("scene")):
        return f"{whose} has no current scene"
    problem = _vars_problem(data.get("vars"), "its variables")
    if problem:
        return problem
    visits = data.get("visits", {})
    if type(visits) is not dict or len(visits) > MAX_ITEMS or not all(
            len(k) <= MAX_ID and _ok("count", v) for k, v in visits.items()):
        return "its visit counts are not scene -> count"
    if not _ids(data.get("used", [])):
        return "its once-only list is not a list of choice keys"
    return None


def state_problem(state) -> str | None:
    if type(state) is not dict:
        return "its state is not a mapping"
    problem = _place_problem(state, "its state")
    if problem:
        return problem
    if not _ids(state.get("route", [])):
        return "its route is not a list of choice ids"
    origin = state.get("origin")
    if origin is not None:
        if type(origin) is not dict or not _ok("id", origin.get("scene")):
            return "its starting point is malformed"
        return _vars_problem(origin.get("vars"), "its starting variables")
    return None


def check_record(record, newest_format: int) -> str | None:
    """None when `record` is a save of the shape we write; else the first problem, as a short phrase."""
    if type(record) is not dict:
        return "not a mapping"
    fmt = record.get("format")
    if not _is_int(fmt) or not 1 <= fmt <= newest_format:
        return "no known format version"
    meta = record.get("meta")
    if type(meta) is not dict:
        return "no meta"
    for key, (kind,) in META.items():
        if key not in meta:
            return f"no {key} in its meta"
        if not _ok(kind, meta[key]):
            return f"a bad {key} in its meta"
    if fmt == 1:
        return state_problem(record.get("state"))
    return game_problem(record.get("game"))


def game_problem(game) -> str | None:
    """The outline of a snapshot (core.snapshot checks its values against the story)."""
    if type(game) is not dict:
        return "its game is not a mapping"
    story = game.get("story")
    if type(story) is not dict or not _ok("id", story.get("id")):
        return "its game names no story"
    problem = _place_problem(game, "its game")
    if problem:
        return problem
    if type(game.get("route", "")) is not str:
        return "its route is not a string of choice ids"
    if type(game.get("check")) is not str:
        return "it has no checksum"
    return None


def save_record(game: Any, play_seconds: float = 0.0, saved_at: float | None = None) -> dict:
    """The record a save file holds, for the terminal and the web player alike, so a save
    made by one loads in the other: {"format", "meta", "game": the game's snapshot}."""
    story, scene = game.story, game.scene
    return {
        "format": SAVE_FORMAT,
        "meta": {
            "story_id": story.id,
            "story_title": story.title,
            "story_version": story.version,
            "fingerprint": story.fingerprint,
            "scene_title": scene.title,
            "chapter": scene.chapter or "",
            "choices": len(game.state.route),
            "play_seconds": round(max(0.0, float(play_seconds)), 1),
            "saved_at": round(time.time() if saved_at is None else float(saved_at), 3),
            "ended": bool(scene.ending),
        },
        "game": game.snapshot(),
    }
