import { describe, expect, it } from 'vitest';
import { formatIssue, parseJsonText } from '../src/index.js';

describe('parseJsonText (R-IN-5)', () => {
  it('returns the value of valid JSON', () => {
    expect(parseJsonText('{"a": [1, true, null, "x"]}\n')).toEqual({
      ok: true,
      value: { a: [1, true, null, 'x'] },
    });
  });

  it.each([
    ['{"a":}', 1, 6, "unexpected '}', expected a value"],
    ['{\n  "a": 1,\n}', 3, 1, "expected a double-quoted property name, found '}'"],
    ['{\n  "a": tru\n}', 2, 8, "unexpected 't', expected a value"],
    ['{\r\n  "a" 1\r\n}', 2, 7, "expected ':' after the property name, found '1'"],
    ['[1,2', 1, 5, "unexpected end of input, expected ',' or ']'"],
    ['{"a":1}}', 1, 8, "unexpected '}' after the end of the JSON value"],
    ['{"a":"x', 1, 8, 'unterminated string'],
    ['{"a":"b\nc"}', 1, 8, 'control character U+000A inside a string (escape it)'],
    ['{"é": "ü", x}', 1, 12, "expected a double-quoted property name, found 'x'"],
    ['{"a": -}', 1, 7, "invalid number, found '}' after '-'"],
    ['{"a": "\\x"}', 1, 8, "bad escape 'x' in string"],
  ])('locates the error in %j at line %i column %i', (text, line, column, message) => {
    expect(parseJsonText(text)).toEqual({ ok: false, message, line, column });
  });

  it('calls an empty or blank file empty (R-IN-5)', () => {
    expect(parseJsonText('')).toEqual({
      ok: false,
      message: 'the file is empty (expected a JSON object)',
      line: 1,
      column: 1,
    });
    expect(parseJsonText(' \n\t')).toMatchObject({ ok: false, line: 1, column: 1 });
  });

  it('refuses a byte-order mark, as the AWS CLI does (R-IN-5 [choice])', () => {
    expect(parseJsonText('\uFEFF{}')).toMatchObject({
      ok: false,
      line: 1,
      column: 1,
      message: expect.stringContaining('BOM'),
    });
  });

  it('does not overflow on deeply nested broken input (R-IN-5)', () => {
    const text = '['.repeat(100_000) + '}';
    expect(parseJsonText(text)).toMatchObject({ ok: false, line: 1, column: 100_001 });
  });
});

describe('formatIssue', () => {
  it('prints path, message and code, with / for the root', () => {
    expect(
      formatIssue({
        severity: 'error',
        code: 'TASK_WRONG_TYPE',
        path: '',
        message: 'must be an object, not an array',
      }),
    ).toBe('/: must be an object, not an array [TASK_WRONG_TYPE]');
    expect(
      formatIssue({
        severity: 'warning',
        code: 'HEADER_UNMAPPED_COLUMNS',
        path: '/DataModelConfiguration/DataModel',
        message: 'columns x',
      }),
    ).toBe('/DataModelConfiguration/DataModel: columns x [HEADER_UNMAPPED_COLUMNS]');
  });
});
