import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { checkTask, formatIssue, VALIDATION_CODES } from '../src/index.js';

const README = readFileSync(new URL('../README.md', import.meta.url), 'utf8');

/** The rows of the README's code tables: `| \`CODE\` | severity | ...`. */
function tableRows(): Map<string, string> {
  const rows = new Map<string, string>();
  for (const match of README.matchAll(/^\| `([A-Z][A-Z0-9_]+)` *\| (error|warning) *\|/gm)) {
    rows.set(match[1]!, match[2]!);
  }
  return rows;
}

// STYLE rules 5 and 10: codes are API, and their documentation cannot rot.
describe('the package README', () => {
  it('documents every validation code in a table row', () => {
    const rows = tableRows();
    const missing = VALIDATION_CODES.filter((code) => !rows.has(code));
    expect(missing).toEqual([]);
  });

  it('documents no code the validator does not have', () => {
    const known = new Set<string>(VALIDATION_CODES);
    expect([...tableRows().keys()].filter((code) => !known.has(code))).toEqual([]);
  });

  it('shows the output its example task really gives', () => {
    const json = /^```json\n([\s\S]*?)^```$/m.exec(README)?.[1];
    const text = /^```text\n([\s\S]*?)^```$/m.exec(README)?.[1];
    expect(json).toBeDefined();
    const result = checkTask(JSON.parse(json!));
    const output = result.issues
      .map((issue) => `${issue.severity.padEnd(7)} ${formatIssue(issue)}\n`)
      .join('');
    expect(output).toBe(text);
  });

  it('marks exactly the warning codes as warnings (R-VAL-5, R-VAL-7, R-VAL-8)', () => {
    const rows = tableRows();
    const warnings = VALIDATION_CODES.filter((code) => rows.get(code) === 'warning');
    expect(warnings).toEqual([
      'MODEL_MEASURE_NAME_REDUNDANT',
      'MODEL_MIXED_TARGET_NAME_REPEATED',
      'BUCKET_NAME_RULES',
      'CSV_OPTION_TRIM_WHITESPACE_SEPARATOR',
      'MODEL_SOURCE_COLUMN_REUSED',
      'HEADER_UNAVAILABLE',
      'HEADER_UNMAPPED_COLUMNS',
    ]);
  });
});
