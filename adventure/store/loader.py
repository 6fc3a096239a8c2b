"""Reading a story folder from disk: the I/O around the pure builder (`core.build`)."""
from __future__ import annotations

import os
from pathlib import Path

from ..core.build import MANIFEST, compile_sources, fingerprint, story_from
from ..core.errors import Diagnostic, StoryError
from ..core.model import Story

MAX_FILE_BYTES = 10 * 1024 * 1024
MAX_FILES = 2000
SUFFIXES = (".yaml", ".yml")


def bundled_story() -> Path:
    """The story of *Her*, wherever the package was installed from."""
    here = Path(__file__).resolve().parent.parent
    for candidate in (here / "story", here.parent / "story"):
        if (candidate / MANIFEST).is_file():
            return candidate
    return here.parent / "story"


def display(path: Path) -> str:
    """A path as the author will recognise it: relative to the working folder when inside it."""
    try:
        shown = os.path.relpath(path)
    except ValueError:
        return str(path)
    return os.path.abspath(path) if shown.startswith("..") else shown


def read_sources(root) -> dict[str, str]:
    """Return {display path: text} for the manifest, then each scene file by name.

    Only regular files directly inside the folder are read; a link that leads
    outside the folder, or any file over the size limit, is an error.
    """
    root = Path(root)
    problems: list[Diagnostic] = []
    shown = display(root)
    if not root.is_dir():
        raise StoryError([Diagnostic(shown, 1, 1, "error", "no such story folder", "E004")])
    real_root = root.resolve()
    manifest_path = root / MANIFEST
    if not manifest_path.is_file():
        raise StoryError([Diagnostic(display(manifest_path), 1, 1, "error",
                                     f"no {MANIFEST} manifest in the story folder", "E004")])
    try:
        names = sorted(p.name for p in root.iterdir() if p.suffix in SUFFIXES and p.name != MANIFEST)
    except OSError as exc:
        raise StoryError([Diagnostic(shown, 1, 1, "error", f"cannot list the folder: {exc.strerror}",
                                     "E031")]) from None
    if len(names) > MAX_FILES:
        raise StoryError([Diagnostic(shown, 1, 1, "error", f"more than {MAX_FILES} scene files", "E030")])
    texts = {}
    for name in [MANIFEST, *names]:
        path = root / name
        text = _read(path, real_root, problems)
        if text is not None:
            texts[display(path)] = text
    if problems:
        raise StoryError(problems)
    return texts


def _read(path: Path, real_root: Path, problems: list) -> str | None:
    shown = display(path)
    try:
        real = path.resolve()
        if real.parent != real_root:
            problems.append(Diagnostic(shown, 1, 1, "error", "links outside the story folder are not read", "E031"))
            return None
        if not real.is_file():
            problems.append(Diagnostic(shown, 1, 1, "error", "not a regular file", "E031"))
            return None
        size = real.stat().st_size
        if size > MAX_FILE_BYTES:
            problems.append(Diagnostic(shown, 1, 1, "error", f"file is {size:,} bytes; the limit is "
                                                             f"{MAX_FILE_BYTES:,}", "E030"))
            return None
        with open(real, "rb") as handle:
            data = handle.read(MAX_FILE_BYTES + 1)
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        problems.append(Diagnostic(shown, 1, 1, "error", f"not UTF-8 text ({exc.reason} at byte {exc.start})",
                                   "E001"))
    except OSError as exc:
        problems.append(Diagnostic(shown, 1, 1, "error", f"cannot read: {exc.strerror}", "E031"))
    return None


def load_story(path=None, *, cache: bool = False, functions=None) -> Story:
    """Read, compile and check a story folder; raise StoryError with every problem.

    With `cache`, a compiled copy is kept in the cache folder (see `store.cache`),
    keyed by the files' content, and used when nothing has changed; only a story
    that passed every check is ever cached. The library leaves caching off unless
    asked; the `adventure` command turns it on.
    """
    root = Path(path) if path is not None else bundled_story()
    sources = read_sources(root)
    store = None
    if cache:
        from .cache import Cache

        store = Cache.default()
        compiled = store.get(fingerprint(sources), display(root))
        if compiled is not None:
            try:
                story, problems = story_from(compiled, functions)
            except Exception:  # noqa: BLE001 - a cache entry is never trusted: any doubt means rebuild
                story, problems = None, []
            if story is not None:
                return story
            if problems:  # the entry is sound, but the host did not bind the story's functions
                raise StoryError(problems)
    compiled, diagnostics = compile_sources(sources)
    if compiled is None:
        raise StoryError([d for d in diagnostics if d.severity == "error"])
    story, problems = story_from(compiled, functions)
    if story is None:
        raise StoryError(problems)
    if store is not None:
        store.put(compiled["fingerprint"], compiled, display(root))
    return story
