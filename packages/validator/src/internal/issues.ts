import type { Severity, ValidationCode, ValidationIssue } from '../issue.js';

interface IssueExtra {
  missing?: string[];
  /** The source file the issue is about (SOURCE_FILE_FAILS). */
  file?: string;
}

/** An issue plus what the collapsing step needs to know about it. */
interface PendingIssue extends ValidationIssue {
  /** Pointers of the members whose absence this issue reports. */
  missing?: string[];
  /** For an unknown member with a suggestion: the pointer of the member it probably meant. */
  meant?: string;
}

/** Collects every finding of one validation (all problems at once, SPEC section 2). */
export class IssueList {
  readonly #issues: PendingIssue[] = [];

  error(code: ValidationCode, path: string, message: string, extra?: IssueExtra): void {
    this.add('error', code, path, message, extra);
  }

  warning(code: ValidationCode, path: string, message: string): void {
    this.add('warning', code, path, message);
  }

  /** An error about an absent member; `pointers` are the members whose absence it reports. */
  missing(code: ValidationCode, path: string, message: string, pointers: string[] = [path]): void {
    this.add('error', code, path, message, { missing: pointers });
  }

  unknownMember(path: string, message: string, meant: string | undefined): void {
    const issue: PendingIssue = { severity: 'error', code: 'TASK_UNKNOWN_MEMBER', path, message };
    if (meant !== undefined) issue.meant = meant;
    this.#issues.push(issue);
  }

  add(severity: Severity, code: ValidationCode, path: string, message: string, extra?: IssueExtra): void {
    const issue: PendingIssue = { severity, code, path, message };
    if (extra?.missing !== undefined) issue.missing = extra.missing;
    if (extra?.file !== undefined) issue.file = extra.file;
    this.#issues.push(issue);
  }

  /**
   * Moves every issue of `other` into this list, re-rooting its paths with `mapPath` and rewording its
   * messages with `mapMessage` (a data model read from S3, CSV options given as flags).
   */
  absorb(
    other: IssueList,
    mapPath: (path: string) => string,
    mapMessage: (message: string, path: string) => string = (message) => message,
  ): void {
    for (const issue of other.#issues) {
      const moved: PendingIssue = {
        ...issue,
        path: mapPath(issue.path),
        message: mapMessage(issue.message, issue.path),
      };
      if (issue.missing !== undefined) moved.missing = issue.missing.map(mapPath);
      if (issue.meant !== undefined) moved.meant = mapPath(issue.meant);
      this.#issues.push(moved);
    }
  }

  hasErrors(): boolean {
    return this.#issues.some((issue) => issue.severity === 'error');
  }

  /** An error at `path` or under it. */
  hasErrorsAt(path: string): boolean {
    return this.#issues.some(
      (issue) => issue.severity === 'error' && (issue.path === path || issue.path.startsWith(`${path}/`)),
    );
  }

  /**
   * The final list: a "missing member" issue is dropped when an unknown sibling was probably meant to be that
   * member (one mistake, one issue: `DimensionMapping` reports only the typo); exact duplicates are dropped;
   * errors come first, then pointer order (numeric segments compared as numbers), stable otherwise.
   */
  finish(): ValidationIssue[] {
    const meant = new Set<string>();
    for (const issue of this.#issues) if (issue.meant !== undefined) meant.add(issue.meant);
    const seen = new Set<string>();
    const kept: ValidationIssue[] = [];
    for (const issue of this.#issues) {
      if (issue.missing?.some((p) => meant.has(p)) === true) continue;
      const key = `${issue.severity}\u0000${issue.code}\u0000${issue.path}\u0000${issue.message}\u0000${issue.file ?? ''}`;
      if (seen.has(key)) continue;
      seen.add(key);
      const out: ValidationIssue = {
        severity: issue.severity,
        code: issue.code,
        path: issue.path,
        message: issue.message,
      };
      if (issue.file !== undefined) out.file = issue.file;
      kept.push(out);
    }
    return kept.sort(compareIssues);
  }
}

function compareIssues(a: ValidationIssue, b: ValidationIssue): number {
  if (a.severity !== b.severity) return a.severity === 'error' ? -1 : 1;
  return comparePointers(a.path, b.path);
}

export function comparePointers(a: string, b: string): number {
  if (a === b) return 0;
  const left = a.split('/');
  const right = b.split('/');
  const n = Math.min(left.length, right.length);
  for (let i = 0; i < n; i++) {
    const x = left[i]!;
    const y = right[i]!;
    if (x === y) continue;
    const numeric = /^\d+$/;
    if (numeric.test(x) && numeric.test(y)) return Number(x) - Number(y) || (x < y ? -1 : 1);
    return x < y ? -1 : 1;
  }
  return left.length - right.length;
}
