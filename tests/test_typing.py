"""The pure core type-checks with `mypy --strict` (issue #12)."""
import importlib.util
import subprocess
import sys

import pytest

from conftest import ROOT


@pytest.mark.skipif(importlib.util.find_spec("mypy") is None,
                    reason="mypy is not installed (pip install -e '.[test]' brings it)")
def test_core_passes_mypy_strict(tmp_path):
    # A cache of its own: nothing written into the checkout, and no stale answer from an old run.
    done = subprocess.run([sys.executable, "-m", "mypy", "--strict", "--cache-dir", str(tmp_path), "adventure/core"],
                          cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, f"mypy --strict adventure/core failed:\n{done.stdout}{done.stderr}"
