"""Pictures of a story: scenes as nodes, choices as edges, one cluster per file.

Pure: returns text in Graphviz DOT or Mermaid; the command line writes it or
hands it to Graphviz's `dot` for SVG.
"""
from __future__ import annotations

import os

from ..core.expr import source_of
from ..play.escape import safe_line


def _label(parts, limit=40) -> str:
    text = "".join(p if isinstance(p, str) else "{" + source_of(p) + "}" for p in parts).strip()
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "\u2026"


def _edges(compiled):
    scenes = compiled["scenes"]
    for sid, scene in scenes.items():
        for choice in scene.get("choices", []):
            label = "(fallback)" if choice.get("fallback") else _label(choice["text"])
            if "if" in choice:
                label += f" [if {source_of(choice['if'])}]"
            if choice.get("once"):
                label += " (once)"
            if choice.get("call"):  # a tunnel: there, and back to the part after the call
                yield sid, choice["goto"], label + " (call)"
                yield sid, choice["call"], "(after the call returns)"
            elif choice["goto"] in scenes:  # a `return` has no fixed target
                yield sid, choice["goto"], label


def _by_file(compiled):
    files: dict[str, list] = {}
    for sid, scene in compiled["scenes"].items():
        files.setdefault(scene.get("file", ""), []).append((sid, scene))
    return files


def _dot_str(text: str) -> str:
    """A DOT quoted string: control characters made visible (the output may reach a terminal),
    then backslashes and quotes escaped so a label cannot end its string early."""
    return '"' + _escape(str(text)) + '"'


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
    """Mermaid label text: one line, with the characters that end a label or start markup as entities."""
    text = safe_line(text)
    for char, entity in (("#", "#35;"), ('"', "#quot;"), ("|", "#124;"), ("<", "#lt;"), (">", "#gt;"),
                         ("`", "#96;")):
        text = text.replace(char, entity)
    return text


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


def to_dot_chapters(compiled) -> str:
    """One node per scene file (its chapter, with counts), edges where play crosses files."""
    files = _by_file(compiled)
    file_of = {sid: scene.get("file", "") for sid, scene in compiled["scenes"].items()}
    lines = [f"digraph {_dot_str(compiled.get('id', 'story'))} {{",
             "  rankdir=TB;",
             '  node [shape=box, style="rounded,filled", fillcolor="#f7f1e8", fontname="Helvetica", fontsize=11];',
             '  edge [fontname="Helvetica", fontsize=9, color="#8a7a66"];',
             f"  label={_dot_str(compiled.get('title', ''))}; labelloc=t;"]
    ids = {path: f"f{n}" for n, path in enumerate(files)}
    for path, scenes in files.items():
        title = scenes[0][1].get("chapter") or os.path.basename(path)
        choices = sum(len(scene.get("choices", [])) for _sid, scene in scenes)
        endings = sum(bool(scene.get("ending")) for _sid, scene in scenes)
        detail = f"{len(scenes)} scenes, {choices} choices" + (f", {endings} ending" if endings else "")
        attrs = f'label="{_escape(title)}\\n{detail}"'
        if endings:
            attrs += ', fillcolor="#f4d6a0", shape=doubleoctagon'
        lines.append(f"  {ids[path]} [{attrs}];")
    crossings: dict[tuple, int] = {}
    for source, target, _label in _edges(compiled):
        a, b = file_of.get(source), file_of.get(target)
        if a is not None and b is not None and a != b:
            crossings[(a, b)] = crossings.get((a, b), 0) + 1
    for (a, b), count in crossings.items():
        lines.append(f"  {ids[a]} -> {ids[b]} [label={_dot_str(str(count))}];")
    lines.append("}")
    return "\n".join(lines) + "\n"


def _escape(text: str) -> str:
    return safe_line(text).replace("\\", "\\\\").replace('"', '\\"')
