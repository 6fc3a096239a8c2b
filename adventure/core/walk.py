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
