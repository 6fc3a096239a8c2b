"""One neutral synthetic story, written three ways: our YAML, ink source, and
the dict-of-lists graph the hand-written floor plays.

The story is a graph meant to be walked at random, not read: N scenes in a
ring ("Walk on." always leads to the next scene, the last back to the first),
cut into regions of REGION scenes around a hub (the region's first scene).
Every scene also has a jump through a random permutation of all scenes (so
in-degree equals out-degree and a random walk spreads evenly), most have a
way back to their hub (loops), and hubs fan out to random scenes anywhere.
A few scenes offer a way to one of the endings, behind conditions that take
a while to come true. Choices are conditioned on int and bool variables that
earlier choices change; every scene has at least one unconditional choice,
so play never gets stuck, and several paragraphs, one or two conditional.

Only what both languages say the same way is used: ints interpolated into
text, `and`/`not`, `>=`/`<`, `+=`/`-=`, bool assignment and toggling.
"""
from __future__ import annotations

import json
import random
from pathlib import Path

REGION = 50
ENDINGS = 5
PER_FILE = 500
INTS = ("mood", "trust", "luck", "laps")
BOOLS = ("has_key", "lamp_lit")
WORDS = ("the city hums below a window where someone is writing a letter to a person they have not "
         "seen in years and the light moves slowly across the desk while a song plays in another room "
         "and the afternoon forgets itself a little at a time under rain over glass").split()
VERBS = ("Take the stairs", "Follow the song", "Open the letter", "Cross the street", "Call her back",
         "Sit by the window", "Read it again", "Step into the lift", "Turn off the light", "Ride the train")
LEAVING = "Leave it all behind."   # every ending choice reads this; the save walk steers round them


def _sentence(rng, words):
    return " ".join(rng.choice(WORDS) for _ in range(words)).capitalize() + "."


def _int_atom(rng):
    var = rng.choice(INTS[:3])
    return [var, ">=", rng.randint(1, 2)] if rng.random() < 0.7 else [var, "<", rng.randint(-1, 0)]


def _bool_atom(rng):
    return [rng.choice(BOOLS), "is", rng.random() < 0.6]


def _cond(rng):
    roll = rng.random()
    if roll < 0.45:
        return [_int_atom(rng)]
    if roll < 0.85:
        return [_bool_atom(rng)]
    return [_int_atom(rng), _bool_atom(rng)]


def _effects(rng):
    out = []
    if rng.random() < 0.6:
        out.append(["add", rng.choice(INTS[:3]), rng.choice((1, 1, -1))])
    roll = rng.random()
    if roll < 0.15:
        out.append(["set", rng.choice(BOOLS), rng.random() < 0.7])
    elif roll < 0.25:
        out.append(["toggle", rng.choice(BOOLS)])
    return out


def build(n: int, seed: int = 7) -> dict:
    """The neutral story: {"start", "scenes": {id: scene}}; see the module docstring."""
    rng = random.Random(seed)
    perm, perm2 = list(range(n)), list(range(n))
    rng.shuffle(perm)
    rng.shuffle(perm2)
    scenes = {}
    for i in range(n):
        hub = i - i % REGION
        paras = [["t", f"Scene {i}. " + _sentence(rng, 30)],
                 ["if", [_bool_atom(rng)], _sentence(rng, 12), _sentence(rng, 12)],
                 ["t", _sentence(rng, 25)],
                 ["t", "Mood {mood}, trust {trust}, luck {luck}."]]
        if rng.random() < 0.4:
            paras.insert(3, ["if", [_int_atom(rng)], _sentence(rng, 10) + " Laps {laps}.", None])
        choices = [["Walk on.", f"s{(i + 1) % n}", None, _effects(rng)],
                   [rng.choice(VERBS) + ".", f"s{perm[i]}", _cond(rng) if rng.random() < 0.5 else None,
                    _effects(rng)]]
        if i == hub:
            for _ in range(3):
                choices.append([rng.choice(VERBS) + " far away.", f"s{rng.randrange(n)}",
                                _cond(rng) if rng.random() < 0.3 else None, _effects(rng)])
        elif rng.random() < 0.35:
            choices.append(["Go back to the crossing.", f"s{hub}", _cond(rng) if rng.random() < 0.3 else None,
                            _effects(rng)])
        if rng.random() < 0.5:
            choices.append([rng.choice(VERBS) + " again.", f"s{perm2[i]}",
                            _cond(rng) if rng.random() < 0.5 else None, _effects(rng)])
        if rng.random() < 0.02:
            choices.append([LEAVING, f"e{rng.randrange(ENDINGS)}",
                            [["luck", ">=", 3], ["has_key", "is", True]], []])
        scenes[f"s{i}"] = {"paras": paras, "do": [["add", "laps", 1]] if i == hub else [],
                           "choices": choices, "ending": False}
    for e in range(ENDINGS):
        scenes[f"e{e}"] = {"paras": [["t", f"Ending {e}. " + _sentence(rng, 40)],
                                     ["t", "Mood {mood}, trust {trust}, luck {luck}."]],
                           "do": [], "choices": [], "ending": True}
    return {"start": "s0", "scenes": scenes}


# -- conditions and effects in each language ------------------------------------------------
def _atom_src(atom):
    var, op, value = atom
    if op == "is":
        return var if value else f"not {var}"
    return f"{var} {op} {value}"


def cond_src(cond):
    return " and ".join(_atom_src(a) for a in cond)


def _yaml_effect(effect):
    op, var, *rest = effect
    if op == "toggle":
        return f"toggle {var}"
    if op == "set":
        return f"{var} = {'true' if rest[0] else 'false'}"
    return f"{var} += {rest[0]}" if rest[0] > 0 else f"{var} -= {-rest[0]}"


def _ink_effect(effect):
    op, var, *rest = effect
    if op == "toggle":
        return f"~ {var} = not {var}"
    if op == "set":
        return f"~ {var} = {'true' if rest[0] else 'false'}"
    return f"~ {var} = {var} + {rest[0]}" if rest[0] > 0 else f"~ {var} = {var} - {-rest[0]}"


# -- writers ------------------------------------------------------------------------------------
def _q(text):
    return json.dumps(text)  # a JSON string is a valid YAML double-quoted scalar


def write_yaml(story, folder: Path):
    folder.mkdir(parents=True, exist_ok=True)
    for old in folder.glob("*.yaml"):
        old.unlink()
    scenes = story["scenes"]
    manifest = [f"id: bench-{len(scenes)}", "title: Bench", 'version: "1"', f"start: {story['start']}",
                "variables:"]
    manifest += [f"  {v}: {{type: int, default: 0}}" for v in INTS]
    manifest += [f"  {v}: {{type: bool, default: false}}" for v in BOOLS]
    (folder / "story.yaml").write_text("\n".join(manifest) + "\n")
    ids = list(scenes)
    for f in range(0, len(ids), PER_FILE):
        out = ["scenes:"]
        for sid in ids[f:f + PER_FILE]:
            scene = scenes[sid]
            out.append(f"  {sid}:")
            if scene["do"]:
                out.append("    do: [" + ", ".join(_q(_yaml_effect(e)) for e in scene["do"]) + "]")
            out.append("    text:")
            for para in scene["paras"]:
                if para[0] == "t":
                    out.append(f"      - {_q(para[1])}")
                else:
                    out.append(f"      - if: {_q(cond_src(para[1]))}")
                    out.append(f"        text: {_q(para[2])}")
                    if para[3] is not None:
                        out.append(f"        else: {_q(para[3])}")
            if scene["ending"]:
                out.append("    ending: true")
                continue
            out.append("    choices:")
            for j, (text, target, cond, effects) in enumerate(scene["choices"]):
                out.append(f"      - text: {_q(text)}")
                out.append(f"        id: c{j}")
                out.append(f"        goto: {target}")
                if cond:
                    out.append(f"        if: {_q(cond_src(cond))}")
                if effects:
                    out.append("        do: [" + ", ".join(_q(_yaml_effect(e)) for e in effects) + "]")
        (folder / f"{f // PER_FILE:04d}.yaml").write_text("\n".join(out) + "\n")


def write_ink(story, path: Path):
    out = [f"VAR {v} = 0" for v in INTS] + [f"VAR {v} = false" for v in BOOLS]
    out.append(f"-> {story['start']}")
    for sid, scene in story["scenes"].items():
        out.append(f"=== {sid} ===")
        out += [_ink_effect(e) for e in scene["do"]]
        for para in scene["paras"]:
            if para[0] == "t":
                out.append(para[1])
            elif para[3] is None:
                out.append(f"{{{cond_src(para[1])}:{para[2]}}}")
            else:
                out.append(f"{{{cond_src(para[1])}:{para[2]}|{para[3]}}}")
        if scene["ending"]:
            out.append("-> END")
            continue
        for text, target, cond, effects in scene["choices"]:
            out.append(f"+ {{{cond_src(cond)}}} [{text}]" if cond else f"+ [{text}]")
            out += ["  " + _ink_effect(e) for e in effects]
            out.append(f"  -> {target}")
    path.write_text("\n".join(out) + "\n")


def write_floor(story, path: Path):
    data = {"start": story["start"], "vars": {**{v: 0 for v in INTS}, **{v: False for v in BOOLS}},
            "scenes": {sid: [s["paras"], s["do"], s["choices"], s["ending"]] for sid, s in story["scenes"].items()}}
    path.write_text(json.dumps(data, separators=(",", ":")))


def write_all(n: int, out: Path) -> dict:
    """Write the three forms of the N-scene story under `out`; return their paths."""
    story = build(n)
    paths = {"yaml": out / f"yaml-{n}", "ink": out / f"story-{n}.ink", "floor": out / f"floor-{n}.json",
             "json": out / f"story-{n}.ink.json"}
    write_yaml(story, paths["yaml"])
    write_ink(story, paths["ink"])
    write_floor(story, paths["floor"])
    return paths
