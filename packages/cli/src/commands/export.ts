/**
 * `tsbatch export` (R-EXP-1): the records of a table (a local store's folder, or a running `tsbatch serve`) or of a
 * dry run whose time is in [start, end), as JSON Lines, Ion text or Ion binary. The rules live in @tsbatch/local's
 * openExport, shared with the server's route; this file reads the flags and writes the file.
 */
import { constants } from 'node:fs';
import { access } from 'node:fs/promises';
import path from 'node:path';
import {
  ExportError,
  formatInstant,
  openExport,
  type ExportErrorCode,
  type ExportRun,
  type ExportSource,
} from '@tsbatch/local';
import { stringOption, UsageError, type CommandSpec, type ParsedArgs } from '../internal/command.js';
import { elapsedLine } from '../internal/progress.js';
import { openExportOutput, OutputError, type ExportOutput } from '../internal/export-output.js';
import { createExportProgress } from '../internal/export-progress.js';
import { EXPORT_FORMATS, FORMAT_NAMES, writeExport, type ExportFormat } from '../internal/export-writers.js';

/**
 * [choice] Exit 1 when the export was refused or broke off but the same command may succeed later (two exports of
 * the table running, the endpoint unreachable); exit 2 when the command itself must change (bad flags or times,
 * start not before end, end in the future, no such table, not a store, a records file that is not one).
 */
const RETRYABLE: ReadonlySet<ExportErrorCode> = new Set(['EXPORT_LIMIT_EXCEEDED', 'EXPORT_ENDPOINT_FAILED']);

const INPUT = 'Input (exactly one)';
const RANGE = 'Range: the records whose time is in [start, end)';

export const exportCommand: CommandSpec = {
  name: 'export',
  summary: 'Write the records of a table or of a dry run whose time is in [start, end) as JSON Lines or Ion.',
  positionals: [],
  description: [
    'Reads the records of a table of the local endpoint (its --data-dir, or the running server at --endpoint-url) ' +
      'or of a dry run (its --records file), keeps those whose time is in [--start, --end), and writes them to --out. ' +
      'Times compare as exact instants whatever the TimeUnit of each record (a start of ' +
      '2024-05-01T12:00:00.000000001Z leaves out a record at 12:00:00 in SECONDS). A table gives the current version ' +
      'of each point, in the order stored; a records file gives its records in file order.',
    'Rules (R-EXP-1): the start must be before the end; the end must not be in the future (with --endpoint-url, of ' +
      "the server's clock); a start before the first record is clamped to it (a note on stderr says so); at most two " +
      'exports of a table run at once, whichever way they read it: a third is refused (exit 1), try again when one ' +
      'has finished. A records file has no table, so no such limit.',
    'Formats: json writes each record exactly as stored, one JSON object per line, with its values as strings as ' +
      'WriteRecords takes them. ion-text and ion-binary write the same members typed: Time and TIMESTAMP values as ' +
      "Ion timestamps with the digits of the record's TimeUnit (nanoseconds kept), BIGINT as int, BOOLEAN as bool, " +
      'VARCHAR as string, DOUBLE as decimal (its exact text: a float would round it), names and enums as strings.',
    '--out is written only when the export is complete (a failed or interrupted export leaves no file), and only ' +
      'as a regular file: a symbolic link, a device, a FIFO or a folder at --out is refused, never replaced. ' +
      '--out - writes to standard output. The summary goes to stdout (to stderr with --out -); progress goes to ' +
      'stderr (a line updated in place on a terminal, a plain line every 10 s otherwise).',
  ],
  options: [
    {
      name: 'data-dir',
      type: 'string',
      value: 'DIR',
      description:
        "The folder of a local store (tsbatch serve --data-dir). Read without opening it: works while 'tsbatch " +
        "serve' uses it, and sees the records stored when the export starts.",
      group: INPUT,
    },
    {
      name: 'endpoint-url',
      type: 'string',
      value: 'URL',
      description:
        "A running 'tsbatch serve' (the URL it prints); it reads its own store and applies its clock.",
      group: INPUT,
    },
    {
      name: 'records',
      type: 'string',
      value: 'FILE',
      description: "The --records file of 'tsbatch dry-run' (no --database or --table).",
      group: INPUT,
    },
    {
      name: 'database',
      type: 'string',
      value: 'NAME',
      description: 'The database of the table.',
      group: 'Table',
    },
    { name: 'table', type: 'string', value: 'NAME', description: 'The table to export.', group: 'Table' },
    {
      name: 'start',
      type: 'string',
      value: 'ISO8601',
      description: 'Inclusive start, a date-time with a zone, up to nanoseconds: 2024-05-01T00:00:00Z.',
      group: RANGE,
    },
    {
      name: 'end',
      type: 'string',
      value: 'ISO8601',
      description: 'Exclusive end, as --start; not in the future.',
      group: RANGE,
    },
    {
      name: 'format',
      type: 'string',
      value: EXPORT_FORMATS.join('|'),
      description: 'json: JSON Lines; ion-text, ion-binary: Amazon Ion (typed values, see above).',
      defaultText: 'json',
      group: 'Output',
    },
    {
      name: 'out',
      type: 'string',
      value: 'FILE',
      description:
        'The file to write (created, or replaced if it is a regular file), or - for standard output.',
      group: 'Output',
    },
  ],
  examples: [
    {
      command:
        'tsbatch export --data-dir .tsbatch/local --database fleet --table metrics ' +
        '--start 2024-05-01T00:00:00Z --end 2024-05-02T00:00:00Z --out day.jsonl',
      note: "One day of a local table as JSON Lines (the folder of 'tsbatch serve', running or not).",
    },
    {
      command:
        'tsbatch export --endpoint-url http://127.0.0.1:8000 --database fleet --table metrics ' +
        '--start 2024-05-01T00:00:00Z --end 2024-05-01T00:00:00.000001Z --format ion-binary --out first-us.ion',
      note: 'The records of the first microsecond, from a running server, as Ion binary.',
    },
    {
      command:
        'tsbatch dry-run task.json --source data/ --records predicted.jsonl && tsbatch export --records ' +
        'predicted.jsonl --start 1970-01-01T00:00:00Z --end 2024-05-01T00:00:00Z --format ion-text --out predicted.ion',
      note: 'What a dry run would write, as Ion text (the start is clamped to the first record).',
    },
  ],
  exitCodes: [
    [0, 'the export is written'],
    [
      1,
      'refused or failed, may succeed later: two exports of the table are running, the endpoint failed, ' +
        'the output file could not be written',
    ],
    [
      2,
      'usage error: flags, times, start not before end, end in the future, no such table, not a store, ' +
        '--out not a regular file',
    ],
    [130, 'interrupted (Ctrl-C); nothing written'],
  ],
  async run(args, io): Promise<number> {
    const source = sourceOf(args, io.cwd);
    const database = stringOption(args, 'database');
    const table = stringOption(args, 'table');
    if (source.kind === 'records-file') {
      if (database !== undefined || table !== undefined) {
        throw new UsageError(
          '--records exports a dry run, which has no tables: leave out --database and --table',
        );
      }
    } else if (database === undefined || table === undefined) {
      throw new UsageError(`exporting a table needs --database and --table`);
    }
    const start = required(args, 'start');
    const end = required(args, 'end');
    const format = formatOf(stringOption(args, 'format'));
    const outFlag = required(args, 'out');
    const out = outFlag === '-' ? '-' : path.resolve(io.cwd, outFlag);
    if (out !== '-') {
      try {
        await access(path.dirname(out), constants.W_OK);
      } catch {
        throw new UsageError(`cannot write ${out}: its folder does not exist or is not writable`);
      }
    }
    // With --out -, stdout carries the records: the summary and notes go to stderr.
    const report = out === '-' ? io.stderr : io.stdout;

    const abort = new AbortController();
    const onSignal = (): void => abort.abort();
    process.once('SIGINT', onSignal);
    const started = Date.now();
    let run: ExportRun | null = null;
    let output: ExportOutput | null = null;
    const what =
      source.kind === 'records-file' ? `of ${shown(io.cwd, source.file)}` : `of ${database!}.${table!}`;
    try {
      run = await openExport({
        source,
        ...(database !== undefined && { database }),
        ...(table !== undefined && { table }),
        start,
        end,
        signal: abort.signal,
      });
      output = await openExportOutput(out, io.stdout);
      const progress = createExportProgress(io.stderr, what.slice(3));
      try {
        await writeExport(run.chunks(), format, output, (n) => progress.update(n));
      } finally {
        progress.stop();
      }
      await output.commit();
      output = null;
      const s = run.summary;
      if (s.clamped && s.firstRecordTime !== null) {
        io.stderr.write(
          `note: the start ${formatInstant(s.start)} is before the first record ` +
            `(${formatInstant(s.firstRecordTime)}): the export starts there (R-EXP-1)\n`,
        );
      }
      const from = formatInstant(s.clamped && s.firstRecordTime !== null ? s.firstRecordTime : s.start);
      const to = out === '-' ? 'standard output' : shown(io.cwd, out);
      report.write(
        `Exported ${s.records} record${s.records === 1 ? '' : 's'} ${what} with time in [${from}, ` +
          `${formatInstant(s.end)}) to ${to} (${FORMAT_NAMES[format]}).\n` +
          `  elapsed      ${elapsedLine(Date.now() - started, s.records, 'records')}\n`,
      );
      return 0;
    } catch (error) {
      await output?.abort();
      if (abort.signal.aborted) {
        io.stderr.write(
          out === '-'
            ? 'Interrupted: the export stopped; standard output has only part of the records.\n'
            : 'Interrupted: the export stopped; nothing was written.\n',
        );
        return 130;
      }
      if (error instanceof ExportError) {
        io.stderr.write(`tsbatch export: ${error.message} [${error.code}]\n`);
        return RETRYABLE.has(error.code) ? 1 : 2;
      }
      if (error instanceof OutputError) {
        io.stderr.write(`tsbatch export: ${error.message}\n`);
        return error.code === 'CLI_OUTPUT_REFUSED' ? 2 : 1;
      }
      throw error;
    } finally {
      process.off('SIGINT', onSignal);
      await run?.close();
    }
  },
};

function shown(cwd: string, file: string): string {
  const relative = path.relative(cwd, file);
  return relative === '' || relative.startsWith('..') ? file : relative;
}

function sourceOf(args: ParsedArgs, cwd: string): ExportSource {
  const dataDir = stringOption(args, 'data-dir');
  const url = stringOption(args, 'endpoint-url');
  const records = stringOption(args, 'records');
  const given = [dataDir, url, records].filter((x) => x !== undefined).length;
  if (given !== 1) {
    throw new UsageError(
      `give exactly one of --data-dir, --endpoint-url and --records${given === 0 ? '' : ` (got ${given})`}`,
    );
  }
  if (dataDir !== undefined) return { kind: 'data-dir', dataDir: path.resolve(cwd, dataDir) };
  if (url !== undefined) return { kind: 'endpoint', url };
  return { kind: 'records-file', file: path.resolve(cwd, records!) };
}

function required(args: ParsedArgs, name: string): string {
  const value = stringOption(args, name);
  if (value === undefined) throw new UsageError(`missing --${name}`);
  return value;
}

function formatOf(text: string | undefined): ExportFormat {
  if (text === undefined) return 'json';
  if ((EXPORT_FORMATS as readonly string[]).includes(text)) return text as ExportFormat;
  throw new UsageError(`--format must be one of ${EXPORT_FORMATS.join(', ')}, got '${text}'`);
}
