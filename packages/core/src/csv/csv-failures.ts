/**
 * The failures the CSV reader reports (R-CSV-2, R-CSV-3, R-CSV-6, R-COUNT-2). `reason` is the same text for every
 * row or file failing the same way (it groups the error report, R-REP-2); `detail` says what exactly happened.
 */
import type { Failure, FileFailureCode, ParseFailureCode } from '../failure.js';

/** R-CSV-2: the reason is fixed by the spec. */
export const BOM_REASON = 'File begins with a byte-order mark (BOM); remove it';

export const FILE_REASONS: Record<FileFailureCode, string> = {
  FILE_UNREADABLE: 'The file cannot be read',
  FILE_TOO_LARGE: 'The file is larger than the 5 GB limit',
  FILE_BOM: BOM_REASON,
  FILE_INVALID_UTF8: 'The file is not valid UTF-8',
  FILE_EMPTY: 'The file has no header row',
  FILE_HEADER_EMPTY_NAME: 'The header has an empty column name',
  FILE_HEADER_DUPLICATE_NAME: 'The header names a column more than once',
  FILE_HEADER_UNREADABLE: 'The header row cannot be parsed',
  FILE_MISSING_COLUMN: 'The header lacks a column the data model maps',
};

export type CsvParseFailureCode = Extract<
  ParseFailureCode,
  'CSV_FIELD_COUNT' | 'CSV_INVALID_QUOTE' | 'CSV_UNTERMINATED_QUOTE' | 'CSV_ROW_TOO_LARGE'
>;

export const ROW_REASONS: Record<CsvParseFailureCode, string> = {
  CSV_FIELD_COUNT: 'The number of fields in the row does not match the header',
  CSV_INVALID_QUOTE: 'The row has a quote character where none is allowed',
  CSV_UNTERMINATED_QUOTE: 'A quoted field is not closed before the end of the file',
  CSV_ROW_TOO_LARGE: 'The row is larger than the 16 MB limit',
};

export function fileFailure(code: FileFailureCode, detail: string): Failure {
  return { kind: 'file', code, reason: FILE_REASONS[code], detail };
}

export function rowFailure(code: CsvParseFailureCode, detail: string): Failure {
  return { kind: 'parse', code, reason: ROW_REASONS[code], detail };
}

/** The row failure for a csv-parse error code met inside a record (R-CSV-6). */
export function quoteFailureDetail(csvParseCode: string, fieldIndex: number | undefined): string {
  const field = fieldIndex === undefined ? 'a field' : `field ${fieldIndex + 1}`;
  switch (csvParseCode) {
    case 'INVALID_OPENING_QUOTE':
      return `A quote character appears inside the unquoted value of ${field}`;
    case 'CSV_INVALID_CLOSING_QUOTE':
      return `The closing quote of ${field} is followed by text instead of a separator or the end of the row`;
    case 'CSV_NON_TRIMABLE_CHAR_AFTER_CLOSING_QUOTE':
      return `The closing quote of ${field} is followed by white space and then more text`;
    default:
      return `The CSV parser rejected ${field} (${csvParseCode})`;
  }
}

/** A short text for a thrown I/O error: its errno code and message. */
export function ioErrorText(error: unknown): string {
  if (error instanceof Error) {
    const code = (error as NodeJS.ErrnoException).code;
    return code === undefined ? error.message : `${code}: ${error.message}`;
  }
  return String(error);
}

/** R-VAL-9: a file over the size limit fails without being read. */
export function fileTooLarge(size: number, max: number): Failure {
  return fileFailure('FILE_TOO_LARGE', `The file is ${size} bytes; the limit is ${max} bytes`);
}

export function invalidUtf8(at: number, line: number): Failure {
  return fileFailure('FILE_INVALID_UTF8', `Invalid UTF-8 byte sequence at byte offset ${at} (line ${line})`);
}

function tooLargeDetail(size: number, max: number): string {
  return `The row is ${size} bytes; the limit is ${max}`;
}

/** R-CSV-6: a row over maxRowBytes (its bytes without the line end). */
export function rowTooLarge(size: number, max: number): Failure {
  return rowFailure('CSV_ROW_TOO_LARGE', tooLargeDetail(size, max));
}

/** R-CSV-6/8: a quote never closed; the rest of the file is one row. */
export function unterminatedRow(line: number, lastLine: number): Failure {
  return rowFailure(
    'CSV_UNTERMINATED_QUOTE',
    `The quote opened on line ${line} is never closed; lines ${line}-${lastLine} are read as one row`,
  );
}

/** R-CSV-3: a header row over maxRowBytes. */
export function headerTooLarge(size: number, max: number): Failure {
  return fileFailure('FILE_HEADER_UNREADABLE', `The header row is too large: ${tooLargeDetail(size, max)}`);
}

/** R-CSV-3: a header row that went wrong (a stray quote, text after a closing quote). */
export function headerQuoteFailure(code: string, field: number, line: number): Failure {
  return fileFailure('FILE_HEADER_UNREADABLE', `${quoteFailureDetail(code, field)} (line ${line})`);
}

export function headerUnterminated(line: number): Failure {
  return fileFailure(
    'FILE_HEADER_UNREADABLE',
    `The quote opened in the header on line ${line} is never closed`,
  );
}

/** R-CSV-6: a row whose field count is not the header's. */
export function fieldCountFailure(fields: number, columns: number): Failure {
  return rowFailure(
    'CSV_FIELD_COUNT',
    `The row has ${fields} field${fields === 1 ? '' : 's'}; the header has ${columns}`,
  );
}
