"""The session's commands as a handler: a line in, a list of events out.

Non-blocking and UI-free, so any host can drive it: the plain and terminal
players (through `play.session.Session`), a chat bot answering one message at
a time, a test. It owns the game, the saves, undo, history, reload and the
settings; a player only shows the events it gets back and asks for the next
line.

Events (`Event.kind`):
    "scene"     frames of text to show (`frames`, `again` after undo/restart/reload; `back`
                after undo: the text is already on screen, go straight to the menu; `read`:
                for each frame, whether its scene was read on an earlier visit)
    "say"       a line for the player (`text`)
    "recap"     "Previously..." on picking up a saved game (`text`, several lines)
    "confirm"   a question (`text`); if the player says yes, send `command` (plain players
                say the command instead, for the player to type)
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
from ..store.progress import Progress
from .escape import safe, safe_line

HELP = """\
Choose with the arrow keys and Enter, or press a choice's number.
Press : to type a command (Escape cancels); in the menu and while text is
paging, the key in brackets does it at once:
  save [NAME]   save the game (default: quick; add force to replace)  [s]
  load [NAME]   load a save (default: the newest)
  saves         list the saves;  delete NAME  delete one
  undo          take back the last choice, back to the menu       [u]
  history       the road so far;  chapters  the chapters reached
  restart       start again from the beginning (asks first)
  settings      width, pacing, colours, theme (kept for next time)
  reload        re-read the story files (for authors)
  help          this help                                         [h]
  quit          save and leave (so do Ctrl-C and Ctrl-D)          [q]
Paging: Enter or Space for more, a for the whole scene, Tab skips what
you have read before. Choices you took on an earlier play are marked.
The game saves itself after every choice and when you leave (autosave);
a new game keeps the old autosave as autosave.1 once you make a choice."""
YES = ("yes", "y", "force", "--force", "-f")

QUICK = "quick"
MAX_LINE = 4096  # a typed command longer than this is a paste gone wrong, not a command


class Event(NamedTuple):
    kind: str
    text: str = ""
    frames: tuple[Frame, ...] = ()
    again: bool = False
    back: bool = False
    read: tuple[bool, ...] = ()
    command: str = ""


class Handler:
    def __init__(self, story, store: SaveStore | None = None, game: Game | None = None,
                 play_seconds: float = 0.0, record=None, reload=None, settings=None,
                 slot: str | None = None, recap: bool = False):
        self.story = story
        self.settings = settings if settings is not None else Settings()
        self.store = store.bound(story.id) if store is not None else None
        self.out: list[Event] = []
        self.game = game or Game(story)
        self.base_seconds = play_seconds
        self.started = time.monotonic()
        self.record = record          # a callable taking each choice id, for --record
        self.reload_story = reload    # a callable returning a freshly loaded story
        self.save_failed = False
        # The autosave is written only when it carries this line of play on: a game picked up
        # from it, or any game once a choice has been made in it (the old autosave set aside).
        self.armed = slot == AUTOSAVE
        self.recap = recap
        self.highlight: str | None = None  # after undo: the choice to offer first
        self.progress = Progress(self.store.slot_dir if self.store is not None else None, story.id)
        self.progress.reached(self.game.scene.chapter or "", self.game) if not self.game.state.route else None

    @property
    def play_seconds(self) -> float:
        return self.base_seconds + time.monotonic() - self.started

    # -- what a host calls ---------------------------------------------------------
    def start(self) -> list[Event]:
        """The events that open the sitting: the text of where the game stands.

        A game picked up from a save opens with "Previously..."; a finished one is not
        shown again page by page: a line says so, and the player's end screen follows."""
        if self.recap and self.game.state.route:
            self._recap()
        if self.game.ended and self.game.state.route and self.recap:
            scene = self.game.scene
            self._say(f"This play-through is finished: “{scene.title}”, after "
                      f"{len(self.game.state.route)} choices.")
            return self._flush()
        self._show()
        return self._flush()

    def _recap(self) -> None:
        try:
            entries = transcript(self.story, self.game.state)
        except AdventureError:
            return
        chapter = next((chap for kind, chap, _t in reversed(entries) if kind == "scene" and chap), "")
        taken = [text for kind, _c, text in entries if kind == "choice"][-3:]
        lines = ["Previously…"]
        if chapter:
            lines.append(chapter)
        lines += [f"  › {text}" for text in taken]
        self.out.append(Event("recap", safe("\n".join(lines))))

    @property
    def default_choice(self) -> int | None:
        """The option to offer first: after undo, the one that was taken."""
        if self.highlight is None:
            return None
        return next((o.index for o in self.choices if o.id == self.highlight), None)

    def taken_before(self, option: Option) -> bool:
        """True when `option` was taken on an earlier play (or earlier in this one)."""
        return f"{self.game.state.scene}/{option.id}" in self.progress.taken

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
        """Save before leaving; True when the game is safely saved (or there was nothing new to save)."""
        self.autosave()
        return self.store is not None and not self.save_failed and (self.armed or not self.game.state.route)

    def _flush(self) -> list[Event]:
        out, self.out = self.out, []
        return out

    def _say(self, text: str) -> None:
        self.out.append(Event("say", text))

    def _warn(self, text: str) -> None:
        self.out.append(Event("warn", text))

    def _show(self, again: bool = False, back: bool = False) -> None:
        try:
            frames = tuple(self.game.frames)
        except PlayError as exc:  # text that cannot be rendered: said in one line, the game goes on
            self._warn(f"This scene's text cannot be shown: {exc}")
            return
        seen = self.progress.seen
        read = tuple(f.scene.id in seen for f in frames)
        for frame in frames:
            self.progress.saw(frame.scene.id)
        self.out.append(Event("scene", frames=frames, again=again, back=back, read=read))

    def take(self, index: int) -> None:
        choice_id = self.game.choices[index].id
        key = f"{self.game.state.scene}/{choice_id}"
        chapter = self.game.scene.chapter
        try:
            self.game.choose(index)
        except PlayError as exc:  # nothing happened: say why, and offer the same menu again
            self._warn(f"That choice cannot be taken: {exc}")
            return
        self.highlight = None
        if self.record is not None:
            self.record(choice_id)
        self.progress.took(key)
        if self.game.scene.chapter and self.game.scene.chapter != chapter:
            self.progress.reached(self.game.scene.chapter, self.game)
        if self.game.ended:
            self.progress.finished(self.game, self.play_seconds)
        self.autosave(choice=True)
        self._show()

    # -- saving -------------------------------------------------------------------
    def autosave(self, choice: bool = False) -> None:
        """Keep the game in the autosave slot; a new line of play first sets the old autosave aside."""
        if self.store is None:
            return
        try:
            if not self.armed:
                if not choice:
                    self._keep_progress()
                    return  # nothing chosen in this line of play yet: the autosave stays as it was
                kept = self.store.set_aside(AUTOSAVE)
                self.armed = True
                if kept:
                    self._say(f"Your earlier autosave is kept as {kept} (load {kept}).")
            self.store.save(AUTOSAVE, self.game, self.play_seconds)
            self.save_failed = False
        except SaveError as exc:
            if not self.save_failed:  # say it once, not after every choice
                self._warn(f"Autosave failed: {exc}")
            self.save_failed = True
        self._keep_progress()

    def _keep_progress(self) -> None:
        try:
            self.progress.write()
        except OSError:
            pass  # read text and chapters are a convenience; the save itself is what matters

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
                                              "scene|paragraph | settings colours on|off | "
                                              "settings theme auto|dark|light"))
            return
        elif value is None:
            raise SettingsError(f"settings {key} needs a value, for example: settings {key} "
                                 f"{ {'width': '70', 'pacing': 'scene', 'theme': 'light'}.get(key, 'off') }")
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

    def _confirm(self, question: str, command: str) -> None:
        self.out.append(Event("confirm", safe_line(question), command=command))

    def cmd_save(self, name=QUICK, force=None):
        store = self._need_store()
        if force is not None and force.lower() not in YES:
            raise CommandError(f"save {name} {_short(force)}: did you mean save {name} force?")
        if name not in (QUICK, AUTOSAVE) and force is None and store.exists(name):
            info = store.info(name) if store.exists(name) else None
            where = f" ({info.chapter or info.scene_title}, {info.choices} choices)" if info else ""
            self._confirm(f"There is already a save called {name}{where}. Replace it?", f"save {name} force")
            return
        path = store.save(name, self.game, self.play_seconds)
        self._say(f"Saved as {name} ({path}).")

    def cmd_delete(self, name=None, sure=None):
        store = self._need_store()
        if name is None:
            raise CommandError("which save? delete NAME (saves lists them)")
        if sure is None or sure.lower() not in YES:
            store.path(name)
            if not store.exists(name):
                raise SaveError(f"no save named {name!r}")
            self._confirm(f"Delete the save {name}? This cannot be undone.", f"delete {name} yes")
            return
        store.delete(name)
        self._say(f"Deleted {name}.")

    def cmd_load(self, name=None):
        store = self._need_store()
        name = name or store.newest()
        if name is None:
            raise SaveError(f"there are no saves in {store.folder}")
        loaded = store.load(name, self.story)
        self.autosave()  # the game being left is kept first (when it is this line's)
        self.game, self.base_seconds, self.started = loaded.game, loaded.play_seconds, time.monotonic()
        self.armed, self.highlight = name == AUTOSAVE, None
        self._say(loaded.note or f"Loaded {name}.")
        self._recap()
        self._show()

    def cmd_saves(self):
        infos, problems = self._need_store().slots()
        if not infos and not problems:
            self._say("No saves yet.")
        for line in format_slots(infos) + problems:
            self._say(line)

    def cmd_undo(self):
        taken = self.game.state.route[-1] if self.game.state.route else None
        try:
            self.game = undo(self.game)
        except ChoiceError as exc:
            self._warn(str(exc).capitalize() + ".")
            return
        self.highlight = taken
        self._say(f"You take that back. — {safe_line(self.game.scene.title)}")
        self._show(again=True, back=True)

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

    def cmd_restart(self, sure=None):
        if (sure is None or sure.lower() not in YES) and self.game.state.route and not self.game.ended:
            self._confirm(f"Start again from the beginning? You are {len(self.game.state.route)} choices in; "
                          f"this game stays in autosave until your first new choice, then in autosave.1.",
                          "restart yes")
            return
        self.autosave()
        import random

        self.game = Game(self.story, seed=random.SystemRandom().randrange(1, 2**31))
        self.base_seconds, self.started = 0.0, time.monotonic()
        self.armed, self.highlight = False, None
        self._say("The story begins again.")
        self._show(again=True)

    def cmd_chapters(self):
        chapters, endings = self.progress.chapters, self.progress.endings
        if not chapters and not endings:
            self._say("No chapters reached yet.")
            return
        lines = [f"{n}. {c['chapter']}" for n, c in enumerate(chapters, 1)]
        lines += [f"Finished: {e['title']} ({e['choices']} choices, {format_duration(e['play_seconds'])})"
                  for e in endings]
        lines.append("Start from one with: chapter N")
        self._say(safe("\n".join(lines)))

    def cmd_chapter(self, number=None, sure=None):
        chapters = self.progress.chapters
        if number is None or not number.isascii() or not number.isdigit() or not 1 <= int(number) <= len(chapters):
            raise CommandError(f"chapter takes a number from 1 to {len(chapters)} (chapters lists them)"
                               if chapters else "no chapters reached yet")
        entry = chapters[int(number) - 1]
        if (sure is None or sure.lower() not in YES) and self.game.state.route and not self.game.ended:
            self._confirm(f"Start from {entry['chapter']}? Your game stays in autosave until your first choice.",
                          f"chapter {number} yes")
            return
        game, note = self.progress.restore(self.story, entry)
        self.autosave()
        self.game, self.base_seconds, self.started = game, 0.0, time.monotonic()
        self.armed, self.highlight = False, None
        self._say(note or f"From {entry['chapter']}, as your road first came to it.")
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
