"""Route files: one choice id per line, `#` starts a comment."""
from __future__ import annotations

from ..core.errors import AdventureError

MAX_ROUTE_BYTES = 1024 * 1024


def parse_route(text: str) -> list[str]:
    route = []
    for line in text.splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            route.append(line)
    return route


def read_route(path) -> list[str]:
    """The route in the file at `path`: a regular file of at most a megabyte (never /dev/zero or a FIFO).

    Raises OSError when the file cannot be read, AdventureError when it is not text."""
    from ..store.atomic import read_regular

    try:
        raw = read_regular(path, MAX_ROUTE_BYTES)
    except OSError as exc:
        if exc.errno == 27:  # EFBIG
            raise OSError(exc.errno, f"more than {MAX_ROUTE_BYTES:,} bytes; a route is a list of choice ids") \
                from None
        raise
    try:
        return parse_route(raw.decode("utf-8"))
    except UnicodeDecodeError as exc:
        raise AdventureError(f"route {path} is not UTF-8 text (byte {exc.start})") from None


def format_route(route, comment: str = "") -> str:
    head = f"# {comment}\n" if comment else ""
    return head + "".join(f"{choice}\n" for choice in route)
