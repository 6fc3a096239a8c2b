"""The terminal player: prompt_toolkit menus, styled voices, text kept in scrollback.

Scene text is printed (wrapped to the terminal) rather than drawn in a full
screen application, so the story stays in the terminal's scrollback; only the
menu of choices is an interactive prompt_toolkit widget.
"""
from __future__ import annotations

import os

from prompt_toolkit import print_formatted_text
from prompt_toolkit.formatted_text import FormattedText
from prompt_toolkit.key_binding import KeyBindings
from prompt_toolkit.shortcuts import prompt
from prompt_toolkit.shortcuts.choice_input import ChoiceInput
from prompt_toolkit.styles import Style

from .session import format_duration
from .ui_plain import goodbye_text, text_width, wrap

BASE_STYLE = {
    "chapter": "bold",
    "title": "bold",
    "warn": "#ff6060",
    "note": "italic #9e9e9e",
    "bottom-toolbar": "noreverse #9e9e9e bg:#262626",
    "selected-option": "bold",
}
SHORTCUTS = {"s": "save", "u": "undo", "h": "help", "?": "help", "q": "quit"}


class TerminalUI:
    def __init__(self, story=None, width: int | None = None, input=None, output=None):
        self.width_limit = width
        self.chapter = None
        self.color = not os.environ.get("NO_COLOR")
        self.input, self.output = input, output
        self.style = Style.from_dict(BASE_STYLE)
        self.speakers = {}
        if story is not None:
            self.use_story(story)

    def use_story(self, story) -> None:
        rules = dict(BASE_STYLE)
        for sid, spec in story.speakers.items():
            if spec.get("style"):
                rules[f"speaker.{sid}"] = spec["style"]
        try:
            self.style = Style.from_dict(rules)
        except (ValueError, AssertionError):
            self.style = Style.from_dict(BASE_STYLE)
        self.speakers = story.speakers

    @property
    def width(self) -> int:
        return text_width(self.width_limit)

    def _print(self, fragments) -> None:
        if not self.color:
            fragments = [("", text) for _style, text in fragments]
        print_formatted_text(FormattedText(fragments), style=self.style, output=self.output)

    # -- showing -----------------------------------------------------------------
    def show(self, frames, game, again=False) -> None:
        if not self.speakers and game is not None:
            self.use_story(game.story)
        for frame in frames:
            chapter = frame.scene.chapter
            if chapter and chapter != self.chapter:
                self._print([("", "\n"), ("class:chapter", chapter)])
            self.chapter = chapter
            self._print([("", "")])
            for line in frame.lines:
                style = f"class:speaker.{line.speaker}" if line.speaker else ""
                self._print([(style, wrap(line.text, self.width))])
                self._print([("", "")])

    def say(self, text: str) -> None:
        self._print([("class:note", wrap(text, self.width))])

    def warn(self, text: str) -> None:
        self._print([("class:warn", wrap(text, self.width))])

    def ending(self, game, seconds: float) -> None:
        self._print([("class:chapter", "THE END")])
        self._print([("class:note", f"{len(game.state.route)} choices, {format_duration(seconds)} played.")])

    def goodbye(self, saved: bool = False) -> None:
        self._print([("class:note", wrap(goodbye_text(saved), self.width))])

    # -- asking ------------------------------------------------------------------
    def status(self, session) -> str:
        chapter = session.game.scene.chapter or session.story.title
        return (f" {chapter}  \u00b7  {format_duration(session.play_seconds)}  \u00b7  "
                f"s save  u undo  h help  : command  q quit")

    def ask(self, options, session):
        if not options:
            return self.command_line()
        kb = KeyBindings()
        for key, command in SHORTCUTS.items():
            kb.add(key)(lambda event, c=command: event.app.exit(result=c))
        kb.add(":")(lambda event: event.app.exit(result=":"))
        kb.add("c-d")(lambda event: event.app.exit(exception=EOFError()))
        menu = ChoiceInput(
            message=FormattedText([("class:note", "What do you do?")]),
            options=[(o.index, wrap(o.text, self.width - 6)) for o in options],
            style=self.style,
            bottom_toolbar=lambda: self.status(session),
            key_bindings=kb,
        )
        app = menu._create_application()
        digits = app.layout.current_control.key_bindings
        for number in range(1, min(len(options), 9) + 1):
            digits.add(str(number))(lambda event, i=number - 1: event.app.exit(result=i))
        if self.input is not None or self.output is not None:
            app.input = self.input or app.input
            app.output = self.output or app.output
        result = app.run()
        if result == ":":
            return self.command_line()
        return result

    def command_line(self) -> str:
        return prompt(": ")
