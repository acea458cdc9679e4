/**
 * `tsbatch init` as a library (issue 19): a CreateBatchLoadTask proposed from CSV files, exactly in the API shape
 * (R-IN-1), with a note per choice. Reads a sample of rows (every row with `full`) through core's reader, guesses
 * the CSV options (sniff-csv.ts), profiles the columns (column-profile.ts), chooses the model (infer-model.ts),
 * validates the proposal with this package's own checks, and runs it over the rows it read (check-proposal.ts) so
 * the report names every cell that would fail. Files come through `readFile`: local files by default, any other
 * reader (an S3 one) plugs in there.
 */
import {
  readCsvBytes,
  readFileChunks,
  type CreateBatchLoadTaskRequest,
  type Failure,
  type ResolvedCsvOptions,
  type ResolvedSource,
  type SourceFile,
  type SourceLocation,
} from '@tsbatch/core';
import type { ValidationIssue } from '../issue.js';
import { validateTask } from '../validate-task.js';
import { checkByDryRun, checkSample, type ProposalCheck, type SampledFile } from './check-proposal.js';
import { ColumnProfile, NULL_MARKERS } from './column-profile.js';
import { inferModel, type InferNote } from './infer-model.js';
import { sniffCsv } from './sniff-csv.js';

export type { InferNote } from './infer-model.js';
export type { BadCells, ProposalCheck } from './check-proposal.js';

export interface InferOptions {
  /** TargetDatabaseName. @default 'my_database' (a placeholder the report points out) */
  database?: string;
  /** TargetTableName. @default 'my_table' */
  table?: string;
  /** The source bucket. @default 'my-batch-load-bucket' */
  bucket?: string;
  /** ObjectKeyPrefix. @default the first file's key */
  prefix?: string;
  /** The error report's bucket. @default the source bucket */
  reportBucket?: string;
  /** TargetMultiMeasureName. @default 'metrics' */
  measureName?: string;
  /** The time column, instead of the one the data suggests. */
  timeColumn?: string;
  /** Read every row (exact profile, and a full dry run of the proposal) instead of a sample. @default false */
  full?: boolean;
  /** Rows sampled over all files (at least 100 of each file). @default 10_000 */
  sampleRows?: number;
  /** Where the files are, for the validation's header checks (R-VAL-8). */
  location?: SourceLocation;
  /** Reads a file's bytes from its start. @default local files (core's readFileChunks) */
  readFile?: (file: SourceFile, signal?: AbortSignal) => AsyncIterable<Uint8Array>;
  signal?: AbortSignal;
}

export const INFER_ERROR_CODES = [
  'INIT_NO_FILES',
  'INIT_FILE_FAILURE',
  'INIT_NO_HEADER',
  'INIT_NO_TIME_COLUMN',
  'INIT_NO_DIMENSION',
  'INIT_NO_MEASURE',
  'INIT_INVALID_PROPOSAL',
] as const;
export type InferProblemCode = (typeof INFER_ERROR_CODES)[number];

export interface InferResult {
  /** A task was proposed (it may still need its times converted: `conversion`). */
  ok: boolean;
  request?: CreateBatchLoadTaskRequest;
  notes: InferNote[];
  /** Why no task could be proposed. */
  problem?: { code: InferProblemCode; message: string };
  /** What converting the time column takes, when it holds text times (R-TIME-1). */
  conversion: string | null;
  check?: ProposalCheck;
  /** Warnings of the validation of the proposal (e.g. columns left unmapped). */
  warnings: ValidationIssue[];
}

const SNIFF_BYTES = 256 * 1024;
const READ_BYTES = 64 * 1024;

const localRead = (file: SourceFile, signal?: AbortSignal): AsyncIterable<Uint8Array> =>
  readFileChunks(file.path, READ_BYTES, signal);

async function firstBytes(
  read: AsyncIterable<Uint8Array>,
  max: number,
): Promise<{ bytes: Buffer; complete: boolean }> {
  const parts: Buffer[] = [];
  let length = 0;
  for await (const chunk of read) {
    parts.push(Buffer.from(chunk));
    length += chunk.length;
    if (length >= max) return { bytes: Buffer.concat(parts).subarray(0, max), complete: false };
  }
  return { bytes: Buffer.concat(parts), complete: true };
}

/** Header cells that read as numbers or times: the first line is data, not names (R-CSV-3 needs names). */
function looksLikeData(header: string[]): boolean {
  const data = header.filter(
    (h) => /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(h.trim()) || /^\d{4}-\d{2}-\d{2}/.test(h),
  );
  return data.length * 2 >= header.length;
}

interface Profiled {
  profiles: ColumnProfile[];
  files: SampledFile[];
  rows: number;
  notes: InferNote[];
}

async function profile(
  source: ResolvedSource,
  csv: ResolvedCsvOptions,
  header: string[],
  options: InferOptions,
): Promise<Profiled> {
  const read = options.readFile ?? localRead;
  const full = options.full === true;
  const perFile = Math.max(100, Math.ceil((options.sampleRows ?? 10_000) / source.files.length));
  const profiles = header.map((h) => new ColumnProfile(h));
  const files: SampledFile[] = [];
  const notes: InferNote[] = [];
  let rows = 0;
  for (const file of source.files) {
    const sampled: SampledFile = { key: file.key, header: [], rows: [], failures: [] };
    let index: number[] = [];
    let taken = 0;
    let complete = true;
    reading: for await (const batch of readCsvBytes(file, read(file, options.signal), csv)) {
      for (const event of batch) {
        if (event.type === 'file-start') {
          sampled.header = event.header;
          index = header.map((h) => event.header.indexOf(h));
          const missing = header.filter((_, i) => index[i] === -1);
          const extra = event.header.filter((h) => !header.includes(h));
          if (missing.length + extra.length > 0) {
            notes.push({
              topic: 'source',
              text: `${file.key}: header differs from the first file's (missing: ${missing.join(', ') || 'none'}; extra: ${extra.join(', ') || 'none'})`,
            });
          }
        } else if (event.type === 'file-failure') {
          notes.push({
            topic: 'source',
            text: `${file.key}: ${event.failure.detail} [${event.failure.code}]: this file would fail as a whole (R-COUNT-2)`,
          });
        } else if (event.type === 'row-failure') {
          sampled.failures.push({ line: event.line, failure: event.failure });
          taken++;
        } else if (event.type === 'row') {
          for (let i = 0; i < profiles.length; i++) {
            const at = index[i]!;
            if (at === -1) continue;
            const cell = event.cells[at]!;
            profiles[i]!.add(cell, cell === '');
          }
          if (!full) sampled.rows.push({ line: event.line, cells: event.cells });
          taken++;
        }
        if (!full && taken >= perFile) {
          complete = false;
          break reading;
        }
      }
    }
    rows += taken;
    files.push(sampled);
    notes.push({
      topic: 'source',
      text: `${file.key}: ${taken} rows read${complete ? ' (the whole file)' : ` (a sample: the first ${taken}; --full reads every row)`}`,
    });
  }
  return { profiles, files, rows, notes };
}

/** [choice] A null marker is taken as NullValue when it appears in two columns or more (a file-wide convention). */
function chooseNullValue(profiles: ColumnProfile[]): { marker: string; columns: string[] } | null {
  let best: { marker: string; columns: string[]; cells: number } | null = null;
  for (const marker of NULL_MARKERS) {
    const columns = profiles.filter((p) => (p.markers.get(marker) ?? 0) > 0);
    const cells = columns.reduce((n, p) => n + p.markers.get(marker)!, 0);
    if (columns.length >= 2 && (best === null || cells > best.cells))
      best = { marker, columns: columns.map((p) => p.name), cells };
  }
  return best;
}

function problem(code: InferProblemCode, message: string, notes: InferNote[] = []): InferResult {
  return { ok: false, problem: { code, message }, notes, conversion: null, warnings: [] };
}

function fileProblem(file: SourceFile, failure: Failure): InferResult {
  return problem('INIT_FILE_FAILURE', `${file.key}: ${failure.detail} [${failure.code}]`);
}

/** Proposes a task for the files of `source` (see the file's comment). Never throws for bad data. */
export async function inferTask(source: ResolvedSource, options: InferOptions = {}): Promise<InferResult> {
  const first = source.files[0];
  if (first === undefined) return problem('INIT_NO_FILES', 'no file to read');
  const read = options.readFile ?? localRead;
  const start = await firstBytes(read(first, options.signal), SNIFF_BYTES);
  const sniffed = await sniffCsv(first, start.bytes, start.complete);
  if (!sniffed.ok) return fileProblem(first, sniffed.failure);
  const { csv, header } = sniffed.sniffed;
  if (looksLikeData(header)) {
    return problem(
      'INIT_NO_HEADER',
      `${first.key}: the first line (${header.slice(0, 6).join(', ')}) looks like data: batch load reads the first line as the header (R-CSV-3); add a line of column names`,
    );
  }
  const notes: InferNote[] = sniffed.sniffed.reasons.map((text) => ({ topic: 'csv', text }));
  const profiled = await profile(source, csv, header, options);
  notes.push(...profiled.notes);
  const nullValue = chooseNullValue(profiled.profiles);
  if (nullValue !== null) {
    csv.nullValue = nullValue.marker;
    for (const p of profiled.profiles) p.treatAsNull(nullValue.marker);
    notes.push({
      topic: 'csv',
      text: `NullValue ${JSON.stringify(nullValue.marker)}: it stands in ${nullValue.columns.length} columns (${nullValue.columns.join(', ')}) where a value is missing (R-CSV-7)`,
    });
  }
  const chosen = inferModel(profiled.profiles, {
    ...(options.timeColumn !== undefined && { timeColumn: options.timeColumn }),
    ...(options.measureName !== undefined && { measureName: options.measureName }),
  });
  if (!chosen.ok) return problem(chosen.code, chosen.message, notes);
  notes.push(...chosen.choice.notes);
  const request = buildRequest(first, csv, chosen.choice.model, options);
  const validation = await validateTask(request, {
    kind: 'task',
    ...(options.location !== undefined && { location: options.location }),
  });
  if (!validation.ok || validation.task === undefined) {
    const errors = validation.issues.filter((i) => i.severity === 'error');
    return problem(
      'INIT_INVALID_PROPOSAL',
      `the proposal fails validation: ${errors.map((i) => `${i.path}: ${i.message}`).join('; ')}`,
      notes,
    );
  }
  const check =
    options.full === true
      ? await checkByDryRun(validation.task, source, options.signal)
      : checkSample(validation.task, profiled.files);
  return {
    ok: true,
    request,
    notes,
    conversion: chosen.choice.conversion,
    check,
    warnings: validation.issues.filter((i) => i.severity === 'warning'),
  };
}

function buildRequest(
  first: SourceFile,
  csv: ResolvedCsvOptions,
  model: NonNullable<CreateBatchLoadTaskRequest['DataModelConfiguration']>['DataModel'] & object,
  options: InferOptions,
): CreateBatchLoadTaskRequest {
  const bucket = options.bucket ?? 'my-batch-load-bucket';
  const csvConfiguration: NonNullable<
    CreateBatchLoadTaskRequest['DataSourceConfiguration']['CsvConfiguration']
  > = {};
  if (csv.columnSeparator !== ',') csvConfiguration.ColumnSeparator = csv.columnSeparator;
  if (csv.quoteChar !== '"') csvConfiguration.QuoteChar = csv.quoteChar;
  if (csv.escapeChar !== null) csvConfiguration.EscapeChar = csv.escapeChar;
  if (csv.nullValue !== null) csvConfiguration.NullValue = csv.nullValue;
  if (csv.trimWhiteSpace) csvConfiguration.TrimWhiteSpace = true;
  return {
    TargetDatabaseName: options.database ?? 'my_database',
    TargetTableName: options.table ?? 'my_table',
    DataModelConfiguration: { DataModel: model },
    DataSourceConfiguration: {
      DataSourceS3Configuration: { BucketName: bucket, ObjectKeyPrefix: options.prefix ?? first.key },
      ...(Object.keys(csvConfiguration).length > 0 && { CsvConfiguration: csvConfiguration }),
      DataFormat: 'CSV',
    },
    ReportConfiguration: {
      ReportS3Configuration: {
        BucketName: options.reportBucket ?? bucket,
        ObjectKeyPrefix: 'batch-load-reports/',
        EncryptionOption: 'SSE_S3',
      },
    },
  };
}
