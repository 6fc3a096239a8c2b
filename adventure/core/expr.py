"""Expression trees: the story expression language after parsing.

`adventure.syntax` parses source text into these trees (JSON-friendly lists);
here they are walked: compiled into nested closures, searched for the names
they read, and printed back. Nothing is ever passed to eval or exec.

Tree forms:
    ["c", value]            literal (bool, int, str)
    ["v", name]             a declared variable
    ["visited", scene_id]   visit count of a scene
    ["not", x]  ["neg", x]
    ["and", x, y, ...]  ["or", x, y, ...]
    ["+", a, b]  ["-", a, b]  ["*", a, b]  ["//", a, b]  ["%", a, b]
    ["min", a, b, ...]  ["max", a, b, ...]  ["abs", a]
    ["call", name, arg, ...]  a host function the manifest declares
    ["seq", kind, part, [alt, ...]]   text variation: kind "stop" | "cycle" | "once" | "shuffle";
                            each alt a template (list of str and trees); indexed by the visit
                            count of the scene part it is in
    ["random", lo, hi, part, site]    a seeded draw from lo to hi (effects only)
    ["cmp", a, op, b, op, c, ...]
    ["if", cond, then, else]
"""
from __future__ import annotations

import operator
from collections.abc import Callable, Mapping
from typing import Any, Protocol

from .errors import EvaluationError
from .types import Evaluator, HostFunction, Tree, Visits, Vars

BOOL, INT, STR = "bool", "int", "str"
INT_LIMIT = 10**15  # no int a story holds may pass this, so no number grows without bound
MAX_STR = 10_000    # characters in a str variable
MAX_DEPTH = 32      # nesting of an expression tree, so walking one never nears Python's stack limit

_TYPES = {bool: BOOL, int: INT, str: STR}
_CMP_FUNCS: dict[str, Callable[[Any, Any], bool]] = {
    "==": operator.eq, "!=": operator.ne, "<": operator.lt,
    "<=": operator.le, ">": operator.gt, ">=": operator.ge,
}


def type_of_value(value: object) -> str | None:
    return _TYPES.get(type(value))


# -- walking ------------------------------------------------------------------
def names(tree: Tree, out: set[str] | None = None) -> set[str]:
    """The variable names a tree reads."""
    out = set() if out is None else out
    if tree[0] == "v":
        out.add(tree[1])
    elif tree[0] == "seq":
        for alt in tree[3]:
            for part in alt:
                if isinstance(part, list):
                    names(part, out)
    elif tree[0] not in ("c", "visited"):
        for part in tree[2:] if tree[0] == "call" else tree[1:3] if tree[0] == "random" else tree[1:]:
            if isinstance(part, list):
                names(part, out)
    return out


def visited_scenes(tree: Tree, out: set[str] | None = None, draws: bool = False) -> set[str]:
    """The scene ids a tree asks visited() about (and, with `draws`, those its random draws count)."""
    out = set() if out is None else out
    if tree[0] == "visited":
        out.add(tree[1])
    elif tree[0] in ("seq", "random"):
        if tree[0] == "seq" or draws:  # both read the visit count of their part
            out.add(tree[2] if tree[0] == "seq" else tree[3])
        if tree[0] == "seq":
            for alt in tree[3]:
                for part in alt:
                    if isinstance(part, list):
                        visited_scenes(part, out, draws)
    elif tree[0] not in ("c", "v"):
        for part in tree[2:] if tree[0] == "call" else tree[1:]:
            if isinstance(part, list):
                visited_scenes(part, out, draws)
    return out


def compile_tree(tree: Tree, funcs: Mapping[str, HostFunction] | None = None) -> Evaluator:
    """Turn a tree into a function of (variables, visits); `funcs` holds the bound host functions."""
    kind = tree[0]
    if kind in _ARITH:
        a, b, op = compile_tree(tree[1], funcs), compile_tree(tree[2], funcs), _ARITH[kind]
        return lambda v, n: op(a(v, n), b(v, n))
    if kind in ("min", "max"):
        parts = [compile_tree(t, funcs) for t in tree[1:]]
        pick = min if kind == "min" else max
        return lambda v, n: pick([p(v, n) for p in parts])
    if kind == "abs":
        f = compile_tree(tree[1], funcs)
        return lambda v, n: abs(f(v, n))
    if kind == "call":
        name, args = tree[1], [compile_tree(t, funcs) for t in tree[2:]]
        table = {} if funcs is None else funcs
        return lambda v, n: table[name](*[a(v, n) for a in args])
    if kind == "seq":
        return _variation(tree, funcs)
    if kind == "str":
        f = compile_tree(tree[1], funcs)
        return lambda v, n: _text_of(f(v, n))
    if kind == "random":
        return _draw(tree, funcs)
    if kind == "c":
        value = tree[1]
        return lambda v, n: value
    if kind == "v":
        name = tree[1]
        return lambda v, n: v[name]
    if kind == "visited":
        scene = tree[1]
        return lambda v, n: n.get(scene, 0)
    if kind == "not":
        f = compile_tree(tree[1], funcs)
        return lambda v, n: not f(v, n)
    if kind == "neg":
        f = compile_tree(tree[1], funcs)
        return lambda v, n: -f(v, n)
    if kind in ("and", "or"):
        parts = [compile_tree(t, funcs) for t in tree[1:]]
        if len(parts) == 2:
            a, b = parts
            if kind == "and":
                return lambda v, n: a(v, n) and b(v, n)
            return lambda v, n: a(v, n) or b(v, n)
        if kind == "and":
            return lambda v, n: all(p(v, n) for p in parts)
        return lambda v, n: any(p(v, n) for p in parts)
    if kind in ("+", "-"):
        a, b = compile_tree(tree[1], funcs), compile_tree(tree[2], funcs)
        if kind == "+":
            return lambda v, n: a(v, n) + b(v, n)
        return lambda v, n: a(v, n) - b(v, n)
    if kind == "cmp":
        if len(tree) == 4:
            a, op, b = compile_tree(tree[1], funcs), _CMP_FUNCS[tree[2]], compile_tree(tree[3], funcs)
            if tree[3][0] == "c":
                const = tree[3][1]
                return lambda v, n: op(a(v, n), const)
            return lambda v, n: op(a(v, n), b(v, n))
        operands = [compile_tree(t, funcs) for t in tree[1::2]]
        ops = [_CMP_FUNCS[o] for o in tree[2::2]]

        def chain(v: Vars, n: Visits) -> bool:
            left = operands[0](v, n)
            for op, f in zip(ops, operands[1:]):
                right = f(v, n)
                if not op(left, right):
                    return False
                left = right
            return True
        return chain
    if kind == "if":
        c, a, b = (compile_tree(t, funcs) for t in tree[1:])
        return lambda v, n: a(v, n) if c(v, n) else b(v, n)
    raise ValueError(f"unknown expression node {kind!r}")


def source_of(tree: Tree) -> str:
    """Readable text of a tree, for graphs and messages."""
    kind = tree[0]
    if kind == "c":
        value = tree[1]
        return ("true" if value else "false") if isinstance(value, bool) else repr(value)
    if kind == "v":
        name: str = tree[1]
        return name
    if kind == "visited":
        return f"visited({tree[1]!r})"
    if kind == "not":
        return f"not {source_of(tree[1])}"
    if kind == "neg":
        return f"-{source_of(tree[1])}"
    if kind in ("and", "or"):
        return f" {kind} ".join(_wrap(t) for t in tree[1:])
    if kind in ("+", "-") or kind in _ARITH:
        return f"{_wrap(tree[1])} {kind} {_wrap(tree[2])}"
    if kind == "str":
        return f"str({source_of(tree[1])})"
    if kind in ("min", "max", "abs"):
        return f"{kind}({', '.join(source_of(t) for t in tree[1:])})"
    if kind == "call":
        return f"{tree[1]}({', '.join(source_of(t) for t in tree[2:])})"
    if kind == "seq":
        return "{" + "|".join("".join(p if isinstance(p, str) else "{" + source_of(p) + "}" for p in alt)
                              for alt in tree[3]) + "}"
    if kind == "random":
        return f"random({source_of(tree[1])}, {source_of(tree[2])})"
    if kind == "cmp":
        return " ".join(source_of(p) if isinstance(p, list) else p for p in tree[1:])
    if kind == "if":
        return f"{source_of(tree[2])} if {source_of(tree[1])} else {source_of(tree[3])}"
    return "?"


def _wrap(tree: Tree) -> str:
    text = source_of(tree)
    return f"({text})" if tree[0] in ("and", "or", "if", "+", "-") else text


class Picks(Protocol):
    """What the explorer puts among the visit counts as "#draws" (`engine._Draws`): the
    outcome of each random draw, in turn, so that every outcome is followed."""

    def take(self, span: int) -> int: ...


def _variation(tree: Tree, funcs: Mapping[str, HostFunction] | None) -> Evaluator:
    from .model import compile_template  # the alternatives are templates; model imports this module

    _, how, part, alts = tree
    renders = [compile_template(alt, lambda t: compile_tree(t, funcs)) for alt in alts]
    last = len(renders) - 1
    site = stable_hash(part)

    def render(v: Vars, n: Visits) -> str:
        seen = n.get(part, 1) - 1  # this visit's number, from 0
        if how == "cycle":
            i = seen % len(renders)
        elif how == "once":
            if seen > last:
                return ""
            i = seen
        elif how == "shuffle":  # dealt like cards: each alternative once in every round
            i = _dealt(n.get("#seed", 0), site, seen, len(renders))
        else:
            i = min(seen, last)
        return renders[i](v, n)
    return render


def _draw(tree: Tree, funcs: Mapping[str, HostFunction] | None) -> Evaluator:
    lo, hi = compile_tree(tree[1], funcs), compile_tree(tree[2], funcs)
    part, site = tree[3], stable_hash(f"{tree[3]}#{tree[4]}")

    def draw(v: Vars, n: Visits) -> int:
        low: int  # random()'s arguments were parsed as ints
        high: int
        low, high = lo(v, n), hi(v, n)
        if high < low:
            raise EvaluationError(f"random({low}, {high}): the second number is smaller than the first")
        span = high - low + 1
        forced: Picks | None = n.get("#draws")  # type: ignore[assignment]  # not a count: see Picks
        if forced is not None:  # the explorer: every outcome of this draw is tried in turn
            return low + forced.take(span)
        return low + mix(n.get("#seed", 0), site, n.get(part, 0)) % span
    return draw


def _text_of(value: object) -> str:
    return ("true" if value else "false") if isinstance(value, bool) else str(value)


def _dealt(seed: int, site: int, seen: int, count: int) -> int:
    """The `seen`-th card of a deck of `count` shuffled anew each round, by the seed."""
    round_, place = divmod(seen, count)
    order = list(range(count))
    for k in range(count - 1, 0, -1):
        j = mix(seed, site, round_ * 64 + k) % (k + 1)
        order[k], order[j] = order[j], order[k]
    return order[place]


def stable_hash(text: str) -> int:
    """A hash of text that is the same in every process (Python's own `hash` is not)."""
    value = 2166136261
    for byte in text.encode("utf-8"):
        value = ((value ^ byte) * 16777619) & 0xFFFFFFFF
    return value


def mix(seed: int, site: int, count: int) -> int:
    """A well-spread number from a game's seed, a place in the story and a visit count."""
    x = (seed * 0x9E3779B97F4A7C15 + site * 0xBF58476D1CE4E5B9 + count * 0x94D049BB133111EB) & 0xFFFFFFFFFFFFFFFF
    x ^= x >> 30
    x = (x * 0xBF58476D1CE4E5B9) & 0xFFFFFFFFFFFFFFFF
    x ^= x >> 27
    x = (x * 0x94D049BB133111EB) & 0xFFFFFFFFFFFFFFFF
    return (x ^ (x >> 31)) >> 1


def _floordiv(a: int, b: int) -> int:
    if b == 0:
        raise EvaluationError("division by zero")
    return a // b


def _mod(a: int, b: int) -> int:
    if b == 0:
        raise EvaluationError("division by zero (in %)")
    # The sign of the dividend, as in ink (and C): -7 % 2 is -1.
    remainder = abs(a) % abs(b)
    return -remainder if a < 0 else remainder


def _mul(a: int, b: int) -> int:
    # Bounded here, before a product of products can grow to millions of digits.
    value = a * b
    if not -INT_LIMIT <= value <= INT_LIMIT:
        raise EvaluationError(f"a product passed the limit of \u00b1{INT_LIMIT:,}")
    return value


_ARITH: dict[str, Callable[[int, int], int]] = {"*": _mul, "//": _floordiv, "%": _mod}
