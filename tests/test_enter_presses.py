"""How often the terminal player stops for Enter on the recorded route, before and after.

The issue's measure: the route tests/routes/lover.route (139 choices, start to sunrise)
played in the full terminal player with paging on, in a 100x35 terminal, counting
every pause ("Enter for more"). Before: every paragraph of a scene of more than
three paragraphs, the ending included (the old rule, counted here from the same
frames). Now: beats of about half a screen, and the ending shown whole.
Run this file with -s to see both numbers.
"""
from prompt_toolkit.output import DummyOutput

from adventure import load_story
from adventure.play.session import Session
from adventure.play.terminal import TerminalUI
from adventure.tools.routes import read_route
from conftest import ROOT

OLD_LONG = 3  # the old pacing: scenes of more than three paragraphs, paused after each but the last


class Sized(DummyOutput):
    def get_size(self):
        from prompt_toolkit.data_structures import Size

        return Size(rows=35, columns=100)


def count_pauses(route_file=ROOT / "tests" / "routes" / "lover.route"):
    story = load_story(ROOT / "story", cache=False)
    route = read_route(route_file)
    ui = TerminalUI(story, output=Sized())
    pauses, old = [0], [0]
    steps = iter(route)

    def more(read=False):
        pauses[0] += 1
        return True

    def ask(options, session):
        choice = next(steps, None)
        if choice is None:
            return "quit"
        return next(o.index for o in options if o.id == choice)

    shown = ui.show

    def show(frames, game, **kw):
        lines = sum(len(f.lines) for f in frames)
        if not kw.get("back") and lines > OLD_LONG:
            old[0] += lines - 1
        shown(frames, game, **kw)

    ui.more, ui.ask, ui.show, ui.again = more, ask, show, (lambda: "quit")
    Session(story, ui, None).run()
    return old[0], pauses[0], len(route)


def test_at_most_half_the_presses_of_enter_on_the_open_route():
    before, after, choices = count_pauses()
    print(f"\nlover.route, {choices} choices, 100x35, paging on: {before} pauses before, {after} now")
    assert after * 2 <= before
