/**
 * Starts export-worker: the compiled `dist/qldb/export-worker.js` when this package runs built, or the `.ts` source
 * (tests, `pnpm tsbatch`) through tsx, as packages/cli's ion-pool.ts does: tsx's ESM hooks do not reach a worker on
 * Node 20, its require hook does, so the worker is loaded with require() from a small entry module, with tsx and the
 * workspace's `source` export condition added when the parent was started without them.
 */
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { ExportJob } from './export-worker.js';

export function startExportWorker(job: ExportJob): Worker {
  const here = import.meta.url;
  if (!here.endsWith('.ts')) {
    return new Worker(fileURLToPath(new URL('./export-worker.js', here)), { workerData: { job } });
  }
  // Not `includes('tsx')`: under pnpm, vitest's own paths contain "_tsx@".
  const hasTsx = process.execArgv.some((a) => a === 'tsx' || /[\\/]tsx[\\/]dist[\\/]loader\.mjs$/.test(a));
  const execArgv = [...process.execArgv];
  if (!execArgv.some((a) => a === '--conditions=source' || a === '-C=source'))
    execArgv.push('--conditions=source');
  if (!hasTsx) execArgv.push('--import', 'tsx');
  const entry =
    "import { createRequire } from 'node:module'; import { workerData } from 'node:worker_threads'; " +
    'createRequire(workerData.file)(workerData.file);';
  return new Worker(new URL(`data:text/javascript,${encodeURIComponent(entry)}`), {
    execArgv,
    workerData: { file: fileURLToPath(new URL('./export-worker.ts', here)), job },
  });
}
