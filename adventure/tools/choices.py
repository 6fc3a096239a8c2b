"""`adventure check --choices`: print the consequence report (`core.consequence`) as text or JSON."""
from __future__ import annotations

import json
from pathlib import Path


def route_files(given: list[str]) -> list[Path]:
    """Route files from folders (every *.route inside, sorted) and files, in the order given."""
    out: list[Path] = []
    for item in given:
        path = Path(item)
        if path.is_dir():
            out += sorted(p for p in path.iterdir() if p.suffix == ".route" and p.is_file())
        else:
            out.append(path)
    return out


def _pct(share: float) -> str:
    return f"{100 * share:.1f}%"


def report_lines(report, title: str = "") -> list[str]:
    d = report.to_dict()
    out = [f"choices{' in ' + title if title else ''}: {d['prompts']} prompts, {d['menus']} menus, "
           f"{d['one_option']} one-option prompts ({_pct(report.one_option_share)} of prompts), "
           f"{d['cosmetic']} cosmetic menu{'s' * (d['cosmetic'] != 1)}, "
           f"{d['unread_effects']} effect{'s' * (d['unread_effects'] != 1)} nothing reads"]
    r = d["reach"]
    out.append(f"reach: of {r['choices']} choices ({r['menu_options']} of them options of menus), "
               f"{r['past_next_scene']} ({_pct(r['past_next_scene_share'])}) reach past the next scene, "
               f"{r['later_chapter']} ({_pct(r['later_chapter_share'])}) into a later chapter, "
               f"{r['past_next_chapter']} ({_pct(r['past_next_chapter_share'])}) past the next chapter")
    out.append("")
    out.append(f"cosmetic menus ({len(report.cosmetic)}): options with no difference in consequence")
    for m in report.cosmetic:
        out.append(f"  {m.file}:{m.line}: {m.scene} [{', '.join(o.id for o in m.options)}]: {m.reason}")
    out.append("")
    out.append(f"effects nothing reads ({len(report.effects)})")
    for e in report.effects:
        where = f"{e.scene}/{e.choice}" if e.choice else e.scene
        if e.why == "ending":
            why = "read only inside an ending, by " + ", ".join(sorted({r.part for r in e.readers}))
        elif e.readers:
            why = "nothing reads it afterwards (read only by " + ", ".join(
                sorted({r.part for r in e.readers})) + ", which cannot come after)"
        else:
            why = "nothing reads it"
        out.append(f"  {e.file}:{e.line}: {where}: {e.source}: {why}")
    out.append("")
    out.append(f"one-option prompts ({len(report.prompts)}, {_pct(report.one_option_share)} of prompts)")
    for p in report.prompts:
        out.append(f"  {p.file}:{p.line}: {p.scene}: {p.text!r}")
    if report.routes:
        out.append("")
        out.append("along recorded routes")
        for row in report.routes:
            if row.error:
                out.append(f"  {row.name}: stopped: {row.error}")
            out.append(f"  {row.name}: {row.steps} prompts, {row.one_option} one-option "
                       f"({_pct(row.one_option_share)}), {row.menus} menus, {row.cosmetic} cosmetic "
                       f"({_pct(row.cosmetic_share)})" + (f": {', '.join(row.cosmetic_met)}" if row.cosmetic_met
                                                          else ""))
    return out


def run(compiled, route_args: list[str] | None, fmt: str, out, err) -> int:
    """The report for `adventure check --choices`; `out` and `err` print one line each."""
    from ..core.build import story_from
    from ..core.consequence import analyse, route_shares
    from ..core.errors import AdventureError
    from .routes import read_route

    report = analyse(compiled)
    if route_args:
        routes = {}
        for path in route_files(route_args):
            try:
                routes[str(path)] = read_route(path)
            except OSError as exc:
                err(f"adventure check: cannot read route {path}: {exc.strerror or exc}")
                return 2
            except AdventureError as exc:
                err(f"adventure check: {exc}")
                return 2
        story, problems = story_from(compiled)
        if story is None:
            for d in problems:
                err(str(d))
            return 1
        route_shares(story, routes, report)
    if fmt == "json":
        print(json.dumps(report.to_dict(), indent=2))
    else:
        for line in report_lines(report, compiled.get("title", "")):
            out(line)
    return 0
