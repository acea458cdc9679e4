/**
 * The errors of the `tsbatch` command (STYLE rule 5): a stable `code` (listed in packages/cli/README.md), the exit
 * code of the contract, and a message that says what to do. Thrown by commands; main() prints them, as text on
 * stderr and, with --json, as `{"Error": {"Code", "Message", ...}}` on stdout (issue 18).
 */
import type { ValidationIssue } from '@tsbatch/validator';

export const CLI_ERROR_CODES = [
  /** A flag or argument is wrong: see the command's --help. */
  'CLI_USAGE',
  /** R-IN-5: the task (or table) file cannot be read. */
  'TASK_UNREADABLE',
  /** R-IN-5: the task (or table) file is not JSON; the message names its line and column. */
  'TASK_NOT_JSON',
  /** The task has errors (the issues are listed); nothing was run. */
  'TASK_INVALID',
  /** The data is not where --s3-root or --source says (the task may be fine). */
  'SOURCE_NOT_FOUND',
  /** No AWS region: --region, AWS_REGION, or the profile's region. */
  'AWS_REGION_MISSING',
  /** No AWS credentials were found, or the profile does not exist. */
  'AWS_CREDENTIALS_MISSING',
  /** The endpoint (or AWS) could not be reached. */
  'ENDPOINT_UNREACHABLE',
  /** AWS (or the endpoint) refused the request: credentials, permissions. */
  'AWS_REQUEST_REFUSED',
  /** The target table (or database) does not exist. */
  'TABLE_NOT_FOUND',
  /** No task with that id in the store. */
  'TASK_NOT_FOUND',
  /** The task cannot run: it finished, runs elsewhere, or its source changed. */
  'TASK_NOT_RUNNABLE',
  /** The task store could not be used (R-TASK-3): a damaged task file, a lock held too long, a quota. */
  'TASK_STORE',
  /** The local store of `tsbatch serve` could not be opened (it is in use). */
  'LOCAL_STORE_BUSY',
  /** A bug of tsbatch: please report it. */
  'INTERNAL_ERROR',
] as const;
export type CliErrorCode = (typeof CLI_ERROR_CODES)[number];

export interface CliErrorDetails {
  /** The validation issues behind TASK_INVALID or SOURCE_NOT_FOUND. */
  issues?: readonly ValidationIssue[];
  /** Text printed on stderr before the message (the issues, formatted). */
  text?: string;
  /** A line after the message, e.g. "Run 'tsbatch validate --help' for usage." */
  hint?: string;
}

export class CliError extends Error {
  override readonly name = 'CliError';

  constructor(
    readonly code: CliErrorCode | (string & {}),
    message: string,
    readonly exitCode: number,
    readonly details: CliErrorDetails = {},
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }

  /** The `--json` form: PascalCase like the AWS shapes the other outputs use. */
  toJSON(): { Error: Record<string, unknown> } {
    return {
      Error: {
        Code: this.code,
        Message: this.message,
        ExitCode: this.exitCode,
        ...(this.details.issues !== undefined && { Issues: this.details.issues }),
      },
    };
  }
}

/** A usage error: exit 2 with the message (and a pointer to --help). */
export class UsageError extends CliError {
  constructor(message: string, code: CliErrorCode = 'CLI_USAGE') {
    super(code, message, 2);
  }
}

/** Matched by name (STYLE rule 5): a CliError from another copy of this module too. */
export function isCliError(error: unknown): error is CliError {
  return (
    error instanceof Error && error.name === 'CliError' && typeof (error as CliError).exitCode === 'number'
  );
}
