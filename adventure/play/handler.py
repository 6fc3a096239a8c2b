"""The session's commands as a handler: a line in, a list of events out.

Non-blocking and UI-free, so any host can drive it: the plain and terminal
players (through `play.session.Session`), a chat bot answering one message at
a time, a test. It owns the game, the saves, undo, history, reload and the
settings; a player only shows the events it gets back and asks for the next
line.

Events (`Event.kind`):
    "scene"     frames of text to show (`frames`, `again` after undo/restart/reload)
    "say"       a line for the player (`text`)
    "warn"      a problem, in one line (`text`)
    "settings"  the player may open its own settings menu; `text` says them for one that has none
    "apply"     the settings changed: re-apply them (width, pacing, colours)
    "quit"      the player asked to leave
"""
from __future__ import annotations

import time
from typing import NamedTuple

from ..core.engine import Frame, Game, Option, transcript, undo
from ..core.errors import AdventureError, ChoiceError, CommandError, PlayError, SaveError, SettingsError, StoryError
from ..store import settings as settings_file
from ..store.saves import AUTOSAVE, SaveStore
from ..store.settings import Settings
from .escape import safe_line

HELP = """\
Choose with the arrow keys and Enter, or press a choice's number.
Commands (type them at the prompt; in the menu press the key in brackets):
  save [NAME]   save the game (default slot: quick)          [s]
  load [NAME]   load a save (default: the newest)
  saves         list the saves
  undo          take back the last choice, as often as you like  [u]
  history       the road so far: scenes passed, choices made
  restart       start the story again from the beginning
  reload        re-read the story files (for authors)
  settings      text width, pacing, colours (kept for next time)
  help          this help                                     [h]
  quit          save and leave (so do Ctrl-C and Ctrl-D)      [q]
In a long scene, Enter or Space shows the next paragraph; a shows the rest.
The game saves itself after every choice and when you leave (slot autosave);
each save keeps its previous version; `adventure --continue` picks up where
you left off, even after the story has been updated."""

QUICK = "quick"
MAX_LINE = 4096  # a typed command longer than this is a paste gone wrong, not a command


class Event(NamedTuple):
    kind: str
    text: str = ""
    frames: tuple[Frame, ...] = ()
    again: bool = False


class Handler:
    def __init__(self, story, store: SaveStore | None = None, game: Game | None = None,
                 play_seconds: float = 0.0, record=None, reload=None, settings=None):
        self.story = story
        self.settings = settings if settings is not None else Settings()
        self.store = store
        self.out: list[Event] = []
        self.game = game or Game(story)
        self.base_seconds = play_seconds
        self.started = time.monotonic()
        self.record = record          # a callable taking each choice id, for --record
        self.reload_story = reload    # a callable returning a freshly loaded story
        self.save_failed = False

    @property
    def play_seconds(self) -> float:
        return self.base_seconds + time.monotonic() - self.started

    # -- what a host calls ---------------------------------------------------------
    def start(self) -> list[Event]:
        """The events that open the sitting: the text of where the game stands."""
        self._show()
        return self._flush()

    @property
    def choices(self) -> list[Option]:
        """What is on offer now: nothing when the story has ended or is stuck."""
        game = self.game
        return [] if game.ended or game.stuck else game.choices

    def handle(self, answer) -> list[Event]:
        """An answer from the player: a choice's index (int, from 0) or a command line (str)."""
        if isinstance(answer, int) and not isinstance(answer, bool):
            self.take(answer)
        elif self.command(answer) == "quit":
            self.out.append(Event("quit"))
        return self._flush()

    def leave(self) -> bool:
        """Save before leaving; True when the game is safely saved."""
        self.autosave()
        return self.store is not None and not self.save_failed

    def _flush(self) -> list[Event]:
        out, self.out = self.out, []
        return out

    def _say(self, text: str) -> None:
        self.out.append(Event("say", text))

    def _warn(self, text: str) -> None:
        self.out.append(Event("warn", text))

    def _show(self, again: bool = False) -> None:
        try:
            frames = tuple(self.game.frames)
        except PlayError as exc:  # text that cannot be rendered: said in one line, the game goes on
            self._warn(f"This scene's text cannot be shown: {exc}")
            return
        self.out.append(Event("scene", frames=frames, again=again))

    def take(self, index: int) -> None:
        choice_id = self.game.choices[index].id
        try:
            self.game.choose(index)
        except PlayError as exc:  # nothing happened: say why, and offer the same menu again
            self._warn(f"That choice cannot be taken: {exc}")
            return
        if self.record is not None:
            self.record(choice_id)
        self.autosave()
        self._show()

    # -- saving -------------------------------------------------------------------
    def autosave(self) -> None:
        if self.store is None:
            return
        try:
            self.store.save(AUTOSAVE, self.game, self.play_seconds)
            self.save_failed = False
        except SaveError as exc:
            if not self.save_failed:  # say it once, not after every choice
                self._warn(f"Autosave failed: {exc}")
            self.save_failed = True

    # -- commands -----------------------------------------------------------------
    def command(self, line: str):
        if len(line) > MAX_LINE:
            self._warn(f"That line is {len(line):,} characters long; a command is a word or three. "
                         f"Type help for the list.")
            return None
        words = line.strip().split()
        if not words:
            return None
        name, args = words[0].lower(), words[1:]
        handler = getattr(self, "cmd_" + name, None) if name.isascii() and name.isalpha() else None
        if handler is None:
            self._warn(f"Unknown command {_short(name)!r}. Type help for the list.")
            return None
        import inspect  # only typed commands need it; kept off the start-up path

        try:
            inspect.signature(handler).bind(*args)
        except TypeError:
            self._warn(f"{name} does not take {_short(' '.join(args))!r}. Type help for the list.")
            return None
        try:
            return handler(*args)
        except AdventureError as exc:
            self._warn(str(exc))
        return None

    def cmd_help(self):
        self._say(HELP)

    def cmd_settings(self, key=None, value=None):
        """`settings` shows them (or opens the menu); `settings pacing scene` changes one."""
        if key is None:
            self.out.append(Event("settings", f"Settings: {self.settings.describe()}.\n"
                                              "Change one with: settings width 70 | settings pacing "
                                              "scene|paragraph | settings colours on|off"))
            return
        elif value is None:
            raise SettingsError(f"settings {key} needs a value, for example: settings {key} "
                                 f"{ {'width': '70', 'pacing': 'scene'}.get(key, 'off') }")
        else:
            try:
                self.settings.change(key, value)
            except ValueError as exc:
                raise SettingsError(str(exc)) from None
        self.settings_changed()

    def settings_changed(self) -> None:
        """The settings were changed (by a command, or in a player's own menu): keep them."""
        self.out.append(Event("apply"))
        if self.store is not None:
            try:
                settings_file.write(self.store.folder, self.settings)
            except OSError as exc:
                self._warn(f"Settings not saved: {exc.strerror or exc}")
                return
        self._say(f"Settings: {self.settings.describe()}.")

    def cmd_quit(self):
        return "quit"

    cmd_exit = cmd_quit

    def _need_store(self):
        if self.store is None:
            raise SaveError("saving is off in this session")
        return self.store

    def cmd_save(self, name=QUICK):
        path = self._need_store().save(name, self.game, self.play_seconds)
        self._say(f"Saved as {name} ({path}).")

    def cmd_load(self, name=None):
        store = self._need_store()
        name = name or store.newest()
        if name is None:
            raise SaveError(f"there are no saves in {store.folder}")
        loaded = store.load(name, self.story)
        self.game, self.base_seconds, self.started = loaded.game, loaded.play_seconds, time.monotonic()
        self._say(loaded.note or f"Loaded {name}.")
        self._show()

    def cmd_saves(self):
        infos, problems = self._need_store().slots()
        if not infos and not problems:
            self._say("No saves yet.")
        for line in format_slots(infos) + problems:
            self._say(line)

    def cmd_undo(self):
        try:
            self.game = undo(self.game)
        except ChoiceError as exc:
            self._warn(str(exc).capitalize() + ".")
            return
        self._say("You take that back.")
        self._show(again=True)

    def cmd_history(self):
        lines = []
        chapter = None
        for kind, chap, text in transcript(self.story, self.game.state):
            if kind == "scene":
                if chap and chap != chapter:
                    lines.append(chap)
                    chapter = chap
                lines.append(f"  {text}")
            else:
                lines.append(f"    > {text}")
        self._say("\n".join(lines))

    def cmd_restart(self):
        import random

        self.game = Game(self.story, seed=random.SystemRandom().randrange(1, 2**31))
        self.base_seconds, self.started = 0.0, time.monotonic()
        self._say("The story begins again.")
        self._show(again=True)

    def cmd_reload(self):
        if self.reload_story is None:
            raise CommandError("this story cannot be reloaded")
        try:
            story = self.reload_story()
        except StoryError as exc:
            self._warn("The story has errors; still playing the old one:")
            for diagnostic in exc.diagnostics:
                self._warn(str(diagnostic))
            return
        from ..core.engine import replay_partial

        state = self.game.state
        game, problem = replay_partial(story, state.route, state.origin, state.visits.get("#seed", 0))
        self.story, self.game = story, game
        if problem is not None:
            self._warn(f"Reloaded; your route no longer fits: {problem}")
        else:
            self._say(f"Reloaded the story ({len(story.scenes)} scenes).")
        self._show(again=True)


def _short(text: str, limit: int = 40) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "\u2026"


def format_slots(infos) -> list[str]:
    """One line per slot; what a save says about itself is made safe for a terminal."""
    lines = []
    for info in infos:
        when = time.strftime("%Y-%m-%d %H:%M", time.localtime(info.saved_at))
        where = f"{info.chapter}: {info.scene_title}" if info.chapter else info.scene_title
        lines.append(safe_line(f"{info.name:<16} {info.story_title} \u2014 {where}; {info.choices} choices, "
                               f"{format_duration(info.play_seconds)} played, saved {when}"))
    return lines


def format_duration(seconds: float) -> str:
    minutes = int(seconds // 60)
    if minutes >= 60:
        return f"{minutes // 60}h {minutes % 60:02d}m"
    return f"{minutes}m {int(seconds % 60):02d}s"
