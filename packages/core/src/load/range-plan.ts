/**
 * The planning half of the dry run in byte ranges (range-load.ts): each file cut into jobs of about `rangeBytes`,
 * its header read and the mapper bound once (for the duplicate check's rows read again), and the queue that keeps
 * `inFlight` jobs running ahead of the replay, across file boundaries (files in parallel).
 */
import type { TableRetention } from '../checks/table.js';
import { fileTooLarge } from '../csv/csv-failures.js';
import type { ResolvedReadOptions } from '../csv/csv-read-file.js';
import { readHeader } from '../csv/read-header.js';
import type { RowSource } from '../map/record-source.js';
import type { CompiledTask } from '../map/row-mapper.js';
import { rowSource as makeRowSource } from '../map/map-rows.js';
import type { SourceFile } from '../source/source.js';
import type { SourceReader } from '../source/source-reader.js';
import type { ResolvedTask } from '../task.js';
import { EMPTY_OUTCOME, type RangeJob, type RangeOutcome, type RangeRunner } from './range-job.js';
import type { PlannedFile } from './range-replay.js';

/** What every job of a run shares. */
export interface RangePlan {
  task: ResolvedTask;
  compiled: CompiledTask;
  taskKey: string;
  rangeBytes: number;
  read: ResolvedReadOptions;
  highWaterMark: number;
  table: TableRetention | null;
  nowMs: number;
  /** Gather the report's statistics in the workers (LoadOptions.statistics). */
  statistics: boolean;
  signal: AbortSignal | undefined;
  /** What reads the files (R-S3-1): the local disk, or a reader whose spec the jobs carry to workers. */
  reader: SourceReader;
}

/** A file's jobs: one per range, or one for the whole file when its header fails (it fails there, as sequentially). */
export async function planFile(plan: RangePlan, file: SourceFile): Promise<PlannedFile> {
  const { task, read } = plan;
  if (file.size > read.maxFileBytes) {
    return { file, jobs: [], rowSource: null, failure: fileTooLarge(file.size, read.maxFileBytes) };
  }
  const base: RangeJob = {
    task,
    taskKey: plan.taskKey,
    file,
    ...(plan.reader.spec !== undefined && { reader: plan.reader.spec }),
    header: null,
    nominal: 0,
    limit: Infinity,
    table: plan.table,
    nowMs: plan.nowMs,
    maxRowBytes: read.maxRowBytes,
    highWaterMark: plan.highWaterMark,
    ...(plan.statistics && { statistics: true }),
  };
  const whole: PlannedFile = { file, jobs: [base], rowSource: null, failure: null };
  const header = await readHeader(file, task.csv, {
    reader: plan.reader,
    ...(plan.signal !== undefined && { signal: plan.signal }),
  });
  if (!header.ok) return whole;
  const bound = plan.compiled.bind(header.header);
  if (!bound.ok) return whole;
  const rowSource: RowSource | null = await makeRowSource(
    plan.reader,
    file,
    task.csv,
    bound.map,
    header.header.length,
  );
  const count = Math.max(1, Math.ceil(file.size / plan.rangeBytes));
  const jobs: RangeJob[] = [];
  for (let k = 0; k < count; k++) {
    jobs.push({
      ...base,
      header: k === 0 ? null : header.header,
      nominal: k * plan.rangeBytes,
      limit: k === count - 1 ? Infinity : (k + 1) * plan.rangeBytes,
    });
  }
  return { file, jobs, rowSource, failure: null };
}

export interface QueuedJob {
  planned: PlannedFile;
  job: RangeJob;
  result: Promise<RangeOutcome>;
}

/** Jobs running `inFlight` ahead of the replay, in file order. */
export class RangeQueue {
  private readonly queue: QueuedJob[] = [];
  private readonly planned: { file: SourceFile; plan: Promise<PlannedFile> | null }[];
  private nextFile = 0;
  private nextJob = 0;
  private current: PlannedFile | null = null;

  constructor(
    private readonly plan: RangePlan,
    files: readonly SourceFile[],
    private readonly run: RangeRunner,
    private readonly inFlight: number,
  ) {
    this.planned = files.map((file) => ({ file, plan: null }));
  }

  /** The next job in file order (started long before), or undefined at the end. */
  async next(): Promise<QueuedJob | undefined> {
    await this.fill();
    return this.queue.shift();
  }

  private async fill(): Promise<void> {
    while (this.queue.length < this.inFlight) {
      if (this.current === null || this.nextJob >= this.current.jobs.length) {
        if (this.nextFile >= this.planned.length) return;
        const entry = this.planned[this.nextFile++]!;
        entry.plan ??= planFile(this.plan, entry.file);
        this.current = await entry.plan;
        this.nextJob = 0;
        if (this.current.jobs.length === 0) {
          const job = null as unknown as RangeJob;
          this.queue.push({ planned: this.current, job, result: Promise.resolve(EMPTY_OUTCOME) });
          continue;
        }
      }
      const job = this.current.jobs[this.nextJob++]!;
      const result = this.run(job);
      result.catch(() => {}); // awaited in order by the replay; not an unhandled rejection meanwhile
      this.queue.push({ planned: this.current, job, result });
    }
  }
}
