"""The shapes of the compiled form, for the type checker.

The compiled form stays plain JSON (dicts, lists, strings, numbers): the cache
stores it as it is and every tool reads it. These TypedDicts only describe it;
nothing is built or checked with them at run time.

Keys that are Python keywords (`if`, `else`) are declared with the functional
syntax and mixed in; optional keys sit in a `total=False` class over the
required ones, which works on every Python the package supports.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypedDict, Union, final

Value = Union[bool, int, str]  # what a variable, a literal or an expression holds

# An expression tree, as `core.expr` describes: a list whose first item names the
# node ("c", "v", "cmp", "+", ...) and whose other items are names, literals,
# operators or further trees. The node kind decides each item's type, which a
# list type cannot say, so the items are Any; `core.syntax` is what checks them.
Tree = list[Any]

Template = list[Union[str, Tree]]  # text and {interpolations}, in order
Loc = list[int]                    # [line, column], 1-based
FileLoc = list[Any]                # [path, line, column]

# One effect: [kind, name, tree, loc] with kind "set", "add", "sub" or "toggle";
# the tree is None for "toggle". A list, not a tuple: it is what JSON gives back.
Effect = list[Any]

Vars = dict[str, Value]   # variable name -> value
Visits = dict[str, int]   # scene id -> times entered

# A compiled expression: the parser proved its type when the story was built, so
# callers know what it returns even though the checker cannot (hence Any).
Evaluator = Callable[[Vars, Visits], Any]
HostFunction = Callable[..., Value]


class _ParagraphKeys(TypedDict):
    t: Template


@final  # final, so that `"if" in item` tells a condition from a paragraph
class Paragraph(_ParagraphKeys, total=False):
    speaker: str
    tags: list[str]   # the author's words for the host
    glue: bool        # `<>` at its start: it joins the paragraph before it
    glue_next: bool   # `<>` at its end: the next paragraph joins it


_ConditionKeys = TypedDict("_ConditionKeys", {"if": Tree, "then": "list[TextItem]", "loc": FileLoc})
_ConditionElse = TypedDict("_ConditionElse", {"else": "list[TextItem]"}, total=False)


@final
class TextCondition(_ConditionKeys, _ConditionElse):
    """Text shown only when `if` holds (`then`), or otherwise (`else`)."""


TextItem = Union[Paragraph, TextCondition]


class _ChoiceKeys(TypedDict):
    id: str
    goto: str
    text: Template
    loc: Loc


_ChoiceCondition = TypedDict("_ChoiceCondition", {"if": Tree, "if_loc": Loc}, total=False)


class CompiledChoice(_ChoiceKeys, _ChoiceCondition, total=False):
    do: list[Effect]
    once: bool
    fallback: bool
    tags: list[str]
    call: str   # a tunnel (format 2): go to `goto`, and come back to this part when it returns
    ret: bool   # the end of a tunnel: back to where the innermost call was made


class _SceneKeys(TypedDict):
    file: str
    loc: Loc
    text: list[TextItem]
    choices: list[CompiledChoice]


class CompiledScene(_SceneKeys, total=False):
    title: str | None
    chapter: str
    do: list[Effect]
    ending: bool
    tags: list[str]
    id: str        # a format-2 part: its own id (the scene's id for its first part)
    part_of: str   # a format-2 part after the first: the scene it belongs to
    shuffle: bool
    flow: bool     # the first part of a format-2 scene


class _VariableKeys(TypedDict):
    type: str      # "bool", "int" or "str"
    default: Value


class VariableSpec(_VariableKeys, total=False):
    min: int
    max: int
    values: list[str]
    doc: str | None
    loc: FileLoc


class FunctionSpec(TypedDict):
    params: list[str]
    returns: str
    loc: FileLoc


class SpeakerSpec(TypedDict):
    name: str | None
    style: str | None


class _StoryKeys(TypedDict):
    id: str
    title: str
    subtitle: str
    version: str
    start: str
    manifest: str
    variables: dict[str, VariableSpec]
    speakers: dict[str, SpeakerSpec]
    functions: dict[str, FunctionSpec]
    scenes: dict[str, CompiledScene]


class CompiledStory(_StoryKeys, total=False):
    fingerprint: str  # added by `core.build` once the checks pass
    format: int
    draws: bool       # some effect draws random numbers (random())


class Origin(TypedDict):
    """Where a game began when not at the story's start."""

    scene: str
    vars: Vars
