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
import re
import time
from pathlib import Path

from .. import __version__
from ..core.model import FORMAT
from . import strictjson
from .atomic import atomic_write, clean_stale_temps, read_regular

MAX_ENTRY_BYTES = 256 * 1024 * 1024
MAX_FOLDER_BYTES = 512 * 1024 * 1024  # past this, the entries read least lately go
MAX_IDLE_SECONDS = 60 * 24 * 3600     # an entry not read for this long goes
_ENTRY = re.compile(r"[0-9a-f]{16}-[0-9a-f]{16}\.json|[0-9a-f]{32}\.json")  # ours: now, and before 0.3
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
        """`<the story's folder>-<its content and our code>.json`: one entry per story folder,
        since an entry for the folder's older content or older code is never read again."""
        place = hashlib.sha256(os.path.abspath(where or ".").encode("utf-8", "surrogatepass")).hexdigest()
        key = hashlib.sha256(f"{FORMAT}\0{code_hash()}\0{fingerprint}\0{where}".encode(
            "utf-8", "surrogatepass")).hexdigest()
        return self.folder / f"{place[:16]}-{key[:16]}.json"

    @staticmethod
    def _digest(payload: bytes) -> str:
        return hashlib.sha256(code_hash().encode() + b"\0" + payload).hexdigest()

    def get(self, fingerprint: str, where: str = ""):
        """The compiled story, or None on any doubt (missing, unreadable, edited, another engine's)."""
        if self.folder is None:
            return None
        path = self._path(fingerprint, where)
        try:
            raw = read_regular(path, MAX_ENTRY_BYTES)
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
        if not _plausible(compiled, fingerprint):
            return None
        try:
            os.utime(path)  # read lately: the last to be pruned
        except OSError:
            pass
        return compiled

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
            path = self._path(fingerprint, where)
            atomic_write(path, data)
        except OSError:
            return  # a cache that cannot be written only costs time
        self.prune(keep=path)

    def prune(self, keep: Path, now: float | None = None) -> int:
        """Remove this folder's other entries for `keep`'s story folder, entries named the old
        way, entries not read for MAX_IDLE_SECONDS, and the least lately read past
        MAX_FOLDER_BYTES; return how many.
        Only files named as ours are touched."""
        if self.folder is None:
            return 0
        now = time.time() if now is None else now
        place = keep.name.split("-")[0] + "-"  # `keep`'s story folder
        removed = 0
        try:
            entries = []
            for entry in os.scandir(self.folder):
                if not _ENTRY.fullmatch(entry.name) or not entry.is_file(follow_symlinks=False):
                    continue
                if entry.name == keep.name:
                    continue
                info = entry.stat(follow_symlinks=False)
                if (entry.name.startswith(place) or now - info.st_mtime > MAX_IDLE_SECONDS
                        or "-" not in entry.name):  # named as before 0.3: never read now
                    os.unlink(entry.path)
                    removed += 1
                else:
                    entries.append((info.st_mtime, info.st_size, entry.path))
            total = sum(size for _, size, _ in entries) + keep.stat().st_size
            for _, size, path in sorted(entries):  # the least lately read first
                if total <= MAX_FOLDER_BYTES:
                    break
                os.unlink(path)
                total -= size
                removed += 1
        except OSError:
            pass  # pruning is a courtesy; the entries are only a cache
        return removed


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
