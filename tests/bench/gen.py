"""Synthetic stories for the benchmark: the same story in our YAML and in ink.

N scenes of about 80 words, 2-4 choices each, some conditional on integer
variables that other choices change, a few endings; every scene is reachable
(a spine of "walk on" choices runs through all of them).
"""
from __future__ import annotations

import random
from pathlib import Path

WORDS = ("the city hums below a window where someone is writing a letter to a person they have not "
         "seen in years and the light moves slowly across the desk while a song plays in another room "
         "and the afternoon forgets itself a little at a time").split()
VARS = ("mood", "trust", "luck")
ENDINGS = 5
PER_FILE = 250


def _text(rng, i):
    words = [rng.choice(WORDS) for _ in range(78)]
    return f"Scene {i}. " + " ".join(words).capitalize() + "."


def build(n: int, seed: int = 7):
    """Return a list of scenes: dicts with id, text, choices [(text, target, cond, effect)], ending."""
    rng = random.Random(seed)
    scenes = []
    for i in range(n):
        choices = []
        nxt = i + 1 if i + 1 < n else None
        if nxt is not None:
            choices.append(("Walk on.", f"s{nxt}", None, None))
        for k in range(rng.randint(1, 3)):
            roll = rng.random()
            var = rng.choice(VARS)
            if roll < 0.1 or nxt is None:
                target = f"end{rng.randrange(ENDINGS)}"
            else:
                target = f"s{min(n - 1, i + rng.randint(2, 12))}"
            cond = f"{var} >= {rng.randint(1, 3)}" if rng.random() < 0.3 else None
            effect = f"{var} += 1" if rng.random() < 0.5 else (f"{var} -= 1" if rng.random() < 0.3 else None)
            choices.append((f"Choice {k} toward {target}.", target, cond, effect))
        scenes.append({"id": f"s{i}", "text": _text(rng, i), "choices": choices})
    for e in range(ENDINGS):
        scenes.append({"id": f"end{e}", "text": f"Ending {e}. " + _text(rng, n + e), "ending": True})
    return scenes


def write_yaml(scenes, folder: Path, title="Synthetic"):
    folder.mkdir(parents=True, exist_ok=True)
    for old in folder.glob("*.yaml"):
        old.unlink()
    manifest = [f"id: synthetic-{len(scenes)}", f"title: {title}", 'version: "1"', "start: s0", "variables:"]
    manifest += [f"  {v}: {{type: int, default: 0}}" for v in VARS]
    (folder / "story.yaml").write_text("\n".join(manifest) + "\n")
    for f in range(0, len(scenes), PER_FILE):
        out = ["scenes:"]
        for scene in scenes[f:f + PER_FILE]:
            out.append(f"  {scene['id']}:")
            out.append(f"    text: {scene['text']} Mood {{mood}}, trust {{trust}}.")
            if scene.get("ending"):
                out.append("    ending: true")
                continue
            out.append("    choices:")
            used = set()
            for j, (text, target, cond, effect) in enumerate(scene["choices"]):
                out.append(f"      - text: {text}")
                out.append(f"        goto: {target}")
                if target in used:
                    out.append(f"        id: c{j}")
                used.add(target)
                if cond:
                    out.append(f"        if: {cond}")
                if effect:
                    out.append(f"        do: {effect}")
        (folder / f"{f // PER_FILE:03d}.yaml").write_text("\n".join(out) + "\n")


def write_ink(scenes, path: Path):
    out = [f"VAR {v} = 0" for v in VARS]
    out.append("-> s0")
    for scene in scenes:
        out.append(f"=== {scene['id']} ===")
        out.append(f"{scene['text']} Mood {{mood}}, trust {{trust}}.")
        if scene.get("ending"):
            out.append("-> END")
            continue
        for text, target, cond, effect in scene["choices"]:
            head = f"+ {{{cond}}} [{text}]" if cond else f"+ [{text}]"
            out.append(head)
            if effect:
                var, op, num = effect.split()
                out.append(f"  ~ {var} = {var} {op[0]} {num}")
            out.append(f"  -> {target}")
    path.write_text("\n".join(out) + "\n")
