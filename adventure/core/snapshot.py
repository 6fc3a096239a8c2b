"""A game as JSON-ready data, and back: what every host saves and restores.

A snapshot names its story (id, version, fingerprint) and carries the state
itself, so a game of an unchanged story is restored directly, with no replay:
in well under a millisecond whatever the length of the route. The route (the
choice ids taken) is kept too, as one space-separated string, so that a game
of a story edited since can be rebuilt by replaying it: saves survive edits.
A checksum over the contents catches a damaged or hand-edited file; every
value is also checked against the story's declarations before it is used.
"""
from __future__ import annotations

import hashlib
import json
from typing import Any

from .engine import MAX_CALLS, Frame, Game, GameState, replay_partial
from .errors import AdventureError, StateError
from .model import Line, Story
from .types import Origin

SNAPSHOT_FORMAT = 2
MAX_ROUTE = 1_000_000  # choices; far past any play-through, short of a memory bomb


def snapshot(game: Game) -> dict[str, Any]:
    """The game as JSON-ready data (see `restore`)."""
    state, story = game.state, game.story
    asked = story.asked
    record: dict[str, Any] = {
        "format": SNAPSHOT_FORMAT,
        "story": {"id": story.id, "version": story.version, "fingerprint": story.fingerprint},
        "scene": state.scene,
        "vars": dict(state.vars),
        # Only the counts that visited() can ask about steer anything; the rest would
        # make a save grow with every scene ever entered.
        "visits": {sid: count for sid, count in state.visits.items() if sid in asked or sid == "#seed"},
        "used": sorted(state.used),
        "route": " ".join(state.route),
    }
    passed = [[f.scene.id, [[line.text, line.speaker] for line in f.lines]] for f in game.frames[:-1]]
    if passed:
        record["passed"] = passed
    if state.origin is not None:
        record["origin"] = {"scene": state.origin["scene"], "vars": dict(state.origin["vars"])}
    if state.stack:
        record["stack"] = list(state.stack)
    record["check"] = _checksum(record)
    return record


def _checksum(record: dict[str, Any]) -> str:
    body = {k: v for k, v in record.items() if k != "check"}
    text = json.dumps(body, sort_keys=True, ensure_ascii=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def restore(story: Story, record: Any) -> tuple[Game, str | None]:
    """The game a snapshot records, in `story` as it is now; and a note for the player.

    The note is None when the story is unchanged. When it changed, the route is
    replayed through the new version and the note says where that left the
    player. Raises StateError for a snapshot that is damaged, of another story,
    or made by a newer engine.
    """
    if not isinstance(record, dict):
        raise StateError("not a saved game (not a mapping)")
    fmt = record.get("format")
    if type(fmt) is not int:
        raise StateError("not a saved game (no format version)")
    if fmt > SNAPSHOT_FORMAT:
        raise StateError(f"made by a newer version of the engine (format {fmt}); update to load it")
    named = record.get("story")
    if not isinstance(named, dict) or not isinstance(named.get("id"), str):
        raise StateError("not a saved game (no story named)")
    if named["id"] != story.id:
        raise StateError(f"a save of another story ({named['id'][:64]!r}, not {story.id!r})")
    if record.get("check") != _checksum(record):
        raise StateError("damaged: its contents do not match its checksum")
    route = _route(record.get("route"))
    origin = _origin(record.get("origin"))
    if named.get("fingerprint") == story.fingerprint:
        return _direct(story, record, route, origin), None
    visits = record.get("visits")
    seed = visits.get("#seed", 0) if isinstance(visits, dict) else 0
    return migrate(story, route, origin, seed if type(seed) is int and 0 <= seed < 2**63 else 0)


def migrate(story: Story, route: list[str], origin: Origin | None, seed: int = 0) -> tuple[Game, str]:
    """Replay a route through a story that changed since it was recorded."""
    try:
        game, problem = replay_partial(story, route, origin, seed)
    except AdventureError as exc:
        raise StateError(f"cannot be rebuilt in the changed story: {exc}") from None
    if problem is None:
        note = (f"The story has changed since this save; your {len(route)} choices were replayed "
                f"and you are at \u201c{game.scene.title}\u201d.")
    else:
        note = (f"The story has changed since this save: {problem}. You are at \u201c{game.scene.title}\u201d, "
                f"after {problem.step} of your {len(route)} choices.")
    return game, note


def _direct(story: Story, record: dict[str, Any], route: list[str], origin: Origin | None) -> Game:
    scene, variables = record.get("scene"), record.get("vars")
    visits, used = record.get("visits", {}), record.get("used", [])
    if not isinstance(scene, str) or scene not in story.scenes:
        raise StateError("damaged: its current scene is not in the story")
    if not isinstance(variables, dict):
        raise StateError("damaged: its variables are not a mapping")
    if not isinstance(visits, dict) or not all(
            (k in story.scenes or k == "#seed") and type(v) is int and 0 <= v <= 2**63 for k, v in visits.items()):
        raise StateError("damaged: its visit counts are not scene -> count")
    if not isinstance(used, list) or not all(isinstance(k, str) and k.count("/") == 1 for k in used):
        raise StateError("damaged: its once-only list is not a list of choice keys")
    stack = record.get("stack", [])
    if not isinstance(stack, list) or len(stack) > MAX_CALLS or not all(p in story.scenes for p in stack):
        raise StateError("damaged: its call stack names parts the story does not have")
    state = GameState(scene, dict(variables), dict(visits), route, set(used), origin, tuple(stack))
    game = Game(story, state)  # checks every variable against its declaration
    game._frames = _passed(story, record.get("passed", []))
    return game


def _passed(story: Story, passed: Any) -> list[Frame]:
    """The scenes the last choice passed through on its way (their text as it read then)."""
    if not isinstance(passed, list):
        raise StateError("damaged: the last step's text is not a list")
    frames: list[Frame] = []
    for item in passed:
        ok = (isinstance(item, list) and len(item) == 2 and isinstance(item[0], str) and item[0] in story.scenes
              and isinstance(item[1], list))
        if not ok:
            raise StateError("damaged: the last step's text is malformed")
        lines = []
        for line in item[1]:
            if not (isinstance(line, list) and len(line) == 2 and isinstance(line[0], str)
                    and (line[1] is None or line[1] in story.speakers)):
                raise StateError("damaged: the last step's text is malformed")
            lines.append(Line(line[0], line[1]))
        frames.append(Frame(story.scenes[item[0]], tuple(lines)))
    return frames


def _route(route: Any) -> list[str]:
    if route is None or route == "":
        return []
    if not isinstance(route, str) or len(route) > 64 * MAX_ROUTE:
        raise StateError("damaged: its route is not a string of choice ids")
    return route.split(" ")


def _origin(origin: Any) -> Origin | None:
    if origin is None:
        return None
    if not (isinstance(origin, dict) and isinstance(origin.get("scene"), str) and isinstance(origin.get("vars"), dict)):
        raise StateError("damaged: where its play began is malformed")
    return {"scene": origin["scene"], "vars": dict(origin["vars"])}
