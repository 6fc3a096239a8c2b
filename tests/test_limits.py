"""Hostile story folders and saves: located errors, quickly, in bounded memory; nothing outside read."""
import os
import re
import tracemalloc
from pathlib import Path

import pytest

from adventure import Game, SaveError, StoryError, load_story
from adventure.store.saves import SaveStore
from conftest import MANIFEST, ROOT, STORIES

PACKAGE = ROOT / "adventure"


def located_errors(folder):
    with pytest.raises(StoryError) as info:
        load_story(folder, cache=False)
    return info.value.diagnostics


def test_file_over_the_size_limit_is_refused_unread(make_story, monkeypatch):
    import yaml

    composed = []
    real_compose = yaml.compose
    monkeypatch.setattr(yaml, "compose", lambda text, **kw: composed.append(len(text)) or real_compose(text, **kw))
    folder = make_story({"story.yaml": MANIFEST})
    with open(folder / "big.yaml", "w") as handle:
        handle.write("scenes:\n  a:\n    text: '")
        handle.write("x" * (10 * 1024 * 1024 + 10))
        handle.write("'\n")
    diags = located_errors(folder)
    assert max(composed, default=0) < 1024 * 1024  # the work counted: the big file was never parsed
    assert any(d.code == "E030" and d.path.endswith("big.yaml") and "limit" in d.message for d in diags)


def test_billion_laughs_is_stopped_in_bounded_memory(make_story):
    lines = ['a0: &a0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    for i in range(1, 10):
        lines.append(f"a{i}: &a{i} [{', '.join(['*a' + str(i - 1)] * 9)}]")
    bomb = "blocks:\n" + "\n".join("  " + line for line in lines) + "\nscenes:\n  a: {text: x, ending: true}\n"
    folder = make_story({"story.yaml": MANIFEST, "bomb.yaml": bomb})
    tracemalloc.start()
    diags = located_errors(folder)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    # The limit counts work (node visits), so a loaded machine cannot change the outcome.
    assert any(d.code == "E030" and "2,000,000 nodes" in d.message and d.path.endswith("bomb.yaml") for d in diags)
    assert peak < 100 * 2**20


def test_long_text_amplified_by_aliases_is_refused(make_story):
    # Few nodes, but each alias repeats 1 MB of text: 300 MB once expanded.
    long_text = "x" * (1024 * 1024)
    refs = ", ".join(["*big"] * 300)
    amplified = f"blocks:\n  big: &big \"{long_text}\"\n  many: [{refs}]\nscenes:\n  a: {{text: x, ending: true}}\n"
    diags = located_errors(make_story({"story.yaml": MANIFEST, "amp.yaml": amplified}))
    assert any(d.code == "E030" and "expands to more than" in d.message and d.path.endswith("amp.yaml")
               for d in diags)


def test_story_wide_expanded_text_is_bounded(make_story):
    # Each file is under the per-file bound; together they pass the story's.
    chunk = "y" * (1024 * 1024)
    refs = ", ".join(["*t"] * 15)
    files = {"story.yaml": MANIFEST, "00.yaml": "scenes:\n  a: {text: x, ending: true}\n"}
    for i in range(5):
        files[f"{i + 1:02d}.yaml"] = f"blocks:\n  b{i}: &t \"{chunk}\"\n  c{i}: [{refs}]\n"
    diags = located_errors(make_story(files))
    assert any(d.code == "E030" and "in all" in d.message for d in diags)


@pytest.mark.parametrize("levels", [65, 999, 1001, 5000])
def test_deeply_nested_document(make_story, levels):
    # Below libyaml's own limit of 1,000 our walk refuses it; above, libyaml does.
    # Either way the author sees the same finding, with its place.
    deep = "scenes:\n  a:\n    text: " + "[" * levels + "]" * levels + "\n"
    diags = located_errors(make_story({"story.yaml": MANIFEST, "deep.yaml": deep}))
    found = [d for d in diags if d.path.endswith("deep.yaml")]
    assert [d.code for d in found] == ["E030"] and "levels deep" in found[0].message
    assert found[0].line == 3


def test_very_long_and_deeply_nested_expressions(make_story, monkeypatch):
    import ast

    from adventure.core import syntax

    parsed = []
    real_parse = ast.parse
    monkeypatch.setattr(syntax.ast, "parse", lambda src, *a, **kw: parsed.append(len(src)) or real_parse(src, *a, **kw))
    long_expr = " + ".join(["n"] * 2000) + " > 1"
    nested = "(" * 300 + "n" + ")" * 300 + " > 1"
    scenes = ("scenes:\n  a:\n    text: x\n    choices:\n"
              f"      - {{text: one, goto: z, if: '{long_expr}'}}\n"
              f"      - {{text: two, id: two, goto: z, if: '{nested}'}}\n"
              "  z: {ending: true, text: end}\n")
    diags = located_errors(make_story({"story.yaml": MANIFEST, "a.yaml": scenes}))
    assert max(parsed) <= syntax.MAX_SOURCE  # the long one is refused by its length, never parsed
    assert [d.line for d in diags if d.code in ("E030", "E014")] == [5, 6]


def test_links_out_of_the_story_folder_are_not_read(make_story, tmp_path):
    secret = tmp_path / "secret.yaml"
    secret.write_text("scenes:\n  leaked: {text: 'the secret', ending: true}\n")
    folder = make_story({"story.yaml": MANIFEST, "a.yaml": "scenes:\n  a: {text: x, ending: true}\n"})
    os.symlink(secret, folder / "b.yaml")
    diags = located_errors(folder)
    assert [(Path(d.path).name, d.code) for d in diags] == [("b.yaml", "E031")]
    manifest_link = make_story({"a.yaml": "scenes:\n  a: {text: x, ending: true}\n"}, name="m")
    os.symlink(secret, manifest_link / "story.yaml")
    assert located_errors(manifest_link)[0].code == "E031"


def test_subfolders_and_other_files_are_not_read(make_story):
    folder = make_story({"story.yaml": MANIFEST, "a.yaml": "scenes:\n  a: {text: x, ending: true}\n"})
    (folder / "sub").mkdir()
    (folder / "sub" / "x.yaml").write_text("not: [valid")
    (folder / "notes.txt").write_text("{{{")
    assert load_story(folder, cache=False).scenes["a"].ending


def test_ctrl_c_during_a_save_leaves_the_old_save_whole(tmp_path, monkeypatch):
    story = load_story(STORIES / "tiny", cache=False)
    store = SaveStore(tmp_path)
    game = Game(story)
    store.save("slot", game)
    before = (tmp_path / "tiny" / "slot.save.json").read_bytes()
    game.choose("search_beach")

    def interrupted(fd):
        raise KeyboardInterrupt
    monkeypatch.setattr(os, "fsync", interrupted)
    with pytest.raises(KeyboardInterrupt):
        store.save("slot", game)
    monkeypatch.undo()
    assert (tmp_path / "tiny" / "slot.save.json").read_bytes() == before
    assert sorted(p.name for p in (tmp_path / "tiny").iterdir()) == ["slot.save.json"]


def test_save_names_stay_in_the_saves_folder(tmp_path):
    story = load_story(STORIES / "tiny", cache=False)
    store = SaveStore(tmp_path / "saves")
    for name in ("../escape", "/etc/passwd", "..", "a/../../b", "nul\0l"):
        with pytest.raises(SaveError):
            store.save(name, Game(story))
        with pytest.raises(SaveError):
            store.load(name, story)
        with pytest.raises(SaveError):
            store.delete(name)
    assert not (tmp_path / "escape.json").exists()


def test_oversized_save_is_refused(tmp_path):
    story = load_story(STORIES / "tiny", cache=False)
    store = SaveStore(tmp_path)
    (tmp_path / "tiny").mkdir()
    (tmp_path / "tiny" / "huge.save.json").write_bytes(b" " * (6 * 1024 * 1024))
    with pytest.raises(SaveError, match="too large"):
        store.load("huge", story)


# -- the package itself ----------------------------------------------------------------------
FORBIDDEN = [
    (r"\beval\(", "eval("), (r"\bexec\(", "exec("), (r"\bpickle\b", "pickle"), (r"\bmarshal\b", "marshal"),
    (r"shell\s*=\s*True", "shell=True"), (r"yaml\.load\(", "yaml.load("), (r"yaml\.unsafe_load", "unsafe_load"),
    (r"\bUnsafeLoader\b|\bFullLoader\b|(?<!C)(?<!Safe)\bLoader\s*=\s*yaml\.Loader\b", "an unsafe YAML loader"),
    (r"__import__|importlib", "dynamic import"), (r"\bos\.system\(", "os.system("),
]


def test_package_has_no_eval_exec_pickle_or_unsafe_yaml():
    offenders = []
    for path in sorted(PACKAGE.rglob("*.py")):
        for number, line in enumerate(path.read_text().splitlines(), 1):
            code = line.split("#", 1)[0]
            for pattern, label in FORBIDDEN:
                if re.search(pattern, code):
                    offenders.append(f"{path.relative_to(ROOT)}:{number}: {label}: {line.strip()}")
    assert offenders == []


def test_yaml_is_only_composed_with_the_safe_loader():
    uses = [(p.name, line.strip()) for p in PACKAGE.rglob("*.py") for line in p.read_text().splitlines()
            if "yaml." in line and not line.strip().startswith("#")]
    calls = [u for u in uses if re.search(r"yaml\.(load|compose|parse|scan|safe_load|full_load)\b", u[1])]
    assert calls == [("compiler.py", "node = yaml.compose(text, Loader=_Loader)")]
    from adventure.core.compiler import _Loader
    import yaml
    assert issubclass(_Loader, yaml.SafeLoader) or issubclass(_Loader, yaml.CSafeLoader)
