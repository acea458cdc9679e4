/**
 * R-QLDB-4: one journal export written into its bucket: `{prefix}{exportId}.started.manifest` first (the request's
 * settings), then the blocks of the range in data objects `{prefix}{yyyy}/{mm}/{dd}/{hh}/{strandId}.{firstSeq}-
 * {lastSeq}.{ion|json}` of consecutive blocks (a new object when the hour of the blocks changes or the object has
 * reached its size bound), then `{prefix}{exportId}.{strandId}.completed.manifest` = `{keys: [...]}` listing them in
 * order, written last. Streamed: memory holds one batch of blocks, whatever the size of the journal.
 */
import { IonTypes, makeBinaryWriter, makeTextWriter, Timestamp, type Writer } from 'ion-js';
import { blockEncoder, OBJECT_EXTENSION } from './block-encoders.js';
import { BucketWriter, ExportWriteError, type ObjectUpload } from './bucket-objects.js';
import type { ExportEntry } from './export-registry.js';
import type { OutputFormat } from './export-request.js';
import type { JournalBlock, JournalReader } from './journal-block.js';

/** Revisions encoded at a time: the memory an export holds beyond the file buffers. */
const BATCH_REVISIONS = 2_000;
/**
 * Revisions between two turns given back to the event loop: reading and encoding never hold it long, so the
 * WriteRecords calls of the same endpoint are served between slices of the export (issue 20: never blocked).
 */
const YIELD_EVERY_REVISIONS = 500;
/** [choice] A data object is closed once it holds this many bytes (then the next block starts another). */
export const DEFAULT_OBJECT_BYTES = 64 * 1024 * 1024;

export interface ExportProgress {
  blocks: number;
  revisions: number;
  objects: number;
}

export interface ExportJournalOptions {
  reader: JournalReader;
  s3Root: string;
  maxObjectBytes: number;
  signal: AbortSignal;
  progress: ExportProgress;
}

/** [choice, as the QLDB guide's example shows] A prefix names a folder: a `/` is added when it has none. */
export function keyPrefix(prefix: string): string {
  return prefix === '' || prefix.endsWith('/') ? prefix : `${prefix}/`;
}

export async function exportJournal(entry: ExportEntry, o: ExportJournalOptions): Promise<string[]> {
  const s3 = entry.S3ExportConfiguration;
  const prefix = keyPrefix(s3.Prefix);
  const format = entry.OutputFormat;
  const bucket = new BucketWriter(o.s3Root, s3.Bucket);
  await bucket.checkBucket();
  await bucket.put(`${prefix}${entry.ExportId}.started.manifest`, manifest(format, startedManifest(entry)));
  const ledger = o.reader.ledger(entry.LedgerName);
  if (ledger === undefined || ledger.creationTime.toISOString() !== entry.ledgerCreationTime) {
    throw new ExportWriteError(`The ledger ${entry.LedgerName} was deleted while the export ran.`);
  }
  const encode = blockEncoder(format);
  const keys: string[] = [];
  let object: { upload: ObjectUpload; hour: string; first: number; last: number } | null = null;
  let batch: JournalBlock[] = [];
  let batched = 0;
  // The size of the batch not encoded yet, estimated from what was encoded so far, keeps objects near the bound.
  let bytesPerRevision = 0;
  let written = { bytes: 0, revisions: 0 };
  const flush = async (): Promise<void> => {
    if (batch.length === 0 || object === null) return;
    const chunk = encode(batch);
    written = { bytes: written.bytes + chunk.length, revisions: written.revisions + batched };
    bytesPerRevision = written.bytes / Math.max(1, written.revisions);
    await object.upload.write(chunk);
    o.progress.blocks += batch.length;
    o.progress.revisions += batched;
    batch = [];
    batched = 0;
  };
  const close = async (): Promise<void> => {
    if (object === null) return;
    await flush();
    const key = `${prefix}${object.hour}/${ledger.strandId}.${object.first}-${object.last}.${OBJECT_EXTENSION[format]}`;
    await object.upload.commit(key);
    keys.push(key);
    o.progress.objects++;
    object = null;
  };
  let sinceYield = 0;
  const start = new Date(entry.InclusiveStartTime);
  const end = new Date(entry.ExclusiveEndTime);
  try {
    for await (const block of o.reader.blocks(entry.LedgerName, start, end, o.signal)) {
      const hour = hourFolder(block.blockTimestamp);
      const full = (): boolean => object!.upload.bytes + batched * bytesPerRevision >= o.maxObjectBytes;
      if (object !== null && (object.hour !== hour || full())) await close();
      const seq = block.blockAddress.sequenceNo;
      object ??= { upload: await bucket.open(`${prefix}${hour}`), hour, first: seq, last: seq };
      object.last = seq;
      batch.push(block);
      batched += block.revisions.length;
      sinceYield += block.revisions.length;
      if (sinceYield >= YIELD_EVERY_REVISIONS) {
        sinceYield = 0;
        await new Promise((resolve) => setImmediate(resolve));
      }
      if (batched >= BATCH_REVISIONS || bytesPerRevision === 0) await flush();
    }
    await close();
  } catch (error) {
    await (object as { upload: ObjectUpload } | null)?.upload.abort();
    throw error;
  }
  await bucket.put(
    `${prefix}${entry.ExportId}.${ledger.strandId}.completed.manifest`,
    manifest(format, { keys }),
  );
  return keys;
}

/** `yyyy/mm/dd/hh` (UTC) of a block's time. */
function hourFolder(t: Date): string {
  const two = (n: number): string => String(n).padStart(2, '0');
  return `${t.getUTCFullYear()}/${two(t.getUTCMonth() + 1)}/${two(t.getUTCDate())}/${two(t.getUTCHours())}`;
}

type ManifestValue = string | Date | string[];

/** The started manifest: the request's settings, as the QLDB guide shows them (outputFormat only when asked). */
function startedManifest(e: ExportEntry): Record<string, ManifestValue> {
  const m: Record<string, ManifestValue> = {
    ledgerName: e.LedgerName,
    exportId: e.ExportId,
    inclusiveStartTime: new Date(e.InclusiveStartTime),
    exclusiveEndTime: new Date(e.ExclusiveEndTime),
    bucket: e.S3ExportConfiguration.Bucket,
    prefix: e.S3ExportConfiguration.Prefix,
    objectEncryptionType: e.S3ExportConfiguration.EncryptionConfiguration.ObjectEncryptionType,
  };
  const kms = e.S3ExportConfiguration.EncryptionConfiguration.KmsKeyArn;
  if (kms !== undefined) m['kmsKeyArn'] = kms;
  if (e.outputFormatGiven) m['outputFormat'] = e.OutputFormat;
  return m;
}

/** A manifest in the export's format (QLDB writes them in the format asked for). */
function manifest(format: OutputFormat, members: Record<string, ManifestValue>): Buffer {
  if (format === 'JSON') {
    const json = Object.fromEntries(
      Object.entries(members).map(([k, v]) => [k, v instanceof Date ? v.toISOString() : v]),
    );
    return Buffer.from(`${JSON.stringify(json)}\n`, 'utf8');
  }
  const w: Writer = format === 'ION_TEXT' ? makeTextWriter() : makeBinaryWriter();
  w.stepIn(IonTypes.STRUCT);
  for (const [k, v] of Object.entries(members)) {
    w.writeFieldName(k);
    if (v instanceof Date) w.writeTimestamp(Timestamp.parse(v.toISOString()));
    else if (Array.isArray(v)) {
      w.stepIn(IonTypes.LIST);
      for (const s of v) w.writeString(s);
      w.stepOut();
    } else w.writeString(v);
  }
  w.stepOut();
  w.close();
  return Buffer.from(w.getBytes());
}
