/**
 * A worker of ion-pool.ts: turns chunks of stored record texts into Ion (R-EXP-1), each chunk one self-contained
 * piece of the stream (binary: it starts with the version marker and the symbol table, which Ion allows at any
 * top-level position, so the pieces concatenate into one valid stream).
 */
import { parentPort } from 'node:worker_threads';
import { createRecordIonWriter, writeRecordIonOfJson } from '@tsbatch/local/ion';

export interface IonJob {
  id: number;
  binary: boolean;
  texts: string[];
}

export type IonJobResult = { id: number; bytes: Uint8Array } | { id: number; error: string };

parentPort?.on('message', (job: IonJob) => {
  try {
    const writer = createRecordIonWriter(job.binary);
    // The stored text straight to Ion, without JSON.parse: the same writer calls as writeRecordIon of the parsed
    // record (record-transcoder.ts, property-tested call for call), then the top-level value's end.
    for (const text of job.texts) {
      writeRecordIonOfJson(writer, text);
      writer.endValue();
    }
    const bytes = writer.take();
    parentPort!.postMessage({ id: job.id, bytes } satisfies IonJobResult, [bytes.buffer as ArrayBuffer]);
  } catch (error) {
    parentPort!.postMessage({ id: job.id, error: (error as Error).message } satisfies IonJobResult);
  }
});
