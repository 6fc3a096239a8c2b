"""Player settings that last between sessions: a small JSON file beside the saves."""
from __future__ import annotations

import json
import os
from pathlib import Path

FILENAME = "settings.json"
PACING = ("paragraph", "scene")


class Settings:
    """width: the widest a line of text may be (narrower terminals wrap sooner);
    pacing: "paragraph" reveals long scenes a paragraph at a time, "scene" all at once;
    color: styles for voices and headings."""

    def __init__(self, width: int = 88, pacing: str = "paragraph", color: bool = True):
        self.width, self.pacing, self.color = width, pacing, color

    def to_dict(self) -> dict:
        return {"width": self.width, "pacing": self.pacing, "color": self.color}

    def describe(self) -> str:
        return (f"width {self.width}, pacing {self.pacing} "
                f"({'a paragraph at a time' if self.pacing == 'paragraph' else 'whole scenes'}), "
                f"colours {'on' if self.color else 'off'}")

    def change(self, key: str, value: str) -> None:
        """Set one setting from text; raise ValueError with a one-line reason."""
        key, value = key.lower(), value.lower()
        if key == "width":
            if not value.isdigit() or not 30 <= int(value) <= 300:
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
        else:
            raise ValueError(f"no setting {key!r} (there are width, pacing and colours)")


def read(folder) -> tuple[Settings, str | None]:
    """The saved settings, or the defaults and a one-line warning when the file is broken."""
    path = Path(folder) / FILENAME
    try:
        with open(path, encoding="utf-8") as handle:
            data = json.load(handle)
    except FileNotFoundError:
        return Settings(), None
    except (OSError, ValueError, UnicodeDecodeError) as exc:
        return Settings(), f"Ignoring {path}: it cannot be read ({type(exc).__name__}); using the defaults."
    settings = Settings()
    if not isinstance(data, dict):
        return settings, f"Ignoring {path}: not a settings file; using the defaults."
    problems = []
    for key, value in data.items():
        try:
            settings.change(key, str(value).lower() if not isinstance(value, bool) else ("on" if value else "off"))
        except ValueError as exc:
            problems.append(str(exc))
    if problems:
        return settings, f"Ignoring part of {path}: {problems[0]}."
    return settings, None


def write(folder, settings: Settings) -> None:
    """Save atomically; raise OSError when the folder cannot be written."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    fd, tmp = _mkstemp(dir=folder, prefix=".settings-", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(settings.to_dict(), handle, indent=1)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, folder / FILENAME)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


def _mkstemp(**kw):
    import tempfile  # only writing needs it; kept off the start-up path

    return tempfile.mkstemp(**kw)
