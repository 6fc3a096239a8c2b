"""The loaded story: immutable, built from its JSON-friendly compiled form.

The loader turns YAML into the compiled form (a plain dict of lists, strings,
numbers and expression trees) and the cache stores exactly that dict; `Story`
compiles it once into closures so play never re-reads a tree.
"""
from __future__ import annotations

from collections.abc import Callable, Iterator, KeysView, Mapping
from types import MappingProxyType
from typing import Any, NamedTuple, NoReturn, Union

from .errors import EvaluationError
from .expr import INT_LIMIT, MAX_STR, compile_tree
from .types import (CompiledChoice, CompiledScene, CompiledStory, Effect, Evaluator, FunctionSpec, HostFunction, Tree,
                    SpeakerSpec, Template, TextItem, Value, VariableSpec, Vars, Visits)

FORMAT = 1  # version of the compiled form; part of the cache key


class Line(NamedTuple):
    """A rendered paragraph: its text, who says it (None for narration), the author's tags
    for the host, and glue: "before" (it joins the paragraph before it), "after" (the
    next joins it), "both", or False. `Game.frames` has already joined glued paragraphs."""

    text: str
    speaker: str | None = None
    tags: tuple[str, ...] = ()
    glue: str | bool = False


Funcs = Union[Mapping[str, HostFunction], None]  # the bound host functions, if the story has any
Renderer = Callable[[Vars, Visits], str]
TextRenderer = Callable[[Vars, Visits, list[Line]], None]  # appends the Lines it renders
Step = Callable[[Vars, Visits], None]                      # changes the variables


class Builder:
    """Turns one story's compiled form into closures, sharing what repeats.

    One per story (never module-wide): an expression, a template or a list of
    effects written alike in many scenes is compiled once, keyed by its repr
    (JSON-made lists of str, int, bool and None, so equal reprs are equal trees).
    A static paragraph is one prebuilt Line. That keeps a built story to a few
    objects per scene, which is most of what building it costs once the host's
    garbage collector, left on, walks them.
    """

    def __init__(self, variables: Mapping[str, VariableSpec], funcs: Funcs = None):
        self.variables, self.funcs = variables, funcs
        self._trees: dict[str, Evaluator] = {}
        self._effects: dict[str, Step] = {}
        self._templates: dict[str, Renderer] = {}

    def tree(self, tree: Tree) -> Evaluator:
        key = repr(tree)
        f = self._trees.get(key)
        if f is None:
            f = self._trees[key] = compile_tree(tree, self.funcs)
        return f

    def template(self, parts: Template) -> Renderer | str:
        """A template is a list of str and expression trees: its text if it has no
        expression, else a renderer."""
        if all(isinstance(p, str) for p in parts):
            return "".join(parts)  # type: ignore[arg-type]  # all str, as just checked
        key = repr(parts)
        f = self._templates.get(key)
        if f is None:
            f = self._templates[key] = compile_template(parts, self.tree)
        return f

    def text(self, items: list[TextItem]) -> TextRenderer:
        """Compile text items into a function (vars, visits, out) appending Lines."""
        steps: list[Any] = []  # prebuilt Lines, and lambdas that bind their parts as defaults
        for item in items:
            if "if" in item:
                cond, then = self.tree(item["if"]), self.text(item["then"])
                other = self.text(item["else"]) if item.get("else") else None
                if other is None:
                    steps.append(lambda v, n, out, c=cond, t=then: t(v, n, out) if c(v, n) else None)
                else:
                    steps.append(lambda v, n, out, c=cond, t=then, o=other: t(v, n, out) if c(v, n) else o(v, n, out))
                continue
            tmpl, speaker = self.template(item["t"]), item.get("speaker")
            tags = tuple(item.get("tags", ()))
            glue = _GLUE[bool(item.get("glue")), bool(item.get("glue_next"))]
            if isinstance(tmpl, str):
                steps.append(Line(tmpl, speaker, tags, glue))
            else:
                steps.append(lambda v, n, out, f=tmpl, s=speaker, t=tags, g=glue: out.append(Line(f(v, n), s, t, g)))
        if all(isinstance(step, Line) for step in steps):
            lines = tuple(steps)
            return lambda v, n, out: out.extend(lines)
        if len(steps) == 1:
            return steps[0]  # type: ignore[no-any-return]  # not a Line, as just checked
        plan = tuple(steps)

        def run(v: Vars, n: Visits, out: list[Line]) -> None:
            for step in plan:
                if step.__class__ is Line:
                    out.append(step)
                else:
                    step(v, n, out)
        return run

    def effects(self, effects: list[Effect] | None) -> Step | None:
        if not effects:
            return None
        key = repr([e[:3] for e in effects])
        f = self._effects.get(key)
        if f is None:
            f = self._effects[key] = compile_effects(effects, self.variables, self.tree)
        return f


_GLUE: dict[tuple[bool, bool], str | bool] = {
    (True, True): "both", (True, False): "before", (False, True): "after", (False, False): False}


def compile_template(parts: Template, tree: Callable[[Tree], Evaluator]) -> Renderer:
    """A template is a list of str and expression trees; return a renderer. `tree` compiles
    an expression (a story's Builder shares them)."""
    if all(isinstance(p, str) for p in parts):
        text = "".join(parts)  # type: ignore[arg-type]  # all str, as just checked
        return lambda v, n: text
    compiled = [p if isinstance(p, str) else tree(p) for p in parts]
    exprs = [f for f in compiled if f.__class__ is not str]
    if len(exprs) == 1:  # the common case, "...{x}...": one concatenation, no loop
        at = compiled.index(exprs[0])
        before, after, f = "".join(compiled[:at]), "".join(compiled[at + 1:]), exprs[0]  # type: ignore[arg-type]

        def render_one(v: Vars, n: Visits) -> str:
            value = f(v, n)  # type: ignore[operator]  # not a str: a compiled expression
            return before + (("true" if value else "false") if value is True or value is False else str(value)) + after
        return render_one

    def render(v: Vars, n: Visits) -> str:
        out: list[str] = []
        for f in compiled:
            if f.__class__ is str:
                out.append(f)
            else:
                value = f(v, n)  # type: ignore[operator]  # not a str: a compiled expression
                out.append(("true" if value else "false") if value is True or value is False else str(value))
        return "".join(out)
    return render


def compile_effects(effects: list[Effect], variables: Mapping[str, VariableSpec],
                    tree: Callable[[Tree], Evaluator]) -> Step:
    """Compile [kind, name, tree, loc] effects (at least one) into one function mutating vars.

    Every value assigned is kept within its variable's declaration: an int is
    clamped to its min/max (and must stay within INT_LIMIT), a str must be one
    of its `values` and at most MAX_STR characters; anything else raises
    EvaluationError, which the engine turns into a step that never happened.
    """
    steps: list[Callable[..., None]] = []  # lambdas that bind their parts as defaults
    for kind, name, expr, _loc in effects:
        spec = variables[name]
        if kind == "toggle":
            steps.append(lambda v, n, k=name: v.__setitem__(k, not v[k]))
            continue
        f = tree(expr)
        keep = _keeper(name, spec)
        if kind == "set":
            steps.append(lambda v, n, k=name, f=f, keep=keep: v.__setitem__(k, keep(f(v, n))))
        else:
            sign = 1 if kind == "add" else -1
            steps.append(lambda v, n, k=name, f=f, s=sign, keep=keep: v.__setitem__(k, keep(v[k] + s * f(v, n))))
    if len(steps) == 1:
        return steps[0]

    def run(v: Vars, n: Visits) -> None:
        for step in steps:
            step(v, n)
    return run


def _keeper(name: str, spec: VariableSpec) -> Callable[[Any], Value]:
    """A function that returns a value fit for the variable, or raises EvaluationError."""
    if spec["type"] == "int":
        lo, hi = spec.get("min", -INT_LIMIT), spec.get("max", INT_LIMIT)

        def keep_int(value: int) -> int:
            if lo <= value <= hi:
                return value
            if "min" in spec and value < lo:
                return lo
            if "max" in spec and value > hi:
                return hi
            raise EvaluationError(f"{name} would become {_short(value)}, outside the limit of "
                                  f"\u00b1{INT_LIMIT:,} (declare a min and max to clamp it)")
        return keep_int
    if spec["type"] == "str":
        values = frozenset(spec["values"]) if "values" in spec else None

        def keep_str(value: str) -> str:
            if values is not None and value not in values:
                raise EvaluationError(f"{name} cannot be {_short(value)}: it is one of {', '.join(sorted(values))}")
            if len(value) > MAX_STR:
                raise EvaluationError(f"{name} would hold {len(value):,} characters; the limit is {MAX_STR:,}")
            return value
        return keep_str
    return lambda value: value


def _short(value: Value) -> str:
    text = repr(value) if isinstance(value, str) else (str(value) if abs(value) < 10**30 else "a huge number")
    return text if len(text) <= 40 else text[:37] + "..."


def fits(spec: VariableSpec, value: Any) -> str | None:
    """Why `value` cannot be held by a variable declared as `spec`, or None if it can."""
    if type(value).__name__ != spec["type"]:
        return f"should be a {spec['type']}"
    if spec["type"] == "int":
        lo, hi = spec.get("min", -INT_LIMIT), spec.get("max", INT_LIMIT)
        if not lo <= value <= hi:
            return f"should be from {lo} to {hi}"
    if spec["type"] == "str":
        if "values" in spec and value not in spec["values"]:
            return f"should be one of {', '.join(spec['values'])}"
        if len(value) > MAX_STR:
            return f"should be at most {MAX_STR:,} characters"
    return None


class Choice:
    __slots__ = ("id", "key", "scene", "text", "target", "cond", "effects", "once", "fallback", "call", "ret",
                 "tags")

    def __init__(self, scene_id: str, data: CompiledChoice, build: Builder):
        self.id = data["id"]
        self.key = f"{scene_id}/{self.id}"
        self.scene = scene_id
        self.text = build.template(data["text"])  # its text, or a renderer if it reads expressions
        self.target = data["goto"]
        self.cond = build.tree(data["if"]) if data.get("if") is not None else None
        self.effects = build.effects(data.get("do"))
        self.once = bool(data.get("once"))
        self.fallback = bool(data.get("fallback"))
        self.call = data.get("call")       # a tunnel: go to `target`, and come back here when it returns
        self.ret = bool(data.get("ret"))   # the end of a tunnel: back to where it was called
        self.tags = tuple(data.get("tags", ()))


class Scene:
    __slots__ = ("id", "title", "chapter", "file", "loc", "ending", "render", "effects", "choices",
                 "has_fallback", "tags", "part_of", "shuffle", "glued")

    def __init__(self, scene_id: str, data: CompiledScene, build: Builder):
        self.id = scene_id
        self.title = data.get("title") or (scene_id if data.get("part_of") else scene_id).split(".")[0].replace(
            "_", " ").capitalize()
        self.chapter = data.get("chapter")
        self.file = data.get("file", "")
        self.loc = tuple(data.get("loc", (1, 1)))
        self.ending = bool(data.get("ending"))
        self.render = build.text(data.get("text", []))
        self.effects = build.effects(data.get("do"))
        self.choices = tuple(Choice(scene_id, c, build) for c in data.get("choices", []))
        self.has_fallback = any(c.fallback for c in self.choices)
        self.tags = tuple(data.get("tags", ()))
        self.part_of = data.get("part_of")  # the scene a format-2 part belongs to
        self.shuffle = bool(data.get("shuffle"))  # its menu in an order drawn from the seed
        self.glued = _has_glue(data.get("text", []))  # so the engine looks for glue only where there is some


def _has_glue(items: list[TextItem]) -> bool:
    return any(_has_glue(item["then"]) or _has_glue(item.get("else", [])) if "if" in item
               else bool(item.get("glue") or item.get("glue_next")) for item in items)


def _read_only(self: object, *args: object, **kwargs: object) -> NoReturn:
    raise TypeError("a story's scenes cannot be changed")


class Scenes(dict[str, "Scene"]):
    """Scene id -> Scene, read-only, each compiled the first time it is asked for: a
    big story starts as fast as its compiled form loads, and pays only for scenes played.
    A dict underneath (with every way to change it closed) so that a scene already
    built is found at C speed."""

    def __init__(self, data: Mapping[str, CompiledScene], variables: Mapping[str, VariableSpec], funcs: Funcs):
        super().__init__()
        self._data, self._build = data, Builder(variables, funcs)

    def __missing__(self, sid: str) -> Scene:
        if sid not in self._data:
            raise KeyError(sid)
        scene = Scene(sid, self._data[sid], self._build)
        dict.__setitem__(self, sid, scene)
        return scene

    def get(self, sid: str, default: Scene | None = None) -> Scene | None:  # type: ignore[override]
        return self[sid] if sid in self._data else default

    def __contains__(self, sid: object) -> bool:
        return sid in self._data

    def __iter__(self) -> Iterator[str]:
        return iter(self._data)

    def __len__(self) -> int:
        return len(self._data)

    def __eq__(self, other: object) -> bool:
        return self is other

    __hash__ = object.__hash__  # type: ignore[assignment]

    def keys(self) -> KeysView[str]:  # type: ignore[override]
        return self._data.keys()

    def values(self) -> list[Scene]:  # type: ignore[override]
        return [self[sid] for sid in self._data]

    def items(self) -> list[tuple[str, Scene]]:  # type: ignore[override]
        return [(sid, self[sid]) for sid in self._data]

    def build_all(self) -> None:
        """Compile every scene now, for hosts that would rather pay at load than in play."""
        for sid in self._data:
            self[sid]

    __setitem__ = __delitem__ = update = setdefault = pop = popitem = clear = __ior__ = _read_only
    copy = _read_only


class Story:
    """An immutable story: build it with `adventure.build()` or `adventure.open_story()`.

    `functions` binds the host functions the manifest declares (name -> callable);
    each is called with the declared argument types and must return the declared type.
    """

    def __init__(self, compiled: CompiledStory, functions: Mapping[str, Callable[..., Any]] | None = None):
        self.compiled = compiled
        self.id = compiled["id"]
        self.title = compiled["title"]
        self.subtitle = compiled.get("subtitle", "")
        self.version = compiled["version"]
        self.start = compiled["start"]
        self.fingerprint = compiled.get("fingerprint", "")
        self.variables = MappingProxyType(compiled["variables"])
        self.speakers = MappingProxyType(compiled.get("speakers", {}))
        self.functions = MappingProxyType(compiled.get("functions", {}))
        self._funcs = bind_functions(self.functions, functions or {})
        self.scenes = Scenes(compiled["scenes"], compiled["variables"], self._funcs)
        self.defaults = MappingProxyType({name: spec["default"] for name, spec in compiled["variables"].items()})
        self._asked: frozenset[str] | None = None
        self.draws = bool(compiled.get("draws"))  # some effect draws random numbers

    @property
    def asked(self) -> frozenset[str]:
        """The scenes whose visit counts anything in the story reads (`visited()`)."""
        if self._asked is None:
            from .walk import visited_anywhere

            self._asked = frozenset(visited_anywhere(self.compiled))
        return self._asked

    def __repr__(self) -> str:
        return f"<Story {self.id!r} v{self.version}: {len(self.scenes)} scenes>"


def bind_functions(declared: Mapping[str, FunctionSpec],
                   given: Mapping[str, Callable[..., Any]]) -> dict[str, HostFunction]:
    """Wrap each host function so a wrong return type is an EvaluationError, never a crash.

    Raises StoryError-free ValueError listing what is missing or not callable; the
    builder turns that into diagnostics.
    """
    missing = [name for name in declared if not callable(given.get(name))]
    if missing:
        raise MissingFunctions(missing)
    out: dict[str, HostFunction] = {}
    for name, spec in declared.items():
        out[name] = _guarded(name, given[name], spec["returns"])
    return out


class MissingFunctions(Exception):
    def __init__(self, names: list[str]):
        self.names = names
        super().__init__(", ".join(names))


def _guarded(name: str, fn: Callable[..., Any], returns: str) -> HostFunction:
    want: type[Any] = {"bool": bool, "int": int, "str": str}[returns]

    def call(*args: Value) -> Value:
        try:
            value: Any = fn(*args)  # the host's: checked below before the story sees it
        except Exception as exc:  # the host's code: whatever it raises becomes one line
            raise EvaluationError(f"host function {name} failed: {type(exc).__name__}: {exc}") from None
        if type(value) is not want:
            raise EvaluationError(f"host function {name} returned {type(value).__name__}, not {returns}")
        if want is int and not -INT_LIMIT <= value <= INT_LIMIT:
            raise EvaluationError(f"host function {name} returned a number outside \u00b1{INT_LIMIT:,}")
        if want is str and len(value) > MAX_STR:
            raise EvaluationError(f"host function {name} returned more than {MAX_STR:,} characters")
        return value  # type: ignore[no-any-return]  # of the declared type, as checked
    return call
