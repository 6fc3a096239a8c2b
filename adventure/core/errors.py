"""Every error the engine raises on purpose, in one tree; each class has one meaning.

    AdventureError                 base of everything below; never raised itself
    ├── StoryError                 a story that cannot be built: `.diagnostics` lists every
    │                              located problem (compile errors and whole-story checks)
    ├── ChoiceError                `Game.choose()` was given a choice that is not on offer
    ├── PlayError                  the story cannot take the step it was asked to take; the
    │   │                          game is left exactly as it was before the step
    │   ├── LoopError              fallback choices lead round in a circle without end
    │   └── EvaluationError        an expression failed at run time (a value out of its
    │                              declared range or over a size limit, a host function failed)
    ├── StateError                 a saved game state (a snapshot) that does not fit the story
    ├── RouteError                 a recorded route that stops matching the story (`.step`)
    ├── SaveError                  a save slot or save file that cannot be read or written
    ├── SettingsError              a setting that cannot be read, changed or written
    └── CommandError               a command typed at the game that cannot be carried out

The shell maps an `OSError` to `SaveError` or `SettingsError` where it happens, with
the file named, so no `OSError` escapes the public API. The command line turns each
into one line (one line per diagnostic for StoryError) and an exit status; none of
them ever reaches the player as a traceback.
"""
from __future__ import annotations

from typing import Any, NamedTuple


class Diagnostic(NamedTuple):
    """One located finding about a story: `path:line:column: severity: message [CODE]`.

    `severity` is "error" or "warning". Diagnostics sort by place in the file.
    """

    path: str
    line: int
    column: int
    severity: str
    message: str
    code: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}:{self.column}: {self.severity}: {self.message} [{self.code}]"

    def to_dict(self) -> dict[str, Any]:
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


class PlayError(AdventureError):
    pass


class LoopError(PlayError):
    pass


class EvaluationError(PlayError):
    pass


class StateError(AdventureError):
    pass


class RouteError(AdventureError):
    def __init__(self, message: str, step: int):
        self.step = step
        super().__init__(message)


class SaveError(AdventureError):
    pass


class SettingsError(AdventureError):
    pass


class CommandError(AdventureError):
    pass
