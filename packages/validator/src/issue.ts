/**
 * Validation findings as data (STYLE rules 5 and 6): every finding is an issue with a stable code and a JSON
 * Pointer into the task file. Codes are API; each is listed in the package README with its meaning and fix.
 */

export type Severity = 'error' | 'warning';

/** Every code the validator can report, grouped by the SPEC rule that raises it. */
export const VALIDATION_CODES = [
  // R-VAL-1 shape (JSON Schema mirroring the API model)
  'TASK_WRONG_TYPE',
  'TASK_UNKNOWN_MEMBER',
  'TASK_MISSING_MEMBER',
  'TASK_BAD_ENUM',
  'TASK_BAD_LENGTH',
  'TASK_BAD_PATTERN',
  'TASK_BAD_LIST_SIZE',
  'TASK_BAD_NUMBER',
  'TASK_INTERNAL_ERROR',
  // R-VAL-2 model presence
  'MODEL_CONFIGURATION_MISSING',
  'MODEL_CONFIGURATION_AMBIGUOUS',
  'MODEL_S3_NEEDS_LOCATION',
  'MODEL_S3_INCOMPLETE',
  'MODEL_S3_UNRESOLVED',
  'MODEL_S3_UNREADABLE',
  // R-VAL-3 time
  'MODEL_TIME_COLUMN_MISSING',
  // R-VAL-4 dimensions
  'MODEL_DIMENSION_SOURCE_MISSING',
  'MODEL_TOO_MANY_DIMENSIONS',
  // R-VAL-5 measures
  'MODEL_MEASURES_MISSING',
  'MODEL_MEASURES_AMBIGUOUS',
  'MODEL_TOO_MANY_ATTRIBUTES',
  'MODEL_ATTRIBUTE_TYPE_MISSING',
  'MODEL_MEASURE_NAME_MISSING',
  'MODEL_MEASURE_NAME_REDUNDANT',
  'MODEL_MULTI_ATTRIBUTES_MISSING',
  'MODEL_MULTI_HAS_SOURCE_COLUMN',
  'MODEL_MULTI_TARGET_NAME_MISSING',
  'MODEL_SCALAR_SOURCE_MISSING',
  'MODEL_SCALAR_HAS_ATTRIBUTES',
  'MODEL_SCALAR_TIMESTAMP',
  'MODEL_MIXED_MEASURE_NAME_MISSING',
  'MODEL_MIXED_MEASURE_NAME_DUPLICATE',
  'MODEL_MIXED_TARGET_NAME_REPEATED',
  // R-VAL-6 names
  'NAME_TOO_LONG',
  'NAME_RESERVED',
  'NAME_RESERVED_PREFIX',
  'NAME_HAS_COLON',
  'NAME_DUPLICATE_DIMENSION',
  'NAME_DUPLICATE_ATTRIBUTE',
  'NAME_DIMENSION_CLASH',
  // S3 bucket naming rules beyond the API pattern (issue 18)
  'BUCKET_NAME_RULES',
  // R-VAL-7 CSV options
  'CSV_OPTION_SEPARATOR',
  'CSV_OPTION_QUOTE',
  'CSV_OPTION_ESCAPE',
  'CSV_OPTION_TRIM_WHITESPACE_SEPARATOR',
  // R-VAL-8 against the header
  'MODEL_SOURCE_COLUMN_REUSED',
  'HEADER_UNAVAILABLE',
  'HEADER_MISSING_COLUMN',
  'HEADER_UNMAPPED_COLUMNS',
  // Issue 18: a source file the run would fail as a whole (R-CSV-2, R-CSV-3, R-COUNT-2)
  'SOURCE_FILE_FAILS',
  // R-IN-3 / R-VAL-9 source
  'SOURCE_UNRESOLVED',
  'SOURCE_TOO_MANY_FILES',
  'SOURCE_FILE_TOO_LARGE',
  'SOURCE_TOO_LARGE',
] as const;

export type ValidationCode = (typeof VALIDATION_CODES)[number];

export interface ValidationIssue {
  severity: Severity;
  code: ValidationCode;
  /** JSON Pointer into the task file; `''` is the root. */
  path: string;
  message: string;
  /** The source file (its key) the issue is about, for SOURCE_FILE_FAILS. */
  file?: string;
}

/**
 * Issue 18: the data is not where the location says (a wrong --s3-root or --source, a prefix holding nothing): the
 * task itself may be valid. Reported apart from the task's own errors.
 */
export const LOCATION_CODES: ReadonlySet<ValidationCode> = new Set([
  'SOURCE_UNRESOLVED',
  'MODEL_S3_UNRESOLVED',
]);

/**
 * Issue 18: errors that a run counts instead of refusing: a file that fails as a whole is a file failure of the
 * run (R-COUNT-2), so the task still runs (`ValidationResult.task` is there) and the run reports it.
 */
export const RUNNABLE_ERROR_CODES: ReadonlySet<ValidationCode> = new Set(['SOURCE_FILE_FAILS']);

/** `path: message [CODE]`, with `/` standing for the root. */
export function formatIssue(issue: ValidationIssue): string {
  return `${issue.path === '' ? '/' : shortPath(issue.path)}: ${issue.message} [${issue.code}]`;
}

/** Longest path segment printed whole; a longer one (a 10 MB member name) is cut, as messages quote values. */
const MAX_SEGMENT = 60;

/** The path for people: segments over MAX_SEGMENT characters cut with `…` (the issue itself keeps the exact pointer). */
function shortPath(path: string): string {
  if (path.length <= MAX_SEGMENT) return path;
  return path
    .split('/')
    .map((segment) => (segment.length > MAX_SEGMENT ? `${segment.slice(0, MAX_SEGMENT)}…` : segment))
    .join('/');
}
