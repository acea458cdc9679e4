/**
 * R-VAL-8 and R-VAL-9, when a source location is given: the source's size limits, and every column the model
 * reads against the header of the first source file whose header can be read.
 */
import {
  readHeader,
  resolveSource,
  type ResolvedCsvOptions,
  type ResolvedSource,
  type SourceLocation,
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
): Promise<void> {
  let resolved: Awaited<ReturnType<typeof resolveSource>>;
  try {
    resolved = await resolveSource(check.spec, location);
  } catch (error) {
    resolved = { ok: false, error: { code: 'SOURCE_UNREADABLE', message: reasonOf(error) } };
  }
  if (!resolved.ok) {
    issues.error('SOURCE_UNRESOLVED', check.sourcePath, resolved.error.message);
    return;
  }
  if (limits) checkLimits(resolved.source, check.sourcePath, issues);
  if (check.csv === undefined || check.columns === undefined) return;
  await checkHeader(resolved.source, check.columns, check, check.csv, issues);
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

/** R-VAL-8: mapped columns exist; unmapped columns are listed; unreadable files are passed over. */
async function checkHeader(
  source: ResolvedSource,
  columns: ColumnUse[],
  check: SourceCheck,
  csv: ResolvedCsvOptions,
  issues: IssueList,
): Promise<void> {
  let header: string[] | undefined;
  let headerFile = '';
  for (const file of source.files) {
    let why: string;
    try {
      const read = await readHeader(file, csv, {
        ...(check.encoding !== undefined && { encoding: check.encoding }),
        ...(source.reader !== undefined && { reader: source.reader }),
      });
      if (read.ok) {
        header = read.header;
        headerFile = file.key;
        break;
      }
      why = read.failure.detail || read.failure.reason;
    } catch (error) {
      why = reasonOf(error);
    }
    issues.warning(
      'HEADER_FILE_SKIPPED',
      check.sourcePath,
      `${file.key}: ${why} (passed over for the header check; the run reports it as a file failure)`,
    );
  }
  if (header === undefined) {
    issues.warning(
      'HEADER_UNAVAILABLE',
      check.sourcePath,
      'no source file has a readable header, so the mapped columns were not checked',
    );
    return;
  }

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
