import type { DryRunResult, PartialLoadResult, ResolvedSource } from '@tsbatch/core';
import { elapsedLine } from './progress.js';

const n = (v: number): string => v.toLocaleString('en-US');

export interface SummaryOptions {
  price: number;
  reportDir?: string | undefined;
  recordsFile?: string | undefined;
  /** `--html FILE`: named in the summary. */
  htmlFile?: string | undefined;
  /** The run's wall time: an `elapsed` line with the rate (issue 18). */
  elapsedMs?: number | undefined;
  /** `Dry run` (default) or `Ingest`. */
  title?: string;
  /** Leave out the files line (a resumed task does not list its source again). */
  files?: boolean;
}

/** The human summary of a dry run: counts, top failure reasons with example lines, metered bytes and cost. */
export function formatDryRunSummary(
  result: DryRunResult | PartialLoadResult,
  source: ResolvedSource,
  options: SummaryOptions,
): string {
  const p = result.progress;
  const lines: string[] = [];
  const stopped =
    result.status === 'PROGRESS_STOPPED' ? ': interrupted, the counts of the rows read so far' : '';
  lines.push(`${options.title ?? 'Dry run'} ${result.status} (TaskId ${result.taskId})${stopped}`);
  if (options.files !== false) {
    lines.push(`  files        ${n(source.files.length)} read, ${n(p.FileFailures)} failed as a whole`);
  }
  lines.push(
    `  rows         ${n(p.RecordsProcessed)} processed: ${n(p.RecordsIngested)} ingested, ` +
      `${n(p.ParseFailures)} parse failures, ${n(p.RecordIngestionFailures)} ingestion failures`,
  );
  const writes = Math.ceil(p.BytesMetered / 1024);
  const cost = (writes / 1_000_000) * options.price;
  lines.push(
    `  metered      ${n(p.BytesMetered)} bytes = ${n(writes)} writes of 1 KiB ≈ $${cost < 0.01 ? cost.toPrecision(2) : cost.toFixed(2)} ` +
      `at $${options.price.toFixed(2)} per million writes (estimate, R-METER-1)`,
  );
  if (result.window !== null) lines.push(`  time window  [${result.window.from}, ${result.window.to})`);
  if (options.elapsedMs !== undefined) {
    lines.push(`  elapsed      ${elapsedLine(options.elapsedMs, p.RecordsProcessed)}`);
  }
  if (result.failures.length > 0) {
    lines.push('', 'Top failure reasons:');
    for (const f of result.failures.slice(0, 8)) {
      const unit = f.kind === 'file' ? 'file' : 'row';
      lines.push(
        `  ${f.kind.padEnd(9)} ${n(f.rows).padStart(9)} ${unit}${f.rows === 1 ? ' ' : 's'}  ${f.reason} [${f.code}]`,
      );
      const ranges = lineRanges(result, f.reason);
      if (ranges !== '') lines.push(`      lines  ${ranges}`);
      for (const e of f.examples) {
        const where = e.lastLine > e.line ? `${e.file}:${e.line}-${e.lastLine}` : `${e.file}:${e.line}`;
        lines.push(`      e.g.   ${where}  ${e.detail}`);
      }
    }
    if (result.failures.length > 8) lines.push(`  … and ${result.failures.length - 8} more reasons`);
  }
  if (options.reportDir !== undefined) {
    lines.push('');
    if (result.errorReport !== null) lines.push(`Error report: ${options.reportDir}/error-report.json`);
    lines.push(`Rejected rows: ${options.reportDir}/rejects.jsonl`);
  }
  if (options.recordsFile !== undefined) lines.push(`Records: ${options.recordsFile}`);
  if (options.htmlFile !== undefined) lines.push(`HTML report: ${options.htmlFile}`);
  return `${lines.join('\n')}\n`;
}

/** The error report's line ranges for one reason (R-REP-2), per file, shortened past a few. */
function lineRanges(result: DryRunResult | PartialLoadResult, reason: string, most = 6): string {
  const parts: string[] = [];
  for (const file of result.errorReport?.fileErrors ?? []) {
    const error = file.errors.find((e) => e.reason === reason);
    if (error === undefined || error.lineRanges.length === 0) continue;
    const shown = error.lineRanges.slice(0, most).map(([a, b]) => (a === b ? `${a}` : `${a}-${b}`));
    const more = error.lineRanges.length > most ? `, … (${error.lineRanges.length - most} more ranges)` : '';
    parts.push(`${file.fileName}: ${shown.join(', ')}${more}`);
  }
  return parts.join('; ');
}
