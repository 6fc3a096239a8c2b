"""Which choices matter: for every menu, whether its options differ in consequence.

Pure: it reads the compiled form (`story.compiled`, or what
`core.build.compile_sources` returns) and, for recorded routes, plays a `Story`
through the engine. No files, no terminal; `adventure check --choices` prints it.

The words, as the report uses them:

- a **prompt** is a part of the scene graph that stops for the player: it has
  at least one choice that is not a fallback. A **menu** has two or more such
  choices; a **one-option prompt** has exactly one.
- an option's **road** is what taking it does before the player chooses again:
  its own effects and once-only use, then every part it enters on its own
  (fallbacks: a weave's choice body, a paragraph after a `do`, a tunnel) up to
  the next prompt or ending, its **landing**. Two weave options whose bodies
  gather at the same place land at the same place.
- what an option **writes**: each effect (the variable and what is done to it),
  its once-only use, and the visit count of each part it enters. What all the
  options of a menu write alike is no difference between them.
- a write is **read** when a later condition, paragraph condition,
  interpolation, choice text or variation (or an effect on a variable that is
  itself read) reads it, in a part reachable after the option. A read inside
  an ending (the closing recap of a story is one) is listed but does not count:
  it changes no road and nothing the player plays through.
- a menu is **cosmetic** when its options land at the same place and nothing
  read tells them apart.
- a consequence **reaches** a part when the part reads a difference the option
  wrote, or can be reached only through the option. It reaches past the next
  scene when such a part belongs to a scene other than the menu's and those the
  option enters on its own, and into a later chapter / past the next chapter
  when its chapter comes one / two or more chapters after the menu's.
"""
from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, cast

from .expr import names, source_of
from .types import CompiledChoice, CompiledScene, CompiledStory, Tree
from .walk import components, expressions

RETURN = "(return)"  # the landing of a road that returns from a tunnel it did not enter
MAX_STACK = 16        # tunnels followed within one road

ROLES = {"condition": "choice condition", "text-condition": "paragraph condition", "text": "interpolation",
         "choice-text": "choice text"}

Token = tuple[str, ...]  # ("var", name, what), ("visit", part), ("once", "part/choice")


@dataclass(frozen=True)
class Reader:
    """A place that reads a variable, a visit count or a once-only use."""

    part: str
    role: str                  # choice condition, paragraph condition, interpolation, choice text, variation,
    writes: str | None = None  # effect, menu (a once-only use); for an effect, the variable it changes

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"scene": self.part, "role": self.role}
        if self.writes is not None:
            out["writes"] = self.writes
        return out


@dataclass
class Road:
    """What one option does before the player chooses again."""

    entered: list[str]
    landing: frozenset[str]
    writes: set[Token]


@dataclass
class Option:
    id: str
    text: str
    line: int
    road: Road
    differs: dict[str, list[Reader]] = field(default_factory=dict)  # what it writes that others do not -> readers
    at_ending: dict[str, list[Reader]] = field(default_factory=dict)  # ... read only inside an ending
    unread: list[str] = field(default_factory=list)                   # ... read by nothing after it
    reach: list[str] = field(default_factory=list)                    # parts its consequences reach

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "text": self.text, "line": self.line, "landing": sorted(self.road.landing),
                "differs": {k: [r.to_dict() for r in v] for k, v in self.differs.items()},
                "read_only_at_ending": {k: [r.to_dict() for r in v] for k, v in self.at_ending.items()},
                "unread": self.unread, "reach": self.reach}


@dataclass
class Menu:
    scene: str
    file: str
    line: int
    chapter: str | None
    options: list[Option]
    verdict: str  # "places", "state" or "cosmetic"
    reason: str

    def to_dict(self) -> dict[str, Any]:
        return {"scene": self.scene, "file": self.file, "line": self.line, "chapter": self.chapter,
                "verdict": self.verdict, "reason": self.reason, "options": [o.to_dict() for o in self.options]}


@dataclass
class Prompt:
    scene: str
    file: str
    line: int
    id: str
    text: str

    def to_dict(self) -> dict[str, Any]:
        return {"scene": self.scene, "file": self.file, "line": self.line, "id": self.id, "text": self.text}


@dataclass
class Effect:
    scene: str
    choice: str | None  # None: the scene's own `do`, run on entering it
    file: str
    line: int
    variable: str
    source: str
    why: str            # "unread" (nothing reads it afterwards) or "ending" (read only inside an ending)
    readers: list[Reader]

    def to_dict(self) -> dict[str, Any]:
        return {"scene": self.scene, "choice": self.choice, "file": self.file, "line": self.line,
                "variable": self.variable, "effect": self.source, "why": self.why,
                "readers": [r.to_dict() for r in self.readers]}


@dataclass
class RouteShare:
    name: str
    steps: int
    one_option: int
    menus: int
    cosmetic: int
    cosmetic_met: list[str]
    error: str | None = None

    @property
    def one_option_share(self) -> float:
        return self.one_option / self.steps if self.steps else 0.0

    @property
    def cosmetic_share(self) -> float:
        return self.cosmetic / self.menus if self.menus else 0.0

    def to_dict(self) -> dict[str, Any]:
        return {"route": self.name, "prompts": self.steps, "one_option": self.one_option,
                "one_option_share": round(self.one_option_share, 4), "menus": self.menus,
                "cosmetic": self.cosmetic, "cosmetic_share": round(self.cosmetic_share, 4),
                "cosmetic_met": self.cosmetic_met, "error": self.error}


@dataclass
class Report:
    menus: list[Menu]
    prompts: list[Prompt]
    effects: list[Effect]
    readers: dict[str, list[Reader]]
    choices: int             # every choice the player can make (menu options and one-option prompts)
    options: int             # of which options of menus
    past_next_scene: int
    later_chapter: int
    past_next_chapter: int
    routes: list[RouteShare] = field(default_factory=list)

    @property
    def cosmetic(self) -> list[Menu]:
        return [m for m in self.menus if m.verdict == "cosmetic"]

    @property
    def one_option_share(self) -> float:
        total = len(self.menus) + len(self.prompts)
        return len(self.prompts) / total if total else 0.0

    def share(self, count: int) -> float:
        return count / self.choices if self.choices else 0.0

    def to_dict(self) -> dict[str, Any]:
        total = len(self.menus) + len(self.prompts)
        return {
            "prompts": total,
            "menus": len(self.menus),
            "one_option": len(self.prompts),
            "one_option_share": round(self.one_option_share, 4),
            "cosmetic": len(self.cosmetic),
            "unread_effects": len(self.effects),
            "reach": {"choices": self.choices, "menu_options": self.options,
                      "past_next_scene": self.past_next_scene,
                      "past_next_scene_share": round(self.share(self.past_next_scene), 4),
                      "later_chapter": self.later_chapter,
                      "later_chapter_share": round(self.share(self.later_chapter), 4),
                      "past_next_chapter": self.past_next_chapter,
                      "past_next_chapter_share": round(self.share(self.past_next_chapter), 4)},
            "cosmetic_menus": [m.to_dict() for m in self.cosmetic],
            "one_option_prompts": [p.to_dict() for p in self.prompts],
            "effects_nothing_reads": [e.to_dict() for e in self.effects],
            "menus_detail": [m.to_dict() for m in self.menus],
            "readers": {k: [r.to_dict() for r in v] for k, v in sorted(self.readers.items())},
            "routes": [r.to_dict() for r in self.routes],
        }


# -- the graph -------------------------------------------------------------------------
class _Graph:
    """Successors, reachability (as bit masks over the parts) and chapters of a compiled story."""

    def __init__(self, compiled: CompiledStory):
        self.scenes: dict[str, CompiledScene] = compiled.get("scenes", {})
        self.ids = list(self.scenes)
        self.index = {sid: i for i, sid in enumerate(self.ids)}
        self.succ: dict[str, list[str]] = {}
        for sid, scene in self.scenes.items():
            out = []
            for c in scene.get("choices", []):
                for t in (c.get("goto"), c.get("call")):
                    if t in self.scenes and t not in out:
                        out.append(t)
            self.succ[sid] = out
        self.reach = self._closures()
        self.start = compiled.get("start")
        order: dict[str, int] = {}
        for scene in self.scenes.values():
            ch = scene.get("chapter")
            if ch is not None and ch not in order:
                order[ch] = len(order)
        self.chapter_index = order

    def _closures(self) -> dict[str, int]:
        """Part -> bit mask of every part reachable from it (itself included), by strongly connected
        components in reverse topological order (`walk.components`)."""
        comps = components({node: self.succ[node] for node in self.ids})
        reach: dict[str, int] = {}
        for comp in comps:  # Tarjan emits components successors first
            mask = 0
            for node in comp:
                mask |= 1 << self.index[node]
            for node in comp:
                for nxt in self.succ[node]:
                    if nxt in reach:
                        mask |= reach[nxt]
            for node in comp:
                reach[node] = mask
        return reach

    def after(self, part: str) -> int:
        """The parts reachable once `part` has been left (it itself only if a loop comes back to it)."""
        mask = 0
        for nxt in self.succ.get(part, []):
            mask |= self.reach[nxt]
        return mask

    def has(self, mask: int, part: str) -> bool:
        return bool(mask >> self.index[part] & 1)

    def reachable_without(self, part: str, choice_index: int) -> int:
        """The parts reachable from the start when one choice of `part` is never taken."""
        if self.start not in self.scenes:
            return 0
        seen = 1 << self.index[self.start]
        todo = [self.start]
        while todo:
            sid = todo.pop()
            for i, c in enumerate(self.scenes[sid].get("choices", [])):
                if sid == part and i == choice_index:
                    continue
                for t in (c.get("goto"), c.get("call")):
                    if t in self.scenes and not seen >> self.index[t] & 1:
                        seen |= 1 << self.index[t]
                        todo.append(t)
        return seen

    def parts_of(self, mask: int) -> list[str]:
        out = []
        i = 0
        while mask:
            if mask & 1:
                out.append(self.ids[i])
            mask >>= 1
            i += 1
        return out

    def scene_of(self, part: str) -> str:
        if part not in self.scenes:
            return part
        return self.scenes[part].get("part_of") or part

    def chapter_of(self, part: str) -> int | None:
        ch = self.scenes[part].get("chapter") if part in self.scenes else None
        return self.chapter_index.get(ch) if ch is not None else None

    def ending(self, part: str) -> bool:
        return part in self.scenes and bool(self.scenes[part].get("ending"))


# -- who reads what ----------------------------------------------------------------------
def _visit_reads(tree: Tree, part: str, role: str, out: list[tuple[str, Reader]]) -> None:
    kind = tree[0]
    if kind == "visited":
        out.append((tree[1], Reader(part, role)))
    elif kind == "seq":
        out.append((tree[2], Reader(part, "variation")))
        for alt in tree[3]:
            for piece in alt:
                if isinstance(piece, list):
                    _visit_reads(piece, part, role, out)
    elif kind == "random":
        out.append((tree[3], Reader(part, "random draw")))
        for piece in tree[1:3]:
            if isinstance(piece, list):
                _visit_reads(piece, part, role, out)
    elif kind not in ("c", "v"):
        for piece in tree[2:] if kind == "call" else tree[1:]:
            if isinstance(piece, list):
                _visit_reads(piece, part, role, out)


def _effects(scene: CompiledScene) -> Iterable[tuple[CompiledChoice | None, list[Any]]]:
    for effect in scene.get("do") or []:
        yield None, effect
    for choice in scene.get("choices", []):
        for effect in choice.get("do") or []:
            yield choice, effect


def _readers(compiled: CompiledStory) -> tuple[dict[str, list[Reader]], dict[str, list[Reader]], set[str]]:
    """(variable -> readers, part -> readers of its visit count, live variables).

    A variable is live when a read outside every ending needs it: a condition, a
    paragraph, a choice's text, or an effect on another live variable."""
    var_readers: dict[str, list[Reader]] = {}
    visit_readers: dict[str, list[Reader]] = {}
    scenes = compiled.get("scenes", {})
    for sid, scene in scenes.items():
        for role, tree in expressions(scene, flow=True, text=True):
            if role == "effect":
                continue
            for name in sorted(names(tree)):
                var_readers.setdefault(name, []).append(Reader(sid, ROLES.get(role, role)))
            found: list[tuple[str, Reader]] = []
            _visit_reads(tree, sid, ROLES.get(role, role), found)
            for part, reader in found:
                visit_readers.setdefault(part, []).append(reader)
        for _choice, (kind, target, tree, _loc) in _effects(scene):
            if tree is None:
                continue
            for name in sorted(names(tree)):
                if name != target:
                    var_readers.setdefault(name, []).append(Reader(sid, "effect", target))
            found = []
            _visit_reads(tree, sid, "effect", found)
            for part, reader in found:
                visit_readers.setdefault(part, []).append(Reader(part=sid, role=reader.role, writes=target))
    for table in (var_readers, visit_readers):
        for key, readers in table.items():
            table[key] = list(dict.fromkeys(readers))
    live: set[str] = set()
    changed = True
    while changed:
        changed = False
        for name, readers in var_readers.items():
            if name in live:
                continue
            if any(not scenes[r.part].get("ending") and (r.writes is None or r.writes in live) for r in readers):
                live.add(name)
                changed = True
    return var_readers, visit_readers, live


# -- roads -----------------------------------------------------------------------------------
def _effect_token(effect: list[Any]) -> Token:
    kind, name, tree = effect[0], effect[1], effect[2]
    return ("var", name, json.dumps([kind, tree], separators=(",", ":")))


def _road(graph: _Graph, part: str, choice: CompiledChoice) -> Road:
    """Where an option goes and what it writes until the player chooses again."""
    raw = cast("dict[str, Any]", choice)  # `call` and `ret` are not in CompiledChoice's declared keys
    writes: set[Token] = set()
    for effect in choice.get("do") or []:
        writes.add(_effect_token(effect))
    if choice.get("once"):
        writes.add(("once", f"{part}/{choice['id']}"))
    entered: list[str] = []
    landing: set[str] = set()
    todo: list[tuple[str, tuple[str, ...]]] = []
    if raw.get("ret"):
        landing.add(RETURN)
    else:
        stack: tuple[str, ...] = (raw["call"],) if raw.get("call") else ()
        todo.append((choice["goto"], stack))
    seen: set[tuple[str, tuple[str, ...]]] = set()
    while todo:
        node, stack = todo.pop()
        if (node, stack) in seen or node not in graph.scenes:
            continue
        seen.add((node, stack))
        if node not in entered:
            entered.append(node)
        writes.add(("visit", node))
        scene = graph.scenes[node]
        for effect in scene.get("do") or []:
            writes.add(_effect_token(effect))
        choices = scene.get("choices", [])
        if scene.get("ending") or not choices or any(not c.get("fallback") for c in choices):
            landing.add(node)
            continue
        for c in cast("list[dict[str, Any]]", choices):
            for effect in c.get("do") or []:
                writes.add(_effect_token(effect))
            if c.get("ret"):
                if stack:
                    todo.append((stack[-1], stack[:-1]))
                else:
                    landing.add(RETURN)
            elif c.get("call") and len(stack) < MAX_STACK:
                todo.append((c["goto"], stack + (c["call"],)))
            else:
                todo.append((c["goto"], stack))
            if "if" not in c and not c.get("once"):
                break  # the engine takes the first fallback on offer: the ones after this never run
    return Road(entered, frozenset(landing), writes)


def _label(token: Token) -> str:
    if token[0] == "var":
        kind, tree = json.loads(token[2])
        if kind == "toggle":
            return f"toggle {token[1]}"
        op = {"set": "=", "add": "+=", "sub": "-="}[kind]
        return f"{token[1]} {op} {source_of(tree)}"
    if token[0] == "visit":
        return f"visits of {token[1]}"
    return f"once-only use of {token[1]}"


def _text(choice: CompiledChoice) -> str:
    out = "".join(p if isinstance(p, str) else "{" + source_of(p) + "}" for p in choice["text"])
    out = " ".join(out.split())
    return out if len(out) <= 70 else out[:67] + "..."


class _Analysis:
    def __init__(self, compiled: CompiledStory):
        self.compiled = compiled
        self.graph = _Graph(compiled)
        self.var_readers, self.visit_readers, self.live = _readers(compiled)
        self.roads: dict[tuple[str, str], Road] = {}

    def road(self, part: str, choice: CompiledChoice) -> Road:
        key = (part, choice["id"])
        if key not in self.roads:
            self.roads[key] = _road(self.graph, part, choice)
        return self.roads[key]

    def readers_of(self, token: Token, part: str) -> list[Reader]:
        if token[0] == "var":
            return self.var_readers.get(token[1], [])
        if token[0] == "visit":
            return self.visit_readers.get(token[1], [])
        return [Reader(token[1].split("/", 1)[0], "menu")]  # a once-only use: the menu, offered again

    def later_reads(self, token: Token, part: str, road: Road, after: int) -> tuple[list[Reader], list[Reader]]:
        """(reads that count, reads inside an ending) of a token an option writes, after it is taken."""
        counted: list[Reader] = []
        ending: list[Reader] = []
        for reader in self.readers_of(token, part):
            if reader.part not in self.graph.scenes or not self.graph.has(after, reader.part):
                continue
            if token[0] == "visit" and reader.part == token[1] and reader.role == "variation" \
                    and not self.graph.has(self.graph.after(token[1]), token[1]):
                continue  # a part's own variation, and the part is never entered again
            if reader.writes is not None and reader.writes not in self.live:
                continue  # an effect on a variable that is itself read by nothing that counts
            (ending if self.graph.ending(reader.part) else counted).append(reader)
        return counted, ending

    def options(self, part: str, chosen: Sequence[CompiledChoice]) -> tuple[list[Option], str, str]:
        """The options of a menu (or the subset on offer), and the menu's verdict and reason."""
        roads = [self.road(part, c) for c in chosen]
        common = set.intersection(*(r.writes for r in roads)) if roads else set()
        out: list[Option] = []
        for c, road in zip(chosen, roads):
            opt = Option(c["id"], _text(c), c["loc"][0], road)
            after = self._after(road)
            for token in sorted(road.writes - common):
                counted, ending = self.later_reads(token, part, road, after)
                if counted:
                    opt.differs[_label(token)] = counted
                elif ending:
                    opt.at_ending[_label(token)] = ending
                elif token[0] == "var":
                    opt.unread.append(_label(token))
            out.append(opt)
        landings = {r.landing for r in roads}
        if len(landings) > 1:
            where = "; ".join(f"{o.id} -> {', '.join(sorted(o.road.landing)) or '?'}" for o in out)
            return out, "places", f"different places: {where}"
        if any(o.differs for o in out):
            what = sorted({k for o in out for k in o.differs})
            return out, "state", "different state read later: " + ", ".join(what)
        landing = ", ".join(sorted(next(iter(landings)))) if landings else "?"
        at_ending = sorted({f"{k} (read only by {', '.join(sorted({r.part for r in v}))})"
                         for o in out for k, v in o.at_ending.items()})
        unread = sorted({k for o in out for k in o.unread})
        reason = f"same place ({landing})"
        if at_ending:
            reason += "; read only inside an ending: " + ", ".join(at_ending)
        if unread:
            reason += "; nothing reads: " + ", ".join(unread)
        if not at_ending and not unread:
            reason += "; nothing differs"
        return out, "cosmetic", reason

    def _after(self, road: Road) -> int:
        mask = 0
        for node in road.entered:
            mask |= self.graph.reach[node]
        return mask


def prompt_choices(scene: CompiledScene) -> list[CompiledChoice]:
    """The choices of a part that the player is offered (every one but its fallbacks)."""
    return [c for c in scene.get("choices", []) if not c.get("fallback")]


def analyse(compiled: CompiledStory) -> Report:
    """The consequence report of a compiled story."""
    a = _Analysis(compiled)
    graph = a.graph
    menus: list[Menu] = []
    prompts: list[Prompt] = []
    choices = options = past_scene = later_chapter = past_chapter = 0
    for sid, scene in graph.scenes.items():
        offered = prompt_choices(scene)
        if not offered:
            continue
        choices += len(offered)
        if len(offered) == 1:
            c = offered[0]
            prompts.append(Prompt(sid, scene.get("file", ""), c["loc"][0], c["id"], _text(c)))
            continue
        opts, verdict, reason = a.options(sid, offered)
        menus.append(Menu(sid, scene.get("file", ""), offered[0]["loc"][0], scene.get("chapter"), opts,
                          verdict, reason))
        options += len(opts)
        all_choices = scene.get("choices", [])
        own_chapter = graph.chapter_of(sid)
        for opt, c in zip(opts, offered):
            reached = {r.part for readers in opt.differs.values() for r in readers}
            if not any(o is not c and (o["goto"], o.get("call")) == (c["goto"], c.get("call")) for o in offered):
                without = graph.reachable_without(sid, all_choices.index(c))
                mine = 0
                for node in opt.road.entered:
                    mine |= graph.reach[node]
                reached.update(graph.parts_of(mine & ~without))
            opt.reach = sorted(reached)
            near = {graph.scene_of(sid)} | {graph.scene_of(n) for n in opt.road.entered}
            if any(graph.scene_of(p) not in near for p in reached):
                past_scene += 1
            chapters = [graph.chapter_of(p) for p in reached]
            if own_chapter is not None and any(ch is not None and ch >= own_chapter + 1 for ch in chapters):
                later_chapter += 1
            if own_chapter is not None and any(ch is not None and ch >= own_chapter + 2 for ch in chapters):
                past_chapter += 1
    effects = _unread_effects(a)
    readers = {name: rs for name, rs in a.var_readers.items()}
    for name in compiled.get("variables", {}):
        readers.setdefault(name, [])
    return Report(menus, prompts, effects, readers, choices, options, past_scene, later_chapter, past_chapter)


def _unread_effects(a: _Analysis) -> list[Effect]:
    graph = a.graph
    out: list[Effect] = []
    for sid, scene in graph.scenes.items():
        for choice, effect in _effects(scene):
            kind, name, _tree, loc = effect
            token = _effect_token(effect)
            if choice is None:
                after = graph.reach[sid]
            elif choice.get("ret"):
                after = (1 << len(graph.ids)) - 1  # back to any caller: anything may come next
            else:
                after = 0
                for t in (choice.get("goto"), choice.get("call")):
                    if t in graph.scenes:
                        after |= graph.reach[t]
            counted, ending = a.later_reads(token, sid, Road([], frozenset(), set()), after)
            if counted:
                continue
            line = loc[0] if loc else (choice or scene)["loc"][0]
            readers = ending or a.var_readers.get(name, [])
            out.append(Effect(graph.scene_of(sid) if choice is not None and choice.get("fallback") else sid,
                              None if choice is None or choice.get("fallback") else choice["id"],
                              scene.get("file", ""), line, name, _label(token),
                              "ending" if ending else "unread", readers))
    return out


# -- recorded routes -----------------------------------------------------------------------------
def route_shares(story: Any, routes: Mapping[str, Sequence[str]], report: Report | None = None) -> list[RouteShare]:
    """Replay each route (name -> choice ids) and count, at every step, the prompt the player met:
    one option, or a menu, and whether the options on offer there differ in consequence."""
    from .engine import replay
    from .errors import AdventureError

    a = _Analysis(story.compiled)
    out: list[RouteShare] = []
    for name, route in routes.items():
        row = RouteShare(name, 0, 0, 0, 0, [])
        judged: dict[tuple[str, tuple[str, ...]], bool] = {}

        def step(game: Any, choice_id: str, row: RouteShare = row, judged: dict[tuple[str, tuple[str, ...]], bool] = judged) -> None:
            offered = [o.id for o in game.choices]
            row.steps += 1
            if len(offered) == 1:
                row.one_option += 1
                return
            row.menus += 1
            part = game.state.scene
            key = (part, tuple(offered))
            if key not in judged:
                scene = story.compiled["scenes"][part]
                chosen = [c for c in prompt_choices(scene) if c["id"] in offered]
                judged[key] = a.options(part, chosen)[1] == "cosmetic"
            if judged[key]:
                row.cosmetic += 1
                row.cosmetic_met.append(part)
        try:
            replay(story, route, keep_text=False, on_step=step)
        except AdventureError as exc:
            row.error = str(exc)
        out.append(row)
    if report is not None:
        report.routes = out
    return out
