// The ink peer for tests/bench/bench.py: compile, load and randomly play an .ink story
// with inkjs, and print one JSON line of figures.
// Usage: node ink_bench.js STORY.ink PLAYTHROUGHS SEED
const fs = require("fs");
const { Compiler, Story } = require("inkjs/full");

const [file, plays, seed] = [process.argv[2], +(process.argv[3] || 1000), +(process.argv[4] || 1)];
const source = fs.readFileSync(file, "utf8");

let t = process.hrtime.bigint();
const compiled = new Compiler(source).Compile();
const json = compiled.ToJson();
const compileMs = Number(process.hrtime.bigint() - t) / 1e6;

if (global.gc) global.gc();
t = process.hrtime.bigint();
const story = new Story(json);
const loadMs = Number(process.hrtime.bigint() - t) / 1e6;
if (global.gc) global.gc();
const heapBytes = process.memoryUsage().heapUsed;

// A small seeded generator, so every run plays the same play-throughs.
let state = seed >>> 0 || 1;
function rand(n) {
  state ^= state << 13; state >>>= 0;
  state ^= state >>> 17;
  state ^= state << 5; state >>>= 0;
  return state % n;
}

let choices = 0;
let chars = 0;
t = process.hrtime.bigint();
for (let p = 0; p < plays; p++) {
  story.ResetState();
  for (let steps = 0; steps < 100000; steps++) {
    chars += story.ContinueMaximally().length;  // text rendered at every step
    const options = story.currentChoices;
    if (options.length === 0) break;
    story.ChooseChoiceIndex(rand(options.length));
    choices++;
  }
}
const playSec = Number(process.hrtime.bigint() - t) / 1e9;
console.log(JSON.stringify({ compile_ms: compileMs, load_ms: loadMs, heap_bytes: heapBytes,
  choices, choices_per_sec: choices / playSec, json_bytes: json.length, chars }));
