/**
 * Shared by the fuzz suites (issue 7, "Hostile CSV"): the two example tasks resolved as the validator resolves them
 * (test/hostile-cli.test.ts checks they still are), their real files, seeded mutations of real files, and one
 * checked dry run that asserts the counting invariants on any input (R-COUNT-1/2, R-REP-2/3).
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'vitest';

import {
  dryRun,
  dryRunInRanges,
  runRangeJob,
  readCsvBytes,
  readRows,
  type SourceEvent,
  type SourceFile,
  type DryRunOptions,
  type DryRunResult,
  type FailureCode,
  type RejectEntry,
  type ResolvedSource,
  type ResolvedTask,
  type TableRetention,
} from '../src/index.js';
import { fleetTask } from './dry-run-fixtures.js';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

/** TSBATCH_LONG=1 runs the long profile; TSBATCH_FUZZ_RUNS=N overrides the number of runs of each property. */
export const LONG = process.env.TSBATCH_LONG === '1';
export function fuzzRuns(quick: number, long: number): number {
  const forced = Number(process.env.TSBATCH_FUZZ_RUNS);
  if (Number.isInteger(forced) && forced > 0) return forced;
  return LONG ? long : quick;
}
/** Per-test timeout: the vitest default in the quick profile, an hour in the long one. */
export const FUZZ_TIMEOUT = LONG ? 3_600_000 : 30_000;
/** fast-check prints the seed of a failure; FC_SEED=<seed> replays it. */
export const fcOptions = process.env.FC_SEED === undefined ? {} : { seed: Number(process.env.FC_SEED) };

/** examples/fleet/table.json (R-IN-4) and the README's --now: rows outside the window are ingestion failures. */
export const FLEET_TABLE: TableRetention = {
  memoryStoreRetentionPeriodInHours: 1,
  magneticStoreRetentionPeriodInDays: 3650,
  enableMagneticStoreWrites: true,
};
export const FLEET_NOW = new Date('2024-05-01T01:30:00Z');
/** The README's sensors run: --memory-retention-hours 24 --magnetic-writes (magnetic retention left at its default). */
export const SENSORS_TABLE: TableRetention = {
  memoryStoreRetentionPeriodInHours: 24,
  magneticStoreRetentionPeriodInDays: 73000,
  enableMagneticStoreWrites: true,
};
export const SENSORS_NOW = new Date('2024-05-01T02:00:00Z');

/** examples/sensors/task.json resolved: a mixed model with a MeasureNameColumn, `;` separator, NULL value. */
export function sensorsTask(): ResolvedTask {
  const attribute = (source: string, type: 'DOUBLE' | 'VARCHAR') =>
    ({ SourceColumn: source, TargetMultiMeasureAttributeName: source, MeasureValueType: type }) as const;
  return {
    request: {
      DataModelConfiguration: {
        DataModel: {
          TimeColumn: 'time',
          TimeUnit: 'MILLISECONDS',
          DimensionMappings: [
            { SourceColumn: 'device', DestinationColumn: 'device_id' },
            { SourceColumn: 'site', DestinationColumn: 'site' },
          ],
          MixedMeasureMappings: [
            {
              MeasureName: 'env',
              TargetMeasureName: 'environment',
              MeasureValueType: 'MULTI',
              MultiMeasureAttributeMappings: [
                attribute('temperature', 'DOUBLE'),
                attribute('humidity', 'DOUBLE'),
                attribute('note', 'VARCHAR'),
              ],
            },
            {
              MeasureName: 'state',
              SourceColumn: 'status',
              TargetMeasureName: 'device_state',
              MeasureValueType: 'VARCHAR',
            },
            {
              MeasureName: 'pulses',
              SourceColumn: 'count',
              TargetMeasureName: 'pulses',
              MeasureValueType: 'BIGINT',
            },
          ],
          MeasureNameColumn: 'measure_name',
        },
      },
      DataSourceConfiguration: {
        DataSourceS3Configuration: { BucketName: 'sensor-archive', ObjectKeyPrefix: '2024/05/' },
        CsvConfiguration: { ColumnSeparator: ';', NullValue: 'NULL' },
        DataFormat: 'CSV',
      },
      ReportConfiguration: {
        ReportS3Configuration: { BucketName: 'sensor-archive-reports', ObjectKeyPrefix: 'batch-load/' },
      },
      TargetDatabaseName: 'plant_telemetry',
      TargetTableName: 'sensor_readings',
      RecordVersion: 1,
    },
    database: 'plant_telemetry',
    table: 'sensor_readings',
    recordVersion: 1,
    source: { bucket: 'sensor-archive', prefix: '2024/05/' },
    report: { bucket: 'sensor-archive-reports', prefix: 'batch-load/' },
    csv: { columnSeparator: ';', quoteChar: '"', escapeChar: null, nullValue: 'NULL', trimWhiteSpace: false },
    model: {
      timeColumn: 'time',
      timeUnit: 'MILLISECONDS',
      dimensions: [
        { source: 'device', name: 'device_id' },
        { source: 'site', name: 'site' },
      ],
      measures: {
        kind: 'mixed',
        measureNameColumn: 'measure_name',
        mappings: [
          {
            match: 'env',
            measureName: 'environment',
            type: 'MULTI',
            source: null,
            attributes: [
              { source: 'temperature', name: 'temperature', type: 'DOUBLE' },
              { source: 'humidity', name: 'humidity', type: 'DOUBLE' },
              { source: 'note', name: 'note', type: 'VARCHAR' },
            ],
          },
          { match: 'state', measureName: 'device_state', type: 'VARCHAR', source: 'status', attributes: [] },
          { match: 'pulses', measureName: 'pulses', type: 'BIGINT', source: 'count', attributes: [] },
        ],
      },
    },
  };
}

/** One example: its task, the table and "now" of its README run, and its real files by key. */
export interface FuzzTarget {
  name: 'fleet' | 'sensors';
  task: ResolvedTask;
  table: TableRetention;
  now: Date;
  /** Where the task's source prefix is under an --s3-root (R-IN-3), and the task file. */
  taskFile: string;
  files: Record<string, Uint8Array>;
}

function exampleFiles(dir: string, keys: string[]): Record<string, Uint8Array> {
  const files: Record<string, Uint8Array> = {};
  for (const key of keys) files[key] = readFileSync(path.join(ROOT, dir, key));
  return files;
}

export const FLEET: FuzzTarget = {
  name: 'fleet',
  task: fleetTask(),
  table: FLEET_TABLE,
  now: FLEET_NOW,
  taskFile: 'examples/fleet/task.json',
  files: exampleFiles('examples/fleet/s3/test-batch-load-west-2', ['sample.csv']),
};

export const SENSORS: FuzzTarget = {
  name: 'sensors',
  task: sensorsTask(),
  table: SENSORS_TABLE,
  now: SENSORS_NOW,
  taskFile: 'examples/sensors/task.json',
  files: exampleFiles('examples/sensors/s3/sensor-archive', [
    '2024/05/part-0001.csv',
    '2024/05/part-0002.csv',
  ]),
};

export const TARGETS: FuzzTarget[] = [FLEET, SENSORS];

// ---- seeded mutations of real files ----

/** mulberry32, as bench/generate.ts: the same seed always gives the same mutations. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Byte sequences that hurt a CSV reader: quotes, CR, NUL, a BOM, invalid or cut UTF-8, separators, line ends. */
export const HOSTILE_INSERTS: readonly (readonly number[])[] = [
  [0x22], // "
  [0x22, 0x22],
  [0x27], // '
  [0x0d], // lone CR
  [0x0d, 0x0a],
  [0x0a],
  [0x00], // NUL
  [0xef, 0xbb, 0xbf], // UTF-8 BOM, mid-file
  [0xfe, 0xff], // UTF-16 BE BOM (invalid UTF-8)
  [0xff], // never valid in UTF-8
  [0xc3], // a cut 2-byte sequence
  [0xed, 0xa0, 0x80], // an encoded surrogate
  [0xc0, 0xaf], // an overlong encoding
  [0x2c], // ,
  [0x3b], // ;
  [0x5c], // \
  [0xf0, 0x9f, 0x98, 0x80], // 😀
];

export const MUTATIONS = ['flip', 'insert', 'truncate', 'duplicate-line', 'delete', 'splice'] as const;
export type MutationKind = (typeof MUTATIONS)[number];

/** Applies `count` seeded mutations to `input`; `other` is the source of splices. */
export function mutate(input: Uint8Array, other: Uint8Array, seed: number, count: number): Uint8Array {
  const random = prng(seed);
  const pick = (n: number): number => Math.floor(random() * n);
  let bytes = Buffer.from(input);
  for (let m = 0; m < count; m++) {
    const kind = MUTATIONS[pick(MUTATIONS.length)]!;
    const at = pick(bytes.length + 1);
    switch (kind) {
      case 'flip':
        if (bytes.length > 0) {
          const i = Math.min(at, bytes.length - 1);
          bytes[i] = bytes[i]! ^ (1 << pick(8));
        }
        break;
      case 'insert':
        bytes = Buffer.concat([
          bytes.subarray(0, at),
          Buffer.from(HOSTILE_INSERTS[pick(HOSTILE_INSERTS.length)]!),
          bytes.subarray(at),
        ]);
        break;
      case 'truncate':
        bytes = bytes.subarray(0, at);
        break;
      case 'duplicate-line': {
        const start = bytes.lastIndexOf(0x0a, at - 1) + 1;
        let end = bytes.indexOf(0x0a, at);
        end = end === -1 ? bytes.length : end + 1;
        bytes = Buffer.concat([bytes.subarray(0, end), bytes.subarray(start, end), bytes.subarray(end)]);
        break;
      }
      case 'delete':
        bytes = Buffer.concat([bytes.subarray(0, at), bytes.subarray(at + 1 + pick(16))]);
        break;
      case 'splice': {
        const from = pick(other.length + 1);
        const piece = other.subarray(from, from + pick(200));
        bytes = Buffer.concat([bytes.subarray(0, at), piece, bytes.subarray(at)]);
        break;
      }
    }
  }
  return bytes;
}

// ---- a checked dry run ----

/** A folder for the files of many runs; the same keys are overwritten run after run. */
export function scratchDir(): { dir: string; remove: () => void } {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'tsbatch-fuzz-'));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Writes `files` under `dir` and returns them as a source, in key order (R-IN-3). */
export function writeSource(dir: string, files: Record<string, Uint8Array | string>): ResolvedSource {
  const source: ResolvedSource = { files: [], totalBytes: 0 };
  for (const key of Object.keys(files).sort()) {
    const full = path.join(dir, key);
    mkdirSync(path.dirname(full), { recursive: true });
    const content = files[key]!;
    writeFileSync(full, content);
    const size = typeof content === 'string' ? Buffer.byteLength(content) : content.byteLength;
    source.files.push({ key, path: full, size });
    source.totalBytes += size;
  }
  return source;
}

export interface CheckedRun {
  result: DryRunResult;
  rejects: RejectEntry[];
  /** Lines of the rows that were ingested, per file. */
  ingested: Map<string, number[]>;
  elapsedMs: number;
}

/** Time a dry run may take on any input: generous for a shared 2-core CI machine (bench: ~16 MB/s). */
export function timeBoundMs(bytes: number): number {
  return 1000 + bytes / 1000; // 1 s + 1 µs per byte (1 MB/s)
}

/**
 * Runs the task over `files` with every failed row collected from `onReject`, and checks, whatever the input: the
 * counting invariant (R-COUNT-1), one reject entry per failed row and per failed file (R-REP-3), line numbers that
 * tile every non-blank line of each file (R-CSV-4/5), the error report's ranges (R-REP-2), and the time bound.
 */
export async function checkedDryRun(
  target: Pick<FuzzTarget, 'task' | 'table' | 'now'>,
  dir: string,
  files: Record<string, Uint8Array | string>,
  options: DryRunOptions = {},
): Promise<CheckedRun> {
  const source = writeSource(dir, files);
  const rejects: RejectEntry[] = [];
  const ingested = new Map<string, number[]>();
  const started = performance.now();
  const result = await dryRun(target.task, source, {
    table: target.table,
    now: target.now,
    ...options,
    onReject: (entry) => {
      rejects.push(entry);
    },
    onRecords: (file, line, records) => {
      expect(records.length).toBeGreaterThan(0);
      const lines = ingested.get(file) ?? [];
      lines.push(line);
      ingested.set(file, lines);
    },
  });
  const elapsedMs = performance.now() - started;
  expect(elapsedMs).toBeLessThan(timeBoundMs(source.totalBytes));
  checkCounts(result, rejects, ingested);
  for (const file of source.files) {
    const content = files[file.key]!;
    await checkLines(
      target.task,
      file,
      Buffer.from(content),
      rejects.filter((r) => r.file === file.key),
      ingested.get(file.key) ?? [],
      options,
    );
  }
  checkErrorReport(result, rejects);
  if (options.encoding === undefined) {
    // The parallel dry run (byte ranges, here in-process, about 16 a file, so that splits fall anywhere) must give the
    // same result and rejects, for every hostile input.
    const rangedRejects: RejectEntry[] = [];
    const ranged = await dryRunInRanges(target.task, source, (job) => runRangeJob(job), {
      table: target.table,
      now: target.now,
      ...options,
      rangeBytes: 1 + (source.totalBytes % 97) + Math.floor(source.totalBytes / 16),
      onReject: (entry) => {
        rangedRejects.push(entry);
      },
    });
    expect(ranged).toEqual(result);
    expect(rangedRejects).toEqual(rejects);
  }
  return { result, rejects, ingested, elapsedMs };
}

/** R-COUNT-1/2, R-REP-3: the invariant, and exactly one reject entry per failed row and per failed file. */
export function checkCounts(
  result: DryRunResult,
  rejects: RejectEntry[],
  ingested: Map<string, number[]>,
): void {
  const p = result.progress;
  expect(p.RecordsProcessed).toBe(p.RecordsIngested + p.ParseFailures + p.RecordIngestionFailures);
  const count = (kind: string): number => rejects.filter((r) => r.kind === kind).length;
  expect({
    parse: count('parse'),
    ingestion: count('ingestion'),
    file: count('file'),
    ingested: [...ingested.values()].reduce((n, lines) => n + lines.length, 0),
  }).toEqual({
    parse: p.ParseFailures,
    ingestion: p.RecordIngestionFailures,
    file: p.FileFailures,
    ingested: p.RecordsIngested,
  });
  expect(result.status).toBe(
    p.ParseFailures + p.RecordIngestionFailures + p.FileFailures > 0 ? 'FAILED' : 'SUCCEEDED',
  );
  expect(result.description.ProgressReport).toEqual(p);
  for (const r of rejects) {
    expect(r.reason.length).toBeGreaterThan(0);
    expect(r.lastLine).toBeGreaterThanOrEqual(r.line);
    expect(r.line).toBeGreaterThanOrEqual(1);
  }
}

/**
 * R-CSV-4/5, R-COUNT-1: per file, the reader's rows (read again, independently of the run) are exactly the run's
 * ingested and failed rows, line for line, in order; unless the file broke, every line no row occupies is blank,
 * so no row went uncounted; a file failure comes last, on a line after the rows read before it (R-COUNT-2).
 */
async function checkLines(
  task: ResolvedTask,
  file: SourceFile,
  content: Buffer,
  rejects: RejectEntry[],
  ingested: number[],
  options: DryRunOptions,
): Promise<void> {
  const key = file.key;
  const events: SourceEvent[] = [];
  const read = readRows({ files: [file], totalBytes: file.size }, task.csv, {
    ...(options.maxRowBytes !== undefined && { maxRowBytes: options.maxRowBytes }),
  });
  for await (const batch of read) events.push(...batch);
  const readerRows = events.flatMap((e) =>
    e.type === 'row' || e.type === 'row-failure'
      ? [{ line: e.line, lastLine: e.lastLine, code: e.type === 'row' ? null : e.failure.code }]
      : [],
  );
  const fileFailures = rejects.filter((r) => r.kind === 'file');
  expect(fileFailures.length).toBeLessThanOrEqual(1);
  const rowRejects = rejects.filter((r) => r.kind !== 'file');
  const missingColumn = fileFailures[0]?.code === 'FILE_MISSING_COLUMN';
  if (missingColumn) {
    // R-COUNT-2: a header without a mapped column fails the file; its rows are not counted.
    expect(rowRejects).toEqual([]);
    expect(ingested).toEqual([]);
  } else {
    const runRows = [
      ...rowRejects.map((r) => ({ line: r.line, lastLine: r.lastLine, code: r.code })),
      ...ingested.map((line) => ({ line, lastLine: -1, code: null as FailureCode | null })),
    ].sort((a, b) => a.line - b.line);
    expect(runRows.length, `${key}: rows of the run vs rows of the file`).toBe(readerRows.length);
    for (let i = 0; i < runRows.length; i++) {
      const run = runRows[i]!;
      const reader = readerRows[i]!;
      expect(run.line).toBe(reader.line);
      if (run.lastLine !== -1) expect(run.lastLine).toBe(reader.lastLine);
      // A row the reader could not split into cells is a parse failure with the reader's code (R-CSV-6).
      if (reader.code !== null) expect(run.code).toBe(reader.code);
    }
    const readerFailure = events.find((e) => e.type === 'file-failure');
    expect(fileFailures[0]?.code).toBe(readerFailure?.failure.code);
  }
  // Rejects come in input order (R-REP-3), the file failure last.
  expect(rowRejects.map((r) => r.line)).toEqual(rowRejects.map((r) => r.line).sort((a, b) => a - b));
  if (fileFailures.length > 0) expect(rejects.at(-1)).toBe(fileFailures[0]);

  const text = content.toString('latin1'); // one character per byte: lines split exactly on 0x0A
  const lines = text.split('\n');
  const lineCount = text.endsWith('\n') ? lines.length - 1 : lines.length;
  let next = 1;
  for (const row of readerRows) {
    expect(row.line, `${key}: row at line ${row.line} overlaps the previous one`).toBeGreaterThan(next - 1);
    expect(row.lastLine).toBeGreaterThanOrEqual(row.line);
    next = row.lastLine + 1;
  }
  expect(next - 1, `${key}: a row ends past the last line`).toBeLessThanOrEqual(Math.max(lineCount, 1));
  if (fileFailures.length === 0) {
    // Tiling: read the file again under a one-column header of our own, so that its own header is a row too,
    // with its lines (the same engine); then every line is in a row, or blank (R-CSV-4/5).
    const shifted: { line: number; lastLine: number }[] = [];
    const bytes = Buffer.concat([Buffer.from('h\n'), content]);
    const again = readCsvBytes({ ...file, size: bytes.length }, [bytes], task.csv, {
      ...(options.maxRowBytes !== undefined && { maxRowBytes: options.maxRowBytes }),
    });
    for await (const batch of again) {
      for (const e of batch) {
        if (e.type === 'row' || e.type === 'row-failure')
          shifted.push({ line: e.line - 1, lastLine: e.lastLine - 1 });
      }
    }
    // The first is the file's header; the others are the rows read above.
    expect(shifted.slice(1)).toEqual(readerRows.map(({ line, lastLine }) => ({ line, lastLine })));
    let covered = 1;
    for (const row of shifted) {
      for (let line = covered; line < row.line; line++)
        expect(blank(lines[line - 1]), `${key}:${line}`).toBe(true);
      covered = row.lastLine + 1;
    }
    for (let line = covered; line <= lineCount; line++)
      expect(blank(lines[line - 1]), `${key}:${line}`).toBe(true);
  } else if (!missingColumn) {
    // A file failure comes on a line after the rows read before it (R-COUNT-2).
    const failure = fileFailures[0]!;
    expect(failure.line).toBeGreaterThanOrEqual(next - 1);
    expect(failure.line).toBeLessThanOrEqual(lineCount + 1);
  }
}

/** A line csv-parse skips as blank (R-CSV-4): nothing, or only the CR of a CRLF. */
function blank(line: string | undefined): boolean {
  return line === '' || line === '\r';
}

/** R-REP-2: the error report exists exactly when something failed; its ranges cover exactly the failed rows' lines. */
function checkErrorReport(result: DryRunResult, rejects: RejectEntry[]): void {
  if (rejects.length === 0) {
    expect(result.errorReport).toBeNull();
    return;
  }
  const report = result.errorReport!;
  expect(report.taskId).toBe(result.taskId);
  const covered = (ranges: [number, number][]): number[] =>
    ranges.flatMap(([from, to]) => Array.from({ length: to - from + 1 }, (_, i) => from + i));
  const files = new Set(rejects.map((r) => r.file));
  expect(report.fileErrors.map((f) => f.fileName).sort()).toEqual([...files].sort());
  for (const fileErrors of report.fileErrors) {
    const mine = rejects.filter((r) => r.file === fileErrors.fileName && r.kind !== 'file');
    const expected = mine.flatMap((r) => covered([[r.line, r.lastLine]]));
    const reported = fileErrors.errors.flatMap((e) => covered(e.lineRanges));
    expect(reported.sort((a, b) => a - b)).toEqual(expected.sort((a, b) => a - b));
  }
}
