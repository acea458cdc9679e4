/** R-SUBMIT-1: the prediction (the dry run) beside the outcome (the service), and the reasons that differ. */
import type { ErrorReport, ProgressReport } from '@tsbatch/core';

export const PROGRESS_MEMBERS = [
  'RecordsProcessed',
  'RecordsIngested',
  'ParseFailures',
  'RecordIngestionFailures',
  'FileFailures',
  'BytesMetered',
] as const;

export interface ReasonDifference {
  fileName: string;
  reason: string;
  /** Rows the reason covers (the lengths of its line ranges; a file failure counts 0). */
  predicted: number | null;
  actual: number | null;
}

export interface OutcomeComparison {
  /** Every ProgressReport member equal. */
  same: boolean;
  members: { name: (typeof PROGRESS_MEMBERS)[number]; predicted: number; actual: number }[];
  /** Per file and reason, where the two error reports disagree. */
  reasons: ReasonDifference[];
}

function rowsByReason(report: ErrorReport | null): Map<string, number> {
  const out = new Map<string, number>();
  for (const file of report?.fileErrors ?? []) {
    for (const error of file.errors) {
      let rows = 0;
      for (const [from, to] of error.lineRanges) rows += to - from + 1;
      const key = `${file.fileName}\u0000${error.reason}`;
      out.set(key, (out.get(key) ?? 0) + rows);
    }
  }
  for (const error of report?.taskErrors ?? []) out.set(`\u0000${error.reason}`, 0);
  return out;
}

export function compareOutcome(
  predicted: { progress: ProgressReport; errorReport: ErrorReport | null },
  actual: { progress: { [K in keyof ProgressReport]?: number | undefined }; errorReport: ErrorReport | null },
): OutcomeComparison {
  const members = PROGRESS_MEMBERS.map((name) => ({
    name,
    predicted: predicted.progress[name],
    actual: actual.progress[name] ?? 0,
  }));
  const mine = rowsByReason(predicted.errorReport);
  const theirs = rowsByReason(actual.errorReport);
  const reasons: ReasonDifference[] = [];
  for (const key of new Set([...mine.keys(), ...theirs.keys()])) {
    const p = mine.get(key) ?? null;
    const a = theirs.get(key) ?? null;
    if (p === a) continue;
    const [fileName, reason] = key.split('\u0000') as [string, string];
    reasons.push({ fileName, reason, predicted: p, actual: a });
  }
  return { same: members.every((m) => m.predicted === m.actual) && reasons.length === 0, members, reasons };
}

/** The comparison as text: one line per member, then the reasons that differ. */
export function formatComparison(comparison: OutcomeComparison): string {
  const width = Math.max(...comparison.members.map((m) => m.name.length));
  const lines = [`  ${'member'.padEnd(width)}  ${'predicted'.padStart(14)}  ${'actual'.padStart(14)}`];
  for (const m of comparison.members) {
    const mark = m.predicted === m.actual ? '' : '  <- differs';
    lines.push(
      `  ${m.name.padEnd(width)}  ${m.predicted.toLocaleString('en-US').padStart(14)}  ${m.actual.toLocaleString('en-US').padStart(14)}${mark}`,
    );
  }
  for (const r of comparison.reasons) {
    const show = (n: number | null): string => (n === null ? 'absent' : `${n} rows`);
    lines.push(
      `  ${r.fileName || '(task)'}: ${r.reason}: predicted ${show(r.predicted)}, actual ${show(r.actual)}`,
    );
  }
  lines.push(
    comparison.same ? '  The outcome is the prediction.' : '  The outcome differs from the prediction.',
  );
  return `${lines.join('\n')}\n`;
}
