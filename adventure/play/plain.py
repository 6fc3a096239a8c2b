"""The plain player: lines in, lines out. For pipes, scripts and screen readers.

No escape codes, no cursor movement: choices are numbered lines and every
prompt is a plain line. prompt_toolkit is never imported here.
"""
from __future__ import annotations

import re
import shutil
import sys
import textwrap
from textwrap import indent

from .escape import safe
from .handler import MAX_LINE, format_duration

LETTER = "letter"  # the speaker a story gives the lines of a letter: set apart on the page
LETTER_RULE = "    " + "\u2500" * 12
_NUMBER = re.compile(r"[0-9]+\Z")  # ASCII digits only: '²' and '①' are not numbers here


def wrap(text: str, width: int) -> str:
    width = max(1, width)
    # textwrap slices a long word one line at a time, quadratic in its length; pre-cut such
    # words into line-sized pieces so a pasted megabyte wraps in linear time.
    long_word = re.compile(r"\S{%d,}" % (width + 1))

    def cut(match):
        word = match.group()
        return " ".join(word[i:i + width] for i in range(0, len(word), width))
    return "\n".join(textwrap.fill(long_word.sub(cut, line), width, break_on_hyphens=False) if line else ""
                     for line in text.split("\n"))


def goodbye_text(saved: bool) -> str:
    if saved:
        return "Goodbye. Your place is saved; `adventure --continue` picks it up."
    return "Goodbye."


def text_width(limit: int | None = None) -> int:
    columns = shutil.get_terminal_size((80, 24)).columns
    return max(20, min(columns - 1, limit or 88))


class PlainUI:
    def __init__(self, stdin=None, stdout=None, width: int | None = None):
        self.stdin = stdin or sys.stdin
        self.stdout = stdout or sys.stdout
        self.width = text_width(width)
        self.chapter = None
        try:
            self.echoes = self.stdin.isatty()
        except (AttributeError, ValueError):
            self.echoes = False

    def write(self, text: str = "") -> None:
        self.stdout.write(safe(text) + "\n")  # every line out passes here: nothing raw reaches a terminal
        self.stdout.flush()

    def show(self, frames, game, again=False, back=False, read=()) -> None:
        for frame in frames:
            chapter = frame.scene.chapter
            if chapter and chapter != self.chapter:
                self.write()
                self.write(chapter.upper())
            self.chapter = chapter
            self.write()
            in_letter = False
            for line in frame.lines:
                letter = line.speaker == LETTER
                if letter and not in_letter:
                    self.write(LETTER_RULE)
                    self.write()
                elif in_letter and not letter:
                    self.write(LETTER_RULE)
                    self.write()
                in_letter = letter
                if letter:  # the letter is set apart: indented, between two rules
                    self.write(indent(wrap(line.text, max(20, self.width - 8)), "    "))
                else:
                    self.write(wrap(line.text, self.width))
                self.write()
            if in_letter:
                self.write(LETTER_RULE)
                self.write()

    def recap(self, text: str) -> None:
        self.write(wrap(text, self.width))

    def confirm(self, question: str):
        return None  # plain mode asks nothing back: the command to type is said instead

    def _choices(self, options, session) -> None:
        taken = getattr(getattr(session, "handler", None), "taken_before", None)
        for option in options:
            mark = " (taken before)" if taken is not None and taken(option) else ""
            self.write(wrap(f"{option.index + 1}. {option.text}{mark}", self.width))

    def ask(self, options, session):
        self._choices(options, session)
        while True:
            answer = self._answer()
            if answer is None:
                raise EOFError
            if _NUMBER.match(answer):
                number = int(answer) if len(answer) <= 6 else 0  # a 4,301-digit number is just out of range
                if 1 <= number <= len(options):
                    return number - 1
                self.write(f"Choose a number from 1 to {len(options)}, or type help." if options
                           else "There is nothing to choose here. Type undo, load or quit.")
                self._choices(options, session)
                continue
            if answer:
                return answer

    def _answer(self) -> str | None:
        """One line from the player, stripped; None at the end of input."""
        self.stdout.write("> ")
        self.stdout.flush()
        line = self.stdin.readline(MAX_LINE + 1)
        if not line:
            self.write()
            return None
        if len(line) > MAX_LINE and not line.endswith("\n"):
            while True:  # the rest of an overlong line is read and dropped, a piece at a time
                rest = self.stdin.readline(MAX_LINE)
                if not rest or rest.endswith("\n"):
                    break
            self.write("(that line was too long to be a choice or a command)")
            return ""
        answer = line.strip()
        if not self.echoes:
            self.write(answer)  # keep the transcript readable when input comes from a pipe
        return answer

    def apply(self, settings) -> None:
        self.width = text_width(settings.width)

    def settings_menu(self, settings) -> bool:
        return False  # plain mode changes settings by typed command only

    def title(self, story) -> None:
        self.write(story.title.upper())
        if story.subtitle:
            self.write(wrap(story.subtitle, self.width))

    def again(self) -> str:
        self.write("1. Start again")
        self.write("2. Quit")
        while True:
            answer = self._answer()
            if answer is None:
                return "quit"
            answer = answer.lower()
            if answer in ("1", "restart", "again"):
                return "restart"
            if answer in ("2", "quit", "q", "exit"):
                return "quit"
            self.write("Type 1 to start again or 2 to quit.")

    def say(self, text: str) -> None:
        self.write(wrap(text, self.width))

    def warn(self, text: str) -> None:
        self.write(wrap(text, self.width))

    def ending(self, game, seconds: float) -> None:
        self.write("THE END")
        self.write(f"({len(game.state.route)} choices, {format_duration(seconds)} played)")

    def goodbye(self, saved: bool = False) -> None:
        self.write(wrap(goodbye_text(saved), self.width))
