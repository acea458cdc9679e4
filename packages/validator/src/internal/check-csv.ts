/** R-VAL-7: CsvConfiguration rules the API model cannot state, and the resolved CSV options. */
import type { ResolvedCsvOptions } from '@tsbatch/core';
import type { IssueList } from './issues.js';
import { has, isObject, member, pointer } from './json.js';

export const COLUMN_SEPARATORS = [',', '|', ';', '\t', ' '] as const;
export const QUOTE_CHARS = ['"', "'"] as const;

const DEFAULTS: ResolvedCsvOptions = {
  columnSeparator: ',',
  quoteChar: '"',
  escapeChar: null,
  nullValue: null,
  trimWhiteSpace: false,
};

function show(char: string): string {
  if (char === '\t') return 'TAB';
  if (char === ' ') return 'space';
  return JSON.stringify(char);
}

/** One character (the schema checks the length; this only avoids judging what it already refused). */
function oneChar(value: unknown): value is string {
  // At most 2 UTF-16 units first: a 10 MB value is not split into characters (issue 7).
  return typeof value === 'string' && value.length <= 2 && Array.from(value).length === 1;
}

/**
 * Checks a CsvConfiguration (absent = every default) at `base`; returns the resolved options, or `undefined`
 * when one of them is unusable.
 */
export function checkCsv(config: unknown, base: string, issues: IssueList): ResolvedCsvOptions | undefined {
  if (config === undefined) return { ...DEFAULTS };
  if (!isObject(config)) return undefined;
  let usable = true;
  const read = <T>(key: string, accept: (v: unknown) => v is T): T | undefined => {
    if (!has(config, key)) return undefined;
    const value = member(config, key);
    if (accept(value)) return value;
    usable = false;
    return undefined;
  };

  const separator = read('ColumnSeparator', oneChar);
  if (separator !== undefined && !(COLUMN_SEPARATORS as readonly string[]).includes(separator)) {
    issues.error(
      'CSV_OPTION_SEPARATOR',
      pointer(base, 'ColumnSeparator'),
      `must be one of comma (","), pipe ("|"), semicolon (";"), TAB or space (got ${show(separator)})`,
    );
    usable = false;
  }
  const quote = read('QuoteChar', oneChar);
  if (quote !== undefined && !(QUOTE_CHARS as readonly string[]).includes(quote)) {
    issues.error(
      'CSV_OPTION_QUOTE',
      pointer(base, 'QuoteChar'),
      `must be a double quote (") or a single quote (') (got ${show(quote)})`,
    );
    usable = false;
  }
  const escape = read('EscapeChar', oneChar);
  if (escape !== undefined) {
    const sep = separator ?? DEFAULTS.columnSeparator;
    let problem: string | undefined;
    if (/^[\p{L}\p{N}]$/u.test(escape)) problem = 'must not be a letter or digit';
    else if (escape === sep) problem = `must differ from the column separator ${show(sep)}`;
    // [choice] a line break cannot escape anything: records end at newlines (R-CSV-4).
    else if (escape === '\n' || escape === '\r') problem = 'must not be a line break';
    if (problem !== undefined) {
      issues.error('CSV_OPTION_ESCAPE', pointer(base, 'EscapeChar'), `${problem} (got ${show(escape)})`);
      usable = false;
    }
  }
  const nullValue = read('NullValue', (v): v is string => typeof v === 'string' && v.length > 0);
  const trim = read('TrimWhiteSpace', (v): v is boolean => typeof v === 'boolean');
  if (trim === true && (separator === ' ' || separator === '\t')) {
    issues.warning(
      'CSV_OPTION_TRIM_WHITESPACE_SEPARATOR',
      pointer(base, 'TrimWhiteSpace'),
      `TrimWhiteSpace with a ${show(separator)} separator: whitespace around values is also what separates them, so check that rows still split as intended`,
    );
  }
  if (!usable) return undefined;
  return {
    columnSeparator: separator ?? DEFAULTS.columnSeparator,
    quoteChar: quote ?? DEFAULTS.quoteChar,
    escapeChar: escape ?? null,
    nullValue: nullValue ?? null,
    trimWhiteSpace: trim ?? false,
  };
}
