/**
 * Ion encoding of an export on worker threads (R-EXP-1): parsing a record's JSON and writing its Ion take about ten
 * times as long as reading it from the store, so chunks are encoded on up to one worker per core while the main
 * thread reads the next ones; the pieces come back, and are written, in the order of the chunks.
 */
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { IonJob, IonJobResult } from './ion-worker.js';

/** Chunks handed to a worker before its first answer (keeps it busy while the main thread reads). */
const QUEUE_PER_WORKER = 2;

/** A worker running ion-worker: the compiled file, or from source (tests, `pnpm tsbatch`) through tsx. */
function startWorker(): Worker {
  const here = import.meta.url;
  if (!here.endsWith('.ts')) return new Worker(fileURLToPath(new URL('./ion-worker.js', here)));
  // tsx's ESM hooks do not reach a worker on Node 20, its require hook does (as for piscina's workers): the worker
  // is loaded with require() from a small entry module, with tsx added when the parent was started without it.
  const hasTsx = process.execArgv.some((a) => a === 'tsx' || /[\\/]tsx[\\/]dist[\\/]loader\.mjs$/.test(a));
  const execArgv = hasTsx ? process.execArgv : [...process.execArgv, '--import', 'tsx'];
  const entry =
    "import { createRequire } from 'node:module'; import { workerData } from 'node:worker_threads'; " +
    'createRequire(workerData)(workerData);';
  return new Worker(new URL(`data:text/javascript,${encodeURIComponent(entry)}`), {
    execArgv,
    workerData: fileURLToPath(new URL('./ion-worker.ts', here)),
  });
}

export class IonPool {
  private readonly workers: Worker[] = [];
  private readonly waiting = new Map<number, { resolve(b: Uint8Array): void; reject(e: Error): void }>();
  private next = 0;

  constructor(
    private readonly binary: boolean,
    size = Math.max(1, Math.min(availableParallelism(), 4)),
  ) {
    for (let i = 0; i < size; i++) {
      const w = startWorker();
      w.on('message', (r: IonJobResult) => this.settle(r));
      w.on('error', (error) => this.failAll(error));
      this.workers.push(w);
    }
  }

  /** How many chunks may be under way at once. */
  get depth(): number {
    return this.workers.length * QUEUE_PER_WORKER;
  }

  /** The Ion of one chunk of stored record texts. */
  encode(texts: string[]): Promise<Uint8Array> {
    const id = this.next++;
    const job: IonJob = { id, binary: this.binary, texts };
    return new Promise((resolve, reject) => {
      this.waiting.set(id, { resolve, reject });
      this.workers[id % this.workers.length]!.postMessage(job);
    });
  }

  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.terminate()));
  }

  private settle(r: IonJobResult): void {
    const w = this.waiting.get(r.id);
    if (w === undefined) return;
    this.waiting.delete(r.id);
    if ('error' in r) w.reject(new Error(r.error));
    else w.resolve(r.bytes);
  }

  private failAll(error: Error): void {
    for (const w of this.waiting.values()) w.reject(error);
    this.waiting.clear();
  }
}
