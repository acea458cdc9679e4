import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  dryRun,
  resolveSource,
  type DryRunResult,
  type RejectEntry,
  type ResolvedSource,
  type ResolvedTask,
  type TimestreamRecord,
} from '@tsbatch/core';
import { startServer, type LocalServer, type LocalServerOptions } from '@tsbatch/local';
import { validateTask } from '@tsbatch/validator';
import { ensureTargetTable, type StaticCredentials } from '../src/index.js';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
export const CREDENTIALS: StaticCredentials = { accessKeyId: 'AKIDTEST', secretAccessKey: 'secret' };
/** Fast retries for tests: faults are frequent, waits are short, the bound is far. */
export const FAST_RETRY = { baseDelayMs: 2, maxDelayMs: 50, maxAttempts: 40 };

export function tempDir(prefix = 'tsbatch-ingest-'): string {
  return mkdtempSync(path.join(os.tmpdir(), prefix));
}

/** An in-process local endpoint on a fresh data folder (no fsync: throwaway). */
export async function server(options: LocalServerOptions = {}): Promise<LocalServer> {
  return startServer({ dataDir: path.join(tempDir('tsbatch-local-'), 'data'), sync: false, ...options });
}

export async function loadTask(
  file: string,
  s3Root: string,
): Promise<{ task: ResolvedTask; source: ResolvedSource }> {
  const json: unknown = JSON.parse(readFileSync(path.resolve(ROOT, file), 'utf8'));
  const result = await validateTask(json, { location: { s3Root } });
  if (!result.ok || result.task === undefined) throw new Error(JSON.stringify(result.issues));
  const source = await resolveSource(result.task.source, { s3Root });
  if (!source.ok) throw new Error(source.error.message);
  return { task: result.task, source: source.source };
}

/** The fleet task over a generated sample.csv in a fresh s3 root; `rows(i)` gives the CSV line of row i. */
export async function fleet(
  count: number,
  row: (i: number) => string = (i) =>
    `${1714521600 + i},Truck-${i % 100},TX-${i % 7},${i}.5,${i % 90},1.${i % 100},${i}`,
): Promise<{ task: ResolvedTask; source: ResolvedSource; s3Root: string }> {
  const s3Root = tempDir('tsbatch-s3-');
  const bucket = path.join(s3Root, 'test-batch-load-west-2');
  mkdirSync(bucket, { recursive: true });
  const lines = ['timestamp,vehicle,registration,wgt,spd,fuel_consumption,miles'];
  for (let i = 0; i < count; i++) lines.push(row(i));
  writeFileSync(path.join(bucket, 'sample.csv'), `${lines.join('\n')}\n`);
  return { ...(await loadTask('examples/fleet/task.json', s3Root)), s3Root };
}

/** Creates the task's table on the endpoint, magnetic writes on (the examples are 2024 data). */
export async function createTable(
  srv: LocalServer,
  task: ResolvedTask,
  options: { memoryStoreRetentionPeriodInHours?: number; enableMagneticStoreWrites?: boolean } = {},
): Promise<void> {
  await ensureTargetTable(
    { endpoint: srv.url, credentials: CREDENTIALS, database: task.database, table: task.table },
    { enableMagneticStoreWrites: true, ...options },
  );
}

export interface Expected {
  result: DryRunResult;
  records: TimestreamRecord[];
  rejects: RejectEntry[];
}

export async function expectedOf(
  task: ResolvedTask,
  source: ResolvedSource,
  taskId?: string,
): Promise<Expected> {
  const records: TimestreamRecord[] = [];
  const rejects: RejectEntry[] = [];
  const result = await dryRun(task, source, {
    ...(taskId !== undefined && { taskId }),
    onRecords: (_f, _l, rs) => void records.push(...rs),
    onReject: (e) => void rejects.push(e),
  });
  return { result, records, rejects };
}

export async function storedRecords(srv: LocalServer, task: ResolvedTask): Promise<TimestreamRecord[]> {
  const out: TimestreamRecord[] = [];
  // The store's versions are exact (bigint, R-LOCAL-2); the loads compared here use small ones.
  for await (const r of srv.store.records(task.database, task.table))
    out.push({ ...r, Version: Number(r.Version) });
  return out;
}

/** Records in a canonical order (their JSON), for comparing what was stored with what was predicted. */
export function sorted(records: TimestreamRecord[]): string[] {
  return records.map(canonical).sort();
}

/** JSON with object keys sorted at every level (arrays keep their order: dimension order matters). */
export function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (typeof value === 'object' && value !== null) {
    const entries = Object.entries(value).filter(([, v]) => v !== undefined);
    entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}
