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

COMMANDS = ("play", "check", "explore", "graph", "new", "stats", "saves", "lsp", "publish")
EPILOG = ("commands: play (default), check, explore, graph, new, stats, saves, lsp, publish.  "
          "`adventure COMMAND -h` for each.")


def main(argv=None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    for stream in (sys.stdout, sys.stderr):
        try:  # a terminal that cannot show a character gets a '?', not a crash
            stream.reconfigure(errors="replace")
        except (AttributeError, ValueError):
            pass
    command, argv = _split_command(argv)
    try:
        status = globals()["cmd_" + command](argv)
        sys.stdout.flush()  # here, where a full disk or a closed pipe still gets its one line
        return status
    except KeyboardInterrupt:
        print(file=sys.stderr)
        return 130
    except BrokenPipeError:
        _silence()
        return 0
    except OSError as exc:
        from ..play.session import terminal_lost

        if terminal_lost(exc):
            _silence()
            return 0
        _err(f"adventure: {exc.strerror or exc}" + (f": {exc.filename}" if exc.filename else ""))
        _silence()
        return 2


def _split_command(argv):
    """The command and its arguments. Global options may come before the command
    (`adventure --saves DIR saves`): they are handed to it."""
    lead, i = [], 0
    while i < len(argv):
        if argv[i] == "--saves" and i + 1 < len(argv):
            lead, i = lead + argv[i:i + 2], i + 2
        elif argv[i].startswith("--saves="):
            lead, i = lead + [argv[i]], i + 1
        else:
            break
    if i < len(argv) and argv[i] in COMMANDS:
        return argv[i], argv[i + 1:] + lead
    return "play", argv


def _silence() -> None:
    """Point stdout and stderr at nowhere, so the interpreter's last flush has nothing to complain to."""
    try:
        null = os.open(os.devnull, os.O_WRONLY)
        os.dup2(null, 1)
        os.dup2(null, 2)
    except OSError:
        pass


def _out(text: str = "") -> None:
    """A line to stdout, made safe for a terminal: story files and saves can hold escape codes."""
    from ..play.escape import safe_line

    print(safe_line(text))


def _safe(text: str) -> str:
    from ..play.escape import safe_line

    return safe_line(text)


def _err(message: str) -> None:
    from ..play.escape import safe_line

    message = safe_line(message)
    try:
        color = sys.stderr.isatty() and not os.environ.get("NO_COLOR")
        sys.stderr.write((f"\x1b[31m{message}\x1b[0m" if color else message) + "\n")
        sys.stderr.flush()
    except (OSError, ValueError):
        pass  # no terminal left to tell


def _positive(text: str) -> int:
    """An argparse type: a whole number from 1 to a billion, in ASCII digits."""
    import re

    if not re.fullmatch(r"[0-9]{1,10}", text.strip()) or not 1 <= int(text) <= 10 ** 9:
        raise argparse.ArgumentTypeError(f"{text[:40]!r} is not a whole number from 1 to 1,000,000,000")
    return int(text)


def _whole(text: str) -> int:
    import re

    if not re.fullmatch(r"-?[0-9]{1,18}", text.strip()):
        raise argparse.ArgumentTypeError(f"{text[:40]!r} is not a whole number")
    return int(text)


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
    p.add_argument("--seed", type=_seed, metavar="N",
                   help="the random seed of a new game (a story's random draws and shuffles follow it); "
                        "default: a new one each game")
    p.add_argument("--continue", dest="resume", action="store_true", help="resume the newest save")
    p.add_argument("--load", metavar="NAME", help="load the save NAME")
    p.add_argument("--saves", metavar="DIR", help="keep saves and settings in DIR (default: $ADVENTURE_SAVES, "
                                                  "else your user data folder; saves/ in the project's checkout)")
    p.add_argument("--no-save", action="store_true", help="do not autosave")
    p.add_argument("--record", metavar="FILE", help="write the route as it is played to FILE")
    p.add_argument("--replay", metavar="FILE", help="play the route in FILE first, then hand over")
    p.add_argument("--from", dest="start_scene", metavar="SCENE", help="start at SCENE")
    p.add_argument("--set", action="append", default=[], metavar="VAR=VALUE", help="set a variable (with --from)")
    return p


def cmd_play(argv) -> int:
    args = play_parser().parse_args(argv)
    from ..core.errors import AdventureError, StoryError

    try:
        story = _load_for_tool(args.story)
    except StoryError as exc:
        return _story_errors(exc)
    from ..store.saves import SaveStore

    store = None if args.no_save else SaveStore(args.saves, story.id)
    try:
        game, seconds, note, slot = _starting_game(story, store, args)
    except _FileProblem as exc:
        _err(f"adventure: {exc}")
        return 2
    except AdventureError as exc:
        _err(f"adventure: {exc}")
        return 1
    held = []  # the terminal settings to put back, when the title screen held keys
    try:
        return _play(args, story, store, game, seconds, note, held, slot)
    finally:
        for restore in held:
            restore()


def _play(args, story, store, game, seconds, note, held, slot=None) -> int:
    from ..core.errors import AdventureError
    from ..store.loader import load_story

    plain = args.plain or not sys.stdin.isatty() or not sys.stdout.isatty() or os.environ.get("TERM") == "dumb"
    from ..store import settings as settings_file

    settings, settings_warning = settings_file.read(store.folder if store else (args.saves or _default_saves()))
    if settings_warning:
        _err(settings_warning)
    plain = plain or _terminal_cannot_draw()
    fresh = not (args.load or args.resume or args.replay or args.start_scene)
    drawn, splashed = 0, False
    if plain:
        from ..play.plain import PlainUI

        ui = PlainUI(width=settings.width)
    else:
        if fresh:  # show the title while prompt_toolkit loads
            from ..play.title import hold_keys, splash
            from ..play.plain import text_width

            held.append(hold_keys())
            drawn, splashed = splash(story, store, text_width(settings.width), settings.color), True
        from ..play.terminal import TerminalUI

        ui = TerminalUI(story, settings=settings)
    try:
        record = _recorder(args.record, ui) if args.record else None
    except OSError as exc:
        _err(f"adventure: cannot write {args.record}: {exc.strerror or exc}")
        return 2
    from ..play.session import Leave, Session

    def leave(signum, frame):
        for sig in (signal.SIGTERM, getattr(signal, "SIGHUP", None)):
            if sig is not None:  # a second signal must not interrupt the goodbye save
                signal.signal(sig, signal.SIG_IGN)
        if signum == getattr(signal, "SIGHUP", None) and not plain:
            _silence()  # the terminal hung up: whatever is still drawn or said on the way out goes nowhere
        raise Leave()
    for sig in (signal.SIGTERM, getattr(signal, "SIGHUP", None)):
        if sig is not None:
            signal.signal(sig, leave)
    try:
        while fresh and not plain:
            picked = ui.title(story, store, on_settings=lambda s: _keep_settings(store, s),
                              splashed=splashed, drawn=drawn)
            drawn = 0
            if picked is None:
                ui.goodbye(saved=False)
                return 0
            if picked[0] == "new":
                break
            try:
                if picked[0] == "chapter":  # a new line of play from a chapter reached before
                    from ..play.title import progress_of

                    game, note = progress_of(story, store).restore(story, picked[1])
                    seconds, slot = 0.0, None
                    note = note or f"From {picked[1]['chapter']}, as your road first came to it."
                    break
                loaded = store.load(picked[1], story)
            except AdventureError as exc:
                ui.warn(str(exc))  # a broken save is reported and left alone; the title screen stays
                continue
            game, seconds, note, slot = loaded.game, loaded.play_seconds, loaded.note, picked[1]
            break
        if fresh and plain:
            ui.title(story)
    except (KeyboardInterrupt, EOFError, Leave):
        ui.goodbye(saved=False)
        return 0
    except Exception as exc:  # noqa: BLE001 - only a lost terminal is handled here; the rest is re-raised
        from ..play.session import terminal_lost

        if not terminal_lost(exc):
            raise
        _silence()
        return 0  # the window closed on the title screen: nothing to save, nobody to tell
    if note:
        ui.warn(note)
    session = Session(story, ui, store, game, seconds, record=record,
                      reload=lambda: load_story(args.story), settings=settings,
                      slot=slot, recap=slot is not None)
    if args.replay and plain and game.ended:
        ui.show(game.frames, game)
        ui.ending(game, seconds)
        return 0
    try:
        return session.run()
    finally:
        if record is not None:
            record.close()
        if session.lost:
            _silence()


def _default_saves():
    from ..store.saves import default_folder

    return default_folder()


def _keep_settings(store, settings):
    from ..store import settings as settings_file

    try:
        settings_file.write(store.folder if store else _default_saves(), settings)
    except OSError:
        pass


def _terminal_cannot_draw() -> bool:
    """A terminal whose encoding cannot show the menus' characters gets the plain player."""
    encoding = (getattr(sys.stdout, "encoding", None) or "ascii").lower().replace("-", "")
    return encoding not in ("utf8", "utf16", "utf32")


def _starting_game(story, store, args):
    from ..core.engine import Game, replay
    from ..core.errors import AdventureError, SaveError

    if args.load or args.resume:
        if store is None:
            raise SaveError("--load and --continue need saving on")
        name = args.load or next((i.name for i in store.slots()[0] if not i.ended), None)
        if name is None:  # --continue with nothing to continue: a new game, and a note saying so
            return Game(story), 0.0, f"There is no save in {store.folder} to continue; a new game begins.", None
        loaded = store.load(name, story)
        return loaded.game, loaded.play_seconds, loaded.note, name
    origin = None
    if args.start_scene:
        overrides = _parse_sets(story, args.set)
        origin = {"scene": args.start_scene, "vars": {**story.defaults, **overrides}}
        game = Game.starting_at(story, args.start_scene, overrides, seed=_new_seed(args))
    elif args.set:
        raise AdventureError("--set goes with --from SCENE")
    else:
        game = Game(story, seed=_new_seed(args))
    if args.replay:
        from .routes import read_route

        try:
            route = read_route(args.replay)
        except OSError as exc:
            raise _FileProblem(f"cannot read route {args.replay}: {exc.strerror or exc}") from None
        game = replay(story, route, origin, keep_text=True, seed=game.state.visits.get("#seed", 0))
    return game, 0.0, None, None


def _seed(text: str) -> int:
    if not (text.isascii() and text.isdigit()) or len(text) > 18:
        raise argparse.ArgumentTypeError("a seed is a whole number from 0 to 999999999999999999")
    return int(text)


def _new_seed(args) -> int:
    if args.seed is not None:
        return args.seed
    import random

    return random.SystemRandom().randrange(1, 2**31)


def _parse_sets(story, items) -> dict:
    from ..core.errors import AdventureError

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
            import re

            if not re.fullmatch(r"-?[0-9]{1,18}", raw):  # ASCII digits; int() would take '١٢' and '1_0'
                raise AdventureError(f"--set {item[:60]!r}: {name} is an int")
            out[name] = int(raw)
        else:
            out[name] = raw
        from ..core.model import fits

        problem = fits(spec, out[name])
        if problem is not None:
            raise AdventureError(f"--set {item!r}: {name} {problem}")
    return out


class _FileProblem(Exception):
    """A path given on the command line that cannot be read or written: one line, exit status 2."""


def _open_for_writing(path, mode="w"):
    """Open `path` to write without waiting on a FIFO nobody reads (that is ENXIO, an error)."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | getattr(os, "O_NONBLOCK", 0)
                 | getattr(os, "O_CLOEXEC", 0), 0o666)
    try:
        import fcntl

        fcntl.fcntl(fd, fcntl.F_SETFL, fcntl.fcntl(fd, fcntl.F_GETFL) & ~os.O_NONBLOCK)
    except (ImportError, OSError):
        pass
    return os.fdopen(fd, mode, **({"encoding": "utf-8"} if "b" not in mode else {}))


def _recorder(path, ui):
    """Write each choice to `path` as it is made. The header is written and flushed at once, so a
    path that cannot take it (a full disk, /dev/full) is an error before play begins; a later
    failure stops the recording with one warning and the game goes on."""
    handle = _open_for_writing(path)
    try:
        handle.write("# route recorded by adventure play --record\n")
        handle.flush()
    except OSError:
        _close_quietly(handle)
        raise

    class Recorder:
        broken = False

        def __call__(self, choice_id):
            if self.broken:
                return
            try:
                handle.write(choice_id + "\n")
                handle.flush()
            except OSError as exc:
                self.broken = True
                ui.warn(f"Recording stopped: cannot write {path}: {exc.strerror or exc}")

        def close(self):
            _close_quietly(handle)
    return Recorder()


def _close_quietly(handle) -> None:
    try:
        handle.close()
    except OSError:
        pass  # what could not be written was reported when it failed


# -- lsp (the language server lives in adventure.lsp) ------------------------------
def cmd_lsp(argv) -> int:
    from ..lsp import main as lsp_main

    return lsp_main(argv)


# -- check -------------------------------------------------------------------------
def cmd_publish(argv) -> int:
    from .publish import main as publish_main  # the web player: adventure/tools/publish.py

    return publish_main(argv)


def _tool_parser(name: str, description: str, formats: tuple[str, ...] = ()) -> argparse.ArgumentParser:
    """The parser every author's tool starts from: the story folder, and the output format."""
    p = argparse.ArgumentParser(prog=f"adventure {name}", description=description)
    p.add_argument("dir", nargs="?", help="the story folder (default: the bundled story)")
    if formats:
        p.add_argument("--format", choices=formats, default=formats[0], help="how to write the result")
    return p


def cmd_check(argv) -> int:
    p = _tool_parser("check", "Find every mistake in a story folder.", ("text", "json"))
    p.add_argument("--strict", action="store_true", help="warnings fail too")
    p.add_argument("--against", metavar="OLD_DIR",
                   help="also list the choice ids (and scenes) that OLD_DIR has and this version does not: "
                        "the saves this edit will rewind")
    p.add_argument("--choices", action="store_true",
                   help="instead, report which choices matter: cosmetic menus, one-option prompts, effects "
                        "nothing reads, how far consequences reach (docs/authoring.md)")
    p.add_argument("--routes", action="append", metavar="DIR_OR_FILE",
                   help="with --choices: also count one-option prompts and cosmetic menus met along these "
                        "recorded routes (a folder of *.route files, or a file; may be repeated)")
    args = p.parse_args(argv)
    from ..core.build import compile_sources
    from ..core.errors import StoryError
    from ..store.loader import bundled_story, read_sources

    try:
        compiled, diagnostics = compile_sources(read_sources(args.dir or bundled_story()))
    except StoryError as exc:
        compiled, diagnostics = None, exc.diagnostics
    if args.routes and not args.choices:
        p.error("--routes goes with --choices")
    if args.choices and compiled is not None:  # a report: exit 0 unless the story has errors
        from .choices import run

        return run(compiled, args.routes, args.format, _out, _err)
    gone = None
    if args.against and compiled is not None:
        from ..core.compare import removed
        from ..core.compiler import Compiler

        try:
            old_sources = list(read_sources(args.against).items())
        except StoryError as exc:
            _err(f"adventure check: --against {args.against}: {exc.diagnostics[0]}")
            return 2
        old = Compiler().story(old_sources[0], old_sources[1:])  # an old version need not pass today's checks
        if old is None:
            _err(f"adventure check: --against {args.against}: that story cannot be read")
            return 2
        gone = removed(old, compiled)
    errors = sum(d.severity == "error" for d in diagnostics)
    warnings = len(diagnostics) - errors
    if args.format == "json":
        print(json.dumps({"errors": errors, "warnings": warnings,
                          "diagnostics": [d.to_dict() for d in diagnostics],
                          **({"removed": gone} if gone is not None else {})}, indent=2))
    else:
        for d in diagnostics:
            _out(str(d))
        if gone is not None:
            for key in gone["choices"]:
                _out(f"removed or renamed: choice {key} (saves that took it are rewound to before it)")
            for sid in gone["scenes"]:
                _out(f"removed or renamed: scene {sid}")
            if not gone["choices"] and not gone["scenes"]:
                _out(f"every choice id of {args.against} is still here: saves replay whole")
        scenes = len(compiled["scenes"]) if compiled else 0
        print(f"{scenes} scenes: {errors} error{'s' * (errors != 1)}, {warnings} warning{'s' * (warnings != 1)}",
              file=sys.stderr)
    return 1 if errors or (args.strict and warnings) else 0


def _load_for_tool(directory):
    """The story a command works on, through the cache; a broken story raises StoryError.

    The command line owns the process, so it applies the GC policy the library
    leaves to its host: no cyclic collection while building, and the built
    story frozen out of the collector's reach (see `tools.memory`).
    """
    from ..store.loader import bundled_story, load_story
    from .memory import no_cyclic_gc, settle

    with no_cyclic_gc():
        return settle(load_story(directory or bundled_story(), cache=True))


class _Progress:
    """A prompt_toolkit progress bar, shown only in a terminal and only after a second."""

    def __init__(self, label):
        import time

        self.label, self.clock, self.start = label, time.monotonic, time.monotonic()
        self.bar = self.counter = None
        self.enabled = sys.stderr.isatty() and sys.stdout.isatty()

    def __call__(self, done, total):
        if not self.enabled or self.clock() - self.start < 1.0:
            return
        if self.bar is None:
            from prompt_toolkit.shortcuts import ProgressBar

            self.bar = ProgressBar(title=self.label)
            self.bar.__enter__()
            self.counter = self.bar(label="states", total=total)
        self.counter.items_completed = done
        self.counter.total = total
        self.bar.invalidate()

    def close(self):
        if self.bar is not None:
            self.bar.__exit__(None, None, None)


def cmd_explore(argv) -> int:
    p = _tool_parser("explore", "Walk every reachable state: prove every ending is reachable and nothing "
                                "soft-locks.", ("text", "json"))
    p.add_argument("--max-states", type=_positive, default=500_000, help="give up after this many states")
    p.add_argument("--random", type=_positive, metavar="N", help="instead, N seeded random play-throughs")
    p.add_argument("--seed", type=_whole, default=0, help="the seed of --random (and of the stories' draws)")
    p.add_argument("--routes", metavar="DIR", help="write the route to each ending and soft-lock into DIR")
    args = p.parse_args(argv)
    from ..core.errors import StoryError
    from ..core.explore import explore, random_playthroughs
    from .memory import no_cyclic_gc

    if args.routes:
        problem = _routes_folder_problem(args.routes)
        if problem:
            _err(f"adventure explore: --routes {args.routes}: {problem}")
            return 2
    try:
        story = _load_for_tool(args.dir)
    except StoryError as exc:
        return _story_errors(exc)
    progress = _Progress("Exploring" if args.random is None else "Playing")
    try:
        with no_cyclic_gc():
            if args.random is not None:
                report = random_playthroughs(story, args.random, args.seed, progress=progress)
            else:
                report = explore(story, args.max_states, progress=progress)
    finally:
        progress.close()
    if args.routes:
        try:
            _write_routes(args.routes, report)
        except OSError as exc:
            _err(f"adventure explore: cannot write routes into {args.routes}: {exc.strerror or exc}")
            return 2
    if args.format == "json":
        print(json.dumps(report.to_dict(), indent=2))
    else:
        _print_report(report, args)
    return 0 if report.ok else 1


def _routes_folder_problem(folder) -> str | None:
    """Why `folder` cannot take route files, checked before a long exploration rather than after."""
    try:
        info = os.stat(folder)
    except FileNotFoundError:
        return None  # it will be made
    except OSError as exc:
        return exc.strerror or str(exc)
    import stat

    if not stat.S_ISDIR(info.st_mode):
        return "not a folder (route files go into a folder)"
    return None


def _write_routes(folder, report):
    from pathlib import Path

    from ..store.atomic import atomic_write
    from .routes import format_route

    out = Path(folder)
    out.mkdir(parents=True, exist_ok=True)
    files = [(f"ending-{ending}.route", format_route(route, f"shortest route to {ending}"))
             for ending, route in report.endings.items()]
    files += [(f"softlock-{i}.route", format_route(route, "a route into a soft-lock"))
              for i, route in enumerate(report.softlocks, 1)]
    for name, text in files:  # replaced whole, never written through a link left in the folder
        atomic_write(out / name, text.encode("utf-8"))


def _print_report(report, args):
    if report.mode == "random":
        _out(f"{report.playthroughs} random play-throughs (seed {args.seed})")
    else:
        _out(f"{report.states:,} states explored")
    if report.bound_reached:
        _out(f"bound reached: stopped at {args.max_states:,} states; the proof is incomplete "
              f"(raise --max-states, or sample with --random N)")
    _out(f"scenes: {report.scenes_reached}/{report.scenes_total} reached; "
          f"choices: {report.choices_taken}/{report.choices_total} taken")
    for ending, route in sorted(report.endings.items()):
        _out(f"ending {ending}: shortest route {len(route)} choices: {' '.join(route)}")
    if not report.endings and not report.failures:
        _out("no ending can be reached")
    for sid in report.unreached_scenes:
        _out(f"{'never reached' if report.mode == 'random' else 'unreachable'}: scene {sid}")
    for key in report.untaken_choices:
        _out(f"never taken: choice {key}")
    for route in report.softlocks:
        _out(f"soft-lock: no ending can be reached after: {' '.join(route) or '(the start)'}")
    for route in report.unfinished:
        _out(f"did not end within the step limit: {' '.join(route)} ...")
    for route, problem in report.failures:
        _out(f"cannot go on: {problem}; after: {' '.join(route) or '(the start)'}")
    _out("every ending reachable, no soft-locks" if report.ok else "PROBLEMS FOUND")




def cmd_graph(argv) -> int:
    p = _tool_parser("graph", "Draw the story: scenes and choices.", ("dot", "mermaid", "svg"))
    p.add_argument("--out", metavar="FILE", help="write to FILE instead of standard output")
    p.add_argument("--chapters", action="store_true", help="one node per scene file: the story's overview")
    args = p.parse_args(argv)
    from ..core.errors import StoryError
    from .graph import to_dot, to_dot_chapters, to_mermaid

    try:
        compiled = _load_for_tool(args.dir).compiled
    except StoryError as exc:
        return _story_errors(exc)
    if args.format == "mermaid":
        data = to_mermaid(compiled).encode()
    else:
        data = (to_dot_chapters(compiled) if args.chapters else to_dot(compiled)).encode()
        if args.format == "svg":
            import shutil
            import subprocess

            dot = shutil.which("dot")
            if dot is None:
                _err("adventure graph: --format svg needs Graphviz's `dot` (apt-get install graphviz); "
                     "use --format dot or mermaid")
                return 1
            done = subprocess.run([dot, "-Tsvg"], input=data, capture_output=True, timeout=300)
            if done.returncode != 0:
                _err(f"adventure graph: dot failed: {done.stderr.decode(errors='replace').strip()[:300]}")
                return 1
            data = done.stdout
    if args.out:
        try:
            with _open_for_writing(args.out, "wb") as handle:  # in place: --out /dev/null means what it says
                handle.write(data)
        except OSError as exc:
            _err(f"adventure graph: cannot write {args.out}: {exc.strerror or exc}")
            return 2
    else:
        sys.stdout.write(data.decode())
    return 0


def cmd_new(argv) -> int:
    p = argparse.ArgumentParser(prog="adventure new", description="Start a new story folder from a small example.")
    p.add_argument("dir", help="the folder to create (it must not exist, or be empty)")
    p.add_argument("--title", default="The Lighthouse", help="the new story's title (default: The Lighthouse)")
    args = p.parse_args(argv)
    import re
    from pathlib import Path

    from .newstory import MANIFEST, SCENES

    from ..play.escape import has_control

    title = args.title.strip()
    if not title or len(title) > 200 or has_control(title) or "\n" in title:
        _err("adventure new: --title is one line of 1 to 200 characters, without control characters")
        return 2
    folder = Path(args.dir)
    try:
        if folder.exists() or folder.is_symlink():
            if not folder.is_dir():
                _err(f"adventure new: {folder} exists and is not a folder")
                return 2
            if any(folder.iterdir()):
                _err(f"adventure new: {folder} exists and is not empty")
                return 1
        story_id = re.sub(r"[^A-Za-z0-9_.-]+", "-", folder.resolve().name).strip("-.") or "story"
        schema = Path(__file__).resolve().parent.parent / "schema"
        folder.mkdir(parents=True, exist_ok=True)
        # The schemas travel with the story (the loader reads only .yaml files), so the editor's
        # reference is relative and holds in the author's own repository, on any machine.
        (folder / "schema").mkdir(exist_ok=True)
        for name in ("manifest.schema.json", "scenes.schema.json"):
            (folder / "schema" / name).write_bytes((schema / name).read_bytes())
        # A JSON string is a YAML double-quoted scalar: the title is written exactly, colons and all.
        (folder / "story.yaml").write_text(MANIFEST.format(schema="schema", story_id=story_id,
                                                            title=json.dumps(title, ensure_ascii=False)),
                                           encoding="utf-8")
        (folder / "01-the-shore.yaml").write_text(SCENES.format(schema="schema"), encoding="utf-8")
    except OSError as exc:
        _err(f"adventure new: cannot write {folder}: {exc.strerror or exc}")
        return 2
    _out(f"Created {folder}: story.yaml, 01-the-shore.yaml, and schema/ for your editor.")
    _out(f"Next: adventure check {folder}; adventure explore {folder}; adventure --story {folder}")
    return 0


def cmd_stats(argv) -> int:
    p = _tool_parser("stats", "Scenes, choices, words and endings, per file.", ("text", "json"))
    args = p.parse_args(argv)
    from ..core.errors import StoryError
    from .stats import story_stats

    try:
        stats = story_stats(_load_for_tool(args.dir).compiled)
    except StoryError as exc:
        return _story_errors(exc)
    if args.format == "json":
        print(json.dumps(stats, indent=2))
        return 0
    w = max([len("total")] + [len(_safe(path)) for path in stats["files"]])  # columns line up, however long a path
    _out(f"{'file':<{w}} {'scenes':>6} {'choices':>7} {'words':>7} {'endings':>7}")
    for path, row in stats["files"].items():
        _out(f"{_safe(path):<{w}} {row['scenes']:>6} {row['choices']:>7} {row['words']:>7} {row['endings']:>7}")
    t = stats["total"]
    _out(f"{'total':<{w}} {t['scenes']:>6} {t['choices']:>7} {t['words']:>7} {t['endings']:>7}")
    _out(f"{t['variables']} variables")
    return 0


def cmd_saves(argv) -> int:
    p = argparse.ArgumentParser(prog="adventure saves", description="List save slots, or delete one.")
    p.add_argument("action", nargs="?", choices=("list", "delete"), default="list", help="list the saves (default), or delete one")
    p.add_argument("name", nargs="?", help="the save to delete")
    p.add_argument("--saves", metavar="DIR", help="the saves folder (default: $ADVENTURE_SAVES, else your user "
                                                  "data folder; saves/ in the project's checkout)")
    p.add_argument("--story", metavar="DIR", help="only the saves of the story in DIR (default: every story's)")
    args = p.parse_args(argv)
    from ..core.errors import SaveError, StoryError
    from ..play.session import format_slots
    from ..store.saves import SaveStore

    store = SaveStore(args.saves)
    problem = _saves_folder_problem(store.folder)
    if problem:
        _err(f"adventure saves: {problem}")
        return 2
    if args.story:
        from ..store.loader import load_story

        try:
            store = store.bound(load_story(args.story).id)
        except StoryError as exc:
            return _story_errors(exc)
    try:
        if args.action == "delete":
            if not args.name:
                raise SaveError("which save? adventure saves delete NAME")
            store.delete(args.name)
            _out(f"Deleted {args.name}.")
            return 0
        infos, problems = store.slots()
    except SaveError as exc:
        _err(f"adventure: {exc}")
        return 1
    for line in format_slots(infos):
        _out(line)
    for line in problems:
        _err(line)
    if not infos and not problems:
        _out(f"No saves in {store.folder}.")
    return 0


def _saves_folder_problem(folder) -> str | None:
    """Why the saves folder cannot be listed (a missing folder just has no saves)."""
    import stat

    try:
        info = os.stat(folder)
    except FileNotFoundError:
        return None
    except OSError as exc:
        return f"cannot reach the saves folder {folder}: {exc.strerror or exc}"
    if not stat.S_ISDIR(info.st_mode):
        return f"the saves folder {folder} is not a folder"
    if not os.access(folder, os.R_OK | os.X_OK):
        return f"cannot read the saves folder {folder}: permission denied"
    return None
