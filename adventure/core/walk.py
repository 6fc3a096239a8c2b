"""One walk over the compiled form, shared by the checks, the explorer, graphs and stats.

The compiled form is a plain dict (it is what the cache stores): scenes hold
`text` items (paragraphs, or `if`/`then`/`else` groups), scene effects `do`,
and `choices` with `if`, `text` templates, `do` and `goto`. Each question the
tools ask of it (which expressions are there, where can play go) is answered
here once, instead of every tool re-walking the dict its own way.
"""
from __future__ import annotations

from collections.abc import Iterator

from .expr import visited_scenes
from .types import CompiledScene, CompiledStory, Paragraph, TextCondition, TextItem, Tree


def paragraphs(items: list[TextItem]) -> Iterator[Paragraph]:
    """Every paragraph item in a text list, inside conditions too."""
    for item in items:
        if "if" in item:
            yield from paragraphs(item["then"])
            yield from paragraphs(item.get("else", []))
        else:
            yield item


def conditions(items: list[TextItem]) -> Iterator[TextCondition]:
    """Every conditional group in a text list, nested ones too."""
    for item in items:
        if "if" in item:
            yield item
            yield from conditions(item["then"])
            yield from conditions(item.get("else", []))


def expressions(scene: CompiledScene, *, text: bool = True, flow: bool = True) -> Iterator[tuple[str, Tree]]:
    """(role, tree) for every expression in a scene.

    Roles that steer play (`flow`): "effect" (scene or choice effects) and
    "condition" (a choice's `if`). Roles that only shape what is read
    (`text`): "text-condition", "text" (an interpolation in a paragraph) and
    "choice-text" (one in a choice's label).
    """
    if flow:
        for effect in scene.get("do") or []:
            if effect[2] is not None:
                yield "effect", effect[2]
    if text:
        for group in conditions(scene.get("text", [])):
            yield "text-condition", group["if"]
        for para in paragraphs(scene.get("text", [])):
            for part in para["t"]:
                if isinstance(part, list):
                    yield "text", part
    for choice in scene.get("choices", []):
        if flow:
            if "if" in choice:
                yield "condition", choice["if"]
            for effect in choice.get("do") or []:
                if effect[2] is not None:
                    yield "effect", effect[2]
        if text:
            for part in choice["text"]:
                if isinstance(part, list):
                    yield "choice-text", part


def written(scene: CompiledScene) -> Iterator[str]:
    """The names of the variables a scene's effects change."""
    for effect in scene.get("do") or []:
        yield effect[1]
    for choice in scene.get("choices", []):
        for effect in choice.get("do") or []:
            yield effect[1]


def edges(compiled: CompiledStory) -> dict[str, list[str]]:
    """Scene id -> the scenes its choices lead to (existing ones only)."""
    scenes = compiled.get("scenes", {})
    return {sid: [t for c in scene.get("choices", []) for t in (c["goto"], c.get("call")) if t in scenes]
            for sid, scene in scenes.items()}


def visited_anywhere(compiled: CompiledStory) -> set[str]:
    """The scenes whose visit counts something reads: an expression, or a shuffled menu's order."""
    out: set[str] = set()
    for sid, scene in compiled.get("scenes", {}).items():
        for _role, tree in expressions(scene):
            visited_scenes(tree, out, draws=True)
        if scene.get("shuffle"):
            out.add(sid)
    return out


def components(graph: dict[str, list[str]]) -> list[list[str]]:
    """Strongly connected components of a graph (node -> successors; successors outside the graph are
    ignored), by Tarjan's algorithm without recursion, in reverse topological order: a component
    comes after every component it leads to."""
    inside = {node: [t for t in targets if t in graph] for node, targets in graph.items()}
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    out: list[list[str]] = []
    counter = 0
    for root in graph:
        if root in index:
            continue
        work = [(root, 0)]
        while work:
            node, i = work[-1]
            if i == 0:
                index[node] = low[node] = counter
                counter += 1
                stack.append(node)
                on_stack.add(node)
            succ = inside[node]
            if i < len(succ):
                work[-1] = (node, i + 1)
                nxt = succ[i]
                if nxt not in index:
                    work.append((nxt, 0))
                elif nxt in on_stack:
                    low[node] = min(low[node], index[nxt])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                members: list[str] = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    members.append(member)
                    if member == node:
                        break
                out.append(members)
    return out
