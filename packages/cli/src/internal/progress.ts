/**
 * Progress on stderr (DESIGN, issue 18): a bar on a terminal; elsewhere (ETL logs, CI) plain lines, at most one every
 * PLAIN_INTERVAL_MS, with rows, bytes, rate and ETA. Durations never read `2m60s`; a stop message is never drawn over.
 */
import cliProgress from 'cli-progress';

export interface Progress {
  update(bytes: number, rows: number): void;
  /** Stops drawing and prints `message` on its own line (Ctrl-C): later updates print nothing. */
  interrupt(message: string): void;
  /** Clears the bar (a terminal) at the end of the run. */
  stop(): void;
}

export interface ProgressOptions {
  /** Milliseconds since some origin. @default Date.now */
  clock?: () => number;
  /** [choice] Plain lines: at most one this often. @default PLAIN_INTERVAL_MS */
  intervalMs?: number;
}

/** [choice] A plain progress line at most every 5 s: a 10-minute load logs 120 lines, a short one none. */
export const PLAIN_INTERVAL_MS = 5_000;

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let v = n / 1024;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${v.toFixed(v < 10 ? 1 : 0)} ${units[i]!}`;
}

/** A duration for an ETA: `42s`, `2m05s`, `1h07m`; rounded once, so a minute never shows 60 seconds. */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '?';
  const total = Math.round(seconds);
  if (total < 60) return `${total}s`;
  if (total < 3600) return `${Math.floor(total / 60)}m${String(total % 60).padStart(2, '0')}s`;
  const minutes = Math.round(total / 60);
  return `${Math.floor(minutes / 60)}h${String(minutes % 60).padStart(2, '0')}m`;
}

/** Elapsed time for a summary: `0.4 s`, `12.3 s`, then `2m05s`. */
export function formatElapsed(ms: number): string {
  const seconds = ms / 1000;
  return seconds < 60 ? `${seconds.toFixed(1)} s` : formatDuration(seconds);
}

const n = (v: number): string => Math.round(v).toLocaleString('en-US');

/** `elapsed 3.2 s, 4,375 rows/s`: the line every summary ends its counts with (issue 18). */
export function elapsedLine(ms: number, rows: number, unit = 'rows'): string {
  const rate = ms > 0 ? n((rows * 1000) / ms) : '0';
  return `${formatElapsed(ms)}, ${rate} ${unit}/s`;
}

interface Sample {
  at: number;
  bytes: number;
  rows: number;
}

/** Rate and ETA from the whole run so far (steadier than the last interval on a bursty reader). */
function measure(
  start: Sample,
  now: Sample,
  totalBytes: number,
): { rowsPerS: number; bytesPerS: number; eta: string } {
  const seconds = (now.at - start.at) / 1000;
  const bytesPerS = seconds > 0 ? (now.bytes - start.bytes) / seconds : 0;
  const rowsPerS = seconds > 0 ? (now.rows - start.rows) / seconds : 0;
  const eta = bytesPerS > 0 ? formatDuration((totalBytes - now.bytes) / bytesPerS) : '?';
  return { rowsPerS, bytesPerS, eta };
}

/** The plain progress line. */
export function progressLine(start: Sample, now: Sample, totalBytes: number): string {
  const { rowsPerS, bytesPerS, eta } = measure(start, now, totalBytes);
  const percent = totalBytes > 0 ? Math.floor((now.bytes / totalBytes) * 100) : 100;
  return (
    `progress: ${percent}% ${formatBytes(now.bytes)} of ${formatBytes(totalBytes)}, ${n(now.rows)} rows, ` +
    `${n(rowsPerS)} rows/s, ${formatBytes(Math.round(bytesPerS))}/s, ETA ${eta}`
  );
}

export function createProgress(
  stream: NodeJS.WritableStream & { isTTY?: boolean },
  totalBytes: number,
  options: ProgressOptions = {},
): Progress {
  const clock = options.clock ?? Date.now;
  const start: Sample = { at: clock(), bytes: 0, rows: 0 };
  return stream.isTTY === true
    ? terminalBar(stream, totalBytes, start, clock)
    : plainLines(stream, totalBytes, start, clock, options.intervalMs ?? PLAIN_INTERVAL_MS);
}

function plainLines(
  stream: NodeJS.WritableStream,
  totalBytes: number,
  start: Sample,
  clock: () => number,
  intervalMs: number,
): Progress {
  let last = start.at;
  let stopped = false;
  return {
    update(bytes, rows): void {
      const at = clock();
      if (stopped || at - last < intervalMs) return;
      last = at;
      stream.write(`${progressLine(start, { at, bytes, rows }, totalBytes)}\n`);
    },
    interrupt(message): void {
      stopped = true;
      stream.write(`${message}\n`);
    },
    stop(): void {
      stopped = true;
    },
  };
}

function terminalBar(
  stream: NodeJS.WritableStream,
  totalBytes: number,
  start: Sample,
  clock: () => number,
): Progress {
  const bar = new cliProgress.SingleBar(
    {
      stream,
      // Our own ETA: cli-progress's formatting could show `2m60s`.
      format: ' {bar} {percentage}% | {done} / {total_h} | {rate} rows/s | ETA {eta_text}',
      hideCursor: true,
      clearOnComplete: true,
      fps: 5,
    },
    cliProgress.Presets.shades_classic,
  );
  const payload = (bytes: number, rows: number): Record<string, string> => {
    const { rowsPerS, eta } = measure(start, { at: clock(), bytes, rows }, totalBytes);
    return { done: formatBytes(bytes), total_h: formatBytes(totalBytes), rate: n(rowsPerS), eta_text: eta };
  };
  bar.start(Math.max(totalBytes, 1), 0, payload(0, 0));
  let drawing = true;
  return {
    update(bytes, rows): void {
      if (drawing) bar.update(bytes, payload(bytes, rows));
    },
    interrupt(message): void {
      // Clear the bar first: drawn again, it would overwrite the message (issue 18).
      if (drawing) bar.stop();
      drawing = false;
      stream.write(`${message}\n`);
    },
    stop(): void {
      if (drawing) bar.stop();
      drawing = false;
    },
  };
}
