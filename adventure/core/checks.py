"""Whole-story checks on the compiled form: the mistakes a graph of scenes can hold.

Pure. Each finding is a Diagnostic with a stable code (see docs/authoring.md).
"""
from __future__ import annotations

import itertools
import re

from .errors import Diagnostic
from .expr import compile_tree, names, visited_scenes

MAX_DOMAIN = 4096  # assignments tried when judging whether a condition can hold


def check(compiled: dict) -> list[Diagnostic]:
    out: list[Diagnostic] = []
    scenes = compiled.get("scenes", {})
    variables = compiled.get("variables", {})
    manifest = compiled.get("manifest", "story.yaml")
    reads, writes = _uses(scenes)

    for name, spec in variables.items():
        path, line, col = spec.get("loc", [manifest, 1, 1])
        if name not in reads:
            out.append(Diagnostic(path, line, col, "warning", f"variable {name} is never read", "W101"))
        elif name not in writes:
            out.append(Diagnostic(path, line, col, "warning",
                                  f"variable {name} is never changed (it is always {spec['default']!r})", "W102"))

    reached = _reachable(compiled)
    for sid, scene in scenes.items():
        path, (line, col) = scene["file"], scene["loc"]
        if sid not in reached:
            out.append(Diagnostic(path, line, col, "warning", f"scene {sid} cannot be reached from the start",
                                  "W103"))
        if not scene.get("ending") and not scene.get("choices"):
            out.append(Diagnostic(path, line, col, "error",
                                  f"scene {sid} has no choices and is not an ending (add choices or `ending: true`)",
                                  "E104"))
        if not scene.get("text"):
            out.append(Diagnostic(path, line, col, "warning", f"scene {sid} has no text", "W107"))

    domains = _domains(variables, writes)
    for sid, scene in scenes.items():
        path = scene["file"]
        for choice in scene.get("choices", []):
            if "if" in choice:
                out += _judge(choice["if"], domains, path, choice.get("if_loc", choice["loc"]),
                              f"the condition of choice {choice['id']!r} in {sid}")
        for item in _conditional_items(scene.get("text", [])):
            ipath, line, col = item["loc"]
            out += _judge(item["if"], domains, ipath, [line, col], f"a text condition in {sid}")
    out += control_characters(compiled)
    return sorted(set(out))


def _uses(scenes):
    reads, writes = set(), set()

    def text_reads(items):
        for item in items:
            if "if" in item:
                names(item["if"], reads)
                text_reads(item["then"])
                text_reads(item.get("else", []))
            else:
                for part in item["t"]:
                    if isinstance(part, list):
                        names(part, reads)

    def effect_uses(effects):
        for kind, name, tree, _loc in effects or []:
            writes.add(name)
            if tree is not None:
                names(tree, reads)

    for scene in scenes.values():
        text_reads(scene.get("text", []))
        effect_uses(scene.get("do"))
        for choice in scene.get("choices", []):
            if "if" in choice:
                names(choice["if"], reads)
            for part in choice["text"]:
                if isinstance(part, list):
                    names(part, reads)
            effect_uses(choice.get("do"))
    return reads, writes


def _reachable(compiled) -> set:
    scenes = compiled.get("scenes", {})
    start = compiled.get("start")
    seen, stack = set(), [start] if start in scenes else []
    while stack:
        sid = stack.pop()
        if sid in seen:
            continue
        seen.add(sid)
        stack.extend(c["goto"] for c in scenes[sid].get("choices", []) if c["goto"] in scenes)
    return seen


def _conditional_items(items):
    for item in items:
        if "if" in item:
            yield item
            yield from _conditional_items(item["then"])
            yield from _conditional_items(item.get("else", []))


def _domains(variables, writes):
    """Every value a variable can hold, where that is a small known set."""
    out = {}
    for name, spec in variables.items():
        if name not in writes:
            out[name] = [spec["default"]]
        elif spec["type"] == "bool":
            out[name] = [False, True]
        elif spec["type"] == "int" and "min" in spec and "max" in spec and spec["max"] - spec["min"] < 64:
            out[name] = list(range(spec["min"], spec["max"] + 1))
        elif spec["type"] == "str" and "values" in spec:
            out[name] = list(spec["values"])
    return out


def _judge(tree, domains, path, loc, what):
    if visited_scenes(tree):
        return []
    used = sorted(names(tree))
    if any(n not in domains for n in used):
        return []
    size = 1
    for n in used:
        size *= len(domains[n])
    if size > MAX_DOMAIN:
        return []
    f = compile_tree(tree)
    results = set()
    for combo in itertools.product(*(domains[n] for n in used)):
        results.add(bool(f(dict(zip(used, combo)), {})))
        if len(results) == 2:
            return []
    line, col = loc
    if results == {False}:
        return [Diagnostic(path, line, col, "warning", f"{what} can never hold", "W105")]
    return [Diagnostic(path, line, col, "warning", f"{what} always holds", "W106")]


_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")


def control_characters(compiled: dict) -> list[Diagnostic]:
    """E040 where a story's text holds a character a terminal obeys instead of showing (ESC
    sequences set the clipboard, rename the window, clear the screen). The players show such
    characters harmlessly; this tells the author where they are. Newline and tab are fine."""
    out: list[Diagnostic] = []

    def scan(value, path, line, col, where):
        stack = [value]
        while stack:  # iterative: a deeply nested expression must not exhaust the stack
            item = stack.pop()
            if isinstance(item, str):
                found = _CONTROL.search(item)
                if found:
                    out.append(Diagnostic(path, line, col, "error", f"{where} holds the control character "
                                          f"U+{ord(found.group()):04X}; a terminal would obey it", "E040"))
                    return
            elif isinstance(item, dict):
                for key, part in item.items():
                    if key != "loc":  # a location holds a file path, which is the user's, not the story's
                        stack += [key, part]
            elif isinstance(item, (list, tuple)):
                stack.extend(item)

    manifest = compiled.get("manifest", "story.yaml")
    for key in ("id", "title", "subtitle", "version", "author", "description", "speakers"):
        scan(compiled.get(key), manifest, 1, 1, f"the story's {key}")
    for name, spec in compiled.get("variables", {}).items():
        path, line, col = spec.get("loc", [manifest, 1, 1])
        scan({k: v for k, v in spec.items() if k != "loc"}, path, line, col, f"variable {name}")
    for sid, scene in compiled.get("scenes", {}).items():
        path, (line, col) = scene["file"], scene["loc"]
        scan({k: v for k, v in scene.items() if k not in ("file", "choices")}, path, line, col, f"scene {sid}")
        for choice in scene.get("choices", []):
            cline, ccol = choice["loc"]
            scan(choice, path, cline, ccol, f"choice {choice.get('id')!r} in {sid}")
    return out
