"""The game: one mutable state walked through an immutable story.

Pure: no files, no terminal. Every driver (the players, the explorer, the
replayer, the benchmark) plays through `Game`.
"""
from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, NamedTuple, Union

from .errors import AdventureError, ChoiceError, EvaluationError, LoopError, PlayError, RouteError, StateError
from .expr import mix, stable_hash
from .model import Choice, Line, Scene, Story, fits
from .types import Origin, Value, Vars, Visits

Observer = Callable[[str, Union[Value, None], Value], object]  # (name, old value or None, new value)

MAX_AUTO_STEPS = 10_000  # fallbacks followed in a row before we call it a loop
MAX_CALLS = 64           # tunnels within tunnels; deeper is a runaway recursion
MAX_DRAW_OUTCOMES = 4096 # futures of one choice the explorer follows when it draws random numbers


class GameState:
    """Everything that changes during play; serialises to JSON-ready data.

    scene   the current scene id
    vars    variable -> value
    visits  scene id -> times entered
    route   ids of the choices the player took, in order
    used    "scene/choice" keys of once-only choices taken
    origin  where play began ({"scene", "vars"}), when not the story's start
    stack   the parts to come back to when the tunnels called so far return (a tuple)

    `visits` also holds "#seed", the game's random seed, when it is not 0.
    """

    __slots__ = ("scene", "vars", "visits", "route", "used", "origin", "stack")

    def __init__(self, scene: str, vars: Vars, visits: Visits | None = None, route: list[str] | None = None,
                 used: set[str] | None = None, origin: Origin | None = None,
                 stack: tuple[str, ...] = ()):
        self.scene = scene
        self.vars = vars
        self.visits = {} if visits is None else visits
        self.route = [] if route is None else route
        self.used = set() if used is None else used
        self.origin = origin
        self.stack = stack

    def __eq__(self, other: object) -> bool:
        return isinstance(other, GameState) and self.to_dict() == other.to_dict()

    def __repr__(self) -> str:
        return f"GameState(scene={self.scene!r}, choices={len(self.route)})"

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "scene": self.scene,
            "vars": dict(self.vars),
            "visits": dict(self.visits),
            "route": list(self.route),
            "used": sorted(self.used),
        }
        if self.origin is not None:
            data["origin"] = {"scene": self.origin["scene"], "vars": dict(self.origin["vars"])}
        if self.stack:
            data["stack"] = list(self.stack)
        return data

    @classmethod
    def from_dict(cls, data: Any) -> GameState:
        if not isinstance(data, dict):
            raise StateError("the game state is not a mapping")
        scene, variables = data.get("scene"), data.get("vars")
        visits, route, used = data.get("visits", {}), data.get("route", []), data.get("used", [])
        origin = data.get("origin")
        if not isinstance(scene, str):
            raise StateError("the game state has no current scene")
        if not isinstance(variables, dict) or not all(isinstance(k, str) for k in variables):
            raise StateError("the game state's variables are not a mapping")
        for name, value in variables.items():
            if type(value) not in (bool, int, str):
                raise StateError(f"variable {name} holds a {type(value).__name__}")
        if not isinstance(visits, dict) or not all(
                isinstance(k, str) and type(v) is int and v >= 0 for k, v in visits.items()):
            raise StateError("the game state's visit counts are not scene -> count")
        if not isinstance(route, list) or not all(isinstance(c, str) for c in route):
            raise StateError("the game state's route is not a list of choice ids")
        if not isinstance(used, list) or not all(isinstance(c, str) for c in used):
            raise StateError("the game state's once-only list is not a list of strings")
        if origin is not None and not (
                isinstance(origin, dict) and isinstance(origin.get("scene"), str)
                and isinstance(origin.get("vars"), dict)):
            raise StateError("the game state's origin is malformed")
        stack = data.get("stack", [])
        if not isinstance(stack, list) or not all(isinstance(p, str) for p in stack) or len(stack) > MAX_CALLS:
            raise StateError("the game state's call stack is not a list of scene parts")
        return cls(scene, dict(variables), dict(visits), list(route), set(used),
                   None if origin is None else {"scene": origin["scene"], "vars": dict(origin["vars"])}, tuple(stack))


class Option(NamedTuple):
    """A choice on offer: its stable id, its text now, and its place in the menu."""

    id: str
    text: str
    index: int  # type: ignore[assignment]  # shadows tuple.index, as it always has
    tags: tuple[str, ...] = ()


class Frame(NamedTuple):
    """A scene the player passed through: the scene and its text as it read then."""

    scene: Scene
    lines: tuple[Line, ...]


# What a step changes, kept to put back if the step fails: scene, vars, used, frames, trail, options, stack.
_Before = tuple[str, Vars, set[str], list[Frame], list[str], Union[list[Choice], None], tuple[str, ...]]


class Game:
    """A play-through of `story`, starting fresh or from `state`."""

    __slots__ = ("story", "keep_text", "state", "trail", "_frames", "_options", "_observers")

    def __init__(self, story: Story, state: GameState | None = None, *, keep_text: bool = True, seed: int = 0):
        self.story = story
        self.keep_text = keep_text
        self._frames: list[Frame] = []
        self._options: list[Choice] | None = None
        self._observers: list[Observer] = []
        self.trail: list[str] = []  # scene ids entered and fallback keys taken since the last choice
        if state is None:
            self.state = GameState(story.start, dict(story.defaults), {"#seed": seed} if seed else None)
            self._enter_first(story.start)
        else:
            self.state = state
            self._validate()

    @classmethod
    def starting_at(cls, story: Story, scene: str, overrides: Vars | None = None, **kw: Any) -> Game:
        """Begin at any scene, with some variables set: for testing a scene directly.

        `kw` may hold keep_text (bool) and seed (int), as for `Game`."""
        if scene not in story.scenes:
            raise StateError(f"no scene {scene!r} in the story")
        variables = dict(story.defaults)
        variables.update(overrides or {})
        game = cls.__new__(cls)
        game.story, game.keep_text, game._frames, game._options = story, kw.get("keep_text", True), [], None
        game.trail, game._observers = [], []
        seed = kw.get("seed", 0)
        game.state = GameState(scene, variables, {"#seed": seed} if seed else None,
                               origin={"scene": scene, "vars": dict(variables)})
        game._validate()
        game._enter_first(scene)
        return game

    # -- reading ----------------------------------------------------------------
    @property
    def scene(self) -> Scene:
        return self.story.scenes[self.state.scene]

    @property
    def lines(self) -> list[Line]:
        """The current scene's paragraphs, rendered against the state now."""
        out: list[Line] = []
        try:
            self.scene.render(self.state.vars, self.state.visits, out)
        except PlayError:
            raise
        except Exception as exc:
            raise EvaluationError(f"in the text of scene {self.state.scene!r}: {_describe(exc)}") from exc
        return out

    @property
    def text(self) -> str:
        return "\n\n".join(line.text for line in self.lines)

    @property
    def frames(self) -> list[Frame]:
        """The scenes entered since the last choice, the current one last; glued paragraphs joined."""
        frames = self._frames + [Frame(self.scene, tuple(self.lines))]
        for frame in frames:
            if frame.scene.glued:
                return _glued(frames)
        return frames

    @property
    def choices(self) -> list[Option]:
        v, n = self.state.vars, self.state.visits
        return [Option(c.id, c.text if isinstance(c.text, str) else c.text(v, n), i, c.tags)
                for i, c in enumerate(self._available())]

    @property
    def ended(self) -> bool:
        return self.scene.ending

    @property
    def stuck(self) -> bool:
        """True in a scene that is not an ending and offers no way on."""
        return not self.scene.ending and not self._available()

    # -- acting -------------------------------------------------------------------
    def choose(self, choice: str | int) -> None:
        """Take a choice by id (str) or by its position in `choices` (int, from 0).

        All or nothing: if the step cannot be completed (fallbacks that loop, an
        expression that fails), PlayError is raised and the game is exactly as it
        was before the call.
        """
        options = self._available()
        picked: Choice | None
        if isinstance(choice, int) and not isinstance(choice, bool):
            if not 0 <= choice < len(options):
                raise ChoiceError(f"there is no choice number {choice + 1} here")
            picked = options[choice]
        else:
            picked = next((c for c in options if c.id == choice), None)
            if picked is None:
                raise ChoiceError(f"no choice {choice!r} is on offer in scene {self.state.scene!r}")
        state = self.state
        before = (state.scene, state.vars.copy(), state.used, self._frames, self.trail, self._options, state.stack)
        self._frames = []
        self.trail = [picked.key]
        state.route.append(picked.id)
        try:
            self._take(picked)
        except Exception as exc:
            self._roll_back(before)
            where = f"choice {picked.id!r} in scene {state.scene!r}"
            if isinstance(exc, LoopError):
                raise
            if isinstance(exc, AdventureError):
                raise EvaluationError(f"{where}: {exc}") from exc
            raise EvaluationError(f"{where}: {_describe(exc)}") from exc
        if self._observers:
            old = before[1]
            for name, value in state.vars.items():
                if old.get(name) != value:
                    for observer in tuple(self._observers):
                        observer(name, old.get(name), value)

    def _roll_back(self, before: _Before) -> None:
        state = self.state
        visits = state.visits
        for step in self.trail:
            if "/" not in step:  # a scene entered during the failed step: take its visit back
                count = visits.get(step, 0) - 1
                if count > 0:
                    visits[step] = count
                else:
                    visits.pop(step, None)
        state.route.pop()
        state.scene, state.vars, state.used, self._frames, self.trail, self._options, state.stack = before

    def snapshot(self) -> dict[str, Any]:
        """The game as JSON-ready data; `adventure.restore(story, data)` brings it back."""
        from .snapshot import snapshot

        return snapshot(self)

    def observe(self, callback: Observer) -> None:
        """Call `callback(name, old, new)` after each choice for every variable it changed."""
        self._observers.append(callback)

    def fork(self, *, route: bool = True) -> Game:
        """An independent copy, for drivers that explore several futures.

        `route=False` leaves the copy's route empty, for drivers that keep
        routes themselves (the copy cannot then be undone or saved).
        """
        game = Game.__new__(Game)
        game.story, game.keep_text, game._frames = self.story, self.keep_text, []
        game._options = self._options
        game.trail, game._observers = [], []
        state = self.state
        game.state = GameState(state.scene, state.vars.copy(), state.visits.copy(),
                               state.route.copy() if route else [], state.used, state.origin, state.stack)
        return game

    def successors(self) -> list[tuple[str, Game | PlayError]]:
        """Every choice on offer and the game it leads to, for drivers that search.

        A choice whose step fails (a fallback loop, an expression that cannot be
        computed) is paired with its PlayError instead, so it never hides its
        siblings. The copies carry no route (the driver keeps its own) and render
        no text; taking the choices leaves this game as it was.
        """
        used, draws = self.state.used, self.story.draws
        out: list[tuple[str, Game | PlayError]] = []
        for choice in self._available():
            pending: list[list[int]] = [[]]  # the picks of random draws to make, one list per future to follow
            while pending:
                picks = pending.pop()
                game = self._fork(choice.key)
                child = game.state
                if draws:
                    child.visits["#draws"] = _Draws(picks)  # type: ignore[assignment]  # see expr.Picks
                try:
                    if choice.once:
                        child.used = used | {choice.key}
                    if choice.effects is not None:
                        choice.effects(child.vars, child.visits)
                    game._enter(choice.target if choice.call is None and not choice.ret else game._follow(choice))
                except _MoreDraws as more:  # each outcome of the next draw is a future of its own
                    if len(out) + len(pending) + more.span > MAX_DRAW_OUTCOMES:
                        out.append((choice.id, EvaluationError(f"choice {choice.id!r} draws too many random "
                                                               f"outcomes to explore")))
                        break
                    pending.extend(picks + [k] for k in range(more.span - 1, -1, -1))
                    continue
                except PlayError as exc:
                    out.append((choice.id, exc))
                    continue
                except Exception as exc:
                    out.append((choice.id, EvaluationError(f"in scene {child.scene!r}: {_describe(exc)}")))
                    continue
                if draws:
                    child.visits.pop("#draws", None)
                out.append((choice.id, game))
        return out

    # -- internals ---------------------------------------------------------------
    def _fork(self, key: str) -> Game:
        """A copy to take a choice in: no text, no route, no observers. Made slot by slot,
        since the explorer makes one for every choice of every state."""
        state, game = self.state, Game.__new__(Game)
        game.story, game.keep_text, game._frames, game._options = self.story, False, [], None
        game.trail, game._observers = [key], []
        game.state = child = GameState.__new__(GameState)
        child.scene, child.vars, child.visits, child.route = state.scene, state.vars.copy(), state.visits.copy(), []
        child.used, child.origin, child.stack = state.used, state.origin, state.stack
        return game

    def _available(self) -> list[Choice]:
        if self._options is None:
            state = self.state
            v, n, used = state.vars, state.visits, state.used
            scene = self.scene
            self._options = [c for c in scene.choices
                             if not c.fallback and (c.cond is None or c.cond(v, n))
                             and not (c.once and c.key in used)]
            if scene.shuffle and len(self._options) > 1:
                self._options = shuffled(self._options, n.get("#seed", 0), scene.id, n.get(scene.id, 0))
        return self._options

    def _take(self, choice: Choice) -> None:
        state = self.state
        if choice.once:
            state.used = state.used | {choice.key}  # a new set: forks may share the old one
        if choice.effects is not None:
            choice.effects(state.vars, state.visits)
        self._enter(self._follow(choice))

    def _follow(self, choice: Choice) -> str:
        """Where a choice leads: its target, or back out of the innermost tunnel."""
        state = self.state
        if choice.ret:
            if not state.stack:
                raise EvaluationError(f"scene {choice.scene!r} returns, but nothing called it")
            state.stack, back = state.stack[:-1], state.stack[-1]
            return back
        if choice.call is not None:
            if len(state.stack) >= MAX_CALLS:
                raise EvaluationError(f"tunnels called more than {MAX_CALLS} deep (at {choice.scene!r})")
            state.stack = state.stack + (choice.call,)
        return choice.target

    def _enter_first(self, scene_id: str) -> None:
        try:
            self._enter(scene_id)
        except PlayError:
            raise
        except Exception as exc:
            raise EvaluationError(f"at the start, in scene {self.state.scene!r}: {_describe(exc)}") from exc

    def _enter(self, scene_id: str) -> None:
        entered: list[str] = []
        state, scenes, trail = self.state, self.story.scenes, self.trail
        visits = state.visits
        for _ in range(MAX_AUTO_STEPS):
            state.scene = scene_id
            visits[scene_id] = visits.get(scene_id, 0) + 1
            trail.append(scene_id)
            scene = scenes[scene_id]
            if scene.effects is not None:
                scene.effects(state.vars, visits)
            self._options = None
            if not scene.has_fallback or self._available():
                return
            v, n, used = state.vars, state.visits, state.used
            fallback = next((c for c in scene.choices if c.fallback and (c.cond is None or c.cond(v, n))
                             and not (c.once and c.key in used)), None)
            if fallback is None:
                return
            entered.append(scene_id)
            if self.keep_text:
                self._frames.append(Frame(scene, tuple(self.lines)))
            self.trail.append(fallback.key)
            if fallback.once:
                state.used = used = used | {fallback.key}
            if fallback.effects is not None:
                fallback.effects(v, n)
            scene_id = self._follow(fallback)
        raise LoopError(f"fallback choices go round without end: {' -> '.join(_cycle(entered))}")

    def _validate(self) -> None:
        story, state = self.story, self.state
        if state.scene not in story.scenes:
            raise StateError(f"the story has no scene {state.scene!r}")
        merged = dict(story.defaults)
        for name, value in state.vars.items():
            spec = story.variables.get(name)
            if spec is None:
                continue  # a variable the story no longer declares is dropped
            problem = fits(spec, value)
            if problem is not None:
                raise StateError(f"variable {name} {problem}, not {_short(value)}")
            merged[name] = value
        state.vars = merged
        self._options = None


class _MoreDraws(Exception):
    def __init__(self, span: int):
        self.span = span


class _Draws:
    """The explorer's stand-in for chance: each draw takes the next pick it was given."""

    __slots__ = ("picks", "used")

    def __init__(self, picks: list[int]):
        self.picks, self.used = picks, 0

    def take(self, span: int) -> int:
        if self.used == len(self.picks):
            raise _MoreDraws(span)
        self.used += 1
        return self.picks[self.used - 1]


def shuffled(options: list[Choice], seed: int, scene_id: str, visit: int) -> list[Choice]:
    """A menu in an order drawn from the game's seed: the same on replay, undo and load."""
    order = list(options)
    site = stable_hash(scene_id)
    for k in range(len(order) - 1, 0, -1):
        j = mix(seed, site, visit * 64 + k) % (k + 1)
        order[k], order[j] = order[j], order[k]
    return order


def _join(left: str, right: str) -> str:
    """Glue as ink does it: the space on either side of the seam, once."""
    space = " " if left[-1:].isspace() or right[:1].isspace() else ""
    return left.rstrip() + space + right.lstrip()


def _glued(frames: list[Frame]) -> list[Frame]:
    """Join each glued paragraph to the one before it, across scenes too."""
    out: list[list[Any]] = []  # [scene, its lines], in order
    joining = False
    for frame in frames:
        lines: list[Line] = []
        out.append([frame.scene, lines])
        for line in frame.lines:
            if (joining or line.glue in ("before", "both")) and (lines or any(f[1] for f in out[:-1])):
                target = lines if lines else next(f[1] for f in reversed(out[:-1]) if f[1])
                last = target[-1]
                target[-1] = last._replace(text=_join(last.text, line.text), tags=last.tags + line.tags,
                                           glue=line.glue in ("after", "both") and "after")
            else:
                lines.append(line)
            joining = line.glue in ("after", "both")
    return [Frame(scene, tuple(lines)) for scene, lines in out if lines or scene is frames[-1].scene]


def _short(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def _cycle(entered: list[str]) -> list[str]:
    """The loop at the end of a list of scene ids, written as a -> b -> a from where it was entered."""
    last = entered[-1]
    start = len(entered) - 2
    while start >= 0 and entered[start] != last:
        start -= 1
    ring = entered[max(start, 0):-1] or [last]
    first = min(range(len(ring)), key=lambda i: entered.index(ring[i]))
    ring = ring[first:] + ring[:first]
    return ring + [ring[0]]


def _describe(exc: BaseException) -> str:
    if isinstance(exc, RecursionError):
        return "an expression nested too deeply to compute"
    if isinstance(exc, MemoryError):
        return "out of memory computing an expression"
    text = str(exc).splitlines()[0] if str(exc) else ""
    return f"{type(exc).__name__}: {text}"[:200] if not isinstance(exc, AdventureError) else text


def replay(story: Story, route: Sequence[str], origin: Origin | None = None, *, keep_text: bool = True,
           on_step: Callable[[Game, str], object] | None = None, seed: int = 0) -> Game:
    """Play `route` (choice ids) from the start, or from `origin`.

    Raises RouteError naming the first step that does not match the story;
    `on_step(game, choice_id)` is called before each step, for transcripts.
    """
    if origin is None:
        game = Game(story, keep_text=keep_text, seed=seed)
    else:
        game = Game.starting_at(story, origin["scene"], origin["vars"], keep_text=keep_text, seed=seed)
    for step, choice_id in enumerate(route):
        if game.ended:
            raise RouteError(f"step {step + 1}: the story already ended at {game.state.scene!r}", step)
        if on_step is not None:
            on_step(game, choice_id)
        try:
            game.choose(choice_id)
        except ChoiceError:
            offered = ", ".join(c.id for c in game.choices) or "nothing"
            raise RouteError(f"step {step + 1}: scene {game.state.scene!r} has no choice {choice_id!r} "
                             f"(it offers {offered})", step) from None
    return game


def replay_partial(story: Story, route: Sequence[str],
                   origin: Origin | None = None, seed: int = 0) -> tuple[Game, RouteError | None]:
    """Replay as far as the route still fits; return (game, error or None).

    The game keeps its text, as it will be played on: a fresh play of the same
    route shows the same paragraphs.
    """
    try:
        return replay(story, route, origin, seed=seed), None
    except (RouteError, PlayError) as exc:
        step = exc.step if isinstance(exc, RouteError) else _failed_step(story, route, origin, seed)
        game = replay(story, route[:step], origin, seed=seed)
        if not isinstance(exc, RouteError):
            exc = RouteError(f"step {step + 1}: {exc}", step)
        return game, exc


def _failed_step(story: Story, route: Sequence[str], origin: Origin | None, seed: int = 0) -> int:
    """How many steps of `route` replay before one fails."""
    game = Game(story, seed=seed) if origin is None else Game.starting_at(story, origin["scene"], origin["vars"],
                                                                            seed=seed)
    for step, choice_id in enumerate(route):
        try:
            game.choose(choice_id)
        except (ChoiceError, PlayError):
            return step
    return len(route)


def transcript(story: Story, state: GameState) -> list[tuple[str, str, str]]:
    """The road so far: ("scene", chapter, title) and ("choice", "", text) entries."""
    entries: list[tuple[str, str, str]] = []

    def record(game: Game, choice_id: str) -> None:
        for frame in game.frames:
            entries.append(("scene", frame.scene.chapter or "", frame.scene.title))
        text = next((c.text for c in game.choices if c.id == choice_id), choice_id)
        entries.append(("choice", "", text))

    game = replay(story, state.route, state.origin, keep_text=True, on_step=record, seed=state.visits.get("#seed", 0))
    for frame in game.frames:
        entries.append(("scene", frame.scene.chapter or "", frame.scene.title))
    return entries


def undo(game: Game, steps: int = 1) -> Game:
    """The game as it was `steps` choices ago, rebuilt from the recorded route."""
    route = game.state.route
    if not route:
        raise ChoiceError("nothing to undo: this is the start")
    keep = route[:max(len(route) - steps, 0)]
    return replay(game.story, keep, game.state.origin, keep_text=True, seed=game.state.visits.get("#seed", 0))
