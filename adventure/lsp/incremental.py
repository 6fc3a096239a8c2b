"""`compile_sources`, remembering what a keystroke did not change.

The language server re-checks the whole folder after each edit. Most of the
time goes into composing YAML and compiling scenes that did not change, so
this module runs the same compiler and the same whole-story checks as
`core.build.compile_sources`, with two caches in front:

- each file's composed nodes (and the diagnostics composing gave), by its text;
- each compiled scene (and its diagnostics), by its composed node, valid while
  the story-wide context it was compiled in is the same: the manifest's text,
  the set of scene ids and the files that hold blocks.

The result is the same as `compile_sources` (a test compares them on every
story in the repository); should the compiler change shape so that the
caches no longer fit, they simply stay empty and the result is still right.
"""
from __future__ import annotations

import hashlib
from typing import Any

from ..core import build as _build
from ..core.checks import check
from ..core.compiler import Compiler
from ..core.errors import Diagnostic

try:  # a limit the compose cache must keep honouring
    from ..core.compiler import MAX_STORY_EXPANDED_BYTES
except ImportError:  # pragma: no cover
    MAX_STORY_EXPANDED_BYTES = 64 * 1024 * 1024


class _Caches:
    def __init__(self):
        self.composed: dict = {}   # (path, text) -> (node, diagnostics, expanded bytes)
        self.scenes: dict = {}     # (path, sid) -> (node, key_node, chapter, context, result, diagnostics)
        self.used: set = set()
        self.used_scenes: set = set()


class _CachingCompiler(Compiler):
    LEAN_BYTES = None  # its composed files are kept for the next keystroke anyway

    def __init__(self, caches: _Caches, context_of):
        super().__init__()
        self._caches = caches
        self._context_of = context_of  # () -> the story-wide context, worked out once per run
        self._context = None

    def compose(self, path, text):
        key = (path, text)
        hit = self._caches.composed.get(key)
        if hit is not None and self.expanded_bytes + hit[2] <= MAX_STORY_EXPANDED_BYTES:
            node, diagnostics, size = hit
            self.diagnostics.extend(diagnostics)
            self.expanded_bytes += size
            self._caches.used.add(key)
            return node
        before, size = len(self.diagnostics), self.expanded_bytes
        node = super().compose(path, text)
        self._caches.composed[key] = (node, self.diagnostics[before:], self.expanded_bytes - size)
        self._caches.used.add(key)
        return node

    def scene(self, path, sid, key_node, node, chapter):
        if self._context is None:
            self._context = self._context_of(self)
        key = (path, sid)
        self._caches.used_scenes.add(key)
        hit = self._caches.scenes.get(key)
        if (hit is not None and hit[0] is node and hit[1] is key_node and hit[2] == chapter
                and hit[3] == self._context):
            self.diagnostics.extend(hit[5])
            return hit[4]
        before = len(self.diagnostics)
        result = super().scene(path, sid, key_node, node, chapter)
        self._caches.scenes[key] = (node, key_node, chapter, self._context, result, self.diagnostics[before:])
        return result


class IncrementalBuild:
    """Compile and check a folder's sources again and again, cheaply when little changed."""

    def __init__(self):
        self._caches = _Caches()
        self._sources: list = []

    def node_for(self, path: str, text: str):
        """The composed root node of a file's text, when the last compile composed it (else None)."""
        hit = self._caches.composed.get((path, text))
        return hit[0] if hit is not None else None

    def compile(self, sources) -> tuple[dict[str, Any] | None, list[Diagnostic]]:
        """What `core.build.compile_sources(sources)` returns, reusing the unchanged parts."""
        pairs = _build._pairs(sources)
        manifests = [p for p in pairs if _build._basename(p[0]) == _build.MANIFEST]
        if len(manifests) != 1:
            return _build.compile_sources(pairs)
        self._sources = pairs
        self._caches.used, self._caches.used_scenes = set(), set()
        scene_files = [p for p in pairs if p is not manifests[0]]
        compiler = _CachingCompiler(self._caches, lambda c: _context(manifests[0][1], c))
        compiled = compiler.story(manifests[0], scene_files)
        diagnostics = list(compiler.diagnostics)
        # forget the files no source holds any more
        self._caches.composed = {k: v for k, v in self._caches.composed.items() if k in self._caches.used}
        self._caches.scenes = {k: v for k, v in self._caches.scenes.items() if k in self._caches.used_scenes}
        if compiled is None:
            return None, sorted(set(diagnostics))
        compiled["fingerprint"] = _build.fingerprint(pairs)
        compiled["format"] = getattr(_build, "FORMAT", None)
        if not compiler.failed:
            diagnostics += check(compiled)
        diagnostics = sorted(set(diagnostics))
        if any(d.severity == "error" for d in diagnostics):
            return None, diagnostics
        return compiled, diagnostics


def _context(manifest_text: str, compiler) -> tuple:
    """What every scene's compilation depends on beyond its own node."""
    ids = getattr(compiler, "scene_ids", None)
    blocks = getattr(compiler, "raw_blocks", None)
    if ids is None or blocks is None:  # a compiler we do not know: never reuse
        return (object(),)
    digest = hashlib.sha1()
    for sid in sorted(ids):
        digest.update(sid.encode("utf-8", "surrogatepass") + b"\0")
    block_files = sorted({entry[0] for entry in blocks.values()})
    block_digest = hashlib.sha1()
    for name in sorted(blocks):
        block_digest.update(name.encode("utf-8", "surrogatepass") + b"\0")
    for key in sorted(compiler._caches.used):
        if key[0] in block_files:
            block_digest.update(key[0].encode("utf-8", "surrogatepass") + b"\0"
                                + key[1].encode("utf-8", "surrogatepass"))
    return (manifest_text, digest.hexdigest(), block_digest.hexdigest())
