/**
 * R-EXP-1 output formats, fed the records as their stored JSON texts, a chunk at a time. JSON Lines: the stored
 * record exactly (values as strings, as WriteRecords takes them; Version exact), copied through without being
 * parsed. Ion text and binary: the same records typed (@tsbatch/local's record-ion.ts), written by the store's direct
 * Ion writers (ion-js is their test oracle) on worker threads, one stream: each binary piece starts with the version
 * marker and its symbol table, which Ion allows anywhere at the top level.
 */
import { createRecordIonWriter } from '@tsbatch/local';
import type { ExportOutput } from './export-output.js';
import { IonPool } from './ion-pool.js';

export const EXPORT_FORMATS = ['json', 'ion-text', 'ion-binary'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

export const FORMAT_NAMES: Readonly<Record<ExportFormat, string>> = {
  json: 'JSON Lines',
  'ion-text': 'Ion text',
  'ion-binary': 'Ion binary',
};

/**
 * Writes every chunk in `format` to `output`, in order, and answers the number of records written; `progress` hears
 * the count after each chunk. Ion is encoded on worker threads (ion-pool.ts), a few chunks ahead of the writing.
 */
export async function writeExport(
  chunks: AsyncIterable<string[]>,
  format: ExportFormat,
  output: ExportOutput,
  progress: (records: number) => void,
): Promise<number> {
  let records = 0;
  if (format === 'json') {
    for await (const chunk of chunks) {
      // The stored texts, copied out as they are: no parse, no re-serialisation.
      const wait = output.write(`${chunk.join('\n')}\n`);
      if (wait !== undefined) await wait;
      records += chunk.length;
      progress(records);
    }
    return records;
  }
  const binary = format === 'ion-binary';
  const pool = new IonPool(binary);
  const pending: { size: number; bytes: Promise<Uint8Array> }[] = [];
  const writeOldest = async (): Promise<void> => {
    const next = pending.shift()!;
    await output.write(await next.bytes);
    records += next.size;
    progress(records);
  };
  try {
    for await (const chunk of chunks) {
      pending.push({ size: chunk.length, bytes: pool.encode(chunk) });
      if (pending.length >= pool.depth) await writeOldest();
    }
    while (pending.length > 0) await writeOldest();
    // An export without records is still an Ion binary stream: the version marker (and the symbol table) alone.
    if (binary && records === 0) await output.write(createRecordIonWriter(true).take());
  } finally {
    // A failed write leaves encodings under way: let them settle before the workers go.
    await Promise.allSettled(pending.map((p) => p.bytes));
    await pool.close();
  }
  return records;
}
