"""Player settings that last between sessions: `settings.json` at the top of the saves folder."""
from __future__ import annotations

import json
import re
from pathlib import Path

from . import strictjson
from .atomic import atomic_write, read_regular

FILENAME = "settings.json"  # never a slot: slots are NAME.save.json in a story's folder
MAX_BYTES = 64 * 1024
PACING = ("paragraph", "scene")
THEMES = ("auto", "dark", "light")


class Settings:
    """width: the widest a line of text may be (narrower terminals wrap sooner);
    pacing: "paragraph" reveals long scenes a paragraph at a time, "scene" all at once;
    color: styles for voices and headings (NO_COLOR in the environment turns them off too);
    theme: "dark" or "light" colours for the terminal's background, or "auto" (from COLORFGBG)."""

    def __init__(self, width: int = 88, pacing: str = "paragraph", color: bool = True, theme: str = "auto"):
        self.width, self.pacing, self.color, self.theme = width, pacing, color, theme

    def to_dict(self) -> dict:
        return {"width": self.width, "pacing": self.pacing, "color": self.color, "theme": self.theme}

    def describe(self) -> str:
        import os

        colours = "off (NO_COLOR is set)" if os.environ.get("NO_COLOR") else ("on" if self.color else "off")
        return (f"width {self.width}, pacing {self.pacing} "
                f"({'a little at a time' if self.pacing == 'paragraph' else 'whole scenes'}), "
                f"colours {colours}, theme {self.theme}")

    def change(self, key: str, value: str) -> None:
        """Set one setting from text; raise ValueError with a one-line reason."""
        key, value = key.lower(), value.lower()
        if key == "width":
            if not re.fullmatch(r"[0-9]{1,3}", value) or not 30 <= int(value) <= 300:  # ASCII digits only
                raise ValueError("width is a number from 30 to 300")
            self.width = int(value)
        elif key == "pacing":
            if value not in PACING:
                raise ValueError("pacing is 'paragraph' or 'scene'")
            self.pacing = value
        elif key in ("color", "colour", "colors", "colours"):
            if value not in ("on", "off", "true", "false"):
                raise ValueError("colours are 'on' or 'off'")
            self.color = value in ("on", "true")
        elif key == "theme":
            if value not in THEMES:
                raise ValueError("theme is 'auto', 'dark' or 'light'")
            self.theme = value
        else:
            raise ValueError(f"no setting {key[:40]!r} (there are width, pacing, colours and theme)")


def read(folder) -> tuple[Settings, str | None]:
    """The saved settings, or the defaults and a one-line warning when the file is not right.

    Only the exact shape `write` produces is taken: a regular file holding a
    mapping of known keys to values of the right type and range."""
    path = Path(folder) / FILENAME
    try:
        data = strictjson.loads(read_regular(path, MAX_BYTES))
    except FileNotFoundError:
        return Settings(), None
    except NotADirectoryError:
        return Settings(), f"Ignoring the saves folder {folder}: it is not a folder; using the default settings."
    except OSError as exc:
        return Settings(), f"Ignoring {path}: it cannot be read ({exc.strerror or exc}); using the defaults."
    except strictjson.BadJSON as exc:
        return Settings(), f"Ignoring {path}: {exc}; using the defaults."
    settings = Settings()
    if type(data) is not dict:
        return settings, f"Ignoring {path}: not a settings file; using the defaults."
    problems = []
    for key, value in data.items():
        problem = _take(settings, key, value)
        if problem:
            problems.append(problem)
    if problems:
        return settings, f"Ignoring part of {path}: {problems[0]}."
    return settings, None


def _take(settings: Settings, key: str, value) -> str | None:
    if key == "width":
        if type(value) is not int or not 30 <= value <= 300:
            return "width is a number from 30 to 300"
        settings.width = value
    elif key == "pacing":
        if value not in PACING:
            return "pacing is 'paragraph' or 'scene'"
        settings.pacing = value
    elif key == "color":
        if type(value) is not bool:
            return "color is true or false"
        settings.color = value
    elif key == "theme":
        if value not in THEMES:
            return "theme is 'auto', 'dark' or 'light'"
        settings.theme = value
    else:
        return f"no setting {key[:40]!r}"
    return None


def write(folder, settings: Settings) -> None:
    """Save atomically; raise OSError when the folder cannot be written."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    atomic_write(folder / FILENAME, json.dumps(settings.to_dict(), indent=1).encode("utf-8"))
