"""The `adventure` command: play, and the author's tools.

Every error becomes one line (or one line per story diagnostic) and an exit
status; no traceback reaches the user.
"""
from __future__ import annotations

import argparse
import json
import os
import signal
import sys

COMMANDS = ("play", "check", "explore", "graph", "new", "stats", "saves")
EPILOG = "commands: play (default), check, explore, graph, new, stats, saves.  `adventure COMMAND -h` for each."


def main(argv=None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    command = argv.pop(0) if argv and argv[0] in COMMANDS else "play"
    try:
        return globals()["cmd_" + command](argv)
    except KeyboardInterrupt:
        print(file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0


def _err(message: str) -> None:
    color = sys.stderr.isatty() and not os.environ.get("NO_COLOR")
    sys.stderr.write((f"\x1b[31m{message}\x1b[0m" if color else message) + "\n")


def _story_errors(exc) -> int:
    for diagnostic in exc.diagnostics:
        _err(str(diagnostic))
    errors = sum(d.severity == "error" for d in exc.diagnostics)
    _err(f"{errors} error{'s' if errors != 1 else ''}: the story cannot be played")
    return 1


# -- play --------------------------------------------------------------------------
def play_parser():
    p = argparse.ArgumentParser(prog="adventure", description="Play a story: *Her* unless --story says otherwise.",
                                epilog=EPILOG)
    p.add_argument("--story", metavar="DIR", help="play the story in DIR")
    p.add_argument("--plain", action="store_true", help="plain text: numbered choices, no colours or cursor moves")
    p.add_argument("--continue", dest="resume", action="store_true", help="resume the newest save")
    p.add_argument("--load", metavar="NAME", help="load the save NAME")
    p.add_argument("--saves", metavar="DIR", help="keep saves in DIR (default: $ADVENTURE_SAVES or saves/)")
    p.add_argument("--no-save", action="store_true", help="do not autosave")
    p.add_argument("--record", metavar="FILE", help="write the route as it is played to FILE")
    p.add_argument("--replay", metavar="FILE", help="play the route in FILE first, then hand over")
    p.add_argument("--from", dest="start_scene", metavar="SCENE", help="start at SCENE")
    p.add_argument("--set", action="append", default=[], metavar="VAR=VALUE", help="set a variable (with --from)")
    return p


def cmd_play(argv) -> int:
    args = play_parser().parse_args(argv)
    from .errors import AdventureError, StoryError
    from .loader import load_story

    try:
        story = load_story(args.story)
    except StoryError as exc:
        return _story_errors(exc)
    from .saves import SaveStore

    store = None if args.no_save else SaveStore(args.saves)
    try:
        game, seconds, note = _starting_game(story, store, args)
    except AdventureError as exc:
        _err(f"adventure: {exc}")
        return 1
    plain = args.plain or not sys.stdin.isatty() or not sys.stdout.isatty() or os.environ.get("TERM") == "dumb"
    if plain:
        from .ui_plain import PlainUI

        ui = PlainUI()
    else:
        from .ui_tty import TerminalUI

        ui = TerminalUI()
    if note:
        ui.warn(note)
    record = _recorder(args.record) if args.record else None
    from .session import Leave, Session

    def leave(signum, frame):
        raise Leave()
    for sig in (signal.SIGTERM, getattr(signal, "SIGHUP", None)):
        if sig is not None:
            signal.signal(sig, leave)
    session = Session(story, ui, store, game, seconds, record=record,
                      reload=lambda: load_story(args.story, cache=False))
    if args.replay and plain and game.ended:
        ui.show(game.frames, game)
        ui.ending(game, seconds)
        return 0
    try:
        return session.run()
    finally:
        if record is not None:
            record.close()


def _starting_game(story, store, args):
    from .engine import Game, replay
    from .errors import AdventureError, SaveError

    if args.load or args.resume:
        if store is None:
            raise SaveError("--load and --continue need saving on")
        name = args.load or store.newest()
        if name is None:
            raise SaveError(f"there are no saves in {store.folder} to continue")
        loaded = store.load(name, story)
        return loaded.game, loaded.play_seconds, loaded.note
    origin = None
    if args.start_scene:
        overrides = _parse_sets(story, args.set)
        origin = {"scene": args.start_scene, "vars": {**story.defaults, **overrides}}
        game = Game.starting_at(story, args.start_scene, overrides)
    elif args.set:
        raise AdventureError("--set goes with --from SCENE")
    else:
        game = Game(story)
    if args.replay:
        from .routes import read_route

        route = read_route(args.replay)
        game = replay(story, route, origin, keep_text=True)
    return game, 0.0, None


def _parse_sets(story, items) -> dict:
    from .errors import AdventureError

    out = {}
    for item in items:
        name, sep, raw = item.partition("=")
        spec = story.variables.get(name.strip())
        if not sep or spec is None:
            raise AdventureError(f"--set {item!r}: expected VAR=VALUE with a declared variable")
        raw = raw.strip()
        if spec["type"] == "bool":
            if raw.lower() not in ("true", "false"):
                raise AdventureError(f"--set {item!r}: {name} is a bool (true or false)")
            out[name] = raw.lower() == "true"
        elif spec["type"] == "int":
            try:
                out[name] = int(raw)
            except ValueError:
                raise AdventureError(f"--set {item!r}: {name} is an int") from None
        else:
            out[name] = raw
    return out


def _recorder(path):
    handle = open(path, "w", encoding="utf-8")
    handle.write("# route recorded by adventure play --record\n")

    class Recorder:
        def __call__(self, choice_id):
            handle.write(choice_id + "\n")
            handle.flush()

        def close(self):
            handle.close()
    return Recorder()


# -- check -------------------------------------------------------------------------
def cmd_check(argv) -> int:
    p = argparse.ArgumentParser(prog="adventure check", description="Find every mistake in a story folder.")
    p.add_argument("dir", nargs="?", help="the story folder (default: the bundled story)")
    p.add_argument("--format", choices=("text", "json"), default="text")
    p.add_argument("--strict", action="store_true", help="warnings fail too")
    args = p.parse_args(argv)
    from .checks import check
    from .errors import StoryError
    from .loader import bundled_story, compile_sources, read_sources

    try:
        manifest, scene_files, fingerprint = read_sources(args.dir or bundled_story())
        compiled, diagnostics = compile_sources(manifest, scene_files, fingerprint)
    except StoryError as exc:
        compiled, diagnostics = None, exc.diagnostics
    if compiled is not None:
        diagnostics = sorted(set(diagnostics) | set(check(compiled)))
    errors = sum(d.severity == "error" for d in diagnostics)
    warnings = len(diagnostics) - errors
    if args.format == "json":
        print(json.dumps({"errors": errors, "warnings": warnings,
                          "diagnostics": [d.to_dict() for d in diagnostics]}, indent=2))
    else:
        for d in diagnostics:
            print(d)
        scenes = len(compiled["scenes"]) if compiled else 0
        print(f"{scenes} scenes: {errors} error{'s' * (errors != 1)}, {warnings} warning{'s' * (warnings != 1)}",
              file=sys.stderr)
    return 1 if errors or (args.strict and warnings) else 0


def _missing(name):
    def run(argv) -> int:
        _err(f"adventure {name}: not available yet")
        return 2
    return run


cmd_explore = _missing("explore")
cmd_graph = _missing("graph")
cmd_new = _missing("new")
cmd_stats = _missing("stats")
cmd_saves = _missing("saves")
