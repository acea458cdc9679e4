/**
 * R-DUP-1 spilled ahead of the send path (load/spill-ahead.ts, issue 16): runDeferredLoad with the pass ahead gives
 * the same verdicts, sent records, rejects, ProgressReport, error report and spill events as without it (the
 * spill-rest once the table is full) and as an unbounded table, on hostile inputs with small budgets; it starts
 * while the table still answers; a pass that fails does not touch a load whose table never fills.
 */
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  runDeferredLoad,
  type DeferredLoadOptions,
  type DeferredLoadSink,
  type RejectEntry,
  type ResolvedSource,
  type ResolvedTask,
  type SentRow,
} from '../../src/index.js';
import { collidingFleetLines, FLEET_HEADER, fleetTask, mixedTask, sourceOf } from '../dry-run-fixtures.js';

const fcOptions = process.env.FC_SEED === undefined ? {} : { seed: Number(process.env.FC_SEED) };
const NOW = new Date('2024-05-01T01:30:00Z');
const T0 = 1714521600;
const UNBOUNDED = 10_000_000;

/** A target that stores everything, answering a few turns of the event loop later. */
function laterSink(onSend?: (row: SentRow) => void): DeferredLoadSink & { sent: SentRow[] } {
  const sent: SentRow[] = [];
  return {
    sent,
    send(row, settle): void {
      sent.push(row);
      onSend?.(row);
      setTimeout(() => settle({ rejected: [] }), sent.length % 3);
    },
    flush(): void {},
    stop(): void {},
  };
}

interface Run {
  result: unknown;
  rejects: RejectEntry[];
  sent: SentRow[];
  events: string[];
}

async function deferred(
  task: ResolvedTask,
  source: ResolvedSource,
  options: DeferredLoadOptions,
): Promise<Run> {
  const rejects: RejectEntry[] = [];
  const events: string[] = [];
  const sink = laterSink();
  const result = await runDeferredLoad(task, source, sink, {
    now: NOW,
    taskId: 'T'.repeat(32),
    maxPendingRows: 7,
    ...options,
    onReject: (e) => void rejects.push(e),
    onDuplicateSpill: (e) => void events.push(e.type),
  });
  return { result, rejects, sent: sink.sent, events };
}

describe('runDeferredLoad spilling ahead of the send path (R-DUP-1, issue 16)', () => {
  it('gives the verdicts, rejects, ProgressReport and spill events of the spill-rest and of an unbounded table (property)', async () => {
    await fc.assert(
      fc.asyncProperty(
        collidingFleetLines(T0, 150),
        fc.integer({ min: 1, max: 16 }),
        fc.boolean(),
        async (lines, budget, mixed) => {
          const cut = Math.floor(lines.length / 3);
          const source = sourceOf({
            'a.csv': [FLEET_HEADER, ...lines.slice(0, cut)].join('\n'),
            'b.csv': `${[FLEET_HEADER, ...lines.slice(cut)].join('\r\n')}\r\n`,
          });
          const task = mixed ? mixedTask() : fleetTask();
          const unbounded = await deferred(task, source, { maxDuplicateKeys: UNBOUNDED });
          const rest = await deferred(task, source, { maxDuplicateKeys: budget, spillAhead: false });
          const ahead = await deferred(task, source, { maxDuplicateKeys: budget });
          expect(ahead).toEqual(rest);
          expect({ ...ahead, events: [] }).toEqual(unbounded);
        },
      ),
      { ...fcOptions, numRuns: 60 },
    );
  });

  it('spills while the table still answers and rows are sent, and removes its files at the end', async () => {
    // 4,000 rows on 40 points repeating far apart (other values, the same version): most rows refused on disk.
    const rows = [FLEET_HEADER];
    for (let i = 0; i < 4_000; i++) rows.push(`${T0 + (i % 400)},Truck-${i % 400},TX,${i % 3}.5,1,2,${i}`);
    const source = sourceOf({ 'f.csv': `${rows.join('\n')}\n` });
    for (const spillAhead of [true, false]) {
      const tempDir = mkdtempSync(path.join(os.tmpdir(), 'tsbatch-ahead-test-'));
      try {
        // Spill folders that exist when row 50 is sent (the table of 100 keys fills at row 101).
        let early = -1;
        const sink = laterSink((row) => {
          if (row.line === 51) early = readdirSync(tempDir).length;
        });
        const events: string[] = [];
        const result = await runDeferredLoad(fleetTask(), source, sink, {
          now: NOW,
          maxDuplicateKeys: 100,
          tempDir,
          spillAhead,
          onDuplicateSpill: (e) => void events.push(e.type),
        });
        expect(early).toBe(spillAhead ? 1 : 0);
        expect(events).toEqual(['spill-start', 'resolve-start', 'spill-end']);
        expect(result.progress).toMatchObject({ RecordsProcessed: 4_000, RecordsIngested: 400 });
        expect(readdirSync(tempDir)).toEqual([]);
      } finally {
        rmSync(tempDir, { recursive: true, force: true });
      }
    }
  });

  it('ends as without the pass when the table never fills, even if the pass could not write its files', async () => {
    // 2,000 rows on 5 points: far more records than the budget of 10, never more than 5 keys.
    const rows = [FLEET_HEADER];
    for (let i = 0; i < 2_000; i++) rows.push(`${T0 + (i % 5)},Truck-${i % 5},TX,1.5,1,2,${i % 5}`);
    const source = sourceOf({ 'f.csv': `${rows.join('\n')}\n` });
    const tempDir = path.join(os.tmpdir(), 'tsbatch-no-such-folder', 'x');
    const unbounded = await deferred(fleetTask(), source, { maxDuplicateKeys: UNBOUNDED });
    const ahead = await deferred(fleetTask(), source, { maxDuplicateKeys: 10, tempDir });
    expect(ahead).toEqual(unbounded);
    expect(ahead.events).toEqual([]);
    expect(existsSync(tempDir)).toBe(false);
  });

  it('stops with the pass failure once the table fills (DUPLICATES_TEMP_UNWRITABLE), as the spill-rest does', async () => {
    const rows = [FLEET_HEADER];
    for (let i = 0; i < 500; i++) rows.push(`${T0 + i},Truck-${i},TX,1.5,1,2,${i}`);
    const source = sourceOf({ 'f.csv': `${rows.join('\n')}\n` });
    const tempDir = path.join(os.tmpdir(), 'tsbatch-no-such-folder', 'x');
    for (const spillAhead of [true, false]) {
      const sink = laterSink();
      const run = runDeferredLoad(fleetTask(), source, sink, { maxDuplicateKeys: 10, tempDir, spillAhead });
      await expect(run).rejects.toMatchObject({ code: 'DUPLICATES_TEMP_UNWRITABLE' });
      expect(sink.sent.length).toBe(10);
    }
  });

  it('leaves no temporary file behind when the load is stopped while the pass runs ahead', async () => {
    const rows = [FLEET_HEADER];
    for (let i = 0; i < 4_000; i++) rows.push(`${T0 + i},Truck-${i % 40},TX,1.5,1,2,${i}`);
    const source = sourceOf({ 'f.csv': `${rows.join('\n')}\n` });
    const tempDir = mkdtempSync(path.join(os.tmpdir(), 'tsbatch-ahead-test-'));
    try {
      const controller = new AbortController();
      let during = -1;
      const sink = laterSink((row) => {
        if (row.line !== 60) return;
        during = readdirSync(tempDir).length;
        controller.abort(new Error('stop here'));
      });
      const run = runDeferredLoad(fleetTask(), source, sink, {
        now: NOW,
        maxDuplicateKeys: 100,
        tempDir,
        signal: controller.signal,
      });
      await expect(run).rejects.toThrow('stop here');
      expect(during).toBe(1);
      expect(readdirSync(tempDir)).toEqual([]);
    } finally {
      rmSync(tempDir, { recursive: true, force: true });
    }
  });
});
