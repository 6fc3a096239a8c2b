"""What the language server knows about each file: symbols, references and places.

Pure and independent of pygls: it is handed a file's path and text and reads
the YAML the way the compiler does (composed nodes with marks, never
constructed), so a half-typed file gives what it can and never raises.

Ranges are (line, column, end line, end column), 0-based, with columns in
characters (code points); the server turns them into the client's encoding.

Meaning comes from keys, not from where a mapping sits, so a construct that
reuses the keys (`goto`, `if`, `do`, `text`, `else`, `speaker`, `block`)
anywhere in a scene file is understood without changes here.
"""
from __future__ import annotations

import bisect
import re
from dataclasses import dataclass, field

import yaml

from ..core import compiler as _compiler
from ..core.weave import is_flow, label_nodes

Range = tuple  # (line, col, end_line, end_col), 0-based, code points

# Keys whose values the walk understands; every other key is walked into.
EXPRESSION_KEYS = {"if"}          # a condition
EFFECT_KEYS = {"do"}              # one effect or a list of them
TEXT_KEYS = {"text", "else"}      # text: a template, or a list of text items
SCENE_REF_KEYS = {"goto", "call"}  # names a scene
SPEAKER_KEYS = {"speaker"}
BLOCK_KEYS = {"block"}

KEYWORDS = {"and", "or", "not", "if", "else", "true", "false", "True", "False", "toggle", "in", "is", "None"}
BUILTINS = {"visited", "min", "max", "abs"}

_IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_EFFECT_TARGET = re.compile(r"\s*(?:toggle\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*(?:[-+]?=(?!=)|$)")


@dataclass
class Occurrence:
    """One place a name is defined or used."""

    kind: str       # "scene", "variable", "speaker", "block", "function"
    name: str
    path: str
    range: Range
    role: str       # "def", or how it is used: "goto", "start", "visited", "read", "write", "speaker", "block"
    scene: str | None = None  # the scene it is in, if any


@dataclass
class SceneInfo:
    id: str
    path: str
    key: Range          # the id's range
    span: Range         # from the id to the end of the scene
    title: str | None = None
    chapter: str | None = None
    first_line: str | None = None


@dataclass
class ChoiceInfo:
    scene: str
    id: str                     # explicit `id:`, else the `goto` scene
    explicit: bool
    id_range: Range | None      # the `id:` value, when explicit
    goto: str | None
    goto_range: Range | None
    span: Range


@dataclass
class FileIndex:
    path: str
    text: str
    manifest: bool
    parsed: bool = False        # the YAML composed
    root: object = None         # the composed node (None when it did not compose)
    occurrences: list = field(default_factory=list)
    scenes: dict = field(default_factory=dict)      # id -> SceneInfo
    choices: list = field(default_factory=list)     # ChoiceInfo
    variables: dict = field(default_factory=dict)   # name -> {"range", "type", "default", ...}
    speakers: dict = field(default_factory=dict)    # id -> {"range", "name", "style"}
    blocks: dict = field(default_factory=dict)      # name -> {"range", "span"}
    functions: dict = field(default_factory=dict)   # name -> {"range", ...}
    chapter: tuple | None = None                    # (title, range) of the file's `chapter:`
    _starts: list | None = None
    _spans: dict | None = None

    # -- positions ---------------------------------------------------------------
    def line_starts(self) -> list:
        if self._starts is None:
            starts = [0]
            for match in re.finditer("\n", self.text):
                starts.append(match.end())
            self._starts = starts
        return self._starts

    def position(self, index: int) -> tuple:
        starts = self.line_starts()
        line = bisect.bisect_right(starts, index) - 1
        return line, index - starts[line]

    def index(self, line: int, col: int) -> int:
        starts = self.line_starts()
        if line >= len(starts):
            return len(self.text)
        return min(starts[line] + col, len(self.text))

    def line_text(self, line: int) -> str:
        starts = self.line_starts()
        if line < 0 or line >= len(starts):
            return ""
        end = starts[line + 1] - 1 if line + 1 < len(starts) else len(self.text)
        return self.text[starts[line]:end].rstrip("\r")

    def node_spans(self) -> dict:
        """(line, col) of each node's start -> its range: where a diagnostic's point grows into a range."""
        if self._spans is None:
            spans: dict = {}
            stack = [self.root] if self.root is not None else []
            seen = set()
            while stack:
                node = stack.pop()
                if id(node) in seen:
                    continue
                seen.add(id(node))
                start = (node.start_mark.line, node.start_mark.column)
                if isinstance(node, yaml.ScalarNode):
                    spans.setdefault(start, node_range(node))
                else:
                    # a collection: its first line only, trimmed
                    line = self.line_text(start[0])
                    end = len(line.rstrip())
                    spans.setdefault(start, (start[0], start[1], start[0], max(end, start[1] + 1)))
                    if isinstance(node, yaml.MappingNode):
                        for key, value in node.value:
                            stack += [value, key]
                    else:
                        stack += list(node.value)
            self._spans = spans
        return self._spans


def node_range(node) -> Range:
    return (node.start_mark.line, node.start_mark.column, node.end_mark.line, node.end_mark.column)


def compose(text: str):
    """The composed root node, or None; never raises. The compiler composes it: the same safe
    reader, with the same limits on size, nesting and aliases."""
    try:
        return _compiler.Compiler().compose("", text)
    except (yaml.YAMLError, RecursionError, MemoryError, ValueError):
        return None


def _pairs(node):
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            if isinstance(key, yaml.ScalarNode):
                yield key.value, key, value


def _scalar(node) -> str | None:
    if isinstance(node, yaml.ScalarNode) and node.tag != "tag:yaml.org,2002:null":
        return node.value
    return None


def _first_line(node) -> str | None:
    """The first line of a scene's text, for hover."""
    stack = [node]
    while stack:
        item = stack.pop(0)
        if isinstance(item, yaml.ScalarNode):
            text = item.value.strip()
            if text:
                return text.splitlines()[0].strip()
        elif isinstance(item, yaml.SequenceNode):
            stack = list(item.value) + stack
        elif isinstance(item, yaml.MappingNode):
            fields = {k: v for k, _kn, v in _pairs(item)}
            if "text" in fields:
                stack.insert(0, fields["text"])
    return None


def index_file(path: str, text: str, manifest: bool, root=None, composed: bool = False) -> FileIndex:
    """Index one file; `root` may be handed in when it was composed already."""
    out = FileIndex(path, text, manifest)
    if not composed:
        root = compose(text)
    out.root = root
    out.parsed = root is not None
    if root is None:
        return out
    walker = _Walker(out)
    try:
        if manifest:
            walker.manifest(root)
        else:
            walker.scene_file(root)
    except RecursionError:
        pass
    return out


class _Walker:
    def __init__(self, index: FileIndex):
        self.ix = index
        self.scene: str | None = None

    def add(self, kind, name, rng, role):
        self.ix.occurrences.append(Occurrence(kind, name, self.ix.path, rng, role, self.scene))

    # -- the manifest ---------------------------------------------------------------
    def manifest(self, root):
        for key, key_node, value in _pairs(root):
            if key == "start" and _scalar(value):
                self.add("scene", value.value, node_range(value), "start")
            elif key == "variables":
                for name, name_node, spec in _pairs(value):
                    info = {"range": node_range(name_node), "span": node_range(spec)}
                    if isinstance(spec, yaml.ScalarNode):
                        info["default"] = spec.value
                        info["type"] = _shorthand_type(spec)
                    for field_name, _fn, field_node in _pairs(spec):
                        if isinstance(field_node, yaml.SequenceNode):
                            info[field_name] = [v.value for v in field_node.value if isinstance(v, yaml.ScalarNode)]
                        elif isinstance(field_node, yaml.ScalarNode):
                            info[field_name] = field_node.value
                    self.ix.variables[name] = info
                    self.add("variable", name, info["range"], "def")
            elif key == "speakers":
                for sid, sid_node, spec in _pairs(value):
                    info = {"range": node_range(sid_node), "name": _scalar(spec) or sid}
                    for field_name, _fn, field_node in _pairs(spec):
                        info[field_name] = _scalar(field_node)
                    self.ix.speakers[sid] = info
                    self.add("speaker", sid, info["range"], "def")
            elif key == "functions":
                for name, name_node, spec in _pairs(value):
                    info = {"range": node_range(name_node)}
                    for field_name, _fn, field_node in _pairs(spec):
                        info[field_name] = _scalar(field_node)
                    self.ix.functions[name] = info
                    self.add("function", name, info["range"], "def")

    # -- scene files ---------------------------------------------------------------
    def scene_file(self, root):
        file_chapter = None
        for key, key_node, value in _pairs(root):
            if key == "chapter" and _scalar(value) is not None:
                file_chapter = value.value
                self.ix.chapter = (value.value, node_range(key_node)[:2] + node_range(value)[2:])
        for key, key_node, value in _pairs(root):
            if key == "scenes":
                for sid, sid_node, scene in _pairs(value):
                    self.scene = sid
                    fields = {k: v for k, _kn, v in _pairs(scene)}
                    info = SceneInfo(sid, self.ix.path, node_range(sid_node),
                                     node_range(sid_node)[:2] + node_range(scene)[2:],
                                     title=_scalar(fields.get("title")),
                                     chapter=_scalar(fields.get("chapter")) or file_chapter,
                                     first_line=_first_line(fields["text"]) if "text" in fields else None)
                    self.ix.scenes.setdefault(sid, info)
                    self.add("scene", sid, info.key, "def")
                    if is_flow(scene):  # its labels and choice ids are parts a goto or visited() may name
                        for part, name_node in label_nodes(sid, scene).items():
                            self.add("scene", part, node_range(name_node), "def")
                    self.walk(scene)
                    if isinstance(fields.get("choices"), yaml.SequenceNode):
                        for item in fields["choices"].value:
                            self.choice(sid, item)
                    self.scene = None
            elif key == "blocks":
                for name, name_node, body in _pairs(value):
                    self.ix.blocks[name] = {"range": node_range(name_node),
                                            "span": node_range(name_node)[:2] + node_range(body)[2:]}
                    self.add("block", name, node_range(name_node), "def")
                    self.text(body)
            elif key != "chapter":
                self.walk(value)

    def choice(self, sid, node):
        fields = {k: v for k, _kn, v in _pairs(node)}
        goto = fields.get("goto")
        explicit = _scalar(fields.get("id"))
        target = _scalar(goto)
        cid = explicit if explicit is not None else target
        if cid is None:
            return
        self.ix.choices.append(ChoiceInfo(sid, cid, explicit is not None,
                                          node_range(fields["id"]) if explicit is not None else None,
                                          target, node_range(goto) if target is not None else None,
                                          node_range(node)))

    def walk(self, node):
        if isinstance(node, yaml.MappingNode):
            for key, _key_node, value in _pairs(node):
                if key in EXPRESSION_KEYS:
                    if _scalar(value) is not None:
                        self.expression(value, 0, len(self.raw(value)))
                elif key in EFFECT_KEYS:
                    items = value.value if isinstance(value, yaml.SequenceNode) else [value]
                    for item in items:
                        if _scalar(item) is not None:
                            self.effect(item)
                elif key in TEXT_KEYS:
                    self.text(value)
                elif key in SCENE_REF_KEYS:
                    if _scalar(value):
                        self.add("scene", value.value, node_range(value), "goto")
                elif key in SPEAKER_KEYS:
                    if _scalar(value):
                        self.add("speaker", value.value, node_range(value), "speaker")
                elif key in BLOCK_KEYS:
                    if _scalar(value):
                        self.add("block", value.value, node_range(value), "block")
                else:
                    self.walk(value)
        elif isinstance(node, yaml.SequenceNode):
            for item in node.value:
                self.walk(item)

    def text(self, node):
        if isinstance(node, yaml.ScalarNode):
            self.template(node)
        elif isinstance(node, yaml.SequenceNode):
            for item in node.value:
                if isinstance(item, yaml.ScalarNode):
                    self.template(item)
                else:
                    self.walk(item)
        else:
            self.walk(node)

    # -- expressions, found in the source text itself ------------------------------------
    def raw(self, node) -> str:
        """A scalar's source text (quotes and block indicators included), one length with the file."""
        raw = self.ix.text[node.start_mark.index:node.end_mark.index]
        if node.style == "'":  # YAML's '' is one quote: keep the length, keep the meaning
            raw = raw.replace("''", " '")
        return raw

    def _inner(self, node):
        raw = self.raw(node)
        if node.style in ("'", '"') and len(raw) >= 2:
            return raw, 1, len(raw) - 1
        return raw, 0, len(raw)

    def template(self, node):
        raw, start, end = self._inner(node)
        i = start
        while i < end:
            ch = raw[i]
            if ch in "{}" and i + 1 < end and raw[i + 1] == ch:
                i += 2
                continue
            if ch == "{":
                close = raw.find("}", i + 1, end)
                close = end if close < 0 else close
                self.expression(node, i + 1, close, raw)
                i = close + 1
                continue
            i += 1

    def effect(self, node):
        raw, start, end = self._inner(node)
        match = _EFFECT_TARGET.match(raw, start, end)
        target = None
        if match and match.group(1) not in KEYWORDS:
            target = match.start(1)
        self.expression(node, start, end, raw, write_at=target)

    def expression(self, node, start, end, raw=None, write_at=None):
        if raw is None:
            raw, start, end = self._inner(node)
        base = node.start_mark.index
        i = start
        while i < end:
            ch = raw[i]
            if ch in "'\"":
                close = raw.find(ch, i + 1, end)
                i = end if close < 0 else close + 1
                continue
            match = _IDENT.match(raw, i, end)
            if match is None:
                i += 1
                continue
            name = match.group()
            j = match.end()
            if i > 0 and (raw[i - 1].isdigit() or raw[i - 1] == "."):
                i = j
                continue
            rest = raw[j:end].lstrip()
            if name == "visited" and rest.startswith("("):
                arg = re.match(r"\(\s*(['\"])([^'\"]*)\1?", raw[j:end].lstrip())
                if arg:
                    offset = j + (len(raw[j:end]) - len(rest)) + arg.start(2)
                    a = self.ix.position(base + offset)
                    b = self.ix.position(base + offset + len(arg.group(2)))
                    self.add("scene", arg.group(2), (*a, *b), "visited")
                    i = offset + len(arg.group(2)) + 1
                    continue
            elif name not in KEYWORDS and name not in BUILTINS and not rest.startswith("("):
                a = self.ix.position(base + i)
                b = self.ix.position(base + j)
                self.add("variable", name, (*a, *b), "write" if i == write_at else "read")
            elif rest.startswith("(") and name not in BUILTINS:
                a = self.ix.position(base + i)
                b = self.ix.position(base + j)
                self.add("function", name, (*a, *b), "call")
            i = j


def _shorthand_type(node) -> str:
    tag = node.tag.rsplit(":", 1)[-1]
    return {"bool": "bool", "int": "int"}.get(tag, "str")
