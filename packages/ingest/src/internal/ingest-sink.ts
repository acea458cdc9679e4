/**
 * The sink of a real load (DESIGN: the only thing that differs from a dry run). The within-load duplicate rule
 * (R-DUP-1) is decided by the engine (runDeferredLoad) exactly as in a dry run, in file order and at any size, so
 * that two conflicting records never race to the service; rows go to the writer, and each row settles when all its
 * records are answered (R-COUNT-1). Rows a checkpoint already covers are not sent again: they settle with the
 * outcome recorded when they were (R-ING-3).
 */
import {
  type DeferredLoadSink,
  type Failure,
  type RowOutcome,
  type SentRow,
  type SettleRow,
} from '@tsbatch/core';
import { IngestError, stopCause } from '../errors.js';
import { rejectionFailure } from '../rejections.js';
import type { Writer } from '../writer.js';

/** A record the service refused, as kept for a resume to count again without sending (R-ING-3). */
export interface RecordedRejection {
  file: string;
  line: number;
  /** Index of the record among its row's records. */
  index: number;
  failure: Failure;
}

/** Rows already acknowledged: every row of the files before `file`, and of `file` up to `line` (all when `done`). */
export interface AcknowledgedPosition {
  /** Index of the file in the source. */
  file: number;
  line: number;
  done: boolean;
}

export interface IngestSinkOptions {
  /** Position in the source of each file key. */
  fileIndex: ReadonlyMap<string, number>;
  acknowledged: AcknowledgedPosition | null;
  /** Refusals recorded for acknowledged rows. */
  recorded: readonly RecordedRejection[];
  /** A record the service refused just now. */
  onRejection?: (rejection: RecordedRejection) => void;
}

const STORED: RowOutcome = Object.freeze({ rejected: [] });

export function createIngestSink(writer: Writer, options: IngestSinkOptions): DeferredLoadSink {
  const { fileIndex, acknowledged, onRejection } = options;
  const recorded = new Map<string, RowOutcome>();
  for (const r of options.recorded) {
    const key = `${r.file}\u0000${r.line}`;
    let outcome = recorded.get(key);
    if (outcome === undefined) {
      outcome = { rejected: [] };
      recorded.set(key, outcome);
    }
    if (!outcome.rejected.some((x) => x.index === r.index))
      outcome.rejected.push({ index: r.index, failure: r.failure });
  }

  function isAcknowledged(row: SentRow): boolean {
    if (acknowledged === null) return false;
    const index = fileIndex.get(row.file) ?? Number.MAX_SAFE_INTEGER;
    if (index !== acknowledged.file) return index < acknowledged.file;
    return acknowledged.done || row.line <= acknowledged.line;
  }

  return {
    send(row: SentRow, settle: SettleRow): void | Promise<void> {
      const records = row.records;
      if (isAcknowledged(row)) {
        settle(recorded.get(`${row.file}\u0000${row.line}`) ?? STORED);
        return;
      }
      if (writer.stopReason !== null) throw writer.stopReason;
      let left = records.length;
      let rejected: RowOutcome['rejected'] | null = null;
      let wait: void | Promise<void> = undefined;
      for (let i = 0; i < records.length; i++) {
        const index = i;
        wait = writer.add(records[i]!, (outcome) => {
          if (outcome instanceof IngestError) return settle(outcome);
          if (outcome !== null) {
            const failure = rejectionFailure(outcome, index);
            (rejected ??= []).push({ index, failure });
            onRejection?.({ file: row.file, line: row.line, index, failure });
          }
          if (--left === 0) settle(rejected === null ? STORED : { rejected });
        });
      }
      return wait;
    },
    flush: () => writer.flush(),
    stop: (reason) => writer.stop(stopCause(reason)),
  };
}
