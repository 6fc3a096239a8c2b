"""Property-based fuzzing: whatever a story folder or a save file holds, the program
ends in a loaded story or located errors, a valid game or a one-line error.

ADVENTURE_FUZZ_EXAMPLES raises the number of cases for a long run (default 200).
"""
import json
import os
import string

import yaml
from hypothesis import HealthCheck, given, settings, strategies as st

from adventure import Game, SaveError, load_story
from adventure.core.checks import check
from adventure.core.errors import Diagnostic
from adventure.core.build import compile_sources
from adventure.store.saves import SaveStore
from conftest import MANIFEST, STORIES

EXAMPLES = int(os.environ.get("ADVENTURE_FUZZ_EXAMPLES", "200"))
FUZZ = settings(max_examples=EXAMPLES, deadline=2000, suppress_health_check=[HealthCheck.too_slow,
                                                                             HealthCheck.function_scoped_fixture])
TINY_SCENES = (STORIES / "tiny" / "01-shore.yaml").read_text()
TINY_MANIFEST = (STORIES / "tiny" / "story.yaml").read_text()


def compile_or_locate(manifest_text, scene_text):
    """The loader's whole contract: compiled form, or only located diagnostics."""
    compiled, diagnostics = compile_sources({"m/story.yaml": manifest_text, "m/a.yaml": scene_text})
    for d in diagnostics:
        assert isinstance(d, Diagnostic) and d.line >= 1 and d.column >= 1 and d.message
        assert "\n" not in d.message
    if compiled is not None and not any(d.severity == "error" for d in diagnostics):
        findings = check(compiled)
        assert all(isinstance(f, Diagnostic) for f in findings)
    return compiled, diagnostics


# -- scene files ---------------------------------------------------------------------------
keys = st.sampled_from(["scenes", "chapter", "blocks", "text", "choices", "goto", "if", "do", "once",
                        "fallback", "ending", "title", "id", "speaker", "block", "else", "a", "z", "home"])
scalars = st.one_of(st.none(), st.booleans(), st.integers(-10**6, 10**6), st.text(max_size=40),
                    st.sampled_from(["a", "z", "n > 1", "n += 1", "toggle flag", "{n}", "visited('a')",
                                     "word == 'x'", "not flag", "n +", "__import__('os')", "{", "}"]))
documents = st.recursive(scalars, lambda inner: st.one_of(
    st.lists(inner, max_size=4), st.dictionaries(keys, inner, max_size=5)), max_leaves=30)


@FUZZ
@given(documents)
def test_random_scene_documents(doc):
    text = yaml.safe_dump(doc, allow_unicode=True)
    compile_or_locate(MANIFEST, text)


@FUZZ
@given(st.data())
def test_mutated_scene_files(data):
    text = TINY_SCENES
    for _ in range(data.draw(st.integers(1, 6))):
        kind = data.draw(st.sampled_from(["delete", "insert", "replace", "dup"]))
        at = data.draw(st.integers(0, len(text)))
        if kind == "delete":
            text = text[:at] + text[at + data.draw(st.integers(1, 20)):]
        elif kind == "insert":
            text = text[:at] + data.draw(st.text(alphabet=string.printable + "{}[]&*!|>%@`", max_size=12)) + text[at:]
        elif kind == "replace":
            text = text[:at] + data.draw(st.sampled_from(["&a ", "*a", "!!python/name:os.system ", "\t", ": ",
                                                          "- ", "{{", "}", "'", "\"", "\n  x: y\n"])) + text[at + 1:]
        else:
            line = text.splitlines(True)
            i = data.draw(st.integers(0, max(len(line) - 1, 0)))
            text = "".join(line[:i + 1] + line[i:i + 1] + line[i + 1:])
    compile_or_locate(TINY_MANIFEST, text)


expressions = st.recursive(
    st.one_of(st.sampled_from(["n", "flag", "word", "true", "1", "'x'", "visited('a')", "nope", "f()"]),
              st.integers(-99, 99).map(str)),
    lambda inner: st.one_of(
        st.tuples(inner, st.sampled_from([" and ", " or ", " == ", " != ", " < ", " + ", " - ", " * ", ".",
                                          " if ", " else ", "(", ")", "[", " in "]), inner).map("".join),
        inner.map(lambda e: f"not {e}"), inner.map(lambda e: f"({e})")),
    max_leaves=12)


@FUZZ
@given(expressions, st.sampled_from(["if", "text", "do"]))
def test_random_expressions(expression, where):
    if where == "if":
        body = f"    choices:\n      - text: go\n        goto: z\n        if: {json.dumps(expression)}\n"
    elif where == "text":
        body = f"    text: {json.dumps('{' + expression + '}')}\n    choices: [{{text: go, goto: z}}]\n"
    else:
        body = f"    do: {json.dumps('n = ' + expression)}\n    choices: [{{text: go, goto: z}}]\n"
    scenes = "scenes:\n  a:\n" + body + "  z: {ending: true, text: end}\n"
    compiled, diagnostics = compile_or_locate(MANIFEST, scenes)
    if compiled is not None and not any(d.severity == "error" for d in diagnostics):
        from adventure.core.model import Story
        game = Game(Story(compiled))  # what loads must also run
        game.text
        game.choices


# -- save files -----------------------------------------------------------------------------
_GOOD = {}


def _valid_save(tmp_path_factory):
    """The tiny story, a store, and the bytes of one valid save (made once, so every case
    starts from the same bytes)."""
    if not _GOOD:
        story = load_story(STORIES / "tiny", cache=False)
        store = SaveStore(tmp_path_factory.mktemp("saves"))
        game = Game(story)
        game.choose("search_beach")
        game.choose("lamp_room")
        _GOOD.update(story=story, store=store, good=store.save("good", game).read_bytes())
    return _GOOD["story"], _GOOD["store"], _GOOD["good"]


def _load_and_check(story, store, data):
    path = store.folder / "tiny" / "fuzz.save.json"
    path.write_bytes(data)
    before = (path.stat().st_mtime_ns, path.read_bytes())
    try:
        loaded = store.load("fuzz", story)
    except SaveError as exc:
        assert "\n" not in str(exc) and "fuzz.save.json" in str(exc)
    else:
        loaded.game.text  # a save that loads is a game that plays
        loaded.game.choices
    assert (path.stat().st_mtime_ns, path.read_bytes()) == before


@FUZZ
@given(st.binary(max_size=400))
def test_random_bytes_as_save(tmp_path_factory, data):
    story, store, _good = _valid_save(tmp_path_factory)
    _load_and_check(story, store, data)


json_values = st.recursive(st.one_of(st.none(), st.booleans(), st.integers(-5, 10**12), st.floats(allow_nan=True),
                                     st.text(max_size=12)),
                           lambda inner: st.one_of(st.lists(inner, max_size=3),
                                                   st.dictionaries(st.text(max_size=8), inner, max_size=3)),
                           max_leaves=8)


@FUZZ
@given(st.data())
def test_mutated_saves(tmp_path_factory, data):
    story, store, good = _valid_save(tmp_path_factory)
    record = json.loads(good)
    for _ in range(data.draw(st.integers(1, 3))):
        section = data.draw(st.sampled_from(["meta", "state", "top"]))
        target = record if section == "top" else record[section] if isinstance(record.get(section), dict) else record
        key = data.draw(st.sampled_from(sorted(target) + ["extra"]) if target else st.just("x"))
        if data.draw(st.booleans()):
            target[key] = data.draw(json_values)
        else:
            target.pop(key, None)
    raw = json.dumps(record).encode()
    if data.draw(st.booleans()):
        cut = data.draw(st.integers(0, len(raw)))
        raw = raw[:cut]
    _load_and_check(story, store, raw)
