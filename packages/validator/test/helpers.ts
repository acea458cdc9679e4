import { checkTask, type ValidationIssue, type ValidationResult } from '../src/index.js';

/** `severity code path` of every issue: compact to compare. */
export function summary(issues: readonly ValidationIssue[]): string[] {
  return issues.map((issue) => `${issue.severity} ${issue.code} ${issue.path}`);
}

export function check(json: unknown, options?: Parameters<typeof checkTask>[1]): ValidationResult {
  return checkTask(json, options);
}

/** The issues of `json` as `severity code path` lines. */
export function issuesOf(json: unknown, options?: Parameters<typeof checkTask>[1]): string[] {
  return summary(checkTask(json, options).issues);
}

export function messageAt(result: ValidationResult, path: string): string {
  const issue = result.issues.find((i) => i.path === path);
  if (issue === undefined) throw new Error(`no issue at ${path}: ${JSON.stringify(result.issues)}`);
  return issue.message;
}
