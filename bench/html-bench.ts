// The HTML report's cost (issue 19): `tsbatch dry-run` with and without `--html FILE` on the same fleet CSV, each in
// its own process (the compiled CLI, as installed), runs interleaved so both see the same machine. Goals: --html
// costs at most 10% of the dry run's time on the 1 GB file and adds under 50 MiB to its peak RSS.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { met, type TableRow } from './table.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '..');

interface Run {
  code: number;
  rows: number;
  seconds: number;
  /** CPU time of every thread of the child (absent from an older child). */
  cpuSeconds?: number;
  maxRssKiB: number;
  message?: string;
}

function dryRun(file: string, html: string | null): Run {
  const args = [path.join(here, 'dry-run-child.mjs'), 'dry-run', path.join(root, 'examples/fleet/task.json')];
  args.push('--source', file, '--json', ...(html === null ? [] : ['--html', html]));
  const result = spawnSync(process.execPath, args, { cwd: root, encoding: 'utf8', maxBuffer: 1 << 24 });
  const last = result.stdout.trim().split('\n').pop() ?? '';
  if (result.status !== 0)
    throw new Error(`dry run${html === null ? '' : ' --html'} failed: ${result.stderr.trim()}`);
  const run = JSON.parse(last) as Run;
  if (run.code !== 0)
    throw new Error(`dry run${html === null ? '' : ' --html'} exited ${run.code}: ${run.message ?? ''}`);
  return run;
}

/** Rows of the table for one file: best time of `runs` interleaved runs of each, highest peak RSS of each. */
export function htmlBench(options: {
  file: string;
  label: string;
  runs: number;
  log: (line: string) => void;
}): TableRow[] {
  const { file, label, runs, log } = options;
  const dir = mkdtempSync(path.join(os.tmpdir(), 'tsbatch-html-bench-'));
  try {
    const html = path.join(dir, 'report.html');
    let plain: Run | undefined;
    let withHtml: Run | undefined;
    const keep = (a: Run | undefined, b: Run): Run =>
      a === undefined
        ? b
        : {
            ...(b.seconds < a.seconds ? b : a),
            cpuSeconds: Math.min(a.cpuSeconds ?? Infinity, b.cpuSeconds ?? Infinity),
            maxRssKiB: Math.max(a.maxRssKiB, b.maxRssKiB),
          };
    for (let i = 0; i < runs; i++) {
      log(`  ${label}: dry-run (${i + 1}/${runs})`);
      plain = keep(plain, dryRun(file, null));
      log(`  ${label}: dry-run --html (${i + 1}/${runs})`);
      withHtml = keep(withHtml, dryRun(file, html));
    }
    if (plain!.rows !== withHtml!.rows)
      throw new Error(`--html changed the rows: ${withHtml!.rows} vs ${plain!.rows}`);
    const reportKiB = statSync(html).size / 1024;
    const ratio = withHtml!.seconds / plain!.seconds;
    const rss = (withHtml!.maxRssKiB - plain!.maxRssKiB) / 1024;
    // The CPU time of all threads (least of the runs): the wall clock of a shared machine swings by tens of percent
    // between two runs, the CPU a run needs much less. Shown beside the goal's wall-clock ratio, not instead of it.
    const cpu = (withHtml!.cpuSeconds ?? NaN) / (plain!.cpuSeconds ?? NaN);
    const at = `, ${label}`;
    const gb = statSync(file).size >= 1e9;
    return [
      [
        `dry-run (default workers)${at}`,
        `${plain!.seconds.toFixed(2)} s, ${(plain!.maxRssKiB / 1024).toFixed(0)} MiB`,
        '(baseline)',
        '',
      ],
      [
        `dry-run --html${at}`,
        `${withHtml!.seconds.toFixed(2)} s, ${(withHtml!.maxRssKiB / 1024).toFixed(0)} MiB, report ${reportKiB.toFixed(0)} KiB`,
        '',
        '',
      ],
      gb
        ? [`dry-run --html / dry-run time${at}`, `${ratio.toFixed(2)}x`, '<= 1.10x', met(ratio <= 1.1)]
        : [`dry-run --html / dry-run time${at}`, `${ratio.toFixed(2)}x`, '(goal at 1 GB)', ''],
      [
        `dry-run --html / dry-run CPU time (all threads)${at}`,
        `${cpu.toFixed(2)}x (${withHtml!.cpuSeconds?.toFixed(1)} s / ${plain!.cpuSeconds?.toFixed(1)} s)`,
        '(beside the wall-clock goal)',
        '',
      ],
      gb
        ? [`dry-run --html peak RSS added${at}`, `${rss.toFixed(0)} MiB`, '< 50 MiB', met(rss < 50)]
        : [`dry-run --html peak RSS added${at}`, `${rss.toFixed(0)} MiB`, '(goal at 1 GB)', ''],
    ];
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
