/**
 * R-EXP-1 output formats, fed the records as their stored JSON texts, a chunk at a time. JSON Lines: the stored
 * record exactly (values as strings, as WriteRecords takes them; Version exact), copied through without being
 * parsed. Ion text and binary: the same records typed (@tsbatch/local's record-ion.ts), written by the store's direct
 * Ion writers (ion-js is their test oracle), one stream: binary starts with the version marker and its symbol table.
 */
import { createRecordIonWriter, parseRecordChunk, writeRecordIon, type IonWriter } from '@tsbatch/local';

export const EXPORT_FORMATS = ['json', 'ion-text', 'ion-binary'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

export const FORMAT_NAMES: Readonly<Record<ExportFormat, string>> = {
  json: 'JSON Lines',
  'ion-text': 'Ion text',
  'ion-binary': 'Ion binary',
};

/** Turns chunks of record texts into output bytes. */
export interface RecordEncoder {
  /** The bytes of one chunk of records (JSON texts, one record each). */
  encode(chunk: readonly string[]): string | Uint8Array;
  /** The bytes that end the output (an empty Ion binary export is still a stream: its version marker). */
  end(): string | Uint8Array | null;
}

export function createRecordEncoder(format: ExportFormat): RecordEncoder {
  if (format === 'json') {
    return { encode: (chunk) => `${chunk.join('\n')}\n`, end: () => null };
  }
  return new IonEncoder(createRecordIonWriter(format === 'ion-binary'), format === 'ion-binary');
}

class IonEncoder implements RecordEncoder {
  private wrote = false;
  constructor(
    private readonly writer: IonWriter,
    private readonly binary: boolean,
  ) {}
  encode(chunk: readonly string[]): Uint8Array {
    for (const record of parseRecordChunk(chunk)) writeRecordIon(this.writer, record);
    this.wrote = true;
    return this.writer.take();
  }
  end(): Uint8Array | null {
    return this.binary && !this.wrote ? this.writer.take() : null;
  }
}
