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


def title_options(story, infos):
    """The menu: (value, label) pairs and the default value."""
    options, default = [], "new"
    if infos:
        newest = infos[0]
        where = f"{newest.chapter}: {newest.scene_title}" if newest.chapter else newest.scene_title
        options.append((("load", newest.name),
                        safe_line(f"Continue \u2014 {where} ({ago(time.time() - newest.saved_at)})")))
        default = ("load", newest.name)
    options.append(("new", "New game"))
    if infos:
        options.append(("pick", "Load a save"))
    options += [("settings", "Settings"), ("help", "Help"), ("quit", "Quit")]
    return options, default


def header_lines(story, width):
    lines = [("", ""), ("1", safe_line(f"  {story.title.upper()}"))]
    if story.subtitle:
        lines += [("3", line) for line in wrap(safe(f"  {story.subtitle}"), width).split("\n")]
    return lines + [("", "")]


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
    for style, text in header_lines(story, width):
        emit(style, text)
    options, default = title_options(story, slots_of(story, store))
    menu = [("", " ")]
    for n, (value, label) in enumerate(options, 1):
        chosen = value == default
        menu.append(("1" if chosen else "", f"   {'>' if chosen else ' '}  {n}. {label}"))
    if any(len(text) >= columns for _style, text in menu):
        stream.flush()
        return 0  # lines would wrap, and the menu could not find its place again
    for style, text in menu:
        emit(style, text)
    stream.flush()
    return len(menu)
