"""The terminal player: a title card, prompt_toolkit menus, styled voices, paced text.

Scene text is printed (wrapped to the terminal) rather than drawn in a full
screen application, so the story stays in the terminal's scrollback; only the
menus and the "more" prompt are interactive prompt_toolkit applications, each
with the status line right under it. While text is paging the menu's keys
work too (s save, u undo, h help, : command, q quit), and Tab skips text read
on an earlier visit. A menu ignores keys typed before it was on screen, and a
choosing key in its first moment, so an extra Enter never picks unseen.
"""
from __future__ import annotations

import os
import re
import shutil
import sys
import time

from prompt_toolkit import print_formatted_text
from prompt_toolkit.application import Application
from prompt_toolkit.filters import Condition, is_done
from prompt_toolkit.formatted_text import FormattedText, to_formatted_text
from prompt_toolkit.key_binding import KeyBindings
from prompt_toolkit.layout import Layout
from prompt_toolkit.layout.containers import ConditionalContainer, HSplit, Window
from prompt_toolkit.layout.controls import FormattedTextControl
from prompt_toolkit.output.color_depth import ColorDepth
from prompt_toolkit.shortcuts import PromptSession
from prompt_toolkit.styles import Style

from .handler import HELP, format_duration
from ..store.settings import Settings
from .title import ago, header_lines, option_rows, progress_of, slots_of, title_options
from .escape import safe, safe_line
from .plain import LETTER, goodbye_text, text_width, wrap

DARK = {
    "chapter": "bold",
    "title": "bold",
    "subtitle": "italic",
    "mark": "#7a7a7a",
    "warn": "#ff6060",
    "note": "italic #9e9e9e",
    "recap": "italic #b0b0b0",
    "more": "#8a8a8a",
    "bottom-toolbar": "noreverse #9e9e9e bg:#262626",
    "selected-option": "bold",
    "taken": "#8a8a8a",
    "rule": "#7a7a7a",
}
LIGHT = {  # for light backgrounds: every colour at least 4.5:1 on white
    **DARK,
    "mark": "#6c6c6c",
    "warn": "#b00000",
    "note": "italic #5f5f5f",
    "recap": "italic #4e4e4e",
    "more": "#5f5f5f",
    "bottom-toolbar": "noreverse #303030 bg:#e4e4e4",
    "taken": "#6c6c6c",
    "rule": "#6c6c6c",
}
PLAIN = {  # colours off: weight and slant only, no colour and no background anywhere
    "chapter": "bold", "title": "bold", "subtitle": "italic", "note": "italic", "recap": "italic",
    "bottom-toolbar": "noreverse", "selected-option": "bold", "": "",
}
BASE_STYLE = DARK  # the name earlier versions used
SHORTCUTS = {"s": "save", "u": "undo", "h": "help", "?": "help", "q": "quit"}
MAX_IDLE_ROUNDS = 1000  # prompts in a row that change nothing: no player types that; a dead terminal does
LONG = 3  # kept for hosts that read it; pacing is now by beats of about half a screen
GUARD = 0.25  # seconds a new menu ignores choosing keys (ADVENTURE_KEY_GUARD, in ms, changes it)
KEYS = ["s save  u undo  h help  : command  q quit", "s save  u undo  h help  q quit", "s u h : q", ""]
_HEX = re.compile(r"#([0-9a-fA-F]{6})\b")


def light_background() -> bool:
    """True when COLORFGBG (set by rxvt, Konsole, iTerm2 and others) says the background is light."""
    value = os.environ.get("COLORFGBG", "")
    background = value.split(";")[-1].strip() if value else ""
    return background in ("7", "15")


def darken(spec: str) -> str:
    """A style's colours made dark enough to read on a light background (4.5:1 on white)."""
    def dark(match):
        r, g, b = (int(match.group(1)[i:i + 2], 16) for i in (0, 2, 4))
        for _ in range(40):
            if _luminance(r, g, b) <= 0.175:
                break
            r, g, b = int(r * 0.9), int(g * 0.9), int(b * 0.9)
        return f"#{r:02x}{g:02x}{b:02x}"
    return _HEX.sub(dark, spec)


def _luminance(r, g, b) -> float:
    def channel(c):
        c /= 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4
    return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b)


def _one_liner(line, width) -> bool:
    return line.speaker is None and "\n" not in line.text and len(line.text) < width and not line.text.endswith(":")


def fit_status(chapter: str, played: str, columns: int) -> str:
    """The status line for `columns`: the chapter, the time, and as many key hints as fit,
    shortened whole words at a time; never wider than the terminal."""
    room = max(1, columns - 1)
    for keys in KEYS:
        parts = [chapter, played] + ([keys] if keys else [])
        line = " " + "  \u00b7  ".join(parts)
        if len(line) <= room:
            return line
    for keys in ("s u h : q", ""):
        tail = "  \u00b7  ".join([played] + ([keys] if keys else []))
        space = room - len(tail) - 6
        if space >= 8:
            words, short = chapter.split(), ""
            for word in words:
                if len(short) + len(word) + 1 > space - 1:
                    break
                short = f"{short} {word}".strip()
            short = (short or chapter[: space - 1]) + "\u2026"
            return " " + "  \u00b7  ".join([short, tail])
    return (" " + played)[:room]


class TerminalUI:
    def __init__(self, story=None, width: int | None = None, input=None, output=None, settings=None):
        self.settings = settings or Settings()
        self.width_limit = width or self.settings.width
        self.chapter = None
        self.input, self.output = input, output
        self.story_styles: dict = {}
        self.speakers = {}
        self.speaker_class: dict = {}
        self.on_command = None   # set by the session: run a command while text is paging
        self.session = None
        self.skipping = False    # Tab: skip text read before, until unread text comes
        self.clock = time.monotonic
        self.after_text = False
        self.apply(self.settings)
        if story is not None:
            self.use_story(story)

    # -- settings and styles -------------------------------------------------------
    @property
    def light(self) -> bool:
        theme = getattr(self.settings, "theme", "auto")
        return theme == "light" or (theme == "auto" and light_background())

    def apply(self, settings) -> None:
        self.settings = settings
        self.width_limit = settings.width
        self.color = settings.color and not os.environ.get("NO_COLOR")
        self.depth = None if self.color else ColorDepth.DEPTH_1_BIT
        self._restyle()

    def use_story(self, story) -> None:
        # A speaker id or style comes from the story: the class name is ours (an id with a
        # space would be two classes), and a style prompt_toolkit refuses is simply not used.
        self.speaker_class, self.story_styles = {}, {}
        for n, (sid, spec) in enumerate(story.speakers.items()):
            name = f"speaker.s{n}"
            self.speaker_class[sid] = name
            style = spec.get("style") if isinstance(spec, dict) else None
            if isinstance(style, str) and style:
                try:
                    Style.from_dict({name: style})
                    Style.from_dict({name: darken(style)})
                except (ValueError, AssertionError, TypeError):
                    continue
                self.story_styles[name] = style
        self.speakers = story.speakers
        self._restyle()

    def _restyle(self) -> None:
        if not self.color:
            rules = dict(PLAIN)
            for name, spec in self.story_styles.items():  # keep a voice's slant, drop its colour
                rules[name] = " ".join(w for w in spec.split() if w in ("italic", "bold", "underline"))
        else:
            rules = dict(LIGHT if self.light else DARK)
            for name, spec in self.story_styles.items():
                rules[name] = darken(spec) if self.light else spec
        try:
            self.style = Style.from_dict(rules)
        except (ValueError, AssertionError, TypeError):
            self.style = Style.from_dict(PLAIN)

    @property
    def width(self) -> int:
        return text_width(self.width_limit)

    def _columns(self) -> int:
        if self.output is not None:
            try:
                return self.output.get_size().columns
            except Exception:  # noqa: BLE001 - a test output may not know its size
                pass
        return shutil.get_terminal_size((80, 24)).columns

    def _rows(self) -> int:
        if self.output is not None:
            try:
                return self.output.get_size().rows
            except Exception:  # noqa: BLE001
                pass
        return shutil.get_terminal_size((80, 24)).lines

    def _print(self, fragments) -> None:
        fragments = [(style, safe(text)) for style, text in fragments]
        print_formatted_text(FormattedText(fragments), style=self.style, output=self.output,
                             color_depth=self.depth, include_default_pygments_style=False)

    def _run(self, app):
        if self.input is not None:
            app.input = self.input
        if self.output is not None:
            app.output = self.output
        return app.run()

    # -- showing -----------------------------------------------------------------
    def show(self, frames, game, again=False, back=False, read=()) -> None:
        if not self.speakers and game is not None:
            self.use_story(game.story)
        if back:  # after undo: the text is already on screen; straight back to the menu
            if frames:
                self.chapter = frames[-1].scene.chapter or self.chapter
            return
        self.after_text = True  # the next menu follows text being read: keys typed ahead are dropped
        ending = bool(frames) and frames[-1].scene.ending
        paced = self.settings.pacing == "paragraph" and not ending  # the ending is shown whole
        budget = max(6, (self._rows() - 6) // 2)  # a beat: about half a screen, never a screenful unread
        shown = 0
        for n, frame in enumerate(frames):
            was_read = n < len(read) and read[n]
            if self.skipping and not was_read:
                self.skipping = False  # unread text: skipping stops here
            chapter = frame.scene.chapter
            if chapter and chapter != self.chapter:
                self._print([("", "\n"), ("class:chapter", chapter)])
                shown += 2
            self.chapter = chapter
            self._print([("", "")])
            shown += 1
            in_letter = False
            lines = frame.lines
            for k, line in enumerate(lines):
                letter = line.speaker == LETTER
                block = self._paragraph(line, letter)
                height = block.count("\n") + 2 + (2 if letter != in_letter else 0)
                if paced and not self.skipping and shown and shown + height > budget:
                    went = self.more(read=was_read)
                    if went == "stop":
                        return
                    if went == "skip":
                        self.skipping = True
                        if not was_read:
                            paced = False
                    elif went is False:
                        paced = False
                    shown = 0
                if letter != in_letter:
                    self._print([("class:rule", "    " + "\u2500" * 12)])
                    self._print([("", "")])
                    in_letter = letter
                style = f"class:{self.speaker_class[line.speaker]}" if line.speaker in self.speaker_class else ""
                self._print([(style, block)])
                following = lines[k + 1] if k + 1 < len(lines) else None
                if not (ending and _one_liner(line, self.width) and following is not None
                        and _one_liner(following, self.width)):
                    self._print([("", "")])  # a list of one-line items (the ending's road) stays a list
                shown += height
            if in_letter:
                self._print([("class:rule", "    " + "\u2500" * 12)])
                self._print([("", "")])

    def _paragraph(self, line, letter: bool) -> str:
        if letter:  # the letter is set apart: indented on both sides
            text = wrap(line.text, max(20, self.width - 8))
            return "\n".join("    " + part if part else part for part in text.split("\n"))
        return wrap(line.text, self.width)

    def more(self, read: bool = False):
        """Wait before the next beat of text. Returns True (Enter: go on), False (a: the rest of
        the scene at once), "skip" (Tab: skip what was read before), or "stop" (a command put
        new text on screen). The menu's keys work here too."""
        for _ in range(MAX_IDLE_ROUNDS):
            kb = KeyBindings()
            for key in ("enter", " ", "c-m", "down", "j"):
                kb.add(key)(lambda event: event.app.exit(result=True))
            for key in ("a", "escape"):
                kb.add(key, eager=True)(lambda event: event.app.exit(result=False))
            kb.add("tab")(lambda event: event.app.exit(result="skip"))
            for key, command in {**SHORTCUTS, ":": ":"}.items():
                kb.add(key)(lambda event, c=command: event.app.exit(result=("command", c)))
            kb.add("c-c")(lambda event: event.app.exit(exception=KeyboardInterrupt()))
            kb.add("c-d")(lambda event: event.app.exit(exception=EOFError()))
            hint = "  \u25be  Enter for more, a for all" + (", Tab skips what you have read" if read else "")
            app = self._app([("class:more", hint)], kb, erase=True)
            result = self._run(app)
            if not isinstance(result, tuple):
                return result
            command = result[1]
            if command == ":":
                command = self.command_line()
                if not command.strip():
                    continue
            if self.on_command is not None and self.on_command(command):
                return "stop"
        raise EOFError("the terminal stopped answering")  # a lost terminal answers at once, for ever

    def _status_line(self) -> str:
        session = self.session
        if session is None:
            return ""
        chapter = session.game.scene.chapter or session.story.title
        return safe_line(fit_status(safe_line(chapter), format_duration(session.play_seconds), self._columns()))

    def _app(self, body, kb, erase=False, toolbar=True, full=None):
        """A small application: `body` (formatted text, or a callable giving it), and the
        status line right under it while it waits (not left in the scrollback)."""
        control = FormattedTextControl(body, focusable=True, show_cursor=False)
        has_status = Condition(lambda: toolbar and self.session is not None)
        layout = HSplit([
            Window(control, dont_extend_height=True, wrap_lines=False, always_hide_cursor=True),
            ConditionalContainer(Window(FormattedTextControl(self._status_line), style="class:bottom-toolbar",
                                        height=1, dont_extend_height=True), filter=has_status & ~is_done),
        ])
        return Application(layout=Layout(layout), key_bindings=kb, style=self.style, erase_when_done=erase,
                           full_screen=False, color_depth=self.depth, include_default_pygments_style=False)

    def say(self, text: str) -> None:
        self._print([("class:note", wrap(text, self.width))])

    def recap(self, text: str) -> None:
        self._print([("", "")])
        self._print([("class:recap", wrap(text, self.width))])

    def warn(self, text: str) -> None:
        self._print([("class:warn", wrap(text, self.width))])

    def ending(self, game, seconds: float) -> None:
        self._print([("", "\n"), ("class:chapter", "THE END")])
        self._print([("class:note", f"{len(game.state.route)} choices, {format_duration(seconds)} played.")])

    def goodbye(self, saved: bool = False) -> None:
        self._print([("class:note", wrap(goodbye_text(saved), self.width))])

    # -- menus ------------------------------------------------------------------
    def _guard(self) -> float:
        if self.input is not None or not sys.stdin.isatty():
            return 0.0
        value = os.environ.get("ADVENTURE_KEY_GUARD", "")
        if value.isascii() and value.isdigit() and len(value) <= 5:
            return int(value) / 1000
        return GUARD

    def _drop_typeahead(self, app) -> None:
        """Forget keys typed before this menu was on screen (an extra Enter from paging)."""
        from prompt_toolkit.input.typeahead import clear_typeahead

        if self.input is None and sys.stdin.isatty():  # keys from a pipe or a test are meant in order
            try:
                clear_typeahead(app.input)
            except Exception:  # noqa: BLE001 - an input without a typeahead buffer has none to clear
                pass
            try:
                import termios

                termios.tcflush(sys.stdin.fileno(), termios.TCIFLUSH)
            except (ImportError, OSError, ValueError):
                pass
            except Exception:  # noqa: BLE001 - termios.error
                pass

    def menu(self, message, options, default=None, toolbar=None, extra_keys=None, marks=None, fresh=False):
        """Up/Down and Enter, or a number: the value of the option chosen. The record left in the
        scrollback marks the option actually chosen. `fresh`: the menu follows text the player
        was reading, so keys typed ahead of it are dropped and it ignores choosing keys at first."""
        values = [value for value, _label in options]
        state = {"index": values.index(default) if default in values else 0}
        guard = self._guard() if fresh else 0.0
        shown = [0.0]
        ready = Condition(lambda: self.clock() - shown[0] >= guard)

        def body():
            width = max(20, min(self.width, self._columns() - 1))
            out = []
            if message:
                out += [("", " ")] + to_formatted_text(message) + [("", "\n")]
            for chosen, prefix, text, taken in option_rows(options, state["index"], width, marks):
                style = "class:selected-option" if chosen else ("class:taken" if taken else "class:option")
                out += [("class:selected-option" if chosen else "class:number", prefix), (style, text), ("", "\n")]
            if out:
                out.pop()
            return out

        kb = KeyBindings()

        def choose(event, index):
            state["index"] = index
            event.app.exit(result=values[index])
        for key in ("up", "k", "s-tab"):
            kb.add(key)(lambda event: state.__setitem__("index", ((state["index"] or 0) - 1) % len(values)))
        for key in ("down", "j", "tab"):
            kb.add(key)(lambda event: state.__setitem__("index", ((state["index"] or 0) + 1) % len(values)))
        kb.add("enter", filter=ready)(lambda event: choose(event, state["index"]))
        kb.add("enter", filter=~ready)(lambda event: None)
        for number in range(1, min(len(values), 9) + 1):
            kb.add(str(number), filter=ready)(lambda event, i=number - 1: choose(event, i))
        def other(event, value):  # a key that is not a choice: the record marks no option
            state["index"] = values.index(value) if value in values else None
            event.app.exit(result=value)
        for key, value in (extra_keys or {}).items():
            kb.add(key, eager=key == "escape")(lambda event, v=value: other(event, v))
        kb.add("c-c")(lambda event: event.app.exit(exception=KeyboardInterrupt()))
        kb.add("c-d")(lambda event: event.app.exit(exception=EOFError()))
        app = self._app(body, kb, toolbar=toolbar is not None)
        if fresh:
            self._drop_typeahead(app)
        shown[0] = self.clock()
        return self._run(app)

    def status(self, session) -> str:
        chapter = session.game.scene.chapter or session.story.title
        return safe_line(fit_status(safe_line(chapter), format_duration(session.play_seconds), self._columns()))

    def ask(self, options, session):
        self.session = session
        if not options:
            return self.command_line()
        keys = dict(SHORTCUTS)
        keys[":"] = ":"
        handler = getattr(session, "handler", None)
        default = handler.default_choice if handler is not None else None
        marks = [handler.taken_before(o) for o in options] if handler is not None else None
        fresh, self.after_text = self.after_text, False
        result = self.menu(FormattedText([("class:note", "What do you do?")]),
                           [(o.index, o.text) for o in options], default=default,
                           toolbar=True, extra_keys=keys, marks=marks, fresh=fresh)
        if result == ":":
            return self.command_line()
        return result

    def command_line(self) -> str:
        """A typed command after `:`. Escape or Ctrl-C cancels it (back to the menu); Ctrl-D leaves."""
        kb = KeyBindings()
        kb.add("escape", eager=True)(lambda event: event.app.exit(result=""))
        kb.add("c-c")(lambda event: event.app.exit(result=""))
        session = PromptSession(": ", key_bindings=kb, style=self.style, color_depth=self.depth,
                                include_default_pygments_style=False, input=self.input, output=self.output,
                                bottom_toolbar=None)
        line = session.prompt()
        return line if line is not None else ""

    def confirm(self, question: str) -> bool:
        picked = self.menu(FormattedText([("class:note", question)]), [(True, "Yes"), (False, "No")],
                           default=False, extra_keys={"y": True, "n": False, "escape": False, "q": False})
        return picked is True

    def again(self) -> str:
        return self.menu(FormattedText([("class:note", "The story is over.")]),
                         [("restart", "Start again"), ("quit", "Quit")], default="quit",
                         extra_keys={"q": "quit"}, fresh=True)

    def settings_menu(self, settings) -> bool:
        while True:
            no_color = bool(os.environ.get("NO_COLOR"))
            theme = getattr(settings, "theme", "auto")
            detected = "light" if light_background() else "dark"
            options = [
                ("pacing", f"Pacing: {'a little at a time' if settings.pacing == 'paragraph' else 'whole scenes'}"),
                ("color", "Colours: off (NO_COLOR is set)" if no_color
                 else f"Colours: {'on' if settings.color else 'off'}"),
                ("theme", f"Theme: {theme}" + (f" ({detected} background)" if theme == "auto" else "")),
                ("width", f"Text width: {settings.width} columns"),
                ("done", "Done"),
            ]
            picked = self.menu(FormattedText([("class:title", "Settings")]), options, default="done",
                               extra_keys={"q": "done", "escape": "done"})
            if picked == "done":
                return True
            if picked == "pacing":
                settings.pacing = "scene" if settings.pacing == "paragraph" else "paragraph"
            elif picked == "color":
                settings.color = not settings.color
            elif picked == "theme":
                themes = ["auto", "dark", "light"]
                settings.theme = themes[(themes.index(theme) + 1) % 3] if theme in themes else "auto"
            elif picked == "width":
                widths = [60, 72, 88, 100, 120]
                settings.width = widths[(widths.index(settings.width) + 1) % len(widths)] \
                    if settings.width in widths else 88
            self.apply(settings)

    # -- the title screen -------------------------------------------------------------
    def title(self, story, store, on_settings=None, splashed: bool = False, drawn: int = 0):
        """Return ("new", None), ("load", slot name), ("chapter", its record), or None to quit.

        `splashed`: `adventure.title.splash` already printed the title, with a still
        picture of the menu in its last `drawn` lines (if any), which the menu draws over.
        """
        self.use_story(story)
        if splashed or getattr(self, "_title_shown", False):
            self._title_shown = True
        else:
            self._title_shown = True
            for style, text in header_lines(story, min(self.width, self._columns() - 1)):
                self._print([({"1": "class:title", "2": "class:mark", "3": "class:subtitle"}.get(style, ""), text)])
        while True:
            infos = slots_of(story, store)
            progress = progress_of(story, store)
            options, default = title_options(story, infos, progress)
            if drawn:
                sys.stdout.write(f"\x1b[{drawn}A\r")  # back up over the still picture of the menu
                sys.stdout.flush()
                drawn = 0
            picked = self.menu("", options, default=default, extra_keys={"q": "quit"})
            if picked == "quit":
                return None
            if picked == "new":
                return ("new", None)
            if isinstance(picked, tuple):
                return picked
            if picked == "help":
                self.say(HELP)
            elif picked == "settings":
                self.settings_menu(self.settings)
                if on_settings is not None:
                    on_settings(self.settings)
            elif picked == "pick":
                chosen = self._pick_save(infos, store, story)
                if chosen is not None:
                    return chosen
            elif picked == "chapters":
                choices = [(("chapter", c), f"{c['chapter']} \u2014 {c['scene_title']}") for c in progress.chapters]
                choices += [(("replay", e), f"Replay the ending: {e['title']} ({e['choices']} choices, "
                                            f"{format_duration(e['play_seconds'])})") for e in progress.endings]
                chosen = self.menu("Start a new game from a chapter you have reached:", choices + [("back", "Back")],
                                   extra_keys={"escape": "back", "q": "back"})
                if chosen == "back":
                    continue
                if chosen[0] == "replay":
                    self.replay_ending(story, progress, chosen[1])
                    continue
                return chosen
            elif picked == "ending":
                self.replay_ending(story, progress, progress.endings[-1])

    def _pick_save(self, infos, store, story):
        choices = [(("load", i.name), f"{i.name}: {i.chapter + ': ' if i.chapter else ''}{i.scene_title}, "
                                      f"{i.choices} choices, {ago(time.time() - i.saved_at)}")
                   for i in infos] + [("back", "Back")]
        chosen = self.menu("Which save?", choices, extra_keys={"escape": "back", "q": "back"})
        if chosen == "back":
            return None
        name = chosen[1]
        what = self.menu(f"The save {name}:", [("load", "Load it"), ("delete", "Delete it"), ("back", "Back")],
                         extra_keys={"escape": "back", "q": "back", "d": "delete"})
        if what == "load":
            return chosen
        if what == "delete" and self.confirm(f"Delete the save {name}? This cannot be undone."):
            from ..core.errors import SaveError

            try:
                store.bound(story.id).delete(name)
                self.say(f"Deleted {name}.")
            except SaveError as exc:
                self.warn(str(exc))
        return None

    def replay_ending(self, story, progress, entry) -> None:
        """Show a finished ending again, once and whole."""
        from ..core.errors import AdventureError

        try:
            game, _note = progress.restore(story, entry)
            frames = game.frames
        except AdventureError as exc:
            self.warn(f"That ending cannot be shown again: {exc}")
            return
        self.chapter = None
        self.show(frames[-1:], game)
        self.ending(game, entry["play_seconds"])
