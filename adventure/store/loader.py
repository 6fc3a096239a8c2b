"""Reading a story folder from disk (the I/O around the pure compiler)."""
from __future__ import annotations

import hashlib
import os
from pathlib import Path

from ..core.errors import Diagnostic, StoryError
from ..tools.memory import no_cyclic_gc, settle
from ..core.model import FORMAT, Story

MANIFEST = "story.yaml"
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


def read_sources(root) -> tuple[tuple[str, str], list[tuple[str, str]], str]:
    """Return ((manifest path, text), [(scene path, text)], fingerprint).

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
    names = sorted(p.name for p in root.iterdir() if p.suffix in SUFFIXES and p.name != MANIFEST)
    if len(names) > MAX_FILES:
        raise StoryError([Diagnostic(shown, 1, 1, "error", f"more than {MAX_FILES} scene files", "E030")])
    digest = hashlib.sha256()
    texts = []
    for name in [MANIFEST, *names]:
        path = root / name
        text = _read(path, real_root, problems)
        if text is None:
            continue
        digest.update(name.encode() + b"\0" + text.encode() + b"\0")
        texts.append((display(path), text))
    if problems:
        raise StoryError(problems)
    return texts[0], texts[1:], digest.hexdigest()


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


def compile_sources(manifest, scene_files, fingerprint):
    """Compile read sources; return (compiled dict or None, diagnostics)."""
    from ..core.compiler import Compiler

    compiler = Compiler()
    with no_cyclic_gc():
        compiled = compiler.story(manifest, scene_files)
    if compiled is not None:
        compiled["fingerprint"] = fingerprint
        compiled["format"] = FORMAT
        compiled["files"] = [manifest[0]] + [p for p, _ in scene_files]
    return compiled, compiler.diagnostics


def load_story(path=None, *, cache=True) -> Story:
    """Load, compile and check a story folder; raise StoryError with every problem.

    With `cache` (the default) a compiled copy is kept in the cache folder,
    keyed by the files' content, and used when nothing has changed.
    """
    root = Path(path) if path is not None else bundled_story()
    manifest, scene_files, fingerprint = read_sources(root)
    store = None
    if cache:
        from .cache import Cache

        store = Cache.default()
        with no_cyclic_gc():
            compiled = store.get(fingerprint, display(root))
        if compiled is not None:
            compiled["root"] = str(root)
            try:
                with no_cyclic_gc():
                    return settle(Story(compiled))
            except Exception:  # noqa: BLE001 - a cache entry is never trusted: any doubt means rebuild
                pass
    compiled, diagnostics = compile_sources(manifest, scene_files, fingerprint)
    errors = [d for d in diagnostics if d.severity == "error"]
    if errors or compiled is None:
        raise StoryError(errors or diagnostics)
    if store is not None:
        store.put(fingerprint, compiled, display(root))
    compiled["root"] = str(root)
    with no_cyclic_gc():
        return settle(Story(compiled))
