"""Each author mistake is reported as path:line:column, all at once, never as a traceback."""
import subprocess
import sys

import pytest

from adventure import StoryError, load_story
from conftest import MANIFEST, ROOT

GOOD_END = """
  z:
    ending: true
    text: The end.
"""


def errors_of(make_story, scenes_yaml, manifest=MANIFEST):
    folder = make_story({"story.yaml": manifest, "01-a.yaml": scenes_yaml})
    with pytest.raises(StoryError) as info:
        load_story(folder, cache=False)
    return folder, info.value.diagnostics


def one(diagnostics, code):
    found = [d for d in diagnostics if d.code == code]
    assert found, f"no {code} in {[str(d) for d in diagnostics]}"
    return found[0]


def test_bad_yaml_is_located(make_story):
    folder, diags = errors_of(make_story, "scenes:\n  a:\n    text: [unclosed\n    choices: []\n")
    d = one(diags, "E001")
    assert d.path.endswith("01-a.yaml") and d.line == 4


def test_unknown_target(make_story):
    _, diags = errors_of(make_story, "scenes:\n  a:\n    text: hi\n    choices:\n      - text: go\n        goto: nowher\n" + GOOD_END)
    d = one(diags, "E011")
    assert (d.line, d.column) == (6, 15)
    assert "nowher" in d.message


def test_duplicate_scene_and_choice_ids(make_story):
    text = ("scenes:\n  a:\n    text: hi\n    choices:\n      - {text: one, goto: z}\n"
            "      - {text: two, goto: z}\n" + GOOD_END)
    other = "scenes:\n  a:\n    text: again\n    choices: [{text: x, goto: z}]\n"
    folder = make_story({"story.yaml": MANIFEST, "01-a.yaml": text, "02-b.yaml": other})
    with pytest.raises(StoryError) as info:
        load_story(folder, cache=False)
    diags = info.value.diagnostics
    assert one(diags, "E012").line == 6
    dup = one(diags, "E010")
    assert dup.path.endswith("02-b.yaml") and dup.line == 2 and "01-a.yaml:2" in dup.message


def test_undeclared_variable_in_condition_effect_and_text(make_story):
    text = ("scenes:\n  a:\n    text: 'Hello {nobody}'\n    do: ghost += 1\n    choices:\n"
            "      - text: go\n        goto: z\n        if: n > 1 and missing\n" + GOOD_END)
    _, diags = errors_of(make_story, text)
    lines = sorted(d.line for d in diags if d.code == "E013")
    assert lines == [3, 4, 8]
    interp = [d for d in diags if d.line == 3][0]
    assert "interpolation of unknown variable 'nobody'" in interp.message
    assert interp.column == 19
    assert [d for d in diags if d.line == 8][0].column == 23


@pytest.mark.parametrize("expr,code,fragment", [
    ("n >", "E014", "cannot parse"),
    ("__import__('os')", "E015", "unknown function"),
    ("n.real > 0", "E014", "attribute access"),
    ("n ** 2 > 1", "E014", "**"),
    ("n == 'x'", "E016", "cannot compare"),
    ("n", "E016", "expected a bool"),
    ("word == 'z'", "E019", "not one of the values"),
    ("visited('nope') > 0", "E017", "unknown scene"),
])
def test_bad_expressions(make_story, expr, code, fragment):
    text = f"scenes:\n  a:\n    text: hi\n    choices:\n      - text: go\n        goto: z\n        if: \"{expr}\"\n" + GOOD_END
    _, diags = errors_of(make_story, text)
    d = one(diags, code)
    assert d.line == 7 and fragment in d.message


def test_python_tag_refused(make_story):
    text = "scenes:\n  a:\n    text: !!python/object/apply:os.system ['echo pwned']\n    choices: []\n"
    _, diags = errors_of(make_story, text)
    d = one(diags, "E002")
    assert d.line == 3 and "python/object/apply" in d.message


def test_unknown_key_suggests(make_story):
    text = "scenes:\n  a:\n    text: hi\n    choises: []\n" + GOOD_END
    _, diags = errors_of(make_story, text)
    d = one(diags, "E005")
    assert d.line == 4 and "did you mean 'choices'" in d.message


def test_every_mistake_in_one_run_and_exit_status(make_story):
    text = ("scenes:\n  a:\n    text: hi {nobody}\n    choices:\n      - {text: go, goto: nowhere}\n"
            "      - {text: again, goto: z, if: 'n >'}\n" + GOOD_END)
    folder = make_story({"story.yaml": MANIFEST, "01-a.yaml": text,
                         "02-b.yaml": "scenes:\n  b: {text: x, choices: [{text: y, goto: z, do: 'n = true'}]}\n"})
    result = subprocess.run([sys.executable, "-m", "adventure", "--story", str(folder), "--plain"],
                            capture_output=True, text=True, cwd=ROOT, input="")
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    lines = [line for line in result.stderr.splitlines() if ": error:" in line]
    codes = sorted(line.rsplit("[", 1)[1] for line in lines)
    assert codes == ["E011]", "E013]", "E014]", "E016]"]
    assert all(line.split(":")[1].isdigit() and line.split(":")[2].isdigit() for line in lines)


def test_manifest_mistakes(make_story):
    manifest = "id: t\ntitle: T\nstart: nowhere\nvariables:\n  n: {type: float}\n  m: {type: int, default: 'x'}\n"
    folder = make_story({"story.yaml": manifest, "a.yaml": "scenes:\n  a: {ending: true, text: hi}\n"})
    with pytest.raises(StoryError) as info:
        load_story(folder, cache=False)
    by_code = {(d.code, d.line) for d in info.value.diagnostics}
    assert ("E011", 3) in by_code and ("E018", 5) in by_code and ("E018", 6) in by_code


@pytest.mark.parametrize("decl,code,column", [
    ("x: {type: int, default: [1]}", "E003", 27),               # crashed with TypeError before
    ("x: {type: int, default: {a: 1}, min: 0, max: 3}", "E003", 27),
    ("x: {type: int, min: 5}", "E018", 6),                     # the implicit 0, outside: a KeyError before
])
def test_unreadable_or_missing_int_default_is_located(make_story, decl, code, column):
    manifest = f"id: t\ntitle: T\nstart: a\nvariables:\n  {decl}\n"
    folder = make_story({"story.yaml": manifest, "a.yaml": "scenes:\n  a: {ending: true, text: hi}\n"})
    with pytest.raises(StoryError) as info:
        load_story(folder, cache=False)
    d = one(info.value.diagnostics, code)
    assert d.path.endswith("story.yaml") and (d.line, d.column) == (5, column)
    assert [x.code for x in info.value.diagnostics if x.severity == "error"] == [code]


def test_missing_folder_and_manifest(tmp_path):
    with pytest.raises(StoryError, match="no such story folder"):
        load_story(tmp_path / "absent", cache=False)
    with pytest.raises(StoryError, match="no story.yaml manifest"):
        load_story(tmp_path, cache=False)
