// `node --conditions=source --import tsx test/report-screenshot.ts`: the README's screenshot of the fleet example's
// HTML report (docs/dry-run-report.png), taken in Debian's headless Chromium from a fresh dry run.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openReport } from './report-browser.js';
import { ROOT, runExample } from './readme-examples.js';

const dir = mkdtempSync(path.join(os.tmpdir(), 'tsbatch-shot-'));
try {
  const html = path.join(dir, 'report.html');
  const { exit, output } = await runExample([
    'dry-run',
    'examples/fleet/task.json',
    '--s3-root',
    'examples/fleet/s3-with-errors',
    '--table',
    'examples/fleet/table.json',
    '--now',
    '2024-05-01T01:30:00Z',
    '--html',
    html,
  ]);
  if (exit !== 1) throw new Error(`the dry run exited ${exit}:\n${output}`);
  const report = await openReport(html, { width: 1100, height: 800 });
  try {
    await report.page.screenshot({ path: path.join(ROOT, 'docs/dry-run-report.png'), fullPage: true });
  } finally {
    await report.close();
  }
  process.stdout.write('docs/dry-run-report.png\n');
} finally {
  rmSync(dir, { recursive: true, force: true });
}
