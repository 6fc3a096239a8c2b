"""Reading and writing the program's own files: whole or not at all, and only regular files.

Saves, settings and the cache all live in folders other programs (and other
copies of this one) share. So a read opens without following a link and
without blocking on a FIFO, and refuses anything but a regular file; a write
goes to a temporary file of our own prefix that is renamed over the target,
which works wherever `os.replace` does (no hard links).
"""
from __future__ import annotations

import errno
import os
import stat
import time
from pathlib import Path

TMP_PREFIX = ".adventure-"
TMP_SUFFIX = ".tmp"
# Earlier versions named their temporary files like this; they are cleaned up too.
OLD_TMP_PATTERNS = (".*-*.tmp", ".tmp-*.json")
STALE_SECONDS = 600  # a write takes milliseconds; a temp file this old was left by a crash

_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
_NONBLOCK = getattr(os, "O_NONBLOCK", 0)
_CLOEXEC = getattr(os, "O_CLOEXEC", 0)


class NotRegular(OSError):
    """The path is a link, FIFO, device or folder where a file of ours should be."""


def read_regular(path, limit: int) -> bytes:
    """The bytes of `path`, a regular file (not a link) of at most `limit` bytes.

    Raises FileNotFoundError, NotRegular, or OSError (EFBIG when over the limit).
    """
    try:
        fd = os.open(path, os.O_RDONLY | _NOFOLLOW | _NONBLOCK | _CLOEXEC)
    except OSError as exc:
        if exc.errno == errno.ELOOP:  # O_NOFOLLOW met a link
            raise NotRegular(errno.ELOOP, "a link, not a file") from None
        raise
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise NotRegular(errno.EINVAL, "not a regular file")
        if info.st_size > limit:
            raise OSError(errno.EFBIG, f"{info.st_size:,} bytes; the limit is {limit:,}")
        chunks, total = [], 0
        while total <= limit:
            chunk = os.read(fd, min(1 << 20, limit + 1 - total))
            if not chunk:
                break
            chunks.append(chunk)
            total += len(chunk)
        if total > limit:  # grew while we read it
            raise OSError(errno.EFBIG, f"more than {limit:,} bytes")
        return b"".join(chunks)
    finally:
        os.close(fd)


def atomic_write(path, data: bytes, keep_backup: bool = False, is_good=None) -> None:
    """Replace `path` with `data`, whole: a crash at any instant leaves the old file or the new one.

    With `keep_backup`, the file being replaced is first copied to `PATH.bak`,
    but only when it is a regular file and `is_good(old bytes)` holds (when
    given): a broken file never replaces a good backup. Copying (not linking
    or renaming) keeps the slot present throughout, so two processes saving
    one slot at once each succeed and the last one wins. Raises OSError.
    """
    path = Path(path)
    folder = path.parent
    tmp = _write_temp(folder, data)
    try:
        if keep_backup:
            _backup(path, is_good)
        os.replace(tmp, path)
        tmp = None
    finally:
        if tmp is not None:
            _unlink(tmp)
    fsync_dir(folder)


def _backup(path: Path, is_good) -> None:
    try:
        old = read_regular(path, 1 << 30)
    except OSError:
        return  # nothing there, or not ours to copy
    if is_good is not None and not is_good(old):
        return
    tmp = _write_temp(path.parent, old)
    try:
        os.replace(tmp, path.with_name(path.name + ".bak"))
    except BaseException:
        _unlink(tmp)
        raise


def _write_temp(folder: Path, data: bytes) -> str:
    import tempfile  # only writing needs it; kept off the start-up path

    fd, tmp = tempfile.mkstemp(dir=folder, prefix=TMP_PREFIX, suffix=TMP_SUFFIX)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
    except BaseException:  # a signal as well as a full disk: no temp file is left behind
        _unlink(tmp)
        raise
    return tmp


def _unlink(path) -> None:
    try:
        os.unlink(path)
    except OSError:
        pass


def fsync_dir(folder) -> None:
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def clean_stale_temps(folder, now: float | None = None) -> int:
    """Remove temporary files a crash left in `folder` (ours, old enough to be dead); return how many."""
    folder = Path(folder)
    now = time.time() if now is None else now
    removed = 0
    patterns = (f"{TMP_PREFIX}*{TMP_SUFFIX}", *OLD_TMP_PATTERNS)
    try:
        candidates = {p for pattern in patterns for p in folder.glob(pattern)}
        for candidate in candidates:
            info = candidate.lstat()
            if stat.S_ISREG(info.st_mode) and now - info.st_mtime > STALE_SECONDS:
                candidate.unlink()
                removed += 1
    except OSError:
        pass  # cleaning up is a courtesy; it never stops a save
    return removed
