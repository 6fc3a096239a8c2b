/* The web player: the page half of `adventure publish`.
 *
 * The story is played by the engine itself (adventure/core, run by Pyodide);
 * this script only shows what the engine's bridge (bridge.py) returns and
 * passes the reader's answers back. Saves are the terminal's save files, kept
 * in localStorage. No network access beyond this folder.
 */
"use strict";
(function () {
  const $ = (id) => document.getElementById(id);
  const LONG = 3; // scenes with more paragraphs than this are paced (as in the terminal)
  const NAME_RE = /^[A-Za-z0-9_-]{1,64}$/;
  const reduceMotion = window.matchMedia && window.matchMedia("(prefers-reduced-motion: reduce)").matches;

  let bridge = null;        // the Python module
  let info = null;          // {id, title, subtitle, version}
  let speakerClass = {};    // speaker id -> CSS class
  let view = null;          // the engine's last view
  let queue = [];           // paragraphs waiting for "more"
  let turn = null;          // the element holding the current turn's text
  let sceneEl = null;       // the element holding the scene being revealed
  let lastChapter = null;
  let baseSeconds = 0;      // play time of the loaded save
  let sessionStart = performance.now();
  let storageWarned = false;
  const timings = { boot: null, firstScene: null, choices: [], stages: [] };
  const settings = Object.assign({ pacing: "paragraph", size: "normal", colour: true }, readJSON("adventure:settings") || {});

  // -- small helpers -----------------------------------------------------------------
  function readJSON(key) {
    try { const text = localStorage.getItem(key); return text ? JSON.parse(text) : null; } catch (e) { return null; }
  }
  function setState(state) { document.body.dataset.state = state; }
  function el(tag, attrs, text) {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (k === "class") node.className = v; else node.setAttribute(k, v);
    }
    if (text !== undefined) node.textContent = text;
    return node;
  }
  function announce(text) { const a = $("announce"); a.textContent = ""; setTimeout(() => { a.textContent = text; }, 30); }
  function problem(text) { const p = $("problem"); p.textContent = text; p.hidden = !text; }
  function playSeconds() { return baseSeconds + (performance.now() - sessionStart) / 1000; }
  function duration(seconds) {
    const minutes = Math.floor(seconds / 60);
    if (minutes >= 60) return `${Math.floor(minutes / 60)}h ${String(minutes % 60).padStart(2, "0")}m`;
    return `${minutes}m ${String(Math.floor(seconds % 60)).padStart(2, "0")}s`;
  }
  function scrollTo(node, block) {
    if (node && node.scrollIntoView) node.scrollIntoView({ block: block || "nearest", behavior: reduceMotion ? "auto" : "smooth" });
  }
  function call(method, ...args) {
    const reply = JSON.parse(bridge.call(method, JSON.stringify(args)));
    if ("error" in reply) throw new Error(reply.error);
    return reply.ok;
  }
  function slotKey(name) { return `adventure:${info.id}:save:${name}`; }

  // -- loading -----------------------------------------------------------------------
  function stage(step, text) {
    timings.stages.push([step, performance.now()]);
    $("loading-bar").value = step;
    $("loading-text").textContent = text;
  }
  function fatal(text) {
    setState("error");
    $("loading").hidden = true;
    problem(text);
  }
  function loadScript(src) {
    return new Promise((resolve, reject) => {
      const s = document.createElement("script");
      s.src = src; s.onload = resolve; s.onerror = () => reject(new Error(`could not load ${src}`));
      document.head.appendChild(s);
    });
  }
  async function fetchText(url) {
    const r = await fetch(url);
    if (!r.ok) throw new Error(`could not load ${url} (${r.status})`);
    return r.text();
  }

  async function boot() {
    if (location.protocol === "file:") {
      fatal("This page has to be opened from a web server, not as a file: in its folder, run " +
            "python3 -m http.server and open http://localhost:8000/ (or upload the folder to any static host).");
      return;
    }
    if (typeof WebAssembly !== "object" || typeof WebAssembly.instantiate !== "function") {
      fatal("This browser cannot run WebAssembly, which this story needs (it runs Python in the page). " +
            "Please open it in a current Firefox, Chrome, Edge or Safari, or turn WebAssembly back on.");
      return;
    }
    try {
      stage(1, "Loading the story\u2026 (1 of 4: the Python runtime)");
      const storyText = fetchText("story.json");
      const engineText = fetchText("engine.json");
      await loadScript("pyodide/pyodide.js");
      stage(2, "Loading the story\u2026 (2 of 4: starting Python)");
      const py = await window.loadPyodide({
        indexURL: new URL("pyodide/", location.href).href,
        stdout: () => {}, stderr: (line) => console.warn(line),
      });
      stage(3, "Loading the story\u2026 (3 of 4: the engine)");
      const files = JSON.parse(await engineText).files;
      for (const [path, source] of Object.entries(files)) {
        const full = "/home/pyodide/lib/" + path;
        py.FS.mkdirTree(full.slice(0, full.lastIndexOf("/")));
        py.FS.writeFile(full, source);
      }
      py.runPython("import sys; sys.path.insert(0, '/home/pyodide/lib'); sys.dont_write_bytecode = True");
      bridge = py.pyimport("bridge");
      stage(4, "Loading the story\u2026 (4 of 4: the story)");
      const data = await storyText;
      speakerClass = JSON.parse(data).speakers || {};
      const started = JSON.parse(bridge.boot(data));
      info = started;
      stage(5, "Ready.");
      timings.boot = performance.now();
      begin(started.view);
    } catch (err) {
      console.error(err);
      fatal(`The story could not be loaded: ${err.message || err}. Reloading the page may help.`);
    }
  }

  function begin(firstView) {
    $("loading").hidden = true;
    $("toolbar").hidden = false;
    applySettings();
    sessionStart = performance.now();
    const saved = readSlot("autosave");
    if (saved) {
      try {
        const loaded = call("load", saved);
        baseSeconds = loaded.play_seconds;
        show(loaded.view, { again: true, note: loaded.note || `Welcome back: you were at \u201c${loaded.view.title}\u201d.` });
        return;
      } catch (err) {
        problem(`Your last place could not be restored (${err.message}); the story begins again.`);
      }
    }
    show(firstView, { again: true });
  }

  // -- showing the story ----------------------------------------------------------------
  function show(v, opts) {
    opts = opts || {};
    view = v;
    document.body.dataset.made = String(v.made);
    document.body.dataset.shown = String((Number(document.body.dataset.shown) || 0) + 1);
    if (v.warn) problem(v.warn);
    if (opts.again) {
      $("story").replaceChildren();
      lastChapter = null;
    }
    if (opts.chosen) {
      const p = el("p", { class: "chosen" });
      p.append(el("span", { class: "visually-hidden" }, "You chose: "), document.createTextNode(opts.chosen));
      (turn || $("story")).appendChild(p);
    }
    turn = el("div", { class: "turn" });
    sceneEl = null;
    if (opts.note) turn.appendChild(el("p", { class: "note" }, opts.note));
    $("story").appendChild(turn);
    $("choices-box").hidden = true;
    $("ending").hidden = true;
    queue = [];
    let count = 0;
    for (const frame of v.frames) {
      if (frame.chapter && frame.chapter !== lastChapter) queue.push({ chapter: frame.chapter });
      lastChapter = frame.chapter || lastChapter;
      queue.push({ sceneStart: frame.scene });
      for (const line of frame.lines) { queue.push({ line }); count += 1; }
    }
    const paced = settings.pacing === "paragraph" && count > LONG;
    reveal(paced ? 1 : Infinity);
    if (timings.firstScene === null) timings.firstScene = performance.now();
    status();
    scrollTo(turn, "start");
  }

  function reveal(paragraphs) {
    let shown = 0;
    let block = null;
    while (queue.length && shown < paragraphs) {
      const item = queue.shift();
      if (item.chapter) {
        turn.appendChild(el("h2", { class: "chapter" }, item.chapter));
      } else if (item.sceneStart) {
        sceneEl = el("div", { class: "scene", "data-scene": item.sceneStart });
        turn.appendChild(sceneEl);
      } else {
        const line = item.line;
        const scene = sceneEl || turn;
        const cls = "line" + (line.speaker && speakerClass[line.speaker] ? " " + speakerClass[line.speaker] : "");
        const p = el("p", { class: cls }, line.text);
        if (line.speaker) p.dataset.speaker = line.speaker;
        if (line.block) {
          block = scene.lastElementChild && scene.lastElementChild.matches(`blockquote[data-block="${CSS.escape(line.block)}"]`)
            ? scene.lastElementChild : null;
          if (!block) {
            block = el("blockquote", { class: "block", "data-block": line.block });
            scene.appendChild(block);
          }
          block.appendChild(p);
        } else {
          scene.appendChild(p);
        }
        if (!reduceMotion) p.classList.add("fresh");
        shown += 1;
        if (queue.length && shown === paragraphs) scrollTo(p);
      }
    }
    // Headings and scene starts just before the next paragraph wait with it.
    if (queue.length && queue.every((i) => !i.line)) { reveal(Infinity); return; }
    if (queue.length) {
      setState("more");
      $("more-box").hidden = false;
      $("choices-box").hidden = true;
      if (!document.activeElement || document.activeElement === document.body ||
          document.activeElement.classList.contains("choice") || document.activeElement === $("b-more")) {
        $("b-more").focus({ preventScroll: true });
      }
      return;
    }
    $("more-box").hidden = true;
    offer();
  }

  function more(all) { if (queue.length) reveal(all ? Infinity : 1); }

  function offer() {
    const v = view;
    const list = $("choices");
    list.replaceChildren();
    if (v.ended) {
      setState("ended");
      $("ending-note").textContent = `${v.made} choices, ${duration(playSeconds())} played.`;
      $("ending").hidden = false;
      $("ending-heading").focus({ preventScroll: true });
      scrollTo($("ending"));
      return;
    }
    if (v.stuck) {
      setState("stuck");
      problem(`The story has nowhere to go from here (scene \u201c${v.scene}\u201d offers no choices). Undo, or load a save.`);
      return;
    }
    v.choices.forEach((choice, i) => {
      const li = el("li");
      const b = el("button", { type: "button", class: "choice", "data-index": String(choice.index) });
      if (i < 9) b.setAttribute("aria-keyshortcuts", String(i + 1));
      b.append(el("span", { class: "num", "aria-hidden": "true" }, `${i + 1}.`), el("span", { class: "text" }, choice.text));
      b.addEventListener("click", () => choose(choice.index, choice.text));
      li.appendChild(b);
      list.appendChild(li);
    });
    $("choices-box").hidden = false;
    setState("choosing");
    const first = list.querySelector("button");
    if (first) first.focus({ preventScroll: true });
    scrollTo($("choices-box"));
  }

  function choose(index, text) {
    if (document.body.dataset.state !== "choosing") return;
    const t0 = performance.now();
    let v;
    try { v = call("choose", index); } catch (err) { problem(err.message); return; }
    if (v.warn && !v.frames) { problem(v.warn); return; }
    problem("");
    show(v, { chosen: text });
    autosave();
    timings.choices.push(performance.now() - t0);
  }

  function status() {
    if (!view) return;
    const where = view.chapter || info.title;
    $("status").textContent = `${where} \u00b7 ${duration(playSeconds())} played \u00b7 ${view.made} choices`;
  }

  // -- saves ------------------------------------------------------------------------------
  function readSlot(name) {
    try { return localStorage.getItem(slotKey(name)); } catch (e) { return null; }
  }
  function writeSlot(name, text) {
    try {
      localStorage.setItem(slotKey(name), text);
      return true;
    } catch (e) {
      if (!storageWarned) problem("This browser would not keep the save (storage is full or turned off); download it instead.");
      storageWarned = true;
      return false;
    }
  }
  function saveText() { return call("save_text", playSeconds()); }
  function autosave() { writeSlot("autosave", saveText()); }
  function slots() {
    const out = [];
    const prefix = `adventure:${info.id}:save:`;
    for (let i = 0; i < localStorage.length; i++) {
      const key = localStorage.key(i);
      if (!key || !key.startsWith(prefix)) continue;
      try {
        const meta = JSON.parse(localStorage.getItem(key)).meta;
        out.push({ name: key.slice(prefix.length), meta });
      } catch (e) { /* not ours to read */ }
    }
    return out.sort((a, b) => b.meta.saved_at - a.meta.saved_at);
  }
  function saveAs(name) {
    if (!NAME_RE.test(name)) { savesMessage("Use 1 to 64 letters, digits, - or _ for a save's name."); return false; }
    if (writeSlot(name, saveText())) { savesMessage(`Saved as ${name}.`); announce(`Saved as ${name}.`); }
    listSlots();
    return true;
  }
  function loadText(text, label) {
    let loaded;
    try { loaded = call("load", text); } catch (err) { savesMessage(err.message); announce(err.message); return false; }
    baseSeconds = loaded.play_seconds;
    sessionStart = performance.now();
    closeDialogs();
    problem("");
    show(loaded.view, { again: true, note: loaded.note || `Loaded ${label}.` });
    autosave();
    return true;
  }
  function download(name, text) {
    const blob = new Blob([text], { type: "application/json" });
    const a = el("a", { href: URL.createObjectURL(blob), download: `${name}.save.json` });
    document.body.appendChild(a);
    a.click();
    setTimeout(() => { URL.revokeObjectURL(a.href); a.remove(); }, 1000);
  }
  function savesMessage(text) { $("saves-msg").textContent = text; }
  function listSlots() {
    const list = $("slots");
    list.replaceChildren();
    const all = slots();
    if (!all.length) list.appendChild(el("li", {}, "No saves yet."));
    for (const { name, meta } of all) {
      const li = el("li", { class: "slot" });
      const where = meta.chapter ? `${meta.chapter}: ${meta.scene_title}` : meta.scene_title;
      const when = new Date(meta.saved_at * 1000).toLocaleString();
      li.appendChild(el("span", { class: "slot-name" }, name));
      li.appendChild(el("span", { class: "slot-info" }, ` ${where}; ${meta.choices} choices, ${duration(meta.play_seconds)} played, saved ${when}`));
      const actions = el("span", { class: "slot-actions" });
      const load = el("button", { type: "button", "aria-label": `Load ${name}` }, "Load");
      load.addEventListener("click", () => loadText(readSlot(name), name));
      const down = el("button", { type: "button", "aria-label": `Download ${name}` }, "Download");
      down.addEventListener("click", () => download(name, readSlot(name)));
      const del = el("button", { type: "button", "aria-label": `Delete ${name}` }, "Delete");
      del.addEventListener("click", () => {
        localStorage.removeItem(slotKey(name)); savesMessage(`Deleted ${name}.`); listSlots();
      });
      actions.append(load, down, del);
      li.appendChild(actions);
      list.appendChild(li);
    }
  }

  // -- commands ------------------------------------------------------------------------------
  function undo() {
    let v;
    try { v = call("undo"); } catch (err) { problem(err.message); return; }
    if (v.warn) { announce(v.warn); problem(v.warn); return; }
    problem("");
    show(v, { again: true, note: v.say });
    autosave();
  }
  function restart() {
    const v = call("new");
    baseSeconds = 0; sessionStart = performance.now();
    problem("");
    show(v, { again: true, note: "The story begins again." });
    autosave();
  }
  function openDialog(id) {
    closeDialogs();
    const d = $(id);
    if (id === "d-saves") { listSlots(); savesMessage(""); }
    if (id === "d-history") history();
    if (id === "d-settings") syncSettings();
    d.showModal();
  }
  function closeDialogs() { for (const d of document.querySelectorAll("dialog[open]")) d.close(); }
  function history() {
    const box = $("history");
    box.replaceChildren();
    let list = el("ol", { class: "road" });
    let chapter = null;
    for (const [kind, chap, text] of call("history")) {
      if (kind === "scene") {
        if (chap && chap !== chapter) {
          if (list.children.length) box.appendChild(list);
          box.appendChild(el("h3", {}, chap));
          list = el("ol", { class: "road" });
          chapter = chap;
        }
        list.appendChild(el("li", { class: "road-scene" }, text));
      } else {
        const li = el("li", { class: "road-choice" });
        li.append(el("span", { class: "visually-hidden" }, "You chose: "), document.createTextNode(text));
        list.appendChild(li);
      }
    }
    box.appendChild(list);
  }
  function syncSettings() {
    for (const input of document.querySelectorAll("#d-settings input")) {
      if (input.type === "radio") input.checked = settings[input.name] === input.value;
      else input.checked = !!settings[input.name];
    }
  }
  function applySettings() {
    document.body.classList.toggle("large", settings.size === "large");
    document.body.classList.toggle("no-colour", !settings.colour);
  }

  // -- keys and clicks -------------------------------------------------------------------------
  function onKey(event) {
    if (event.ctrlKey || event.metaKey || event.altKey) return;
    if (document.querySelector("dialog[open]")) return;
    const target = event.target;
    if (target && (target.isContentEditable || ["INPUT", "TEXTAREA", "SELECT"].includes(target.tagName))) return;
    const state = document.body.dataset.state;
    const key = event.key;
    if (state === "more") {
      if ((key === " " || key === "Enter" || key === "ArrowDown") && target !== $("b-more")) {
        event.preventDefault(); more(false); return;
      }
      if (key === "a" || key === "A" || key === "Escape") { event.preventDefault(); more(true); return; }
    }
    if (state === "choosing") {
      if (/^[1-9]$/.test(key)) {
        const b = $("choices").querySelectorAll("button.choice")[Number(key) - 1];
        if (b) { event.preventDefault(); b.click(); }
        return;
      }
      if (key === "ArrowDown" || key === "ArrowUp" || key === "Home" || key === "End") {
        const buttons = Array.from($("choices").querySelectorAll("button.choice"));
        if (!buttons.length) return;
        let i = buttons.indexOf(document.activeElement);
        if (key === "Home") i = 0;
        else if (key === "End") i = buttons.length - 1;
        else if (i < 0) i = 0;
        else i = (i + (key === "ArrowDown" ? 1 : buttons.length - 1)) % buttons.length;
        event.preventDefault();
        buttons[i].focus();
        return;
      }
    }
    if (!bridge || !info) return;
    if (key === "u") { event.preventDefault(); undo(); }
    else if (key === "s") { event.preventDefault(); openDialog("d-saves"); }
    else if (key === "h" || key === "?") { event.preventDefault(); openDialog("d-help"); }
  }

  function wire() {
    document.addEventListener("keydown", onKey);
    $("b-more").addEventListener("click", () => more(false));
    $("story").addEventListener("click", (e) => {
      if (document.body.dataset.state === "more" && !window.getSelection().toString()) more(false);
    });
    $("b-undo").addEventListener("click", undo);
    $("b-saves").addEventListener("click", () => openDialog("d-saves"));
    $("b-history").addEventListener("click", () => openDialog("d-history"));
    $("b-settings").addEventListener("click", () => openDialog("d-settings"));
    $("b-help").addEventListener("click", () => openDialog("d-help"));
    $("b-restart").addEventListener("click", restart);
    $("b-again").addEventListener("click", restart);
    $("b-download-end").addEventListener("click", () => download("autosave", saveText()));
    $("f-save").addEventListener("submit", (e) => { e.preventDefault(); saveAs($("i-save-name").value.trim()); });
    $("b-download").addEventListener("click", () => {
      const name = $("i-save-name").value.trim();
      if (!NAME_RE.test(name)) { savesMessage("Use 1 to 64 letters, digits, - or _ for a save's name."); return; }
      download(name, saveText());
      savesMessage(`Downloaded ${name}.save.json.`);
    });
    $("i-file").addEventListener("change", async (e) => {
      const file = e.target.files && e.target.files[0];
      if (!file) return;
      if (file.size > 5 * 1024 * 1024) { savesMessage("That file is too large to be a save."); return; }
      const text = await file.text();
      e.target.value = "";
      loadText(text, file.name);
    });
    for (const input of document.querySelectorAll("#d-settings input")) {
      input.addEventListener("change", () => {
        if (input.type === "radio") settings[input.name] = input.value; else settings[input.name] = input.checked;
        try { localStorage.setItem("adventure:settings", JSON.stringify(settings)); } catch (e) { /* kept for now */ }
        applySettings();
      });
    }
    setInterval(status, 1000);
    window.addEventListener("pagehide", () => { if (bridge && info) autosave(); });
  }

  // For hosts and tests: the engine's state, and how long things took.
  window.adventure = {
    state: () => call("state"),
    saveText: () => saveText(),
    timings,
  };

  wire();
  boot();
})();
