"""Making text from a story, a save or a file name safe to show in a terminal.

A terminal obeys control characters: ESC starts sequences that can set the
clipboard (OSC 52), rename the window or clear the screen, and C1 characters
(U+0080-U+009F) do the same on terminals that read them. Anything we did not
write ourselves passes through `safe()` before it reaches a terminal, so a
hostile story or save can only ever show text. Imports nothing from the core,
so every player and tool can use it.
"""
from __future__ import annotations

import re

# C0 except newline and tab, DEL, C1, and the Unicode line/paragraph separators
# and bidirectional overrides, which rearrange what the reader sees.
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")
_CONTROL_OR_NEWLINE = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")


def _visible(match: re.Match) -> str:
    code = ord(match.group())
    if code < 0x20:
        return "^" + chr(code + 64)  # caret notation, as `cat -v` shows it: ESC is ^[
    if code == 0x7F:
        return "^?"
    return "\ufffd"


def safe(text) -> str:
    """`text` with every control character but newline shown visibly; tabs become spaces."""
    text = str(text)
    if "\t" in text:
        text = text.replace("\t", " ")
    return _CONTROL.sub(_visible, text)


def safe_line(text) -> str:
    """Like `safe`, and a newline shown as a space: for one-line places (menus, lists, errors)."""
    return _CONTROL_OR_NEWLINE.sub(lambda m: " " if m.group() in "\n\t" else _visible(m), str(text))


def has_control(text: str) -> bool:
    """True when `text` holds a character `safe` would change (newline and tab are fine)."""
    return _CONTROL.search(text) is not None
