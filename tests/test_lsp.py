"""The language server over a real stdio session: `python -m adventure lsp`, JSON-RPC with
Content-Length framing, as an editor speaks it."""
from __future__ import annotations

import json
import os
import queue
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

pytest.importorskip("pygls")

ROOT = Path(__file__).resolve().parent.parent
TINY = Path(__file__).resolve().parent / "stories" / "tiny"
TIMEOUT = 30.0


def uri(path: Path) -> str:
    return path.resolve().as_uri()


class Client:
    """A small LSP client: requests wait for their answer; notifications are queued by method."""

    def __init__(self, cwd: Path):
        env = {**os.environ, "PYTHONPATH": str(ROOT)}
        self.proc = subprocess.Popen([sys.executable, "-m", "adventure", "lsp"], cwd=cwd, env=env,
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        self.next_id = 0
        self.answers: dict = {}
        self.notes: queue.Queue = queue.Queue()
        self.cond = threading.Condition()
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()
        self.stderr: list[bytes] = []
        threading.Thread(target=lambda: self.stderr.extend(self.proc.stderr), daemon=True).start()

    def _read(self):
        out = self.proc.stdout
        while True:
            length = None
            while True:
                line = out.readline()
                if not line:
                    return
                if line in (b"\r\n", b"\n"):
                    break
                name, _, value = line.decode("ascii").partition(":")
                if name.lower() == "content-length":
                    length = int(value.strip())
            message = json.loads(out.read(length))
            if "id" in message and "method" not in message:
                with self.cond:
                    self.answers[message["id"]] = message
                    self.cond.notify_all()
            elif "id" in message:  # a request from the server: answer it
                self.send({"jsonrpc": "2.0", "id": message["id"], "result": None})
                self.notes.put(message)
            else:
                self.notes.put(message)

    def send(self, message: dict):
        self.raw(json.dumps(message).encode())

    def raw(self, body: bytes, header: bytes | None = None):
        self.proc.stdin.write((header if header is not None else b"Content-Length: %d\r\n\r\n" % len(body)) + body)
        self.proc.stdin.flush()

    def request(self, method: str, params) -> dict:
        self.next_id += 1
        mid = self.next_id
        self.send({"jsonrpc": "2.0", "id": mid, "method": method, "params": params})
        deadline = time.monotonic() + TIMEOUT
        with self.cond:
            while mid not in self.answers:
                left = deadline - time.monotonic()
                assert left > 0 and self.proc.poll() is None, f"no answer to {method}: {self.log()}"
                self.cond.wait(left)
            return self.answers.pop(mid)

    def notify(self, method: str, params):
        self.send({"jsonrpc": "2.0", "method": method, "params": params})

    def wait_for(self, method: str, predicate=lambda params: True) -> dict:
        deadline = time.monotonic() + TIMEOUT
        while True:
            left = deadline - time.monotonic()
            assert left > 0, f"no {method}: {self.log()}"
            try:
                message = self.notes.get(timeout=left)
            except queue.Empty:
                continue
            if message.get("method") == method and predicate(message.get("params")):
                return message["params"]

    def diagnostics(self, path: Path, predicate=lambda ds: True) -> list:
        target = uri(path)
        return self.wait_for("textDocument/publishDiagnostics",
                             lambda p: p["uri"] == target and predicate(p["diagnostics"]))["diagnostics"]

    def log(self) -> str:
        return b"".join(self.stderr).decode(errors="replace")[-3000:]

    def initialize(self, folder: Path, **capabilities):
        answer = self.request("initialize", {"processId": None, "rootUri": uri(folder),
                                             "capabilities": capabilities,
                                             "workspaceFolders": [{"uri": uri(folder), "name": "story"}]})
        self.notify("initialized", {})
        return answer["result"]

    def open(self, path: Path, text: str | None = None):
        self.notify("textDocument/didOpen", {"textDocument": {
            "uri": uri(path), "languageId": "yaml", "version": 1,
            "text": path.read_text() if text is None else text}})

    def change(self, path: Path, text: str, version: int = 2):
        self.notify("textDocument/didChange", {"textDocument": {"uri": uri(path), "version": version},
                                               "contentChanges": [{"text": text}]})

    def close(self):
        try:
            self.request("shutdown", None)
            self.notify("exit", None)
            self.proc.wait(timeout=10)
        except Exception:  # noqa: BLE001
            pass
        finally:
            if self.proc.poll() is None:
                self.proc.kill()
                self.proc.wait()


@pytest.fixture
def story(tmp_path):
    folder = tmp_path / "tiny"
    shutil.copytree(TINY, folder)
    # a second scene file, so that edits cross files
    (folder / "02-home.yaml").write_text(
        "chapter: II. Home\n"
        "scenes:\n"
        "  kitchen:\n"
        "    title: The kitchen\n"
        "    text: The kettle is still warm.\n"
        "    choices:\n"
        "      - text: Back to the shore.\n"
        "        goto: shore\n"
        "        if: visited('lamp_room') > 0 and courage >= 1\n")
    return folder


@pytest.fixture
def client(story):
    c = Client(story)
    c.initialize(story)
    yield c
    c.close()


def pos(text: str, needle: str, offset: int = 0) -> dict:
    """The LSP position of `needle`'s first character (plus offset) in `text`."""
    index = text.index(needle) + offset
    line = text.count("\n", 0, index)
    return {"line": line, "character": index - (text.rfind("\n", 0, index) + 1)}


def test_lsp_initialize_advertises_features(story):
    c = Client(story)
    try:
        caps = c.initialize(story)["capabilities"]
        for feature in ("completionProvider", "definitionProvider", "referencesProvider", "hoverProvider",
                        "renameProvider", "codeActionProvider", "documentSymbolProvider"):
            assert caps.get(feature), feature
    finally:
        c.close()


def test_lsp_mistake_as_you_type_gets_diagnostic_at_right_range(client, story):
    scene_file = story / "01-shore.yaml"
    text = scene_file.read_text()
    client.open(scene_file)
    assert client.diagnostics(scene_file) == []
    broken = text.replace("goto: dawn", "goto: dwan")   # unsaved: the disk still says dawn
    client.change(scene_file, broken)
    found = client.diagnostics(scene_file, lambda ds: any(d["code"] == "E011" for d in ds))
    (d,) = [d for d in found if d["code"] == "E011"]
    start = pos(broken, "dwan")
    assert d["range"] == {"start": start, "end": {"line": start["line"], "character": start["character"] + 4}}
    assert d["severity"] == 1 and "did you mean 'dawn'" in d["message"]
    # an undeclared variable inside an expression: the range is the name itself
    broken2 = text.replace("if: has_lamp and courage >= 1", "if: has_lamp and couage >= 1")
    client.change(scene_file, broken2, 3)
    found = client.diagnostics(scene_file, lambda ds: any(d["code"] == "E013" for d in ds))
    (d,) = [d for d in found if d["code"] == "E013"]
    start = pos(broken2, "couage")
    assert d["range"]["start"] == start and d["range"]["end"]["character"] == start["character"] + 6
    # fixed again: the diagnostics clear
    client.change(scene_file, text, 4)
    client.diagnostics(scene_file, lambda ds: ds == [])


def test_lsp_diagnostics_cover_other_files_of_the_folder(client, story):
    manifest = story / "story.yaml"
    client.open(manifest)
    # rename the variable courage in the unsaved manifest: the scene files (not open) now use an unknown name
    client.change(manifest, manifest.read_text().replace("courage:", "bravery:"))
    found = client.diagnostics(story / "02-home.yaml", lambda ds: any(d["code"] == "E013" for d in ds))
    assert any("courage" in d["message"] for d in found)


def test_lsp_quick_fix_did_you_mean(client, story):
    scene_file = story / "01-shore.yaml"
    broken = scene_file.read_text().replace("    choices:\n      - text: Climb", "    choises:\n      - text: Climb")
    client.open(scene_file, broken)
    found = client.diagnostics(scene_file, lambda ds: any(d["code"] == "E005" for d in ds))
    (d,) = [d for d in found if d["code"] == "E005"]
    answer = client.request("textDocument/codeAction", {
        "textDocument": {"uri": uri(scene_file)}, "range": d["range"], "context": {"diagnostics": [d]}})
    (action,) = answer["result"]
    assert action["title"] == "Change to 'choices'"
    (edit,) = action["edit"]["changes"][uri(scene_file)]
    assert edit["newText"] == "choices" and edit["range"] == d["range"]


def test_lsp_quick_fix_quotes_a_plain_scalar_with_colon(client, story):
    scene_file = story / "02-home.yaml"
    broken = scene_file.read_text().replace("text: The kettle is still warm.", "text: Note: the kettle is warm.")
    client.open(scene_file, broken)
    found = client.diagnostics(scene_file, lambda ds: any(d["code"] == "E001" for d in ds))
    (d,) = [d for d in found if d["code"] == "E001"]
    answer = client.request("textDocument/codeAction", {
        "textDocument": {"uri": uri(scene_file)}, "range": d["range"], "context": {"diagnostics": [d]}})
    titles = {a["title"]: a for a in answer["result"]}
    action = titles["Quote this text (it holds ': ')"]
    (edit,) = action["edit"]["changes"][uri(scene_file)]
    assert edit["newText"] == '"Note: the kettle is warm."'
    assert edit["range"]["start"] == pos(broken, "Note:")


def test_lsp_completes_goto_and_visited(client, story):
    scene_file = story / "02-home.yaml"
    text = scene_file.read_text().replace("        goto: shore\n", "        goto: la\n")
    client.open(scene_file, text)
    here = pos(text, "goto: la", len("goto: la"))
    answer = client.request("textDocument/completion", {"textDocument": {"uri": uri(scene_file)}, "position": here})
    labels = {item["label"]: item for item in answer["result"]["items"]}
    assert {"shore", "lamp_room", "dawn", "home", "kitchen"} <= set(labels)
    assert labels["lamp_room"]["detail"] == "The lamp room"
    here = pos(text, "visited('lamp_room')", len("visited('"))
    answer = client.request("textDocument/completion", {"textDocument": {"uri": uri(scene_file)}, "position": here})
    assert "lamp_room" in {item["label"] for item in answer["result"]["items"]}
    # variables in a condition, keys with their meaning
    here = pos(text, "and courage", len("and "))
    answer = client.request("textDocument/completion", {"textDocument": {"uri": uri(scene_file)}, "position": here})
    assert {"courage", "has_lamp", "name"} <= {item["label"] for item in answer["result"]["items"]}
    keyed = text + "        on"
    client.change(scene_file, keyed)
    here = {"line": keyed.count("\n"), "character": len("        on")}
    answer = client.request("textDocument/completion", {"textDocument": {"uri": uri(scene_file)}, "position": here})
    keys = {item["label"]: item for item in answer["result"]["items"]}
    assert {"once", "fallback", "goto", "id"} <= set(keys)
    assert keys["once"]["detail"]


def test_lsp_definition_references_and_hover(client, story):
    home = story / "02-home.yaml"
    shore = story / "01-shore.yaml"
    text = home.read_text()
    client.open(home)
    answer = client.request("textDocument/definition", {"textDocument": {"uri": uri(home)},
                                                        "position": pos(text, "goto: shore", 7)})
    (loc,) = answer["result"]
    assert loc["uri"] == uri(shore) and loc["range"]["start"] == pos(shore.read_text(), "  shore:", 2)
    answer = client.request("textDocument/references", {"textDocument": {"uri": uri(home)},
                                                        "position": pos(text, "courage"),
                                                        "context": {"includeDeclaration": True}})
    places = {(Path(l["uri"]).name if False else l["uri"].rsplit("/", 1)[-1]) for l in answer["result"]}
    assert places == {"story.yaml", "01-shore.yaml", "02-home.yaml"}
    answer = client.request("textDocument/hover", {"textDocument": {"uri": uri(home)},
                                                   "position": pos(text, "courage")})
    value = answer["result"]["contents"]["value"]
    assert "int" in value and "0..3" in value and "shore" in value   # type, range, where it changes
    answer = client.request("textDocument/hover", {"textDocument": {"uri": uri(home)},
                                                   "position": pos(text, "lamp_room")})
    value = answer["result"]["contents"]["value"]
    assert "The lamp room" in value and "I. The Shore" in value and "The lamp is cold." in value


def test_lsp_rename_scene_edits_every_file(client, story):
    shore = story / "01-shore.yaml"
    text = shore.read_text()
    client.open(shore)
    answer = client.request("textDocument/prepareRename", {"textDocument": {"uri": uri(shore)},
                                                           "position": pos(text, "  shore:", 3)})
    assert answer["result"]["placeholder"] == "shore"
    answer = client.request("textDocument/rename", {"textDocument": {"uri": uri(shore)},
                                                    "position": pos(text, "  shore:", 3), "newName": "beach"})
    changes = answer["result"]["changes"]
    edited = {}
    for target, edits in changes.items():
        path = story / target.rsplit("/", 1)[-1]
        lines = path.read_text().split("\n")
        for e in sorted(edits, key=lambda e: (e["range"]["start"]["line"], e["range"]["start"]["character"]),
                        reverse=True):
            s, end = e["range"]["start"], e["range"]["end"]
            assert s["line"] == end["line"]
            line = lines[s["line"]]
            assert line[s["character"]:end["character"]] == "shore"
            lines[s["line"]] = line[:s["character"]] + e["newText"] + line[end["character"]:]
        edited[path.name] = "\n".join(lines)
    assert set(edited) == {"story.yaml", "01-shore.yaml", "02-home.yaml"}
    assert "start: beach" in edited["story.yaml"]
    assert "  beach:\n" in edited["01-shore.yaml"] and "goto: shore" not in edited["01-shore.yaml"]
    assert "goto: beach" in edited["02-home.yaml"]
    # the choices whose id came from `goto: shore` change id: the author is warned
    warning = client.wait_for("window/showMessage", lambda p: "rewinds" in p["message"])
    assert warning["type"] == 2 and "id: shore" in warning["message"]
    # and the renamed story is clean
    from adventure.core.build import compile_sources

    _compiled, diagnostics = compile_sources({**{p.name: p.read_text() for p in story.glob("*.yaml")}, **edited})
    assert not [d for d in diagnostics if d.severity == "error"]


def test_lsp_rename_choice_id_warns_about_saves(client, story):
    shore = story / "01-shore.yaml"
    text = shore.read_text()
    client.open(shore)
    answer = client.request("textDocument/rename", {"textDocument": {"uri": uri(shore)},
                                                    "position": pos(text, "search_beach", 2),
                                                    "newName": "comb_beach"})
    (edit,) = answer["result"]["changes"][uri(shore)]
    assert edit["newText"] == "comb_beach" and edit["range"]["start"] == pos(text, "search_beach")
    client.wait_for("window/showMessage", lambda p: "search_beach" in p["message"] and "rewinds" in p["message"])
    # a name that is no id is refused with a reason, and the session goes on
    answer = client.request("textDocument/rename", {"textDocument": {"uri": uri(shore)},
                                                    "position": pos(text, "search_beach", 2), "newName": "no way"})
    assert "error" in answer and "not an id" in answer["error"]["message"]


def test_lsp_outline_chapters_and_scenes(client, story):
    shore = story / "01-shore.yaml"
    client.open(shore)
    answer = client.request("textDocument/documentSymbol", {"textDocument": {"uri": uri(shore)}})
    (chapter,) = answer["result"]
    assert chapter["name"] == "I. The Shore"
    assert [s["name"] for s in chapter["children"]] == ["shore", "lamp_room", "dawn", "home"]


def test_lsp_malformed_messages_and_half_typed_files_never_crash(client, story):
    shore = story / "01-shore.yaml"
    text = shore.read_text()
    client.open(shore)
    client.raw(b"this is not json at all")                           # a body that is not JSON
    client.raw(b'{"jsonrpc": "2.0", "id": 99, "method": "textDocument/hover", "params": {"nonsense": 1}}')
    client.raw(b"", header=b"Content-Length: nope\r\n\r\n")       # a header that is no length
    client.send({"jsonrpc": "2.0", "id": 98, "method": "no/such/method", "params": {}})
    client.notify("textDocument/didChange", {"textDocument": {"uri": "file:///nowhere/x.yaml", "version": 2},
                                             "contentChanges": [{"text": "x"}]})
    # every prefix of a real file, as if typed; requests at the cursor all along
    for n, cut in enumerate(range(0, len(text), 37)):
        partial = text[:cut]
        client.change(shore, partial, n + 2)
        end = {"line": partial.count("\n"), "character": len(partial) - (partial.rfind("\n") + 1)}
        for method in ("textDocument/completion", "textDocument/hover", "textDocument/definition",
                       "textDocument/documentSymbol", "textDocument/references"):
            params = {"textDocument": {"uri": uri(shore)}, "position": end, "context": {"includeDeclaration": True}}
            answer = client.request(method, params)
            assert "result" in answer or "error" in answer
    client.change(shore, "scenes:\n  a: [\n  {{{: : :\n\t\x00", 999)
    client.change(shore, text, 1000)
    client.diagnostics(shore, lambda ds: ds == [])
    assert client.proc.poll() is None
    assert client.request("textDocument/hover", {"textDocument": {"uri": uri(shore)},
                                                 "position": pos(text, "courage")})["result"]


def test_lsp_incremental_build_equals_compile_sources(tmp_path):
    """The server's cached compile gives exactly what `adventure check` gives, edit after edit."""
    from adventure.core.build import compile_sources
    from adventure.lsp.incremental import IncrementalBuild
    from adventure.store.loader import read_sources

    for folder in (ROOT / "story", TINY, TINY.parent / "softlock"):
        sources = read_sources(folder)
        build = IncrementalBuild()
        assert build.compile(sources)[1] == compile_sources(sources)[1]
        names = sorted(sources)
        edits = [(names[-1], "goto: ", "goto: nowhere_"), (names[0], "start:", "start: x\nstart:"),
                 (names[-1], "text:", "txet:"), (names[-1], "\n", "\n  "), (names[-1], "if:", "if: not")]
        for name, old, new in edits:
            changed = {**sources, name: sources[name].replace(old, new, 1)}
            assert build.compile(changed)[1] == compile_sources(changed)[1], (folder, old, new)
            assert build.compile(sources)[1] == compile_sources(sources)[1]


def test_lsp_index_of_her_finds_every_name_and_every_goto():
    """On the bundled story: every name used is found where it is defined, and every choice's goto
    and every variable an effect sets is seen, as the compiler sees them."""
    from adventure.core.build import compile_sources
    from adventure.core.walk import written
    from adventure.lsp.folder import StoryFolder
    from adventure.store.loader import read_sources

    folder = StoryFolder((ROOT / "story").resolve())
    assert all(not items for items in folder.check().values())
    occurrences = folder.occurrences()
    for o in occurrences:
        if o.kind in ("scene", "variable", "speaker", "block"):
            assert folder.definitions(o.kind, o.name), (o.kind, o.name, o.path, o.range)
    compiled, _ = compile_sources(read_sources(ROOT / "story"))
    import yaml
    weaves = {sid for path in (ROOT / "story").glob("[0-9]*.yaml")
              for sid, scene in (yaml.safe_load(path.read_text()).get("scenes") or {}).items()
              if isinstance(scene, list) or isinstance(scene, dict) and "flow" in scene}
    # a weave compiles to parts joined by choices nobody wrote; count the gotos written in scene mappings
    gotos = sum(len(s["choices"]) for sid, s in compiled["scenes"].items() if sid.split(".")[0] not in weaves)
    assert sum(o.role == "goto" and o.scene.split(".")[0] not in weaves for o in occurrences) == gotos
    writes = {name for s in compiled["scenes"].values() for name in written(s) if "." not in name}  # not weave parts' visits
    assert {o.name for o in occurrences if o.kind == "variable" and o.role == "write"} == writes
    assert {sid for ix in folder.indexes() for sid in ix.scenes} == {sid for sid in compiled["scenes"] if "." not in sid}


def test_lsp_completes_values_and_keys_in_process(story):
    from adventure.lsp.folder import StoryFolder

    (story / "story.yaml").write_text((story / "story.yaml").read_text()
                                      + "  mood: {type: str, default: calm, values: [calm, angry]}\n")
    folder = StoryFolder(story.resolve())
    path = str(story.resolve() / "02-home.yaml")
    text = (story / "02-home.yaml").read_text() + "        if: mood == '"
    folder.overlay[path] = text
    last = text.count("\n")
    items = folder.complete(path, last, len("        if: mood == '"))
    assert [i["label"] for i in items] == ["calm", "angry"]
    manifest = str(story.resolve() / "story.yaml")
    folder.overlay[manifest] = (story / "story.yaml").read_text() + "  spare:\n    ty"
    mlast = folder.overlay[manifest].count("\n")
    keys = {i["label"] for i in folder.complete(manifest, mlast, 6)}
    assert {"type", "default", "min", "max", "values", "doc"} <= keys
    folder.overlay[manifest] += "pe: "
    values = {i["label"] for i in folder.complete(manifest, mlast, len("    type: "))}
    assert values == {"bool", "int", "str"}


def test_lsp_rename_marks_save_changing_edits_for_confirmation(story):
    """A client that supports change annotations gets the edits that change a choice id marked
    `needsConfirmation`, so its preview shows which edits rewind saves."""
    c = Client(story)
    try:
        c.initialize(story, workspace={"workspaceEdit": {"documentChanges": True,
                                                         "changeAnnotationSupport": {"groupsOnLabel": True}}})
        shore = story / "01-shore.yaml"
        text = shore.read_text()
        c.open(shore)
        answer = c.request("textDocument/rename", {"textDocument": {"uri": uri(shore)},
                                                   "position": pos(text, "  dawn:", 3), "newName": "daybreak"})
        result = answer["result"]
        assert result["changeAnnotations"]["saves"]["needsConfirmation"] is True
        edits = [e for doc in result["documentChanges"] for e in doc["edits"]]
        marked = [e for e in edits if e.get("annotationId") == "saves"]
        assert len(edits) == 2 and len(marked) == 1          # the key, and the goto whose choice has no id
        assert marked[0]["range"]["start"] == pos(text, "goto: dawn", 6)
    finally:
        c.close()


def test_lsp_finds_where_a_weave_part_is_named(tmp_path):
    """A label or a choice id inside a format-2 scene is a part a goto or visited() may name:
    going to its definition lands on the label, and nothing calls it unknown."""
    from adventure.lsp.folder import StoryFolder

    (tmp_path / "story.yaml").write_text("id: w\ntitle: W\nstart: walk\nvariables: {}\n")
    (tmp_path / "01.yaml").write_text(
        "scenes:\n"
        "  walk:\n"
        "    - You walk.\n"
        "    - label: corner\n"
        "    - A corner.\n"
        "    - choice: Wave.\n"
        "      id: wave\n"
        "      goto: home\n"
        "  home:\n"
        "    text:\n"
        "      - if: visited('walk.wave') > 0\n"
        "        text: You waved.\n"
        "      - You are home.\n"
        "    choices:\n"
        "      - text: Again.\n"
        "        goto: walk.corner\n"
        "      - text: Stop.\n"
        "        goto: end\n"
        "  end: {text: The end., ending: true}\n")
    folder = StoryFolder(tmp_path.resolve())
    assert all(not items for items in folder.check().values())
    for part, line in (("walk.corner", 3), ("walk.wave", 6)):
        (where,) = folder.definitions("scene", part)
        assert where.range[0] == line
        assert [o for o in folder.occurrences("scene", part) if o.role != "def"]
