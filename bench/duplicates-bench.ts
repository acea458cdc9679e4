// The duplicate check at size (issue 15, R-DUP-1): a seeded fleet source of N distinct rows with one conflict
// planted at its very end (the point of an early row, another weight, the same version), run through the compiled
// `tsbatch dry-run` in its own process. The row says whether exactly the planted conflict was found, at its line,
// with the time, the peak RSS and the temporary disk used. Full profile: 15M rows (about 1 GB) and 150M rows
// (about 10 GB, in three files: batch load takes at most 5 GB a file); --quick: 300k rows with the in-memory
// budget forced to 50,000 keys, so that the disk path runs. Data is cached under bench/data (gitignored).
// Standalone: `node --conditions=source --import tsx bench/duplicates-bench.ts --rows 15000000`.
import { spawnSync } from 'node:child_process';
import { once } from 'node:events';
import {
  createWriteStream,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { met, type TableRow } from './table.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '..');
const HEADER = 'timestamp,vehicle,registration,wgt,spd,fuel_consumption,miles';
const T0 = 1714521600;
/** [choice] Rows per file: about 3.3 GB, under batch load's 5 GB a file (R-VAL-9). */
const ROWS_PER_FILE = 50_000_000;
/** The early row (0-based) whose point the last row takes again. */
const EARLY = 1000;

export interface ConflictSource {
  /** What --source names: the one file, or the folder of several. */
  source: string;
  rows: number;
  bytes: number;
  /** Key of the planted conflict's file (reports may put the task's prefix before it), its line, and the early row's. */
  conflictKey: string;
  conflictLine: number;
  earlyLine: number;
}

/** xorshift32: cheap and seeded, so the same seed always writes the same files. */
function xorshift(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>>= 0);
  };
}

/** Writes (or finds, when a complete copy is cached) the source of `rows` distinct rows plus the planted conflict. */
export async function generateConflictSource(
  dataDir: string,
  rows: number,
  seed: number,
): Promise<ConflictSource> {
  const dir = path.join(dataDir, `dup-${rows}-${seed}`);
  // Beside the folder, not in it: every file in the folder is a source file.
  const marker = `${dir}.json`;
  if (existsSync(marker)) return JSON.parse(readFileSync(marker, 'utf8')) as ConflictSource;
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const random = xorshift(seed);
  const vehicles = Array.from({ length: 5000 }, (_, v) => `vehicle-${v},REG-${(v * 7919) % 100000}`);
  const files = Math.max(1, Math.ceil(rows / ROWS_PER_FILE));
  let early = '';
  let bytes = 0;
  let i = 0;
  for (let f = 0; f < files; f++) {
    const out = createWriteStream(path.join(dir, `part-${String(f).padStart(3, '0')}.csv`));
    let chunk = `${HEADER}\n`;
    const end = Math.min(rows, (f + 1) * ROWS_PER_FILE);
    for (; i < end; i++) {
      const r = random();
      // Strictly increasing times: no two rows share a point (R-DUP-1) but the planted one.
      const key = `${T0 + i * 2 + (r & 1)},${vehicles[r % 5000]!}`;
      const row = `${key},${1000 + ((r >>> 12) % 9000)}.${(r >>> 3) % 10},${(r >>> 7) % 120}.${(r >>> 1) % 10}${(r >>> 4) % 10},${(r >>> 9) % 30}.${(r >>> 5) % 1000},${r >>> 11}\n`;
      if (i === EARLY) early = key;
      chunk += row;
      if (chunk.length >= 1 << 20) {
        bytes += chunk.length;
        if (!out.write(chunk)) await once(out, 'drain');
        chunk = '';
      }
    }
    if (f === files - 1) chunk += `${early},1.5,0.00,0.0,0\n`; // the point of row EARLY, another weight
    bytes += chunk.length;
    out.end(chunk);
    await once(out, 'close');
  }
  const last = `part-${String(files - 1).padStart(3, '0')}.csv`;
  const lastRows = rows - (files - 1) * ROWS_PER_FILE;
  const result: ConflictSource = {
    source: files === 1 ? path.join(dir, last) : dir,
    rows,
    bytes,
    // One file is named after the task's prefix (R-IN-3), a file of a folder by its key under it.
    conflictKey: files === 1 ? 'sample.csv' : last,
    conflictLine: lastRows + 2,
    earlyLine: EARLY + 2,
  };
  writeFileSync(marker, `${JSON.stringify(result, null, 2)}\n`);
  return result;
}

interface Measured {
  code: number;
  rows: number;
  seconds: number;
  maxRssKiB: number;
  tempMB: number;
  stderr: string;
}

/** The compiled dry run on the source, and what it found: exactly the planted conflict, or why not. */
function measure(src: ConflictSource, extra: string[]): { run: Measured; found: string; ok: boolean } {
  const reportDir = mkdtempSync(path.join(os.tmpdir(), 'tsbatch-dup-bench-'));
  try {
    const args = ['dry-run', path.join(root, 'examples/fleet/task.json'), '--source', src.source, '--json'];
    const child = spawnSync(
      process.execPath,
      [path.join(here, 'duplicates-child.mjs'), ...args, '--report-dir', reportDir, ...extra],
      {
        cwd: root,
        encoding: 'utf8',
        maxBuffer: 1 << 24,
      },
    );
    const last = child.stdout.trim().split('\n').pop() ?? '';
    let run: Measured;
    try {
      run = JSON.parse(last) as Measured;
    } catch {
      throw new Error(
        `the dry run printed no result (exit ${child.status}): ${child.stderr.trim().split('\n').pop() ?? ''}`,
      );
    }
    const rejectsFile = path.join(reportDir, 'rejects.jsonl');
    const rejects = existsSync(rejectsFile)
      ? readFileSync(rejectsFile, 'utf8')
          .trim()
          .split('\n')
          .filter(Boolean)
          .map((l) => JSON.parse(l) as { file: string; line: number; code: string })
      : [];
    const found =
      rejects.length === 1
        ? `${rejects[0]!.code} at ${rejects[0]!.file}:${rejects[0]!.line.toLocaleString('en-US')}`
        : `${rejects.length} rejected rows`;
    const ok =
      run.code === 1 &&
      run.rows === src.rows + 1 &&
      rejects.length === 1 &&
      rejects[0]!.code === 'RECORD_VERSION_CONFLICT' &&
      (rejects[0]!.file === src.conflictKey || rejects[0]!.file.endsWith(`/${src.conflictKey}`)) &&
      rejects[0]!.line === src.conflictLine;
    return {
      run,
      found: ok ? `only the planted one: ${found}` : `${found}, exit ${run.code}: ${run.stderr}`,
      ok,
    };
  } finally {
    rmSync(reportDir, { recursive: true, force: true });
  }
}

/** The rows of the duplicate-check bench (see the file's comment). */
export async function duplicatesBench(options: {
  quick: boolean;
  log: (line: string) => void;
  rows?: number[];
  seed?: number;
}): Promise<TableRow[]> {
  const sizes = options.rows ?? (options.quick ? [300_000] : [15_000_000, 150_000_000]);
  const extra = options.quick ? ['--max-duplicate-keys', '50000'] : [];
  const out: TableRow[] = [];
  for (const rows of sizes) {
    options.log(
      `${rows.toLocaleString('en-US')} rows: generating (or reusing) the source with its planted conflict`,
    );
    const src = await generateConflictSource(path.join(here, 'data'), rows, options.seed ?? 42);
    const gb = `${(src.bytes / 1e9).toFixed(2)} GB`;
    const at = `${(rows / 1e6).toLocaleString('en-US')}M rows (${gb})${options.quick ? ', 50,000 keys in memory' : ''}`;
    options.log(`${at}: tsbatch dry-run`);
    const { run, found, ok } = measure(src, extra);
    const mib = run.maxRssKiB / 1024;
    out.push(
      [
        `duplicates: planted conflict, ${at}`,
        found,
        `exactly the planted conflict, line ${src.conflictLine.toLocaleString('en-US')}`,
        met(ok),
      ],
      [
        `duplicates: dry-run time, ${at}`,
        `${run.seconds.toFixed(1)} s (${(src.bytes / 1e6 / run.seconds).toFixed(1)} MB/s)`,
        '(context)',
        '',
      ],
      [`duplicates: dry-run peak RSS, ${at}`, `${mib.toFixed(0)} MiB`, '< 300 MiB', met(mib < 300)],
      [`duplicates: temporary disk used, ${at}`, `${(run.tempMB / 1e3).toFixed(2)} GB`, '(context)', ''],
    );
  }
  return out;
}

// Standalone: the rows of the given sizes, as the table prints them.
if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  const { values } = parseArgs({
    options: { rows: { type: 'string' }, quick: { type: 'boolean', default: false } },
  });
  const rows = values.rows?.split(',').map((r) => Number(r.replace(/_/g, '')));
  const { formatTable } = await import('./table.js');
  const table = await duplicatesBench({
    quick: values.quick,
    log: (l) => process.stderr.write(`${l}\n`),
    ...(rows !== undefined && { rows }),
  });
  process.stdout.write(formatTable(table));
}
