"""The loaded story: immutable, built from its JSON-friendly compiled form.

The loader turns YAML into the compiled form (a plain dict of lists, strings,
numbers and expression trees) and the cache stores exactly that dict; `Story`
compiles it once into closures so play never re-reads a tree.
"""
from __future__ import annotations

from collections import namedtuple
from types import MappingProxyType

from .expr import compile_tree

FORMAT = 1  # version of the compiled form; part of the cache key


class Line(namedtuple("Line", "text speaker", defaults=(None,))):
    """A rendered paragraph: its text and who says it (None for narration)."""

    __slots__ = ()


def compile_template(parts):
    """A template is a list of str and expression trees; return a renderer."""
    if all(isinstance(p, str) for p in parts):
        text = "".join(parts)
        return lambda v, n: text
    funcs = [p if isinstance(p, str) else compile_tree(p) for p in parts]

    def render(v, n):
        out = []
        for f in funcs:
            if f.__class__ is str:
                out.append(f)
            else:
                value = f(v, n)
                out.append(("true" if value else "false") if value is True or value is False else str(value))
        return "".join(out)
    return render


def compile_text(items):
    """Compile text items into a function (vars, visits, out) appending Lines."""
    steps = []
    for item in items:
        if "if" in item:
            cond = compile_tree(item["if"])
            then = compile_text(item["then"])
            other = compile_text(item.get("else", []))
            steps.append(lambda v, n, out, c=cond, t=then, o=other: t(v, n, out) if c(v, n) else o(v, n, out))
        else:
            tmpl, speaker = compile_template(item["t"]), item.get("speaker")
            steps.append(lambda v, n, out, f=tmpl, s=speaker: out.append(Line(f(v, n), s)))

    def run(v, n, out):
        for step in steps:
            step(v, n, out)
    return run


def compile_effects(effects, variables):
    """Compile [kind, name, tree, loc] effects into one function mutating vars."""
    if not effects:
        return None
    steps = []
    for kind, name, tree, _loc in effects:
        spec = variables[name]
        lo, hi = spec.get("min"), spec.get("max")
        if kind == "toggle":
            steps.append(lambda v, n, k=name: v.__setitem__(k, not v[k]))
            continue
        f = compile_tree(tree)
        if kind == "set":
            if spec["type"] == "int":
                steps.append(lambda v, n, k=name, f=f, lo=lo, hi=hi: v.__setitem__(k, _clamp(f(v, n), lo, hi)))
            else:
                steps.append(lambda v, n, k=name, f=f: v.__setitem__(k, f(v, n)))
        else:
            sign = 1 if kind == "add" else -1
            steps.append(lambda v, n, k=name, f=f, s=sign, lo=lo, hi=hi:
                         v.__setitem__(k, _clamp(v[k] + s * f(v, n), lo, hi)))
    if len(steps) == 1:
        return steps[0]

    def run(v, n):
        for step in steps:
            step(v, n)
    return run


def _clamp(value, lo, hi):
    if lo is not None and value < lo:
        return lo
    if hi is not None and value > hi:
        return hi
    return value


class Choice:
    __slots__ = ("id", "key", "scene", "text", "target", "cond", "effects", "once", "fallback", "data")

    def __init__(self, scene_id, data, variables):
        self.id = data["id"]
        self.key = f"{scene_id}/{self.id}"
        self.scene = scene_id
        self.text = compile_template(data["text"])
        self.target = data["goto"]
        self.cond = compile_tree(data["if"]) if data.get("if") is not None else None
        self.effects = compile_effects(data.get("do"), variables)
        self.once = bool(data.get("once"))
        self.fallback = bool(data.get("fallback"))
        self.data = data


class Scene:
    __slots__ = ("id", "title", "chapter", "file", "loc", "ending", "render", "effects", "choices",
                 "has_fallback", "data")

    def __init__(self, scene_id, data, variables):
        self.id = scene_id
        self.title = data.get("title") or scene_id.replace("_", " ").capitalize()
        self.chapter = data.get("chapter")
        self.file = data.get("file", "")
        self.loc = tuple(data.get("loc", (1, 1)))
        self.ending = bool(data.get("ending"))
        self.render = compile_text(data.get("text", []))
        self.effects = compile_effects(data.get("do"), variables)
        self.choices = tuple(Choice(scene_id, c, variables) for c in data.get("choices", []))
        self.has_fallback = any(c.fallback for c in self.choices)
        self.data = data


class _Scenes(dict):
    """Scene id -> Scene, each compiled the first time it is asked for: a big
    story starts as fast as its JSON loads, and pays only for scenes played.
    A dict underneath, so a scene already built is found at C speed."""

    def __init__(self, data, variables):
        super().__init__()
        self._data, self._variables = data, variables

    def __missing__(self, sid):
        if sid not in self._data:
            raise KeyError(sid)
        scene = Scene(sid, self._data[sid], self._variables)
        dict.__setitem__(self, sid, scene)
        return scene

    def _all(self):
        if dict.__len__(self) < len(self._data):
            for sid in self._data:
                self[sid]
        return self

    def get(self, sid, default=None):
        return self[sid] if sid in self._data else default

    def __contains__(self, sid):
        return sid in self._data

    def __iter__(self):
        return iter(self._data)

    def __len__(self):
        return len(self._data)

    def keys(self):
        return self._data.keys()

    def values(self):
        return [self[sid] for sid in self._data]

    def items(self):
        return [(sid, self[sid]) for sid in self._data]

    def __setitem__(self, key, value):
        raise TypeError("a story's scenes cannot be changed")


class Story:
    """An immutable story. Build it with `adventure.load_story(path)`."""

    def __init__(self, compiled: dict):
        self.compiled = compiled
        self.id = compiled["id"]
        self.title = compiled["title"]
        self.subtitle = compiled.get("subtitle", "")
        self.version = compiled["version"]
        self.start = compiled["start"]
        self.fingerprint = compiled.get("fingerprint", "")
        self.root = compiled.get("root", "")
        self.variables = MappingProxyType(compiled["variables"])
        self.speakers = MappingProxyType(compiled.get("speakers", {}))
        self.scenes = _Scenes(compiled["scenes"], compiled["variables"])
        self.defaults = {name: spec["default"] for name, spec in compiled["variables"].items()}
        self.files = list(compiled.get("files", []))

    def __repr__(self):
        return f"<Story {self.id!r} v{self.version}: {len(self.scenes)} scenes>"
