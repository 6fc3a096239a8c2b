"""Every error the engine raises, in one tree.

    AdventureError                 base of everything below
    ├── StoryError                 a story folder that cannot be played;
    │                              `.diagnostics` lists every located problem
    ├── ChoiceError                `Game.choose()` given a choice that is not on offer
    ├── StateError                 a game state that does not fit the story
    ├── RouteError                 a recorded route that stops matching the story
    └── SaveError                  a save slot or file that cannot be read or written

The command line turns each into one line (or, for StoryError, one line per
diagnostic) and an exit status of 1; none of them ever reaches the player as a
traceback.
"""
from __future__ import annotations

from collections import namedtuple


class Diagnostic(namedtuple("Diagnostic", "path line column severity message code")):
    """One located finding about a story: `path:line:column: severity: message [CODE]`.

    `severity` is "error" or "warning". Diagnostics sort by place in the file.
    """

    __slots__ = ()

    def __str__(self) -> str:
        return f"{self.path}:{self.line}:{self.column}: {self.severity}: {self.message} [{self.code}]"

    def to_dict(self) -> dict:
        return {
            "path": self.path,
            "line": self.line,
            "column": self.column,
            "severity": self.severity,
            "message": self.message,
            "code": self.code,
        }


class AdventureError(Exception):
    """Base of every error the engine raises on purpose."""


class StoryError(AdventureError):
    def __init__(self, diagnostics: list[Diagnostic]):
        self.diagnostics = sorted(diagnostics)
        super().__init__("\n".join(str(d) for d in self.diagnostics))


class ChoiceError(AdventureError):
    pass


class StateError(AdventureError):
    pass


class RouteError(AdventureError):
    def __init__(self, message: str, step: int):
        self.step = step
        super().__init__(message)


class SaveError(AdventureError):
    pass
