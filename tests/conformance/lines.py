"""How long each twin is in ink and in format 2: non-blank lines and characters, and the ratio.

    python3 tests/conformance/lines.py        # prints a Markdown table

Counted: every non-blank line that is not only a comment (`//` in ink, `#` in YAML); characters
without the leading indentation. The manifest's `id:` and `title:` lines are left out (ink keeps
no such metadata in the story); `start:`, `variables:` and the `scenes:` line count, as ink's
`-> start` and `VAR` lines do.
"""
from __future__ import annotations

from pathlib import Path

HERE = Path(__file__).resolve().parent


def measure(lines: list[str], comment: str) -> tuple[int, int]:
    kept = [line.strip() for line in lines if line.strip() and not line.strip().startswith(comment)]
    return len(kept), sum(len(line) for line in kept)


def ours(folder: Path) -> tuple[int, int]:
    lines = []
    for path in sorted(folder.glob("*.yaml")):
        for line in path.read_text(encoding="utf-8").splitlines():
            if path.name == "story.yaml" and line.split(":")[0] in ("id", "title"):
                continue
            lines.append(line)
    return measure(lines, "#")


def table() -> str:
    rows = ["| twin | ink lines | ours | ratio | ink chars | ours | ratio |",
            "|---|---:|---:|---:|---:|---:|---:|"]
    total = [0, 0, 0, 0]
    for ink_file in sorted(HERE.glob("*.ink")):
        il, ic = measure(ink_file.read_text(encoding="utf-8").splitlines(), "//")
        ol, oc = ours(HERE / ink_file.stem)
        for i, v in enumerate((il, ol, ic, oc)):
            total[i] += v
        rows.append(f"| {ink_file.stem} | {il} | {ol} | {ol / il:.2f} | {ic} | {oc} | {oc / ic:.2f} |")
    il, ol, ic, oc = total
    rows.append(f"| **total** | {il} | {ol} | **{ol / il:.2f}** | {ic} | {oc} | **{oc / ic:.2f}** |")
    return "\n".join(rows)


if __name__ == "__main__":
    print(table())
