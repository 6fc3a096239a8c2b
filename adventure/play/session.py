"""One sitting at the game: the loop that joins a Game, a player UI and the saves.

The UI (plain or terminal) only shows things and asks; everything a command
does is here, once, for both.
"""
from __future__ import annotations

import errno
import time

from ..core.engine import Game, transcript, undo
from ..core.errors import AdventureError, ChoiceError, PlayError, SaveError, StoryError
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
LOST = (errno.EIO, errno.ENXIO, errno.EBADF, errno.ENOTTY, errno.EPIPE, errno.ENODEV)


def terminal_lost(exc: BaseException) -> bool:
    """True when `exc` means the terminal is gone (its window closed, its line hung up)."""
    if isinstance(exc, OSError):
        return exc.errno in LOST
    try:
        import termios
    except ImportError:
        return False
    return isinstance(exc, termios.error)


def _ignore_hangups() -> None:
    """While the last save is written, a second hang-up or TERM must not cut it short."""
    import signal

    for name in ("SIGHUP", "SIGTERM"):
        try:
            signal.signal(getattr(signal, name), signal.SIG_IGN)
        except (AttributeError, ValueError, OSError):
            pass  # not on this platform, or not the main thread


class Leave(Exception):
    """Raised by a signal handler: save and leave now."""


class Session:
    def __init__(self, story, ui, store: SaveStore | None, game: Game | None = None,
                 play_seconds: float = 0.0, record=None, reload=None, settings=None):
        self.story = story
        self.settings = settings if settings is not None else Settings()
        self.ui = ui
        self.store = store
        self.game = game or Game(story)
        self.base_seconds = play_seconds
        self.started = time.monotonic()
        self.record = record          # a callable taking each choice id, for --record
        self.reload_story = reload    # a callable returning a freshly loaded story
        self.save_failed = False
        self.lost = False             # the terminal went away: leave without a word

    @property
    def play_seconds(self) -> float:
        return self.base_seconds + time.monotonic() - self.started

    # -- the loop ---------------------------------------------------------------
    def run(self) -> int:
        try:
            self.ui.show(self.game.frames, self.game)
            while True:
                game = self.game
                if game.ended:
                    self.ui.ending(game, self.play_seconds)
                    self.autosave()
                    if self.ui.again() != "restart":
                        return self.leave()
                    self.cmd_restart()
                    continue
                if game.stuck:
                    self.ui.warn(f"The story has nowhere to go from here (scene {game.state.scene!r} "
                                 f"offers no choices). Type undo, load or quit.")
                answer = self.ui.ask([] if game.stuck else game.choices, self)
                if isinstance(answer, int):
                    self.take(answer)
                elif self.command(answer) == "quit":
                    return self.leave()
        except (EOFError, KeyboardInterrupt, Leave):
            return self.leave()
        except Exception as exc:  # noqa: BLE001 - only a lost terminal is handled; the rest is re-raised
            if not terminal_lost(exc):
                raise
            return self.leave_quietly()

    def leave(self) -> int:
        self.autosave()
        try:
            self.ui.goodbye(saved=self.store is not None and not self.save_failed)
        except Exception as exc:  # noqa: BLE001
            if not terminal_lost(exc):
                raise
            self.lost = True
        return 0

    def leave_quietly(self) -> int:
        """The terminal is gone: keep the game as it is now, and say nothing (nobody can read it)."""
        self.lost = True
        _ignore_hangups()
        self.autosave()
        return 0

    def take(self, index: int) -> None:
        choice_id = self.game.choices[index].id
        try:
            self.game.choose(index)
        except PlayError as exc:  # nothing happened: say why, and offer the same menu again
            self.ui.warn(f"That choice cannot be taken: {exc}")
            return
        if self.record is not None:
            self.record(choice_id)
        self.autosave()
        self.ui.show(self.game.frames, self.game)

    # -- saving -------------------------------------------------------------------
    def autosave(self) -> None:
        if self.store is None:
            return
        try:
            self.store.save(AUTOSAVE, self.game, self.play_seconds)
            self.save_failed = False
        except SaveError as exc:
            if not self.save_failed and not self.lost:  # say it once, not after every choice
                self.ui.warn(f"Autosave failed: {exc}")
            self.save_failed = True

    # -- commands -----------------------------------------------------------------
    def command(self, line: str):
        if len(line) > MAX_LINE:
            self.ui.warn(f"That line is {len(line):,} characters long; a command is a word or three. "
                         f"Type help for the list.")
            return None
        words = line.strip().split()
        if not words:
            return None
        name, args = words[0].lower(), words[1:]
        handler = getattr(self, "cmd_" + name, None) if name.isascii() and name.isalpha() else None
        if handler is None:
            self.ui.warn(f"Unknown command {_short(name)!r}. Type help for the list.")
            return None
        import inspect  # only typed commands need it; kept off the start-up path

        try:
            inspect.signature(handler).bind(*args)
        except TypeError:
            self.ui.warn(f"{name} does not take {_short(' '.join(args))!r}. Type help for the list.")
            return None
        try:
            return handler(*args)
        except AdventureError as exc:
            self.ui.warn(str(exc))
        return None

    def cmd_help(self):
        self.ui.say(HELP)

    def cmd_settings(self, key=None, value=None):
        """`settings` shows them (or opens the menu); `settings pacing scene` changes one."""
        if key is None:
            if not self.ui.settings_menu(self.settings):
                self.ui.say(f"Settings: {self.settings.describe()}.\n"
                            "Change one with: settings width 70 | settings pacing scene|paragraph | "
                            "settings colours on|off")
                return
        elif value is None:
            raise AdventureError(f"settings {key} needs a value, for example: settings {key} "
                                 f"{ {'width': '70', 'pacing': 'scene'}.get(key, 'off') }")
        else:
            try:
                self.settings.change(key, value)
            except ValueError as exc:
                raise AdventureError(str(exc)) from None
        self.ui.apply(self.settings)
        if self.store is not None:
            try:
                settings_file.write(self.store.folder, self.settings)
            except OSError as exc:
                self.ui.warn(f"Settings not saved: {exc.strerror or exc}")
                return
        self.ui.say(f"Settings: {self.settings.describe()}.")

    def cmd_quit(self):
        return "quit"

    cmd_exit = cmd_quit

    def _need_store(self):
        if self.store is None:
            raise SaveError("saving is off in this session")
        return self.store

    def cmd_save(self, name=QUICK):
        path = self._need_store().save(name, self.game, self.play_seconds)
        self.ui.say(f"Saved as {name} ({path}).")

    def cmd_load(self, name=None):
        store = self._need_store()
        name = name or store.newest()
        if name is None:
            raise SaveError(f"there are no saves in {store.folder}")
        loaded = store.load(name, self.story)
        self.game, self.base_seconds, self.started = loaded.game, loaded.play_seconds, time.monotonic()
        self.ui.say(loaded.note or f"Loaded {name}.")
        self.ui.show(self.game.frames, self.game)

    def cmd_saves(self):
        infos, problems = self._need_store().slots()
        if not infos and not problems:
            self.ui.say("No saves yet.")
        for line in format_slots(infos) + problems:
            self.ui.say(line)

    def cmd_undo(self):
        try:
            self.game = undo(self.game)
        except ChoiceError as exc:
            self.ui.warn(str(exc).capitalize() + ".")
            return
        self.ui.say("You take that back.")
        self.ui.show(self.game.frames, self.game, again=True)

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
        self.ui.say("\n".join(lines))

    def cmd_restart(self):
        self.game = Game(self.story)
        self.base_seconds, self.started = 0.0, time.monotonic()
        self.ui.say("The story begins again.")
        self.ui.show(self.game.frames, self.game, again=True)

    def cmd_reload(self):
        if self.reload_story is None:
            raise AdventureError("this story cannot be reloaded")
        try:
            story = self.reload_story()
        except StoryError as exc:
            self.ui.warn("The story has errors; still playing the old one:")
            for diagnostic in exc.diagnostics:
                self.ui.warn(str(diagnostic))
            return
        from ..core.engine import replay_partial

        game, problem = replay_partial(story, self.game.state.route, self.game.state.origin)
        self.story, self.game = story, game
        if problem is not None:
            self.ui.warn(f"Reloaded; your route no longer fits: {problem}")
        else:
            self.ui.say(f"Reloaded the story ({len(story.scenes)} scenes).")
        self.ui.show(self.game.frames, self.game, again=True)


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
