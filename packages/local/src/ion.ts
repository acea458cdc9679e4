/** Amazon Ion written directly, fast (internal/ion-writer.ts): for exports of records and of journal blocks. */
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
