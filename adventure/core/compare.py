"""What an edit does to saves: the choices and scenes a new version no longer has.

A save records the ids of the choices taken; when the story changes, the route
is replayed, and it stops at the first choice id that is gone. So the ids an
edit removed (or renamed, which is the same to a save) are the saves it will
rewind. Pure: it compares two compiled forms.
"""
from __future__ import annotations

from typing import Any


def removed(old: dict[str, Any], new: dict[str, Any]) -> dict[str, list[str]]:
    """{"choices": ["scene/choice", ...], "scenes": [...]} present in `old` and gone from `new`."""
    def keys(compiled: dict[str, Any]) -> set[str]:
        return {f"{sid}/{c['id']}" for sid, scene in compiled.get("scenes", {}).items()
                for c in scene.get("choices", []) if not c.get("fallback")}

    old_scenes, new_scenes = set(old.get("scenes", {})), set(new.get("scenes", {}))
    return {"choices": sorted(keys(old) - keys(new)), "scenes": sorted(old_scenes - new_scenes)}
