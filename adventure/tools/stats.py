"""Counts for an author: scenes, choices, words, endings and variables, per file. Pure."""
from __future__ import annotations

import re

WORD = re.compile(r"[A-Za-z0-9\u00c0-\uffff']+")


def _words_in_text(items) -> int:
    total = 0
    for item in items:
        if "if" in item:
            total += _words_in_text(item["then"]) + _words_in_text(item.get("else", []))
        else:
            total += sum(len(WORD.findall(p)) for p in item["t"] if isinstance(p, str))
    return total


def story_stats(compiled) -> dict:
    files: dict[str, dict] = {}
    for sid, scene in compiled["scenes"].items():
        row = files.setdefault(scene.get("file", ""), {"scenes": 0, "choices": 0, "words": 0, "endings": 0})
        row["scenes"] += 1
        row["choices"] += len(scene.get("choices", []))
        row["words"] += _words_in_text(scene.get("text", [])) + sum(
            len(WORD.findall(p)) for c in scene.get("choices", []) for p in c["text"] if isinstance(p, str))
        row["endings"] += bool(scene.get("ending"))
    total = {k: sum(row[k] for row in files.values()) for k in ("scenes", "choices", "words", "endings")}
    total["variables"] = len(compiled.get("variables", {}))
    return {"files": files, "total": total}
