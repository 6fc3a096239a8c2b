"""Whole-story checks on the compiled form: the mistakes a graph of scenes can hold.

Pure. Each finding is a Diagnostic with a stable code (see docs/authoring.md).
"""
from __future__ import annotations

import itertools
import re
from collections.abc import Iterable, Mapping

from .errors import Diagnostic
from .expr import compile_tree, names, visited_scenes
from .types import CompiledScene, CompiledStory, FileLoc, Loc, Tree, Value, VariableSpec
from .walk import components, conditions, edges, expressions, written

MAX_DOMAIN = 4096  # assignments tried when judging whether a condition can hold


def check(compiled: CompiledStory, texts: Iterable[str] | None = None) -> list[Diagnostic]:
    """Every whole-story check. `texts`, the source files' text when the caller has it,
    spares the scan of every compiled string for control characters when no file holds
    one or a backslash (the only way YAML writes one in escaped form)."""
    out: list[Diagnostic] = []
    scenes = compiled.get("scenes", {})
    variables = compiled.get("variables", {})
    manifest = compiled.get("manifest", "story.yaml")
    reads, writes = _uses(scenes)
    unplaced: FileLoc = [manifest, 1, 1]

    for name, spec in variables.items():
        path, line, col = spec.get("loc", unplaced)
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
        if not scene.get("text") and not scene.get("part_of") and not scene.get("flow"):
            out.append(Diagnostic(path, line, col, "warning", f"scene {sid} has no text", "W107"))

    out += _fallback_loops(compiled)
    domains = _domains(variables, writes)
    for sid, scene in scenes.items():
        path = scene["file"]
        for choice in scene.get("choices", []):
            if "if" in choice:
                out += _judge(choice["if"], domains, path, choice.get("if_loc", choice["loc"]),
                              f"the condition of choice {choice['id']!r} in {sid}" if not choice.get("fallback")
                              or not scene.get("part_of") else f"a condition in scene {scene['part_of']}")
        for item in conditions(scene.get("text", [])):
            ipath, line, col = item["loc"]
            out += _judge(item["if"], domains, ipath, [line, col], f"a text condition in {sid}")
    if texts is None or any("\\" in text or _CONTROL.search(text) for text in texts):
        out += control_characters(compiled)
    return sorted(set(out))


def _uses(scenes: dict[str, CompiledScene]) -> tuple[set[str], set[str]]:
    reads: set[str] = set()
    writes: set[str] = set()
    for scene in scenes.values():
        for _role, tree in expressions(scene):
            names(tree, reads)
        writes.update(written(scene))
    return reads, writes


def _reachable(compiled: CompiledStory) -> set[str]:
    scenes, graph = compiled.get("scenes", {}), edges(compiled)
    start = compiled.get("start")
    seen: set[str] = set()
    stack = [start] if start in scenes else []
    while stack:
        sid = stack.pop()
        if sid in seen:
            continue
        seen.add(sid)
        stack.extend(graph[sid])
    return seen


def _fallback_loops(compiled: CompiledStory) -> list[Diagnostic]:
    """Scenes whose only way on is fallback choices that lead back round, for ever.

    A fallback is taken without the player when no other choice is on offer, so
    a circle of scenes that offer nothing but fallbacks, none leading out of the
    circle, can never be left: the engine would go round until it gives up.
    """
    scenes = compiled.get("scenes", {})
    only_fallbacks = {sid for sid, s in scenes.items()
                      if s.get("choices") and all(c.get("fallback") for c in s["choices"]) and not s.get("ending")}
    graph = {sid: [c["goto"] for c in scenes[sid]["choices"] if c["goto"] in scenes] for sid in only_fallbacks}
    out: list[Diagnostic] = []
    for component in components(graph):
        members = set(component)
        exits = any(t not in members for sid in component for t in graph[sid])
        cyclic = len(component) > 1 or component[0] in graph[component[0]]
        if cyclic and not exits:
            first = min(component, key=lambda sid: (scenes[sid]["file"], scenes[sid]["loc"]))
            line, col = scenes[first]["loc"]
            ring = " -> ".join(sorted(component) + [sorted(component)[0]])
            out.append(Diagnostic(scenes[first]["file"], line, col, "error",
                                  f"fallback choices go round for ever: {ring} (give one of these scenes a "
                                  f"choice for the player, or a fallback that leads out)", "E108"))
    return out


def _domains(variables: Mapping[str, VariableSpec], writes: set[str]) -> dict[str, list[Value]]:
    """Every value a variable can hold, where that is a small known set."""
    out: dict[str, list[Value]] = {}
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


def _judge(tree: Tree, domains: dict[str, list[Value]], path: str, loc: Loc, what: str) -> list[Diagnostic]:
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
    results: set[bool] = set()
    for combo in itertools.product(*(domains[n] for n in used)):
        results.add(bool(f(dict(zip(used, combo)), {})))
        if len(results) == 2:
            return []
    line, col = loc
    if results == {False}:
        return [Diagnostic(path, line, col, "warning", f"{what} can never hold", "W105")]
    return [Diagnostic(path, line, col, "warning", f"{what} always holds", "W106")]


_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")


def control_characters(compiled: CompiledStory) -> list[Diagnostic]:
    """E040 where a story's text holds a character a terminal obeys instead of showing (ESC
    sequences set the clipboard, rename the window, clear the screen). The players show such
    characters harmlessly; this tells the author where they are. Newline and tab are fine."""
    out: list[Diagnostic] = []

    def scan(value: object, path: str, line: int, col: int, where: str) -> None:
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
    unplaced: FileLoc = [manifest, 1, 1]
    for key in ("id", "title", "subtitle", "version", "author", "description", "speakers"):
        scan(compiled.get(key), manifest, 1, 1, f"the story's {key}")
    for name, spec in compiled.get("variables", {}).items():
        path, line, col = spec.get("loc", unplaced)
        scan({k: v for k, v in spec.items() if k != "loc"}, path, line, col, f"variable {name}")
    for sid, scene in compiled.get("scenes", {}).items():
        path, (line, col) = scene["file"], scene["loc"]
        scan({k: v for k, v in scene.items() if k not in ("file", "choices")}, path, line, col, f"scene {sid}")
        for choice in scene.get("choices", []):
            cline, ccol = choice["loc"]
            scan(choice, path, cline, ccol, f"choice {choice.get('id')!r} in {sid}")
    return out
