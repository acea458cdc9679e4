/**
 * What the fault matrix (faults-matrix.test.ts) and the soak script (soak.ts) share: `tsbatch serve` as a child
 * process that can be killed with SIGKILL and restarted on the same port and data folder, a generated fleet load,
 * the stored records of a data folder, and `tsbatch ingest` / `tasks resume` children.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createWriteStream, mkdirSync } from 'node:fs';
import path from 'node:path';
import type { ProgressReport, TimestreamRecord } from '@tsbatch/core';
import { startServer } from '@tsbatch/local';
import { CHILD_ENV, ROOT, spawnTsbatch, type Run } from './ingest-helpers.js';

export const DB = 'BatchLoadExampleDatabase';
export const TABLE = 'BatchLoadExampleTable';
export const TASK = 'examples/fleet/task.json';
export const CREDENTIALS = { accessKeyId: 'AKIDTEST', secretAccessKey: 'secret' };

export type Described = { BatchLoadTaskDescription: { TaskStatus: string; ProgressReport: ProgressReport } };

/** A `tsbatch serve` child: its URL, its acknowledged WriteRecords calls, and how to kill or stop it. */
export interface ServeChild {
  url: string;
  port: number;
  dataDir: string;
  /** WriteRecords calls answered 200 or 419 (the records were stored or refused) since it started. */
  acknowledged(): number;
  /** Calls whose connection the fault injection dropped or whose answer it lost. */
  faulted(): number;
  kill9(): Promise<void>;
  /** SIGTERM: a clean stop that flushes the store. */
  stop(): Promise<void>;
  stderr(): string;
}

/** Starts `tsbatch serve` in a process of its own (from source, as `pnpm tsbatch serve` runs it). */
export async function startServe(options: {
  dataDir: string;
  port?: number;
  fault?: string;
  seed?: number;
}): Promise<ServeChild> {
  // One line per request: the acknowledged WriteRecords calls are counted from them (the default is a summary).
  const argv = [
    'serve',
    '--port',
    String(options.port ?? 0),
    '--data-dir',
    options.dataDir,
    '--log-requests',
  ];
  if (options.fault !== undefined && options.fault !== '') argv.push('--fault', options.fault);
  if (options.seed !== undefined) argv.push('--fault-seed', String(options.seed));
  const child = spawn(
    process.execPath,
    ['--conditions=source', '--import', 'tsx', path.join(ROOT, 'packages/cli/src/cli.ts'), ...argv],
    { cwd: ROOT, env: CHILD_ENV, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let acknowledged = 0;
  let faulted = 0;
  let err = '';
  let partial = '';
  child.stderr.on('data', (chunk: Buffer) => {
    const text = partial + chunk.toString();
    const lines = text.split('\n');
    partial = lines.pop()!;
    for (const line of lines) {
      if (/ WriteRecords (200|419) /.test(line)) acknowledged++;
      else if (/ WriteRecords dropped /.test(line)) faulted++;
      else if (!/ (WriteRecords|DescribeTable|DescribeEndpoints|CreateTable|CreateDatabase) /.test(line))
        err += `${line}\n`;
    }
  });
  const exited = once(child, 'close');
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    const onData = (chunk: Buffer): void => {
      out += chunk.toString();
      const nl = out.indexOf('\n');
      if (nl >= 0) {
        child.stdout.off('data', onData);
        resolve(out.slice(0, nl).trim());
      }
    };
    child.stdout.on('data', onData);
    void exited.then(() => reject(new Error(`tsbatch serve exited before listening:\n${err}`)));
  });
  const stopWith = async (signal: NodeJS.Signals): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    await exited;
  };
  return {
    url,
    port: Number(new URL(url).port),
    dataDir: options.dataDir,
    acknowledged: () => acknowledged,
    faulted: () => faulted,
    kill9: () => stopWith('SIGKILL'),
    stop: () => stopWith('SIGTERM'),
    stderr: () => err,
  };
}

/**
 * Starts `tsbatch serve` again on the port a killed one used (the client keeps its URL). The port can stay busy for
 * a moment after the kill: tried again until it binds.
 */
export async function restartServe(
  old: ServeChild,
  options: { fault?: string; seed?: number } = {},
): Promise<ServeChild> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await startServe({ dataDir: old.dataDir, port: old.port, ...options });
    } catch (error) {
      if (attempt >= 20) throw error;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

/** Every stored record of the table in `dataDir` (the server must be stopped: the folder is locked while open). */
export async function* storedRecordsOf(dataDir: string): AsyncGenerator<TimestreamRecord> {
  const srv = await startServer({ dataDir, port: 0 });
  try {
    // The store's versions are exact (bigint, R-LOCAL-2); the soak's are small.
    for await (const r of srv.store.records(DB, TABLE)) yield { ...r, Version: Number(r.Version) };
  } finally {
    await srv.close();
  }
}

/** Runs the CLI as a child until `serve` has acknowledged `calls` more calls, then kills it with SIGKILL. */
export async function killClientAfter(serve: ServeChild, argv: string[], calls: number): Promise<Run> {
  const start = serve.acknowledged();
  const child = spawnTsbatch(argv);
  let finished = false;
  void child.done.then(() => (finished = true));
  while (!finished && serve.acknowledged() - start < calls) await new Promise((r) => setTimeout(r, 2));
  if (!finished) child.kill('SIGKILL');
  return child.done;
}

/** Waits until `serve` has acknowledged `calls` calls (or `until` resolves first). */
export async function acknowledgedAtLeast(
  serve: ServeChild,
  calls: number,
  until: Promise<unknown>,
): Promise<boolean> {
  let over = false;
  void until.then(() => (over = true));
  while (!over && serve.acknowledged() < calls) await new Promise((r) => setTimeout(r, 2));
  return !over;
}

export type ChildRun = ChildProcess & { done: Promise<Run> };

/**
 * The fleet model over `files` CSV files of `rowsPerFile` rows under `<folder>/part-N.csv`, streamed to disk (flat
 * memory for any size). Every 1,999th row has a bad weight (a parse failure); vehicles and registrations repeat.
 */
export async function generateFleet(folder: string, files: number, rowsPerFile: number): Promise<void> {
  mkdirSync(folder, { recursive: true });
  for (let f = 0; f < files; f++) {
    const out = createWriteStream(path.join(folder, `part-${String(f).padStart(3, '0')}.csv`));
    out.write('timestamp,vehicle,registration,wgt,spd,fuel_consumption,miles\n');
    let chunk = '';
    for (let i = 0; i < rowsPerFile; i++) {
      const n = f * rowsPerFile + i;
      chunk +=
        n % 1_999 === 17
          ? `${1714521600 + n},Truck-${n % 97},TX,heavy,1,1,1\n`
          : `${1714521600 + n},Truck-${n % 97},TX-${n % 9},${n % 9000}.5,${n % 90},1.${n % 10},${n}\n`;
      if (chunk.length > 1 << 20) {
        if (!out.write(chunk)) await once(out, 'drain');
        chunk = '';
      }
    }
    out.end(chunk);
    await once(out, 'close');
  }
}

/** Seconds, one decimal. */
export function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}
