// One client of blaster.ts: reads its pre-built WriteRecords requests (one JSON object per line) and keeps `calls`
// of them in flight through one SDK client, as a `tsbatch ingest` worker thread does.
import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { parentPort, workerData } from 'node:worker_threads';
import { WriteRecordsCommand, type WriteRecordsCommandInput } from '@aws-sdk/client-timestream-write';
import { clientSettings, createClient } from '@tsbatch/ingest';

export interface BlasterWorkerData {
  file: string;
  endpoint: string;
  calls: number;
}
export interface BlasterDone {
  records: number;
  calls: number;
  /** Calls the SDK sent again after a transient failure (its `$metadata.attempts` - 1, summed). */
  retries: number;
  error: string | null;
}

const data = workerData as BlasterWorkerData;
const port = parentPort!;
// The same client as a tsbatch worker's (keep-alive agent with one socket per call in flight), with the SDK's own
// standard retries and as many attempts as tsbatch's default (10): a raw client still survives a reset connection
// (the 10M run of 2026-11-22 lost the whole bench to one `read ECONNRESET` while the endpoint held 6 GiB).
const MAX_ATTEMPTS = 10;
const client = createClient(
  clientSettings(
    { endpoint: data.endpoint, credentials: { accessKeyId: 'AKIDBLASTER', secretAccessKey: 'secret' } },
    data.calls,
  ),
  undefined,
  MAX_ATTEMPTS,
);
const lines = createInterface({ input: createReadStream(data.file, { highWaterMark: 1 << 20 }) })[
  Symbol.asyncIterator
]();
// Lines are taken one at a time: concurrent next() calls on a readline iterator are not supported.
let reading: Promise<unknown> = Promise.resolve();
function nextLine(): Promise<string | null> {
  const next = reading.then(async () => {
    const r = await lines.next();
    return r.done === true ? null : r.value;
  });
  reading = next.catch(() => undefined);
  return next;
}

let records = 0;
let calls = 0;
let retries = 0;
let error: string | null = null;
async function loop(): Promise<void> {
  for (let line = await nextLine(); line !== null && error === null; line = await nextLine()) {
    const input = JSON.parse(line) as WriteRecordsCommandInput;
    try {
      const answer = await client.send(new WriteRecordsCommand(input));
      retries += (answer.$metadata.attempts ?? 1) - 1;
    } catch (e) {
      error ??= `${(e as Error).name}: ${(e as Error).message}`;
      return;
    }
    calls++;
    records += input.Records?.length ?? 0;
  }
}
await Promise.all(Array.from({ length: data.calls }, loop));
client.destroy();
port.postMessage({ records, calls, retries, error } satisfies BlasterDone);
