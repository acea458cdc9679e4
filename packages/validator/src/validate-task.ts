/**
 * The validator's entry points (SPEC section 2): a CreateBatchLoadTask request (R-IN-1) or a bare DataModel
 * (R-IN-2) in, every issue at once out, and the ResolvedTask when there is no error.
 */
import type { CsvConfiguration, ResolvedSource, ResolvedTask, SourceLocation } from '@tsbatch/core';
import { RUNNABLE_ERROR_CODES, type ValidationIssue } from './issue.js';
import {
  analyzeDataModel,
  analyzeTask,
  s3ModelSpec,
  type Analysis,
  type S3ModelInput,
} from './internal/analyze.js';
import { detectKind } from './internal/bare-model.js';
import { checkSource } from './internal/check-source.js';
import { IssueList } from './internal/issues.js';
import { loadS3Model } from './internal/load-s3-model.js';

export interface ValidateOptions {
  /**
   * Where the task's S3 objects live on disk (R-IN-3). Enables the header and size checks (R-VAL-8, R-VAL-9)
   * and reading a DataModelS3Configuration.
   * @default undefined (no file is read)
   */
  location?: SourceLocation;
  /**
   * What `json` is: a CreateBatchLoadTask request, a bare DataModel (R-IN-2), or 'auto' to tell them apart by
   * their members.
   * @default 'auto'
   */
  kind?: 'auto' | 'task' | 'data-model';
  /**
   * Whether the whole source must fit one task's quotas (R-VAL-9). A plan (R-SUBMIT-2) cuts it into tasks that
   * each fit, so it checks the rest without them.
   * @default true
   */
  sourceLimits?: boolean;
  /**
   * CSV options of a bare DataModel (the CLI's --column-separator etc.). Not used for a task, which carries its
   * own CsvConfiguration.
   * @default {} (R-VAL-7 defaults)
   */
  csv?: CsvConfiguration;
  /**
   * iconv-lite encoding name used to read the header (R-CSV-2).
   * @default 'utf-8'
   */
  encoding?: string;
}

export interface ValidationResult {
  /** No error-severity issue. */
  ok: boolean;
  /**
   * The task, ready to run: present when `ok`, and also when the only errors are about source files that a run
   * counts as file failures (RUNNABLE_ERROR_CODES: the run then reports them, with the same verdict).
   */
  task?: ResolvedTask;
  /** The files under the source prefix (R-IN-3), when `options.location` was given and holds them. */
  source?: ResolvedSource;
  /** Errors first, then by JSON Pointer. */
  issues: ValidationIssue[];
}

/** Validates a task (or bare DataModel), reading the source when `options.location` is given. Never throws. */
export async function validateTask(json: unknown, options: ValidateOptions = {}): Promise<ValidationResult> {
  try {
    const kind = detectKind(json, options.kind ?? 'auto');
    const location = options.location;
    let analysis: Analysis;
    if (kind === 'data-model') {
      analysis = analyzeDataModel(json, options.csv);
    } else {
      let s3: S3ModelInput = { state: location === undefined ? 'no-location' : 'not-loaded' };
      const spec = location === undefined ? undefined : s3ModelSpec(json);
      if (location !== undefined && spec !== undefined) {
        s3 = { state: 'loaded', ...(await loadS3Model(spec, location)) };
      }
      analysis = analyzeTask(json, s3);
    }
    // A bucket or prefix the schema refused was reported already: looking for it would report it twice. (A bare
    // DataModel's source sits at the root and is always looked for.)
    const source = analysis.source;
    const refused =
      source !== undefined && source.sourcePath !== '' && analysis.issues.hasErrorsAt(source.sourcePath);
    let resolved: ResolvedSource | undefined;
    if (location !== undefined && source !== undefined && !refused) {
      const check = options.encoding === undefined ? source : { ...source, encoding: options.encoding };
      resolved = await checkSource(check, location, analysis.issues, options.sourceLimits ?? true);
    }
    const result = finish(analysis);
    return resolved === undefined ? result : { ...result, source: resolved };
  } catch (error) {
    return internalError(error);
  }
}

/** The same checks without any file access (no R-VAL-8/9, no DataModelS3Configuration): synchronous. Never throws. */
export function checkTask(
  json: unknown,
  options: Omit<ValidateOptions, 'location' | 'encoding'> = {},
): ValidationResult {
  try {
    const kind = detectKind(json, options.kind ?? 'auto');
    return finish(
      kind === 'data-model'
        ? analyzeDataModel(json, options.csv)
        : analyzeTask(json, { state: 'no-location' }),
    );
  } catch (error) {
    return internalError(error);
  }
}

function finish(analysis: Analysis): ValidationResult {
  const issues = analysis.issues.finish();
  const errors = issues.filter((issue) => issue.severity === 'error');
  const ok = errors.length === 0;
  const runnable = errors.every((issue) => RUNNABLE_ERROR_CODES.has(issue.code));
  if (ok && analysis.task === undefined) {
    return internalError(new Error('no error was found but the task could not be resolved'));
  }
  return runnable && analysis.task !== undefined ? { ok, task: analysis.task, issues } : { ok, issues };
}

/** The never-throws contract's last line: a bug in the validator becomes an error issue, not an exception. */
function internalError(error: unknown): ValidationResult {
  const issues = new IssueList();
  const reason = error instanceof Error ? error.message : String(error);
  issues.error('TASK_INTERNAL_ERROR', '', `the validator failed on this input (please report it): ${reason}`);
  return { ok: false, issues: issues.finish() };
}
