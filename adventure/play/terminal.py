"""The terminal player: a title screen, prompt_toolkit menus, styled voices, paced text.

Scene text is printed (wrapped to the terminal) rather than drawn in a full
screen application, so the story stays in the terminal's scrollback; only the
menus and the "more" prompt are interactive prompt_toolkit applications.
"""
from __future__ import annotations

import os
import sys
import time

from prompt_toolkit import print_formatted_text
from prompt_toolkit.application import Application
from prompt_toolkit.formatted_text import FormattedText
from prompt_toolkit.key_binding import KeyBindings
from prompt_toolkit.layout import Layout
from prompt_toolkit.layout.containers import Window
from prompt_toolkit.layout.controls import FormattedTextControl
from prompt_toolkit.shortcuts import prompt
from prompt_toolkit.shortcuts.choice_input import ChoiceInput
from prompt_toolkit.styles import Style

from .handler import HELP, format_duration
from ..store.settings import Settings
from .title import ago, header_lines, slots_of, title_options
from .escape import safe, safe_line
from .plain import goodbye_text, text_width, wrap

BASE_STYLE = {
    "chapter": "bold",
    "title": "bold",
    "subtitle": "italic",
    "warn": "#ff6060",
    "note": "italic #9e9e9e",
    "more": "#7a7a7a",
    "bottom-toolbar": "noreverse #9e9e9e bg:#262626",
    "selected-option": "bold",
}
SHORTCUTS = {"s": "save", "u": "undo", "h": "help", "?": "help", "q": "quit"}
LONG = 3  # scenes with more paragraphs than this are revealed one paragraph at a time


class TerminalUI:
    def __init__(self, story=None, width: int | None = None, input=None, output=None, settings=None):
        self.settings = settings or Settings()
        self.width_limit = width or self.settings.width
        self.chapter = None
        self.color = self.settings.color and not os.environ.get("NO_COLOR")
        self.input, self.output = input, output
        self.style = Style.from_dict(BASE_STYLE)
        self.speakers = {}
        self.speaker_class: dict = {}
        if story is not None:
            self.use_story(story)

    def apply(self, settings) -> None:
        self.settings = settings
        self.width_limit = settings.width
        self.color = settings.color and not os.environ.get("NO_COLOR")

    def use_story(self, story) -> None:
        # A speaker id or style comes from the story: the class name is ours (an id with a
        # space would be two classes), and a style prompt_toolkit refuses is simply not used.
        rules = dict(BASE_STYLE)
        self.speaker_class = {}
        for n, (sid, spec) in enumerate(story.speakers.items()):
            name = f"speaker.s{n}"
            self.speaker_class[sid] = name
            style = spec.get("style") if isinstance(spec, dict) else None
            if isinstance(style, str) and style:
                try:
                    Style.from_dict({name: style})
                except (ValueError, AssertionError, TypeError):
                    continue
                rules[name] = style
        try:
            self.style = Style.from_dict(rules)
        except (ValueError, AssertionError, TypeError):
            self.style = Style.from_dict(BASE_STYLE)
        self.speakers = story.speakers

    @property
    def width(self) -> int:
        return text_width(self.width_limit)

    def _print(self, fragments) -> None:
        fragments = [(style if self.color else "", safe(text)) for style, text in fragments]
        print_formatted_text(FormattedText(fragments), style=self.style, output=self.output)

    def _run(self, app):
        if self.input is not None:
            app.input = self.input
        if self.output is not None:
            app.output = self.output
        return app.run()

    # -- showing -----------------------------------------------------------------
    def show(self, frames, game, again=False) -> None:
        if not self.speakers and game is not None:
            self.use_story(game.story)
        paced = self.settings.pacing == "paragraph" and sum(len(f.lines) for f in frames) > LONG
        for n, frame in enumerate(frames):
            chapter = frame.scene.chapter
            if chapter and chapter != self.chapter:
                self._print([("", "\n"), ("class:chapter", chapter)])
            self.chapter = chapter
            self._print([("", "")])
            for i, line in enumerate(frame.lines):
                style = f"class:{self.speaker_class[line.speaker]}" if line.speaker in self.speaker_class else ""
                self._print([(style, wrap(line.text, self.width))])
                last = n == len(frames) - 1 and i == len(frame.lines) - 1
                if paced and not last:
                    paced = self.more()
                self._print([("", "")])

    def more(self) -> bool:
        """Wait for Enter or Space before the next paragraph; `a` shows the rest. False: stop pausing."""
        kb = KeyBindings()
        for key in ("enter", " ", "c-m", "down", "j"):
            kb.add(key)(lambda event: event.app.exit(result=True))
        for key in ("a", "escape", "tab"):
            kb.add(key)(lambda event: event.app.exit(result=False))
        kb.add("c-c")(lambda event: event.app.exit(exception=KeyboardInterrupt()))
        kb.add("c-d")(lambda event: event.app.exit(exception=EOFError()))
        control = FormattedTextControl([("class:more", "  \u25be  Enter for more, a for all")])
        app = Application(layout=Layout(Window(control, height=1)), key_bindings=kb, style=self.style,
                          erase_when_done=True, full_screen=False)
        return self._run(app)

    def say(self, text: str) -> None:
        self._print([("class:note", wrap(text, self.width))])

    def warn(self, text: str) -> None:
        self._print([("class:warn", wrap(text, self.width))])

    def ending(self, game, seconds: float) -> None:
        self._print([("", "\n"), ("class:chapter", "THE END")])
        self._print([("class:note", f"{len(game.state.route)} choices, {format_duration(seconds)} played.")])

    def goodbye(self, saved: bool = False) -> None:
        self._print([("class:note", wrap(goodbye_text(saved), self.width))])

    # -- menus ------------------------------------------------------------------
    def menu(self, message, options, default=None, toolbar=None, extra_keys=None):
        kb = KeyBindings()
        for key, value in (extra_keys or {}).items():
            kb.add(key)(lambda event, v=value: event.app.exit(result=v))
        kb.add("c-d")(lambda event: event.app.exit(exception=EOFError()))
        options = [(value, wrap(safe_line(label), self.width - 11) if isinstance(label, str) else label)
                   for value, label in options]
        if isinstance(message, str):
            message = safe_line(message)
        choice = ChoiceInput(message=message, options=options, default=default, style=self.style,
                             bottom_toolbar=toolbar, key_bindings=kb)
        app = choice._create_application()
        digits = app.layout.current_control.key_bindings
        for number in range(1, min(len(options), 9) + 1):
            digits.add(str(number))(lambda event, v=options[number - 1][0]: event.app.exit(result=v))
        return self._run(app)

    def status(self, session) -> str:
        chapter = session.game.scene.chapter or session.story.title
        return safe_line(f" {chapter}  \u00b7  {format_duration(session.play_seconds)}  \u00b7  "
                         f"s save  u undo  h help  : command  q quit")

    def ask(self, options, session):
        if not options:
            return self.command_line()
        keys = dict(SHORTCUTS)
        keys[":"] = ":"
        result = self.menu(FormattedText([("class:note", "What do you do?")]),
                           [(o.index, o.text) for o in options],
                           toolbar=lambda: self.status(session), extra_keys=keys)
        if result == ":":
            return self.command_line()
        return result

    def command_line(self) -> str:
        return prompt(": ")

    def again(self) -> str:
        return self.menu(FormattedText([("class:note", "The story is over.")]),
                         [("restart", "Start again"), ("quit", "Quit")], default="quit",
                         extra_keys={"q": "quit"})

    def settings_menu(self, settings) -> bool:
        while True:
            options = [
                ("pacing", f"Pacing: {'a paragraph at a time' if settings.pacing == 'paragraph' else 'whole scenes'}"),
                ("color", f"Colours: {'on' if settings.color else 'off'}"),
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
            elif picked == "width":
                widths = [60, 72, 88, 100, 120]
                settings.width = widths[(widths.index(settings.width) + 1) % len(widths)] \
                    if settings.width in widths else 88
            self.apply(settings)

    # -- the title screen -------------------------------------------------------------
    def title(self, story, store, on_settings=None, splashed: bool = False, drawn: int = 0):
        """Return ("new", None), ("load", slot name), or None to quit.

        `splashed`: `adventure.title.splash` already printed the title, with a still
        picture of the menu in its last `drawn` lines (if any), which the menu draws over.
        """
        self.use_story(story)
        if splashed or getattr(self, "_title_shown", False):
            self._title_shown = True
        else:
            self._title_shown = True
            for style, text in header_lines(story, self.width):
                self._print([({"1": "class:title", "3": "class:subtitle"}.get(style, ""), text)])
        while True:
            infos = slots_of(story, store)
            options, default = title_options(story, infos)
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
                choices = [(("load", i.name), f"{i.name}: {i.chapter + ': ' if i.chapter else ''}{i.scene_title}, "
                                              f"{i.choices} choices, {ago(time.time() - i.saved_at)}")
                           for i in infos] + [("back", "Back")]
                chosen = self.menu("Which save?", choices, extra_keys={"escape": "back", "q": "back"})
                if chosen != "back":
                    return chosen
