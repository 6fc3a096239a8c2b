"""`adventure publish STORY --out DIR`: a story as a static web page that plays in the browser.

The page runs the very engine the terminal runs: the pure core (`adventure.core`:
engine, model, expr, errors, snapshot, walk; never the compiler) inside Pyodide,
CPython compiled to WebAssembly. The story ships compiled to JSON, so neither
PyYAML nor prompt_toolkit is needed in the browser. The folder written:

    index.html  player.js  player.css    the page (from adventure/web/)
    story.css                            the story's speakers' styles, for light and dark
    story.json                           the compiled story, and its blocks (the letter)
    engine.json                          the core's Python files and the page's bridge
    pyodide/                             the runtime: the five files of the pinned npm package

Pyodide's files come from a folder the author names (`--pyodide DIR`), else from
a cache folder, else from the npm registry through `npm pack` (its checksum
checked against the one pinned here); when none of these works, one line says
what is needed.
"""
from __future__ import annotations

import argparse
import ast
import base64
import colorsys
import hashlib
import html
import json
import os
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

PYODIDE_VERSION = "0.29.5"
PYODIDE_INTEGRITY = "sha512-TkYrUv9m8QmfImADKRmpwZulL48E0uUaBSO+dvRQKyAJc0qh9gu7jn8btyHPh3NZm1r2IH2YrJhIr7Q2B9urAw=="
PYODIDE_FILES = ("pyodide.js", "pyodide.asm.js", "pyodide.asm.wasm", "python_stdlib.zip", "pyodide-lock.json")
PAGE_FILES = ("player.js", "player.css")
ENTRY = ("engine", "model", "snapshot")   # what the bridge imports from adventure.core
EXTRA = ("adventure/store/savecheck.py",)  # the save-file checker: pure, shipped when it stays pure
OURS = ("index.html", "story.json", "engine.json")  # a folder holding these is a publish we may replace
WEB = Path(__file__).resolve().parent.parent / "web"
PACKAGE = Path(__file__).resolve().parent.parent

# The page's backgrounds (player.css); every speaker's colour is fitted to them.
BACKGROUNDS = {"light": ("#fbfaf6", "#f4efe2"), "dark": ("#151517", "#201e1b")}
MIN_CONTRAST = 4.6  # WCAG AA asks 4.5:1 for body text


class PublishError(Exception):
    """One line for the author: what went wrong, and what would fix it."""


# -- the story ---------------------------------------------------------------------
def compile_story(directory) -> tuple[dict, dict]:
    """(compiled story, blocks) for the folder; StoryError when it has errors, as `adventure` refuses it.

    The story is compiled under its files' bare names, so the published JSON names
    no folder of the author's machine (the fingerprint, which saves compare, is
    computed from bare names anyway).
    """
    from ..core.build import compile_sources
    from ..core.errors import StoryError
    from ..store.loader import read_sources

    sources = read_sources(directory)
    bare = {os.path.basename(name): text for name, text in sources.items()}
    compiled, diagnostics = compile_sources(bare)
    if compiled is None:
        _, diagnostics = compile_sources(sources)  # the same errors, with the paths the author knows
        raise StoryError(diagnostics)
    return compiled, _blocks(bare)


def _blocks(sources: dict) -> dict:
    """Each named block's paragraphs as templates (text, with None for an interpolation).

    The compiled story inlines blocks; the page sets a block's paragraphs apart
    (the letter, as a letter), so it is told what they read. Taken from the
    compiler's own result: if that ever changes shape, the page simply shows
    blocks as ordinary paragraphs.
    """
    from ..core.compiler import Compiler

    manifest = next(((n, t) for n, t in sources.items() if n == "story.yaml"), None)
    if manifest is None:
        return {}
    try:
        compiler = Compiler()
        compiler.story(manifest, [(n, t) for n, t in sources.items() if n != "story.yaml"])
        blocks = dict(getattr(compiler, "blocks", {}) or {})
        out = {}
        for name, items in blocks.items():
            templates: list = []
            _templates(items, templates)
            out[str(name)] = templates
        return out
    except Exception:  # noqa: BLE001 - a nicety, never a reason to refuse a story
        return {}


def _templates(items, out: list) -> None:
    for item in items or ():
        if not isinstance(item, dict):
            continue
        if "t" in item:
            out.append([p if isinstance(p, str) else None for p in item["t"]])
        for key in ("then", "else"):
            _templates(item.get(key), out)


# -- the engine's files --------------------------------------------------------------
def core_files() -> dict[str, str]:
    """{path: source} of the core modules the bridge needs, and of everything they import.

    Refuses (PublishError) if that reaches a module that cannot run in the browser
    (the compiler, PyYAML, prompt_toolkit, anything outside the standard library).
    """
    stdlib = set(getattr(sys, "stdlib_module_names", ())) or None
    core = PACKAGE / "core"
    wanted, seen, files = list(ENTRY), set(), {}
    while wanted:
        name = wanted.pop()
        if name in seen:
            continue
        seen.add(name)
        path = core / f"{name}.py"
        source = path.read_text(encoding="utf-8")
        for module in _imports(source):
            if module.startswith("."):
                sibling = module.lstrip(".").split(".")[0]
                if module.startswith("..") or not (core / f"{sibling}.py").is_file():
                    raise PublishError(f"adventure/core/{name}.py imports {module}, outside the core; "
                                       f"the web player cannot ship it")
                wanted.append(sibling)
            elif stdlib is not None and module.split(".")[0] not in stdlib:
                raise PublishError(f"adventure/core/{name}.py imports {module}, which the browser does not "
                                   f"have (the page ships no PyYAML or prompt_toolkit)")
        files[f"adventure/core/{name}.py"] = source
    if "compiler" in seen:  # pragma: no cover - caught above by the yaml import
        raise PublishError("the core modules the page needs import the compiler")
    for extra in EXTRA:
        source = (PACKAGE.parent / extra).read_text(encoding="utf-8")
        if all(not m.startswith(".") and (stdlib is None or m.split(".")[0] in stdlib) for m in _imports(source)):
            files[extra] = source
    # Package shims: the real adventure/__init__.py imports the builder (and so PyYAML).
    files["adventure/__init__.py"] = ('"""The engine\'s pure core, as the web player ships it: no compiler, '
                                      'no YAML, no terminal."""\n')
    files["adventure/core/__init__.py"] = '"""The pure core: the model, the engine, snapshots."""\n'
    if any(p.startswith("adventure/store/") for p in files):
        files["adventure/store/__init__.py"] = '"""Only the save-file checker, in the browser."""\n'
    files["bridge.py"] = (WEB / "bridge.py").read_text(encoding="utf-8")
    return files


def _imports(source: str) -> list[str]:
    out = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            out += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = "." * node.level + (node.module or "")
            if node.module is None:
                out += [base + alias.name for alias in node.names]
            else:
                out.append(base)
    return [m for m in out if m != "__future__"]


# -- Pyodide --------------------------------------------------------------------------
def cache_folder() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "adventure" / f"pyodide-{PYODIDE_VERSION}"


def needs_line() -> str:
    return (f"publish needs the files of the npm package pyodide@{PYODIDE_VERSION} "
            f"({', '.join(PYODIDE_FILES)}): pass --pyodide DIR (for example node_modules/pyodide after "
            f"`npm install pyodide@{PYODIDE_VERSION}`), or install npm so that publish can fetch them")


def _pyodide_in(folder: Path) -> Path | None:
    """The folder holding Pyodide's files: `folder` itself, or its node_modules/pyodide."""
    for candidate in (folder, folder / "pyodide", folder / "node_modules" / "pyodide",
                      folder / "package"):
        if all((candidate / name).is_file() for name in PYODIDE_FILES):
            return candidate
    return None


def pyodide_version(folder: Path) -> str | None:
    package = folder / "package.json"
    if package.is_file():
        try:
            return str(json.loads(package.read_text(encoding="utf-8")).get("version"))
        except (ValueError, OSError):
            pass
    match = re.search(r'="(\d+\.\d+\.\d+[^"]*)";function', (folder / "pyodide.js").read_text(encoding="utf-8",
                                                                                           errors="replace"))
    return match.group(1) if match else None


def find_pyodide(named=None, *, cache: Path | None = None, npm: str | None = "npm", log=None) -> Path:
    """The folder of Pyodide's files: the one named, the cache, or fetched with npm into the cache."""
    if named is not None:
        found = _pyodide_in(Path(named))
        if found is None:
            raise PublishError(f"{named} does not hold Pyodide's files; " + needs_line())
        version = pyodide_version(found)
        if version != PYODIDE_VERSION:
            raise PublishError(f"{named} holds Pyodide {version or '(unknown version)'}; this player is "
                               f"built and tested with {PYODIDE_VERSION}: " + needs_line())
        return found
    cache = cache or cache_folder()
    if _pyodide_in(cache) == cache and pyodide_version(cache) == PYODIDE_VERSION:
        return cache
    tool = shutil.which(npm) if npm else None
    if tool is None:
        raise PublishError(needs_line())
    if log:
        log(f"Fetching pyodide@{PYODIDE_VERSION} with npm into {cache} (once)...")
    fetch_pyodide(cache, tool)
    return cache


def fetch_pyodide(dest: Path, npm: str = "npm") -> None:
    """`npm pack` the pinned package, check its checksum, and keep only the five files in `dest`."""
    dest = Path(dest)
    dest.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=dest.parent) as tmp:
        try:
            run = subprocess.run([npm, "pack", f"pyodide@{PYODIDE_VERSION}", "--silent", "--pack-destination", tmp],
                                 cwd=tmp, capture_output=True, text=True, timeout=600)
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise PublishError(f"npm could not fetch pyodide@{PYODIDE_VERSION} ({exc}); " + needs_line()) from None
        tarballs = list(Path(tmp).glob("pyodide-*.tgz"))
        if run.returncode != 0 or len(tarballs) != 1:
            why = (run.stderr or run.stdout).strip().splitlines()
            raise PublishError(f"npm could not fetch pyodide@{PYODIDE_VERSION} ({why[-1] if why else 'no file'}); "
                               + needs_line())
        data = tarballs[0].read_bytes()
        digest = "sha512-" + base64.b64encode(hashlib.sha512(data).digest()).decode()
        if digest != PYODIDE_INTEGRITY:
            raise PublishError(f"the pyodide@{PYODIDE_VERSION} package npm fetched does not match its pinned "
                               f"checksum; not used")
        staging = Path(tmp) / "files"
        staging.mkdir()
        with tarfile.open(tarballs[0], "r:gz") as archive:
            for name in PYODIDE_FILES + ("package.json",):
                member = archive.getmember(f"package/{name}")
                if not member.isfile():
                    raise PublishError(f"the pyodide package's {name} is not a file; not used")
                (staging / name).write_bytes(archive.extractfile(member).read())
        if dest.exists():
            shutil.rmtree(dest)
        os.replace(staging, dest)


# -- speakers' styles --------------------------------------------------------------------
def _rgb(text: str):
    text = text.lstrip("#")
    if len(text) == 3:
        text = "".join(c * 2 for c in text)
    return tuple(int(text[i:i + 2], 16) / 255 for i in (0, 2, 4))


def _hex(rgb) -> str:
    return "#" + "".join(f"{round(max(0.0, min(1.0, c)) * 255):02x}" for c in rgb)


def _luminance(rgb) -> float:
    def channel(c):
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4
    r, g, b = (channel(c) for c in rgb)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a, b) -> float:
    la, lb = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def fit_colour(colour: str, scheme: str) -> str:
    """The speaker's colour, made lighter (dark scheme) or darker (light scheme) until it reads."""
    rgb = _rgb(colour)
    backgrounds = [_rgb(b) for b in BACKGROUNDS[scheme]]
    h, lightness, s = colorsys.rgb_to_hls(*rgb)
    step = 0.01 if scheme == "dark" else -0.01
    for _ in range(101):
        rgb = colorsys.hls_to_rgb(h, lightness, s)
        if all(contrast(rgb, b) >= MIN_CONTRAST for b in backgrounds):
            return _hex(rgb)
        lightness = min(1.0, max(0.0, lightness + step))
    return "#ffffff" if scheme == "dark" else "#000000"


_HEX = re.compile(r"#(?:[0-9a-fA-F]{3}){1,2}\Z")


def speaker_css(speakers: dict) -> tuple[str, dict]:
    """(story.css, speaker id -> class): each speaker's style (bold, italic, underline, a colour)."""
    lines = ["/* The story's speakers, from its manifest; colours fitted to the page in each scheme. */"]
    dark = []
    classes = {}
    for n, (sid, spec) in enumerate(speakers.items()):
        cls = f"sp-{n}"
        classes[sid] = cls
        style = spec.get("style") if isinstance(spec, dict) else None
        rules, colour = [], None
        for word in (style or "").split() if isinstance(style, str) else ():
            word = word.lower()
            if word == "bold":
                rules.append("font-weight: 700")
            elif word == "italic":
                rules.append("font-style: italic")
            elif word == "underline":
                rules.append("text-decoration: underline")
            elif _HEX.match(word.removeprefix("fg:")):
                colour = word.removeprefix("fg:")
        if colour:
            rules.append(f"color: {fit_colour(colour, 'light')}")
            dark.append(f".line.{cls} {{ color: {fit_colour(colour, 'dark')}; }}")
        if rules:
            lines.append(f".line.{cls} {{ {'; '.join(rules)}; }}")
    if dark:
        lines.append("@media (prefers-color-scheme: dark) {")
        lines += ["  " + rule for rule in dark]
        lines.append("}")
    return "\n".join(lines) + "\n", classes


# -- the folder ----------------------------------------------------------------------
def page(story: dict) -> str:
    template = (WEB / "index.html").read_text(encoding="utf-8")
    values = {
        "TITLE": html.escape(story["title"] or story["id"]),
        "SUBTITLE": html.escape(story.get("subtitle") or ""),
        "PYODIDE": PYODIDE_VERSION,
    }
    return re.sub(r"\{\{(\w+)\}\}", lambda m: values[m.group(1)], template)


def folder_size(folder: Path) -> int:
    return sum(p.stat().st_size for p in Path(folder).rglob("*") if p.is_file())


def publish(story_dir, out, *, pyodide=None, cache: Path | None = None, npm: str | None = "npm",
            log=None) -> dict:
    """Write the static folder; return what was written (path, size, story id)."""
    from .. import __version__

    compiled, blocks = compile_story(story_dir)
    out = Path(out)
    _check_out(out)
    runtime = find_pyodide(pyodide, cache=cache, npm=npm, log=log)
    files = core_files()
    css, classes = speaker_css(compiled.get("speakers", {}))
    story_json = {
        "compiled": compiled,
        "blocks": blocks,
        "speakers": classes,
        "published": {"engine": __version__, "pyodide": PYODIDE_VERSION},
    }
    parent = out.resolve().parent
    parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{out.name}-", dir=parent))
    try:
        (staging / "index.html").write_text(page(compiled), encoding="utf-8")
        for name in PAGE_FILES:
            shutil.copyfile(WEB / name, staging / name)
        (staging / "story.css").write_text(css, encoding="utf-8")
        (staging / "story.json").write_text(json.dumps(story_json, ensure_ascii=False, separators=(",", ":")),
                                            encoding="utf-8")
        (staging / "engine.json").write_text(json.dumps({"files": files}, ensure_ascii=False), encoding="utf-8")
        (staging / "pyodide").mkdir()
        for name in PYODIDE_FILES:
            shutil.copyfile(runtime / name, staging / "pyodide" / name)
        os.chmod(staging, 0o755)
        if out.exists():
            old = Path(tempfile.mkdtemp(prefix=f".{out.name}-old-", dir=parent))
            os.replace(out, old / "site")
            os.replace(staging, out)
            shutil.rmtree(old, ignore_errors=True)
        else:
            os.replace(staging, out)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return {"out": out, "bytes": folder_size(out), "story": compiled["id"], "title": compiled["title"],
            "scenes": len(compiled["scenes"])}


def _check_out(out: Path) -> None:
    if out.is_symlink() or (out.exists() and not out.is_dir()):
        raise PublishError(f"{out} is not a folder; choose a new or empty folder for the page")
    if out.is_dir() and any(out.iterdir()) and not all((out / name).is_file() for name in OURS):
        raise PublishError(f"{out} is not empty and is not a published story; choose a new or empty folder "
                           f"(a folder published before is replaced)")


def main(argv) -> int:
    p = argparse.ArgumentParser(prog="adventure publish",
                                description="Write a story as a static web page that plays in the browser "
                                            "(the same engine, run by Pyodide).")
    p.add_argument("story", nargs="?", help="the story folder (default: the bundled story, Her)")
    p.add_argument("--out", required=True, metavar="DIR", help="the folder to write (new, empty, or published before)")
    p.add_argument("--pyodide", metavar="DIR",
                   help=f"a folder with the files of the npm package pyodide@{PYODIDE_VERSION} "
                        f"(default: a cache folder, filled with npm when it is empty)")
    args = p.parse_args(argv)
    from ..core.errors import StoryError
    from ..store.loader import bundled_story, display

    from .cli import _err, _story_errors

    try:
        result = publish(args.story or bundled_story(), args.out, pyodide=args.pyodide,
                         log=lambda line: print(line, file=sys.stderr))
    except StoryError as exc:
        return _story_errors(exc)
    except PublishError as exc:
        _err(f"adventure publish: {exc}")
        return 1
    shown = display(result["out"])
    print(f"Published {result['title'] or result['story']} ({result['scenes']} scenes) to {shown}/: "
          f"{result['bytes'] / 1e6:.1f} MB.")
    print(f"Try it: python3 -m http.server --directory {shown} 8000, then open http://localhost:8000/ . "
          f"Upload the folder's contents to any static host (itch.io as an HTML game, GitHub Pages, Netlify).")
    return 0
