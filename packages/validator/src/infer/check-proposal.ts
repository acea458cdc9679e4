/**
 * The proposal run over the data it came from (tsbatch init): the rows read, mapped by core's own row mapper (the
 * dry run's), and their parse failures grouped by code and column, so the report names every cell that would fail.
 */
import { compileTask, dryRun, type Failure, type ResolvedSource, type ResolvedTask } from '@tsbatch/core';

export interface SampledFile {
  key: string;
  header: string[];
  rows: { line: number; cells: string[] }[];
  /** Rows the reader could not split (field counts, quotes): already parse failures. */
  failures: { line: number; failure: Failure }[];
}

export interface BadCells {
  code: string;
  column: string | null;
  rows: number;
  /** The first few, as `file:line` with the failure's detail. */
  examples: { file: string; line: number; detail: string }[];
}

export interface ProposalCheck {
  rows: number;
  parseFailures: number;
  bad: BadCells[];
  /** 'sample': the rows read for the proposal; 'dry-run': a full dry run of every file. */
  over: 'sample' | 'dry-run';
}

const EXAMPLES = 5;

function grouper(): { add(file: string, line: number, failure: Failure): void; groups: BadCells[] } {
  const byKey = new Map<string, BadCells>();
  return {
    add(file, line, failure): void {
      const key = `${failure.code}\u0000${failure.column ?? ''}`;
      let g = byKey.get(key);
      if (g === undefined) {
        g = { code: failure.code, column: failure.column ?? null, rows: 0, examples: [] };
        byKey.set(key, g);
      }
      g.rows++;
      if (g.examples.length < EXAMPLES) g.examples.push({ file, line, detail: failure.detail });
    },
    get groups(): BadCells[] {
      return [...byKey.values()].sort((a, b) => b.rows - a.rows);
    },
  };
}

export function checkSample(task: ResolvedTask, files: SampledFile[]): ProposalCheck {
  const compiled = compileTask(task);
  const bad = grouper();
  let rows = 0;
  let failed = 0;
  for (const file of files) {
    const bound = compiled.bind(file.header);
    for (const f of file.failures) {
      rows++;
      failed++;
      bad.add(file.key, f.line, f.failure);
    }
    if (!bound.ok) {
      bad.add(file.key, 1, bound.failure);
      continue;
    }
    for (const row of file.rows) {
      rows++;
      const result = bound.map(row.cells);
      if (!Array.isArray(result)) {
        failed++;
        bad.add(file.key, row.line, result);
      }
    }
  }
  return { rows, parseFailures: failed, bad: bad.groups, over: 'sample' };
}

export async function checkByDryRun(
  task: ResolvedTask,
  source: ResolvedSource,
  signal?: AbortSignal,
): Promise<ProposalCheck> {
  const bad = grouper();
  const result = await dryRun(task, source, {
    ...(signal !== undefined && { signal }),
    onReject: (entry) => {
      if (entry.kind !== 'parse' && entry.kind !== 'file') return;
      bad.add(entry.file, entry.line, {
        kind: entry.kind,
        code: entry.code,
        reason: entry.reason,
        detail: entry.reason,
        ...(entry.column !== undefined && { column: entry.column }),
      });
    },
  });
  return {
    rows: result.progress.RecordsProcessed,
    parseFailures: result.progress.ParseFailures,
    bad: bad.groups,
    over: 'dry-run',
  };
}
