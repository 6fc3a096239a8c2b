"""`adventure lsp`: the checker inside the author's editor, as a Language Server on stdio.

Needs the optional extra: pip install 'her-adventure[lsp]' (pygls). The
pieces: `index` (names and places in one file), `incremental` (the compiler
and checks with caches), `folder` (one story folder, unsaved text included),
`schema` (the format's keys, from the JSON schemas), `server` (pygls).
"""
from __future__ import annotations

import sys


def main(argv=None) -> int:
    import argparse

    p = argparse.ArgumentParser(prog="adventure lsp",
                                description="Run the language server for story folders on stdin/stdout "
                                            "(for an editor to start; see docs/authoring.md).")
    p.add_argument("--stdio", action="store_true", help="talk over stdin/stdout (the default and only way)")
    p.parse_args(argv)
    try:
        from .server import main as serve
    except ImportError as exc:
        print(f"adventure lsp needs pygls: pip install 'her-adventure[lsp]' ({exc})", file=sys.stderr)
        return 2
    try:
        return serve()
    finally:
        # pygls closes stdout when the session ends; the command line's last flush must find a file
        import os

        sys.stdout = open(os.devnull, "w")  # noqa: SIM115
