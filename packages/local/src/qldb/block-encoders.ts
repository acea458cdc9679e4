/**
 * R-QLDB-4: journal blocks as the bytes of a data object. JSON: one block per line, timestamps as ISO 8601 texts and
 * hashes as base64, as QLDB down-converts Ion to JSON. Ion text and binary (ion-js writers used directly): the same
 * block typed — timestamps as Ion timestamps, hashes as blobs, sequence numbers and versions as ints. A batch of
 * blocks encodes to one self-contained chunk (a fresh writer each: an Ion binary chunk starts with its own version
 * marker), so an object is written chunk by chunk in bounded memory.
 *
 * A revision is `{hash, data: <the record>, metadata: {tableName, version, txTime, txId}}` [choice: QLDB's
 * revision shape, with the table name where QLDB has a document id].
 */
import { IonTypes, makeBinaryWriter, makeTextWriter, type Writer } from 'ion-js';
import { canonicalRecordJson, type JournalBlock } from './journal-block.js';
import type { OutputFormat } from './export-request.js';
import { millisTimestamp, writeIonRecord } from './ion-record.js';

/** Encodes a batch of consecutive blocks into one chunk of a data object. */
export type BlockEncoder = (blocks: readonly JournalBlock[]) => Buffer;

export const OBJECT_EXTENSION: Readonly<Record<OutputFormat, string>> = {
  ION_TEXT: 'ion',
  ION_BINARY: 'ion',
  JSON: 'json',
};

export function blockEncoder(format: OutputFormat): BlockEncoder {
  if (format === 'JSON') return (blocks) => Buffer.from(blocks.map(jsonLine).join(''), 'utf8');
  return (blocks) => {
    const w = format === 'ION_TEXT' ? makeTextWriter() : makeBinaryWriter();
    for (const b of blocks) writeIonBlock(w, b);
    w.close();
    const bytes = w.getBytes();
    const chunk = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    // Top-level Ion text values need a separator between chunks; one block per line also reads well.
    return format === 'ION_TEXT' ? Buffer.concat([chunk, NEWLINE]) : chunk;
  };
}

const NEWLINE = Buffer.from('\n');

/** One block as a JSON line (the JSON format's down-conversion); the revision's data is its canonical JSON. */
export function jsonLine(b: JournalBlock): string {
  const time = JSON.stringify(b.blockTimestamp.toISOString());
  const tx = JSON.stringify(b.transactionId);
  let info = `{"operation":${JSON.stringify(b.transactionInfo.operation)}`;
  if (b.transactionInfo.taskId !== undefined) info += `,"taskId":${JSON.stringify(b.transactionInfo.taskId)}`;
  let s =
    `{"blockAddress":{"strandId":${JSON.stringify(b.blockAddress.strandId)},"sequenceNo":${b.blockAddress.sequenceNo}},` +
    `"transactionId":${tx},"blockTimestamp":${time},"blockHash":"${b.blockHash.toString('base64')}",` +
    `"entriesHash":"${b.entriesHash.toString('base64')}","previousBlockHash":"${b.previousBlockHash.toString('base64')}",` +
    `"transactionInfo":${info}},"revisions":[`;
  for (let i = 0; i < b.revisions.length; i++) {
    const r = b.revisions[i]!;
    const table = JSON.stringify(r.tableName);
    const data = canonicalRecordJson(r.record);
    const hash = r.hash.toString('base64');
    s +=
      `${i === 0 ? '' : ','}{"hash":"${hash}","data":${data},"metadata":{"tableName":${table},` +
      `"version":${JSON.stringify(r.record.Version)},"txTime":${time},"txId":${tx}}}`;
  }
  return `${s}]}\n`;
}

function writeIonBlock(w: Writer, b: JournalBlock): void {
  const time = millisTimestamp(b.blockTimestamp);
  w.stepIn(IonTypes.STRUCT);
  w.writeFieldName('blockAddress');
  w.stepIn(IonTypes.STRUCT);
  w.writeFieldName('strandId');
  w.writeString(b.blockAddress.strandId);
  w.writeFieldName('sequenceNo');
  w.writeInt(b.blockAddress.sequenceNo);
  w.stepOut();
  w.writeFieldName('transactionId');
  w.writeString(b.transactionId);
  w.writeFieldName('blockTimestamp');
  w.writeTimestamp(time);
  w.writeFieldName('blockHash');
  w.writeBlob(b.blockHash);
  w.writeFieldName('entriesHash');
  w.writeBlob(b.entriesHash);
  w.writeFieldName('previousBlockHash');
  w.writeBlob(b.previousBlockHash);
  w.writeFieldName('transactionInfo');
  w.stepIn(IonTypes.STRUCT);
  w.writeFieldName('operation');
  w.writeString(b.transactionInfo.operation);
  if (b.transactionInfo.taskId !== undefined) {
    w.writeFieldName('taskId');
    w.writeString(b.transactionInfo.taskId);
  }
  w.stepOut();
  w.writeFieldName('revisions');
  w.stepIn(IonTypes.LIST);
  for (const r of b.revisions) {
    w.stepIn(IonTypes.STRUCT);
    w.writeFieldName('hash');
    w.writeBlob(r.hash);
    w.writeFieldName('data');
    writeIonRecord(w, r.record);
    w.writeFieldName('metadata');
    w.stepIn(IonTypes.STRUCT);
    w.writeFieldName('tableName');
    w.writeString(r.tableName);
    w.writeFieldName('version');
    w.writeInt(r.record.Version);
    w.writeFieldName('txTime');
    w.writeTimestamp(time);
    w.writeFieldName('txId');
    w.writeString(b.transactionId);
    w.stepOut();
    w.stepOut();
  }
  w.stepOut();
  w.stepOut();
}
