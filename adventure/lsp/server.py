"""The language server: pygls wiring around `folder.StoryFolder`.

Started by `adventure lsp` on stdio. Each open document's story folder (the
folder holding its story.yaml) is read from disk and overlaid with the
unsaved text of open documents; after a change the whole folder is re-checked
once typing pauses (DEBOUNCE seconds), in a worker thread so requests are
still answered, and every file's diagnostics are published.

No request or notification can bring the server down: each handler answers
with nothing rather than fail (and says why in the log).
"""
from __future__ import annotations

import asyncio
import functools
import gc
import logging
from pathlib import Path

from lsprotocol import types as t
from pygls.exceptions import JsonRpcException
from pygls.lsp.server import LanguageServer
from pygls.protocol import LanguageServerProtocol
from pygls.uris import from_fs_path, to_fs_path

from .folder import StoryFolder, story_root

DEBOUNCE = 0.2   # seconds of quiet after a keystroke before the folder is re-checked
log = logging.getLogger("adventure.lsp")

_SEVERITY = {"error": t.DiagnosticSeverity.Error, "warning": t.DiagnosticSeverity.Warning}
_SYMBOL = {"chapter": t.SymbolKind.Namespace, "scene": t.SymbolKind.Class, "block": t.SymbolKind.Struct,
           "variable": t.SymbolKind.Variable, "speaker": t.SymbolKind.Constant, "group": t.SymbolKind.Namespace}
_ITEM = {"scene": t.CompletionItemKind.Class, "variable": t.CompletionItemKind.Variable,
         "speaker": t.CompletionItemKind.Constant, "block": t.CompletionItemKind.Struct,
         "key": t.CompletionItemKind.Property, "value": t.CompletionItemKind.Value,
         "function": t.CompletionItemKind.Function}


class _Protocol(LanguageServerProtocol):
    """Answers a request it cannot read with an error, instead of leaving the client waiting."""

    def structure_message(self, data):
        try:
            return super().structure_message(data)
        except JsonRpcException as exc:
            if isinstance(data, dict) and "id" in data and "method" in data:
                try:
                    self._send_response(data["id"], error=t.ResponseError(
                        code=exc.code, message=f"cannot read this {str(data['method'])[:80]} request"))
                except Exception:  # noqa: BLE001
                    log.exception("cannot answer a malformed request")
            raise


class AdventureServer(LanguageServer):
    def __init__(self):
        super().__init__("adventure-lsp", _version(), protocol_cls=_Protocol)
        self.folders: dict[Path, StoryFolder] = {}
        self.pending: dict[Path, asyncio.TimerHandle] = {}
        self.running: dict[Path, bool] = {}
        self.again: set = set()
        self.published: dict[str, list] = {}

    # -- folders and text ---------------------------------------------------------------
    def folder_of(self, uri: str) -> StoryFolder | None:
        path = _path(uri)
        root = story_root(path) if path else None
        if root is None:
            return None
        root = root.resolve()
        if root not in self.folders:
            self.folders[root] = StoryFolder(root)
        return self.folders[root]

    def report_server_error(self, error, source):
        """Log a malformed message or a failed handler; the author's editor is not interrupted."""
        log.warning("%s: %s", getattr(source, "__name__", source), error)

    def encoding(self) -> str:
        try:
            return str(self.workspace.position_encoding or "utf-16")
        except Exception:  # noqa: BLE001 (before initialize)
            return "utf-16"

    # -- positions: code points inside, the client's units outside ------------------------
    def to_client(self, folder: StoryFolder, path: str, rng) -> t.Range:
        ix = folder.index(path)
        l0, c0, l1, c1 = rng
        return t.Range(t.Position(l0, _units(ix.line_text(l0), c0, self.encoding())),
                       t.Position(l1, _units(ix.line_text(l1), c1, self.encoding())))

    def from_client(self, folder: StoryFolder, path: str, pos: t.Position) -> tuple[int, int]:
        line = folder.index(path).line_text(pos.line)
        return pos.line, _chars(line, pos.character, self.encoding())

    # -- checking --------------------------------------------------------------------------
    def schedule(self, folder: StoryFolder, delay: float = DEBOUNCE):
        loop = asyncio.get_running_loop()
        handle = self.pending.pop(folder.root, None)
        if handle is not None:
            handle.cancel()
        self.pending[folder.root] = loop.call_later(delay, lambda: asyncio.ensure_future(self.recheck(folder)))

    async def recheck(self, folder: StoryFolder):
        self.pending.pop(folder.root, None)
        if self.running.get(folder.root):
            self.again.add(folder.root)
            return
        self.running[folder.root] = True
        try:
            loop = asyncio.get_running_loop()
            results = await loop.run_in_executor(self.thread_pool, _check, folder)
            self.publish(folder, results)
        except Exception:  # noqa: BLE001 (a checker failure must not end the session)
            log.exception("re-checking %s failed", folder.root)
        finally:
            self.running[folder.root] = False
        if folder.root in self.again:
            self.again.discard(folder.root)
            self.schedule(folder, 0)

    def publish(self, folder: StoryFolder, results: dict):
        for path, items in results.items():
            diagnostics = []
            for d, rng in items:
                diagnostics.append(t.Diagnostic(
                    range=self.to_client(folder, path, rng), message=d.message,
                    severity=_SEVERITY.get(d.severity, t.DiagnosticSeverity.Information),
                    code=d.code, source="adventure"))
            uri = from_fs_path(path) or path
            key = [(x.range, x.message, x.code, x.severity) for x in diagnostics]
            if self.published.get(uri) == key:
                continue
            self.published[uri] = key
            self.text_document_publish_diagnostics(t.PublishDiagnosticsParams(uri=uri, diagnostics=diagnostics))


def _check(folder: StoryFolder):
    was = gc.isenabled()
    gc.disable()  # millions of acyclic objects: the collector's passes would find nothing
    try:
        return folder.check()
    finally:
        if was:
            gc.enable()


def _version() -> str:
    from .. import __version__

    return __version__


def _path(uri: str) -> str | None:
    try:
        return to_fs_path(uri) if uri.startswith("file:") else None
    except Exception:  # noqa: BLE001
        return None


def _units(line: str, col: int, encoding: str) -> int:
    if "8" in encoding:
        return len(line[:col].encode("utf-8", "surrogatepass"))
    if "16" in encoding:
        return len(line[:col].encode("utf-16-le", "surrogatepass")) // 2
    return col


def _chars(line: str, units: int, encoding: str) -> int:
    if "32" in encoding or line.isascii():
        return units
    count = 0
    for i, ch in enumerate(line):
        if count >= units:
            return i
        count += len(ch.encode("utf-8")) if "8" in encoding else (2 if ord(ch) > 0xFFFF else 1)
    return len(line) + max(units - count, 0)


def safely(default=None):
    """A handler that answers `default` instead of failing: a half-typed file never breaks the session."""
    def wrap(f):
        @functools.wraps(f)
        def run(params):
            try:
                return f(params)
            except Exception:  # noqa: BLE001
                log.exception("%s failed", f.__name__)
                return default
        return run
    return wrap


server = None


def make_server() -> AdventureServer:
    ls = AdventureServer()

    def doc_path(uri):
        folder = ls.folder_of(uri)
        return folder, _path(uri)

    def position(params):
        """(folder, path, line, column) of a request's place in a document, or None outside a story."""
        folder, path = doc_path(params.text_document.uri)
        if folder is None:
            return None
        return (folder, path, *ls.from_client(folder, path, params.position))

    def symbol(params):
        """(folder, kind, name) of the name at a request's place, or None: choices have no
        definition to go to, only their ids."""
        where = position(params)
        found = None if where is None else where[0].symbol_at(*where[1:])
        return None if found is None or found[0] == "choice" else (where[0], found[0], found[1])

    @ls.feature(t.TEXT_DOCUMENT_DID_OPEN)
    @safely()
    def did_open(params: t.DidOpenTextDocumentParams):
        folder, path = doc_path(params.text_document.uri)
        if folder is None:
            return
        folder.overlay[path] = params.text_document.text
        ls.schedule(folder, 0)

    @ls.feature(t.TEXT_DOCUMENT_DID_CHANGE)
    @safely()
    def did_change(params: t.DidChangeTextDocumentParams):
        folder, path = doc_path(params.text_document.uri)
        if folder is None:
            return
        folder.overlay[path] = ls.workspace.get_text_document(params.text_document.uri).source
        ls.schedule(folder)

    @ls.feature(t.TEXT_DOCUMENT_DID_SAVE)
    @safely()
    def did_save(params: t.DidSaveTextDocumentParams):
        folder, _path_ = doc_path(params.text_document.uri)
        if folder is not None:
            ls.schedule(folder)

    @ls.feature(t.TEXT_DOCUMENT_DID_CLOSE)
    @safely()
    def did_close(params: t.DidCloseTextDocumentParams):
        folder, path = doc_path(params.text_document.uri)
        if folder is not None:
            folder.overlay.pop(path, None)  # the file on disk counts again
            ls.schedule(folder)

    @ls.feature(t.WORKSPACE_DID_CHANGE_WATCHED_FILES)
    @safely()
    def watched(params: t.DidChangeWatchedFilesParams):
        for change in params.changes:
            folder = ls.folder_of(change.uri)
            if folder is not None:
                ls.schedule(folder)

    @ls.feature(t.TEXT_DOCUMENT_COMPLETION,
                t.CompletionOptions(trigger_characters=[":", " ", "'", '"', "(", "{", "="]))
    @safely(None)
    def completion(params: t.CompletionParams):
        where = position(params)
        if where is None:
            return None
        folder, path, line, col = where
        items = []
        for item in folder.complete(path, line, col):
            items.append(t.CompletionItem(
                label=item["label"], kind=_ITEM.get(item["kind"]), detail=item.get("detail") or None,
                documentation=item.get("doc") or None, insert_text=item.get("insert")))
        return t.CompletionList(is_incomplete=False, items=items)

    @ls.feature(t.TEXT_DOCUMENT_DEFINITION)
    @safely(None)
    def definition(params: t.DefinitionParams):
        hit = symbol(params)
        if hit is None:
            return None
        folder, kind, name = hit
        return [t.Location(uri=from_fs_path(o.path), range=ls.to_client(folder, o.path, o.range))
                for o in folder.definitions(kind, name)] or None

    @ls.feature(t.TEXT_DOCUMENT_REFERENCES)
    @safely(None)
    def references(params: t.ReferenceParams):
        hit = symbol(params)
        if hit is None:
            return None
        folder, kind, name = hit
        include = params.context.include_declaration if params.context else True
        return [t.Location(uri=from_fs_path(o.path), range=ls.to_client(folder, o.path, o.range))
                for o in folder.occurrences(kind, name) if include or o.role != "def"]

    @ls.feature(t.TEXT_DOCUMENT_HOVER)
    @safely(None)
    def hover(params: t.HoverParams):
        where = position(params)
        if where is None:
            return None
        folder, path, line, col = where
        found = folder.hover(path, line, col)
        if found is None:
            return None
        text, rng = found
        return t.Hover(contents=t.MarkupContent(kind=t.MarkupKind.Markdown, value=text),
                       range=ls.to_client(folder, path, rng))

    @ls.feature(t.TEXT_DOCUMENT_PREPARE_RENAME)
    @safely(None)
    def prepare_rename(params: t.PrepareRenameParams):
        where = position(params)
        if where is None:
            return None
        folder, path, line, col = where
        found = folder.prepare_rename(path, line, col)
        if found is None:
            return None
        rng, name = found
        return t.PrepareRenamePlaceholder(range=ls.to_client(folder, path, rng), placeholder=name)

    @ls.feature(t.TEXT_DOCUMENT_RENAME)
    def rename(params: t.RenameParams):
        where = position(params)
        if where is None:
            return None
        folder, path, line, col = where
        try:
            edits, warnings = folder.rename(path, line, col,
                                            params.new_name)
        except ValueError as exc:
            from pygls.exceptions import JsonRpcInvalidParams

            raise JsonRpcInvalidParams(str(exc)) from None
        except Exception:  # noqa: BLE001
            log.exception("rename failed")
            return None
        for warning in warnings:
            ls.window_show_message(t.ShowMessageParams(type=t.MessageType.Warning, message=warning))
        return ls.workspace_edit(folder, edits, warnings)

    @ls.feature(t.TEXT_DOCUMENT_CODE_ACTION,
                t.CodeActionOptions(code_action_kinds=[t.CodeActionKind.QuickFix]))
    @safely(None)
    def code_action(params: t.CodeActionParams):
        folder, path = doc_path(params.text_document.uri)
        if folder is None:
            return None
        actions = []
        for d in params.context.diagnostics:
            if d.source not in (None, "adventure"):
                continue
            start = ls.from_client(folder, path, d.range.start)
            end = ls.from_client(folder, path, d.range.end)
            for title, edits in folder.fixes(path, str(d.code or ""), d.message, (*start, *end)):
                actions.append(t.CodeAction(title=title, kind=t.CodeActionKind.QuickFix, diagnostics=[d],
                                            is_preferred=len(actions) == 0,
                                            edit=ls.workspace_edit(folder, edits, [])))
        return actions or None

    @ls.feature(t.TEXT_DOCUMENT_DOCUMENT_SYMBOL)
    @safely(None)
    def symbols(params: t.DocumentSymbolParams):
        folder, path = doc_path(params.text_document.uri)
        if folder is None:
            return None

        def convert(item):
            return t.DocumentSymbol(name=item["name"] or "?", detail=item["detail"] or None,
                                    kind=_SYMBOL.get(item["kind"], t.SymbolKind.Object),
                                    range=ls.to_client(folder, path, item["range"]),
                                    selection_range=ls.to_client(folder, path, item["selection"]),
                                    children=[convert(c) for c in item["children"]] or None)
        return [convert(item) for item in folder.outline(path)]

    return ls


def _workspace_edit(self: AdventureServer, folder: StoryFolder, edits, warnings) -> t.WorkspaceEdit:
    changes: dict[str, list] = {}
    annotated = bool(warnings) and _supports_annotations(self)
    for e in edits:
        rng = self.to_client(folder, e.path, e.range)
        if annotated and e.warn:
            edit = t.AnnotatedTextEdit(annotation_id="saves", range=rng, new_text=e.text)
        else:
            edit = t.TextEdit(range=rng, new_text=e.text)
        changes.setdefault(from_fs_path(e.path), []).append(edit)
    if not annotated:
        return t.WorkspaceEdit(changes=changes)
    return t.WorkspaceEdit(
        document_changes=[t.TextDocumentEdit(text_document=t.OptionalVersionedTextDocumentIdentifier(uri=uri),
                                             edits=items) for uri, items in changes.items()],
        change_annotations={"saves": t.ChangeAnnotation(label="changes a choice id that saves record",
                                                        needs_confirmation=True,
                                                        description=" ".join(warnings))})


AdventureServer.workspace_edit = _workspace_edit


def _supports_annotations(ls) -> bool:
    try:
        caps = ls.client_capabilities.workspace.workspace_edit
        return bool(caps.document_changes and caps.change_annotation_support)
    except AttributeError:
        return False


def main() -> int:
    logging.basicConfig(level=logging.WARNING, format="adventure lsp: %(message)s")
    make_server().start_io()
    return 0
