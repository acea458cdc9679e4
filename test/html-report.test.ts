/**
 * `tsbatch dry-run --html` in a real browser (issue 19): Debian's headless Chromium opens the report; every chart is
 * drawn (pixels on its canvas, the expected series, their totals equal to the ProgressReport), the numbers on the
 * page are the run's ProgressReport, and the page asks for nothing over the network. Skipped, saying why, only
 * outside CI when /usr/bin/chromium is missing (.ci/run installs it; in CI the test always runs).
 */
import { mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ProgressReport } from '@tsbatch/core';
import { hasChromium, openReport } from './report-browser.js';
import { runExample } from './readme-examples.js';

const skip = !hasChromium() && process.env.CI !== 'true';
if (skip)
  console.warn(
    'html-report.test.ts skipped: /usr/bin/chromium is not installed (apt-get install -y chromium)',
  );

let out: string;
beforeAll(async () => {
  out = await mkdtemp(path.join(os.tmpdir(), 'tsbatch-html-'));
});
afterAll(async () => {
  await rm(out, { recursive: true, force: true });
});

/** The page's globals the test reads (the test is compiled without the DOM library). */
interface PageElement {
  id: string;
  textContent: string | null;
  getAttribute(name: string): string | null;
}
interface PageCanvas extends PageElement {
  width: number;
  height: number;
  getContext(
    kind: '2d',
  ): { getImageData(x: number, y: number, w: number, h: number): { data: Uint8ClampedArray } } | null;
}
interface PageGlobals {
  document: {
    querySelectorAll(selector: string): Iterable<PageElement>;
    getElementById(id: string): PageCanvas | null;
  };
  __tsbatchReport: { charts: { id: string }[] };
  Chart: {
    getChart(
      canvas: PageCanvas,
    ): { data: { datasets: { label: string; data: (number | { y: number })[] }[] } } | undefined;
  };
}

interface DrawnChart {
  id: string;
  series: string[];
  /** Per dataset, the sum of its values. */
  totals: number[];
  /** Canvas pixels that are not transparent. */
  painted: number;
}

/** Runs the dry run with --html and --json, opens the report and reads back what the page shows. */
async function dryRunInBrowser(args: string[]) {
  const html = path.join(out, `report-${Math.random().toString(36).slice(2)}.html`);
  const { exit, output } = await runExample(['dry-run', ...args, '--html', html, '--json']);
  const json = output.slice(output.indexOf('{'));
  const progress = (JSON.parse(json) as { BatchLoadTaskDescription: { ProgressReport: ProgressReport } })
    .BatchLoadTaskDescription.ProgressReport;
  const report = await openReport(html);
  try {
    const { page } = report;
    const members = await page.evaluate(() => {
      const { document } = globalThis as unknown as PageGlobals;
      const cells = [...document.querySelectorAll('[data-member]')];
      const shown: Record<string, number> = {};
      for (const c of cells) shown[c.getAttribute('data-member')!] = Number(c.textContent!.replace(/,/g, ''));
      return shown;
    });
    const charts = await page.evaluate(() => {
      const w = globalThis as unknown as PageGlobals;
      return w.__tsbatchReport.charts.map(({ id }) => {
        const canvas = w.document.getElementById(id)!;
        const chart = w.Chart.getChart(canvas)!;
        const pixels = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height).data;
        let painted = 0;
        for (let i = 3; i < pixels.length; i += 4) if (pixels[i]! > 0) painted++;
        return {
          id,
          series: chart.data.datasets.map((d) => d.label),
          totals: chart.data.datasets.map((d) =>
            d.data.reduce<number>((a, v) => a + (typeof v === 'number' ? v : v.y), 0),
          ),
          painted,
        };
      });
    });
    const canvases = await page.evaluate(() => {
      const { document } = globalThis as unknown as PageGlobals;
      return [...document.querySelectorAll('canvas')].map((c) => c.id);
    });
    const status = await page.textContent('#status');
    return {
      exit,
      progress,
      members,
      charts: charts as DrawnChart[],
      canvases,
      status,
      requests: report.requests,
      errors: report.errors,
      html,
    };
  } finally {
    await report.close();
  }
}

const chart = (charts: DrawnChart[], id: string): DrawnChart => {
  const found = charts.find((c) => c.id === id);
  if (found === undefined)
    throw new Error(`chart ${id} was not drawn (drawn: ${charts.map((c) => c.id).join(', ')})`);
  return found;
};

describe.skipIf(skip)('tsbatch dry-run --html in headless Chromium', () => {
  it('draws every chart of the fleet example with errors, shows its ProgressReport and makes no request', async () => {
    const run = await dryRunInBrowser([
      'examples/fleet/task.json',
      '--s3-root',
      'examples/fleet/s3-with-errors',
      '--table',
      'examples/fleet/table.json',
      '--now',
      '2024-05-01T01:30:00Z',
    ]);
    expect(run.exit).toBe(1);
    expect(run.errors).toEqual([]);
    expect(run.requests).toEqual([expect.stringMatching(/^file:\/\/.*\.html$/)]);
    expect(run.status).toBe('FAILED');
    expect(run.members).toEqual(run.progress);
    expect(run.progress).toMatchObject({
      RecordsProcessed: 14,
      ParseFailures: 4,
      RecordIngestionFailures: 2,
    });
    // Every canvas on the page was drawn, with paint on it.
    expect(run.charts.map((c) => c.id).sort()).toEqual([...run.canvases].sort());
    for (const c of run.charts) expect(c.painted, c.id).toBeGreaterThan(1000);
    const p = run.progress;
    const lines = chart(run.charts, 'chart-lines-0');
    expect(lines.series).toEqual(['parse failures', 'ingestion failures']);
    expect(lines.totals).toEqual([p.ParseFailures, p.RecordIngestionFailures]);
    const window = chart(run.charts, 'chart-window');
    expect(window.series).toEqual(['inside the window', 'outside the window']);
    // R-WIN-1: the row of 2025 is the one outside the window; the version conflict of line 15 is inside it.
    expect(window.totals).toEqual([p.RecordsIngested + p.RecordIngestionFailures - 1, 1]);
    const times = chart(run.charts, 'chart-times');
    expect(times.series).toEqual(['ingested', 'refused by the table']);
    expect(times.totals).toEqual([p.RecordsIngested, p.RecordIngestionFailures]);
    const columns = chart(run.charts, 'chart-columns');
    expect(columns.series).toEqual(['nulls', 'invalid cells']);
    // Invalid cells: "n/a" twice in wgt, the ISO time; the field-count row names no column.
    expect(columns.totals).toEqual([0, 3]);
    expect(chart(run.charts, 'chart-dimension-0').totals).toEqual([
      p.RecordsIngested + p.RecordIngestionFailures,
    ]);
    expect(chart(run.charts, 'chart-series')).toMatchObject({ series: ['distinct'], totals: [4 + 4 + 4] });
  });

  it('draws the charts of a mixed model without a table, and a parallel run of a larger file', async () => {
    const sensors = await dryRunInBrowser([
      'examples/sensors/task.json',
      '--s3-root',
      'examples/sensors/s3',
      '--now',
      '2024-05-01T02:00:00Z',
    ]);
    expect(sensors.errors).toEqual([]);
    expect(sensors.members).toEqual(sensors.progress);
    expect(sensors.requests).toHaveLength(1);
    expect(chart(sensors.charts, 'chart-window').series).toEqual(['rows']);
    expect(sensors.charts.filter((c) => c.id.startsWith('chart-dimension-'))).toHaveLength(2);
    for (const c of sensors.charts) expect(c.painted, c.id).toBeGreaterThan(1000);

    // 20 MiB: over the parallel threshold, so byte ranges are read on 2 workers and their statistics merged.
    const header = 'timestamp,vehicle,registration,wgt,spd,fuel_consumption,miles\n';
    const rows: string[] = [];
    for (let i = 0; i < 330_000; i++) {
      rows.push(`${1714521600 + i},truck-${i % 40},REG-${i % 40},${i % 97 === 0 ? 'n/a' : i},1.5,2.5,${i}`);
    }
    const big = path.join(out, 'big.csv');
    await writeFile(big, header + rows.join('\n') + '\n');
    const parallel = await dryRunInBrowser(['examples/fleet/task.json', '--source', big, '--workers', '2']);
    expect(parallel.members).toEqual(parallel.progress);
    expect(parallel.progress.ParseFailures).toBe(Math.ceil(330_000 / 97));
    expect(chart(parallel.charts, 'chart-lines-0').totals).toEqual([parallel.progress.ParseFailures, 0]);
    expect(chart(parallel.charts, 'chart-series').totals).toEqual([40 + 40 + 40]);
  }, 120_000);

  it('refuses to write the report through a symbolic link', async () => {
    const target = path.join(out, 'target.txt');
    await writeFile(target, 'not mine');
    const link = path.join(out, 'link.html');
    await symlink(target, link);
    const { exit, output } = await runExample([
      'dry-run',
      'examples/fleet/task.json',
      '--s3-root',
      'examples/fleet/s3',
      '--html',
      link,
    ]);
    expect(exit).toBe(2);
    expect(output).toContain('refusing to write there: it is a symbolic link');
    expect(await readFile(target, 'utf8')).toBe('not mine');
  });
});
