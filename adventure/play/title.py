"""The title screen's contents, and drawing it before prompt_toolkit has loaded.

Importing prompt_toolkit is most of a terminal start-up. The title and its
menu are printed first, with plain escape codes, as soon as the story is
loaded; the interactive menu then takes over the same lines. Keys pressed in
between wait in the terminal and reach the menu.
"""
from __future__ import annotations

import os
import shutil
import sys
import time

from .escape import safe, safe_line
from .plain import wrap


def ago(seconds: float) -> str:
    minutes = int(seconds // 60)
    if minutes < 1:
        return "just now"
    if minutes < 60:
        return f"{minutes} minute{'s' * (minutes != 1)} ago"
    hours = minutes // 60
    if hours < 24:
        return f"{hours} hour{'s' * (hours != 1)} ago"
    days = hours // 24
    return "yesterday" if days == 1 else f"{days} days ago"


def slots_of(story, store):
    """The story's slots; none when the folder cannot be read (the title screen must still come up)."""
    from ..core.errors import SaveError

    if store is None:
        return []
    try:
        return store.bound(story.id).slots()[0]
    except SaveError:
        return []


def progress_of(story, store):
    """The story's record of chapters reached and endings finished (empty without saving)."""
    from ..store.progress import Progress

    if store is None:
        return Progress(None, story.id)
    try:
        return Progress(store.bound(story.id).slot_dir, story.id)
    except OSError:
        return Progress(None, story.id)


def title_options(story, infos, progress=None):
    """The menu: (value, label) pairs and the default value.

    Continue offers the newest game still in play; a finished game is not continued
    (its ending can be replayed instead), and after THE END the default is New game."""
    options, default = [], "new"
    playing = [i for i in infos if not i.ended]
    if playing:
        newest = playing[0]
        where = f"{newest.chapter}: {newest.scene_title}" if newest.chapter else newest.scene_title
        options.append((("load", newest.name),
                        safe_line(f"Continue \u2014 {where} ({ago(time.time() - newest.saved_at)})")))
        if not infos[0].ended:
            default = ("load", newest.name)
    options.append(("new", "New game"))
    if infos:
        options.append(("pick", "Load a save"))
    if progress is not None and progress.chapters:
        options.append(("chapters", "Chapters"))
    if progress is not None and progress.endings:
        options.append(("ending", "Replay the ending"))
    options += [("settings", "Settings"), ("help", "Help"), ("quit", "Quit")]
    return options, default


def option_rows(options, index, width, marks=None):
    """The lines of a menu, as the terminal menu and the title's still picture both draw it:
    [(selected, prefix, text, taken)] per screen line; a wrapped label continues under its text."""
    digits = len(str(len(options)))
    rows = []
    for n, (_value, label) in enumerate(options):
        chosen = n == index
        prefix = f"  {'>' if chosen else ' '} {str(n + 1).rjust(digits)}. "
        taken = bool(marks and marks[n])
        text = safe_line(label) + (" \u2713" if taken else "")
        lines = wrap(text, max(10, width - len(prefix))).split("\n")
        for k, line in enumerate(lines):
            rows.append((chosen, prefix if k == 0 else " " * len(prefix), line, taken))
    return rows


def header_lines(story, width):
    """The title card: the title spaced out and centred, the subtitle set under it in
    centred lines of its own, and a quiet mark; each line (style, text)."""
    width = max(20, width)
    title = safe_line(story.title.upper())
    spaced = "  ".join(title) if len(title) * 3 <= width - 4 else title
    lines = [("", ""), ("", ""), ("1", _centre(spaced, width))]
    if story.subtitle:
        lines.append(("", ""))
        for line in wrap(safe_line(story.subtitle), max(16, min(width - 8, 56))).split("\n"):
            lines.append(("3", _centre(line, width)))
    lines += [("", ""), ("2", _centre("\u00b7", width)), ("", "")]
    return lines


def _centre(text: str, width: int) -> str:
    return " " * max(0, (width - len(text)) // 2) + text


def hold_keys():
    """Stop the terminal echoing keys and turning Enter into a newline while
    prompt_toolkit loads, so keys pressed early reach the menu intact and do not
    disturb the picture. Returns a function that puts the terminal back."""
    try:
        import termios

        fd = sys.stdin.fileno()
        original = termios.tcgetattr(fd)
        quiet = termios.tcgetattr(fd)
        quiet[0] &= ~termios.ICRNL
        quiet[3] &= ~(termios.ECHO | termios.ICANON)
        termios.tcsetattr(fd, termios.TCSANOW, quiet)
    except (ImportError, OSError, ValueError, AttributeError):
        return lambda: None
    except termios.error:
        return lambda: None

    def restore():
        try:
            termios.tcsetattr(fd, termios.TCSANOW, original)
        except (OSError, ValueError, termios.error):
            pass  # the terminal may be gone; there is nothing left to put back
    return restore


def splash(story, store, width, color, stream=None) -> int:
    """Print the title and a still picture of its menu; return how many menu lines
    the interactive menu must draw over (0 when it could not be drawn safely)."""
    stream = stream or sys.stdout
    columns = shutil.get_terminal_size((80, 24)).columns
    color = color and not os.environ.get("NO_COLOR")

    def emit(style, text):
        stream.write((f"\x1b[{style}m{text}\x1b[0m" if style and color else text) + "\n")
    for style, text in header_lines(story, min(width, columns - 1)):
        emit(style if style != "2" else "2", text)
    options, default = title_options(story, slots_of(story, store), progress_of(story, store))
    index = next((n for n, (value, _label) in enumerate(options) if value == default), 0)
    menu = [("1" if chosen else "", prefix + text)
            for chosen, prefix, text, _taken in option_rows(options, index, min(width, columns - 1))]
    if any(len(text) >= columns for _style, text in menu):
        stream.flush()
        return 0  # lines would wrap, and the menu could not find its place again
    for style, text in menu:
        emit(style, text)
    stream.flush()
    return len(menu)
