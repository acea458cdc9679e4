/**
 * The run's warnings (data, issue 18) as the CLI prints them: the library's message, then advice in the CLI's own
 * terms (its flags) where the library's advice speaks of options.
 */
import type { ValidationIssue } from '@tsbatch/validator';
import { formatIssue } from '@tsbatch/validator';

export interface Warning {
  code: string;
  message: string;
  advice?: string;
}

/** `tsbatch dry-run`'s advice, by warning code, in its flags; the other codes keep the library's advice. */
export const DRY_RUN_ADVICE: Readonly<Record<string, string>> = {
  TIME_WINDOW_NOT_CHECKED:
    'Give --table DESCRIBE_TABLE.json (or --memory-retention-hours H) to check it; `tsbatch ingest` reads it from the table.',
};

/** `note: message advice [CODE]`, the advice of the command (`advice`, by code) or else the library's. */
export function formatWarning(warning: Warning, cliAdvice: Readonly<Record<string, string>> = {}): string {
  const advice = cliAdvice[warning.code] ?? warning.advice;
  return `note: ${warning.message}${advice === undefined ? '' : ` ${advice}`} [${warning.code}]\n`;
}

/** Issues of the validation that do not stop the run: warnings, and files the run will count as file failures. */
export function formatRunIssues(issues: readonly ValidationIssue[]): string {
  return issues.map((i) => `${i.severity.padEnd(7)} ${formatIssue(i)}\n`).join('');
}
