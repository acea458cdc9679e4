/**
 * R-VAL-8 and R-VAL-9, when a source location is given: the source's size limits, every column the model reads
 * against the header of the first source file whose header can be read, and every file's header.
 */
import {
  readHeader,
  resolveSource,
  type ResolvedCsvOptions,
  type ResolvedSource,
  type SourceFile,
  type SourceLocation,
  type SourceReader,
} from '@tsbatch/core';
import type { ColumnUse } from './check-data-model.js';
import { didYouMean } from './did-you-mean.js';
import type { IssueList } from './issues.js';
import { quote } from './json.js';

const GIB = 1024 ** 3;
/** R-VAL-9 (ts-limits: batch load quotas) [choice: GB read as GiB]. */
export const SOURCE_LIMITS = { maxFiles: 100, maxFileBytes: 5 * GIB, maxTotalBytes: 100 * GIB } as const;

export interface SourceCheck {
  /** Where the source is configured: errors about the source point here. */
  sourcePath: string;
  /** Where the model is: warnings about the header as a whole point here. */
  modelPath: string;
  spec: { bucket: string; prefix: string };
  /** `undefined`: the CSV options are unusable, so no header is read. */
  csv: ResolvedCsvOptions | undefined;
  /** `undefined`: the model could not be read, so there is nothing to compare the header with. */
  columns: ColumnUse[] | undefined;
  encoding?: string;
}

export async function checkSource(
  check: SourceCheck,
  location: SourceLocation,
  issues: IssueList,
  limits = true,
): Promise<ResolvedSource | undefined> {
  let resolved: Awaited<ReturnType<typeof resolveSource>>;
  try {
    resolved = await resolveSource(check.spec, location);
  } catch (error) {
    resolved = { ok: false, error: { code: 'SOURCE_UNREADABLE', message: reasonOf(error) } };
  }
  if (!resolved.ok) {
    // Issue 18: the data is not where the location says; the task itself may be fine (LOCATION_CODES).
    issues.error('SOURCE_UNRESOLVED', check.sourcePath, resolved.error.message);
    return undefined;
  }
  if (limits) checkLimits(resolved.source, check.sourcePath, issues);
  if (check.csv !== undefined && check.columns !== undefined) {
    await checkHeaders(resolved.source, check.columns, check, check.csv, issues);
  }
  return resolved.source;
}

function reasonOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function gib(bytes: number): string {
  return `${(bytes / GIB).toFixed(2)} GiB`;
}

function listed(items: string[], max = 10): string {
  const shown = items.slice(0, max).join(', ');
  return items.length > max ? `${shown} and ${items.length - max} more` : shown;
}

/** R-VAL-9: more than 100 files, a file over 5 GB, or a prefix over 100 GB. */
function checkLimits(source: ResolvedSource, path: string, issues: IssueList): void {
  const { maxFiles, maxFileBytes, maxTotalBytes } = SOURCE_LIMITS;
  if (source.files.length > maxFiles) {
    issues.error(
      'SOURCE_TOO_MANY_FILES',
      path,
      `the prefix holds ${source.files.length} files; a batch load task reads at most ${maxFiles}`,
    );
  }
  const large = source.files.filter((file) => file.size > maxFileBytes);
  if (large.length > 0) {
    issues.error(
      'SOURCE_FILE_TOO_LARGE',
      path,
      `${large.length === 1 ? 'a file is' : `${large.length} files are`} over ${gib(maxFileBytes)}: ${listed(large.map((f) => `${f.key} (${gib(f.size)})`))}`,
    );
  }
  if (source.totalBytes > maxTotalBytes) {
    issues.error(
      'SOURCE_TOO_LARGE',
      path,
      `the prefix holds ${gib(source.totalBytes)}; a batch load task reads at most ${gib(maxTotalBytes)}`,
    );
  }
}

function describeUse(use: ColumnUse): string {
  return use.role === 'time column' || use.role === 'measure-name column'
    ? use.role
    : `${use.role} source column`;
}

/**
 * R-VAL-8: mapped columns exist in the first readable header; unmapped columns are listed. Issue 18 (one verdict
 * for validate and dry run): every file's header is read, and a file the run would fail as a whole (BOM, invalid
 * UTF-8 in the header, empty, a bad header, a mapped column missing) is an error naming it (SOURCE_FILE_FAILS).
 */
async function checkHeaders(
  source: ResolvedSource,
  columns: ColumnUse[],
  check: SourceCheck,
  csv: ResolvedCsvOptions,
  issues: IssueList,
): Promise<void> {
  let first: { file: string; header: string[] } | undefined;
  // R-VAL-9 refuses more files than this; past it the reads would only repeat the same verdict.
  for (const file of source.files.slice(0, SOURCE_LIMITS.maxFiles)) {
    // R-VAL-9 reported it; the run fails it unread (FILE_TOO_LARGE).
    if (file.size > SOURCE_LIMITS.maxFileBytes) continue;
    const read = await headerOf(file, csv, check.encoding, source.reader);
    if (!read.ok) {
      fileFails(issues, check.sourcePath, file.key, read.why, read.code);
      continue;
    }
    if (first === undefined) {
      first = { file: file.key, header: read.header };
      checkColumns(first.file, first.header, columns, check, issues);
      continue;
    }
    const present = new Set(read.header);
    const missing = [...new Set(columns.map((use) => use.column))].filter((c) => !present.has(c));
    if (missing.length > 0) {
      const names = missing.map((name) => quote(name, 40)).join(', ');
      fileFails(
        issues,
        check.sourcePath,
        file.key,
        `the header has no mapped column ${names}`,
        'FILE_MISSING_COLUMN',
      );
    }
  }
  if (first === undefined) {
    issues.warning(
      'HEADER_UNAVAILABLE',
      check.sourcePath,
      'no source file has a readable header, so the mapped columns were not checked',
    );
  }
}

type HeaderRead = { ok: true; header: string[] } | { ok: false; why: string; code: string };

async function headerOf(
  file: SourceFile,
  csv: ResolvedCsvOptions,
  encoding: string | undefined,
  reader: SourceReader | undefined,
): Promise<HeaderRead> {
  try {
    const read = await readHeader(file, csv, {
      ...(encoding !== undefined && { encoding }),
      ...(reader !== undefined && { reader }),
    });
    if (read.ok) return read;
    return { ok: false, why: read.failure.detail || read.failure.reason, code: read.failure.code };
  } catch (error) {
    return { ok: false, why: reasonOf(error), code: 'FILE_UNREADABLE' };
  }
}

function fileFails(issues: IssueList, path: string, file: string, why: string, code: string): void {
  issues.error(
    'SOURCE_FILE_FAILS',
    path,
    `${file}: ${why}; a batch load fails this file as a whole and loads none of its rows (${code})`,
    { file },
  );
}

/** R-VAL-8 against one header: every mapped column is in it; the columns no mapping reads are listed. */
function checkColumns(
  headerFile: string,
  header: string[],
  columns: ColumnUse[],
  check: SourceCheck,
  issues: IssueList,
): void {
  const present = new Set(header);
  const shownHeader = listed(
    header.map((name) => quote(name, 40)),
    30,
  );
  const mapped = new Set<string>();
  for (const use of columns) {
    mapped.add(use.column);
    if (present.has(use.column)) continue;
    const suggestion = didYouMean(use.column, header);
    issues.error(
      'HEADER_MISSING_COLUMN',
      use.path,
      `${describeUse(use)} ${quote(use.column)} is not in the header of ${headerFile} (${shownHeader})${suggestion === undefined ? '' : `; did you mean ${quote(suggestion)}?`}`,
    );
  }
  const unmapped = header.filter((name) => !mapped.has(name));
  if (unmapped.length > 0) {
    issues.warning(
      'HEADER_UNMAPPED_COLUMNS',
      check.modelPath,
      `${unmapped.length === 1 ? 'column' : 'columns'} of ${headerFile} not mapped (ignored by the load): ${listed(
        unmapped.map((name) => quote(name, 40)),
        30,
      )}`,
    );
  }
}
