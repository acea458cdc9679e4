// The CSV shapes half of `pnpm bench` (issue 15): for every shape of bench/csv-shapes.ts, in one run and each in its
// own process, bare csv-parse and papaparse (one thread, parse only: the baselines), tsbatch's reader alone, the real
// compiled `tsbatch dry-run` (default workers and --workers 1) and DuckDB's read_csv materialising every column (the
// reference). Programs are interleaved round by round (the machine is shared: a slow minute hits every program of
// the round, not one), each figure is the best of the rounds, its peak RSS the highest. Goals at 1 GB: the 2-worker
// dry run >= 3x bare csv-parse and >= 1x papaparse, peak RSS < 300 MiB.
import { spawnSync } from 'node:child_process';
import { statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { generateShapeCsv, SHAPES, shapeSpec, type Shape } from './csv-shapes.js';
import { met, type TableRow } from './table.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '..');

interface Measured {
  rows: number;
  seconds: number;
  maxRssKiB: number;
  code?: number;
  threads?: number;
}
type Outcome = Measured | { skipped: string };

export interface ShapesBenchOptions {
  /** File size per shape, in bytes. */
  bytes: number;
  runs: number;
  seed: number;
  shapes?: readonly Shape[];
  log: (line: string) => void;
}

type Program = 'bare' | 'papaparse' | 'reader' | 'dry' | 'dry1' | 'duckdb';
const PROGRAMS: readonly Program[] = ['bare', 'papaparse', 'reader', 'dry1', 'dry', 'duckdb'];
const NAMES: Record<Program, string> = {
  bare: 'bare csv-parse (1 thread)',
  papaparse: 'papaparse (1 thread, step callback)',
  reader: 'tsbatch reader alone (1 thread, no mapping)',
  dry: `tsbatch dry-run (default: ${os.availableParallelism()} workers)`,
  dry1: 'tsbatch dry-run --workers 1',
  duckdb: 'DuckDB read_csv, every column',
};

function child(command: string, args: string[]): Outcome {
  const result = spawnSync(command, args, { cwd: root, encoding: 'utf8', maxBuffer: 1 << 24 });
  if (result.error !== undefined) return { skipped: `cannot run ${command}: ${result.error.message}` };
  const last = result.stdout.trim().split('\n').pop() ?? '';
  if (result.status !== 0) {
    const why = result.signal !== null ? `killed by ${result.signal}` : `exit ${result.status}`;
    const line = result.stderr.split('\n').find((l) => /error/i.test(l)) ?? '';
    return { skipped: `${path.basename(args[0] ?? command)} failed (${why}) ${line.trim()}` };
  }
  try {
    return JSON.parse(last) as Outcome;
  } catch {
    return { skipped: `no result: ${last}` };
  }
}

const ts = (script: string, args: string[]): Outcome =>
  child(process.execPath, ['--conditions=source', '--import', 'tsx', path.join(here, script), ...args]);

function measure(program: Program, shape: Shape, file: string): Outcome {
  const { task, escape } = shapeSpec(shape);
  const esc = escape === null ? [] : [escape];
  switch (program) {
    case 'bare':
      return ts('bare-csv-parse.ts', [file, ...esc]);
    case 'papaparse':
      return ts('papaparse-child.ts', [file, ...esc]);
    case 'reader':
      return ts('reader-child.ts', ['read', task, file]);
    case 'duckdb':
      return ts('duckdb-read-child.ts', [file, ...esc]);
    case 'dry':
    case 'dry1': {
      // The compiled CLI as installed (dist/, no TypeScript loader), as bench/run.ts measures it.
      const workers = program === 'dry1' ? ['--workers', '1'] : [];
      const args = ['dry-run', task, '--source', file, '--json', ...workers];
      return child(process.execPath, [path.join(here, 'dry-run-child.mjs'), ...args]);
    }
  }
}

/** Data rows a program counted: the baselines count the header as a record. */
function dataRows(program: Program, m: Measured): number {
  return program === 'bare' || program === 'papaparse' ? m.rows - 1 : m.rows;
}

async function measureShape(shape: Shape, options: ShapesBenchOptions): Promise<Map<Program, Outcome>> {
  const file = await generateShapeCsv(path.join(here, 'data'), shape, options.bytes, options.seed);
  const best = new Map<Program, Outcome>();
  for (let round = 1; round <= options.runs; round++) {
    for (const program of PROGRAMS) {
      options.log(`  ${shape}: ${NAMES[program]} (round ${round}/${options.runs})`);
      const outcome = measure(program, shape, file);
      const before = best.get(program);
      if ('skipped' in outcome || (before !== undefined && 'skipped' in before)) {
        best.set(program, before !== undefined && 'skipped' in before ? before : outcome);
        continue;
      }
      best.set(
        program,
        before === undefined
          ? outcome
          : {
              ...(outcome.seconds < before.seconds ? outcome : before),
              maxRssKiB: Math.max(outcome.maxRssKiB, before.maxRssKiB),
            },
      );
    }
  }
  // Every program must have read every row, or its figure means nothing.
  const reference = best.get('bare');
  if (reference !== undefined && !('skipped' in reference)) {
    const expected = dataRows('bare', reference);
    for (const program of PROGRAMS) {
      const m = best.get(program);
      if (m === undefined || 'skipped' in m) continue;
      if (dataRows(program, m) !== expected || (m.code !== undefined && m.code !== 0)) {
        best.set(program, {
          skipped: `counted ${dataRows(program, m)} rows (exit ${m.code ?? 0}), expected ${expected}`,
        });
      }
    }
  }
  return best;
}

/** The rows of the shapes table: throughput and RSS of every program, then the ratios and goals per shape. */
export async function shapesBench(options: ShapesBenchOptions): Promise<TableRow[]> {
  const mb = (shape: Shape): number => statSync(path.join(here, 'data', fileName(shape, options))).size / 1e6;
  const goals = options.bytes >= 1e9;
  const rows: TableRow[] = [];
  const ratios: TableRow[] = [];
  for (const shape of options.shapes ?? SHAPES) {
    const best = await measureShape(shape, options);
    const size = mb(shape);
    const label = `${shape}, ${size >= 1000 ? `${(size / 1000).toFixed(1)} GB` : `${size.toFixed(0)} MB`}`;
    const rate = (m: Outcome): string =>
      'skipped' in m
        ? `skipped: ${m.skipped}`
        : `${(size / m.seconds).toFixed(1)} MB/s, ${(m.maxRssKiB / 1024).toFixed(0)} MiB peak RSS`;
    for (const program of PROGRAMS) {
      const m = best.get(program)!;
      const threads = program === 'duckdb' && !('skipped' in m) ? ` (${m.threads ?? '?'} threads)` : '';
      rows.push([`${NAMES[program]}${threads}, ${label}`, rate(m), '', '']);
    }
    const dry = best.get('dry')!;
    const ratio = (base: Program): number | null => {
      const b = best.get(base)!;
      return 'skipped' in b || 'skipped' in dry ? null : b.seconds / dry.seconds;
    };
    const x = (r: number | null): string => (r === null ? 'skipped' : `${r.toFixed(2)}x`);
    const vsBare = ratio('bare');
    const vsPapa = ratio('papaparse');
    const vsDuck = ratio('duckdb');
    const one = best.get('dry1')!;
    const goal = (text: string, ok: boolean | null): [string, string] =>
      goals ? [text, ok === null ? '' : met(ok)] : [`(goal at 1 GB: ${text})`, ''];
    ratios.push(
      [
        `dry-run / bare csv-parse, ${label}`,
        x(vsBare),
        ...goal('>= 3x', vsBare === null ? null : vsBare >= 3),
      ],
      [`dry-run / papaparse, ${label}`, x(vsPapa), ...goal('>= 1x', vsPapa === null ? null : vsPapa >= 1)],
      [
        `dry-run --workers 1 / bare csv-parse, ${label}`,
        'skipped' in one || 'skipped' in best.get('bare')!
          ? 'skipped'
          : x((best.get('bare') as Measured).seconds / one.seconds),
        '(context)',
        '',
      ],
      [`dry-run / DuckDB read_csv, ${label}`, x(vsDuck), '(reference)', ''],
      [
        `dry-run peak RSS, ${label}`,
        'skipped' in dry ? 'skipped' : `${(dry.maxRssKiB / 1024).toFixed(0)} MiB`,
        ...goal('< 300 MiB', 'skipped' in dry ? null : dry.maxRssKiB / 1024 < 300),
      ],
    );
  }
  return [...rows, ...ratios];
}

function fileName(shape: Shape, options: ShapesBenchOptions): string {
  return shape === 'plain'
    ? `fleet-v2-${options.bytes}-${options.seed}.csv`
    : `shape-${shape}-${options.bytes}-${options.seed}.csv`;
}
