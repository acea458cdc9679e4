import type { DryRunResult, ResolvedSource } from '@tsbatch/core';

const n = (v: number): string => v.toLocaleString('en-US');

/** The human summary of a dry run: counts, top failure reasons with example lines, metered bytes and cost. */
export function formatDryRunSummary(
  result: DryRunResult,
  source: ResolvedSource,
  options: {
    price: number;
    reportDir?: string | undefined;
    recordsFile?: string | undefined;
    htmlFile?: string | undefined;
  },
): string {
  const p = result.progress;
  const lines: string[] = [];
  lines.push(`Dry run ${result.status} (TaskId ${result.taskId})`);
  lines.push(
    `  files        ${n(source.files.length)} read, ${n(p.FileFailures)} failed as a whole`,
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
function lineRanges(result: DryRunResult, reason: string, most = 6): string {
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
