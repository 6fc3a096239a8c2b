"""Compiled stories kept as JSON, keyed by content and by the engine's own code.

An entry is one header line and the compiled story. The header carries a
digest of the compiled bytes and of the engine's source, so an entry that was
edited, truncated, or made by other code is never played: it is rebuilt. The
folder may be deleted at any time. Set ADVENTURE_CACHE to move it, or to
`off` to disable it; a relative XDG_CACHE_HOME is ignored, as the XDG spec asks.
"""
from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

from .. import __version__
from ..core.model import FORMAT
from . import strictjson
from .atomic import atomic_write, clean_stale_temps, read_regular

MAX_ENTRY_BYTES = 256 * 1024 * 1024
_CODE: list[str] = []


def code_hash() -> str:
    """A hash of the engine's source (the core and the loader): any change to them is a new cache."""
    if not _CODE:
        digest = hashlib.sha256(__version__.encode())
        package = Path(__file__).resolve().parent.parent
        try:
            for path in sorted((package / "core").glob("*.py")) + [package / "store" / "loader.py",
                                                                     Path(__file__).resolve()]:
                digest.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
        except OSError:
            pass  # sources not readable (a frozen build): the version alone keys the cache
        _CODE.append(digest.hexdigest())
    return _CODE[0]


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
        base = os.environ.get("XDG_CACHE_HOME", "")
        if not os.path.isabs(base):
            base = os.path.join(os.path.expanduser("~"), ".cache")
        return cls(Path(base) / "adventure")

    def _path(self, fingerprint: str, where: str) -> Path:
        key = hashlib.sha256(f"{FORMAT}\0{code_hash()}\0{fingerprint}\0{where}".encode()).hexdigest()
        return self.folder / f"{key[:32]}.json"

    @staticmethod
    def _digest(payload: bytes) -> str:
        return hashlib.sha256(code_hash().encode() + b"\0" + payload).hexdigest()

    def get(self, fingerprint: str, where: str = ""):
        """The compiled story, or None on any doubt (missing, unreadable, edited, another engine's)."""
        if self.folder is None:
            return None
        try:
            raw = read_regular(self._path(fingerprint, where), MAX_ENTRY_BYTES)
        except OSError:
            return None
        head, newline, payload = raw.partition(b"\n")
        try:
            header = strictjson.loads(head)
        except strictjson.BadJSON:
            return None
        if not newline or header != {"fingerprint": fingerprint, "format": FORMAT,
                                     "digest": self._digest(payload)}:
            return None
        try:
            compiled = strictjson.loads(payload, max_depth=None, scan_digits=True)
        except strictjson.BadJSON:
            return None
        return compiled if _plausible(compiled, fingerprint) else None

    def put(self, fingerprint: str, compiled: dict, where: str = "") -> None:
        if self.folder is None:
            return
        try:
            payload = json.dumps(compiled, separators=(",", ":"), ensure_ascii=False,
                                 allow_nan=False).encode("utf-8")
        except (ValueError, TypeError):
            return
        header = json.dumps({"fingerprint": fingerprint, "format": FORMAT, "digest": self._digest(payload)})
        data = header.encode() + b"\n" + payload
        if len(data) > MAX_ENTRY_BYTES:
            return  # it could not be read back
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            clean_stale_temps(self.folder)
            atomic_write(self._path(fingerprint, where), data)
        except OSError:
            pass  # a cache that cannot be written only costs time


def _plausible(compiled, fingerprint) -> bool:
    """The outline every compiled story has; the digest vouches for the rest."""
    if type(compiled) is not dict or compiled.get("fingerprint") != fingerprint or compiled.get("format") != FORMAT:
        return False
    scenes = compiled.get("scenes")
    if type(scenes) is not dict or compiled.get("start") not in scenes:
        return False
    for key, kind in (("id", str), ("title", str), ("version", str), ("variables", dict)):
        if type(compiled.get(key)) is not kind:
            return False
    return all(type(scene) is dict and type(scene.get("choices", [])) is list
               and all(type(c) is dict and c.get("goto") in scenes for c in scene.get("choices", []))
               for scene in scenes.values())
