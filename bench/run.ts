// `pnpm bench [--size 100M|1G|5G] [--seed N] [--quick]`: figures measured in this run, printed as ratios.
import { execFileSync } from 'node:child_process';
import { statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { generateFleetCsv } from './generate.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '..');

function parseSize(text: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*([kmg]?)i?b?$/i.exec(text.trim());
  if (m === null) throw new Error(`--size: expected e.g. 100M or 1G, got '${text}'`);
  const unit = { '': 1, k: 1e3, m: 1e6, g: 1e9 }[m[2]!.toLowerCase() as '' | 'k' | 'm' | 'g'];
  return Math.round(Number(m[1]) * unit);
}

const { values } = parseArgs({
  options: {
    size: { type: 'string', default: '100M' },
    seed: { type: 'string', default: '42' },
    quick: { type: 'boolean', default: false },
    runs: { type: 'string', default: '1' },
  },
});
const bytes = values.quick ? 5e6 : parseSize(values.size);
const seed = Number(values.seed);
const runs = values.quick ? 1 : Math.max(1, Number(values.runs));

interface ChildResult {
  rows: number;
  seconds: number;
  maxRssKiB: number;
  code?: number;
}

function child(script: string, args: string[]): ChildResult {
  const out = execFileSync(
    process.execPath,
    ['--conditions=source', '--import', 'tsx', path.join(here, script), ...args],
    { cwd: root, encoding: 'utf8', maxBuffer: 1 << 20, env: { ...process.env, FORCE_COLOR: '0' } },
  );
  return JSON.parse(out.trim().split('\n').pop()!) as ChildResult;
}

function best(script: string, args: string[]): ChildResult {
  let result: ChildResult | undefined;
  for (let i = 0; i < runs; i++) {
    const r = child(script, args);
    if (result === undefined || r.seconds < result.seconds) result = r;
  }
  return result!;
}

const file = await generateFleetCsv(path.join(here, 'data'), bytes, seed);
const size = statSync(file).size;
const mb = size / 1e6;
process.stdout.write(`tsbatch bench: ${file} (${mb.toFixed(1)} MB, seed ${seed}), best of ${runs}\n`);

const bare = best('bare-csv-parse.ts', [file]);
// The reader alone (readRows: csv-parse driven with tsbatch's hooks, line numbers, UTF-8 checks; no mapping): it is
// faster than csv-parse's stream API, so the table shows it too, and the dry run against it.
const reader = best('stage-child.ts', ['read', file]);
const dry = best('dry-run-child.ts', [
  'dry-run',
  path.join(root, 'examples/fleet/task.json'),
  '--source',
  file,
  '--json',
]);
if (dry.code !== 0 || dry.rows !== bare.rows - 1) {
  throw new Error(
    `dry run did not process every row: exit ${dry.code}, ${dry.rows} rows vs ${bare.rows - 1} data rows`,
  );
}

const rate = (r: ChildResult): string => `${(mb / r.seconds).toFixed(1)} MB/s`;
const rows = (r: ChildResult): string => `${Math.round(r.rows / r.seconds).toLocaleString('en-US')} rows/s`;
const ratio = bare.seconds / dry.seconds;
const rssMiB = dry.maxRssKiB / 1024;
const table = [
  ['measure', 'figure', 'goal', 'met'],
  ['bare csv-parse (1 core, data event)', `${rate(bare)}, ${rows(bare)}`, '(baseline)', ''],
  ['tsbatch reader alone (1 core, no mapping)', `${rate(reader)}, ${rows(reader)}`, '(context)', ''],
  ['tsbatch dry-run (1 core)', `${rate(dry)}, ${rows(dry)}`, '', ''],
  ['dry-run / bare csv-parse', `${ratio.toFixed(2)}x`, '>= 0.75x', ratio >= 0.75 ? 'yes' : 'NO'],
  ['dry-run / reader alone', `${(reader.seconds / dry.seconds).toFixed(2)}x`, '(context)', ''],
  ['dry-run peak RSS', `${rssMiB.toFixed(0)} MiB`, '< 300 MiB', rssMiB < 300 ? 'yes' : 'NO'],
];
const widths = table[0]!.map((_, i) => Math.max(...table.map((r) => r[i]!.length)));
for (const [i, row] of table.entries()) {
  process.stdout.write(`| ${row.map((c, j) => c.padEnd(widths[j]!)).join(' | ')} |\n`);
  if (i === 0) process.stdout.write(`|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|\n`);
}
