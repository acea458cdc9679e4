/**
 * R-QLDB-4: journal blocks as the bytes of a data object. JSON: one block per line, timestamps as ISO 8601 texts and
 * hashes as base64, as QLDB down-converts Ion to JSON. Ion text and binary: the same block typed — timestamps as Ion
 * timestamps, hashes as blobs, sequence numbers and versions as ints — by the hand encoders of ion-text-block.ts and
 * ion-binary-block.ts (ion-js's writers are their test oracle: too slow for the export's goal). A batch of blocks
 * encodes to one self-contained chunk (an Ion binary chunk starts with its own version marker and symbol table), so
 * an object is written chunk by chunk in bounded memory.
 *
 * A revision is `{hash, data: <the record>, metadata: {tableName, version, txTime, txId}}` [choice: QLDB's
 * revision shape, with the table name where QLDB has a document id].
 */
import { canonicalRecordJson, type JournalBlock } from './journal-block.js';
import type { OutputFormat } from './export-request.js';
import { ionBinaryBlocks } from './ion-binary-block.js';
import { ionTextBlock } from './ion-text-block.js';

/** Encodes a batch of consecutive blocks into one chunk of a data object. */
export type BlockEncoder = (blocks: readonly JournalBlock[]) => Buffer;

export const OBJECT_EXTENSION: Readonly<Record<OutputFormat, string>> = {
  ION_TEXT: 'ion',
  ION_BINARY: 'ion',
  JSON: 'json',
};

export function blockEncoder(format: OutputFormat): BlockEncoder {
  if (format === 'JSON') return (blocks) => Buffer.from(blocks.map(jsonLine).join(''), 'utf8');
  // One block per line; the next chunk starts on a new line, so top-level values stay apart.
  if (format === 'ION_TEXT') return (blocks) => Buffer.from(blocks.map(ionTextBlock).join(''), 'utf8');
  return ionBinaryBlocks;
}

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
