"""A choice-based story engine, and *Her* told with it.

The public API is exactly the names in `__all__`; every module below this
package (core, store, play, tools) is private and may change.

    import adventure
    story, diagnostics = adventure.build({"story.yaml": "...", "01.yaml": "..."})
    story = adventure.open_story("story")          # a folder; raises StoryError
    game = adventure.Game(story)
    print(game.text)
    game.choose(game.choices[0].id)                 # all or nothing
    record = game.snapshot()                        # JSON-ready
    game, note = adventure.restore(story, record)   # replays only if the story changed

Errors: see `adventure.AdventureError` and the tree in `adventure.core.errors`.
The library reads no environment variable, keeps no cache and leaves the
garbage collector alone unless the host asks (`no_cyclic_gc`).
"""
__version__ = "0.3.0"

from .core.build import build, compile_sources  # noqa: E402
from .core.engine import Frame, Game, GameState, Option, replay, transcript, undo  # noqa: E402
from .core.errors import (  # noqa: E402
    AdventureError, ChoiceError, CommandError, Diagnostic, EvaluationError, LoopError, PlayError,
    RouteError, SaveError, SettingsError, StateError, StoryError,
)
from .core.model import Line, Story  # noqa: E402
from .core.snapshot import restore  # noqa: E402
from .store.loader import bundled_story, load_story  # noqa: E402
from .tools.memory import no_cyclic_gc  # noqa: E402

open_story = load_story

__all__ = [
    "AdventureError", "ChoiceError", "CommandError", "Diagnostic", "EvaluationError", "Frame", "Game",
    "GameState", "Line", "LoopError", "Option", "PlayError", "RouteError", "SaveError", "SettingsError",
    "StateError", "Story", "StoryError", "build", "bundled_story", "compile_sources", "load_story",
    "no_cyclic_gc", "open_story", "replay", "restore", "transcript", "undo",
]
