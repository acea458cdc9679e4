/**
 * R-QLDB-4: one journal export written into its bucket: `{prefix}{exportId}.started.manifest` first (the request's
 * settings), then the blocks of the range in data objects `{prefix}{yyyy}/{mm}/{dd}/{hh}/{strandId}.{firstSeq}-
 * {lastSeq}.{ion|json}` of consecutive blocks (a new object when the hour of the blocks changes or the object has
 * reached its size bound), then `{prefix}{exportId}.{strandId}.completed.manifest` = `{keys: [...]}` listing them in
 * order, written last. Streamed: memory holds one batch of blocks, whatever the size of the journal.
 */
import { IonBinaryWriter } from '../internal/ion-binary-writer.js';
import { IonTextWriter, timestampOfDate } from '../internal/ion-writer.js';
import type { StoredJournalBlock } from '../internal/journal-reader.js';
import { blockEncoder, OBJECT_EXTENSION } from './block-encoders.js';
import type { ExportBucket, ObjectUpload } from './bucket-objects.js';
import type { ExportEntry } from './export-registry.js';
import type { OutputFormat } from './export-request.js';

/** Revisions encoded at a time: the memory an export holds beyond the file buffers. */
const BATCH_REVISIONS = 2_000;
/** [choice] A data object is closed once it holds this many bytes (then the next block starts another). */
export const DEFAULT_OBJECT_BYTES = 64 * 1024 * 1024;

export interface ExportProgress {
  blocks: number;
  revisions: number;
  objects: number;
}

export interface ExportJournalOptions {
  /** The journal of the range, pages of consecutive blocks in commit order (internal/journal-reader.ts). */
  pages: AsyncIterable<readonly StoredJournalBlock[]>;
  /** The ledger's one strand, named in the completed manifest even when no block is in range. */
  strandId: string;
  /** The bucket of the request: a folder under `--s3-root`, or one of an object store (S3). */
  bucket: ExportBucket;
  maxObjectBytes: number;
  progress: ExportProgress;
}

/** [choice, as the QLDB guide's example shows] A prefix names a folder: a `/` is added when it has none. */
export function keyPrefix(prefix: string): string {
  return prefix === '' || prefix.endsWith('/') ? prefix : `${prefix}/`;
}

/** Writes the export's objects; answers the data objects' keys. Throws ExportWriteError when it cannot write them. */
export async function exportJournal(entry: ExportEntry, o: ExportJournalOptions): Promise<string[]> {
  const s3 = entry.S3ExportConfiguration;
  const prefix = keyPrefix(s3.Prefix);
  const format = entry.OutputFormat;
  const bucket = o.bucket;
  await bucket.checkBucket();
  await bucket.put(`${prefix}${entry.ExportId}.started.manifest`, manifest(format, startedManifest(entry)));
  const encode = blockEncoder(format);
  const keys: string[] = [];
  let object: { upload: ObjectUpload; hour: string; first: number; last: number } | null = null;
  let batch: StoredJournalBlock[] = [];
  let batched = 0;
  // The size of the batch not encoded yet, estimated from what was encoded so far, keeps objects near the bound.
  let bytesPerRevision = 0;
  let written = { bytes: 0, revisions: 0 };
  // One chunk's write is under way while the next batch is encoded (the file's writes run off this thread): the
  // encoder does not sit idle for the disk, and memory holds at most that one chunk more.
  let writing: Promise<void> | null = null;
  const drained = async (): Promise<void> => {
    const w = writing;
    writing = null;
    await w;
  };
  const flush = async (): Promise<void> => {
    if (batch.length === 0 || object === null) return;
    const chunk = encode(batch);
    written = { bytes: written.bytes + chunk.length, revisions: written.revisions + batched };
    bytesPerRevision = written.bytes / Math.max(1, written.revisions);
    await drained();
    writing = object.upload.write(chunk);
    // Awaited at the next flush or at close; until then its failure must not count as unhandled.
    writing.catch(() => undefined);
    o.progress.blocks += batch.length;
    o.progress.revisions += batched;
    batch = [];
    batched = 0;
  };
  const close = async (): Promise<void> => {
    if (object === null) return;
    await flush();
    await drained();
    const key = `${prefix}${object.hour}/${o.strandId}.${object.first}-${object.last}.${OBJECT_EXTENSION[format]}`;
    await object.upload.commit(key);
    keys.push(key);
    o.progress.objects++;
    object = null;
  };
  try {
    for await (const page of o.pages) {
      for (const block of page) {
        const hour = hourFolder(block.blockTimestamp);
        const full = (): boolean => object!.upload.bytes + batched * bytesPerRevision >= o.maxObjectBytes;
        if (object !== null && (object.hour !== hour || full())) await close();
        const seq = block.blockAddress.sequenceNo;
        object ??= { upload: await bucket.open(`${prefix}${hour}`), hour, first: seq, last: seq };
        object.last = seq;
        batch.push(block);
        batched += block.revisions.length;
        if (batched >= BATCH_REVISIONS || bytesPerRevision === 0) await flush();
      }
    }
    await close();
  } catch (error) {
    await drained().catch(() => undefined);
    await (object as { upload: ObjectUpload } | null)?.upload.abort();
    throw error;
  }
  await bucket.put(`${prefix}${entry.ExportId}.${o.strandId}.completed.manifest`, manifest(format, { keys }));
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

/** A manifest in the export's format (QLDB writes them in the format asked for), through the package's Ion writer. */
export function manifest(format: OutputFormat, members: Record<string, ManifestValue>): Buffer {
  if (format === 'JSON') {
    const json = Object.fromEntries(
      Object.entries(members).map(([k, v]) => [k, v instanceof Date ? v.toISOString() : v]),
    );
    return Buffer.from(`${JSON.stringify(json)}\n`, 'utf8');
  }
  const names = Object.keys(members);
  const w = format === 'ION_TEXT' ? new IonTextWriter(names) : new IonBinaryWriter(names);
  w.stepInStruct();
  for (const [k, v] of Object.entries(members)) {
    w.field(k);
    if (v instanceof Date) w.timestamp(timestampOfDate(v));
    else if (Array.isArray(v)) {
      w.stepInList();
      for (const s of v) w.string(s);
      w.stepOut();
    } else w.string(v);
  }
  w.stepOut();
  w.endValue();
  return Buffer.from(w.take());
}
