"""Pictures of a story: scenes as nodes, choices as edges, one cluster per file.

Pure: returns text in Graphviz DOT or Mermaid; the command line writes it or
hands it to Graphviz's `dot` for SVG.
"""
from __future__ import annotations

import os

from .expr import source_of


def _label(parts, limit=40) -> str:
    text = "".join(p if isinstance(p, str) else "{" + source_of(p) + "}" for p in parts).strip()
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "\u2026"


def _edges(compiled):
    for sid, scene in compiled["scenes"].items():
        for choice in scene.get("choices", []):
            label = "(fallback)" if choice.get("fallback") else _label(choice["text"])
            if "if" in choice:
                label += f" [if {source_of(choice['if'])}]"
            if choice.get("once"):
                label += " (once)"
            yield sid, choice["goto"], label


def _by_file(compiled):
    files: dict[str, list] = {}
    for sid, scene in compiled["scenes"].items():
        files.setdefault(scene.get("file", ""), []).append((sid, scene))
    return files


def _dot_str(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def to_dot(compiled) -> str:
    lines = [f"digraph {_dot_str(compiled.get('id', 'story'))} {{",
             "  rankdir=TB;",
             '  node [shape=box, style="rounded", fontname="Helvetica", fontsize=10];',
             '  edge [fontname="Helvetica", fontsize=8];',
             f"  label={_dot_str(compiled.get('title', ''))}; labelloc=t;"]
    for n, (path, scenes) in enumerate(_by_file(compiled).items()):
        title = scenes[0][1].get("chapter") or os.path.basename(path)
        lines.append(f"  subgraph cluster_{n} {{")
        lines.append(f"    label={_dot_str(title)}; style=dashed; color=gray;")
        for sid, scene in scenes:
            label = scene.get("title") or sid
            attrs = [f"label={_dot_str(label)}"]
            if scene.get("ending"):
                attrs.append('shape=doubleoctagon, style="filled", fillcolor="#f4d6a0"')
            if sid == compiled.get("start"):
                attrs.append('style="rounded,bold", penwidth=2')
            lines.append(f"    {_dot_str(sid)} [{', '.join(attrs)}];")
        lines.append("  }")
    for source, target, label in _edges(compiled):
        lines.append(f"  {_dot_str(source)} -> {_dot_str(target)} [label={_dot_str(label)}];")
    lines.append("}")
    return "\n".join(lines) + "\n"


def _mermaid_text(text: str) -> str:
    return text.replace('"', "#quot;").replace("|", "#124;")


def to_mermaid(compiled) -> str:
    ids = {sid: f"s{i}" for i, sid in enumerate(compiled["scenes"])}
    lines = ["flowchart TD"]
    for n, (path, scenes) in enumerate(_by_file(compiled).items()):
        title = scenes[0][1].get("chapter") or os.path.basename(path)
        lines.append(f'  subgraph f{n} ["{_mermaid_text(title)}"]')
        for sid, scene in scenes:
            label = _mermaid_text(scene.get("title") or sid)
            shape = f'(["{label}"])' if scene.get("ending") else f'["{label}"]'
            lines.append(f"    {ids[sid]}{shape}")
        lines.append("  end")
    for source, target, label in _edges(compiled):
        if target in ids:
            lines.append(f'  {ids[source]} -->|"{_mermaid_text(label)}"| {ids[target]}')
    endings = [ids[sid] for sid, scene in compiled["scenes"].items() if scene.get("ending")]
    if endings:
        lines.append("  classDef ending fill:#f4d6a0,stroke:#a07020")
        lines.append(f"  class {','.join(endings)} ending")
    return "\n".join(lines) + "\n"
