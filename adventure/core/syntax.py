"""Parsing the story expression language: source text to checked trees.

Source is parsed with the stdlib `ast` and only a whitelist of node kinds is
accepted; each becomes a small JSON-friendly tree (see `adventure.expr`),
typed against the story's declared variables. Used when a story is compiled,
never during play.
"""
from __future__ import annotations

import ast
import re
from collections.abc import Callable, Collection, Mapping
from typing import Any, Literal, TypedDict, TypeVar, overload

from .expr import BOOL, INT, INT_LIMIT, MAX_DEPTH, MAX_STR, STR, type_of_value
from .types import FunctionSpec, Tree, Value

MAX_SOURCE = 2000  # characters; longer expressions are refused, not parsed

_CMP_OPS = {
    ast.Eq: "==", ast.NotEq: "!=", ast.Lt: "<", ast.LtE: "<=", ast.Gt: ">", ast.GtE: ">=",
}
_NAME_RE = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")

_T = TypeVar("_T")
Typed = tuple[Tree, str]  # a tree and its type ("bool", "int" or "str")
Params = list[tuple[str, str]]  # a definition's parameters: (name, type), in order


class Definition(TypedDict):
    """A named expression (see `Parser.define`): its body holds ["p", name] where a parameter goes."""

    params: Params
    tree: Tree
    type: str


class ExprError(Exception):
    """A problem in one expression; `offset` is the column within the source."""

    def __init__(self, message: str, offset: int = 0, code: str = "E014"):
        super().__init__(message)
        self.message = message
        self.offset = offset
        self.code = code


class Parser:
    """Parses expressions against a story's declared variables and scene ids."""

    def __init__(self, var_types: dict[str, str], scene_ids: Collection[str],
                 var_values: dict[str, list[str]] | None = None,
                 functions: Mapping[str, FunctionSpec] | None = None,
                 ranges: dict[str, tuple[int | None, int | None]] | None = None):
        self.var_types = var_types
        self.scene_ids = scene_ids
        self.var_values = var_values or {}  # str variables limited to a set of values
        self.functions = functions or {}    # host functions: name -> {"params": [types], "returns": type}
        self.ranges = ranges or {}          # int variables with bounds: name -> (min or None, max or None)
        self._in_effect = False             # random() may only be drawn in an effect
        self.defines: dict[str, Definition | None] = {}  # name -> its definition; None while being parsed
        self._scope: list[dict[str, str]] = []  # parameters in force while a definition's body is parsed
        self._memo: dict[tuple[str | None, ...], Any] = {}  # stories repeat the same few expressions thousands of times

    # -- entry points -------------------------------------------------------
    def expression(self, source: str, want: str | None = None) -> Typed:
        """Parse `source`; return (tree, type). Raise ExprError if it does not fit."""
        return self._remembered(("e", source, want), lambda: self._expression(source, want))

    def effect(self, source: str) -> tuple[str, str, Tree | None]:
        """Parse one effect; return (kind, name, tree) with kind set/add/sub/toggle."""
        self._in_effect = True
        try:
            return self._remembered(("f", source), lambda: self._effect(source))
        finally:
            self._in_effect = False

    def define(self, name: str, params: Params, source: str, want: str | None = None) -> None:
        """Parse a definition's body once; a call of `name` is then replaced by the body with its
        arguments in place of its parameters. Raise ExprError for a body that does not fit."""
        if name in self.defines:
            raise ExprError(f"{name} is defined twice", 0, "E010")
        self.defines[name] = None  # a call inside its own body is recursion: refused below
        self._scope.append(dict(params))
        try:
            tree, typ = self._expression(source, want)
        finally:
            self._scope.pop()
        self.defines[name] = {"params": params, "tree": tree, "type": typ}

    def _remembered(self, key: tuple[str | None, ...], parse: Callable[[], _T]) -> _T:
        """Parse once per distinct source; a remembered failure is raised afresh each time."""
        if key not in self._memo:
            try:
                self._memo[key] = parse()
            except ExprError as exc:
                self._memo[key] = exc
        result: _T | ExprError = self._memo[key]
        if isinstance(result, ExprError):
            raise ExprError(result.message, result.offset, result.code)
        return result

    def _expression(self, source: str, want: str | None = None) -> Typed:
        node = _parse(source, "eval").body
        tree, typ = self._node(node)
        _bounded(tree)
        if want is not None and typ != want:
            raise ExprError(f"expected a {want} expression, got {typ}: {source.strip()!r}",
                            node.col_offset, "E016")
        return tree, typ

    def _effect(self, source: str) -> tuple[str, str, Tree | None]:
        text = source.strip()
        if text.startswith("toggle ") or text == "toggle":
            name = text[len("toggle"):].strip()
            self._declared(name, source.find(name) if name else 0)
            if self.var_types[name] != BOOL:
                raise ExprError(f"toggle needs a bool variable; {name} is {self.var_types[name]}",
                                source.find(name), "E016")
            return "toggle", name, None
        module = _parse(source, "exec")
        if len(module.body) != 1 or not isinstance(module.body[0], (ast.Assign, ast.AugAssign)):
            raise ExprError("an effect is `name = value`, `name += n`, `name -= n` or `toggle name`")
        stmt = module.body[0]
        if isinstance(stmt, ast.Assign):
            if len(stmt.targets) != 1 or not isinstance(stmt.targets[0], ast.Name):
                raise ExprError("assign to one variable name", stmt.col_offset)
            target, kind = stmt.targets[0], "set"
        else:
            if not isinstance(stmt.target, ast.Name):
                raise ExprError("assign to one variable name", stmt.col_offset)
            ops = {ast.Add: "add", ast.Sub: "sub"}
            if type(stmt.op) not in ops:
                raise ExprError("only += and -= are allowed", stmt.col_offset)
            target, kind = stmt.target, ops[type(stmt.op)]
        name = target.id
        self._declared(name, target.col_offset)
        tree, typ = self._node(stmt.value)
        _bounded(tree)
        vtype = self.var_types[name]
        if kind != "set" and vtype != INT:
            raise ExprError(f"{name} is a {vtype}; += and -= need an int", target.col_offset, "E016")
        if typ != vtype:
            raise ExprError(f"{name} is a {vtype} but the value is a {typ}", stmt.value.col_offset, "E016")
        if kind == "set" and tree[0] == "c":
            self._check_value(name, tree[1], stmt.value.col_offset)
        return kind, name, tree

    # -- nodes ---------------------------------------------------------------
    def _declared(self, name: str, offset: int) -> None:
        if not _NAME_RE.match(name or ""):
            raise ExprError(f"not a variable name: {name!r}", offset)
        if name not in self.var_types:
            raise ExprError(f"undeclared variable {name!r}", offset, "E013")

    def _check_value(self, name: str, value: Value, offset: int) -> None:
        lo, hi = self.ranges.get(name, (None, None))
        if type(value) is int and ((lo is not None and value < lo) or (hi is not None and value > hi)):
            raise ExprError(f"{value} is outside the range of {name} ({'' if lo is None else lo}.."
                            f"{'' if hi is None else hi})", offset, "E019")
        allowed = self.var_values.get(name)
        if allowed is not None and value not in allowed:
            raise ExprError(f"{value!r} is not one of the values of {name} ({', '.join(allowed)})",
                            offset, "E019")

    def _node(self, node: ast.AST) -> Typed:
        method: Callable[[ast.AST], Typed] | None = getattr(self, "_" + type(node).__name__, None)
        if method is None:
            raise ExprError(f"{_describe(node)} is not allowed in a story expression",
                            getattr(node, "col_offset", 0))
        return method(node)

    def _Constant(self, node: ast.Constant) -> Typed:
        typ = type_of_value(node.value)
        if typ is None:
            raise ExprError(f"{_short(node.value)} is not a bool, int or str literal", node.col_offset)
        if isinstance(node.value, int) and not -INT_LIMIT <= node.value <= INT_LIMIT:
            raise ExprError(f"numbers in a story are limited to \u00b1{INT_LIMIT:,}", node.col_offset, "E030")
        if isinstance(node.value, str) and len(node.value) > MAX_STR:
            raise ExprError(f"text in an expression is limited to {MAX_STR:,} characters", node.col_offset, "E030")
        return ["c", node.value], typ

    def _Name(self, node: ast.Name) -> Typed:
        if self._scope and node.id in self._scope[-1]:
            return ["p", node.id], self._scope[-1][node.id]
        if node.id in ("true", "True"):
            return ["c", True], BOOL
        if node.id in ("false", "False"):
            return ["c", False], BOOL
        self._declared(node.id, node.col_offset)
        return ["v", node.id], self.var_types[node.id]

    def _Call(self, node: ast.Call) -> Typed:
        if not isinstance(node.func, ast.Name):
            raise ExprError("only visited('scene'), min, max, abs and the story's functions may be called",
                            node.col_offset, "E015")
        name = node.func.id
        if node.keywords:
            raise ExprError(f"{name}() takes no keyword arguments", node.col_offset, "E015")
        if name == "visited":
            return self._visited(node)
        if name == "random":
            if not self._in_effect:
                raise ExprError("random() is drawn in an effect (do: roll = random(1, 6)); for varied text "
                                "use {~a|b|c}", node.col_offset, "E015")
            args = [self._node(a) for a in node.args]
            if len(args) != 2:
                raise ExprError("random() takes two ints: the lowest and the highest", node.col_offset, "E015")
            for (tree, typ), arg in zip(args, node.args):
                self._want(typ, INT, arg, "random()")
            return ["random", args[0][0], args[1][0]], INT
        if name == "str":
            if len(node.args) != 1:
                raise ExprError("str() takes one value", node.col_offset, "E015")
            tree, typ = self._node(node.args[0])
            return (tree, STR) if typ == STR else (["str", tree], STR)
        if name in ("min", "max", "abs"):
            args = [self._node(a) for a in node.args]
            if (name == "abs") != (len(args) == 1) or (name != "abs" and len(args) < 2):
                raise ExprError(f"{name}() takes {'one int' if name == 'abs' else 'two or more ints'}",
                                node.col_offset, "E015")
            for (tree, typ), arg in zip(args, node.args):
                self._want(typ, INT, arg, f"{name}()")
            return [name, *(t for t, _ in args)], INT
        if name in self.defines:
            return self._expand(name, node)
        spec = self.functions.get(name)
        if spec is None:
            known = ", ".join(["visited", "min", "max", "abs", "random", *sorted(self.functions)])
            raise ExprError(f"unknown function {name!r} (there are {known})", node.col_offset, "E015")
        params = spec["params"]
        if len(node.args) != len(params):
            raise ExprError(f"{name}() takes {len(params)} argument{'s' * (len(params) != 1)}, "
                            f"not {len(node.args)}", node.col_offset, "E015")
        trees = []
        for arg, want in zip(node.args, params):
            tree, typ = self._node(arg)
            self._want(typ, want, arg, f"{name}()")
            trees.append(tree)
        return ["call", name, *trees], spec["returns"]

    def _expand(self, name: str, node: ast.Call) -> Typed:
        define = self.defines[name]
        if define is None:
            raise ExprError(f"{name} calls itself; definitions cannot recurse", node.col_offset, "E015")
        params = define["params"]
        if len(node.args) != len(params):
            raise ExprError(f"{name}() takes {len(params)} argument{'s' * (len(params) != 1)}, "
                            f"not {len(node.args)}", node.col_offset, "E015")
        given: dict[str, Tree] = {}
        for arg, (pname, ptype) in zip(node.args, params):
            tree, typ = self._node(arg)
            self._want(typ, ptype, arg, f"{name}()")
            given[pname] = tree
        return _substitute(define["tree"], given), define["type"]

    def _visited(self, node: ast.Call) -> Typed:
        args = node.args
        if len(args) != 1 or not (isinstance(args[0], ast.Constant) and isinstance(args[0].value, str)):
            raise ExprError("visited() takes one scene id in quotes", node.col_offset, "E015")
        scene = args[0].value
        if scene not in self.scene_ids:
            raise ExprError(f"visited() names an unknown scene {scene!r}", args[0].col_offset, "E017")
        return ["visited", scene], INT

    def _UnaryOp(self, node: ast.UnaryOp) -> Typed:
        tree, typ = self._node(node.operand)
        if isinstance(node.op, ast.Not):
            self._want(typ, BOOL, node, "not")
            return ["not", tree], BOOL
        if isinstance(node.op, (ast.USub, ast.UAdd)):
            self._want(typ, INT, node, "unary minus")
            if isinstance(node.op, ast.UAdd):
                return tree, INT
            if tree[0] == "c":
                return ["c", -tree[1]], INT
            return ["neg", tree], INT
        raise ExprError(f"{_describe(node.op)} is not allowed", node.col_offset)

    def _BoolOp(self, node: ast.BoolOp) -> Typed:
        parts = []
        for value in node.values:
            tree, typ = self._node(value)
            self._want(typ, BOOL, value, "and/or")
            parts.append(tree)
        return ["and" if isinstance(node.op, ast.And) else "or", *parts], BOOL

    def _BinOp(self, node: ast.BinOp) -> Typed:
        ops = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.FloorDiv: "//", ast.Mod: "%"}
        symbol = ops.get(type(node.op))
        if symbol is None:
            hint = " (use // for whole-number division)" if isinstance(node.op, ast.Div) else ""
            raise ExprError(f"{_describe(node.op)} is not allowed (only + - * // %){hint}", node.col_offset)
        left, lt = self._node(node.left)
        right, rt = self._node(node.right)
        if symbol == "+" and lt == rt == STR:
            return ["+", left, right], STR
        self._want(lt, INT, node.left, symbol)
        self._want(rt, INT, node.right, symbol)
        if symbol in ("//", "%") and right == ["c", 0]:
            raise ExprError("division by zero", node.right.col_offset, "E016")
        return [symbol, left, right], INT

    def _Compare(self, node: ast.Compare) -> Typed:
        tree, typ = self._node(node.left)
        out = ["cmp", tree]
        prev_tree, prev_type = tree, typ
        for op, comparator in zip(node.ops, node.comparators):
            if type(op) not in _CMP_OPS:
                raise ExprError(f"{_describe(op)} is not allowed", node.col_offset)
            symbol = _CMP_OPS[type(op)]
            right, rtype = self._node(comparator)
            if rtype != prev_type:
                raise ExprError(f"cannot compare a {prev_type} with a {rtype}", comparator.col_offset, "E016")
            if symbol not in ("==", "!=") and rtype != INT:
                raise ExprError(f"{symbol} compares ints, not {rtype}s", comparator.col_offset, "E016")
            for a, b in ((prev_tree, right), (right, prev_tree)):
                if a[0] == "v" and b[0] == "c":
                    self._check_value(a[1], b[1], comparator.col_offset)
            out += [symbol, right]
            prev_tree, prev_type = right, rtype
        return out, BOOL

    def _IfExp(self, node: ast.IfExp) -> Typed:
        cond, ct = self._node(node.test)
        self._want(ct, BOOL, node.test, "if")
        a, at = self._node(node.body)
        b, bt = self._node(node.orelse)
        if at != bt:
            raise ExprError(f"both sides of `if ... else` must have one type ({at} vs {bt})",
                            node.col_offset, "E016")
        return ["if", cond, a, b], at

    def _want(self, got: str, want: str, node: ast.AST, what: str) -> None:
        if got != want:
            raise ExprError(f"{what} needs a {want}, got a {got}", getattr(node, "col_offset", 0), "E016")


def _substitute(tree: Tree, given: dict[str, Tree]) -> Tree:
    if tree[0] == "p":
        return given[tree[1]]
    return [_substitute(t, given) if isinstance(t, list) and t and isinstance(t[0], str) else t for t in tree]


def _bounded(tree: Tree) -> None:
    """Refuse a tree nested deeper than MAX_DEPTH, so nothing that walks it can recurse too far."""
    stack = [(tree, 1)]
    while stack:
        node, depth = stack.pop()
        if depth > MAX_DEPTH:
            raise ExprError(f"expression nested more than {MAX_DEPTH} levels deep (split it, or use "
                            f"min/max for long sums)", 0, "E030")
        stack.extend((part, depth + 1) for part in node[1:] if isinstance(part, list))


def _short(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


@overload
def _parse(source: str, mode: Literal["eval"]) -> ast.Expression: ...
@overload
def _parse(source: str, mode: Literal["exec"]) -> ast.Module: ...


def _parse(source: str, mode: str) -> ast.AST:
    if len(source) > MAX_SOURCE:
        raise ExprError(f"expression too long ({len(source)} characters, at most {MAX_SOURCE})", 0, "E030")
    try:
        tree = ast.parse(source.strip(), mode=mode)
    except SyntaxError as exc:
        raise ExprError(f"cannot parse {source.strip()!r}: {exc.msg}", max((exc.offset or 1) - 1, 0)) from None
    except (RecursionError, MemoryError, ValueError):
        raise ExprError("expression nested too deeply", 0, "E030") from None
    # Checked on the syntax tree before anything walks it recursively: a chain of 1,900
    # unary minus signs parses, but would overflow the stack of every recursive walker.
    stack: list[tuple[ast.AST, int]] = [(tree, 0)]
    while stack:
        node, depth = stack.pop()
        if depth > MAX_DEPTH + 4:  # the syntax tree has a few wrapper levels of its own
            raise ExprError(f"expression nested more than {MAX_DEPTH} levels deep (split it, or use "
                            f"min/max for long sums)", 0, "E030")
        stack.extend((child, depth + 1) for child in ast.iter_child_nodes(node)
                     if not isinstance(child, (ast.expr_context, ast.operator, ast.unaryop, ast.cmpop,
                                               ast.boolop)))
    return tree


def _describe(node: ast.AST) -> str:
    names = {
        "Attribute": "attribute access", "Subscript": "indexing", "Lambda": "lambda",
        "List": "a list", "Dict": "a dict", "Tuple": "a tuple", "Set": "a set",
        "Mult": "*", "Div": "/", "FloorDiv": "//", "Mod": "%", "Pow": "**",
        "In": "in", "NotIn": "not in", "Is": "is", "IsNot": "is not",
    }
    kind = type(node).__name__
    return names.get(kind, kind)
