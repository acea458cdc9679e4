/** R-SUBMIT-1: submit's bar of rows processed while it polls (the run commands' progress is progress.ts). */
import cliProgress from 'cli-progress';

import { formatBytes } from './progress.js';

export interface ProgressBar {
  update(bytes: number, rows: number): void;
  stop(): void;
}

/**
 * A progress bar on stderr (done / total, rows/s, ETA) when stderr is a terminal; null otherwise (DESIGN). The
 * amounts are bytes unless `show` says otherwise (submit counts rows, R-SUBMIT-1).
 */
export function createProgressBar(
  stream: NodeJS.WritableStream & { isTTY?: boolean },
  totalBytes: number,
  show: (n: number) => string = formatBytes,
): ProgressBar | null {
  if (stream.isTTY !== true) return null;
  const started = Date.now();
  const bar = new cliProgress.SingleBar(
    {
      stream,
      format: ' {bar} {percentage}% | {done} / {total_h} | {rate} rows/s | ETA {eta_formatted}',
      hideCursor: true,
      clearOnComplete: true,
      etaBuffer: 50,
      fps: 5,
    },
    cliProgress.Presets.shades_classic,
  );
  bar.start(Math.max(totalBytes, 1), 0, {
    done: show(0),
    total_h: show(totalBytes),
    rate: '0',
  });
  return {
    update(bytes: number, rows: number): void {
      const seconds = (Date.now() - started) / 1000;
      bar.update(bytes, {
        done: show(bytes),
        total_h: show(totalBytes),
        rate: seconds > 0 ? Math.round(rows / seconds).toLocaleString('en-US') : '0',
      });
    },
    stop(): void {
      bar.stop();
    },
  };
}
