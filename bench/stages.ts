// `node --conditions=source --import tsx bench/stages.ts [--size 30M] [--runs 7] [stage...]`: where the dry run's
// time goes. Runs each stage (see stage-child.ts) in its own child process, the stages in alternation, and prints
// the median and best seconds of each, and each stage's median over the bare csv-parse median. On a shared machine
// medians of alternated runs are the honest comparison. A stage written `DIR:stage` runs DIR/bench/stage-child.ts
// from DIR: an A/B against another checkout (e.g. a copy of the tree before a change).
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { generateFleetCsv } from './generate.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '..');

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    size: { type: 'string', default: '30M' },
    seed: { type: 'string', default: '42' },
    runs: { type: 'string', default: '7' },
    file: { type: 'string' },
  },
});
const m = /^(\d+(?:\.\d+)?)([kmg]?)$/i.exec(values.size);
if (m === null) throw new Error(`--size: expected e.g. 30M, got '${values.size}'`);
const bytes = Math.round(Number(m[1]) * { '': 1, k: 1e3, m: 1e6, g: 1e9 }[m[2]!.toLowerCase() as 'k']);
const file =
  values.file !== undefined
    ? path.resolve(values.file)
    : await generateFleetCsv(path.join(here, 'data'), bytes, Number(values.seed));
const stages = positionals.length > 0 ? positionals : ['bare', 'read', 'map', 'full'];
const runs = Number(values.runs);

const times = new Map<string, number[]>(stages.map((s) => [s, []]));
const cpus = new Map<string, number[]>(stages.map((s) => [s, []]));
for (let r = 0; r < runs; r++) {
  for (const stage of r % 2 === 0 ? stages : [...stages].reverse()) {
    const colon = stage.lastIndexOf(':');
    const dir = colon === -1 ? root : path.resolve(stage.slice(0, colon));
    const out = execFileSync(
      process.execPath,
      [
        '--conditions=source',
        '--import',
        'tsx',
        path.join(dir, 'bench/stage-child.ts'),
        stage.slice(colon + 1),
        file,
      ],
      { cwd: dir, encoding: 'utf8' },
    );
    const result = JSON.parse(out.trim().split('\n').pop()!) as { seconds: number; cpuSeconds: number };
    times.get(stage)!.push(result.seconds);
    cpus.get(stage)!.push(result.cpuSeconds);
  }
}
const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 === 1 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};
const base = times.has('bare') ? median(times.get('bare')!) : NaN;
process.stdout.write(`${file}, ${runs} runs per stage, alternated\n`);
for (const [stage, xs] of times) {
  const med = median(xs);
  process.stdout.write(
    `${stage.padEnd(8)} median ${med.toFixed(3)} s  best ${Math.min(...xs).toFixed(3)} s  bare/stage ${(base / med).toFixed(3)}  cpu median ${median(cpus.get(stage)!).toFixed(3)} s\n`,
  );
}
