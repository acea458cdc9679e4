// Summarises `node --cpu-prof` profiles (one file per thread: the main thread and each worker of the dry run):
// `node bench/profile-summary.mjs [--top N] [--lines NAME] FILE.cpuprofile...`. Per file, then over all of them: the
// busy time (idle and the worker's wait for its next job left out), self time by function and by data-path stage
// (csv, map, keyHash, checks, metering, load, GC, other), and with --lines NAME the source lines of the functions
// whose name or file contains NAME, by ticks. Shares are of the busy time; on a loaded machine compare shares and
// stage ratios between builds profiled back to back, not milliseconds.
import { readFileSync } from 'node:fs';
import path from 'node:path';

const args = process.argv.slice(2);
let top = 25;
let linesOf = null;
const files = [];
for (let i = 0; i < args.length; i++) {
  if (args[i] === '--top') top = Number(args[++i]);
  else if (args[i] === '--lines') linesOf = args[++i];
  else files.push(args[i]);
}
if (files.length === 0) {
  process.stderr.write('usage: node bench/profile-summary.mjs [--top N] [--lines NAME] FILE.cpuprofile...\n');
  process.exit(2);
}

const IDLE = new Set(['(idle)', 'atomicsWaitLoop']);

/** The data-path stage of a call frame (packages/core/src's folders), for the stage split. */
function stage(frame) {
  const { functionName: name, url } = frame;
  if (name === '(garbage collector)') return 'gc';
  if (name === 'keyHash') return 'keyHash';
  const core = /packages\/core\/(?:dist|src)\/([a-z]+)\//.exec(url);
  if (core !== null) {
    const folder = core[1];
    if (folder === 'report') return 'metering';
    return folder === 'csv' || folder === 'map' || folder === 'checks' || folder === 'load' ? folder : 'core';
  }
  if (name === 'read' || name === 'readSync' || name === 'isUtf8' || name === 'slice') return 'csv';
  return 'other';
}

function label(frame) {
  const file = frame.url === '' ? '' : ` ${frame.url.split('/').slice(-2).join('/')}:${frame.lineNumber + 1}`;
  return `${frame.functionName || '(anonymous)'}${file}`;
}

function summarise(profiles) {
  const byFunction = new Map();
  const byStage = new Map();
  const lines = new Map();
  let busy = 0;
  for (const profile of profiles) {
    const nodes = new Map(profile.nodes.map((n) => [n.id, n]));
    for (let i = 0; i < profile.samples.length; i++) {
      const node = nodes.get(profile.samples[i]);
      const us = profile.timeDeltas[i] ?? 0;
      if (IDLE.has(node.callFrame.functionName)) continue;
      busy += us;
      const key = label(node.callFrame);
      byFunction.set(key, (byFunction.get(key) ?? 0) + us);
      const s = stage(node.callFrame);
      byStage.set(s, (byStage.get(s) ?? 0) + us);
    }
    if (linesOf === null) continue;
    for (const node of profile.nodes) {
      const frame = node.callFrame;
      if (!`${frame.functionName} ${frame.url}`.includes(linesOf)) continue;
      for (const tick of node.positionTicks ?? []) {
        const key = `${frame.functionName} ${path.basename(frame.url)}:${tick.line}`;
        lines.set(key, (lines.get(key) ?? 0) + tick.ticks);
      }
    }
  }
  return { busy, byFunction, byStage, lines };
}

function print(title, { busy, byFunction, byStage, lines }) {
  const share = (us) => `${((100 * us) / busy).toFixed(1).padStart(5)}%`;
  const ms = (us) => `${(us / 1000).toFixed(0).padStart(7)} ms`;
  process.stdout.write(`== ${title}: ${(busy / 1e6).toFixed(2)} s busy\n`);
  const stages = [...byStage].sort((a, b) => b[1] - a[1]);
  process.stdout.write(`stages: ${stages.map(([s, us]) => `${s} ${share(us).trim()}`).join(', ')}\n`);
  for (const [key, us] of [...byFunction].sort((a, b) => b[1] - a[1]).slice(0, top)) {
    process.stdout.write(`${ms(us)} ${share(us)}  ${key}\n`);
  }
  if (lines.size > 0) {
    process.stdout.write(`lines of ${linesOf} (ticks):\n`);
    for (const [key, ticks] of [...lines].sort((a, b) => b[1] - a[1]).slice(0, top)) {
      process.stdout.write(`${String(ticks).padStart(7)}  ${key}\n`);
    }
  }
}

const profiles = files.map((file) => JSON.parse(readFileSync(file, 'utf8')));
if (files.length > 1) files.forEach((file, i) => print(path.basename(file), summarise([profiles[i]])));
print(files.length > 1 ? `all ${files.length} profiles` : path.basename(files[0]), summarise(profiles));
