"""One story folder as the editor sees it: files on disk, overlaid by the unsaved text of open ones.

Pure of pygls: the server asks it questions in 0-based lines and code-point
columns and turns the answers into protocol types. Every answer comes from
the same two sources as `adventure check`: the compiler and checks (through
`incremental.IncrementalBuild`, equal to `core.build.compile_sources`) for
diagnostics, and the per-file index (`index.py`) for names and places.
"""
from __future__ import annotations

import difflib
import os
import re
import threading
from dataclasses import dataclass
from pathlib import Path

from ..core.build import MANIFEST
from ..core.compiler import ID_RE
from ..core.errors import Diagnostic
from . import schema as _schema
from .incremental import IncrementalBuild
from .index import FileIndex, Occurrence, index_file

try:
    from ..store.loader import MAX_FILE_BYTES, MAX_FILES, SUFFIXES
except ImportError:  # pragma: no cover
    MAX_FILE_BYTES, MAX_FILES, SUFFIXES = 10 * 1024 * 1024, 2000, (".yaml", ".yml")

_HINT = re.compile(r"did you mean '([^']*)'\?")
_WORD = re.compile(r"[A-Za-z0-9_.]+|'[^']*'|\"[^\"]*\"")


@dataclass
class Edit:
    path: str
    range: tuple
    text: str
    warn: bool = False   # this edit changes something saves record


def story_root(path: str) -> Path | None:
    """The story folder a file belongs to: its own folder, when that holds a manifest."""
    p = Path(path)
    if p.suffix not in SUFFIXES:
        return None
    if p.name == MANIFEST or (p.parent / MANIFEST).is_file():
        return p.parent
    return None


class StoryFolder:
    def __init__(self, root: Path):
        self.root = Path(root)
        self.overlay: dict[str, str] = {}         # path -> unsaved text of an open document
        self._disk: dict[str, tuple] = {}         # path -> (mtime_ns, size, text)
        self._indexes: dict[str, FileIndex] = {}  # path -> index of its latest text
        self._lock = threading.Lock()
        self.build = IncrementalBuild()
        self.diagnostics: dict[str, list[Diagnostic]] = {}
        self.problems: list[Diagnostic] = []      # files that could not be read
        self.compiled = None

    # -- the files ---------------------------------------------------------------------
    def paths(self) -> list[str]:
        """The manifest, then each scene file by name, as `adventure check` reads them."""
        try:
            names = sorted(e.name for e in os.scandir(self.root)
                           if os.path.splitext(e.name)[1] in SUFFIXES and e.name != MANIFEST)
        except OSError:
            names = []
        names += [Path(p).name for p in list(self.overlay)  # a snapshot: the editor may open a file meanwhile
                  if Path(p).name not in names and Path(p).name != MANIFEST]
        names = sorted(set(names))[:MAX_FILES]
        return [str(self.root / MANIFEST)] + [str(self.root / n) for n in names]

    def text(self, path: str) -> str | None:
        unsaved = self.overlay.get(path)
        if unsaved is not None:
            return unsaved
        try:
            real = Path(path).resolve()
            if real.parent != self.root.resolve() or not real.is_file():
                return None
            st = real.stat()
            if st.st_size > MAX_FILE_BYTES:
                return None
            cached = self._disk.get(path)
            if cached and cached[:2] == (st.st_mtime_ns, st.st_size):
                return cached[2]
            text = real.read_bytes().decode("utf-8")
        except (OSError, UnicodeDecodeError):
            return None
        self._disk[path] = (st.st_mtime_ns, st.st_size, text)
        return text

    def sources(self) -> dict[str, str]:
        out, self.problems = {}, []
        for path in self.paths():
            text = self.text(path)
            if text is None:
                if os.path.exists(path) or path in self.overlay:
                    self.problems.append(Diagnostic(path, 1, 1, "error", "this file cannot be read as a story "
                                                    "file (not UTF-8, too big, or a link out of the folder)",
                                                    "E031"))
                continue
            out[path] = text
        return out

    def index(self, path: str, text: str | None = None) -> FileIndex:
        text = self.text(path) if text is None else text
        text = text or ""
        with self._lock:
            found = self._indexes.get(path)
        if found is not None and found.text == text:
            return found
        node = self.build.node_for(path, text)
        found = index_file(path, text, Path(path).name == MANIFEST,
                           *((node, True) if node is not None else ()))
        with self._lock:
            self._indexes[path] = found
        return found

    def indexes(self) -> list[FileIndex]:
        return [self.index(p) for p in self.paths() if self.text(p) is not None]

    # -- diagnostics ---------------------------------------------------------------------
    def check(self) -> dict[str, list[tuple[Diagnostic, tuple]]]:
        """Compile and check everything; {path: [(diagnostic, range)]} for every file, empty ones too."""
        sources = self.sources()
        try:
            compiled, diagnostics = self.build.compile(sources)
        except RecursionError:
            compiled, diagnostics = None, [Diagnostic(str(self.root / MANIFEST), 1, 1, "error",
                                                      "the story is nested too deeply to check", "E030")]
        self.compiled = compiled
        out: dict[str, list] = {path: [] for path in sources}
        for d in [*self.problems, *diagnostics]:
            path = d.path if d.path in sources or d.path in out else str(self.root / MANIFEST)
            text = sources.get(path, "")
            out.setdefault(path, []).append((d, self.range_of(path, text, d)))
        self.diagnostics = {p: [d for d, _ in items] for p, items in out.items()}
        with self._lock:  # forget indexes of files that are gone
            for gone in set(self._indexes) - set(sources):
                del self._indexes[gone]
        return out

    def range_of(self, path: str, text: str, d: Diagnostic) -> tuple:
        """The range a diagnostic's point stands for: the node that starts there, else the word."""
        line, col = max(d.line - 1, 0), max(d.column - 1, 0)
        ix = self.index(path, text)
        span = ix.node_spans().get((line, col))
        if span is not None:
            return span
        return word_range(ix.line_text(line), line, col)

    # -- names ---------------------------------------------------------------------------
    def occurrences(self, kind: str | None = None, name: str | None = None) -> list[Occurrence]:
        return [o for ix in self.indexes() for o in ix.occurrences
                if (kind is None or o.kind == kind) and (name is None or o.name == name)]

    def symbol_at(self, path: str, line: int, col: int):
        """(kind, name, occurrence or choice) at a position: a scene, variable, speaker, block,
        function, or ("choice", id, ChoiceInfo) on an explicit choice id."""
        ix = self.index(path)
        for o in ix.occurrences:
            if _inside(o.range, line, col):
                return o.kind, o.name, o
        for c in ix.choices:
            if c.id_range and _inside(c.id_range, line, col):
                return "choice", c.id, c
        return None

    def definitions(self, kind: str, name: str) -> list[Occurrence]:
        return [o for o in self.occurrences(kind, name) if o.role == "def"]

    def scene_info(self, sid):
        for ix in self.indexes():
            if sid in ix.scenes:
                return ix.scenes[sid]
        return None

    def manifest_index(self) -> FileIndex:
        return self.index(str(self.root / MANIFEST))

    # -- hover ---------------------------------------------------------------------------
    def hover(self, path: str, line: int, col: int) -> tuple[str, tuple] | None:
        found = self.symbol_at(path, line, col)
        if found is None:
            return self._key_hover(path, line, col)
        kind, name, where = found
        if kind == "scene":
            info = self.scene_info(name)
            if info is None:
                return f"**scene `{name}`**: no such scene", where.range
            lines = [f"**scene `{name}`**" + (f": {info.title}" if info.title else "")]
            if info.chapter:
                lines.append(f"chapter: {info.chapter}")
            if info.first_line:
                lines.append(f"> {info.first_line}")
            lines.append(f"in {Path(info.path).name}:{info.key[0] + 1}")
            return "\n\n".join(lines), where.range
        if kind == "variable":
            spec = self.manifest_index().variables.get(name)
            if spec is None:
                return f"**variable `{name}`**: not declared in {MANIFEST}", where.range
            lines = [f"**variable `{name}`**: {spec.get('type', '?')}, default `{spec.get('default', '')}`"]
            if "min" in spec or "max" in spec:
                lines.append(f"range {spec.get('min', '')}..{spec.get('max', '')}")
            if "values" in spec:
                lines.append("values: " + ", ".join(f"`{v}`" for v in spec["values"]))
            if spec.get("doc"):
                lines.append(str(spec["doc"]))
            writers = sorted({(Path(o.path).name, o.range[0] + 1, o.scene or "")
                              for o in self.occurrences("variable", name) if o.role == "write"})
            if writers:
                shown = ", ".join(f"{scene} ({f}:{ln})" if scene else f"{f}:{ln}" for f, ln, scene in writers[:12])
                more = f" and {len(writers) - 12} more" if len(writers) > 12 else ""
                lines.append(f"changed in: {shown}{more}")
            else:
                lines.append("never changed: it is a constant")
            return "\n\n".join(lines), where.range
        if kind == "speaker":
            spec = self.manifest_index().speakers.get(name)
            if spec is None:
                return f"**speaker `{name}`**: not declared", where.range
            return f"**speaker `{name}`**: {spec.get('name') or name}" + (
                f" (style `{spec['style']}`)" if spec.get("style") else ""), where.range
        if kind == "block":
            defs = self.definitions("block", name)
            if not defs:
                return f"**block `{name}`**: no such block", where.range
            return f"**block `{name}`** in {Path(defs[0].path).name}:{defs[0].range[0] + 1}", where.range
        if kind == "choice":
            return (f"**choice id `{name}`** in scene `{where.scene}`: saves record it; renaming it rewinds "
                    f"saves that took it", where.id_range)
        if kind == "function":
            spec = self.manifest_index().functions.get(name, {})
            return f"**host function `{name}`**" + (f": {spec['doc']}" if spec.get("doc") else ""), where.range
        return None

    def _key_hover(self, path, line, col):
        ix = self.index(path)
        text = ix.line_text(line)
        m = re.match(r"^(\s*(?:-\s+)*)([A-Za-z_][\w-]*)\s*:", text)
        if not m or not m.start(2) <= col <= m.end(2):
            return None
        keys = _schema.keys_at(key_path(ix, line, m.start(2)), ix.manifest)
        key = m.group(2)
        if key not in keys:
            return None
        return f"**`{key}`**" + (f": {keys[key]}" if keys[key] else ""), (line, m.start(2), line, m.end(2))

    # -- completion ------------------------------------------------------------------------
    def complete(self, path: str, line: int, col: int) -> list[dict]:
        """[{label, kind, detail, doc}] for the position; kind is one of the index's kinds or 'key'/'value'."""
        ix = self.index(path)
        before = ix.line_text(line)[:col]
        m = re.search(r"visited\(\s*['\"][\w]*$", before)
        if m:
            return self._scenes()
        m = re.match(r"^\s*(?:-\s+)*([A-Za-z_][\w-]*)\s*:\s*(['\"]?)([\w-]*)$", before)
        if m:
            key = m.group(1)
            if key in ("goto",) or (key == "start" and ix.manifest):
                return self._scenes()
            if key == "speaker":
                return [{"label": s, "kind": "speaker", "detail": v.get("name") or s}
                        for s, v in self.manifest_index().speakers.items()]
            if key == "block":
                return [{"label": b, "kind": "block", "detail": Path(o.path).name}
                        for o in self.occurrences("block") if o.role == "def" for b in [o.name]]
            if key not in ("if", "do"):
                path_ = key_path(ix, line, m.start(1)) + [key]
                return [{"label": v, "kind": "value", "detail": ""} for v in _schema.values_at(path_, ix.manifest)]
        if self._in_expression(ix, line, before):
            return self._expression_items(before)
        m = re.match(r"^(\s*(?:-\s+)*)([A-Za-z_][\w-]*)?$", before)
        if m:
            col0 = len(m.group(1))
            keys = _schema.keys_at(key_path(ix, line, col0), ix.manifest)
            return [{"label": k, "kind": "key", "detail": doc, "insert": f"{k}: "} for k, doc in keys.items()]
        return []

    def _scenes(self):
        out = []
        for ix in self.indexes():
            for sid, info in ix.scenes.items():
                out.append({"label": sid, "kind": "scene", "detail": info.title or info.chapter or "",
                            "doc": info.first_line or ""})
        return out

    def _in_expression(self, ix, line, before) -> bool:
        if before.count("{") - before.count("{{") * 2 > before.count("}") - before.count("}}") * 2:
            return True  # inside an interpolation
        if re.match(r"^\s*(?:-\s+)*(if|do)\s*:", before):
            return True
        if re.match(r"^\s*-\s", before):  # an item of a `do:` list
            path = key_path(ix, line, len(before) - len(before.lstrip()))
            return bool(path) and path[-1] == "do"
        return False

    def _expression_items(self, before):
        variables = self.manifest_index().variables
        m = re.search(r"([A-Za-z_]\w*)\s*(?:==|!=|=)\s*(['\"]?)(\w*)$", before)
        if m and m.group(1) in variables:
            spec = variables[m.group(1)]
            if spec.get("values"):
                quote = "" if m.group(2) else "'"
                return [{"label": v, "kind": "value", "detail": f"a value of {m.group(1)}",
                         "insert": f"{quote}{v}{quote}"} for v in spec["values"]]
            if spec.get("type") == "bool":
                return [{"label": v, "kind": "value", "detail": "bool"} for v in ("true", "false")]
        out = [{"label": name, "kind": "variable",
                "detail": f"{spec.get('type', '?')}" + (f": {spec['doc']}" if spec.get("doc") else "")}
               for name, spec in variables.items()]
        out.append({"label": "visited", "kind": "function", "detail": "visited('scene'): visits so far",
                    "insert": "visited('"})
        out += [{"label": name, "kind": "function", "detail": spec.get("doc") or "host function"}
                for name, spec in self.manifest_index().functions.items()]
        return out

    # -- rename ----------------------------------------------------------------------------
    def prepare_rename(self, path, line, col):
        found = self.symbol_at(path, line, col)
        if found is None or found[0] not in ("scene", "choice"):
            return None
        kind, name, where = found
        return where.id_range if kind == "choice" else where.range, name

    def rename(self, path, line, col, new: str) -> tuple[list[Edit], list[str]]:
        """(edits, warnings); raises ValueError with a reason when the rename cannot be done."""
        found = self.symbol_at(path, line, col)
        if found is None or found[0] not in ("scene", "choice"):
            raise ValueError("only a scene id or a choice id can be renamed here")
        if not ID_RE.match(new or ""):
            raise ValueError(f"{new!r} is not an id: use letters, digits and _")
        kind, old, where = found
        if kind == "choice":
            ix = self.index(path)
            siblings = [c for c in ix.choices if c.scene == where.scene and c is not where]
            if any(c.id == new for c in siblings):
                raise ValueError(f"scene {where.scene} already has a choice {new!r}")
            return [Edit(path, where.id_range, new, True)], [
                f"renaming choice {old!r} of scene {where.scene}: saves record the ids of the choices taken, "
                f"so a save that took {old!r} rewinds to just before it when loaded"]
        if not self.definitions("scene", old):
            raise ValueError(f"there is no scene {old!r} to rename")
        if self.definitions("scene", new):
            raise ValueError(f"a scene {new!r} exists already")
        edits = [Edit(o.path, o.range, new) for o in self.occurrences("scene", old)]
        implicit = [(ix.path, c) for ix in self.indexes() for c in ix.choices if not c.explicit and c.goto == old]
        warnings = []
        if implicit:
            for e in edits:
                if any(c.goto_range == e.range and p == e.path for p, c in implicit):
                    e.warn = True
            where_ = ", ".join(sorted({c.scene for _p, c in implicit})[:8])
            warnings.append(
                f"{len(implicit)} choice{'s' if len(implicit) != 1 else ''} (in {where_}) take their id from "
                f"scene {old!r}; after the rename their id is {new!r}, and a save that took one rewinds to just "
                f"before it. To keep old saves, give them `id: {old}` first.")
        return edits, warnings

    # -- code actions ----------------------------------------------------------------------
    def fixes(self, path: str, code: str, message: str, rng: tuple) -> list[tuple[str, list[Edit]]]:
        """(title, edits) for one diagnostic, as the client sent it back."""
        ix = self.index(path)
        line = ix.line_text(rng[0])
        out = []
        suggestion = None
        m = _HINT.search(message)
        if m:
            suggestion = m.group(1)
        else:
            name = re.search(r"'([^']*)'", message)
            pool = {"E013": lambda: list(self.manifest_index().variables),
                    "E017": lambda: [s for ix_ in self.indexes() for s in ix_.scenes],
                    "E020": lambda: list(self.manifest_index().speakers)}.get(code)
            if name and pool:
                close = difflib.get_close_matches(name.group(1), pool(), n=1)
                suggestion = close[0] if close else None
        if suggestion is not None and rng[0] == rng[2]:
            start, end = rng[1], rng[3]
            current = line[start:end]
            if len(current) >= 2 and current[0] == current[-1] and current[0] in "'\"":
                start, end = start + 1, end - 1
            out.append((f"Change to '{suggestion}'", [Edit(path, (rng[0], start, rng[0], end), suggestion)]))
        if code == "E001" and ("mapping values are not allowed" in message or ": " in _plain_value(line)[1]):
            start, value = _plain_value(line)
            if value and ": " in value:
                quoted = '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
                out.append(("Quote this text (it holds ': ')",
                            [Edit(path, (rng[0], start, rng[0], start + len(value)), quoted)]))
        return out

    # -- outline ---------------------------------------------------------------------------
    def outline(self, path: str) -> list[dict]:
        """[{name, detail, kind, range, selection, children}]: chapters and their scenes, blocks;
        in the manifest, variables and speakers."""
        ix = self.index(path)
        if ix.manifest:
            out = []
            for group, kind, items in (("variables", "variable", ix.variables), ("speakers", "speaker", ix.speakers)):
                children = [{"name": n, "detail": str(v.get("type", v.get("name", "")) or ""), "kind": kind,
                             "range": v["range"], "selection": v["range"], "children": []} for n, v in items.items()]
                if children:
                    out.append({"name": group, "detail": "", "kind": "group", "range": _cover(children),
                                "selection": children[0]["range"], "children": children})
            return out
        chapters: dict = {}
        for sid, info in ix.scenes.items():
            scene = {"name": sid, "detail": info.title or "", "kind": "scene", "range": info.span,
                     "selection": info.key, "children": []}
            chapters.setdefault(info.chapter or "", []).append(scene)
        out = []
        for title, scenes in chapters.items():
            if title:
                out.append({"name": title, "detail": "chapter", "kind": "chapter", "range": _cover(scenes),
                            "selection": scenes[0]["selection"], "children": scenes})
            else:
                out += scenes
        blocks = [{"name": n, "detail": "block", "kind": "block", "range": b["span"], "selection": b["range"],
                   "children": []} for n, b in ix.blocks.items()]
        return out + blocks


def key_path(ix: FileIndex, line: int, col: int) -> list[str]:
    """The keys enclosing a key written at (line, col), read from indentation: works on half-typed files."""
    path: list[str] = []
    target, in_item = col, False
    own = ix.line_text(line)[:col]
    if re.match(r"^\s*(-\s+)+$", own):  # our key opens a list item: the list's key is left of the dash
        target, in_item = len(own) - len(own.lstrip()), True
    for n in range(line - 1, -1, -1):
        text = ix.line_text(n)
        stripped = text.strip()
        if not stripped or stripped.startswith("#"):
            continue
        m = re.match(r"^(\s*)((?:-\s+)*)([^\s:#'\"{\[][^:#]*?|\"[^\"]*\"|'[^']*')\s*:(\s|$)", text)
        if not m:
            continue
        key_col = len(m.group(1)) + len(m.group(2))
        dash_col = len(m.group(1)) if m.group(2) else None
        if key_col < target or (key_col == target and in_item and dash_col is None):
            path.append(m.group(3).strip("'\""))
            target, in_item = key_col, False
            if dash_col is not None:
                target, in_item = dash_col, True
        elif key_col == target and dash_col is not None:
            target, in_item = dash_col, True  # the first key of our list item
        if target == 0 and not in_item:
            break
    return list(reversed(path))


def word_range(text: str, line: int, col: int) -> tuple:
    for m in _WORD.finditer(text):
        if m.start() <= col < m.end():
            return (line, m.start(), line, m.end())
    return (line, col, line, col + 1)


def _plain_value(line: str) -> tuple[int, str]:
    """(column, text) of the plain scalar a `key: value` or `- value` line ends with."""
    m = re.match(r"^(\s*(?:-\s+)*(?:[A-Za-z_][\w-]*\s*:\s+)?)(.*?)\s*$", line)
    if not m:
        return 0, ""
    value = m.group(2)
    if not value or value[0] in "'\"[{|>&*!%@`#":
        return m.end(1), ""
    return m.end(1), value


def _inside(rng, line, col) -> bool:
    l0, c0, l1, c1 = rng
    return (l0, c0) <= (line, col) <= (l1, c1)


def _cover(items) -> tuple:
    first, last = items[0]["range"], items[-1]["range"]
    for item in items:
        if item["range"][:2] < first[:2]:
            first = item["range"]
        if item["range"][2:] > last[2:]:
            last = item["range"]
    return first[:2] + last[2:]
