// `pnpm bench [--size 100M|1G|5G[,...]] [--points 1M,10M] [--runs N] [--quick]
// [--only dry-run|shapes|html|ingest|serve|duplicates|journal|s3[,...]] [--json] [--seed N]`: every
// figure is measured in this run, each program in its own process, and the goals are ratios between them (issue 6).
// Dry-run side, per file size: bare csv-parse (the floor of our parser, 1 thread), tsbatch's reader alone, the real
// `tsbatch dry-run` (default workers, and `--workers 1` as context), DuckDB's count(*) (the reference of what parsing
// can cost) and a pandas peer doing awswrangler's per-row work (bench/peers/pandas_peer.py). Then the ingest half
// (bench/ingest-bench.ts) appends its rows, after the HTML report's cost (bench/html-bench.ts), and the serve half
// (bench/serve-bench.ts: WriteRecords rate, RSS and restart of `tsbatch serve` holding 1M and 10M points, export rates),
// then the duplicate check at size (bench/duplicates-bench.ts). Without flags: 100 MB, 1 GB and 5 GB; `--quick`: a
// 5 MB file, 1 run.
// The QLDB journal export (bench/journal-bench.ts: export rates of a 10M-revision journal, WriteRecords beside them)
// comes last; with --quick it runs only under `--only journal` (20k revisions); `--revisions 1M` sets its size.
// The CSV shapes (bench/csv-shapes-bench.ts: `--shapes-size`, default 1 GB; `--shapes a,b`) come after the dry run; with --quick they run
// only under `--only shapes` (5 MB).
// The S3 rows (bench/s3-bench.ts: the dry run from S3 on loopback against local disk) come at 100 MB unless `--size`
// is given (`--only s3 --size 100M,1G`: rows at each size).
import { spawnSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { generateFleetCsv } from './generate.js';
import { formatTable, met, type TableRow } from './table.js';
import { shapesBench } from './csv-shapes-bench.js';
import { SHAPES, type Shape } from './csv-shapes.js';
import { duplicatesBench } from './duplicates-bench.js';
import { htmlBench } from './html-bench.js';
import { journalBench } from './journal-bench.js';

/** The halves of the bench that `--only` can pick. */
const ONLY = ['dry-run', 'shapes', 'html', 'ingest', 'serve', 'duplicates', 'journal', 's3'] as const;

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '..');
const FULL_SIZES = [1e8, 1e9, 5e9];
const QUICK_SIZE = 5e6;
/** The pandas peer holds the whole DataFrame (and a list of every row) in memory: run it only up to this size. */
const PANDAS_MAX_BYTES = 1e9;
const PYTHON = process.env['TSBATCH_BENCH_PYTHON'] ?? '/usr/bin/python3';

class UsageError extends Error {}

interface Measured {
  rows: number;
  seconds: number;
  maxRssKiB: number;
  code?: number;
  message?: string;
  threads?: number;
  records?: number;
}
type Outcome = Measured | { skipped: string };

interface SizeResult {
  bytes: number;
  label: string;
  file: string;
  mb: number;
  dataRows: number;
  bare: Measured;
  reader: Measured;
  dry: Measured;
  dryOneWorker: Outcome;
  duckdb: Outcome;
  pandas: Outcome;
}

const log = (line: string): void => {
  process.stderr.write(`${line}\n`);
};

function parseSize(text: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*([kmg]?)i?b?$/i.exec(text.trim());
  if (m === null) throw new UsageError(`--size: expected e.g. 100M or 1G, got '${text}'`);
  const unit = { '': 1, k: 1e3, m: 1e6, g: 1e9 }[m[2]!.toLowerCase() as '' | 'k' | 'm' | 'g'];
  return Math.round(Number(m[1]) * unit);
}

/** A count of points for the serve half: 20k, 1M, 10M or a plain number. */
function parsePoints(text: string): number {
  const m = /^(\d+(?:\.\d+)?)([km]?)$/i.exec(text.trim());
  if (m === null) throw new UsageError(`--points: expected e.g. 1M or 200k, got '${text}'`);
  return Math.round(Number(m[1]) * { '': 1, k: 1e3, m: 1e6 }[m[2]!.toLowerCase() as '' | 'k' | 'm']);
}

function sizeLabel(bytes: number): string {
  return bytes >= 1e9 ? `${Number((bytes / 1e9).toFixed(1))} GB` : `${Number((bytes / 1e6).toFixed(1))} MB`;
}

/** Runs a child that prints one JSON line last; a crash, a missing program or a `{skipped}` answer is a skip. */
function runChild(name: string, command: string, args: string[]): Outcome {
  const result = spawnSync(command, args, {
    cwd: root,
    encoding: 'utf8',
    maxBuffer: 1 << 24,
    env: { ...process.env, FORCE_COLOR: '0' },
  });
  if (result.error !== undefined) return { skipped: `cannot run ${command}: ${result.error.message}` };
  const lastLine = (text: string): string => text.trim().split('\n').pop() ?? '';
  if (result.status !== 0) {
    const why = result.signal !== null ? `killed by ${result.signal}` : `exit ${result.status}`;
    // Node ends a crash with its version line: name the error line instead.
    const lines = result.stderr.split('\n').filter((l) => l.trim() !== '' && !/^Node\.js v/.test(l));
    const cause = lines.find((l) => /\b\w*Error\b|error:/i.test(l)) ?? lines.pop() ?? '';
    return { skipped: `${name} failed (${why}): ${cause.trim()}` };
  }
  try {
    return JSON.parse(lastLine(result.stdout)) as Outcome;
  } catch {
    return { skipped: `${name} printed no result: ${lastLine(result.stdout) || lastLine(result.stderr)}` };
  }
}

/** A plain JavaScript child: it loads the compiled packages (buildCli), as an installed tsbatch does. */
function jsChild(script: string, args: string[]): Outcome {
  return runChild(script, process.execPath, [path.join(here, script), ...args]);
}

/** Compiles the CLI and the packages it loads (incremental: quick when nothing changed). */
function buildCli(): void {
  const tsc = path.join(root, 'node_modules/typescript/bin/tsc');
  const result = spawnSync(
    process.execPath,
    [tsc, '-b', path.join(root, 'packages/cli/tsconfig.build.json')],
    {
      stdio: ['ignore', 'inherit', 'inherit'],
    },
  );
  if (result.status !== 0)
    throw new Error('building the CLI failed: tsc -b packages/cli/tsconfig.build.json');
}

function tsChild(script: string, args: string[]): Outcome {
  const argv = ['--conditions=source', '--import', 'tsx', path.join(here, script), ...args];
  return runChild(script, process.execPath, argv);
}

/** Best of `runs` (fastest time); peak RSS is the highest of the runs, so a lucky run cannot hide memory. */
function best(runs: number, measure: () => Outcome): Outcome {
  let result: Measured | undefined;
  for (let i = 0; i < runs; i++) {
    const r = measure();
    if ('skipped' in r) return r;
    if (result === undefined) result = r;
    else
      result = {
        ...(r.seconds < result.seconds ? r : result),
        maxRssKiB: Math.max(r.maxRssKiB, result.maxRssKiB),
      };
  }
  return result!;
}

function required(what: string, outcome: Outcome): Measured {
  if ('skipped' in outcome) throw new Error(`${what}: ${outcome.skipped}`);
  return outcome;
}

function measureSize(bytes: number, file: string, runs: number): SizeResult {
  const label = sizeLabel(bytes);
  const mb = statSync(file).size / 1e6;
  const step = (what: string): void => log(`  ${label}: ${what}`);

  step('bare csv-parse');
  const bare = required(
    'bare csv-parse',
    best(runs, () => tsChild('bare-csv-parse.ts', [file])),
  );
  const dataRows = bare.rows - 1; // csv-parse counts the header line as a record
  step('tsbatch reader alone');
  const reader = required(
    'reader',
    best(runs, () => tsChild('stage-child.ts', ['read', file])),
  );

  const dryRun = (extra: string[]): Outcome =>
    jsChild('dry-run-child.mjs', [
      'dry-run',
      path.join(root, 'examples/fleet/task.json'),
      '--source',
      file,
      '--json',
      ...extra,
    ]);
  const checkDry = (what: string, r: Measured): Measured => {
    if (r.code !== 0 || r.rows !== dataRows) {
      throw new Error(
        `${what} did not process every row of ${file}: exit ${r.code}, ${r.rows} rows vs ${dataRows} data rows` +
          (r.message !== undefined ? ` (${r.message})` : ''),
      );
    }
    return r;
  };
  step('tsbatch dry-run --workers 1');
  let dryOneWorker = best(runs, () => dryRun(['--workers', '1']));
  if (!('skipped' in dryOneWorker)) {
    // A usage error (exit 2) here means this build's dry run has no --workers flag yet: the row is skipped.
    if (dryOneWorker.code === 2) dryOneWorker = { skipped: dryOneWorker.message ?? 'usage error' };
    else checkDry('dry-run --workers 1', dryOneWorker);
  }
  step('tsbatch dry-run (default workers)');
  const dry = checkDry(
    'dry-run',
    required(
      'dry-run',
      best(runs, () => dryRun([])),
    ),
  );

  step('DuckDB count(*)');
  const duckdb = checkCount(
    'DuckDB',
    dataRows,
    best(runs, () => tsChild('duckdb-count.ts', [file])),
  );
  let pandas: Outcome = { skipped: 'holds the whole frame in memory' };
  if (bytes <= PANDAS_MAX_BYTES) {
    step('pandas peer');
    const script = path.join(here, 'peers/pandas_peer.py');
    pandas = checkCount(
      'pandas peer',
      dataRows,
      best(runs, () => runChild('pandas_peer.py', PYTHON, [script, file])),
    );
  }
  return { bytes, label, file, mb, dataRows, bare, reader, dry, dryOneWorker, duckdb, pandas };
}

function checkCount(what: string, dataRows: number, outcome: Outcome): Outcome {
  if ('skipped' in outcome) return outcome;
  const records = outcome.records ?? outcome.rows;
  if (outcome.rows !== dataRows || records !== dataRows) {
    return { skipped: `${what} counted ${outcome.rows} rows (${records} records), expected ${dataRows}` };
  }
  return outcome;
}

const mib = (m: Measured): number => m.maxRssKiB / 1024;

function tableRows(results: SizeResult[]): TableRow[] {
  const rate = (s: SizeResult, m: Measured): string =>
    `${(s.mb / m.seconds).toFixed(1)} MB/s, ${Math.round(s.dataRows / m.seconds).toLocaleString('en-US')} rows/s`;
  const speed = (m: Measured, base: Measured): number => base.seconds / m.seconds;
  const x = (ratio: number): string => `${ratio.toFixed(2)}x`;
  const skipped = (o: { skipped: string }): string => `skipped: ${o.skipped}`;
  const workersFlag = results.some((s) => !('skipped' in s.dryOneWorker));
  const dryName = workersFlag
    ? `tsbatch dry-run (default: ${os.availableParallelism()} workers)`
    : 'tsbatch dry-run (default; no --workers flag yet)';

  const throughput: TableRow[] = [];
  const ratios: TableRow[] = [];
  const memory: TableRow[] = [];
  for (const s of results) {
    const at = `, ${s.label}`;
    throughput.push(
      [`bare csv-parse (1 thread)${at}`, rate(s, s.bare), '(baseline)', ''],
      [`tsbatch reader alone (1 thread, no mapping)${at}`, rate(s, s.reader), '(context)', ''],
      [`${dryName}${at}`, rate(s, s.dry), '', ''],
    );
    const one = s.dryOneWorker;
    throughput.push([
      `tsbatch dry-run --workers 1${at}`,
      'skipped' in one ? skipped(one) : rate(s, one),
      '(context)',
      '',
    ]);
    const duck = s.duckdb;
    const duckName =
      'skipped' in duck ? 'DuckDB count(*)' : `DuckDB count(*) (${duck.threads ?? '?'} threads)`;
    throughput.push([
      `${duckName}${at}`,
      'skipped' in duck ? skipped(duck) : rate(s, duck),
      '(reference)',
      '',
    ]);
    const pd = s.pandas;
    throughput.push([
      `pandas peer (awswrangler per-row work)${at}`,
      'skipped' in pd ? skipped(pd) : rate(s, pd),
      '(peer)',
      '',
    ]);

    const vsBare = speed(s.dry, s.bare);
    ratios.push(
      s.bytes >= 1e9
        ? [`dry-run / bare csv-parse${at}`, x(vsBare), '>= 1.5x', met(vsBare >= 1.5)]
        : [`dry-run / bare csv-parse${at}`, x(vsBare), '(goal at 1 GB)', ''],
    );
    if (!('skipped' in one)) {
      ratios.push(
        [`dry-run --workers 1 / bare csv-parse${at}`, x(speed(one, s.bare)), '(context)', ''],
        [`dry-run default / --workers 1${at}`, x(speed(s.dry, one)), '(context)', ''],
      );
    }
    ratios.push([
      `dry-run / DuckDB count(*)${at}`,
      'skipped' in duck ? skipped(duck) : x(speed(s.dry, duck)),
      '(reference)',
      '',
    ]);
    if ('skipped' in pd) ratios.push([`dry-run / pandas peer${at}`, skipped(pd), '> 1x', '']);
    else ratios.push([`dry-run / pandas peer${at}`, x(speed(s.dry, pd)), '> 1x', met(speed(s.dry, pd) > 1)]);

    memory.push([
      `dry-run peak RSS${at}`,
      `${mib(s.dry).toFixed(0)} MiB`,
      '< 300 MiB',
      met(mib(s.dry) < 300),
    ]);
    if ('skipped' in pd) {
      memory.push([`dry-run peak RSS / pandas peer peak RSS${at}`, skipped(pd), '<= 0.5x', '']);
    } else {
      const r = mib(s.dry) / mib(pd);
      memory.push(
        [`pandas peer peak RSS${at}`, `${mib(pd).toFixed(0)} MiB`, '(peer)', ''],
        [`dry-run peak RSS / pandas peer peak RSS${at}`, x(r), '<= 0.5x', met(r <= 0.5)],
      );
    }
  }
  // Issue 6: memory does not grow with the file (the largest file against the 1 GB one).
  const gb = results.find((s) => s.bytes === 1e9);
  const largest = results.reduce<SizeResult | undefined>(
    (a, s) => (a === undefined || s.bytes > a.bytes ? s : a),
    undefined,
  );
  if (gb !== undefined && largest !== undefined && largest.bytes > gb.bytes) {
    const r = mib(largest.dry) / mib(gb.dry);
    memory.push([`dry-run peak RSS ${largest.label} / ${gb.label}`, x(r), '<= 1.10x (flat)', met(r <= 1.1)]);
  }
  return [...throughput, ...ratios, ...memory];
}

type IngestBench = (options: { quick: boolean; log: (line: string) => void }) => Promise<string[][]>;

async function ingestRows(quick: boolean): Promise<TableRow[]> {
  if (!existsSync(path.join(here, 'ingest-bench.ts'))) {
    log('ingest: bench/ingest-bench.ts is not there yet; skipped');
    return [['ingest bench', 'skipped: bench/ingest-bench.ts is not there yet', '', '']];
  }
  // The ingest half runs the AWS SDK in this process: its Node 20 end-of-support notice is not a bench result.
  process.env['AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED'] ??= 'true';
  // A specifier in a variable: this file type-checks whether or not the ingest half exists yet.
  const specifier = './ingest-bench.js';
  const { ingestBench } = (await import(specifier)) as { ingestBench: IngestBench };
  try {
    const rows = await ingestBench({ quick, log: (line) => log(`  ingest: ${line}`) });
    return rows.map((r) => [r[0] ?? '', r[1] ?? '', r[2] ?? '', r[3] ?? '']);
  } catch (error) {
    // The dry-run rows measured so far are still printed; the run exits 1.
    process.exitCode = 1;
    return [['ingest bench', `failed: ${(error as Error).message}`, '', 'NO']];
  }
}

/** The S3 row (bench/s3-bench.ts): the dry run from S3 on loopback against local disk. */
async function s3Rows(
  quick: boolean,
  seed: number,
  runs: number,
  build: boolean,
  sizes: number[] | undefined,
): Promise<TableRow[]> {
  if (build) buildCli();
  const { s3Bench } = await import('./s3-bench.js');
  try {
    const rows = await s3Bench({
      quick,
      seed,
      runs,
      log: (line) => log(`  ${line}`),
      ...(sizes !== undefined && { sizes }),
    });
    return rows.map((r) => [r[0] ?? '', r[1] ?? '', r[2] ?? '', r[3] ?? '']);
  } catch (error) {
    process.exitCode = 1;
    return [['s3 bench', `failed: ${(error as Error).message}`, '', 'NO']];
  }
}

async function serveRows(quick: boolean, points: number[] | undefined): Promise<TableRow[]> {
  process.env['AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED'] ??= 'true';
  const { serveBench } = await import('./serve-bench.js');
  const rows = await serveBench({
    quick,
    log: (line) => log(`  serve: ${line}`),
    ...(points !== undefined && { sizes: points }),
  });
  return rows.map((r) => [r[0] ?? '', r[1] ?? '', r[2] ?? '', r[3] ?? '']);
}

/** Issue 20's rows (bench/journal-bench.ts): QLDB journal export rates and WriteRecords beside them. */
async function journalRows(quick: boolean, revisions: number | undefined): Promise<TableRow[]> {
  process.env['AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED'] ??= 'true';
  try {
    return await journalBench({
      quick,
      log: (line) => log(`  journal: ${line}`),
      ...(revisions !== undefined && { revisions }),
    });
  } catch (error) {
    process.exitCode = 1;
    return [['journal export bench', `failed: ${(error as Error).message}`, '', 'NO']];
  }
}

async function main(argv: string[]): Promise<void> {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        size: { type: 'string' },
        points: { type: 'string' },
        revisions: { type: 'string' },
        seed: { type: 'string', default: '42' },
        quick: { type: 'boolean', default: false },
        runs: { type: 'string' },
        only: { type: 'string' },
        'shapes-size': { type: 'string' },
        shapes: { type: 'string' },
        json: { type: 'boolean', default: false },
      },
    }));
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const sizes =
    values.size !== undefined
      ? values.size.split(',').map(parseSize)
      : values.quick
        ? [QUICK_SIZE]
        : FULL_SIZES;
  const runs = values.runs !== undefined ? Number(values.runs) : 1;
  if (!Number.isInteger(runs) || runs < 1)
    throw new UsageError(`--runs: expected a whole number >= 1, got '${values.runs}'`);
  const seed = Number(values.seed);
  if (!Number.isInteger(seed)) throw new UsageError(`--seed: expected a whole number, got '${values.seed}'`);
  // `--only serve,ingest` runs several halves in one run (one table, e.g. every goal of one issue).
  const onlyList = values.only?.split(',');
  const badHalf = onlyList?.find((half) => !(ONLY as readonly string[]).includes(half));
  if (badHalf !== undefined) {
    throw new UsageError(
      `--only: expected ${ONLY.slice(0, -1).join(', ')} or ${ONLY.at(-1)} (or several, comma-separated), got '${badHalf}'`,
    );
  }
  /** True when `--only` names this half (not when --only is absent). */
  const picked = (half: (typeof ONLY)[number]): boolean => onlyList?.includes(half) ?? false;
  const shapeList = (values.shapes ?? SHAPES.join(',')).split(',') as Shape[];
  const unknown = shapeList.filter((shape) => !(SHAPES as readonly string[]).includes(shape));
  if (unknown.length > 0)
    throw new UsageError(`--shapes: expected some of ${SHAPES.join(', ')}, got '${unknown.join(',')}'`);
  const shapesSize =
    values['shapes-size'] !== undefined ? parseSize(values['shapes-size']) : values.quick ? QUICK_SIZE : 1e9;

  const includes = (half: (typeof ONLY)[number]): boolean => onlyList === undefined || picked(half);

  const points = values.points?.split(',').map(parsePoints);

  const results: SizeResult[] = [];
  if (includes('dry-run')) {
    log(
      'tsbatch bench: building the CLI (the dry run is measured as installed: dist/, no TypeScript loader)',
    );
    buildCli();
  }
  if (includes('dry-run')) {
    for (const bytes of sizes) {
      log(`tsbatch bench: ${sizeLabel(bytes)} fleet CSV (seed ${seed}), best of ${runs}`);
      const file = await generateFleetCsv(path.join(here, 'data'), bytes, seed);
      results.push(measureSize(bytes, file, runs));
    }
  }
  // --quick alone keeps to its time (CI runs it); --quick --only shapes checks the shapes rows.
  const shapes =
    picked('shapes') || (onlyList === undefined && !values.quick)
      ? await shapesBench({ bytes: shapesSize, runs, seed, shapes: shapeList, log: (line) => log(line) })
      : [];
  // The HTML report's cost (bench/html-bench.ts): on the largest file up to 1 GB.
  const htmlRows: TableRow[] = [];
  if (includes('html')) {
    if (picked('html')) buildCli();
    const bytes = Math.min(Math.max(...sizes), 1e9);
    const file = await generateFleetCsv(path.join(here, 'data'), bytes, seed);
    log(`tsbatch bench: --html on ${sizeLabel(bytes)}, ${Math.max(runs, 2)} interleaved runs`);
    htmlRows.push(...htmlBench({ file, label: sizeLabel(bytes), runs: Math.max(runs, 2), log }));
  }
  const ingest = includes('ingest') ? await ingestRows(values.quick) : [];
  const serve = includes('serve') ? await serveRows(values.quick, points) : [];
  const rows = [...tableRows(results), ...shapes, ...htmlRows, ...ingest, ...serve];
  // The duplicate check at size (bench/duplicates-bench.ts): --quick runs its small profile, so CI runs its disk path.
  if (includes('duplicates')) {
    if (picked('duplicates')) buildCli();
    rows.push(
      ...(await duplicatesBench({ quick: values.quick, log: (line) => log(`  duplicates: ${line}`), seed })),
    );
  }
  // Like the shapes, --quick alone leaves the journal rows out (CI's time); --quick --only journal is their smoke run.
  if (picked('journal') || (onlyList === undefined && !values.quick))
    rows.push(
      ...(await journalRows(
        values.quick,
        values.revisions === undefined ? undefined : parsePoints(values.revisions),
      )),
    );
  // The dry run from S3 on loopback against local disk (bench/s3-bench.ts).
  // Its default is 100 MB alone (5 MB with --quick); `--size 100M,1G` gives rows at each size.
  if (includes('s3'))
    rows.push(
      ...(await s3Rows(
        values.quick,
        seed,
        runs,
        picked('s3'),
        values.size === undefined ? undefined : sizes,
      )),
    );

  if (values.json) {
    const machine = {
      cpus: os.availableParallelism(),
      node: process.version,
      platform: `${os.platform()}-${os.arch()}`,
    };
    const table = rows.map(([measure, figure, goal, ok]) => ({ measure, figure, goal, met: ok }));
    process.stdout.write(`${JSON.stringify({ machine, runs, seed, sizes: results, table }, null, 2)}\n`);
    return;
  }
  const files = results.map((s) => `${path.relative(root, s.file)} (${s.mb.toFixed(1)} MB)`).join(', ');
  process.stdout.write(
    `tsbatch bench, ${os.availableParallelism()} cores, best of ${runs}${files === '' ? '' : `: ${files}`}\n\n`,
  );
  process.stdout.write(formatTable(rows));
  process.stdout.write(
    '\nSpeed ratios are throughput over throughput (above 1x: tsbatch is faster); RSS ratios are peak over peak.\n',
  );
  if (values.quick)
    process.stdout.write('--quick: a small file and one run; the goals are judged on the full run.\n');
}

try {
  await main(process.argv.slice(2));
} catch (error) {
  process.stderr.write(`pnpm bench: ${(error as Error).message}\n`);
  process.exitCode = error instanceof UsageError ? 2 : 1;
}
