// The inkjs peer for bench.py. Mirrors common.py: the same xorshift32, seed,
// index rule, cap and equivalence hash; prints one JSON line.
//   node --expose-gc ink_bench.js compile STORY.ink OUT.json   compile, write the JSON
//   node --expose-gc ink_bench.js play STORY.json PLAYS VERIFY  load, play twice, state sizes
const fs = require("fs");
const crypto = require("crypto");

const SEED = 2463534242, CAP = 200, LEAVING = "Leave it all behind.", SAVE_POINTS = [50, 500, 5000];

function xorshift32() {
  let x = SEED >>> 0;
  return () => {
    x = (x ^ (x << 13)) >>> 0;
    x = (x ^ (x >>> 17)) >>> 0;
    x = (x ^ (x << 5)) >>> 0;
    return x;
  };
}

const norm = (s) => s.split(/\s+/).filter(Boolean).join(" ");

function timed(fn) {
  const t = process.hrtime.bigint(), c = process.cpuUsage();
  const value = fn();
  const cpu = process.cpuUsage(c);
  return [value, Number(process.hrtime.bigint() - t) / 1e9, (cpu.user + cpu.system) / 1e6];
}

function play(story, plays, hash) {
  const rng = xorshift32();
  let steps = 0, chars = 0;
  for (let p = 0; p < plays; p++) {
    story.ResetState();
    let taken = 0;
    for (;;) {
      const text = story.ContinueMaximally();
      const texts = story.currentChoices.map((c) => c.text);
      chars += text.length + texts.reduce((a, t) => a + t.length, 0);
      if (hash) hash.update(norm(text) + "\x1f" + texts.map(norm).join("\x1e") + "\n");
      if (texts.length === 0 || taken === CAP) break;
      story.ChooseChoiceIndex(rng() % texts.length);
      taken++;
    }
    steps += taken;
  }
  return [steps, chars];
}

function stateSizes(story) {
  const rng = xorshift32(), sizes = {};
  story.ResetState();
  for (let taken = 1; taken <= SAVE_POINTS[SAVE_POINTS.length - 1]; taken++) {
    story.ContinueMaximally();
    const options = story.currentChoices.filter((c) => c.text !== LEAVING);
    story.ChooseChoiceIndex(options[rng() % options.length].index);
    if (SAVE_POINTS.includes(taken)) {
      story.ContinueMaximally();
      sizes[String(taken)] = story.state.ToJson().length;
    }
  }
  return sizes;
}

function heap() {
  global.gc();
  return process.memoryUsage().heapUsed;
}

const mode = process.argv[2], out = {};
if (mode === "compile") {
  const { Compiler } = require("inkjs/full");
  const source = fs.readFileSync(process.argv[3], "utf8");
  const [json, s, cpu] = timed(() => new Compiler(source).Compile().ToJson());
  Object.assign(out, { compile_s: s, compile_cpu_s: cpu, json_bytes: json.length });
  fs.writeFileSync(process.argv[4], json);
  out.peak_rss_bytes = process.resourceUsage().maxRSS * 1024;
} else if (mode === "play") {
  const { Story } = require("inkjs");
  const plays = +process.argv[4], verify = process.argv[5] === "1";
  let json = fs.readFileSync(process.argv[3], "utf8");
  const before = heap();
  let story;
  [story, out.load_s, out.load_cpu_s] = timed(() => new Story(json));
  json = null;  // the story keeps what it needs; the text it came from is not counted
  out.story_heap_bytes = heap() - before;
  out.rss_bytes = process.memoryUsage().rss;
  [[out.steps, out.chars], out.first_s, out.first_cpu_s] = timed(() => play(story, plays, null));
  [, out.warm_s, out.warm_cpu_s] = timed(() => play(story, plays, null));
  if (verify) {
    const hash = crypto.createHash("sha256");
    play(story, plays, hash);
    out.digest = hash.digest("hex").slice(0, 16);
  }
  out.save_bytes = stateSizes(story);
} else {
  throw new Error("unknown mode " + mode);
}
console.log(JSON.stringify(out));
