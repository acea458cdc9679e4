import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { CsvConfiguration, ResolvedSource, ResolvedTask, SourceLocation } from '@tsbatch/core';
import {
  LOCATION_CODES,
  parseJsonText,
  validateTask,
  type ValidationIssue,
  type ValidationResult,
} from '@tsbatch/validator';
import { CliError, UsageError } from './cli-error.js';
import { booleanOption, stringOption, type Io, type OptionSpec, type ParsedArgs } from './command.js';
import { formatReport } from './validation-report.js';
import { S3_ENDPOINT_OPTION, s3Location } from './aws-settings.js';

/** Flags that say where the task's S3 objects are on disk (R-IN-3). */
export const SOURCE_OPTIONS: OptionSpec[] = [
  {
    name: 'source',
    type: 'string',
    value: 'PATH',
    description:
      'The CSV file, or a folder standing for the ObjectKeyPrefix (every file under it, in key order).',
    group: 'Source (R-IN-3)',
  },
  {
    name: 's3-root',
    type: 'string',
    value: 'DIR',
    description: 'Folder holding one folder per bucket: DIR/<BucketName>/<ObjectKeyPrefix> is the prefix.',
    group: 'Source (R-IN-3)',
  },
  S3_ENDPOINT_OPTION,
];

/** CSV flags for a bare DataModel file (R-IN-2), which carries no CsvConfiguration of its own. */
export const DATA_MODEL_OPTIONS: OptionSpec[] = [
  {
    name: 'column-separator',
    type: 'string',
    value: 'C',
    description: "One of , | ; tab space (write 'tab' and 'space' as words).",
    defaultText: ',',
    group: 'Bare DataModel files (R-IN-2)',
  },
  {
    name: 'quote-char',
    type: 'string',
    value: 'C',
    description: `" or '.`,
    defaultText: '"',
    group: 'Bare DataModel files (R-IN-2)',
  },
  {
    name: 'escape-char',
    type: 'string',
    value: 'C',
    description: 'Escape character (default: none; a doubled quote is a literal quote).',
    group: 'Bare DataModel files (R-IN-2)',
  },
  {
    name: 'null-value',
    type: 'string',
    value: 'TEXT',
    description: 'Cell text that means null (default: only empty cells are null).',
    group: 'Bare DataModel files (R-IN-2)',
  },
  {
    name: 'trim-white-space',
    type: 'boolean',
    description: 'Trim spaces around cells and header names.',
    group: 'Bare DataModel files (R-IN-2)',
  },
];

export function sourceLocation(args: ParsedArgs, cwd: string): SourceLocation | undefined {
  const source = stringOption(args, 'source');
  const s3Root = stringOption(args, 's3-root');
  if (source !== undefined && s3Root !== undefined) {
    throw new UsageError('give either --source or --s3-root, not both');
  }
  if (source !== undefined) return { source: path.resolve(cwd, source) };
  if (s3Root !== undefined) return { s3Root: path.resolve(cwd, s3Root) };
  return undefined;
}

function separatorFlag(value: string): string {
  const words: Record<string, string> = {
    tab: '\t',
    '\\t': '\t',
    space: ' ',
    comma: ',',
    pipe: '|',
    semicolon: ';',
  };
  return words[value.toLowerCase()] ?? value;
}

export function csvFlags(args: ParsedArgs): CsvConfiguration | undefined {
  const csv: CsvConfiguration = {};
  const sep = stringOption(args, 'column-separator');
  if (sep !== undefined) csv.ColumnSeparator = separatorFlag(sep);
  const quote = stringOption(args, 'quote-char');
  if (quote !== undefined) csv.QuoteChar = quote;
  const escape = stringOption(args, 'escape-char');
  if (escape !== undefined) csv.EscapeChar = escape;
  const nullValue = stringOption(args, 'null-value');
  if (nullValue !== undefined) csv.NullValue = nullValue;
  if (booleanOption(args, 'trim-white-space')) csv.TrimWhiteSpace = true;
  return Object.keys(csv).length === 0 ? undefined : csv;
}

/** `--cli-input-json`: what `aws timestream-write create-batch-load-task` takes, here an alias of TASK. */
export const CLI_INPUT_JSON_OPTION: OptionSpec = {
  name: 'cli-input-json',
  type: 'string',
  value: 'TASK',
  description:
    'The task, as the AWS CLI takes it: file://task.json, a path, - for standard input, or the JSON text itself. ' +
    'Stands for the TASK argument.',
  group: 'Task',
};

/** The positional that --cli-input-json stands for (CommandSpec.positionalFlags). */
export const TASK_POSITIONAL = { name: 'TASK', required: true } as const;
export const TASK_FLAGS = { 'cli-input-json': 'TASK' } as const;

/** A JSON argument and how to name it in messages. */
interface JsonArgument {
  shown: string;
  text: string;
}

/**
 * Issue 18, AWS CLI habits: `file://path` (the AWS CLI's form), a plain path, `-` (standard input), or the JSON text
 * itself. R-IN-5: an unreadable argument is a usage error naming it.
 */
async function readArgument(arg: string, io: Pick<Io, 'cwd' | 'stdin'>, what: string): Promise<JsonArgument> {
  if (arg === '-') return { shown: '<stdin>', text: await readAll(io.stdin ?? process.stdin) };
  if (/^\s*[{[]/.test(arg)) return { shown: `<${what} text>`, text: arg };
  const file = arg.startsWith('file://') ? arg.slice('file://'.length) : arg;
  try {
    return { shown: file, text: await readFile(path.resolve(io.cwd, file), 'utf8') };
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const why =
      code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a folder' : (code ?? 'unreadable');
    throw new UsageError(`cannot read ${what} ${file}: ${why}`, 'TASK_UNREADABLE');
  }
}

async function readAll(stream: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
  return Buffer.concat(chunks).toString('utf8');
}

/** R-IN-5: an unreadable or non-JSON file is a usage error naming the file, line and column. */
export async function readJsonFile(
  arg: string,
  io: Pick<Io, 'cwd' | 'stdin'>,
  what = 'task file',
): Promise<unknown> {
  return (await readJsonArgument(arg, io, what)).value;
}

/** readJsonFile, with how the argument is named in messages (`<stdin>`, the path). */
async function readJsonArgument(
  arg: string,
  io: Pick<Io, 'cwd' | 'stdin'>,
  what: string,
): Promise<{ shown: string; value: unknown }> {
  const { shown, text } = await readArgument(arg, io, what);
  const parsed = parseJsonText(text);
  if (!parsed.ok) {
    throw new UsageError(
      `${shown}:${parsed.line}:${parsed.column}: not valid JSON: ${parsed.message}`,
      'TASK_NOT_JSON',
    );
  }
  return { shown, value: parsed.value };
}

/** The TASK argument, or --cli-input-json standing for it. */
export function taskArgument(args: ParsedArgs, index = 0): string {
  const arg = args.positionals[index] ?? stringOption(args, 'cli-input-json');
  if (arg === undefined) throw new UsageError('missing TASK');
  return arg;
}

export interface LoadedTask {
  /** How the task is named in messages. */
  file: string;
  result: ValidationResult;
  location: SourceLocation | undefined;
}

/** How loadTask finds the data, beyond --source and --s3-root. */
export interface LoadTaskOptions {
  /** Which positional is TASK. @default 0 */
  index?: number;
  /**
   * R-S3-1: without --source or --s3-root, read the task's buckets from S3 always (commands that read the rows), or
   * only when asked (`validate --s3`, or --s3-endpoint-url / --profile given). @default 'without-local'
   */
  s3?: 'without-local' | 'when-asked';
  /** R-VAL-9's source quotas (a plan's source may exceed one task's). @default true */
  sourceLimits?: boolean;
}

/** Reads and validates the task named by TASK (R-IN-1, R-IN-2), its data on disk or in S3 (R-S3-1). */
export async function loadTask(
  args: ParsedArgs,
  io: Pick<Io, 'cwd' | 'stdin'>,
  encoding?: string,
  options: LoadTaskOptions = {},
): Promise<LoadedTask> {
  const { shown, value: json } = await readJsonArgument(taskArgument(args, options.index), io, 'task file');
  const asked =
    booleanOption(args, 's3') ||
    stringOption(args, 's3-endpoint-url') !== undefined ||
    stringOption(args, 'profile') !== undefined;
  const location =
    sourceLocation(args, io.cwd) ??
    ((options.s3 ?? 'without-local') === 'without-local' || asked
      ? await s3Location(args, io.cwd)
      : undefined);
  const csv = csvFlags(args);
  const result = await validateTask(json, {
    ...(location !== undefined && { location }),
    ...(csv !== undefined && { csv }),
    ...(encoding !== undefined && { encoding }),
    ...(options.sourceLimits !== undefined && { sourceLimits: options.sourceLimits }),
  });
  return { file: shown, result, location };
}

/**
 * The task and its files, ready to run, or a CliError: TASK_INVALID with the issues (exit 2), or SOURCE_NOT_FOUND
 * (exit 2) when the data is not where the location says: a wrong --s3-root is not an invalid task (issue 18).
 */
export function runnable(
  loaded: LoadedTask,
  command: string,
): {
  task: ResolvedTask;
  source: ResolvedSource;
  warnings: ValidationIssue[];
  fileErrors: ValidationIssue[];
} {
  const { result, location, file } = loaded;
  const misplaced = result.issues.filter((i) => i.severity === 'error' && LOCATION_CODES.has(i.code));
  if (misplaced.length > 0) {
    const where = location === undefined ? '' : ` (${locationFlag(location)})`;
    throw new CliError(
      'SOURCE_NOT_FOUND',
      `the data is not where the location says${where}: ${misplaced.map((i) => i.message).join('; ')}`,
      2,
      {
        issues: misplaced,
        hint: '--s3-root DIR reads bucket B from DIR/B; --source PATH names the file or the folder of the prefix.',
      },
    );
  }
  if (result.task === undefined) {
    throw new CliError('TASK_INVALID', 'The task is invalid; nothing was run.', 2, {
      issues: result.issues,
      text: formatReport(file, result.issues),
    });
  }
  if (location === undefined || result.source === undefined) {
    throw new UsageError(`${command} needs --source PATH or --s3-root DIR: where the CSV files are`);
  }
  return {
    task: result.task,
    source: result.source,
    warnings: result.issues.filter((i) => i.severity === 'warning'),
    fileErrors: result.issues.filter((i) => i.severity === 'error'),
  };
}

function locationFlag(location: SourceLocation): string {
  if (location.s3Root !== undefined) return `--s3-root ${location.s3Root}`;
  if (location.source !== undefined) return `--source ${location.source}`;
  // R-S3-1: the buckets were read from S3; files on disk need a flag.
  return 'read from S3; for files on disk give --source PATH or --s3-root DIR';
}

/** A source that cannot be listed; for S3 (R-S3-1) also the flags that read local files instead. */
export function sourceProblem(message: string, location: SourceLocation): string {
  return location.reader === undefined
    ? message
    : `${message} (for files on disk give --source PATH or --s3-root DIR)`;
}
