import { formatIssue, type ValidationIssue } from '@tsbatch/validator';

/** `tsbatch validate`'s text: every error, then every warning, then the verdict line. */
export function formatReport(file: string, issues: readonly ValidationIssue[]): string {
  const errors = issues.filter((i) => i.severity === 'error');
  const warnings = issues.filter((i) => i.severity === 'warning');
  const lines = [
    ...errors.map((i) => `error   ${formatIssue(i)}`),
    ...warnings.map((i) => `warning ${formatIssue(i)}`),
  ];
  const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? '' : 's'}`;
  lines.push(
    errors.length === 0
      ? `${file}: valid${warnings.length > 0 ? ` (${plural(warnings.length, 'warning')})` : ''}`
      : `${file}: invalid: ${plural(errors.length, 'error')}, ${plural(warnings.length, 'warning')}`,
  );
  return `${lines.join('\n')}\n`;
}
