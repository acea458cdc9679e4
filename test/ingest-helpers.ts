/** Shared by the end-to-end ingest tests: running the CLI (in-process or as a child), local endpoints, comparisons. */
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { main } from '@tsbatch/cli';
import type { TimestreamRecord } from '@tsbatch/core';
import { startServer, type LocalServer, type LocalServerOptions } from '@tsbatch/local';
import { ROOT } from './readme-examples.js';

export { ROOT };

/** The SDK's default chain reads these; nothing here ever reaches AWS. */
export const CHILD_ENV = {
  ...process.env,
  AWS_ACCESS_KEY_ID: 'AKIDTEST',
  AWS_SECRET_ACCESS_KEY: 'secret',
  AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
  FORCE_COLOR: '0',
  // Children are killed with SIGKILL at random points: one killed while tsx writes its transform cache would
  // leave a torn cache file that makes the next child fail to load (exit 1 before any output).
  TSX_DISABLE_CACHE: '1',
};

export function tempDir(prefix: string): string {
  return mkdtempSync(path.join(os.tmpdir(), prefix));
}

export interface Run {
  exit: number;
  stdout: string;
  stderr: string;
}

/** Runs the CLI in this process (its own main), from the repository root. */
export async function tsbatch(argv: string[]): Promise<Run> {
  let stdout = '';
  let stderr = '';
  const sink = (append: (s: string) => void): Writable =>
    new Writable({
      write(chunk: Buffer, _encoding, done): void {
        append(chunk.toString());
        done();
      },
    });
  const exit = await main(argv, {
    stdout: sink((s) => (stdout += s)),
    stderr: sink((s) => (stderr += s)),
    cwd: ROOT,
  });
  return { exit, stdout, stderr };
}

/** `tsbatch` as a child process, from source (as `pnpm tsbatch` runs it). */
export function spawnTsbatch(argv: string[]): ChildProcess & { done: Promise<Run> } {
  const child = spawn(
    process.execPath,
    ['--conditions=source', '--import', 'tsx', path.join(ROOT, 'packages/cli/src/cli.ts'), ...argv],
    { cwd: ROOT, env: CHILD_ENV, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  const done = new Promise<Run>((resolve) => {
    child.on('close', (code, signal) =>
      resolve({ exit: code ?? (signal === 'SIGKILL' ? 137 : 128), stdout, stderr }),
    );
  });
  return Object.assign(child, { done });
}

/** A local endpoint in this process, counting its acknowledged WriteRecords calls. */
export async function endpoint(
  options: LocalServerOptions = {},
): Promise<LocalServer & { written: () => number; dataDir: string }> {
  let written = 0;
  const dataDir = path.join(tempDir('tsbatch-e2e-local-'), 'data');
  const srv = await startServer({
    dataDir,
    sync: false,
    ...options,
    log: (line) => {
      if (line.startsWith('WriteRecords 200') || line.startsWith('WriteRecords 419')) written++;
    },
  });
  return Object.assign(srv, { written: () => written, dataDir });
}

/** Writes `files` (key -> content) under `<root>/<bucket>/`. */
export function writeBucket(root: string, bucket: string, files: Record<string, string>): void {
  for (const [key, content] of Object.entries(files)) {
    const file = path.join(root, bucket, key);
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, content);
  }
}

/** The records of a `tsbatch dry-run --records FILE` output. */
export function dryRunRecords(file: string): TimestreamRecord[] {
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => (JSON.parse(l) as { record: TimestreamRecord }).record);
}

export async function storedRecords(
  srv: LocalServer,
  database: string,
  table: string,
): Promise<TimestreamRecord[]> {
  const out: TimestreamRecord[] = [];
  // The store's versions are exact (bigint, R-LOCAL-2); the loads compared here use small ones.
  for await (const r of srv.store.records(database, table)) out.push({ ...r, Version: Number(r.Version) });
  return out;
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

export function sorted(records: TimestreamRecord[]): string[] {
  return records.map(canonical).sort();
}

/**
 * An order-free digest of a multiset of records (count and the sum of their hashes), so that a million records
 * compare without holding two sorted copies: equal digests mean the same records, each as many times.
 */
export class RecordDigest {
  count = 0;
  private sum = 0n;
  add(record: TimestreamRecord): void {
    this.count++;
    this.sum =
      (this.sum + BigInt(`0x${createHash('sha256').update(canonical(record)).digest('hex')}`)) % 2n ** 256n;
  }
  get value(): string {
    return `${this.count}:${this.sum.toString(16)}`;
  }
}

/** A generator seeded from FC_SEED or the clock, printed so a failing run can be repeated. */
export function seededRandom(label: string): () => number {
  const seed = process.env.FC_SEED === undefined ? Date.now() % 2 ** 31 : Number(process.env.FC_SEED);
  console.log(`${label}: seed ${seed} (set FC_SEED=${seed} to repeat)`);
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
