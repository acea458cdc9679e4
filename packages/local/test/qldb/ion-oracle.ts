/**
 * The test oracle of the journal blocks' Ion (STYLE rule 13): the same block written with ion-js's own writers, value
 * by value, typed as R-QLDB-4 says; a revision's data is the record oracle of `tsbatch export` (../ion-oracle.ts).
 * The export's encoders (src/qldb/block-encoders.ts) must read back, through ion-js, equal to this.
 */
import { Decimal, IonTypes, makeBinaryWriter, makeTextWriter, Timestamp, type Writer } from 'ion-js';
import type { StoredRecord } from '../../src/index.js';
import { writeIonRecord } from '../ion-oracle.js';

/** A block as the oracle takes it: the stored block's members, its records parsed and its revisions' hashes. */
export interface OracleBlock {
  blockAddress: { strandId: string; sequenceNo: number };
  transactionId: string;
  blockTimestamp: Date;
  blockHash: Buffer;
  entriesHash: Buffer;
  previousBlockHash: Buffer;
  transactionInfo: { operation: string; tableName: string; taskId?: string };
  revisions: { tableName: string; record: StoredRecord; hash: Buffer }[];
}

/** An Ion timestamp of a millisecond instant (a block's time), with 3 fraction digits as QLDB writes them. */
export function millisTimestamp(date: Date): Timestamp {
  const seconds = new Decimal(BigInt(date.getUTCSeconds()) * 1000n + BigInt(date.getUTCMilliseconds()), -3);
  return new Timestamp(
    0,
    date.getUTCFullYear(),
    date.getUTCMonth() + 1,
    date.getUTCDate(),
    date.getUTCHours(),
    date.getUTCMinutes(),
    seconds,
  );
}

export function writeIonBlock(w: Writer, b: OracleBlock): void {
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
  w.writeFieldName('tableName');
  w.writeString(b.transactionInfo.tableName);
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

/** Blocks through ion-js's writer, as one chunk. */
export function oracleBlocks(format: 'ION_TEXT' | 'ION_BINARY', blocks: readonly OracleBlock[]): Uint8Array {
  const w = format === 'ION_TEXT' ? makeTextWriter() : makeBinaryWriter();
  for (const b of blocks) writeIonBlock(w, b);
  w.close();
  return w.getBytes();
}
