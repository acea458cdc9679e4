/**
 * R-S3-1 against a real S3 server (s3rver on loopback, s3-server.ts): listing in key order across pages, ranged reads
 * of a 30 MB object (a body cut off midway resumed), the one-thread and parallel dry runs equal to the same files on
 * local disk, DataModelS3Configuration read from S3, and the clear errors (bucket missing, access denied, object
 * changed, credentials missing).
 */
import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  dryRun,
  isSourceChanged,
  resolveSource,
  type DryRunResult,
  type ResolvedSource,
  type StagedBytes,
} from '@tsbatch/core';
import { parallelDryRun, parallelSupport } from '@tsbatch/parallel';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { FLEET_HEADER, fleetTask } from '../../core/test/dry-run-fixtures.js';
import { createS3Reader, s3ClientConfig, s3SourceLocation } from '../src/index.js';
import { createSourceReader } from '../src/s3-reader-module.js';
import { heldBlocks } from '../src/staged-memory.js';
import { REREAD_BLOCK_BYTES, SyncRangeReader } from '../src/sync-range.js';
import { startS3Proxy } from './s3-proxy.js';
import { s3ServerMissing, startS3Server, type S3TestServer } from './s3-server.js';

const missing = s3ServerMissing();
const NOW = new Date('2024-05-01T01:30:00Z');
const TABLE = {
  memoryStoreRetentionPeriodInHours: 24,
  magneticStoreRetentionPeriodInDays: 0,
  enableMagneticStoreWrites: false,
};
const T0 = 1714521600;

/** A fleet CSV of about `bytes` with bad rows, quoted newlines and conflicting rewrites (so re-reads happen). */
function fleetCsv(bytes: number, seed: number, rewrites = 53): string {
  const lines = [FLEET_HEADER];
  let size = FLEET_HEADER.length + 1;
  let n = seed;
  for (let i = 0; size < bytes; i++) {
    n = (n * 1103515245 + 12345) & 0x7fffffff;
    const kind = n % 53 === 0 ? 0 : n % rewrites === 1 ? 1 : n % 53 === 2 ? 2 : 3;
    const line =
      kind === 0
        ? `${T0 - (i % 900)},v${i % 7},"R\n${i % 5}",x,1,2,3`
        : kind === 1
          ? `${T0 - (i % 40)},v0,R0,${i},1,1,1`
          : kind === 2
            ? `${T0},v1,R1,1,2`
            : `${T0 - (n % 80_000)},v${i % 97},R${i % 89},${i % 1000}.25,${n % 120}.5,${n % 9},${i * 3}`;
    lines.push(line);
    size += Buffer.byteLength(line) + 1;
  }
  return `${lines.join('\n')}\n`;
}

/** The run's results that must not depend on where the bytes came from. */
function outcome(result: DryRunResult): unknown {
  return {
    status: result.status,
    progress: result.progress,
    errorReport: result.errorReport,
    warnings: result.warnings,
    taskId: result.taskId,
  };
}

describe.skipIf(missing !== null)(
  `S3 sources on a real S3 server (R-S3-1)${missing === null ? '' : `: skipped, ${missing}`}`,
  () => {
    let s3: S3TestServer;
    let local: string;
    // Rewrites are rarer in the big file, which keeps its duplicate index small (exact encodings, R-DUP-1).
    const big = fleetCsv(30 * 1024 * 1024, 7, 2003);
    const small = fleetCsv(200_000, 3);

    beforeAll(async () => {
      s3 = await startS3Server();
      await s3.createBucket('fleet-data');
      local = mkdtempSync(path.join(os.tmpdir(), 'tsbatch-s3-'));
      const files: Record<string, string> = {
        'big/part-0001.csv': big,
        'mixed/a.csv': small,
        'mixed/b/é.csv': small.replace('R1,', 'R2,'), // a non-ASCII key: byte-wise order (R-IN-3)
        'mixed/b/z.csv': small, // the same rows again: every row is a duplicate candidate, read again (R-DUP-1)
        'mixed/b.csv': `${FLEET_HEADER}\n${T0},v1,R1,1,2,3,4\n`,
        // Seven keys read two a page (no key beside a folder that sorts before '/', see s3-server.ts).
        ...Object.fromEntries(
          ['00.csv', '01.csv', '02/x.csv', '03.csv', 'z/é.csv', 'zz.csv', 'é.csv'].map((k) => [
            `paged/${k}`,
            `${FLEET_HEADER}\n${T0},v1,R1,1,2,3,4\n`,
          ]),
        ),
      };
      for (const [key, body] of Object.entries(files)) {
        await s3.put('fleet-data', key, body);
        mkdirSync(path.dirname(path.join(local, 'fleet-data', key)), { recursive: true });
        writeFileSync(path.join(local, 'fleet-data', key), body);
      }
    }, 120_000);

    afterAll(async () => {
      await s3?.close();
    });

    async function both(
      prefix: string,
      listPageSize = 1000,
    ): Promise<{ fromS3: ResolvedSource; fromDisk: ResolvedSource }> {
      const fromS3 = await resolveSource(
        { bucket: 'fleet-data', prefix },
        s3SourceLocation({ ...s3.settings, listPageSize }),
      );
      const fromDisk = await resolveSource({ bucket: 'fleet-data', prefix }, { s3Root: local });
      if (!fromS3.ok || !fromDisk.ok) throw new Error('unresolved');
      return { fromS3: fromS3.source, fromDisk: fromDisk.source };
    }

    it('lists every object under the prefix across pages, as on disk (R-S3-1, R-IN-3)', async () => {
      const { fromS3, fromDisk } = await both('paged/', 2);
      expect(fromS3.files.map((f) => [f.key, f.size])).toEqual(fromDisk.files.map((f) => [f.key, f.size]));
      expect(fromS3.files.map((f) => f.key.slice('paged/'.length))).toEqual([
        '00.csv',
        '01.csv',
        '02/x.csv',
        '03.csv',
        'z/é.csv',
        'zz.csv',
        'é.csv',
      ]);
    });

    it('lists every object under the prefix in byte-wise key order, as on disk (R-S3-1, R-IN-3)', async () => {
      const { fromS3, fromDisk } = await both('mixed/');
      expect(fromS3.files.map((f) => [f.key, f.size])).toEqual(fromDisk.files.map((f) => [f.key, f.size]));
      expect(fromS3.files.map((f) => f.key)).toEqual([
        'mixed/a.csv',
        'mixed/b.csv',
        'mixed/b/z.csv',
        'mixed/b/é.csv',
      ]);
      expect(
        fromS3.files.every(
          (f) => f.path === `s3://fleet-data/${f.key}` && /^"[0-9a-f]+"$/.test(f.etag ?? ''),
        ),
      ).toBe(true);
      expect(fromS3.totalBytes).toBe(fromDisk.totalBytes);
    });

    it('reads a 30 MB object in ranged GETs, byte for byte (R-S3-1)', async () => {
      const reader = createS3Reader({ ...s3.settings, partBytes: 4 * 1024 * 1024 });
      const [file] = await reader.list('fleet-data', 'big/');
      const parts: Buffer[] = [];
      for await (const chunk of reader.read(file!, { highWaterMark: 65536 })) parts.push(chunk);
      expect(Buffer.concat(parts).equals(Buffer.from(big))).toBe(true);
      // From the middle, stopping early: what a range job does.
      const from = 12_345_678;
      const got: Buffer[] = [];
      let n = 0;
      for await (const chunk of reader.read(file!, {
        start: from,
        end: from + 100_000,
        highWaterMark: 65536,
      })) {
        got.push(chunk);
        n += chunk.length;
        if (n > 5_000_000) break;
      }
      const read = Buffer.concat(got);
      expect(read.equals(Buffer.from(big).subarray(from, from + read.length))).toBe(true);
      // R-DUP-1: rows are read again synchronously from the range cache the reads filled, never over HTTP.
      expect(reader.rereads).toBe(true);
      const version = await reader.version(file!);
      expect(version).toBe(file!.etag);
      const release = reader.retain!([file!]);
      const row = reader.readSync(file!, version!, from + 1000, 5000);
      expect(row?.equals(Buffer.from(big).subarray(from + 1000, from + 6000))).toBe(true);
      expect(reader.readSync(file!, '"another-etag"', from, 10)).toBeNull();
      // Bytes past the object's end are not made up.
      expect(reader.readSync(file!, version!, big.length - 10, 20)).toBeNull();
      // Bytes no read brought: asked for by a ranged GET of the listed version, exact.
      const unread = reader.readSync(file!, version!, 1_000, 300);
      expect(unread?.equals(Buffer.from(big).subarray(1_000, 1_300))).toBe(true);
      release();
      // The run ended: its objects' bytes are gone from the temporary folder; a re-read asks S3 again, exactly.
      const after = reader.readSync(file!, version!, from + 1000, 5000);
      expect(after?.equals(Buffer.from(big).subarray(from + 1000, from + 6000))).toBe(true);
      const none = createS3Reader({ ...s3.settings, rangeCache: false });
      expect(none.rereads).toBe(false);
      expect(await none.version(file!)).toBeNull();
    });

    it('reads the parts another read of the object brought from the range cache, not from S3 again (R-DUP-1, R-S3-1)', async () => {
      const proxy = await startS3Proxy(s3.endpoint, {});
      try {
        const gets = (): number => proxy.requests.filter((r) => r.startsWith('GET /fleet-data/big')).length;
        const partBytes = 4 * 1024 * 1024;
        const parts = Math.ceil(big.length / partBytes);
        const bytes = Buffer.from(big);
        const all = async (chunks: AsyncIterable<Buffer>): Promise<Buffer> => {
          const got: Buffer[] = [];
          for await (const chunk of chunks) got.push(chunk);
          return Buffer.concat(got);
        };
        // One read after the other: the second makes no request.
        const reader = createS3Reader({ ...s3.settings, s3Endpoint: proxy.endpoint, partBytes });
        const [file] = await reader.list('fleet-data', 'big/');
        const release = reader.retain!([file!]);
        expect((await all(reader.read(file!, { highWaterMark: 65536 }))).equals(bytes)).toBe(true);
        expect(gets()).toBe(parts);
        expect((await all(reader.read(file!, { highWaterMark: 65536 }))).equals(bytes)).toBe(true);
        expect(gets()).toBe(parts);
        release();
        // Two reads at once, as the one-thread dry run's spill ahead (spill-ahead.ts): the one behind reads what the
        // one ahead brought; only the parts both were in at once are asked for twice.
        const second = createS3Reader({ ...s3.settings, s3Endpoint: proxy.endpoint, partBytes });
        const hold = second.retain!([file!]);
        const before = gets();
        const behind = second.read(file!, { highWaterMark: 65536 })[Symbol.asyncIterator]();
        const first: Buffer[] = [];
        for (let n = 0; n < 10_000_000;) {
          const next = await behind.next();
          if (next.done === true) break;
          first.push(next.value);
          n += next.value.length;
        }
        expect((await all(second.read(file!, { highWaterMark: 65536 }))).equals(bytes)).toBe(true);
        for (let next = await behind.next(); next.done !== true; next = await behind.next())
          first.push(next.value);
        expect(Buffer.concat(first).equals(bytes)).toBe(true);
        expect(gets() - before).toBeLessThanOrEqual(parts + 2);
        hold();
      } finally {
        await proxy.close();
      }
    });

    it('fetches again what a read before the run brought: a run reads only what its own reads wrote (R-DUP-1, R-S3-1)', async () => {
      const proxy = await startS3Proxy(s3.endpoint, {});
      try {
        const gets = (): number => proxy.requests.filter((r) => r.startsWith('GET /fleet-data/big')).length;
        const partBytes = 4 * 1024 * 1024;
        const reader = createS3Reader({ ...s3.settings, s3Endpoint: proxy.endpoint, partBytes });
        const [file] = await reader.list('fleet-data', 'big/');
        // A whole read with no run holding the object (as a header check before the task runs, in serve).
        for await (const chunk of reader.read(file!, { highWaterMark: 65536 }))
          expect(chunk.length).toBeGreaterThan(0);
        const before = gets();
        expect(before).toBe(Math.ceil(big.length / partBytes));
        const release = reader.retain!([file!]);
        const got: Buffer[] = [];
        for await (const chunk of reader.read(file!, { highWaterMark: 65536 })) got.push(chunk);
        expect(Buffer.concat(got).equals(Buffer.from(big))).toBe(true);
        expect(gets() - before).toBe(before);
        // Within the run, a second read comes from the cache.
        for await (const chunk of reader.read(file!, { highWaterMark: 65536 }))
          expect(chunk.length).toBeGreaterThan(0);
        expect(gets() - before).toBe(before);
        release();
      } finally {
        await proxy.close();
      }
    });

    it('stages a range on one thread for a worker to read without a request, and reads on past it from S3 (R-S3-1)', async () => {
      const proxy = await startS3Proxy(s3.endpoint, {});
      try {
        const reader = createS3Reader({ ...s3.settings, s3Endpoint: proxy.endpoint });
        const [file] = await reader.list('fleet-data', 'big/');
        const release = reader.retain!([file!]);
        const gets = (): number => proxy.requests.filter((r) => r.startsWith('GET /fleet-data/big')).length;
        const extent = { start: 4_194_303, end: 8_454_144 };
        // What the worker's read is given: the bytes staged, and the shared blocks holding them.
        const staged = (await reader.stage!(file!, extent.start, extent.end))!;
        expect(staged).toMatchObject(extent);
        expect(staged.held).toBeDefined();
        expect(gets()).toBe(1);
        // What a worker builds from the spec: no SDK until it needs a request.
        const spec = reader.spec!;
        const worker = createSourceReader(spec.options, spec.secrets, spec.local);
        expect(worker.spec).toEqual(spec);
        const read = async (from: number, stop: number): Promise<Buffer> => {
          const got: Buffer[] = [];
          let n = 0;
          for await (const chunk of worker.read(file!, {
            start: from,
            end: staged.end,
            highWaterMark: 65536,
            staged,
          })) {
            got.push(chunk);
            n += chunk.length;
            if (n >= stop - from) break;
          }
          return Buffer.concat(got);
        };
        const inside = await read(staged.start + 10, staged.end);
        expect(inside.equals(Buffer.from(big).subarray(staged.start + 10, staged.end))).toBe(true);
        expect(gets()).toBe(1);
        // A row running on past the staged bytes: the rest from S3, byte for byte.
        const past = await read(staged.start, staged.end + 300_000);
        expect(past.equals(Buffer.from(big).subarray(staged.start, staged.start + past.length))).toBe(true);
        expect(past.length).toBeGreaterThanOrEqual(staged.end + 300_000 - staged.start);
        expect(gets()).toBe(2);
        // R-DUP-1: this thread reads a staged row again from the shared block, with no request.
        const row = reader.readSync(file!, file!.etag!, staged.start + 5000, 100);
        expect(row?.equals(Buffer.from(big).subarray(staged.start + 5000, staged.start + 5100))).toBe(true);
        expect(gets()).toBe(2);
        // A worker keeps no bytes: it would ask S3 (rows are read again on the main thread only). Straight to the
        // server: this thread waits on that GET, and the proxy answers on this thread.
        const direct = createSourceReader(
          { ...spec.options!, s3Endpoint: s3.endpoint },
          spec.secrets,
          spec.local,
        );
        const there = direct.readSync(file!, file!.etag!, staged.start + 5000, 100);
        expect(there?.equals(Buffer.from(big).subarray(staged.start + 5000, staged.start + 5100))).toBe(true);
        release();
      } finally {
        await proxy.close();
      }
    });

    it('stages consecutive ranges in GETs of stageBytes, several ranges a request, the next one asked for ahead (R-S3-1)', async () => {
      const proxy = await startS3Proxy(s3.endpoint, {});
      try {
        const stageBytes = 8 * 1024 * 1024;
        const reader = createS3Reader({ ...s3.settings, s3Endpoint: proxy.endpoint, stageBytes });
        const [file] = await reader.list('fleet-data', 'big/');
        const size = file!.size;
        const release = reader.retain!([file!]);
        const gets = (): number => proxy.requests.filter((r) => r.startsWith('GET /fleet-data/big')).length;
        // The parallel dry run's extents: 4 MiB ranges from the byte before each nominal start, a little past its end.
        const extents: { start: number; end: number }[] = [];
        for (let nominal = 0; nominal < size; nominal += 4 * 1024 * 1024)
          extents.push({
            start: Math.max(0, nominal - 1),
            end: Math.min(size, nominal + 4 * 1024 * 1024 + 65536),
          });
        await expect(reader.stage!(file!, 0, 100, AbortSignal.abort())).rejects.toThrow();
        // Four in flight at once, as the parallel dry run has them (two per worker).
        const stagedAll: StagedBytes[] = [];
        for (let i = 0; i < extents.length; i += 4) {
          const got = await Promise.all(
            extents.slice(i, i + 4).map((e) => reader.stage!(file!, e.start, e.end)),
          );
          stagedAll.push(...got.map((g) => g!));
        }
        expect(stagedAll.map((g) => ({ start: g.start, end: g.end }))).toEqual(extents);
        expect(gets()).toBe(Math.ceil(size / stageBytes));
        const spec = reader.spec!;
        const worker = createSourceReader(spec.options, spec.secrets, spec.local);
        for (const staged of stagedAll) {
          const got: Buffer[] = [];
          for await (const chunk of worker.read(file!, {
            start: staged.start,
            end: staged.end,
            highWaterMark: 65536,
            staged,
          })) {
            got.push(chunk);
            if (Buffer.concat(got).length >= staged.end - staged.start) break;
          }
          const bytes = Buffer.concat(got).subarray(0, staged.end - staged.start);
          expect(bytes.equals(Buffer.from(big).subarray(staged.start, staged.end))).toBe(true);
        }
        expect(gets()).toBe(Math.ceil(size / stageBytes));
        // R-DUP-1: rows are read again from the blocks still held, across a block's end too, with no request.
        const version = (await reader.version(file!))!;
        for (const at of [100, stageBytes - 50, stageBytes + 1000, size - 200]) {
          const row = reader.readSync(file!, version, at, 150);
          expect(row?.equals(Buffer.from(big).subarray(at, at + 150))).toBe(true);
        }
        expect(gets()).toBe(Math.ceil(size / stageBytes));
        // Every range read: the blocks go back to the pool, and the next stage reuses their memory.
        const memories = new Set(stagedAll.flatMap((g) => heldBlocks(g.held).map((h) => h.bytes)));
        for (const staged of stagedAll) reader.unstage!(file!, staged);
        const reused = (await reader.stage!(file!, 0, 1000))!;
        expect(memories.has(heldBlocks(reused.held)[0]!.bytes)).toBe(true);
        expect(gets()).toBe(Math.ceil(size / stageBytes) + 1);
        reader.unstage!(file!, reused);
        release();
        // The run ended: its staged bytes are gone, and staging again asks S3 again.
        const again = reader.retain!([file!]);
        expect(await reader.stage!(file!, 0, 1000)).toMatchObject({ start: 0, end: 1000 });
        expect(gets()).toBe(Math.ceil(size / stageBytes) + 2);
        again();
      } finally {
        await proxy.close();
      }
    });

    it('reads a row again by a ranged GET once its staged block is let go, a GET a block and never one a row (R-DUP-1, R-S3-1)', async () => {
      const stageBytes = 2 * 1024 * 1024;
      const reader = createS3Reader({ ...s3.settings, stageBytes });
      const [file] = await reader.list('fleet-data', 'big/');
      const release = reader.retain!([file!]);
      const version = (await reader.version(file!))!;
      const staged = (await reader.stage!(file!, 0, 3 * 1024 * 1024))!;
      reader.unstage!(file!, staged);
      // Its blocks are let go: the rows come from S3, exact.
      for (const at of [10, 2 * 1024 * 1024 - 70, 20_000_000]) {
        const row = reader.readSync(file!, version, at, 150);
        expect(row?.equals(Buffer.from(big).subarray(at, at + 150))).toBe(true);
      }
      release();
      // A file full of duplicates reads its earlier rows again in order: one GET per block of them.
      const sync = new SyncRangeReader(s3ClientConfig(s3.settings));
      const bytes = Buffer.from(big);
      try {
        for (let at = 0; at < 3 * REREAD_BLOCK_BYTES; at += 997) {
          const row = sync.read(file!, at, 120);
          expect(row.equals(bytes.subarray(at, at + 120))).toBe(true);
        }
        // Block 0; blocks 0-1 for the row across their border; blocks 1-2 for the next such row.
        expect(sync.requests).toBe(3);
        // A version that is not the object's any more stops the run (R-S3-1 SOURCE_CHANGED).
        expect(() => sync.read({ ...file!, etag: '"0123456789abcdef0123456789abcdef"' }, 5, 10)).toThrow(
          /changed during the run/,
        );
      } finally {
        sync.close();
      }
    });

    it('fails a row read again at once, naming why, when the thread making its GET stops (R-DUP-1, R-S3-1)', async () => {
      const [file] = await createS3Reader(s3.settings).list('fleet-data', 'big/');
      // A helper that throws on its request, and one that exits before any (so it is gone while no one waits).
      for (const [source, why] of [
        [`parentPort.on('message', () => { throw new Error('boom'); });`, /stopped: boom/],
        [`process.exit(3);`, /stopped: it exited/],
      ] as const) {
        const sync = new SyncRangeReader(s3ClientConfig(s3.settings), REREAD_BLOCK_BYTES, source);
        try {
          const started = Date.now();
          expect(() => sync.read(file!, 0, 100)).toThrow(why);
          expect(Date.now() - started).toBeLessThan(30_000); // not the 4 minutes of WAIT_MS
          // The next read tries a new helper thread (and fails the same way), never a hang.
          expect(() => sync.read(file!, 0, 100)).toThrow(why);
        } finally {
          sync.close();
        }
      }
    });

    it('gives the dry run of S3 objects the results of the same files on disk, on one thread and in byte ranges on worker threads (R-S3-1, R-DUP-1)', async () => {
      for (const prefix of ['mixed/', 'big/']) {
        const { fromS3, fromDisk } = await both(prefix);
        const options = { now: NOW, table: TABLE };
        const disk = await dryRun(fleetTask(), fromDisk, options);
        const oneThread = await dryRun(fleetTask(), fromS3, options);
        const onMain: string[] = [];
        const parallelOptions = {
          ...options,
          workers: 2,
          rangeBytes: 3 * 1024 * 1024,
          minParallelBytes: 0,
          onMainThreadRange: (r: { reason: string }) => onMain.push(r.reason),
        };
        // The ranges go to the workers, which read them in ranged GETs (no fallback to one thread).
        expect(parallelSupport(parallelOptions, fromS3)).toEqual({ ok: true });
        const parallel = await parallelDryRun(fleetTask(), fromS3, parallelOptions);
        expect(onMain).toEqual([]);
        expect(disk.progress.RecordsProcessed).toBeGreaterThan(0);
        expect(disk.progress.RecordIngestionFailures).toBeGreaterThan(0); // conflicting rewrites were re-read
        expect(outcome(oneThread)).toEqual(outcome(disk));
        expect(outcome(parallel)).toEqual(outcome(disk));
      }
    }, 240_000);

    it('names a missing bucket and a denied one clearly (R-S3-1)', async () => {
      const gone = await resolveSource(
        { bucket: 'no-such-bucket', prefix: '' },
        s3SourceLocation(s3.settings),
      );
      expect(gone).toMatchObject({ ok: false, error: { code: 'SOURCE_NOT_FOUND' } });
      expect(!gone.ok && gone.error.message).toMatch(
        /The bucket no-such-bucket does not exist \(ListObjectsV2/,
      );
      const proxy = await startS3Proxy(s3.endpoint, { denied: ['fleet-data'] });
      try {
        const denied = await resolveSource(
          { bucket: 'fleet-data', prefix: '' },
          s3SourceLocation({ ...s3.settings, s3Endpoint: proxy.endpoint }),
        );
        expect(denied).toMatchObject({ ok: false, error: { code: 'SOURCE_UNREADABLE' } });
        expect(!denied.ok && denied.error.message).toMatch(
          /^Access denied to s3:\/\/fleet-data \(ListObjectsV2 .*AccessDenied \(HTTP 403\)/,
        );
      } finally {
        await proxy.close();
      }
    });

    it('stops a run whose object changed after it was listed, naming it (SOURCE_CHANGED, R-S3-1)', async () => {
      await s3.put('fleet-data', 'changing/data.csv', small);
      const resolved = await resolveSource(
        { bucket: 'fleet-data', prefix: 'changing/' },
        s3SourceLocation(s3.settings),
      );
      if (!resolved.ok) throw new Error('unresolved');
      const [file] = resolved.source.files;
      await s3.put('fleet-data', 'changing/data.csv', small.replace('v1', 'v2'));
      const run = dryRun(fleetTask(), resolved.source, { now: NOW, table: TABLE });
      await expect(run).rejects.toSatisfy(isSourceChanged);
      await expect(run).rejects.toThrow(/s3:\/\/fleet-data\/changing\/data\.csv changed during the run/);
      expect(file!.etag).toMatch(/^"/);
    });
  },
);
