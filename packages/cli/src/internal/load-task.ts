import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { CsvConfiguration, SourceLocation } from '@tsbatch/core';
import { parseJsonText, validateTask, type ValidationResult } from '@tsbatch/validator';
import { booleanOption, stringOption, UsageError, type OptionSpec, type ParsedArgs } from './command.js';
import { PROFILE_OPTION, S3_ENDPOINT_OPTION, s3LocationOf } from './aws-flags.js';

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
  PROFILE_OPTION,
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

/** R-IN-5: an unreadable or non-JSON task file is a usage error naming the file, line and column. */
export async function readJsonFile(file: string, cwd: string, what = 'task file'): Promise<unknown> {
  const full = path.resolve(cwd, file);
  let text: string;
  try {
    text = await readFile(full, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const why =
      code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a folder' : (code ?? 'unreadable');
    throw new UsageError(`cannot read ${what} ${file}: ${why}`);
  }
  const parsed = parseJsonText(text);
  if (!parsed.ok) {
    throw new UsageError(`${file}:${parsed.line}:${parsed.column}: not valid JSON: ${parsed.message}`);
  }
  return parsed.value;
}

export interface LoadedTask {
  file: string;
  result: ValidationResult;
  location: SourceLocation | undefined;
}

/**
 * Reads and validates the task named by the first positional argument (R-IN-1, R-IN-2). Without --source or
 * --s3-root the task's buckets are read from S3 (R-S3-1) when `s3` says so: always (commands that read the rows),
 * or only when asked (`validate --s3`, or an S3 flag given).
 */
export async function loadTask(
  args: ParsedArgs,
  cwd: string,
  encoding?: string,
  s3: 'without-local' | 'when-asked' = 'without-local',
  validate: { sourceLimits?: boolean } = {},
): Promise<LoadedTask> {
  const file = args.positionals[0]!;
  const json = await readJsonFile(file, cwd);
  const asked =
    booleanOption(args, 's3') ||
    stringOption(args, 's3-endpoint-url') !== undefined ||
    stringOption(args, 'profile') !== undefined;
  const location =
    sourceLocation(args, cwd) ?? (s3 === 'without-local' || asked ? s3LocationOf(args) : undefined);
  const csv = csvFlags(args);
  const result = await validateTask(json, {
    ...(location !== undefined && { location }),
    ...(csv !== undefined && { csv }),
    ...(encoding !== undefined && { encoding }),
    ...(validate.sourceLimits !== undefined && { sourceLimits: validate.sourceLimits }),
  });
  return { file, result, location };
}

/** A source that cannot be listed; for S3 (R-S3-1) also the flags that read local files instead. */
export function sourceProblem(message: string, location: SourceLocation): string {
  return location.reader === undefined
    ? message
    : `${message} (for files on disk give --source PATH or --s3-root DIR)`;
}
