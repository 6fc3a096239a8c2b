"""One fast check that the benchmark still measures like with like: on a small
neutral story our engine, the floor and (when installed under out/) inkjs and
bink take the same steps and show the same text. Not collected by the suite
(the name does not start with test_); run it by path:

    PYTHONPATH=. python -m pytest tests/bench/smoke_bench.py
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import gen  # noqa: E402
import play_floor  # noqa: E402
import play_ours  # noqa: E402
from common import Digest  # noqa: E402

N, PLAYS = 300, 15


def digest_of(play, *args):
    digest = Digest()
    steps, _ = play(*args, digest)
    return steps, digest.hexdigest()


def test_same_steps_and_text(tmp_path, monkeypatch):
    monkeypatch.setenv("ADVENTURE_CACHE", "off")
    paths = gen.write_all(N, tmp_path)
    from adventure import load_story

    ours = digest_of(play_ours.play, load_story(paths["yaml"], cache=False), PLAYS)
    floor = digest_of(play_floor.play, json.loads(paths["floor"].read_text()), PLAYS)
    assert ours == floor and ours[0] > PLAYS * 20
    modules = HERE / "out" / "node_modules"
    if not (shutil.which("node") and (modules / "inkjs").exists()):
        pytest.skip("inkjs is not installed under tests/bench/out (bench.py installs it)")
    env = {**os.environ, "NODE_PATH": str(modules)}
    script = str(HERE / "ink_bench.js")
    subprocess.run(["node", script, "compile", paths["ink"], paths["json"]], check=True, env=env,
                   capture_output=True)
    ink = json.loads(subprocess.run(["node", "--expose-gc", script, "play", paths["json"], str(PLAYS), "1"],
                                    check=True, env=env, capture_output=True, text=True).stdout)
    assert (ink["steps"], ink["digest"]) == ours
    python = HERE / "out" / "venv" / "bin" / "python"
    if python.exists():
        done = subprocess.run([str(python), str(HERE / "play_bink.py"), paths["json"], str(PLAYS), "1"],
                              env={**env, "PYTHONPATH": str(HERE)}, capture_output=True, text=True)
        if done.returncode == 0:
            bink = json.loads(done.stdout)
            assert (bink["steps"], bink["digest"]) == ours
