"""The wheel carries the story: `adventure` plays Her wherever it is installed."""
import os
import subprocess
import sys
import zipfile

import pytest

from conftest import ROOT


@pytest.fixture(scope="module")
def wheel(tmp_path_factory):
    out = tmp_path_factory.mktemp("wheel")
    # pip fetches the build backend (setuptools) from the package index, as any install does.
    done = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(out), str(ROOT)],
                          capture_output=True, text=True, timeout=600)
    if done.returncode != 0 and "Could not find a version" in done.stderr:
        pytest.skip("the package index cannot be reached to fetch setuptools: " + done.stderr.strip()[-200:])
    assert done.returncode == 0, done.stderr[-2000:]
    (path,) = out.glob("*.whl")
    return path


def test_wheel_holds_the_story_and_the_schemas(wheel):
    names = zipfile.ZipFile(wheel).namelist()
    story = sorted(n for n in names if n.startswith("adventure/story/") and n.endswith(".yaml"))
    assert len(story) == 21 and "adventure/story/story.yaml" in story
    assert "adventure/schema/scenes.schema.json" in names and "adventure/schema/manifest.schema.json" in names


def test_installed_wheel_plays_her_from_anywhere(wheel, tmp_path):
    site = tmp_path / "site"
    zipfile.ZipFile(wheel).extractall(site)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    env = {**os.environ, "PYTHONPATH": str(site), "ADVENTURE_CACHE": "off"}
    result = subprocess.run([sys.executable, "-m", "adventure", "--plain", "--no-save"], input="1\n",
                            capture_output=True, text=True, cwd=elsewhere, env=env, timeout=60)
    assert result.returncode == 0, result.stderr
    assert "I. THE OFFICE" in result.stdout and "You have loved Chris for fifty years." in result.stdout


def test_wheel_is_marked_typed(wheel):
    # PEP 561: without the marker, type checkers ignore the annotations of an installed package.
    assert "adventure/py.typed" in zipfile.ZipFile(wheel).namelist()
