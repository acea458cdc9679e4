/**
 * R-QLDB-4: journal blocks as the bytes of a data object. JSON: one block per line, timestamps as ISO 8601 texts,
 * hashes as base64 and the revision's data as the record's stored text (Version exact), as QLDB down-converts Ion to
 * JSON. Ion text and binary: the same block typed (timestamps as Ion timestamps, hashes as blobs, sequence numbers
 * and versions as ints, the record as `tsbatch export` types it) through the package's one Ion writer
 * (internal/ion-writer.ts, ion-js its test oracle), the record read from its stored text by record-transcoder.ts
 * (no JSON.parse: issue 20's 100k revisions/s). A batch of blocks encodes to one self-contained chunk (an Ion
 * binary chunk starts with its own version marker and symbol table), so an object is written chunk by chunk.
 *
 * A revision is `{hash, data: <the record>, metadata: {tableName, version, txTime, txId}}` [choice: QLDB's
 * revision shape, with the table name where QLDB has a document id]; its hash is journal-hash.ts's, so an exported
 * block verifies against the store's definition.
 */
import { IonBinaryWriter } from '../internal/ion-binary-writer.js';
import { IonTextWriter, timestampOfDate, type IonWriter } from '../internal/ion-writer.js';
import { revisionHashBase64Of, revisionHashOf } from '../internal/journal-hash.js';
import type { StoredJournalBlock } from '../internal/journal-reader.js';
import { RECORD_ION_FIELDS } from '../internal/record-ion.js';
import { parseRecordJson, versionOf } from '../internal/record-json.js';
import type { OutputFormat } from './export-request.js';
import { writeRecordIonOfJson } from './record-transcoder.js';

/** Encodes a batch of consecutive blocks into one chunk of a data object. */
export type BlockEncoder = (blocks: readonly StoredJournalBlock[]) => Uint8Array;

export const OBJECT_EXTENSION: Readonly<Record<OutputFormat, string>> = {
  ION_TEXT: 'ion',
  ION_BINARY: 'ion',
  JSON: 'json',
};

/** Every field name a block struct uses (the binary chunk's symbol table). */
export const BLOCK_ION_FIELDS = [
  'blockAddress',
  'strandId',
  'sequenceNo',
  'transactionId',
  'blockTimestamp',
  'blockHash',
  'entriesHash',
  'previousBlockHash',
  'transactionInfo',
  'operation',
  'tableName',
  'taskId',
  'revisions',
  'hash',
  'data',
  'metadata',
  'version',
  'txTime',
  'txId',
  ...RECORD_ION_FIELDS,
] as const;

export function blockEncoder(format: OutputFormat): BlockEncoder {
  if (format === 'JSON') return (blocks) => Buffer.from(blocks.map(jsonLine).join(''), 'utf8');
  const binary = format === 'ION_BINARY';
  return (blocks) => {
    const w = binary ? new IonBinaryWriter(BLOCK_ION_FIELDS) : new IonTextWriter(BLOCK_ION_FIELDS);
    for (const b of blocks) writeBlockIon(w, b);
    return w.take();
  };
}

/** One block as a JSON line (the JSON format's down-conversion). */
export function jsonLine(b: StoredJournalBlock): string {
  const time = JSON.stringify(b.blockTimestamp.toISOString());
  const tx = JSON.stringify(b.transactionId);
  const ti = b.transactionInfo;
  let info = `{"operation":${JSON.stringify(ti.operation)},"tableName":${JSON.stringify(ti.tableName)}`;
  if (ti.taskId !== undefined) info += `,"taskId":${JSON.stringify(ti.taskId)}`;
  let s =
    `{"blockAddress":{"strandId":${JSON.stringify(b.blockAddress.strandId)},"sequenceNo":${b.blockAddress.sequenceNo}},` +
    `"transactionId":${tx},"blockTimestamp":${time},"blockHash":"${b.blockHash.toString('base64')}",` +
    `"entriesHash":"${b.entriesHash.toString('base64')}","previousBlockHash":"${b.previousBlockHash.toString('base64')}",` +
    `"transactionInfo":${info}},"revisions":[`;
  for (let i = 0; i < b.revisions.length; i++) {
    const r = b.revisions[i]!;
    const hash = revisionHashBase64Of(r.tableName, r.recordJson);
    // The stored text is JSON already, Version last and exact (record-json.ts): no bigint through JSON.stringify.
    const version = versionOf(r.recordJson) ?? parseRecordJson(r.recordJson).Version;
    s +=
      `${i === 0 ? '' : ','}{"hash":"${hash}","data":${r.recordJson},"metadata":{"tableName":` +
      `${JSON.stringify(r.tableName)},"version":${version},"txTime":${time},"txId":${tx}}}`;
  }
  return `${s}]}\n`;
}

/**
 * One block as a top-level Ion struct. A revision's record goes from its stored text straight to the writer
 * (record-transcoder.ts: no object tree per record), its hash from journal-hash.ts.
 */
export function writeBlockIon(w: IonWriter, b: StoredJournalBlock): void {
  // Ion text takes a revision's hash as the base64 it writes, made with the hash.
  const text = w instanceof IonTextWriter;
  const time = timestampOfDate(b.blockTimestamp);
  w.stepInStruct();
  w.field('blockAddress');
  w.stepInStruct();
  w.field('strandId');
  w.string(b.blockAddress.strandId);
  w.field('sequenceNo');
  w.int(b.blockAddress.sequenceNo);
  w.stepOut();
  w.field('transactionId');
  w.string(b.transactionId);
  w.field('blockTimestamp');
  w.timestamp(time);
  w.field('blockHash');
  w.blob(b.blockHash);
  w.field('entriesHash');
  w.blob(b.entriesHash);
  w.field('previousBlockHash');
  w.blob(b.previousBlockHash);
  w.field('transactionInfo');
  w.stepInStruct();
  w.field('operation');
  w.string(b.transactionInfo.operation);
  w.field('tableName');
  w.string(b.transactionInfo.tableName);
  if (b.transactionInfo.taskId !== undefined) {
    w.field('taskId');
    w.string(b.transactionInfo.taskId);
  }
  w.stepOut();
  w.field('revisions');
  w.stepInList();
  for (let i = 0; i < b.revisions.length; i++) {
    const r = b.revisions[i]!;
    w.stepInStruct();
    w.field('hash');
    if (text) w.blobBase64(revisionHashBase64Of(r.tableName, r.recordJson));
    else w.blob(revisionHashOf(r.tableName, r.recordJson));
    w.field('data');
    const version = writeRecordIonOfJson(w, r.recordJson);
    w.field('metadata');
    w.stepInStruct();
    w.field('tableName');
    w.string(r.tableName);
    w.field('version');
    w.int(version);
    w.field('txTime');
    w.timestamp(time);
    w.field('txId');
    w.string(b.transactionId);
    w.stepOut();
    w.stepOut();
  }
  w.stepOut();
  w.stepOut();
  w.endValue();
}
