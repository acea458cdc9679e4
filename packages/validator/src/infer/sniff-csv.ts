/**
 * The CSV options of a file, guessed from its first bytes (tsbatch init): each of the separators batch load allows
 * (R-VAL-7: `,` `|` `;` TAB space), each quote, with and without a backslash escape, is tried with core's own reader
 * (the one the dry run uses), and the one that splits the lines most consistently into the most columns wins.
 */
import { readCsvBytes, type Failure, type ResolvedCsvOptions, type SourceFile } from '@tsbatch/core';

export const SEPARATORS = [',', '\t', ';', '|', ' '] as const;

export interface SniffedCsv {
  csv: ResolvedCsvOptions;
  header: string[];
  /** Data lines of the sample and how many the chosen options could not split like the header. */
  rows: number;
  badRows: number;
  /** One line per option chosen, saying why. */
  reasons: string[];
}

export type SniffResult = { ok: true; sniffed: SniffedCsv } | { ok: false; failure: Failure };

interface Trial {
  csv: ResolvedCsvOptions;
  header: string[];
  rows: number;
  bad: number;
  /** Cells (header included) with white space at an end, and all cells. */
  padded: number;
  cells: number;
}

const NAMES: Readonly<Record<string, string>> = {
  ',': 'comma',
  '\t': 'TAB',
  ';': 'semicolon',
  '|': 'pipe',
  ' ': 'space',
};

async function trial(file: SourceFile, bytes: Uint8Array, csv: ResolvedCsvOptions): Promise<Trial | Failure> {
  let header: string[] | null = null;
  let rows = 0;
  let bad = 0;
  let padded = 0;
  let cells = 0;
  const count = (values: readonly string[]): void => {
    for (const v of values) {
      cells++;
      if (v !== v.trim()) padded++;
    }
  };
  for await (const batch of readCsvBytes(file, [bytes], csv)) {
    for (const event of batch) {
      if (event.type === 'file-failure') return event.failure;
      if (event.type === 'file-start') {
        header = event.header;
        count(header);
      } else if (event.type === 'row') {
        rows++;
        count(event.cells);
      } else if (event.type === 'row-failure') {
        rows++;
        bad++;
      }
    }
  }
  return { csv, header: header ?? [], rows, bad, padded, cells };
}

/** A sample's bytes end at its last newline, so that its last row is whole (unless one row fills the sample). */
export function wholeLines(bytes: Uint8Array, complete: boolean): Uint8Array {
  if (complete) return bytes;
  const nl = bytes.lastIndexOf(10);
  return nl <= 0 ? bytes : bytes.subarray(0, nl + 1);
}

/** Guesses the CSV options of `file` from `bytes`, its first bytes (`complete`: the whole file). */
export async function sniffCsv(file: SourceFile, bytes: Uint8Array, complete: boolean): Promise<SniffResult> {
  const sample = wholeLines(bytes, complete);
  const trials: Trial[] = [];
  for (const columnSeparator of SEPARATORS) {
    for (const quoteChar of ['"', "'"]) {
      for (const escapeChar of [null, '\\']) {
        const csv: ResolvedCsvOptions = {
          columnSeparator,
          quoteChar,
          escapeChar,
          nullValue: null,
          trimWhiteSpace: false,
        };
        const t = await trial(file, sample, csv);
        // BOM, invalid UTF-8, an empty or duplicated header name: the same whatever the options (R-CSV-2, R-CSV-3).
        if (!('csv' in t)) {
          if (t.code === 'FILE_BOM' || t.code === 'FILE_INVALID_UTF8' || t.code === 'FILE_EMPTY')
            return { ok: false, failure: t };
          continue;
        }
        trials.push(t);
      }
    }
  }
  if (trials.length === 0) {
    const t = await trial(file, sample, {
      columnSeparator: ',',
      quoteChar: '"',
      escapeChar: null,
      nullValue: null,
      trimWhiteSpace: false,
    });
    return { ok: false, failure: 'csv' in t ? unreadableHeader() : t };
  }
  // Consistency first (rows split like the header), then more columns, then the order above (`"`, no escape first).
  const score = (t: Trial): number[] => [
    t.header.length >= 2 ? 1 : 0,
    -(t.bad / Math.max(1, t.rows)),
    t.header.length,
  ];
  let best = trials[0]!;
  for (const t of trials.slice(1)) {
    const a = score(t);
    const b = score(best);
    const better = a[0]! !== b[0]! ? a[0]! > b[0]! : a[1]! !== b[1]! ? a[1]! > b[1]! : a[2]! > b[2]!;
    if (better) best = t;
  }
  const csv = { ...best.csv };
  const reasons = [
    `ColumnSeparator ${JSON.stringify(csv.columnSeparator)} (${NAMES[csv.columnSeparator]}): the header splits into ${best.header.length} columns and ` +
      `${best.rows - best.bad} of ${best.rows} sampled rows into as many; the other separators split them less consistently or into fewer columns`,
  ];
  reasons.push(
    csv.quoteChar === '"'
      ? 'QuoteChar left at its default `"`'
      : `QuoteChar "'": fields are quoted with single quotes (fewer rows fail to split than with ")`,
  );
  if (csv.escapeChar !== null)
    reasons.push('EscapeChar "\\\\": quotes inside quoted fields are escaped with a backslash');
  // R-VAL-7: trimming is for padded comma-like files; with a space or TAB separator it is a warning.
  if (csv.columnSeparator !== ' ' && csv.columnSeparator !== '\t' && best.padded * 2 > best.cells) {
    csv.trimWhiteSpace = true;
    reasons.push(
      `TrimWhiteSpace true: ${best.padded} of ${best.cells} sampled cells have spaces around them`,
    );
  }
  return {
    ok: true,
    sniffed: {
      csv,
      header: csv.trimWhiteSpace ? best.header.map((h) => h.trim()) : best.header,
      rows: best.rows,
      badRows: best.bad,
      reasons,
    },
  };
}

function unreadableHeader(): Failure {
  return {
    kind: 'file',
    code: 'FILE_HEADER_UNREADABLE',
    reason: 'The header cannot be read',
    detail: 'No CSV option reads a header from the file',
  };
}
