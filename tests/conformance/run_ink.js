// The ink side of test_conformance.py: compile .ink files with inkjs and play seeded random routes.
// Usage: node run_ink.js ROUTES STORY.ink...   (one process for every story: node starts once)
// Prints one JSON object: {"STORY.ink": {"routes": [[{"text": [paragraphs], "choices": [texts]}, ...],
// ...]} or {"error": "..."}, ...}. Route r (from 1) is seeded with r and picks choice rng() % n,
// rng being xorshift32 (seed scrambled): the same generator as the Python side's.
const fs = require("fs");
const { Compiler, Story } = require("inkjs/full");

const MAX_STEPS = 60;
const routes = +process.argv[2];
const files = process.argv.slice(3);

// Small seeds give xorshift32 poorly spread first numbers: scramble the seed, drop four.
function xorshift32(seed) {
  let state = Math.imul(seed, 2654435761) >>> 0 || 1;
  const next = () => {
    state ^= state << 13; state >>>= 0;
    state ^= state >>> 17;
    state ^= state << 5; state >>>= 0;
    return state;
  };
  for (let i = 0; i < 4; i++) next();
  return next;
}

function paragraphs(text) {
  return text.split("\n").map((line) => line.trim()).filter((line) => line.length > 0);
}

function play(file) {
  const compiler = new Compiler(fs.readFileSync(file, "utf8"));
  let json;
  try {
    json = compiler.Compile().ToJson();
  } catch (err) {
    return { error: [String(err && err.message || err), ...compiler.errors].join("\n") };
  }
  if (compiler.errors.length) return { error: compiler.errors.join("\n") };
  const story = new Story(json);
  const out = [];
  for (let seed = 1; seed <= routes; seed++) {
    story.ResetState();
    const rng = xorshift32(seed);
    const steps = [];
    for (let n = 0; n < MAX_STEPS; n++) {
      let text;
      try {
        text = story.ContinueMaximally();
      } catch (err) {
        steps.push({ error: String(err && err.message || err) });
        break;
      }
      const choices = story.currentChoices.map((c) => c.text);
      steps.push({ text: paragraphs(text), choices });
      if (choices.length === 0) break;
      story.ChooseChoiceIndex(rng() % choices.length);
    }
    out.push(steps);
  }
  return { routes: out, warnings: compiler.warnings };
}

const result = {};
for (const file of files) result[file] = play(file);
console.log(JSON.stringify(result));
