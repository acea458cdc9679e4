/**
 * R-METER-1 without measuring strings: a row's event size from its `extraBytes` (CsvEngine.measureRows: its UTF-8
 * bytes minus its chars, what its non-ASCII text adds). Every record value comes from a cell, unchanged or made
 * ASCII (a lower-cased BOOLEAN), and quotes, escapes and separators taken away are ASCII, so:
 * - a row with no extra bytes has only ASCII values: recordEventSizeAscii is exact, for any model;
 * - when every column of the header is read once, the only non-ASCII text a valid row can hold is in its dimension
 *   and VARCHAR cells, the text that metering measures: recordEventSizeAscii + extraBytes is exact. The other cells
 *   are ASCII once valid (time, DOUBLE, BIGINT, TIMESTAMP digits), null ('' or an ASCII NullValue), and nothing is
 *   trimmed. Models with a MeasureNameColumn, BOOLEAN attributes or several records per row are left to
 *   recordEventSize (their cells are measured as strings).
 */
import type { TimestreamRecord } from '../map/record.js';
import type { ResolvedTask } from '../task.js';
import { recordEventSize, recordEventSizeAscii } from './metering.js';

const isAsciiText = (text: string): boolean => {
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) >= 0x80) return false;
  return true;
};

/** Whether recordEventSizeAscii + extraBytes is the event size of every valid row of a file with this header. */
export function extraBytesMeterable(
  task: Pick<ResolvedTask, 'model' | 'csv'>,
  header: readonly string[],
): boolean {
  const { model, csv } = task;
  const measures = model.measures;
  if (measures.kind !== 'multi' || measures.measureName.kind !== 'fixed') return false;
  if (csv.trimWhiteSpace) return false;
  const structure = csv.columnSeparator + csv.quoteChar + (csv.escapeChar ?? '') + (csv.nullValue ?? '');
  if (!isAsciiText(structure)) return false;
  if (measures.attributes.some((a) => a.type === 'BOOLEAN')) return false;
  const used = [
    model.timeColumn,
    ...model.dimensions.map((d) => d.source),
    ...measures.attributes.map((a) => a.source),
  ];
  if (used.length !== header.length || new Set(used).size !== used.length) return false;
  const columns = new Set(header);
  return columns.size === header.length && used.every((c) => columns.has(c));
}

/**
 * The event size of a valid row's record: `extraBytes` of its row (-1: unknown), `meterable` from
 * extraBytesMeterable for the row's header. Equal to recordEventSize(record) (property-tested).
 */
export function rowRecordSize(record: TimestreamRecord, extraBytes: number, meterable: boolean): number {
  if (extraBytes === 0) return recordEventSizeAscii(record);
  if (extraBytes > 0 && meterable) return recordEventSizeAscii(record) + extraBytes;
  return recordEventSize(record);
}
