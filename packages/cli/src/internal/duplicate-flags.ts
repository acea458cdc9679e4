/**
 * The flags of the duplicate check (R-DUP-1) shared by dry-run, ingest and tasks: where its keys go past the
 * in-memory budget (--temp-dir) and that budget (--max-duplicate-keys); the note it prints when it used the disk;
 * and its errors at the CLI edge. The check is exact at any size: a full temporary disk stops the run with exit 75.
 */
import { accessSync, constants, statSync } from 'node:fs';
import path from 'node:path';
import { DEFAULT_MAX_DUPLICATE_KEYS, isDuplicateCheckError, type DuplicateCheckOptions } from '@tsbatch/core';
import { CliError, UsageError } from './cli-error.js';
import { stringOption, type Io, type OptionSpec, type ParsedArgs } from './command.js';

const GROUP = 'Duplicate check (R-DUP-1)';

export const DUPLICATE_OPTIONS: OptionSpec[] = [
  {
    name: 'temp-dir',
    type: 'string',
    value: 'DIR',
    description:
      "Folder for the duplicate check's temporary files: the record keys that do not fit in memory go there " +
      '(about 32 bytes a record past the budget, removed at the end), so the check stays exact at any size. A full ' +
      'disk stops the run with exit 75. With sources in S3 the bytes read are kept there too for the run (R-S3-1).',
    defaultText: 'the OS temporary folder ($TMPDIR)',
    group: GROUP,
  },
  {
    name: 'max-duplicate-keys',
    type: 'string',
    value: 'N',
    description:
      'Distinct record keys the duplicate check holds in memory (about 20-60 bytes each) before it uses --temp-dir.',
    defaultText: DEFAULT_MAX_DUPLICATE_KEYS.toLocaleString('en-US'),
    group: GROUP,
  },
];

export const DUPLICATE_EXIT_CODE: [number, string] = [
  75,
  'stopped before the end: the duplicate check ran out of temporary disk space (free some, or give --temp-dir), or a ' +
    'source file changed while it was read',
];

/**
 * `--temp-dir`, the one folder of a command's temporary files: the duplicate check's (R-DUP-1) and the range cache
 * of S3 sources (R-S3-1, aws-settings.ts s3Location). Undefined: the OS temporary folder. Not a writable folder: a
 * usage error.
 */
export function tempDirOption(args: ParsedArgs, cwd: string): string | undefined {
  const dir = stringOption(args, 'temp-dir');
  if (dir === undefined) return undefined;
  const full = path.resolve(cwd, dir);
  try {
    if (!statSync(full).isDirectory()) throw new Error('not a folder');
    accessSync(full, constants.W_OK);
  } catch (error) {
    throw new UsageError(`--temp-dir ${dir}: not a writable folder (${(error as Error).message})`);
  }
  return full;
}

/** The duplicate check's options from the flags; a --temp-dir that is no writable folder is a usage error. */
export function duplicateOptions(args: ParsedArgs, cwd: string, io: Io): DuplicateCheckOptions {
  const keys = stringOption(args, 'max-duplicate-keys');
  const out: DuplicateCheckOptions = { onDuplicateSpill: spillNote(io) };
  const dir = tempDirOption(args, cwd);
  if (dir !== undefined) out.tempDir = dir;
  if (keys !== undefined) {
    const n = Number(keys.replace(/_/g, ''));
    if (!/^\d[\d_]*$/.test(keys) || !Number.isSafeInteger(n) || n < 1) {
      throw new UsageError(`--max-duplicate-keys: expected a whole number of at least 1, got '${keys}'`);
    }
    out.maxDuplicateKeys = n;
  }
  return out;
}

/** Says on stderr, once the check is done with the disk, how much it used (the run's result does not change). */
function spillNote(io: Io): NonNullable<DuplicateCheckOptions['onDuplicateSpill']> {
  let kept = 0;
  return (event) => {
    if (event.type === 'spill-start') kept = event.keysInMemory;
    if (event.type !== 'spill-end') return;
    const mb = (event.peakBytes / 1e6).toFixed(1);
    io.stderr.write(
      `note: the duplicate check held ${kept.toLocaleString('en-US')} record keys in memory and checked the rest ` +
        `on disk (${mb} MB of temporary files in ${path.dirname(event.folder)}, removed) (R-DUP-1).\n`,
    );
  };
}

/**
 * An error of the duplicate check as the CLI says it (main() prints it, as JSON too with --json): its own code
 * (core's DUPLICATES_*, passed through), its message, exit 75 and `hint` after it; the error as it is otherwise.
 */
export function duplicateCliError(error: unknown, hint: string): unknown {
  if (!isDuplicateCheckError(error)) return error;
  return new CliError(error.code, error.message, 75, { hint }, { cause: error });
}
