"""One sitting at the game in a player: the loop that joins a UI to the session's handler."""
from __future__ import annotations

import errno
import time

from ..core.engine import Game
from ..store.saves import SaveStore
from .handler import HELP, QUICK, Event, Handler, format_duration, format_slots  # noqa: F401 - read from here too



LOST = (errno.EIO, errno.ENXIO, errno.EBADF, errno.ENOTTY, errno.EPIPE, errno.ENODEV)


def terminal_lost(exc: BaseException) -> bool:
    """True when `exc` means the terminal is gone (its window closed, its line hung up)."""
    if isinstance(exc, OSError):
        return exc.errno in LOST
    try:
        import termios
    except ImportError:
        return False
    return isinstance(exc, termios.error)


def _ignore_hangups() -> None:
    """While the last save is written, a second hang-up or TERM must not cut it short."""
    import signal

    for name in ("SIGHUP", "SIGTERM"):
        try:
            signal.signal(getattr(signal, name), signal.SIG_IGN)
        except (AttributeError, ValueError, OSError):
            pass  # not on this platform, or not the main thread


IDLE_LIMIT = 1000  # answers in a row that change nothing before the terminal is taken for gone


class Leave(Exception):
    """Raised by a signal handler: save and leave now."""


class Session:
    """A player's loop over a `Handler`: ask the UI for an answer, show the events it brings.

    The UI (plain or terminal) only shows things and asks; what every command
    does is in the handler, once, for both.
    """

    def __init__(self, story, ui, store: SaveStore | None, game: Game | None = None,
                 play_seconds: float = 0.0, record=None, reload=None, settings=None,
                 slot: str | None = None, recap: bool = False):
        self.handler = Handler(story, store, game, play_seconds, record=record, reload=reload, settings=settings,
                               slot=slot, recap=recap)
        self.ui = ui
        self.lost = False  # the terminal went away: leave without a word
        if ui is not None:
            ui.on_command = self.command_now  # keys pressed while text is paging
            ui.session = self
    # What the terminal player's status line reads.
    game = property(lambda self: self.handler.game)
    story = property(lambda self: self.handler.story)
    play_seconds = property(lambda self: self.handler.play_seconds)
    settings = property(lambda self: self.handler.settings)

    def run(self) -> int:
        handler, ui = self.handler, self.ui
        try:
            if self.show(handler.start()):
                return self.leave()
            idle = 0
            while True:
                game = handler.game
                if game.ended:
                    ui.ending(game, handler.play_seconds)
                    handler.autosave()
                    if ui.again() != "restart":
                        return self.leave()
                    self.show(handler.handle("restart yes"))
                    continue
                if game.stuck:
                    ui.warn(f"The story has nowhere to go from here (scene {game.state.scene!r} "
                            f"offers no choices). Type undo, load or quit.")
                events = handler.handle(ui.ask(handler.choices, self))
                idle = idle + 1 if not events else 0
                if idle > IDLE_LIMIT:  # a lost terminal answers at once, with nothing, for ever
                    return self.leave_quietly()
                if self.show(events):
                    return self.leave()
        except (EOFError, KeyboardInterrupt, Leave):
            return self.leave()
        except Exception as exc:  # noqa: BLE001 - only a lost terminal is handled; the rest is re-raised
            if not terminal_lost(exc):
                raise
            return self.leave_quietly()

    def show(self, events) -> bool:
        """Show what the handler said; True when the player asked to leave."""
        ui, handler = self.ui, self.handler
        for event in events:
            if event.kind == "scene":
                ui.show(event.frames, handler.game, again=event.again, back=event.back, read=event.read)
            elif event.kind == "say":
                ui.say(event.text)
            elif event.kind == "recap":
                ui.recap(event.text)
            elif event.kind == "confirm":
                answer = ui.confirm(event.text)
                if answer is None:  # a player without a yes/no question: the command says it
                    ui.say(f"{event.text} To go ahead, type: {event.command}")
                elif answer:
                    if self.show(handler.handle(event.command)):
                        return True
                else:
                    ui.say("Left as it was.")
            elif event.kind == "warn":
                ui.warn(event.text)
            elif event.kind == "apply":
                ui.apply(handler.settings)
            elif event.kind == "settings":
                if ui.settings_menu(handler.settings):
                    handler.settings_changed()
                    self.show(handler._flush())
                else:
                    ui.say(event.text)
            elif event.kind == "quit":
                return True
        return False

    def command_now(self, line: str) -> bool:
        """A command given while text is paging. True when it put new text on screen (the rest
        of the old scene is then not shown); a request to leave raises Leave."""
        events = self.handler.handle(line)
        if self.show(events):
            raise Leave()
        return any(e.kind == "scene" for e in events)

    def leave(self) -> int:
        saved = self.handler.leave()
        self.show(self.handler._flush())  # an autosave that failed says so
        try:
            self.ui.goodbye(saved=saved)
        except Exception as exc:  # noqa: BLE001
            if not terminal_lost(exc):
                raise
            self.lost = True
        return 0

    def leave_quietly(self) -> int:
        """The terminal is gone: keep the game as it is now, and say nothing (nobody can read it)."""
        self.lost = True
        _ignore_hangups()
        self.handler.leave()
        return 0


