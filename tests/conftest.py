import os
import sys
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
STORIES = Path(__file__).resolve().parent / "stories"
sys.path.insert(0, str(ROOT))
os.environ.setdefault("ADVENTURE_CACHE", "off")


@pytest.fixture
def make_story(tmp_path):
    """Write a story folder from {filename: yaml text}; return its path."""
    def make(files, name="s"):
        folder = tmp_path / name
        folder.mkdir(exist_ok=True)
        for filename, text in files.items():
            (folder / filename).write_text(textwrap.dedent(text), encoding="utf-8")
        return folder
    return make


MANIFEST = """\
id: t
title: T
version: "1"
start: a
variables:
  n: {type: int, default: 0, min: 0, max: 5}
  flag: false
  word: {type: str, default: x, values: [x, y]}
"""
