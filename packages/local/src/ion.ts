/**
 * Amazon Ion written directly, fast (internal/ion-writer.ts): for exports of records and of journal blocks. Also the
 * package's `@tsbatch/local/ion` entry, which loads nothing of the store (for worker threads).
 */
export {
  IonTextWriter,
  ionDecimalText,
  ionStringText,
  ionTimestampText,
  timestampOfDate,
  timestampOfNanos,
  type IonDecimalValue,
  type IonTimestampValue,
  type IonWriter,
} from './internal/ion-writer.js';
export { IonBinaryWriter } from './internal/ion-binary-writer.js';
export {
  createRecordIonWriter,
  decimalOfText,
  RECORD_ION_FIELDS,
  writeRecordIon,
} from './internal/record-ion.js';
export { parseRecordChunk, parseRecordJson, type StoredRecord } from './internal/record-json.js';
export { writeRecordIonOfJson } from './qldb/record-transcoder.js';
