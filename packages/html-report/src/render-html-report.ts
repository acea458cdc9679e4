/**
 * `tsbatch dry-run --html FILE` (issue 19): the dry run as one self-contained HTML file. The numbers (ProgressReport,
 * cost, failures by reason with line ranges and examples) are written into the page as HTML; the charts are drawn in
 * the browser by Chart.js, inlined with the page's script and the statistics (core's DryRunStatistics) as JSON, so
 * the file opens anywhere with no network.
 */
import type { DryRunResult, FailureSummary, PartialLoadResult, ResolvedSource } from '@tsbatch/core';
import { reportAssets } from './assets.js';
import { count, escapeHtml as h, scriptJson } from './html-text.js';

export interface HtmlReportOptions {
  /** Price of one million 1 KiB writes, for the cost estimate. @default 0.5 (us-east-1 list price) */
  price?: number;
  /** Line ranges shown per failure reason and file. @default 12 */
  maxRanges?: number;
}

export interface ResolvedHtmlReportOptions {
  price: number;
  maxRanges: number;
}

export const HTML_REPORT_ERROR_CODES = ['HTML_REPORT_NO_STATISTICS', 'HTML_REPORT_BAD_OPTION'] as const;
export type HtmlReportErrorCode = (typeof HTML_REPORT_ERROR_CODES)[number];

export class HtmlReportError extends Error {
  constructor(
    readonly code: HtmlReportErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'HtmlReportError';
  }
}

export function resolveHtmlReportOptions(options: HtmlReportOptions = {}): ResolvedHtmlReportOptions {
  const price = options.price ?? 0.5;
  const maxRanges = options.maxRanges ?? 12;
  if (!Number.isFinite(price) || price < 0) {
    throw new HtmlReportError('HTML_REPORT_BAD_OPTION', `price must be a number >= 0, got ${String(price)}`);
  }
  if (!Number.isInteger(maxRanges) || maxRanges < 1) {
    throw new HtmlReportError(
      'HTML_REPORT_BAD_OPTION',
      `maxRanges must be a positive integer, got ${String(maxRanges)}`,
    );
  }
  return { price, maxRanges };
}

/** The report of a dry run run with `statistics: true`. */
export function renderHtmlReport(
  result: DryRunResult | PartialLoadResult,
  source: ResolvedSource,
  options: HtmlReportOptions = {},
): string {
  const resolved = resolveHtmlReportOptions(options);
  const stats = result.statistics;
  if (stats === undefined) {
    throw new HtmlReportError(
      'HTML_REPORT_NO_STATISTICS',
      'the dry run was made without statistics: run it with { statistics: true }',
    );
  }
  const assets = reportAssets();
  const request = result.description.TargetDatabaseName ?? '';
  const table = result.description.TargetTableName ?? '';
  const data = {
    statistics: stats,
    progress: result.progress,
    window: result.window,
    status: result.status,
  };
  return [
    '<!doctype html>',
    '<html lang="en">',
    '<head>',
    '<meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    // No network: nothing but inline scripts, styles and data: images may run or load.
    `<meta http-equiv="Content-Security-Policy" content="default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:">`,
    `<title>tsbatch dry run ${h(result.status)}: ${h(request)}.${h(table)}</title>`,
    `<style>${assets.css}</style>`,
    '</head>',
    '<body>',
    header(result, source, request, table),
    '<main>',
    summary(result, resolved),
    failures(result, resolved),
    charts(),
    '</main>',
    `<script type="application/json" id="report-data">${scriptJson(data)}</script>`,
    `<script>${assets.chartJs}</script>`,
    `<script>${assets.script}</script>`,
    '</body>',
    '</html>',
    '',
  ].join('\n');
}

function header(
  result: DryRunResult | PartialLoadResult,
  source: ResolvedSource,
  database: string,
  table: string,
): string {
  const files = source.files.length;
  const bytes = source.totalBytes;
  return [
    '<header>',
    `<h1>Dry run <span class="status status-${h(result.status.toLowerCase())}" id="status">${h(result.status)}</span></h1>`,
    `<p>Task <code id="task-id">${h(result.taskId)}</code> into <code>${h(database)}.${h(table)}</code>: ` +
      `${count(files)} file${files === 1 ? '' : 's'}, ${count(bytes)} bytes. Nothing was written anywhere: ` +
      'these are the counts Timestream batch load would report.</p>',
    '</header>',
  ].join('\n');
}

const MEMBERS = [
  ['RecordsProcessed', 'rows read'],
  ['RecordsIngested', 'rows whose records would all be stored'],
  ['ParseFailures', 'rows the service could not turn into records'],
  ['RecordIngestionFailures', 'rows whose records the table would refuse'],
  ['FileFailures', 'files that failed as a whole'],
  ['BytesMetered', 'estimate (R-METER-1)'],
] as const;

function summary(result: DryRunResult | PartialLoadResult, options: ResolvedHtmlReportOptions): string {
  const p = result.progress;
  const writes = Math.ceil(p.BytesMetered / 1024);
  const cost = (writes / 1_000_000) * options.price;
  const costText = cost < 0.01 ? cost.toPrecision(2) : cost.toFixed(2);
  const rows = MEMBERS.map(
    ([member, note]) =>
      `<tr><th scope="row"><code>${member}</code></th><td class="num" data-member="${member}">${count(p[member])}</td><td>${note}</td></tr>`,
  );
  const window =
    result.window === null
      ? '<p class="note">Time window not checked: no table was given (--table or --memory-retention-hours).</p>'
      : `<p>Ingestion window <code id="window">[${h(result.window.from)}, ${h(result.window.to)})</code></p>`;
  const warnings =
    result.warnings.length === 0
      ? ''
      : `<ul class="warnings">${result.warnings.map((w) => `<li>${h(w.message)}</li>`).join('')}</ul>`;
  return [
    '<section id="summary">',
    '<h2>ProgressReport</h2>',
    `<table class="progress"><tbody>${rows.join('')}</tbody></table>`,
    `<p class="cost">Metered <span data-cost="bytes">${count(p.BytesMetered)}</span> bytes = ` +
      `<span data-cost="writes">${count(writes)}</span> writes of 1 KiB ≈ <span data-cost="usd">$${costText}</span> ` +
      `at $${options.price.toFixed(2)} per million writes (an estimate: AWS does not define BytesMetered for batch load).</p>`,
    window,
    warnings,
    '</section>',
  ].join('\n');
}

function failures(result: DryRunResult | PartialLoadResult, options: ResolvedHtmlReportOptions): string {
  if (result.failures.length === 0) {
    return '<section id="failures"><h2>Failures by reason</h2><p>No row or file failed.</p></section>';
  }
  const rows = result.failures.map((f) => failureRow(result, f, options));
  return [
    '<section id="failures">',
    '<h2>Failures by reason</h2>',
    '<table class="failures"><thead><tr><th>kind</th><th>rows</th><th>reason</th><th>lines</th><th>examples</th></tr></thead>',
    `<tbody>${rows.join('\n')}</tbody></table>`,
    '</section>',
  ].join('\n');
}

function failureRow(
  result: DryRunResult | PartialLoadResult,
  f: FailureSummary,
  options: ResolvedHtmlReportOptions,
): string {
  const ranges: string[] = [];
  for (const file of result.errorReport?.fileErrors ?? []) {
    const error = file.errors.find((e) => e.reason === f.reason);
    if (error === undefined) continue;
    if (error.lineRanges.length === 0) {
      ranges.push(`${h(file.fileName)}: the whole file`);
      continue;
    }
    const shown = error.lineRanges
      .slice(0, options.maxRanges)
      .map(([a, b]) => (a === b ? `${a}` : `${a}-${b}`));
    const more = error.lineRanges.length - shown.length;
    ranges.push(
      `${h(file.fileName)}: ${shown.join(', ')}${more > 0 ? `, … (${count(more)} more ranges)` : ''}`,
    );
  }
  const examples = f.examples
    .map((e) => {
      const where = e.lastLine > e.line ? `${e.file}:${e.line}-${e.lastLine}` : `${e.file}:${e.line}`;
      return `<li><code>${h(where)}</code> ${h(e.detail)}</li>`;
    })
    .join('');
  return (
    `<tr data-code="${h(f.code)}"><td>${h(f.kind)}</td><td class="num" data-rows>${count(f.rows)}</td>` +
    `<td>${h(f.reason)} <code>${h(f.code)}</code></td><td>${ranges.join('<br>')}</td><td><ul>${examples}</ul></td></tr>`
  );
}

/** The canvases the page's script draws into (assets/report-client.js), each with its caption. */
function charts(): string {
  const chart = (id: string, title: string, caption: string, tall = false): string =>
    `<figure class="chart${tall ? ' tall' : ''}"><figcaption><h3>${title}</h3><p>${caption}</p></figcaption>` +
    `<div class="canvas"><canvas id="${id}"></canvas></div></figure>`;
  return [
    '<section id="charts">',
    '<h2>Charts</h2>',
    '<div id="line-charts"></div>',
    chart(
      'chart-window',
      'Record times against the ingestion window',
      "Rows that mapped to records, by their time; the shaded band is the table's ingestion window (R-WIN-1), the line is now.",
    ),
    chart(
      'chart-times',
      'Rows per time bucket',
      'Rows that mapped to records, by their time: ingested, or refused by the table (limits, the window, conflicting duplicates).',
    ),
    chart(
      'chart-columns',
      'Nulls and invalid cells per column',
      'Nulls: cells left out of the records (R-DIM-1, R-MEAS-2) or rows that failed on a null cell; invalid: parse failures naming the column.',
      true,
    ),
    '<div id="dimension-charts"></div>',
    chart(
      'chart-series',
      'Distinct values and series',
      'Distinct values of each dimension, and the time series (dimensions + measure name) the load would write to; ≈ marks an estimate (HyperLogLog).',
    ),
    '</section>',
  ].join('\n');
}
