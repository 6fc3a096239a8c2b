"""Route files: one choice id per line, `#` starts a comment."""
from __future__ import annotations

from ..core.errors import AdventureError


def parse_route(text: str) -> list[str]:
    route = []
    for line in text.splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            route.append(line)
    return route


def read_route(path) -> list[str]:
    try:
        with open(path, encoding="utf-8") as handle:
            return parse_route(handle.read())
    except (OSError, UnicodeDecodeError) as exc:
        raise AdventureError(f"cannot read route {path}: {getattr(exc, 'strerror', None) or exc}") from None


def format_route(route, comment: str = "") -> str:
    head = f"# {comment}\n" if comment else ""
    return head + "".join(f"{choice}\n" for choice in route)
