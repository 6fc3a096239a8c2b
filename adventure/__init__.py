"""A choice-based text adventure engine, and *Her* told with it.

    from adventure import load_story, Game
    story = load_story("story")
    game = Game(story)
    print(game.text)
    game.choose(game.choices[0].id)
"""
__version__ = "0.1.0"

from .core.engine import Frame, Game, GameState, Option, replay, transcript, undo  # noqa: E402
from .core.errors import (  # noqa: E402
    AdventureError, ChoiceError, Diagnostic, RouteError, SaveError, StateError, StoryError,
)
from .store.loader import bundled_story, load_story  # noqa: E402
from .core.model import Line, Story  # noqa: E402

__all__ = [
    "AdventureError", "ChoiceError", "Diagnostic", "Frame", "Game", "GameState", "Line", "Option",
    "RouteError", "SaveError", "StateError", "Story", "StoryError", "bundled_story", "load_story",
    "replay", "transcript", "undo",
]
