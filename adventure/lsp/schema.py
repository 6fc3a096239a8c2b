"""The format's keys and their meaning, read from the JSON schemas and the compiler's key sets.

Nothing about the format is written down here: the schemas in
`adventure/schema/` say which keys a mapping may hold at each place and what
they mean, and the compiler's key sets (MANIFEST_KEYS, SCENE_KEYS, ...) add any
key the schema has not caught up with. A key added to either is offered.
"""
from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

from ..core import compiler as _compiler


@lru_cache(maxsize=None)
def schema(manifest: bool) -> dict:
    name = "manifest.schema.json" if manifest else "scenes.schema.json"
    try:
        return json.loads((Path(__file__).resolve().parent.parent / "schema" / name).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def compiler_key_sets() -> list[set]:
    """Every `*_KEYS` set the compiler declares."""
    return [set(value) for name, value in vars(_compiler).items()
            if name.endswith("_KEYS") and isinstance(value, (set, frozenset))]


def _resolve(node: dict, root: dict, depth: int = 0) -> list[dict]:
    """The object/array schemas a schema node may be: $ref, oneOf, anyOf and allOf opened."""
    if not isinstance(node, dict) or depth > 20:
        return []
    if "$ref" in node:
        target = root
        for part in node["$ref"].lstrip("#/").split("/"):
            target = target.get(part, {}) if isinstance(target, dict) else {}
        merged = {**target, **{k: v for k, v in node.items() if k != "$ref"}}
        return _resolve(merged, root, depth + 1)
    out = [node]
    for key in ("oneOf", "anyOf", "allOf"):
        for option in node.get(key, []):
            out += _resolve(option, root, depth + 1)
    return out


def _children(node: dict, root: dict, key: str) -> list[dict]:
    """The schemas of `key`'s value inside the mappings `node` may be (lists are looked through)."""
    out = []
    for option in _resolve(node, root):
        for item in _through_lists(option, root):
            props = item.get("properties", {})
            if key in props:
                out.append(props[key])
            elif isinstance(item.get("additionalProperties"), dict):
                out.append(item["additionalProperties"])
            for _pattern, sub in item.get("patternProperties", {}).items():
                out.append(sub)
    return out


def _through_lists(node: dict, root: dict) -> list[dict]:
    out = []
    for option in _resolve(node, root):
        if option.get("type") == "array" or "items" in option:
            for inner in _resolve(option.get("items", {}), root):
                out.append(inner)
        else:
            out.append(option)
    return out


def _at(path: list[str], manifest: bool) -> tuple[list[dict], dict]:
    root = schema(manifest)
    nodes = [root]
    for key in path:
        nodes = [child for node in nodes for child in _children(node, root, key)]
    return nodes, root


def describe(node: dict, root: dict) -> str:
    """A schema node's meaning in one line: its description, else its type."""
    for option in [node] + _resolve(node, root):
        if option.get("description"):
            return option["description"]
    kinds = []
    for option in _resolve(node, root):
        kind = option.get("type")
        if isinstance(kind, list):
            kinds += kind
        elif kind:
            kinds.append(kind)
        elif "enum" in option:
            kinds.append(" | ".join(map(str, option["enum"])))
    return " or ".join(dict.fromkeys(kinds)) if kinds else ""


def keys_at(path: list[str], manifest: bool) -> dict[str, str]:
    """{key: meaning} for the keys a mapping at `path` (keys from the file's root) may hold."""
    nodes, root = _at(path, manifest)
    out: dict[str, str] = {}
    for node in nodes:
        for option in _through_lists(node, root):
            for key, sub in option.get("properties", {}).items():
                if key not in out or not out[key]:
                    out[key] = describe(sub, root)
    if out:
        best, overlap = None, 0
        for keys in compiler_key_sets():
            common = len(keys & set(out))
            if common > overlap and common * 2 >= len(out):
                best, overlap = keys, common
        for key in sorted(best or ()):
            out.setdefault(key, "")
    elif not path:
        for key in sorted(_compiler.MANIFEST_KEYS if manifest else _compiler.FILE_KEYS):
            out[key] = ""
    return out


def values_at(path: list[str], manifest: bool) -> list[str]:
    """The literal values the schema allows at `path` (an enum, or true/false)."""
    nodes, root = _at(path, manifest)
    out: list[str] = []
    for node in nodes:
        for option in _resolve(node, root):
            out += [str(v) for v in option.get("enum", [])]
            if option.get("type") == "boolean":
                out += ["true", "false"]
    return list(dict.fromkeys(out))
