"""JSON as this program reads it: bounded in size, depth and number size, and finite.

Python's `json` accepts NaN, Infinity, integers of any length and nesting as
deep as the stack allows; each of those has crashed a caller somewhere later.
Every file we read goes through `loads`, and then through a check of the exact
shape its reader expects (see `saves`, `settings`, `cache`).
"""
from __future__ import annotations

import json
import re

MAX_DEPTH = 64
MAX_INT_DIGITS = 30

_DIGITS = bytes(ord("0") if 48 <= b <= 57 else 32 for b in range(256))  # each digit to "0", the rest to " "
_LONG_RUN = b"0" * (MAX_INT_DIGITS + 1)
_BRACKETS = re.compile(rb'[\[\]{}]|"(?:[^"\\]|\\.)*"', re.S)


class BadJSON(ValueError):
    """A file that is not JSON of the kind we write; the message is one short line."""


def _refuse_constant(name):
    raise BadJSON(f"{name} is not a number this program writes")


def _parse_int(text):
    if len(text.lstrip("-")) > MAX_INT_DIGITS:
        raise BadJSON(f"a number of {len(text)} digits")
    return int(text)


def _parse_float(text):
    if len(text) > 64:
        raise BadJSON("a number too long to be ours")
    value = float(text)
    if value != value or value in (float("inf"), float("-inf")):
        raise BadJSON(f"the number {text[:20]} is out of range")
    return value


def depth(raw: bytes) -> int:
    """How deeply brackets nest in `raw`, counted without parsing it (strings skipped)."""
    deepest = level = 0
    for match in _BRACKETS.finditer(raw):
        token = match.group()
        if token in (b"[", b"{"):
            level += 1
            if level > deepest:
                deepest = level
                if deepest > MAX_DEPTH:
                    return deepest  # no need to count further
        elif token in (b"]", b"}"):
            level -= 1
    return deepest


def loads(raw: bytes, max_depth: int | None = MAX_DEPTH, scan_digits: bool = False):
    """Parse `raw`; raise BadJSON with a one-line reason for anything we would not have written.

    `max_depth=None` skips the depth count (for large files whose reader guards itself).
    `scan_digits` refuses any run of more than MAX_INT_DIGITS digits in the raw bytes,
    strings included, instead of checking each number as it is parsed: for big files
    of our own (the cache) whose hundreds of thousands of numbers would each cost a call,
    where refusing a long run of digits in a string costs only a rebuild."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise BadJSON(f"not UTF-8 text (byte {exc.start})") from None
    if max_depth is not None and depth(raw) > max_depth:
        raise BadJSON(f"nested more than {max_depth} levels deep")
    if scan_digits and raw.translate(_DIGITS).find(_LONG_RUN) >= 0:  # a tenth of a regex's time
        raise BadJSON(f"a run of more than {MAX_INT_DIGITS} digits")
    try:
        return json.loads(text, parse_constant=_refuse_constant, parse_int=None if scan_digits else _parse_int,
                          parse_float=_parse_float)
    except BadJSON:
        raise
    except RecursionError:
        raise BadJSON("nested too deeply") from None
    except ValueError as exc:
        raise BadJSON(f"broken JSON: {str(exc).splitlines()[0][:120]}") from None
