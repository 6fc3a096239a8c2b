"""Compiled stories kept as JSON, keyed by content, never by modification time.

The folder may be deleted at any time; an unreadable entry is ignored and
rebuilt. Set ADVENTURE_CACHE to move it, or to `off` to disable it.
"""
from __future__ import annotations

import hashlib
import json
import os
import tempfile
from pathlib import Path

from .. import __version__
from ..core.model import FORMAT


class Cache:
    def __init__(self, folder: Path | None):
        self.folder = folder

    @classmethod
    def default(cls) -> "Cache":
        setting = os.environ.get("ADVENTURE_CACHE")
        if setting == "off":
            return cls(None)
        if setting:
            return cls(Path(setting))
        base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
        return cls(Path(base) / "adventure")

    def _path(self, fingerprint: str, where: str) -> Path:
        key = hashlib.sha256(f"{FORMAT}\0{__version__}\0{fingerprint}\0{where}".encode()).hexdigest()
        return self.folder / f"{key[:32]}.json"

    def get(self, fingerprint: str, where: str = ""):
        if self.folder is None:
            return None
        try:
            with open(self._path(fingerprint, where), encoding="utf-8") as handle:
                data = json.load(handle)
        except (OSError, ValueError):
            return None
        if not isinstance(data, dict) or data.get("fingerprint") != fingerprint or data.get("format") != FORMAT:
            return None
        return data

    def put(self, fingerprint: str, compiled: dict, where: str = "") -> None:
        if self.folder is None:
            return
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=self.folder, prefix=".tmp-", suffix=".json")
            try:
                with os.fdopen(fd, "w", encoding="utf-8") as handle:
                    json.dump(compiled, handle, separators=(",", ":"))
                os.replace(tmp, self._path(fingerprint, where))
            except BaseException:
                os.unlink(tmp)
                raise
        except OSError:
            pass  # a cache that cannot be written only costs time
