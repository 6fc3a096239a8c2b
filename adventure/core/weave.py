"""Format 2: a scene written as a flow of prose, choices with bodies and gathers.

A format-2 scene is a list (or a mapping with `flow:`) of items read in order:

    - Plain text is a paragraph ({expr}, {a|b|c} variations, <> glue at either end).
    - {text, speaker, tags, if, else}        a paragraph with options (as in format 1)
    - {do: effect}                           runs here, between the paragraphs around it
    - {if: cond, then: [...], else: [...]}   any flow inside (choices, diverts too)
    - {goto: scene | scene.label | .label}   go on there
    - {call: scene}                          run that scene's flow until `return`, come back
    - return                                 back to where the last `call` was made
    - end                                    the story ends here
    - {shuffle: true}                        the next menu is offered in an order drawn from the seed
    - {label: name}                          a point to go to (`scene.name`) and to ask
                                             visited('scene.name') about
    - choices: items that are choices, one after another, make a menu:
        "Label text": [body...]              shorthand: a choice with a body
        "Label text": scene_id               shorthand: a choice that leaves
        {choice: "Label", id, if, once, sticky, do, goto, then: [body], tags}
      after a choice's body the flow goes on after the menu (the gather);
      "Hi[."]," I said." shows `Hi."` in the menu and prints `Hi," I said.`.
      Choices are once-only unless `sticky: true`, as in ink.

The weave is compiled into the engine's scene graph: the scene's own id is its
first part, and every label, choice body, gather and effect between paragraphs
becomes a part `scene.name` joined to the next by choices the engine takes by
itself (fallbacks). Play, saves, the checks and the explorer need nothing new
but a call stack and glue.
"""
from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any, Literal

import yaml

from .types import CompiledChoice, CompiledScene, Paragraph, TextItem

if TYPE_CHECKING:
    from .compiler import Compiler, Fields  # which imports this module

_TAG = "tag:yaml.org,2002:"
CHOICE_KEYS = {"choice", "id", "if", "once", "sticky", "do", "goto", "then", "tags", "fallback", "call"}
ITEM_WORDS = {"return", "end"}
FLOW_KEYS = {"do", "goto", "call", "label", "if", "then", "else", "text", "speaker", "tags", "block", "choice",
             "shuffle"}
_ECHO = re.compile(r"\[([^\[\]]*)\]")
_SLUG = re.compile(r"[^a-z0-9]+")


def is_flow(node: Any) -> bool:
    """True for a format-2 scene: a list of flow items, or a mapping with `flow:`."""
    if isinstance(node, yaml.SequenceNode):
        return True
    return isinstance(node, yaml.MappingNode) and any(
        isinstance(k, yaml.ScalarNode) and k.value == "flow" for k, _ in node.value)


def labels_of(sid: str, node: Any) -> set[str]:
    """The part ids a flow scene defines that authors may name: its labels, and its choices' ids."""
    return set(label_nodes(sid, node))


def label_nodes(sid: str, node: Any) -> dict[str, Any]:
    """Each part id a flow scene defines that authors may name, and the node that names it."""
    out: dict[str, Any] = {}
    stack = [_flow_items(node)]
    while stack:
        items = stack.pop()
        for item in items:
            if not isinstance(item, yaml.MappingNode):
                continue
            fields = {k.value: v for k, v in item.value if isinstance(k, yaml.ScalarNode)}
            for key in ("label", "id"):
                if key in fields and isinstance(fields[key], yaml.ScalarNode):
                    out.setdefault(f"{sid}.{fields[key].value}", fields[key])
            for key in ("then", "else"):
                if key in fields and isinstance(fields[key], yaml.SequenceNode):
                    stack.append(fields[key].value)
            if len(item.value) == 1 and isinstance(item.value[0][1], yaml.SequenceNode):
                stack.append(item.value[0][1].value)
    return out


def _flow_items(node: Any) -> list[Any]:
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    if isinstance(node, yaml.MappingNode):
        for k, v in node.value:
            if isinstance(k, yaml.ScalarNode) and k.value == "flow" and isinstance(v, yaml.SequenceNode):
                return list(v.value)
    return []


class Weaver:
    """Compiles one format-2 scene into parts, reporting through the compiler."""

    def __init__(self, compiler: Compiler, path: str, sid: str, key_node: Any, node: Any, chapter: str | None):
        self.c, self.path, self.sid, self.chapter = compiler, path, sid, chapter
        self.key_node, self.node = key_node, node
        self.parts: dict[str, CompiledScene] = {}
        self.counter = 0

    # -- parts -----------------------------------------------------------------
    def _new(self, name: str | None, where: Any) -> CompiledScene:
        if name is None:
            self.counter += 1
            name = f"_{self.counter}"
        pid = f"{self.sid}.{name}" if name else self.sid
        part: CompiledScene = {"file": self.path, "loc": _loc(where if where is not None else self.key_node),
                               "text": [], "choices": [], "part_of": self.sid}
        if self.chapter:
            part["chapter"] = self.chapter
        if pid in self.parts:
            self.c.error(self.path, where, f"{pid!r} is defined twice in scene {self.sid}", "E010")
            pid = f"{pid}_{self.counter}"
        self.parts[pid] = part
        part["id"] = pid
        return part

    def _link(self, part: CompiledScene, target: str | None, where: Any, **extra: Any) -> None:
        """Leave `part` by itself (a fallback) for `target`, or end the story there; `extra` holds
        more keys of the choice (do, call, ret, if)."""
        if target is None:
            part["ending"] = True
            return
        choice: CompiledChoice = {"goto": target, "id": f"on{len(part['choices'])}" if part["choices"] else "on",
                                  "loc": _loc(where if where is not None else self.key_node), "text": [""],
                                  "fallback": True}
        choice.update(extra)  # type: ignore[typeddict-item]  # keys of CompiledChoice, as above
        part["choices"].append(choice)

    # -- the scene ----------------------------------------------------------------
    def scene(self) -> dict[str, CompiledScene]:
        node = self.node
        items = _flow_items(node)
        first = self._new("", self.key_node)
        first.pop("part_of")
        first["flow"] = True
        if isinstance(node, yaml.MappingNode):
            fields = self.c.mapping(self.path, node, f"scene {self.sid}", {"flow", "title", "chapter", "tags"})
            if fields:
                if "title" in fields:
                    first["title"] = self.c.string(self.path, fields["title"][1], "title")
                if "chapter" in fields:
                    self.chapter = self.c.string(self.path, fields["chapter"][1], "chapter")
                    if self.chapter:
                        first["chapter"] = self.chapter
                if "tags" in fields:
                    first["tags"] = self._tags(fields["tags"][1])
        end = self.flow(items, first, None)
        if end is not None:
            self.c.error(self.path, items[-1] if items else node,
                         f"the flow of scene {self.sid} runs out: end it with a goto, a choice, `end` "
                         f"or `return`", "E024")
        return self.parts

    def flow(self, items: list[Any], part: CompiledScene | None, then: str | None) -> CompiledScene | None:
        """Compile items into `part` and the parts after it; return the part left open at the end
        (which then goes on to `then`), or None when the flow diverted or ended."""
        i = 0
        while i < len(items):
            item = items[i]
            if part is None:
                self.c.error(self.path, item, "nothing can follow a goto, return or end here "
                                              "(this line is never reached)", "E025")
                return None
            if self._is_choice(item):
                menu = []
                while i < len(items) and self._is_choice(items[i]):
                    menu.append(items[i])
                    i += 1
                gather_at = items[i] if i < len(items) else None
                label = self._label_of(gather_at)
                if gather_at is None and then is None:
                    gather = None
                else:
                    gather = self._new(label, gather_at) if gather_at is not None else None
                if label is not None:
                    i += 1  # the label names the gather itself
                self._menu(part, menu, gather["id"] if gather is not None else then)
                part = gather
                if gather is None:
                    return None
                continue
            part = self._item(item, part, then)
            i += 1
        if part is not None and then is not None:
            self._link(part, then, None)
            return None
        return part

    def _label_of(self, item: Any) -> str | None:
        if isinstance(item, yaml.MappingNode) and len(item.value) == 1:
            key, value = item.value[0]
            if isinstance(key, yaml.ScalarNode) and key.value == "label" and isinstance(value, yaml.ScalarNode):
                return self._name(value)
        return None

    def _name(self, node: Any) -> str:
        name: str = node.value
        if not re.match(r"[A-Za-z_][A-Za-z0-9_]*\Z", name or ""):
            self.c.error(self.path, node, f"label {name!r}: use letters, digits and _", "E003")
            return f"bad{self.counter}"
        return name

    def _is_choice(self, item: Any) -> bool:
        if not isinstance(item, yaml.MappingNode) or not item.value:
            return False
        keys = [k.value for k, _ in item.value if isinstance(k, yaml.ScalarNode)]
        if "choice" in keys or ("fallback" in keys and "text" not in keys):
            return True
        return len(item.value) == 1 and bool(keys) and keys[0] not in FLOW_KEYS and keys[0] != "label"

    # -- single items -------------------------------------------------------------
    def _item(self, item: Any, part: CompiledScene, then: str | None) -> CompiledScene | None:
        c, path = self.c, self.path
        if isinstance(item, yaml.ScalarNode):
            word = item.value.strip() if item.tag == _TAG + "str" and item.style in (None, "") else None
            if word == "return":
                self._link(part, "", item, ret=True)
                return None
            if word == "end":
                part["ending"] = True
                return None
            return self._text(item, part)
        if not isinstance(item, yaml.MappingNode):
            c.error(path, item, "a flow item is text, a mapping or a choice", "E003")
            return part
        keys = {k.value for k, _ in item.value if isinstance(k, yaml.ScalarNode)}
        if "text" in keys or "block" in keys:
            return self._text(item, part)
        fields = c.mapping(path, item, "a flow item", FLOW_KEYS - {"text", "speaker", "block", "choice"})
        if fields is None:
            return part
        if "if" in fields:
            return self._branch(item, fields, part, then)
        if "shuffle" in fields:  # the next menu here is offered in an order drawn from the seed
            if c.flag(path, fields["shuffle"][1], "shuffle"):
                part["shuffle"] = True
            return part
        if "label" in fields:
            nxt = self._new(self._name(fields["label"][1]), item)
            self._link(part, nxt["id"], item)
            return nxt
        if "do" in fields:
            c.current_part = part["id"]  # a draw here is counted by this part's visits
            effects = c.effects(path, fields["do"][1])
            if not part["text"] and not part["choices"]:
                part.setdefault("do", []).extend(effects)
                return part
            nxt = self._new(None, item)
            self._link(part, nxt["id"], item, do=effects)
            return nxt
        if "goto" in fields:
            target = self._target(fields["goto"][1])
            if target is not None:
                self._link(part, target, item)
            return None
        if "call" in fields:
            target = self._target(fields["call"][1])
            back = self._new(None, item)
            if target is not None:
                self._link(part, target, item, call=back["id"])
            return back
        c.error(path, item, "a flow item needs text, do, if, goto, call or label", "E004")
        return part

    def _text(self, node: Any, part: CompiledScene) -> CompiledScene:
        if part["choices"]:  # text after a menu's choices belongs to a new part
            nxt = self._new(None, node)
            self._link(part, nxt["id"], node)
            part = nxt
        c = self.c
        c.current_part = part["id"]
        items = c.text_item(self.path, node, None) if isinstance(node, yaml.MappingNode) else \
            c.text(self.path, node)
        for entry in items:
            _glue(entry)
        part["text"].extend(items)
        return part

    def _branch(self, item: Any, fields: Fields, part: CompiledScene, then: str | None) -> CompiledScene | None:
        c, path = self.c, self.path
        cond = c.condition(path, fields["if"][1])
        body = fields.get("then")
        if body is None or not isinstance(body[1], yaml.SequenceNode):
            c.error(path, item, "`if` in a flow needs `then:` and a list (or use `text:` for a paragraph)", "E004")
            return part
        after = self._new(None, item)
        yes = self._new(None, body[1])
        self._link(part, yes["id"], item, **({"if": cond} if cond is not None else {}))
        self.flow(list(body[1].value), yes, after["id"])
        if "else" in fields and isinstance(fields["else"][1], yaml.SequenceNode):
            no = self._new(None, fields["else"][1])
            self._link(part, no["id"], fields["else"][1])
            self.flow(list(fields["else"][1].value), no, after["id"])
        else:
            self._link(part, after["id"], item)
        return after

    def _target(self, node: Any) -> str | None:
        target = self.c.string(self.path, node, "goto")
        if target is None:
            return None
        if target.startswith("."):
            target = self.sid + target
        if target not in self.c.scene_ids:
            self.c.error(self.path, node, f"unknown target {target!r}{self.c._hint(target)}", "E011")
            return None
        return target

    def _tags(self, node: yaml.Node) -> list[str]:
        return self.c.tags(self.path, node)

    # -- menus ------------------------------------------------------------------------
    def _menu(self, part: CompiledScene, items: list[Any], gather: str | None) -> None:
        seen: set[str] = set()
        for item in items:
            choice = self._choice(item, part, gather, seen)
            if choice is not None:
                part["choices"].append(choice)

    def _choice(self, item: Any, part: CompiledScene, gather: str | None, seen: set[str]) -> CompiledChoice | None:
        c, path = self.c, self.path
        if any(isinstance(k, yaml.ScalarNode) and k.value in ("choice", "fallback") for k, _ in item.value):
            fields = c.mapping(path, item, "a choice", CHOICE_KEYS)
            if fields is None:
                return None
            label_node = fields["choice"][1] if "choice" in fields else None
            body = fields["then"][1] if "then" in fields else None
            goto = fields["goto"][1] if "goto" in fields else None
        else:
            key, value = item.value[0]
            fields, label_node = {}, key
            if isinstance(value, yaml.MappingNode):  # `Text: {if: ..., do: ..., goto: ...}`
                fields = c.mapping(path, value, "a choice", CHOICE_KEYS - {"choice"}) or {}
                body = fields["then"][1] if "then" in fields else None
                goto = fields["goto"][1] if "goto" in fields else None
            else:
                body = value if isinstance(value, yaml.SequenceNode) else None
                goto = value if isinstance(value, yaml.ScalarNode) and value.tag != _TAG + "null" else None
        fallback = "fallback" in fields and c.flag(path, fields["fallback"][1], "fallback")
        label = c.string(path, label_node, "a choice's text") if label_node is not None else ""
        if label is None:
            return None
        menu_text, echo = _split_echo(label)
        cid = c.string(path, fields["id"][1], "id") if "id" in fields else _slug(menu_text or echo or "on")
        if cid is None or not re.match(r"[A-Za-z_][A-Za-z0-9_]*\Z", cid):
            c.error(path, fields["id"][1] if "id" in fields else item, f"choice id {cid!r}: use letters, digits "
                                                                       f"and _", "E003")
            return None
        base, n = cid, 1
        while cid in seen:
            n += 1
            cid = f"{base}_{n}"
        seen.add(cid)
        out: CompiledChoice = {"id": cid, "loc": _loc(item)}  # type: ignore[typeddict-item]  # text and goto follow
        c.current_part = part["id"]
        out["text"] = c.template(path, label_node, menu_text) if label_node is not None else [""]
        c.choice_guard(path, fields, out)
        sticky = "sticky" in fields and c.flag(path, fields["sticky"][1], "sticky")
        once = c.flag(path, fields["once"][1], "once") if "once" in fields else not sticky and not fallback
        if once:
            out["once"] = True
        if fallback:
            out["fallback"] = True
        if "tags" in fields:
            out["tags"] = self._tags(fields["tags"][1])
        target = self._target(goto) if goto is not None else None
        if goto is not None and target is None:
            return None
        if not echo.strip() and body is None and "id" not in fields:  # nothing to print: go straight on
            out["goto"] = target or gather or ""
            if not out["goto"]:
                c.error(path, item, "this choice leads nowhere: give it a goto, or put text after the menu", "E024")
                return None
            return out
        # A part named for the choice, so visited('scene.id') counts it; an id made from the text
        # gives way to a label or an earlier part of the same name.
        named = "id" in fields or f"{self.sid}.{cid}" not in self.parts and f"{self.sid}.{cid}" not in self.c.scene_ids
        inner = self._new(cid if named else None, item)
        out["goto"] = inner["id"]
        if echo.strip():
            c.current_part = inner["id"]
            # A label gives the echo: without one (a bare fallback) the echo is empty.
            para: Paragraph = {"t": c.template(path, label_node, echo.strip())}  # type: ignore[arg-type]
            inner["text"].append(para)
        rest = self.flow(list(body.value) if body is not None else [], inner, target or gather)
        if rest is not None:
            c.error(path, item, "this choice's text leads nowhere: give it a goto, or put text after the menu",
                    "E024")
        return out


def _split_echo(label: str) -> tuple[str, str]:
    """ink's split: 'Hi[."]," I said.' -> ('Hi."', 'Hi," I said.')."""
    match = _ECHO.search(label)
    if match is None:
        return label, label
    before, inside, after = label[:match.start()], match.group(1), label[match.end():]
    return (before + inside).strip(), (before + after).strip()


def _slug(text: str) -> str:
    words = _SLUG.sub("_", text.lower()).strip("_").split("_")
    slug = "_".join(words[:4])[:32].strip("_") or "choice"
    return slug if not slug[0].isdigit() else "c_" + slug


def _glue(item: TextItem) -> None:
    """`<>` at the start of a paragraph joins it to the one before; at the end, to the one after."""
    key: Literal["then", "else"]
    if "t" not in item:
        for key in ("then", "else"):
            for inner in item.get(key, []):
                _glue(inner)
        return
    parts = item["t"]
    if parts and isinstance(parts[0], str) and parts[0].startswith("<>"):
        parts[0] = parts[0][2:]
        item["glue"] = True
    if parts and isinstance(parts[-1], str) and parts[-1].endswith("<>"):
        parts[-1] = parts[-1][:-2]
        item["glue_next"] = True


def _loc(node: Any) -> list[int]:
    mark = getattr(node, "start_mark", None)
    return [mark.line + 1, mark.column + 1] if mark is not None else [1, 1]
