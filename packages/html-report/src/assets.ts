/**
 * The files inlined into every report: Chart.js's own UMD build (from the installed package, so the report needs no
 * network), the page's script and its style sheet (assets/, beside src/ and dist/).
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export interface ReportAssets {
  chartJs: string;
  script: string;
  css: string;
}

let cached: ReportAssets | null = null;

export function reportAssets(): ReportAssets {
  if (cached !== null) return cached;
  // chart.js exports only its module entries: its UMD build sits beside the CommonJS one, in the same dist/.
  const main = createRequire(import.meta.url).resolve('chart.js');
  const umd = readFileSync(path.join(path.dirname(main), 'chart.umd.min.js'), 'utf8');
  const assets = fileURLToPath(new URL('../assets/', import.meta.url));
  cached = {
    // A source-map comment would name a file the report does not carry.
    chartJs: umd.replace(/\n?\/\/# sourceMappingURL=.*$/m, ''),
    script: readFileSync(path.join(assets, 'report-client.js'), 'utf8'),
    css: readFileSync(path.join(assets, 'report.css'), 'utf8'),
  };
  return cached;
}
