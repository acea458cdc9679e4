import { describe, expect, it } from 'vitest';
import { fleetModel, fleetTask, type Loose } from './fleet-task.js';
import { check, issuesOf, messageAt } from './helpers.js';

const CSV = '/DataSourceConfiguration/CsvConfiguration';

function withCsv(csv: Record<string, unknown> | undefined): Record<string, Loose> {
  const task = fleetTask();
  if (csv === undefined) delete task.DataSourceConfiguration.CsvConfiguration;
  else task.DataSourceConfiguration.CsvConfiguration = csv;
  return task;
}

describe('CSV options (R-VAL-7)', () => {
  it('fills the defaults when CsvConfiguration is absent and echoes it as {} (R-VAL-7)', () => {
    const result = check(withCsv(undefined));
    expect(result.task?.csv).toEqual({
      columnSeparator: ',',
      quoteChar: '"',
      escapeChar: null,
      nullValue: null,
      trimWhiteSpace: false,
    });
    expect(result.task?.request.DataSourceConfiguration.CsvConfiguration).toEqual({});
  });

  it('resolves every given option (R-VAL-7)', () => {
    const result = check(
      withCsv({
        ColumnSeparator: '|',
        QuoteChar: "'",
        EscapeChar: '\\',
        NullValue: ' ',
        TrimWhiteSpace: true,
      }),
    );
    expect(result.task?.csv).toEqual({
      columnSeparator: '|',
      quoteChar: "'",
      escapeChar: '\\',
      nullValue: ' ',
      trimWhiteSpace: true,
    });
  });

  it.each([',', '|', ';', '\t', ' '])('accepts the separator %j (R-VAL-7)', (sep) => {
    expect(check(withCsv({ ColumnSeparator: sep })).task?.csv.columnSeparator).toBe(sep);
  });

  it.each([':', 'a', '#'])('refuses the separator %j (R-VAL-7)', (sep) => {
    expect(issuesOf(withCsv({ ColumnSeparator: sep }))).toEqual([
      `error CSV_OPTION_SEPARATOR ${CSV}/ColumnSeparator`,
    ]);
  });

  it('explains how to write TAB when given the documentation spelling /t (R-VAL-7)', () => {
    const result = check(withCsv({ ColumnSeparator: '/t' }));
    expect(issuesOf(withCsv({ ColumnSeparator: '/t' }))).toEqual([
      `error TASK_BAD_LENGTH ${CSV}/ColumnSeparator`,
    ]);
    expect(messageAt(result, `${CSV}/ColumnSeparator`)).toContain('TAB character');
  });

  it('refuses a quote character other than " and \' (R-VAL-7)', () => {
    expect(issuesOf(withCsv({ QuoteChar: '`' }))).toEqual([`error CSV_OPTION_QUOTE ${CSV}/QuoteChar`]);
  });

  it.each([
    ['a', 'must not be a letter or digit'],
    ['7', 'must not be a letter or digit'],
    [',', 'must differ from the column separator'],
  ])('refuses the escape character %j (R-VAL-7)', (escape, why) => {
    const result = check(withCsv({ EscapeChar: escape }));
    expect(issuesOf(withCsv({ EscapeChar: escape }))).toEqual([`error CSV_OPTION_ESCAPE ${CSV}/EscapeChar`]);
    expect(messageAt(result, `${CSV}/EscapeChar`)).toContain(why);
  });

  it('compares the escape character with the separator actually used (R-VAL-7)', () => {
    expect(issuesOf(withCsv({ ColumnSeparator: ';', EscapeChar: ',' }))).toEqual([]);
    expect(issuesOf(withCsv({ ColumnSeparator: ';', EscapeChar: ';' }))).toEqual([
      `error CSV_OPTION_ESCAPE ${CSV}/EscapeChar`,
    ]);
  });

  it('bounds NullValue at 1–256 characters (R-VAL-7)', () => {
    expect(issuesOf(withCsv({ NullValue: '' }))).toEqual([`error TASK_BAD_LENGTH ${CSV}/NullValue`]);
    expect(issuesOf(withCsv({ NullValue: 'n'.repeat(257) }))).toEqual([
      `error TASK_BAD_LENGTH ${CSV}/NullValue`,
    ]);
    expect(issuesOf(withCsv({ NullValue: 'n'.repeat(256) }))).toEqual([]);
  });

  it('warns about TrimWhiteSpace with a space or TAB separator (R-VAL-7)', () => {
    for (const sep of [' ', '\t']) {
      const result = check(withCsv({ ColumnSeparator: sep, TrimWhiteSpace: true }));
      expect(result.ok).toBe(true);
      expect(result.issues.map((i) => `${i.severity} ${i.code} ${i.path}`)).toEqual([
        `warning CSV_OPTION_TRIM_WHITESPACE_SEPARATOR ${CSV}/TrimWhiteSpace`,
      ]);
    }
    expect(issuesOf(withCsv({ ColumnSeparator: ' ', TrimWhiteSpace: false }))).toEqual([]);
  });

  it('requires TrimWhiteSpace to be a boolean (R-VAL-7)', () => {
    expect(issuesOf(withCsv({ TrimWhiteSpace: 'yes' }))).toEqual([
      `error TASK_WRONG_TYPE ${CSV}/TrimWhiteSpace`,
    ]);
  });

  it('checks the CSV options of a bare DataModel, reported at the root and named (R-IN-2, R-VAL-7)', () => {
    const result = check(fleetModel(), { csv: { ColumnSeparator: 'x', EscapeChar: 'ab' } });
    expect(result.issues.map((i) => `${i.code} ${i.path} ${i.message}`)).toEqual([
      'TASK_BAD_LENGTH  CSV option EscapeChar must be exactly 1 character long (got 2)',
      'CSV_OPTION_SEPARATOR  CSV option ColumnSeparator must be one of comma (","), pipe ("|"), semicolon (";"), TAB or space (got "x")',
    ]);
  });
});
