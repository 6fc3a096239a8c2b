"""Counts for an author: scenes, choices, words, endings and variables, per file. Pure.

A format-2 scene counts once, whatever number of parts its weave compiles to;
the choices the engine takes by itself (fallbacks) are not counted as choices.
"""
from __future__ import annotations

import re
from typing import Any

from ..core.walk import paragraphs

WORD = re.compile(r"[A-Za-z0-9\u00c0-\uffff']+")


def _words(parts: list) -> int:
    return sum(len(WORD.findall(p)) for p in parts if isinstance(p, str))


def story_stats(compiled: dict[str, Any]) -> dict[str, Any]:
    files: dict[str, dict[str, int]] = {}
    for scene in compiled["scenes"].values():
        row = files.setdefault(scene.get("file", ""), {"scenes": 0, "choices": 0, "words": 0, "endings": 0})
        row["scenes"] += not scene.get("part_of")
        choices = [c for c in scene.get("choices", []) if not c.get("fallback")]
        row["choices"] += len(choices)
        row["words"] += sum(_words(p["t"]) for p in paragraphs(scene.get("text", [])))
        row["words"] += sum(_words(c["text"]) for c in choices)
        row["endings"] += bool(scene.get("ending"))
    total = {k: sum(row[k] for row in files.values()) for k in ("scenes", "choices", "words", "endings")}
    total["variables"] = len(compiled.get("variables", {}))
    return {"files": files, "total": total}
