"""YAML text to the compiled story form, with every mistake located.

Pure: it is handed file names and their text, and returns the compiled dict
and a list of diagnostics. YAML is composed (never constructed) with PyYAML's
safe C loader so every node keeps its line and column; only the standard
scalar, sequence and mapping tags are accepted.
"""
from __future__ import annotations

import difflib
import re
from collections.abc import Collection, Iterable
from typing import TYPE_CHECKING, Any, Union

import yaml

from .errors import Diagnostic
from .expr import BOOL, INT, STR
from .syntax import ExprError, Parser
from .weave import Weaver, is_flow, labels_of
from .types import (CompiledChoice, CompiledScene, CompiledStory, Effect, FunctionSpec, Loc, Paragraph, SpeakerSpec,
                    Template, TextCondition, TextItem, Tree, Value, VariableSpec)

# libyaml's reader is required, not merely preferred: PyYAML's pure-Python reader
# disagrees with it on real prose (a `?` inside a flow mapping, for one), so a story
# checked on one machine could fail on another. One reader means one meaning.
HAS_LIBYAML = hasattr(yaml, "CSafeLoader")
NO_LIBYAML = ("this PyYAML was built without libyaml, which reading stories requires; reinstall it "
              "from a wheel: pip install --force-reinstall --only-binary PyYAML PyYAML")
if TYPE_CHECKING:
    _Base = yaml.SafeLoader  # the C loader offers the same methods
else:
    _Base = yaml.CSafeLoader if HAS_LIBYAML else yaml.SafeLoader

_PLAIN_START = re.compile(r"[A-Za-z\"'(][^\n]* ")


class _Loader(_Base):
    """The safe loader, with a quick answer for the commonest scalar: a line of prose.

    YAML's implicit types (bool, null, numbers, timestamps) never contain a
    space after a leading letter, so such a plain scalar is a string; all
    other scalars go through the standard resolver.
    """

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self._tags: dict[str, str] = {}  # plain scalar -> tag: keys and ids repeat thousands of times

    def resolve(self, kind: type[yaml.Node], value: Any, implicit: tuple[bool, bool]) -> str:
        if kind is yaml.ScalarNode:
            if not implicit[0]:  # quoted or block text: a string, as the standard resolver would say
                return _STR
            tag: str | None = self._tags.get(value)
            if tag is None:
                # No implicit type starts with this character (or it is prose): the standard
                # resolver would try no pattern and say str.
                plain = (value and value[0] not in self.yaml_implicit_resolvers) or _PLAIN_START.match(value)
                tag = _STR if plain else super().resolve(kind, value, implicit)  # type: ignore[no-untyped-call]
                if len(self._tags) < 4096:
                    self._tags[value] = tag
            return tag
        other: str = super().resolve(kind, value, implicit)  # type: ignore[no-untyped-call]
        return other


_STR = "tag:yaml.org,2002:str"

MAX_NODES = 2_000_000   # node visits per file, counting every alias use
MAX_DEPTH = 64
# Text after alias expansion: a 5 MB scalar named by a few hundred aliases is
# a few nodes but gigabytes of text. Bounded per file and per story.
MAX_EXPANDED_BYTES = 20 * 1024 * 1024
MAX_STORY_EXPANDED_BYTES = 64 * 1024 * 1024
_BRACES = re.compile(r"\{\{|\}\}|[{}]")
ID_RE = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")
_TAG = "tag:yaml.org,2002:"
ALLOWED_TAGS = {_TAG + t for t in ("str", "int", "bool", "null", "float", "map", "seq", "timestamp")}
TYPES = ("bool", "int", "str")
ZERO: dict[str, Value] = {"bool": False, "int": 0, "str": ""}

MANIFEST_KEYS = {"id", "title", "subtitle", "version", "start", "speakers", "variables", "author",
                 "description", "functions", "define"}
FUNCTION_KEYS = {"params", "returns", "doc"}
VARIABLE_KEYS = {"type", "default", "min", "max", "values", "doc"}
FILE_KEYS = {"chapter", "scenes", "blocks"}
SCENE_KEYS = {"title", "chapter", "text", "do", "choices", "ending", "tags"}
CHOICE_KEYS = {"text", "goto", "id", "if", "do", "once", "fallback", "tags"}
ITEM_KEYS = {"text", "if", "else", "speaker", "block", "tags"}

Fields = dict[str, tuple[yaml.Node, yaml.Node]]  # key -> (key node, value node)
RawScene = tuple[str, yaml.Node, Union[yaml.Node, None], Union[str, None]]  # path, key node, node (None: read lean), chapter
RawBlock = tuple[str, yaml.Node, yaml.Node]  # path, key node, node
Where = Union[yaml.Node, yaml.Mark, "_Mark", None]  # what a diagnostic points at

class Compiler:
    """Collects diagnostics while turning one story's files into compiled form."""

    # Set by `story` for the scenes and text it compiles.
    parser: Parser
    speaker_ids: dict[str, SpeakerSpec]
    raw_blocks: dict[str, RawBlock]
    blocks: dict[str, list[TextItem]]
    expanding: set[str]
    scene_ids: dict[str, RawScene | None]  # scenes, and the labels of flow scenes (None): what a goto may name
    current_part: str  # the scene or part being compiled: where a variation or a draw counts its visits
    draws: int         # random() calls placed so far

    LEAN_BYTES: int | None = 4_000_000  # source text past which a story is read lean (see `story`)

    def __init__(self) -> None:
        self.diagnostics: list[Diagnostic] = []
        # One per compile: a constructor remembers every node it is given.
        self._constructor = yaml.constructor.SafeConstructor()
        self.expanded_bytes = 0  # text read so far across the story's files, aliases expanded
        self.sources: dict[str, str] = {}
        self.broken_files: set[str] = set()  # files YAML could not read: their scenes are unknown
        self._locate: Any = None  # index in the paragraph being compiled -> (line, column), 0-based

    # -- reporting -------------------------------------------------------------
    def error(self, path: str, where: Where, message: str, code: str, offset: int = 0,
              severity: str = "error") -> None:
        line, column = _position(where, offset)
        message = " ".join(message.split())  # one line, whatever YAML or the source held
        self.diagnostics.append(Diagnostic(path, line, column, severity, message, code))

    @property
    def failed(self) -> bool:
        return any(d.severity == "error" for d in self.diagnostics)

    # -- YAML ------------------------------------------------------------------
    def compose(self, path: str, text: str) -> yaml.Node | None:
        self.sources[path] = text  # kept to place mistakes inside multi-line text exactly
        if not HAS_LIBYAML:
            self.error(path, None, NO_LIBYAML, "E000")
            return None
        try:
            node = yaml.compose(text, Loader=_Loader)
        except yaml.MarkedYAMLError as exc:
            mark = exc.problem_mark or exc.context_mark
            problem = exc.problem or exc.context or "invalid YAML"
            if "nesting depth" in problem:  # libyaml's own limit: the same finding as ours
                self.error(path, mark, f"nested more than {MAX_DEPTH} levels deep", "E030")
            else:
                self.error(path, mark, f"YAML: {problem}{_pitfall(problem, text, mark)}", "E001")
            self.broken_files.add(path)
            return None
        except yaml.YAMLError as exc:
            self.error(path, None, f"YAML: {exc}", "E001")
            return None
        except (RecursionError, MemoryError):
            self.error(path, None, "YAML nested too deeply", "E030")
            return None
        if node is None:
            return None
        if not self._vet(path, node):
            return None
        return node

    def _vet(self, path: str, root: yaml.Node) -> bool:
        """Refuse odd tags, alias bombs and deep nesting before reading values."""
        stack: list[tuple[yaml.Node, int]] = [(root, 1)]
        visits = size = 0
        while stack:
            node, depth = stack.pop()
            visits += 1
            if visits > MAX_NODES:
                self.error(path, root, f"the document expands to more than {MAX_NODES:,} nodes "
                                       "(aliases used too often?)", "E030")
                return False
            if isinstance(node, yaml.ScalarNode):
                size += len(node.value)
                if size > MAX_EXPANDED_BYTES:
                    self.error(path, node, f"the document's text expands to more than {MAX_EXPANDED_BYTES:,} "
                                           "characters (aliases of long text?)", "E030")
                    return False
                if self.expanded_bytes + size > MAX_STORY_EXPANDED_BYTES:
                    self.error(path, node, f"the story's text expands to more than "
                                           f"{MAX_STORY_EXPANDED_BYTES:,} characters in all", "E030")
                    return False
            if depth > MAX_DEPTH:
                self.error(path, node, f"nested more than {MAX_DEPTH} levels deep", "E030")
                return False
            if node.tag not in ALLOWED_TAGS:
                self.error(path, node, f"tag {node.tag!r} is not allowed (only plain YAML values)", "E002")
                return False
            if isinstance(node, yaml.MappingNode):
                for key, value in node.value:
                    stack.append((key, depth + 1))
                    stack.append((value, depth + 1))
            elif isinstance(node, yaml.SequenceNode):
                stack.extend((item, depth + 1) for item in node.value)
        self.expanded_bytes += size
        return True

    def mapping(self, path: str, node: yaml.Node, what: str, allowed: Collection[str] | None = None) -> Fields | None:
        """Return {key: (key_node, value_node)} or None, reporting bad shapes."""
        if not isinstance(node, yaml.MappingNode):
            self.error(path, node, f"{what} should be a mapping (key: value), not {_kind(node)}", "E003")
            return None
        out: Fields = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, yaml.ScalarNode):
                self.error(path, key_node, f"a key in {what} must be plain text", "E003")
                continue
            key = key_node.value
            if key in out:
                self.error(path, key_node, f"duplicate key {key!r} in {what}", "E006")
                continue
            if allowed is not None and key not in allowed:
                hint = difflib.get_close_matches(key, sorted(allowed), n=1)
                more = f"; did you mean {hint[0]!r}?" if hint else f" (allowed: {', '.join(sorted(allowed))})"
                if re.search(r"[)\]'\"]|^\s|^\d", key):  # the tail of a value a comma cut in two
                    more = (" (a comma inside {...} ends the value there: put the whole value in quotes, "
                            "or write the item on its own lines)")
                self.error(path, key_node, f"unknown key {key!r} in {what}{more}", "E005")
                continue
            out[key] = (key_node, value_node)
        return out

    def string(self, path: str, node: yaml.Node, what: str) -> str | None:
        if not isinstance(node, yaml.ScalarNode) or node.tag == _TAG + "null":
            self.error(path, node, f"{what} should be text, not {_kind(node)}", "E003")
            return None
        text: str = node.value
        return text

    def value(self, path: str, node: yaml.Node, what: str) -> Value | None:
        """A typed scalar (bool, int, str), or None after reporting."""
        if not isinstance(node, yaml.ScalarNode):
            self.error(path, node, f"{what} should be a single value, not {_kind(node)}", "E003")
            return None
        if node.tag in (_TAG + "str", _TAG + "timestamp"):
            text: str = node.value
            return text
        try:
            value: Value = self._constructor.construct_object(node)
        except (yaml.YAMLError, ValueError, OverflowError):
            self.error(path, node, f"{what}: cannot read {node.value!r}", "E003")
            return None
        if type(value) not in (bool, int, str):
            self.error(path, node, f"{what} should be true/false, a whole number or text, "
                                   f"not {node.value!r}", "E003")
            return None
        return value

    def flag(self, path: str, node: yaml.Node, what: str) -> bool:
        value = self.value(path, node, what)
        if value is None:
            return False
        if type(value) is not bool:
            self.error(path, node, f"{what} should be true or false", "E003")
            return False
        return value

    # -- the manifest --------------------------------------------------------------
    def manifest(self, path: str, text: str) -> dict[str, Any] | None:
        node = self.compose(path, text)
        if node is None:
            if not self.failed:
                self.error(path, None, "the manifest is empty", "E004")
            return None
        fields = self.mapping(path, node, "the manifest", MANIFEST_KEYS)
        if fields is None:
            return None
        out: dict[str, Any] = {"path": path}  # the fields read, and the nodes of some
        for key in ("id", "title", "start"):
            if key not in fields:
                self.error(path, node, f"the manifest needs `{key}`", "E004")
                continue
            out[key] = self.string(path, fields[key][1], key)
            out[key + "_node"] = fields[key][1]
        for key in ("version", "subtitle", "author", "description"):
            if key in fields:
                out[key] = self.string(path, fields[key][1], key)
        out.setdefault("version", "0")
        if isinstance(out.get("id"), str) and not re.match(r"[A-Za-z0-9_.-]+\Z", out["id"]):
            self.error(path, fields["id"][1], "the story id may hold letters, digits, '.', '_' and '-'", "E003")
        out["variables"] = self.variables(path, fields["variables"][1]) if "variables" in fields else {}
        out["speakers"] = self.speakers(path, fields["speakers"][1]) if "speakers" in fields else {}
        out["functions"] = self.functions(path, fields["functions"][1]) if "functions" in fields else {}
        if "define" in fields:
            out["define_node"] = fields["define"][1]
        return out

    def functions(self, path: str, node: yaml.Node) -> dict[str, FunctionSpec]:
        """Host functions: `name: {params: [int, str], returns: str, doc: ...}`, bound by the host."""
        out: dict[str, FunctionSpec] = {}
        for name, (key_node, spec_node) in (self.mapping(path, node, "functions") or {}).items():
            if not ID_RE.match(name) or name in ("visited", "min", "max", "abs", "true", "false"):
                self.error(path, key_node, f"{name!r} cannot be a function name", "E018")
                continue
            spec = self.mapping(path, spec_node, f"function {name}", FUNCTION_KEYS)
            if spec is None:
                continue
            params: list[str | None] = []
            if "params" in spec:
                pnode = spec["params"][1]
                if not isinstance(pnode, yaml.SequenceNode):
                    self.error(path, pnode, "`params` is a list of types (bool, int, str)", "E018")
                    continue
                params = [self.string(path, item, "a parameter type") for item in pnode.value]
            returns = self.string(path, spec["returns"][1], "returns") if "returns" in spec else None
            bad = [t for t in [*params, returns] if t not in TYPES]
            if bad:
                self.error(path, spec_node, f"function {name}: types are bool, int or str"
                                            f"{'' if returns else ' (and `returns` is required)'}", "E018")
                continue
            out[name] = {"params": params, "returns": returns,  # type: ignore[typeddict-item]  # all types now
                         "loc": [path, key_node.start_mark.line + 1, key_node.start_mark.column + 1]}
        return out

    def variables(self, path: str, node: yaml.Node) -> dict[str, VariableSpec]:
        decls = self.mapping(path, node, "variables")
        out: dict[str, VariableSpec] = {}
        for name, (key_node, spec_node) in (decls or {}).items():
            if not ID_RE.match(name) or name in ("true", "false", "True", "False", "visited", "toggle"):
                self.error(path, key_node, f"{name!r} cannot be a variable name", "E018")
                continue
            spec = self.variable(path, name, spec_node)
            if spec is not None:
                spec["loc"] = [path, key_node.start_mark.line + 1, key_node.start_mark.column + 1]
                out[name] = spec
        return out

    def variable(self, path: str, name: str, node: yaml.Node) -> VariableSpec | None:
        if isinstance(node, yaml.ScalarNode):  # shorthand: `name: default`
            value = self.value(path, node, f"variable {name}")
            if value is None:
                return None
            return {"type": _type_name(value), "default": value}
        fields = self.mapping(path, node, f"variable {name}", VARIABLE_KEYS)
        if fields is None:
            return None
        if "type" not in fields:
            self.error(path, node, f"variable {name} needs a `type` (bool, int or str)", "E018")
            return None
        typ = self.string(path, fields["type"][1], "type")
        if typ not in TYPES:
            self.error(path, fields["type"][1], f"variable {name}: type must be bool, int or str, not {typ!r}",
                       "E018")
            return None
        spec: VariableSpec = {"type": typ}  # type: ignore[typeddict-item]  # its default follows
        default: Value | None
        default = ZERO[typ]
        if "default" in fields:
            d = fields["default"][1]
            default = self.string(path, d, "default") if typ == STR else self.value(path, d, "default")
            if default is not None and _type_name(default) != typ:
                self.error(path, d, f"variable {name} is a {typ}; its default {d.value!r} is not", "E018")
                default = ZERO[typ]
        spec["default"] = ZERO[typ] if default is None else default
        for bound in ("min", "max"):
            if bound in fields:
                b = self.value(path, fields[bound][1], bound)
                if typ != INT or type(b) is not int:
                    self.error(path, fields[bound][1], f"`{bound}` is for int variables, a whole number",
                               "E018")
                else:
                    spec[bound] = b
        if "min" in spec and "max" in spec and spec["min"] > spec["max"]:
            self.error(path, node, f"variable {name}: min is greater than max", "E018")
        # A default that could not be read (None: a list, say) has been reported already; the
        # variable starts from 0 and its range is not checked against it. Without a `default`,
        # the implicit 0 is checked, and the finding points at the declaration.
        elif typ == INT and type(default) is int and not (spec.get("min", default)
                                                           <= default <= spec.get("max", default)):
            self.error(path, fields["default"][1] if "default" in fields else node,
                       f"variable {name}: default {default} is outside min/max", "E018")
        if "values" in fields:
            vnode = fields["values"][1]
            if typ != STR or not isinstance(vnode, yaml.SequenceNode):
                self.error(path, vnode, "`values` is a list, for str variables", "E018")
            else:
                values = [self.string(path, v, "a value") for v in vnode.value]
                spec["values"] = [v for v in values if v is not None]
                if spec["default"] not in spec["values"]:
                    self.error(path, vnode, f"variable {name}: default {spec['default']!r} is not in its values",
                               "E018")
        if "doc" in fields:
            spec["doc"] = self.string(path, fields["doc"][1], "doc")
        return spec

    def speakers(self, path: str, node: yaml.Node) -> dict[str, SpeakerSpec]:
        fields = self.mapping(path, node, "speakers")
        out: dict[str, SpeakerSpec] = {}
        for sid, (key_node, spec_node) in (fields or {}).items():
            if not ID_RE.match(sid):
                self.error(path, key_node, f"speaker id {sid!r}: use letters, digits and _", "E003")
                continue
            if isinstance(spec_node, yaml.ScalarNode):
                out[sid] = {"name": spec_node.value, "style": ""}
                continue
            spec = self.mapping(path, spec_node, f"speaker {sid}", {"name", "style"})
            if spec is None:
                continue
            out[sid] = {
                "name": self.string(path, spec["name"][1], "name") if "name" in spec else sid,
                "style": self.string(path, spec["style"][1], "style") if "style" in spec else "",
            }
        return out

    # -- scene files --------------------------------------------------------------
    def scene_file(self, path: str, text: str, scenes: dict[str, RawScene],
                   blocks: dict[str, RawBlock]) -> list[str]:
        """Record the scenes and blocks of one file: id -> (path, key node, node, chapter).
        Returns the ids of the scenes it added."""
        added: list[str] = []
        node = self.compose(path, text)
        if node is None:
            return added
        fields = self.mapping(path, node, "a scene file", FILE_KEYS)
        if fields is None:
            return added
        chapter = self.string(path, fields["chapter"][1], "chapter") if "chapter" in fields else None
        if "scenes" in fields:
            for sid, (key_node, scene_node) in (self.mapping(path, fields["scenes"][1], "scenes") or {}).items():
                if not ID_RE.match(sid):
                    self.error(path, key_node, f"scene id {sid!r}: use letters, digits and _", "E003")
                elif sid in scenes:
                    first = scenes[sid]
                    self.error(path, key_node, f"duplicate scene id {sid!r} (first at {first[0]}:"
                                               f"{first[1].start_mark.line + 1})", "E010")
                else:
                    scenes[sid] = (path, key_node, scene_node, chapter)
                    added.append(sid)
        elif "blocks" not in fields:
            self.error(path, node, "a scene file needs `scenes`", "E004")
        if "blocks" in fields:
            for name, (key_node, block_node) in (self.mapping(path, fields["blocks"][1], "blocks") or {}).items():
                if name in blocks:
                    self.error(path, key_node, f"duplicate block {name!r}", "E010")
                else:
                    blocks[name] = (path, key_node, block_node)
        return added

    def _scene_nodes(self, path: str, text: str) -> dict[str, yaml.Node]:
        """A file's scene nodes, read again; what reading it reports was reported the first time."""
        diagnostics, expanded = self.diagnostics, self.expanded_bytes
        self.diagnostics = []
        self._constructor.constructed_objects.clear()  # it would keep the last file's nodes alive
        try:
            scenes: dict[str, RawScene] = {}
            self.scene_file(path, text, scenes, {})
        finally:
            self.diagnostics, self.expanded_bytes = diagnostics, expanded
        return {sid: node for sid, (_p, _k, node, _c) in scenes.items() if node is not None}

    # -- the whole story -----------------------------------------------------------
    def story(self, manifest_file: tuple[str, str], scene_files: Iterable[tuple[str, str]]) -> CompiledStory | None:
        """manifest_file = (path, text); scene_files = [(path, text)]. Return compiled or None."""
        manifest = self.manifest(*manifest_file)
        raw_scenes: dict[str, RawScene] = {}
        raw_blocks: dict[str, RawBlock] = {}
        files = list(scene_files)
        # A big story is read twice, one file at a time: first for its scene ids, then to
        # compile each file's scenes. Only one file's YAML nodes (four Python objects a
        # value) are alive at once, so the peak memory of a compile stays near the size of
        # what it makes, and the host's garbage collector has less to walk each time it runs.
        lean = self.LEAN_BYTES is not None and sum(len(text) for _, text in files) > self.LEAN_BYTES
        labels: set[str] = set()
        for path, text in files:
            for sid in self.scene_file(path, text, raw_scenes, raw_blocks):
                _path, key_node, node, chapter = raw_scenes[sid]
                if node is not None and is_flow(node):
                    labels.update(labels_of(sid, node))
                if lean:
                    raw_scenes[sid] = (path, key_node, None, chapter)
        if manifest is None:
            return None
        variables = manifest["variables"]
        self.scene_ids = {**raw_scenes, **dict.fromkeys(labels)}
        self.current_part = manifest.get("start") or ""
        self.draws = 0
        self.parser = Parser({n: s["type"] for n, s in variables.items()}, self.scene_ids,
                             {n: s["values"] for n, s in variables.items() if "values" in s},
                             manifest["functions"],
                             {n: (s.get("min"), s.get("max")) for n, s in variables.items() if s["type"] == INT})
        self._definitions(manifest)
        self.speaker_ids = manifest["speakers"]
        self.raw_blocks, self.blocks, self.expanding = raw_blocks, {}, set()
        scenes: dict[str, CompiledScene] = {}
        texts, loaded = dict(files), ""
        nodes: dict[str, yaml.Node] = {}
        for sid, (path, key_node, maybe_node, chapter) in raw_scenes.items():
            if maybe_node is None:  # read lean: this file's nodes, read again
                if loaded != path:
                    nodes = {}  # the last file's nodes go before this one's are made
                    loaded, nodes = path, self._scene_nodes(path, texts[path])
                node = nodes[sid]
            else:
                node = maybe_node
            if is_flow(node):
                parts = Weaver(self, path, sid, key_node, node, chapter).scene()
                for pid, part in parts.items():
                    if pid in scenes or (pid != sid and pid in raw_scenes):
                        self.error(path, key_node, f"{pid!r} is both a scene and a part of scene {sid}", "E010")
                    scenes[pid] = part
                continue
            self.current_part = sid
            scene = self.scene(path, sid, key_node, node, chapter)
            if scene is not None:
                scenes[sid] = scene
        for name in raw_blocks:
            self.block(name, None, None)
        start = manifest.get("start")
        if isinstance(start, str) and start not in raw_scenes:
            self.error(manifest["path"], manifest.get("start_node"),
                       f"the start scene {start!r} does not exist{self._hint(start)}", "E011")
        if self.broken_files:
            # A file that did not parse may define the scenes others name: those findings would
            # only bury the real mistake, so only its own are kept.
            self.diagnostics = [d for d in self.diagnostics
                                if d.path in self.broken_files or d.code not in ("E011", "E017", "E021")]
        if not raw_scenes and not self.failed:
            self.error(manifest["path"], None, "the story has no scenes", "E004")
        compiled: CompiledStory = {
            "id": manifest.get("id") or "story",
            "title": manifest.get("title") or "",
            "subtitle": manifest.get("subtitle") or "",
            "version": manifest.get("version") or "0",
            "start": start,  # type: ignore[typeddict-item]  # None only with an error, which discards the story
            "manifest": manifest["path"],
            "variables": variables,
            "speakers": manifest["speakers"],
            "functions": manifest["functions"],
            "draws": self.draws > 0,
            "scenes": scenes,
        }
        return compiled

    def _definitions(self, manifest: Any) -> None:
        """`define: {name: {params: {x: int}, value: "x * 2"}}`: named expressions, reusable anywhere,
        checked here once; a definition may use those above it, never itself."""
        node = manifest.get("define_node")
        if node is None:
            return
        path = manifest["path"]
        for name, (key_node, spec_node) in (self.mapping(path, node, "define") or {}).items():
            spec = self.mapping(path, spec_node, f"definition {name}", {"params", "value", "text", "doc"})
            if spec is None:
                continue
            if not ID_RE.match(name) or name in self.parser.var_types or name in self.parser.functions:
                self.error(path, key_node, f"{name!r} cannot be defined: it is not a plain name, or already a "
                                           f"variable or function", "E018")
                continue
            params: list[tuple[str, str]] = []
            for pname, (pkey, ptype_node) in (self.mapping(path, spec["params"][1], f"the parameters of {name}")
                                              or {} if "params" in spec else {}).items():
                ptype = self.string(path, ptype_node, "a parameter type")
                if ptype not in TYPES or not ID_RE.match(pname):
                    self.error(path, pkey, f"parameter {pname!r} of {name}: a plain name with a type, bool, int "
                                           f"or str", "E018")
                    continue
                params.append((pname, ptype))
            if ("value" in spec) == ("text" in spec):
                self.error(path, spec_node, f"definition {name} needs `value:` (an expression) or `text:` "
                                            f"(text with {{...}})", "E004")
                continue
            body_node = spec["value" if "value" in spec else "text"][1]
            source = self.string(path, body_node, "a definition")
            if source is None:
                continue
            if "text" in spec:  # text with {expr} inside, as one str expression
                source = _text_as_expression(source)
            try:
                self.parser.define(name, params, source)
            except ExprError as exc:
                self.parser.defines.pop(name, None)
                self.error(path, body_node, exc.message, exc.code, _offset(body_node, exc.offset))

    def _hint(self, sid: str) -> str:
        hint = difflib.get_close_matches(sid, list(self.scene_ids), n=1)
        return f"; did you mean {hint[0]!r}?" if hint else ""

    def scene(self, path: str, sid: str, key_node: yaml.Node, node: yaml.Node,
              chapter: str | None) -> CompiledScene | None:
        fields = self.mapping(path, node, f"scene {sid}", SCENE_KEYS)
        if fields is None:
            return None
        out: CompiledScene = {  # type: ignore[typeddict-item]  # text and choices follow, in this order
            "file": path, "loc": [key_node.start_mark.line + 1, key_node.start_mark.column + 1]}
        if "title" in fields:
            out["title"] = self.string(path, fields["title"][1], "title")
        if "chapter" in fields:
            chapter = self.string(path, fields["chapter"][1], "chapter")
        if chapter:
            out["chapter"] = chapter
        out["text"] = self.text(path, fields["text"][1]) if "text" in fields else []
        if "tags" in fields:
            out["tags"] = self.tags(path, fields["tags"][1])
        if "do" in fields:
            out["do"] = self.effects(path, fields["do"][1])
        ending = "ending" in fields and self.flag(path, fields["ending"][1], "ending")
        if ending:
            out["ending"] = True
        choices: list[CompiledChoice] = []
        if "choices" in fields:
            cnode = fields["choices"][1]
            if not isinstance(cnode, yaml.SequenceNode):
                self.error(path, cnode, f"choices of {sid} should be a list", "E003")
            else:
                seen: dict[str, bool] = {}
                for item in cnode.value:
                    choice = self.choice(path, sid, item)
                    if choice is None:
                        continue
                    if choice["id"] in seen:
                        self.error(path, item, f"duplicate choice id {choice['id']!r} in scene {sid} "
                                               f"(give one an explicit `id:`)", "E012")
                        continue
                    seen[choice["id"]] = True
                    choices.append(choice)
            if ending and isinstance(cnode, yaml.SequenceNode) and cnode.value:
                self.error(path, fields["ending"][0], f"scene {sid} is an ending but has choices", "E022")
        out["choices"] = choices
        return out

    def choice(self, path: str, sid: str, node: yaml.Node) -> CompiledChoice | None:
        fields = self.mapping(path, node, f"a choice in {sid}", CHOICE_KEYS)
        if fields is None:
            return None
        fallback = "fallback" in fields and self.flag(path, fields["fallback"][1], "fallback")
        if "goto" not in fields:
            self.error(path, node, f"a choice in {sid} needs `goto`", "E004")
            return None
        target = self.string(path, fields["goto"][1], "goto")
        if target is None:
            return None
        if target not in self.scene_ids:
            self.error(path, fields["goto"][1], f"unknown target scene {target!r}{self._hint(target)}", "E011")
        out: CompiledChoice = {"goto": target, "loc": _loc(node)}  # type: ignore[typeddict-item]  # id and text follow
        cid: str | None
        cid = target
        if "id" in fields:
            cid = self.string(path, fields["id"][1], "id")
            if cid is None or not ID_RE.match(cid):
                self.error(path, fields["id"][1], f"choice id {cid!r}: use letters, digits and _", "E003")
                return None
        out["id"] = cid
        if "text" in fields:
            text = self.string(path, fields["text"][1], "choice text")
            out["text"] = self.template(path, fields["text"][1], text) if text is not None else [""]
        elif fallback:
            out["text"] = [""]
        else:
            self.error(path, node, f"a choice in {sid} needs `text`", "E004")
            out["text"] = [""]
        self.choice_guard(path, fields, out)
        if "once" in fields and self.flag(path, fields["once"][1], "once"):
            out["once"] = True
        if fallback:
            out["fallback"] = True
        if "tags" in fields:
            out["tags"] = self.tags(path, fields["tags"][1])
        return out

    def choice_guard(self, path: str, fields: dict[str, tuple[yaml.Node, yaml.Node]], out: CompiledChoice) -> None:
        """A choice's `if` and `do`, read the same in both formats."""
        if "if" in fields:
            cond = self.condition(path, fields["if"][1])
            if cond is not None:
                out["if"] = cond
                out["if_loc"] = _loc(fields["if"][1])
        if "do" in fields:
            out["do"] = self.effects(path, fields["do"][1])

    def tags(self, path: str, node: yaml.Node) -> list[str]:
        """Free-form words for the host (a sound, a picture, a style): one, or a list."""
        if isinstance(node, yaml.ScalarNode) and node.tag != _TAG + "null":
            return [node.value]
        if isinstance(node, yaml.SequenceNode) and all(isinstance(v, yaml.ScalarNode) for v in node.value):
            return [v.value for v in node.value]
        self.error(path, node, "tags are a word or a list of words", "E003")
        return []

    # -- expressions ------------------------------------------------------------
    def condition(self, path: str, node: yaml.Node) -> Tree | None:
        if isinstance(node, yaml.ScalarNode) and node.tag == _TAG + "bool":
            return ["c", node.value.lower() in ("true", "yes", "on")]
        source = self.string(path, node, "a condition")
        if source is None:
            return None
        try:
            tree, _ = self.parser.expression(source, BOOL)
        except ExprError as exc:
            self.error(path, node, exc.message, exc.code, _offset(node, exc.offset))
            return None
        return tree

    def effects(self, path: str, node: yaml.Node) -> list[Effect]:
        items = node.value if isinstance(node, yaml.SequenceNode) else [node]
        out: list[Effect] = []
        for item in items:
            source = self.string(path, item, "an effect")
            if source is None:
                continue
            try:
                kind, name, tree = self.parser.effect(source)
            except ExprError as exc:
                self.error(path, item, exc.message, exc.code, _offset(item, exc.offset))
                continue
            out.append([kind, name, self._place_draws(tree), _loc(item)])
        return out

    def _place_draws(self, tree: Tree | None) -> Tree | None:
        """Give each random() its part and a number of its own, so draws differ by place."""
        if tree is None or "random" not in str(tree):
            return tree
        if tree[0] == "random":
            self.draws += 1
            return ["random", self._place_draws(tree[1]), self._place_draws(tree[2]), self.current_part, self.draws]
        return [self._place_draws(t) if isinstance(t, list) else t for t in tree]

    def template(self, path: str, node: yaml.Node, text: str) -> Template:
        """Split text at {expressions}; `{{` and `}}` are literal braces."""
        if "{" not in text and "}" not in text:
            return [text]
        parts: Template = []
        buf: list[str] = []
        pos, n = 0, len(text)
        tree: Tree | None
        while True:
            match = _BRACES.search(text, pos)
            if match is None:
                buf.append(text[pos:])
                break
            buf.append(text[pos:match.start()])
            token, i = match.group(), match.start()
            pos = match.end()
            if token == "{{" or token == "}}":
                buf.append(token[0])
                continue
            if token == "}":
                self._mistake(path, node, "a lone '}' in text (write '}}' for a brace)", "E014", i)
                continue
            variation = self._variation(path, node, text, i)
            if variation is not None:
                tree, end = variation
                if buf:
                    parts.append("".join(buf))
                    buf = []
                parts.append(tree)
                pos = end + 1
                continue
            end, quote = i + 1, None
            while end < n and (quote or text[end] != "}"):
                if quote and text[end] == quote:
                    quote = None
                elif not quote and text[end] in "'\"":
                    quote = text[end]
                end += 1
            if end >= n:
                self._mistake(path, node, "a '{' without its '}' (write '{{' for a brace)", "E014", i)
                buf.append(text[i:])
                break
            source = text[i + 1:end]
            try:
                tree, _ = self.parser.expression(source)
            except ExprError as exc:
                if exc.code == "E013":
                    exc.message = exc.message.replace("undeclared variable", "interpolation of unknown variable")
                self._mistake(path, node, exc.message, exc.code, i + 1 + exc.offset)
                tree = None
            if buf:
                parts.append("".join(buf))
                buf = []
            if tree is not None:
                parts.append(tree)
            pos = end + 1
        tail = "".join(buf)
        if tail or not parts:
            parts.append(tail)
        return parts

    def _variation(self, path: str, node: yaml.Node, text: str, start: int) -> tuple[Tree, int] | None:
        """`{a|b|c}` (a sequence that stops at its last), `{&a|b}` (a cycle), `{!a|b}` (each once,
        then nothing), `{~a|b}` (a shuffle): return (tree, index of the closing brace), or None
        when the braces hold an expression."""
        splits: list[int]
        depth, end, splits = 0, start + 1, []
        while end < len(text):
            ch = text[end]
            if ch == "{":
                depth += 1
            elif ch == "}":
                if depth == 0:
                    break
                depth -= 1
            elif ch == "|" and depth == 0:
                splits.append(end)
            end += 1
        else:
            return None
        body = text[start + 1:end]
        kinds = {"&": "cycle", "!": "once", "~": "shuffle"}
        if not splits and not (body[:1] in kinds and len(body) > 1):
            return None
        how = kinds.get(body[:1], "stop")
        first = start + 2 if how != "stop" else start + 1
        bounds = [first, *(k + 1 for k in splits), end + 1]
        alts = [self.template(path, node, text[a:b - 1]) if b - 1 > a else [""] for a, b in zip(bounds, bounds[1:])]
        return ["seq", how, self.current_part, alts], end

    # -- text ------------------------------------------------------------------
    def text(self, path: str, node: yaml.Node, speaker: str | None = None) -> list[TextItem]:
        """Compile text into a list of items: {"t": template, "speaker"} or {"if", "then", "else"}."""
        if isinstance(node, yaml.ScalarNode):
            if node.tag == _TAG + "null":
                return []
            paragraphs = _paragraphs(node.value)
            if node.end_mark.line > node.start_mark.line and path in self.sources:
                return self._located_paras(path, node, paragraphs, speaker)
            return [self._para(path, node, p, speaker) for p in paragraphs]
        if isinstance(node, yaml.SequenceNode):
            out: list[TextItem] = []
            for item in node.value:
                out.extend(self.text_item(path, item, speaker))
            return out
        self.error(path, node, f"text should be a string or a list, not {_kind(node)}", "E003")
        return []

    def _located_paras(self, path: str, node: yaml.Node, paragraphs: list[str],
                       speaker: str | None) -> list[TextItem]:
        """Paragraphs of a multi-line scalar (a `|` or `>` block), each mistake placed on its own
        line and column: the source lines are joined as the paragraphs were, and each paragraph
        is found in them."""
        lines = self.sources[path].splitlines()[node.start_mark.line:node.end_mark.line + 1]
        # The stripped lines joined by spaces, and the (line, column) of each character.
        joined: list[str] = []
        where: list[tuple[int, int]] = []
        for k, line in enumerate(lines):
            if k == 0:
                line = line[node.start_mark.column:]
                lead = node.start_mark.column + len(line) - len(line.lstrip())
            else:
                lead = len(line) - len(line.lstrip())
            text = line.strip()
            if not text:
                continue
            if joined:
                joined.append(" ")
                where.append(where[-1])
            joined.append(text)
            where.extend((node.start_mark.line + k, lead + c) for c in range(len(text)))
        flat, cursor = "".join(joined), 0
        out: list[TextItem] = []
        for para in paragraphs:
            at = flat.find(para, cursor)
            if at < 0:
                out.append(self._para(path, node, para, speaker))
                continue
            cursor = at + len(para)
            self._locate = lambda i, base=at: where[min(base + i, len(where) - 1)]
            try:
                out.append(self._para(path, node, para, speaker))
            finally:
                self._locate = None
        return out

    def _mistake(self, path: str, node: yaml.Node, message: str, code: str, index: int) -> None:
        """A mistake at character `index` of the text being compiled, placed as exactly as can be."""
        if self._locate is not None:
            line, column = self._locate(index)
            self.error(path, _Mark(line, column), message, code)
        else:
            self.error(path, node, message, code, _offset(node, index))

    def _para(self, path: str, node: yaml.Node, paragraph: str, speaker: str | None) -> Paragraph:
        item: Paragraph = {"t": self.template(path, node, paragraph)}
        if speaker:
            item["speaker"] = speaker
        return item

    def text_item(self, path: str, node: yaml.Node, speaker: str | None) -> list[TextItem]:
        if isinstance(node, yaml.ScalarNode):
            return self.text(path, node, speaker)
        fields = self.mapping(path, node, "a text item", ITEM_KEYS)
        if fields is None:
            return []
        if "speaker" in fields:
            speaker = self.string(path, fields["speaker"][1], "speaker")
            if speaker is not None and speaker not in self.speaker_ids:
                known = ", ".join(sorted(self.speaker_ids)) or "none declared"
                self.error(path, fields["speaker"][1], f"unknown speaker {speaker!r} (speakers: {known})", "E020")
        if ("text" in fields) == ("block" in fields):
            self.error(path, node, "a text item needs either `text` or `block`", "E004")
            return []
        if "block" in fields:
            name = self.string(path, fields["block"][1], "block")
            body = self.block(name, path, fields["block"][1]) if name is not None else []
        else:
            body = self.text(path, fields["text"][1], speaker)
        if "tags" in fields:
            tags = self.tags(path, fields["tags"][1])
            body = [{**item, "tags": tags} if "t" in item else item for item in body]
        if "if" not in fields:
            if "else" in fields:
                self.error(path, fields["else"][0], "`else` goes with `if`", "E004")
            return body
        cond = self.condition(path, fields["if"][1])
        if cond is None:
            return []
        item: TextCondition = {"if": cond, "then": body, "loc": [path, *_loc(fields["if"][1])]}
        if "else" in fields:
            item["else"] = self.text(path, fields["else"][1], speaker)
        return [item]

    def block(self, name: str, path: str | None, node: yaml.Node | None) -> list[TextItem]:
        if name in self.blocks:
            return self.blocks[name]
        if name not in self.raw_blocks:
            hint = difflib.get_close_matches(name, list(self.raw_blocks), n=1)
            # Only an include can name a missing block or itself, and an include has a path.
            more = f"; did you mean {hint[0]!r}?" if hint else ""
            self.error(path, node, f"unknown block {name!r}{more}", "E021")  # type: ignore[arg-type]
            return []
        if name in self.expanding:
            self.error(path, node, f"block {name!r} includes itself", "E021")  # type: ignore[arg-type]
            return []
        self.expanding.add(name)
        bpath, _key, bnode = self.raw_blocks[name]
        self.blocks[name] = self.text(bpath, bnode)
        self.expanding.discard(name)
        return self.blocks[name]


def _text_as_expression(text: str) -> str:
    """'Hello, {name}!' -> "'Hello, ' + str(name) + '!'" for a text definition."""
    parts, pos = [], 0
    for match in re.finditer(r"\{([^{}]*)\}", text):
        if match.start() > pos:
            parts.append(repr(text[pos:match.start()]))
        parts.append(f"str({match.group(1)})")
        pos = match.end()
    if pos < len(text) or not parts:
        parts.append(repr(text[pos:]))
    return " + ".join(parts)


def _paragraphs(text: str) -> list[str]:
    out: list[str] = []
    for chunk in re.split(r"\n[ \t]*\n", text.strip()):
        para = " ".join(line.strip() for line in chunk.splitlines() if line.strip())
        if para:
            out.append(para)
    return out


def _type_name(value: object) -> str:
    return {bool: "bool", int: "int", str: "str"}.get(type(value), "?")


def _kind(node: yaml.Node | None) -> str:
    if isinstance(node, yaml.MappingNode):
        return "a mapping"
    if isinstance(node, yaml.SequenceNode):
        return "a list"
    if node is None:
        return "nothing"
    return f"{node.value!r}" if node.value else "an empty value"


def _loc(node: yaml.Node) -> Loc:
    return [node.start_mark.line + 1, node.start_mark.column + 1]


def _position(where: Where, offset: int = 0) -> tuple[int, int]:
    """(line, column), 1-based, of a node or mark plus a column offset."""
    if where is None:
        return 1, 1
    mark: Any = getattr(where, "start_mark", where)  # libyaml's marks are a class of their own
    return mark.line + 1, mark.column + 1 + offset


def _pitfall(problem: str, text: str, mark: Any) -> str:
    """Plain words, and the fix, for the YAML mistakes prose writers make most."""
    lines = text.splitlines()
    line = lines[mark.line] if mark is not None and 0 <= mark.line < len(lines) else ""
    value = line.split(": ", 1)[-1].lstrip("- ").lstrip() if ": " in line else line.strip().lstrip("- ").lstrip()
    if "\t" in line[:len(line) - len(line.lstrip())] or "'\\t'" in problem or "tab" in problem:
        return " (a tab character: YAML indents with spaces only)"
    if "mapping values are not allowed" in problem:
        return (" (a ': ' inside unquoted text starts a new key: quote the text, or write it as a "
                "| block on the lines below)")
    if value.startswith("'") and value.count("'") > 2:
        return (" (an apostrophe inside '...' ends the text: write it twice, as in 'don''t', or quote "
                "with \"...\", or use a | block)")
    if value.startswith('"') and not value.rstrip().endswith('"'):
        return (" (text that starts with a quote must end with it: to begin a line with dialogue, quote "
                "the whole line in '...', or use a | block)")
    if value.startswith(("{", "[")):
        return (" (a line that starts with { or [ is read as a mapping or a list: quote the whole line "
                "to show it as text, or use a | block)")
    return ""


class _Mark:
    """A place in a file (0-based), for mistakes found inside a multi-line text."""

    def __init__(self, line: int, column: int):
        self.line, self.column = line, column


def _offset(node: yaml.Node, index: int) -> int:
    """Column offset of character `index` of a scalar's text, where that is knowable."""
    if not isinstance(node, yaml.ScalarNode) or "\n" in node.value:
        return 0
    if node.style in (None, "") and node.end_mark.line == node.start_mark.line:
        return index
    if node.style in ("'", '"') and node.end_mark.line == node.start_mark.line:
        return index + 1
    return 0
