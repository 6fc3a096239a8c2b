"""Prove a story ends well: walk every reachable state, or sample seeded play-throughs.

Pure: drives the real `Game` through its public API; touches no files.

A state is the current scene, the variables anything reads, the visit counts
that `visited()` asks about, and the once-only choices used; two play-throughs
in the same state have the same future, so each is explored once. Breadth-first
order gives the shortest route to every ending. A soft-lock is a reachable
state from which no ending can be reached: found by walking the explored graph
backwards from the endings.
"""
from __future__ import annotations

import random
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from operator import itemgetter
from typing import Any, Union

from .engine import Game, GameState
from .errors import PlayError
from .expr import names, visited_scenes
from .model import Story
from .types import CompiledScene, Tree, Value
from .walk import components, edges, expressions

Route = list[str]  # choice ids from the start
Progress = Callable[[int, int], object]  # (done, of how many)
# A state reduced to what can still change the story's course (see _Keyer): the scene, the
# variables read ahead, the visit counts asked about, the once-only choices used, the call stack.
Key = tuple[str, tuple[Value, ...], Union[tuple[int, ...], None], Union[frozenset[str], None], tuple[str, ...]]
Getter = Callable[[Mapping[str, Any]], tuple[Any, ...]]

DEFAULT_MAX_STATES = 500_000
_NO_CAP = 1 << 62  # a visit count that is never capped
MAX_FAILURES = 50  # failed steps reported; past that they are the same mistake many times


@dataclass
class Report:
    mode: str = "exhaustive"
    states: int = 0
    bound_reached: bool = False
    scenes_total: int = 0
    scenes_reached: int = 0
    choices_total: int = 0
    choices_taken: int = 0
    endings: dict[str, Route] = field(default_factory=dict)  # ending scene id -> shortest route
    softlocks: list[Route] = field(default_factory=list)     # routes into states with no way to an ending
    unreached_scenes: list[str] = field(default_factory=list)
    untaken_choices: list[str] = field(default_factory=list)
    playthroughs: int = 0
    unfinished: list[Route] = field(default_factory=list)    # random mode: routes that hit the step limit
    failures: list[tuple[Route, str]] = field(default_factory=list)  # (route, message): steps that failed

    @property
    def ok(self) -> bool:
        if self.mode == "random":  # a sample proves nothing about what it missed
            return not (self.softlocks or self.unfinished or self.failures)
        return not (self.softlocks or self.unreached_scenes or self.bound_reached or self.failures)

    def to_dict(self) -> dict[str, Any]:
        return {
            "mode": self.mode, "states": self.states, "bound_reached": self.bound_reached,
            "scenes_total": self.scenes_total, "scenes_reached": self.scenes_reached,
            "choices_total": self.choices_total, "choices_taken": self.choices_taken,
            "endings": self.endings, "softlocks": self.softlocks,
            "unreached_scenes": self.unreached_scenes, "untaken_choices": self.untaken_choices,
            "playthroughs": self.playthroughs, "unfinished": self.unfinished,
            "failures": [{"route": r, "problem": m} for r, m in self.failures], "ok": self.ok,
        }


class _Keyer:
    """Reduces a state to what can still change the story's course from here.

    Only choice conditions and effects steer play (text never does), so a
    variable, a visit count or a used once-only choice is kept in the key only
    while some scene still reachable from the current one reads it. Visit
    counts compared only with constants are capped just past the largest.
    """

    def __init__(self, story: Story):
        scenes = story.compiled["scenes"]
        order = list(scenes)
        own_vars: dict[str, set[str]] = {}
        own_asked: dict[str, set[str]] = {}
        own_once: dict[str, set[str]] = {}
        caps: dict[str, int | None] = {}
        for sid, scene in scenes.items():
            reads: set[str] = set()
            asked: set[str] = set()
            for tree in _flow_trees(scene):
                names(tree, reads)
                visited_scenes(tree, asked)
                _caps(tree, caps)
            own_vars[sid], own_asked[sid] = reads, asked
            own_once[sid] = {f"{sid}/{c['id']}" for c in scene.get("choices", []) if c.get("once")}
        live = _closure(order, edges(story.compiled),
                        {sid: (own_vars[sid], own_asked[sid], own_once[sid]) for sid in order})
        var_order = list(story.variables)
        self.plan: dict[str, tuple[Getter, Getter, tuple[int, ...], frozenset[str]]] = {}
        self.asked: set[str] = set()
        for sid in order:
            reads, asked, once = live[sid]
            counted = sorted(asked)
            bounds = tuple(_NO_CAP if (cap := caps.get(a)) is None else cap for a in counted)
            self.plan[sid] = (_getter(n for n in var_order if n in reads), _getter(counted), bounds,
                              frozenset(once))
            self.asked.update(counted)

    def __call__(self, state: GameState) -> Key:
        variables, counts, bounds, once = self.plan[state.scene]
        return (state.scene, variables(state.vars),
                tuple(map(min, counts(state.visits), bounds)) if bounds else None,
                once.intersection(state.used) if once else None, state.stack)

    def prune(self, state: GameState) -> None:
        """Keep only the visit counts something asks about (every one of them, from 0), so
        copies of this state stay small and the key can read them all at once."""
        visits = state.visits
        state.visits = {k: visits.get(k, 0) for k in self.asked}


def _getter(keys: Iterable[str]) -> Getter:
    """A function of a dict returning a tuple of the values at `keys`."""
    keys = list(keys)
    if len(keys) > 1:
        return itemgetter(*keys)
    if keys:
        key = keys[0]
        return lambda d: (d[key],)
    return lambda d: ()


def _flow_trees(scene: CompiledScene) -> Iterator[Tree]:
    """The expressions that can change where play goes: conditions of choices and all effects."""
    return (tree for _role, tree in expressions(scene, text=False))


def _caps(tree: Tree, caps: dict[str, int | None]) -> None:
    """Record, per scene, the count past which visited() comparisons cannot change."""
    kind = tree[0]
    if kind == "cmp":
        parts = tree[1::2]
        for i, part in enumerate(parts):
            if part[0] == "visited":
                others = parts[max(i - 1, 0):i] + parts[i + 1:i + 2]
                if all(o[0] == "c" and type(o[1]) is int for o in others):
                    bound = max(o[1] for o in others) + 1
                    if caps.get(part[1], 0) is not None:
                        caps[part[1]] = max(caps.get(part[1], 0), bound)
                else:
                    caps[part[1]] = None
            else:
                _caps(part, caps)
        return
    if kind == "visited":
        caps[tree[1]] = None  # used in arithmetic or shown: every count matters
        return
    if kind not in ("c", "v"):
        for part in tree[1:]:
            if isinstance(part, list):
                _caps(part, caps)


def _closure(order: list[str], edges: dict[str, list[str]],
             own: dict[str, tuple[set[str], set[str], set[str]]]) -> dict[str, list[set[str]]]:
    """For each node, the union of `own` sets over every node reachable from it (itself included).

    By strongly connected components (`walk.components`): each component's sets
    are the union of its members' and its successors'.
    """
    comps = components({node: edges[node] for node in order})
    comp_of = {member: c for c, members in enumerate(comps) for member in members}
    # Tarjan emits components in reverse topological order: successors come first.
    result: dict[int, list[set[str]]] = {}
    for c, members in enumerate(comps):
        sets: list[set[str]] = [set(), set(), set()]
        for member in members:
            for k in range(3):
                sets[k] |= own[member][k]
            for nxt in edges[member]:
                d = comp_of[nxt]
                if d != c:
                    for k in range(3):
                        sets[k] |= result[d][k]
        result[c] = sets
    return {node: result[comp_of[node]] for node in order}


def _totals(story: Story, report: Report) -> None:
    report.scenes_total = len(story.scenes)
    report.choices_total = sum(len(s.choices) for s in story.scenes.values())


def _coverage(story: Story, report: Report, scenes_seen: set[str], choices_seen: set[str]) -> None:
    report.scenes_reached = len(scenes_seen)
    report.choices_taken = len(choices_seen)
    report.unreached_scenes = [sid for sid in story.scenes if sid not in scenes_seen]
    report.untaken_choices = [c.key for s in story.scenes.values() for c in s.choices if c.key not in choices_seen]


def explore(story: Story, max_states: int = DEFAULT_MAX_STATES, progress: Progress | None = None) -> Report:
    """Exhaustive breadth-first search of the story's reachable states.

    Allocates millions of small objects that form no cycles: a host that can
    afford it may run this inside `adventure.no_cyclic_gc()` for a third off
    the time (the `adventure explore` command does).
    """
    report = Report()
    _totals(story, report)
    key_of = _Keyer(story)
    try:
        first = Game(story, keep_text=False)
    except PlayError as exc:
        report.failures.append(([], str(exc)))
        return report
    key_of.prune(first.state)
    games = [first]
    # state index -> (parent index, choice id); the root has neither, and _route never reads its entry
    parents: list[tuple[int, str]] = [(-1, None)]  # type: ignore[list-item]
    successors: list[list[int]] = []
    index = {key_of(first.state): 0}
    seen = set(first.trail)
    ending_states: list[int] = []
    cursor = 0
    while cursor < len(games):
        game = games[cursor]
        games[cursor] = None  # type: ignore[call-overload]  # the state is expanded; let it go
        nexts: list[int] = []
        successors.append(nexts)
        if game.ended:
            ending_states.append(cursor)
            sid = game.state.scene
            if sid not in report.endings:
                report.endings[sid] = _route(parents, cursor)
        else:
            children = game.successors()
            for option, child in children:
                if isinstance(child, PlayError):  # reported, and its siblings explored all the same
                    if len(report.failures) < MAX_FAILURES:
                        report.failures.append((_route(parents, cursor) + [option], str(child)))
                    continue
                seen.update(child.trail)  # scene ids and "scene/choice" keys, told apart at the end
                key = key_of(child.state)
                known = index.get(key)
                if known is None:
                    if len(games) >= max_states:
                        report.bound_reached = True
                        continue
                    known = index[key] = len(games)
                    key_of.prune(child.state)
                    games.append(child)
                    parents.append((cursor, option))
                nexts.append(known)
        cursor += 1
        if progress is not None and cursor % 2048 == 0:
            progress(cursor, len(games))
    report.states = len(parents)
    _coverage(story, report, {s for s in seen if "/" not in s}, {s for s in seen if "/" in s})
    if not report.bound_reached:
        report.softlocks = _softlocks(parents, successors, ending_states, games=len(parents))
    return report


def _route(parents: list[tuple[int, str]], i: int) -> Route:
    route: Route = []
    while i > 0:
        i, choice = parents[i]
        route.append(choice)
    route.reverse()
    return route


def _softlocks(parents: list[tuple[int, str]], successors: list[list[int]], ending_states: list[int],
               games: int) -> list[Route]:
    """Routes into the states from which no ending can be reached.

    A state is good if it is an ending or leads to a good state. States are
    numbered in breadth-first order, so most edges point forward and a pass
    from the last state to the first settles nearly all of them; passes
    repeat until nothing changes (loops need a few).
    """
    good = bytearray(games)
    for i in ending_states:
        good[i] = 1
    changed = True
    while changed:
        changed = False
        for i in range(games - 1, -1, -1):
            if not good[i]:
                for j in successors[i]:
                    if good[j]:
                        good[i] = 1
                        changed = True
                        break
    # Report each doomed region once: the doomed states whose parent could still end well.
    out: list[Route] = []
    for i in range(games):
        if not good[i] and (i == 0 or good[parents[i][0]]):
            out.append(_route(parents, i))
    return out


def random_playthroughs(story: Story, count: int, seed: int = 0, max_steps: int = 10_000,
                        progress: Progress | None = None) -> Report:
    """Seeded random play-throughs, preferring the choices taken least so far."""
    report = Report(mode="random")
    _totals(story, report)
    rng = random.Random(seed)
    taken: dict[str, int] = {}
    scenes_seen: set[str] = set()
    choices_seen: set[str] = set()
    for n in range(count):
        try:
            game = Game(story, keep_text=False, seed=rng.randrange(1, 2**31))  # each its own draws
        except PlayError as exc:
            report.failures.append(([], str(exc)))
            break
        scenes_seen.update(game.trail)
        steps = 0
        while not game.ended and steps < max_steps:
            options = game.choices
            if not options:
                report.softlocks.append(list(game.state.route))
                break
            keys = [f"{game.state.scene}/{o.id}" for o in options]
            least = min(taken.get(k, 0) for k in keys)
            pick = rng.choice([i for i, k in enumerate(keys) if taken.get(k, 0) == least])
            taken[keys[pick]] = taken.get(keys[pick], 0) + 1
            try:
                game.choose(pick)
            except PlayError as exc:
                if len(report.failures) < MAX_FAILURES:
                    report.failures.append((list(game.state.route) + [options[pick].id], str(exc)))
                break
            for step in game.trail:
                (choices_seen if "/" in step else scenes_seen).add(step)
            steps += 1
        if game.ended:
            report.endings.setdefault(game.state.scene, list(game.state.route))
            if len(game.state.route) < len(report.endings[game.state.scene]):
                report.endings[game.state.scene] = list(game.state.route)
        elif steps >= max_steps:
            report.unfinished.append(list(game.state.route[:50]))
        report.playthroughs += 1
        if progress is not None:
            progress(n + 1, count)
    report.states = report.playthroughs
    _coverage(story, report, scenes_seen, choices_seen)
    return report
