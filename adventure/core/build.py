"""The one way a story is built: sources in, `(story or None, diagnostics)` out.

Pure: it is handed the files' names and text. The compiler runs, then every
whole-story check; an error anywhere means no story, a warning never stops
one. `adventure check`, the loader, `reload` and the cache all come through
here, so an error means the same thing everywhere.
"""
from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Mapping
from typing import Any, Union

from .checks import check
from .compiler import Compiler
from .errors import Diagnostic
from .model import FORMAT, MissingFunctions, Story
from .types import CompiledStory

MANIFEST = "story.yaml"

Sources = Union[Mapping[str, str], Iterable[tuple[str, str]]]


def _pairs(sources: Sources) -> list[tuple[str, str]]:
    items = list(sources.items()) if isinstance(sources, Mapping) else list(sources)
    return [(str(name), text) for name, text in items]


def _basename(path: str) -> str:
    return path.replace("\\", "/").rsplit("/", 1)[-1]


def fingerprint(sources: Sources) -> str:
    """A digest of the files' names and text: equal for the same story wherever it lies."""
    digest = hashlib.sha256()
    for name, text in _pairs(sources):
        digest.update(_basename(name).encode() + b"\0" + text.encode("utf-8", "surrogatepass") + b"\0")
    return digest.hexdigest()


def compile_sources(sources: Sources) -> tuple[CompiledStory | None, list[Diagnostic]]:
    """Compile and check; return (compiled form or None, every diagnostic, sorted).

    `sources` maps each file's path (as it should appear in messages) to its
    text; the file named story.yaml is the manifest, the others are scene files
    in the order given.
    """
    pairs = _pairs(sources)
    manifests = [p for p in pairs if _basename(p[0]) == MANIFEST]
    if len(manifests) != 1:
        where = manifests[1][0] if manifests else MANIFEST
        what = "two manifests" if manifests else f"no {MANIFEST} manifest"
        return None, [Diagnostic(where, 1, 1, "error", f"{what} in the story's files", "E004")]
    scene_files = [p for p in pairs if p is not manifests[0]]
    compiler = Compiler()
    compiled = compiler.story(manifests[0], scene_files)
    diagnostics = list(compiler.diagnostics)
    if compiled is None:
        return None, sorted(set(diagnostics))
    compiled["fingerprint"] = fingerprint(pairs)
    compiled["format"] = FORMAT
    if not compiler.failed:
        diagnostics += check(compiled, (text for _, text in pairs))
    diagnostics = sorted(set(diagnostics))
    if any(d.severity == "error" for d in diagnostics):
        return None, diagnostics
    return compiled, diagnostics


def story_from(compiled: CompiledStory,
               functions: Mapping[str, Callable[..., Any]] | None = None) -> tuple[Story | None, list[Diagnostic]]:
    """A Story from a compiled form that passed the checks, binding the host's functions."""
    try:
        return Story(compiled, functions), []
    except MissingFunctions as exc:
        declared = compiled.get("functions", {})
        out = []
        for name in exc.names:
            path, line, col = declared[name].get("loc", [compiled.get("manifest", MANIFEST), 1, 1])
            out.append(Diagnostic(path, line, col, "error",
                                  f"the story calls host function {name}, which this player does not provide",
                                  "E023"))
        return None, out


def build(sources: Sources, *,
          functions: Mapping[str, Callable[..., Any]] | None = None) -> tuple[Story | None, list[Diagnostic]]:
    """Build a playable Story from in-memory sources; (None, diagnostics) when any is an error."""
    compiled, diagnostics = compile_sources(sources)
    if compiled is None:
        return None, diagnostics
    story, problems = story_from(compiled, functions)
    return story, sorted(set(diagnostics + problems))
