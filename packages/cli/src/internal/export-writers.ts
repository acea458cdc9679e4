/**
 * R-EXP-1 output files, written with bounded memory and backpressure, into a private file that is renamed over
 * `--out` only when the export is complete: a failed or interrupted export never leaves a file that looks whole.
 * JSON Lines: the stored Record exactly (values as strings, as WriteRecords takes them), one per line. Ion: the
 * same records typed (export-ion.ts), written by ion-js in chunks of CHUNK_RECORDS, since an ion-js writer keeps its
 * whole output in memory; binary chunks each start with the Ion version marker, which the Ion spec allows anywhere
 * at the top level (it resets the symbol table), so the file is one valid Ion stream.
 */
import { createWriteStream, type WriteStream } from 'node:fs';
import { once } from 'node:events';
import { rename, rm } from 'node:fs/promises';
import { makeBinaryWriter, makeTextWriter, type Writer } from 'ion-js';
import type { TimestreamRecord } from '@tsbatch/core';
import { writeIonRecord } from './export-ion.js';

export const EXPORT_FORMATS = ['json', 'ion-text', 'ion-binary'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

export const FORMAT_NAMES: Readonly<Record<ExportFormat, string>> = {
  json: 'JSON Lines',
  'ion-text': 'Ion text',
  'ion-binary': 'Ion binary',
};

const CHUNK_RECORDS = 1000;
const FLUSH_BYTES = 64 * 1024;
const NEWLINE = Buffer.from('\n');

/** The output file could not be written (disk full, permissions): not a bug, not the export's fault. */
export class OutputError extends Error {
  readonly code = 'CLI_OUTPUT';
}

export interface RecordWriter {
  /** Returns a promise only when the caller has to wait (the file is behind). */
  write(record: TimestreamRecord): Promise<void> | undefined;
  /** Finishes the file and puts it at its place. */
  commit(): Promise<void>;
  /** Drops what was written. */
  abort(): Promise<void>;
}

export function createRecordWriter(file: string, format: ExportFormat): RecordWriter {
  const partial = `${file}.${process.pid}.partial`;
  const out = new ChunkStream(partial);
  let encode: RecordEncoder;
  if (format === 'json') encode = new JsonEncoder();
  else encode = new IonEncoder(format === 'ion-binary');
  return {
    write(record): Promise<void> | undefined {
      const chunk = encode.add(record);
      return chunk === null ? undefined : out.write(chunk);
    },
    async commit(): Promise<void> {
      const last = encode.end();
      if (last !== null) await out.write(last);
      await out.close();
      await rename(partial, file).catch((error: Error) => {
        throw new OutputError(`cannot write ${file}: ${error.message}`, { cause: error });
      });
    },
    async abort(): Promise<void> {
      await out.close().catch(() => undefined);
      await rm(partial, { force: true });
    },
  };
}

/** Turns records into output chunks: `add` answers a chunk when one is ready. */
interface RecordEncoder {
  add(record: TimestreamRecord): string | Uint8Array | null;
  end(): string | Uint8Array | null;
}

class JsonEncoder implements RecordEncoder {
  private pending = '';
  add(record: TimestreamRecord): string | null {
    this.pending += `${JSON.stringify(record)}\n`;
    if (this.pending.length < FLUSH_BYTES) return null;
    return this.end();
  }
  end(): string | null {
    const chunk = this.pending;
    this.pending = '';
    return chunk === '' ? null : chunk;
  }
}

class IonEncoder implements RecordEncoder {
  private writer: Writer | null = null;
  private count = 0;
  private written = false;
  constructor(private readonly binary: boolean) {}
  add(record: TimestreamRecord): Uint8Array | null {
    this.writer ??= this.binary ? makeBinaryWriter() : makeTextWriter();
    writeIonRecord(this.writer, record);
    return ++this.count < CHUNK_RECORDS ? null : this.flush();
  }
  end(): Uint8Array | null {
    // An export without records is still an Ion binary stream: the version marker alone.
    if (this.binary && !this.written) this.writer ??= makeBinaryWriter();
    return this.flush();
  }
  private flush(): Uint8Array | null {
    if (this.writer === null) return null;
    this.writer.close();
    const bytes = this.writer.getBytes();
    this.writer = null;
    this.count = 0;
    this.written = true;
    // Text: one value per line, and the next chunk starts on a line of its own.
    return this.binary ? bytes : Buffer.concat([bytes, NEWLINE]);
  }
}

/** A file stream whose `write` answers a promise only when it is full (STYLE rule 7). */
class ChunkStream {
  private readonly stream: WriteStream;
  private failure: Error | null = null;
  constructor(private readonly file: string) {
    this.stream = createWriteStream(file);
    this.stream.on('error', (error) => {
      this.failure = new OutputError(`cannot write ${file}: ${error.message}`, { cause: error });
    });
  }
  write(chunk: string | Uint8Array): Promise<void> | undefined {
    if (this.failure !== null) throw this.failure;
    if (this.stream.write(chunk)) return undefined;
    return once(this.stream, 'drain').then(
      () => undefined,
      (error: Error) => {
        throw new OutputError(`cannot write ${this.file}: ${error.message}`, { cause: error });
      },
    );
  }
  async close(): Promise<void> {
    if (!this.stream.closed) {
      this.stream.end();
      await once(this.stream, 'close');
    }
    if (this.failure !== null) throw this.failure;
  }
}
