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
    ["cmp", a, op, b, op, c, ...]
    ["if", cond, then, else]
"""
from __future__ import annotations

import operator
from collections.abc import Callable, Mapping
from typing import Any

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
    elif tree[0] not in ("c", "visited"):
        for part in tree[2:] if tree[0] == "call" else tree[1:]:
            if isinstance(part, list):
                names(part, out)
    return out


def visited_scenes(tree: Tree, out: set[str] | None = None) -> set[str]:
    """The scene ids a tree asks visited() about."""
    out = set() if out is None else out
    if tree[0] == "visited":
        out.add(tree[1])
    elif tree[0] not in ("c", "v"):
        for part in tree[2:] if tree[0] == "call" else tree[1:]:
            if isinstance(part, list):
                visited_scenes(part, out)
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
    if kind in ("min", "max", "abs"):
        return f"{kind}({', '.join(source_of(t) for t in tree[1:])})"
    if kind == "call":
        return f"{tree[1]}({', '.join(source_of(t) for t in tree[2:])})"
    if kind == "cmp":
        return " ".join(source_of(p) if isinstance(p, list) else p for p in tree[1:])
    if kind == "if":
        return f"{source_of(tree[2])} if {source_of(tree[1])} else {source_of(tree[3])}"
    return "?"


def _wrap(tree: Tree) -> str:
    text = source_of(tree)
    return f"({text})" if tree[0] in ("and", "or", "if", "+", "-") else text


def _floordiv(a: int, b: int) -> int:
    if b == 0:
        raise EvaluationError("division by zero")
    return a // b


def _mod(a: int, b: int) -> int:
    if b == 0:
        raise EvaluationError("division by zero (in %)")
    return a % b


def _mul(a: int, b: int) -> int:
    # Bounded here, before a product of products can grow to millions of digits.
    value = a * b
    if not -INT_LIMIT <= value <= INT_LIMIT:
        raise EvaluationError(f"a product passed the limit of \u00b1{INT_LIMIT:,}")
    return value


_ARITH: dict[str, Callable[[int, int], int]] = {"*": _mul, "//": _floordiv, "%": _mod}
